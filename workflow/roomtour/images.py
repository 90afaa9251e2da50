"""Still images in and out: photos (JPEG, PNG, WebP, TIFF, HEIC with EXIF orientation), frames
written as PNG atomically, and the resizing every generator shares.

Images are ``uint8`` RGB arrays of shape ``(H, W, 3)``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .errors import RoomtourError

__all__ = ["read_image", "write_image", "photo_problem", "apply_orientation", "trim_borders", "fit_to_size",
           "enlarged_for_sampling"]

MAX_PIXELS = 1 << 28  # 268 megapixels: far beyond any listing photo, well inside memory
HEIF_SUFFIXES = (".heic", ".heif")
# EXIF orientation -> (transpose?, rotation with np.rot90 k, flip left-right?) applied in that order
_ORIENTATION = {2: (False, 0, True), 3: (False, 2, False), 4: (False, 2, True), 5: (True, 0, False),
                6: (False, 3, False), 7: (True, 2, False), 8: (False, 1, False)}


def _exif_orientation(path: Path) -> int:
    """The EXIF orientation tag (1 = as stored) without decoding the pixels."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return int(im.getexif().get(0x0112, 1) or 1)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return 1


def apply_orientation(img: np.ndarray, orientation: int) -> np.ndarray:
    """Turn stored pixels upright for an EXIF orientation tag (2-8; 1 and others unchanged)."""
    if orientation not in _ORIENTATION:
        return img
    transpose, k, flip = _ORIENTATION[orientation]
    if transpose:
        img = np.swapaxes(img, 0, 1)
    if k:
        img = np.rot90(img, k)
    if flip:
        img = img[:, ::-1]
    return np.ascontiguousarray(img)


def _image_size(path: Path):
    """``(width, height)`` from the file's header, or None when Pillow cannot tell."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # roomtour checks the size itself, with a clearer message
    try:
        with Image.open(path) as im:
            return im.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def photo_problem(path: str | Path) -> str:
    """Why a photo cannot be used, from its header alone (cheap: no pixels decoded), or ""."""
    path = Path(path)
    if not path.is_file():
        return f"{path}: image not found"
    if path.stat().st_size == 0:
        return f"{path}: image file is empty (0 bytes)"
    if path.suffix.lower() in HEIF_SUFFIXES:
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
        except ImportError:
            return f"{path}: HEIC/HEIF needs pillow-heif"
    size = _image_size(path)
    if size is None:
        return f"{path}: not a decodable image"
    if size[0] * size[1] > MAX_PIXELS:
        return f"{path}: image is {size[0]}x{size[1]}; roomtour reads up to {MAX_PIXELS / 1e6:.0f} megapixels"
    return ""


def read_image(path: str | Path) -> np.ndarray:
    """Read a photo as ``(H, W, 3)`` uint8 RGB, upright: alpha is dropped, grey is expanded,
    16-bit images are scaled to 8 bit, and the EXIF orientation (phones store portrait
    photos sideways and tag them) is applied.  JPEG, PNG, WebP, BMP, TIFF and HEIC/HEIF.

    Raises :class:`RoomtourError` with one line naming the file for a missing, empty,
    undecodable or absurdly large file.
    """
    path = Path(path)
    if not path.exists():
        raise RoomtourError(path, "image not found")
    if path.is_dir():
        raise RoomtourError(path, "is a directory, not an image")
    if path.stat().st_size == 0:
        raise RoomtourError(path, "image file is empty (0 bytes)")
    if path.suffix.lower() in HEIF_SUFFIXES:
        return _read_heif(path)
    size = _image_size(path)
    if size and size[0] * size[1] > MAX_PIXELS:
        raise RoomtourError(path, f"image is {size[0]}x{size[1]} ({size[0] * size[1] / 1e6:.0f} megapixels); roomtour "
                                  f"reads up to {MAX_PIXELS / 1e6:.0f}: downscale it first")
    data = np.fromfile(str(path), dtype=np.uint8)
    try:
        img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise RoomtourError(path, f"OpenCV cannot decode it ({str(exc).strip().splitlines()[-1][:120]})") from None
    if img is None:
        raise RoomtourError(path, "not a decodable image (OpenCV cannot read it)")
    if img.dtype == np.uint16:
        img = (img.astype(np.float64) / 257.0).round().astype(np.uint8)
    elif img.dtype != np.uint8:
        raise RoomtourError(path, f"unsupported pixel type {img.dtype}")
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGB)
    else:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    img = apply_orientation(img, _exif_orientation(path))
    if min(img.shape[:2]) < 8:
        raise RoomtourError(path, f"image is too small ({img.shape[1]}x{img.shape[0]} pixels)")
    return img


def _read_heif(path: Path) -> np.ndarray:
    """HEIC/HEIF through pillow-heif (phones' default format), upright."""
    from PIL import Image, ImageOps

    try:
        import pillow_heif
    except ImportError:
        raise RoomtourError(path, "HEIC/HEIF needs pillow-heif (pip install pillow-heif)") from None
    pillow_heif.register_heif_opener()
    try:
        with Image.open(path) as im:
            if im.size[0] * im.size[1] > MAX_PIXELS:
                raise RoomtourError(path, f"image is {im.size[0]}x{im.size[1]}; roomtour reads up to "
                                          f"{MAX_PIXELS / 1e6:.0f} megapixels: downscale it first")
            img = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    except RoomtourError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder failure is "not a readable HEIC"
        raise RoomtourError(path, f"not a readable HEIC/HEIF image ({exc.__class__.__name__})") from None
    if min(img.shape[:2]) < 8:
        raise RoomtourError(path, f"image is too small ({img.shape[1]}x{img.shape[0]} pixels)")
    return np.ascontiguousarray(img)


def write_image(path: str | Path, rgb: np.ndarray) -> None:
    """Write an RGB uint8 image (format from the suffix), atomically."""
    from .video import atomic_path

    path = Path(path)
    ok, buf = cv2.imencode(path.suffix or ".png", cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR))
    if not ok:
        raise RoomtourError(path, "OpenCV could not encode the image")
    with atomic_path(path) as tmp:
        buf.tofile(str(tmp))


