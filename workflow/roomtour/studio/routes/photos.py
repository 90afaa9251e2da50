"""A listing's photos: upload (checked by content), order, caption, move, preview, remove."""

from __future__ import annotations

import io

import numpy as np
from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ...errors import RoomtourError
from ...tour.options import MOVES
from ..deps import get_store, listing_or_404, refuse
from ..store import Store
from ..uploads import MAX_PHOTO_BYTES, MAX_PHOTOS, check_photo, display_name

router = APIRouter(tags=["photos"])

class PhotoPatch(BaseModel):
    caption: str | None = Field(None, max_length=120)
    move: str | None = None


class Order(BaseModel):
    photo_ids: list[int]


def _store_photo(store: Store, listing_id: int, data: bytes, name: str, weights_dir: str) -> dict:
    """Check, thumbnail, caption and store one upload (runs in a worker thread)."""
    from ..captions import suggest_caption

    data, suffix, im = check_photo(data, name)
    w, h = im.size
    thumb = im.copy()
    thumb.thumbnail((480, 480))
    buf = io.BytesIO()
    thumb.save(buf, "JPEG", quality=85)
    small = np.asarray(im.resize((min(w, 640), max(1, round(h * min(w, 640) / w)))))
    caption = suggest_caption(small, name, weights_dir)
    stored, thumb_name = store.write_file(suffix, data), store.write_file("jpg", buf.getvalue())
    position = store.one("SELECT COALESCE(MAX(position), 0) + 1 AS p FROM photos WHERE listing = ?",
                         (listing_id,))["p"]
    photo_id = store.execute("INSERT INTO photos (listing, file, original, caption, move, position, width, height,"
                             " thumb) VALUES (?, ?, ?, ?, 'auto', ?, ?, ?, ?)",
                             (listing_id, stored, name, caption, position, w, h, thumb_name))
    return {"id": photo_id, "name": name, "caption": caption, "width": w, "height": h}


@router.post("/api/listings/{listing_id}/photos")
async def upload_photos(listing_id: int, request: Request, files: list[UploadFile] = File(...),
                        store: Store = Depends(get_store)):
    """Each file accepted or refused on its own, with one line why."""
    listing_or_404(store, listing_id)
    weights_dir = request.app.state.settings.weights_dir
    results = []
    for upload in files:
        name = display_name(upload.filename)
        count = store.one("SELECT COUNT(*) AS n FROM photos WHERE listing = ?", (listing_id,))["n"]
        if count >= MAX_PHOTOS:
            results.append({"name": name, "error": f"{name}: a listing holds at most {MAX_PHOTOS} photos"})
            continue
        data = await upload.read(MAX_PHOTO_BYTES + 1)
        try:
            results.append(await run_in_threadpool(_store_photo, store, listing_id, data, name, weights_dir))
        except RoomtourError as exc:
            results.append({"name": name, "error": str(exc)})
    if all("error" in r for r in results):
        raise HTTPException(400, "; ".join(r["error"] for r in results))
    return {"photos": results}


@router.patch("/api/listings/{listing_id}/photos/{photo_id}")
def patch_photo(listing_id: int, photo_id: int, body: PhotoPatch, store: Store = Depends(get_store)):
    try:
        store.photo(listing_id, photo_id)
    except RoomtourError as exc:
        raise refuse(exc, 404) from None
    if body.move is not None and body.move not in MOVES:
        raise HTTPException(400, f"move: one of {', '.join(MOVES)}")
    if body.caption is not None:
        caption = "".join(c for c in body.caption if c.isprintable()).strip()
        store.execute("UPDATE photos SET caption = ? WHERE id = ?", (caption, photo_id))
    if body.move is not None:
        store.execute("UPDATE photos SET move = ? WHERE id = ?", (body.move, photo_id))
    return {k: v for k, v in store.photo(listing_id, photo_id).items() if k in ("id", "caption", "move", "position")}


@router.put("/api/listings/{listing_id}/order")
def reorder(listing_id: int, body: Order, store: Store = Depends(get_store)):
    listing_or_404(store, listing_id)
    ids = [p["id"] for p in store.photos(listing_id)]
    if sorted(body.photo_ids) != sorted(ids):
        raise HTTPException(400, "order: name every photo of the listing exactly once")
    for position, photo_id in enumerate(body.photo_ids, start=1):
        store.execute("UPDATE photos SET position = ? WHERE id = ?", (position, photo_id))
    return {"photo_ids": body.photo_ids}


@router.delete("/api/listings/{listing_id}/photos/{photo_id}")
def delete_photo(listing_id: int, photo_id: int, store: Store = Depends(get_store)):
    try:
        store.photo(listing_id, photo_id)
    except RoomtourError as exc:
        raise refuse(exc, 404) from None
    store.execute("DELETE FROM photos WHERE id = ?", (photo_id,))
    return {"deleted": photo_id}


@router.get("/media/photos/{photo_id}/{kind}")
def photo_file(photo_id: int, kind: str, store: Store = Depends(get_store)):
    row = store.one("SELECT file, thumb FROM photos WHERE id = ?", (photo_id,))
    if row is None or kind not in ("thumb", "full"):
        raise HTTPException(404, "no such photo")
    return FileResponse(store.file_path(row["thumb"] if kind == "thumb" else row["file"]))


@router.post("/api/listings/{listing_id}/photos/{photo_id}/preview")
async def preview(listing_id: int, photo_id: int, request: Request, store: Store = Depends(get_store)):
    """The photo's move as a short clip (cached by photo and move)."""
    import asyncio

    from ..preview import preview_name

    try:
        photo = store.photo(listing_id, photo_id)
    except RoomtourError as exc:
        raise refuse(exc, 404) from None
    name = preview_name(photo["file"], photo["move"])
    final = store.root / "files" / name
    if not final.is_file():
        future = request.app.state.previews.submit(str(store.file_path(photo["file"])), photo["move"], str(final),
                                                   request.app.state.settings.weights_dir)
        try:
            await asyncio.wrap_future(future)
        except RoomtourError as exc:
            raise refuse(RoomtourError("preview", exc.problem)) from None
    return {"url": f"/media/previews/{name}"}


@router.get("/media/previews/{name}")
def preview_file(name: str, store: Store = Depends(get_store)):
    import re

    if not re.fullmatch(r"[0-9a-f]{32}\.mp4", name) or not (store.root / "files" / name).is_file():
        raise HTTPException(404, "no such preview")
    return FileResponse(store.root / "files" / name, media_type="video/mp4")
