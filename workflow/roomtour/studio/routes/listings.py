"""Listings: address, price, the agent's card (remembered per agent), music, logo."""

from __future__ import annotations

import json
import time

from fastapi import APIRouter, Depends, File, UploadFile
from pydantic import BaseModel, Field

from ...errors import RoomtourError
from ..deps import get_store, listing_or_404, refuse
from ..store import Store
from ..uploads import check_logo, check_music_bytes, display_name
from .renders import job_view

router = APIRouter(prefix="/api/listings", tags=["listings"])


class Agent(BaseModel):
    name: str = Field("", max_length=120)
    phone: str = Field("", max_length=60)
    email: str = Field("", max_length=120)
    brokerage: str = Field("", max_length=120)


class ListingIn(BaseModel):
    address: str = Field(..., min_length=1, max_length=200)
    price: str = Field("", max_length=60)
    agent: Agent | None = None


class ListingPatch(BaseModel):
    address: str | None = Field(None, min_length=1, max_length=200)
    price: str | None = Field(None, max_length=60)
    agent: Agent | None = None


def save_agent(store: Store, agent: Agent | None) -> str:
    """The agent's card, remembered under their name (the next listing starts from it)."""
    if agent is None or not agent.name.strip():
        return ""
    name = agent.name.strip()
    store.execute("INSERT INTO agents (name, phone, email, brokerage) VALUES (?, ?, ?, ?) ON CONFLICT(name) "
                  "DO UPDATE SET phone = excluded.phone, email = excluded.email, brokerage = excluded.brokerage",
                  (name, agent.phone, agent.email, agent.brokerage))
    return name


def listing_view(store: Store, listing_id: int) -> dict:
    listing = listing_or_404(store, listing_id)
    photos = [{k: p[k] for k in ("id", "caption", "move", "position", "width", "height", "original")}
              for p in store.photos(listing_id)]
    agent = store.agent(listing["agent"]) if listing["agent"] else None
    last = store.last_done(listing_id)
    return {"id": listing["id"], "address": listing["address"], "price": listing["price"],
            "agent": {k: agent[k] for k in ("name", "phone", "email", "brokerage")} if agent else None,
            "has_logo": bool(agent and agent["logo"]), "has_music": bool(listing["music"]),
            "options": listing["options"], "photos": photos,
            "jobs": [job_view(store, j) for j in store.jobs(listing_id)[:10]],
            "last_render": job_view(store, last) if last else None}


@router.get("")
def list_listings(store: Store = Depends(get_store)):
    return [{"id": r["id"], "address": r["address"], "price": r["price"],
             "photos": store.one("SELECT COUNT(*) AS n FROM photos WHERE listing = ?", (r["id"],))["n"]}
            for r in store.query("SELECT * FROM listings ORDER BY id DESC")]


@router.get("/agents")
def list_agents(store: Store = Depends(get_store)):
    return [{k: r[k] for k in ("name", "phone", "email", "brokerage")}
            for r in store.query("SELECT * FROM agents ORDER BY name")]


@router.post("", status_code=201)
def create_listing(body: ListingIn, store: Store = Depends(get_store)):
    agent = save_agent(store, body.agent)
    listing_id = store.execute("INSERT INTO listings (address, price, agent, created) VALUES (?, ?, ?, ?)",
                               (body.address.strip(), body.price.strip(), agent, time.time()))
    return listing_view(store, listing_id)


@router.get("/{listing_id}")
def get_listing(listing_id: int, store: Store = Depends(get_store)):
    return listing_view(store, listing_id)


@router.patch("/{listing_id}")
def patch_listing(listing_id: int, body: ListingPatch, store: Store = Depends(get_store)):
    listing_or_404(store, listing_id)
    if body.address is not None:
        store.execute("UPDATE listings SET address = ? WHERE id = ?", (body.address.strip(), listing_id))
    if body.price is not None:
        store.execute("UPDATE listings SET price = ? WHERE id = ?", (body.price.strip(), listing_id))
    if body.agent is not None:
        store.execute("UPDATE listings SET agent = ? WHERE id = ?", (save_agent(store, body.agent), listing_id))
    return listing_view(store, listing_id)


@router.delete("/{listing_id}")
def delete_listing(listing_id: int, store: Store = Depends(get_store)):
    listing_or_404(store, listing_id)
    store.execute("DELETE FROM listings WHERE id = ?", (listing_id,))
    return {"deleted": listing_id}


@router.post("/{listing_id}/music")
async def upload_music(listing_id: int, file: UploadFile = File(...), store: Store = Depends(get_store)):
    from starlette.concurrency import run_in_threadpool

    from ..uploads import MAX_MUSIC_BYTES

    listing_or_404(store, listing_id)
    name = display_name(file.filename)
    data = await file.read(MAX_MUSIC_BYTES + 1)
    try:
        suffix = await run_in_threadpool(check_music_bytes, data, name)
    except RoomtourError as exc:
        raise refuse(exc) from None
    stored = store.write_file(suffix, data)
    store.execute("UPDATE listings SET music = ? WHERE id = ?", (stored, listing_id))
    return {"music": name}


@router.delete("/{listing_id}/music")
def remove_music(listing_id: int, store: Store = Depends(get_store)):
    listing_or_404(store, listing_id)
    store.execute("UPDATE listings SET music = '' WHERE id = ?", (listing_id,))
    return {"music": ""}


@router.post("/{listing_id}/logo")
async def upload_logo(listing_id: int, file: UploadFile = File(...), store: Store = Depends(get_store)):
    from ..uploads import MAX_LOGO_BYTES

    listing = listing_or_404(store, listing_id)
    if not listing["agent"]:
        raise refuse(RoomtourError("logo", "name the agent first: the logo belongs to their card"))
    name = display_name(file.filename)
    try:
        data, suffix = check_logo(await file.read(MAX_LOGO_BYTES + 1), name)
    except RoomtourError as exc:
        raise refuse(exc) from None
    store.execute("UPDATE agents SET logo = ? WHERE name = ?", (store.write_file(suffix, data), listing["agent"]))
    return {"logo": name}


@router.put("/{listing_id}/options")
def put_options(listing_id: int, options: dict, store: Store = Depends(get_store)):
    """The listing's render options (formats, length, ...), checked as the tour's schema says."""
    from ..render_options import check_render_options

    listing_or_404(store, listing_id)
    try:
        clean = check_render_options(options)
    except RoomtourError as exc:
        raise refuse(exc) from None
    store.execute("UPDATE listings SET options = ? WHERE id = ?", (json.dumps(clean), listing_id))
    return clean