def trim_borders(rgb: np.ndarray, max_fraction: float = 0.05, tolerance: float = 4.0) -> np.ndarray:
    """Remove uniform frame lines around a photo (scanner or dataset borders, e.g. the white
    and black edges of NYU Depth V2 frames): rows and columns at each edge, up to
    ``max_fraction`` of the size, whose pixels all lie within ``tolerance`` grey levels of
    the line's mean.  A camera would carry such a line into every frame as a streak."""
    h, w = rgb.shape[:2]
    grey = rgb.astype(np.float32).mean(axis=2)

    def uniform(line):
        return float(np.abs(line - line.mean()).max()) <= tolerance

    def count(lines, limit):
        n = 0
        while n < limit and uniform(lines[n]):
            n += 1
        return n

    top = count(grey, int(max_fraction * h))
    bottom = count(grey[::-1], int(max_fraction * h))
    left = count(grey.T, int(max_fraction * w))
    right = count(grey.T[::-1], int(max_fraction * w))
    return rgb[top: h - bottom, left: w - right]


def fit_to_size(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Centre-crop to the target aspect ratio, then resize with area averaging
    (or Lanczos when enlarging) to exactly ``width`` x ``height``."""
    h, w = rgb.shape[:2]
    target = width / height
    if w / h > target:  # too wide: crop columns
        new_w = max(1, round(h * target))
        x0 = (w - new_w) // 2
        rgb = rgb[:, x0 : x0 + new_w]
    elif w / h < target:
        new_h = max(1, round(w / target))
        y0 = (h - new_h) // 2
        rgb = rgb[y0 : y0 + new_h]
    interp = cv2.INTER_AREA if rgb.shape[1] >= width else cv2.INTER_LANCZOS4
    return cv2.resize(rgb, (width, height), interpolation=interp)


def enlarged_for_sampling(rgb: np.ndarray, magnification: float, max_factor: int = 2) -> tuple[np.ndarray, int]:
    """A copy of ``rgb`` enlarged by a whole factor with Lanczos, for frames that will sample it
    bilinearly at ``magnification`` output pixels per source pixel; returns ``(image, factor)``.

    Bilinear sampling of a magnified image is soft (it interpolates linearly between source
    pixels); Lanczos on every frame is about ten times as slow.  Enlarging once by
    ``ceil(magnification)``, at most ``max_factor``, leaves bilinear sampling little
    magnification to do, so frames get most of Lanczos's fidelity at bilinear's per-frame
    cost (a factor of 3 adds little over 2 for more memory and a slower remap; BENCHMARKS.md).
    ``factor`` is 1 (the image itself) when nothing is magnified.
    Pixel centres map as ``x_enlarged = (x + 0.5) * factor - 0.5``.
    """
    if not np.isfinite(magnification) or magnification <= 1.0:
        return rgb, 1
    factor = int(min(max_factor, np.ceil(magnification - 1e-6)))
    if factor <= 1:
        return rgb, 1
    h, w = rgb.shape[:2]
    return cv2.resize(rgb, (w * factor, h * factor), interpolation=cv2.INTER_LANCZOS4), factor
