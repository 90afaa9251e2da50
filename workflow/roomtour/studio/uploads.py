"""Uploads checked by content, never by name: the image or audio decoder must open them.

Limits (documented in docs/studio.md): a photo at most :data:`MAX_PHOTO_BYTES` and
:data:`MAX_PIXELS`, at most :data:`MAX_PHOTOS` photos per listing; music at most
:data:`MAX_MUSIC_BYTES`; a logo at most :data:`MAX_LOGO_BYTES`.  Each refusal is one line.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from ..errors import RoomtourError

__all__ = ["MAX_PHOTO_BYTES", "MAX_PIXELS", "MAX_PHOTOS", "MAX_MUSIC_BYTES", "MAX_LOGO_BYTES", "check_photo",
           "check_music_bytes", "check_logo", "display_name"]

MAX_PHOTO_BYTES = 30 * 1024 * 1024  # a 48 MP phone JPEG is ~15 MB
MAX_PIXELS = 60_000_000
MAX_PHOTOS = 60
MAX_MUSIC_BYTES = 40 * 1024 * 1024
MAX_LOGO_BYTES = 5 * 1024 * 1024
_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp"}


def display_name(name: str | None) -> str:
    """A client's file name as text to show (its last part, printable, at most 120 characters);
    it is never used as a path."""
    text = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if c.isprintable())
    return text[:120] or "upload"


def _image(data: bytes, what: str, name: str):
    from PIL import Image, UnidentifiedImageError

    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # HEIC photos then fail as "not an image"
        pass
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        im = Image.open(io.BytesIO(data))
        w, h = im.size
        if w * h > MAX_PIXELS:
            raise RoomtourError(name, f"{w}x{h} is more than {MAX_PIXELS // 1_000_000} megapixels")
        im.load()  # decode it all: a truncated file fails here, not in a render
        return im
    except RoomtourError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise RoomtourError(name, f"not a {what} the image decoder can open ({exc.__class__.__name__})") from None


def check_photo(data: bytes, name: str):
    """``(bytes to store, suffix, decoded RGB image)`` of an uploaded photo, or one line why not.
    JPEG, PNG and WebP are kept as sent; HEIC (iPhone) and others the decoder opens become JPEG."""
    if len(data) == 0:
        raise RoomtourError(name, "empty file")
    if len(data) > MAX_PHOTO_BYTES:
        raise RoomtourError(name, f"{len(data) / 2**20:.1f} MB is more than the {MAX_PHOTO_BYTES // 2**20} MB "
                                  "allowed per photo")
    im = _image(data, "photo", name)
    w, h = im.size
    if min(w, h) < 64:
        raise RoomtourError(name, f"{w}x{h} is too small for a tour (at least 64 pixels a side)")
    suffix = _FORMATS.get(im.format or "")
    rgb = im.convert("RGB")
    if suffix and not getattr(im, "is_animated", False):
        return data, suffix, rgb
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=95)
    return out.getvalue(), "jpg", rgb


def check_logo(data: bytes, name: str) -> tuple[bytes, str]:
    if not data:
        raise RoomtourError(name, "empty file")
    if len(data) > MAX_LOGO_BYTES:
        raise RoomtourError(name, f"more than the {MAX_LOGO_BYTES // 2**20} MB allowed for a logo")
    im = _image(data, "logo", name)
    out = io.BytesIO()
    im.convert("RGBA").save(out, "PNG")  # transparency kept, one format for the renderer
    return out.getvalue(), "png"


def check_music_bytes(data: bytes, name: str) -> str:
    """The suffix to store music under, after ffmpeg found an audio stream in it."""
    from ..video import check_music

    if not data:
        raise RoomtourError(name, "empty file")
    if len(data) > MAX_MUSIC_BYTES:
        raise RoomtourError(name, f"more than the {MAX_MUSIC_BYTES // 2**20} MB allowed for music")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "music"
        path.write_bytes(data)
        try:
            report = check_music(path)
        except RoomtourError as exc:
            raise RoomtourError(name, exc.problem) from None
    codec = str((report.get("audio") or {}).get("codec", "")).lower()
    return {"mp3": "mp3", "aac": "m4a", "vorbis": "ogg", "opus": "ogg", "flac": "flac"}.get(codec, "wav"
                                                                                          if "pcm" in codec else "m4a")
