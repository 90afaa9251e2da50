"""Renders: queue one, follow its progress, cancel it, play and download what it made."""

from __future__ import annotations

import os
import re
import zipfile

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from ...config import safe_name
from ...errors import RoomtourError
from ..deps import get_runner, get_store, listing_or_404, refuse
from ..jobs import JobRunner
from ..render_options import check_render_options
from ..store import Store

router = APIRouter(tags=["renders"])

_RESULT_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.(mp4|jpg|png)$")


def result_files(store: Store, job_id: int) -> list[str]:
    """The files a completed render made (names only; nothing hidden or half-written)."""
    folder = store.render_dir(job_id)
    if not folder.is_dir():
        return []
    return sorted(n for n in os.listdir(folder) if _RESULT_NAME.match(n) and not n.startswith("."))


def job_view(store: Store, job: dict) -> dict:
    files = result_files(store, job["id"]) if job["state"] == "done" else []
    readiness = job["progress"].get("platforms", {}) if isinstance(job["progress"], dict) else {}
    return {"id": job["id"], "state": job["state"], "message": job["message"],
            "formats": job["spec"]["options"]["formats"],
            "progress": {k: v for k, v in job["progress"].items() if k != "platforms"},
            "queue_position": store.queue_position(job["id"]), "platforms": readiness,
            "files": [{"name": n, "url": f"/renders/{job['id']}/{n}"} for n in files],
            "zip": f"/renders/{job['id']}.zip" if files else None}


def render_spec(store: Store, listing: dict) -> dict:
    """What a render needs, frozen at the moment it is queued (later edits start a new render)."""
    photos = store.photos(listing["id"])
    if not photos:
        raise RoomtourError(listing["address"], "no photos yet: upload some first")
    options = check_render_options(listing["options"])
    agent = store.agent(listing["agent"]) if listing["agent"] else None
    # strict: a photo that cannot be decoded fails the render (the agent chose every photo; a tour
    # that silently leaves one out is not what they asked for)
    options.update(price=listing["price"], address=listing["address"], music=listing["music"], strict=True)
    if agent:
        options.update(agent_name=agent["name"], agent_phone=agent["phone"], agent_email=agent["email"],
                       brokerage=agent["brokerage"], logo=agent["logo"])
    slug = safe_name(listing["address"]).lower()[:40] or "tour"
    return {"slug": slug, "options": options,
            "photos": [{"file": p["file"], "caption": p["caption"], "move": p["move"]} for p in photos]}


@router.post("/api/listings/{listing_id}/renders", status_code=202)
def queue_render(listing_id: int, store: Store = Depends(get_store), runner: JobRunner = Depends(get_runner)):
    listing = listing_or_404(store, listing_id)
    try:
        spec = render_spec(store, listing)
    except RoomtourError as exc:
        raise refuse(exc) from None
    job_id = store.add_job(listing_id, spec)
    runner.notify()
    return job_view(store, store.job(job_id))


@router.get("/api/jobs/{job_id}")
def get_job(job_id: int, store: Store = Depends(get_store)):
    job = store.job(job_id)
    if job is None:
        raise HTTPException(404, "no such render")
    return job_view(store, job)


@router.post("/api/jobs/{job_id}/cancel")
def cancel_job(job_id: int, store: Store = Depends(get_store)):
    job = store.job(job_id)
    if job is None:
        raise HTTPException(404, "no such render")
    if job["state"] in ("queued", "running"):
        store.execute("UPDATE jobs SET state = 'cancelled', message = 'cancelled' WHERE id = ? "
                      "AND state IN ('queued', 'running')", (job_id,))
    return job_view(store, store.job(job_id))


@router.get("/renders/{job_id}.zip")
def download_zip(job_id: int, store: Store = Depends(get_store)):
    job = store.job(job_id)
    files = result_files(store, job_id) if job and job["state"] == "done" else []
    if not files:
        raise HTTPException(404, "no completed render with that number")
    final = store.render_dir(job_id).with_name(f"{job_id}.zip")
    if not final.is_file():
        tmp = final.with_name(f".{job_id}.zip.part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as z:  # MP4 and JPEG are compressed already
            for name in files:
                z.write(store.render_dir(job_id) / name, name)
        os.replace(tmp, final)
    return FileResponse(final, media_type="application/zip", filename=f"{job['spec']['slug']}-{job_id}.zip")


@router.get("/renders/{job_id}/{name}")
def download_file(job_id: int, name: str, store: Store = Depends(get_store)):
    job = store.job(job_id)
    if job is None or job["state"] != "done" or name not in result_files(store, job_id):
        raise HTTPException(404, "no such file in that render")
    return FileResponse(store.render_dir(job_id) / name)
