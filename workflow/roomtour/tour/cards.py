"""Everything a tour draws: text that fits, title and closing cards, captions, the agent's card
and the price/address badge, and the check that an unbranded video names nobody.

Text stays inside the *safe area* (:func:`safe_area`): long words shrink the font and then
break, text cut to fit ends in an ellipsis (with a warning).  Text is set in DejaVu Sans
(bundled with matplotlib) where it can be, else in an installed font that has every character
(Noto Sans CJK from Debian's fonts-noto-cjk for Chinese, Japanese and Korean:
:data:`FALLBACK_FONTS`); characters no installed font has (emoji, mostly) are dropped with a
warning that names them, instead of showing as empty boxes.
"""

from __future__ import annotations

import functools
import logging
import re

import cv2
import numpy as np

from ..errors import RoomtourError

__all__ = ["font_path", "font_for", "safe_area", "fit_text", "card", "closing_card", "CaptionOverlay", "Badge",
           "contact_details", "load_logo", "thumbnail", "contact_sheet", "MAX_SHEET_TILES"]

log = logging.getLogger(__name__)

WHITE = (255, 255, 255)


@functools.lru_cache(maxsize=2)
def font_path(bold: bool = True) -> str:
    """DejaVu Sans, which ships with matplotlib (no system fonts needed): Latin, Greek, Cyrillic."""
    from matplotlib import font_manager

    return font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans",
                                                             weight="bold" if bold else "normal"))


# system fonts for what DejaVu cannot draw (Chinese, Japanese, Korean, ...), first found first used;
# Debian's fonts-noto-cjk gives the first two (scripts/install_fonts.sh)
FALLBACK_FONTS = {
    True: ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "/usr/share/fonts/truetype/noto/NotoSansCJK-Bold.ttc",
           "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    False: ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
            "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
            "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
}


@functools.lru_cache(maxsize=8)
def _charmap(path: str) -> frozenset:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def _fonts(bold: bool) -> list[str]:
    import os

    return [font_path(bold)] + [p for p in FALLBACK_FONTS[bool(bold)] if os.path.isfile(p)]


def font_for(text: str, bold: bool = True) -> str:
    """The font that draws ``text``: DejaVu Sans where it can, else the first installed fallback
    that has every character, else the one that has the most."""
    chars = {ord(ch) for ch in text if not ch.isspace()}
    fonts = _fonts(bold)
    for path in fonts:
        if chars <= _charmap(path):
            return path
    return max(fonts, key=lambda p: len(chars & _charmap(p)))


def _is_emoji(ch: str) -> bool:
    import unicodedata

    return ord(ch) >= 0x1F000 or unicodedata.category(ch) == "So" or 0xFE00 <= ord(ch) <= 0xFE0F


def drawable(text: str, bold: bool = True) -> str:
    """``text`` without the characters no installed font has a glyph for (named in one warning)."""
    have = _charmap(font_for(text, bold))
    missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in have})
    if not missing:
        return text
    emoji = [c for c in missing if _is_emoji(c)]
    what = ("emoji (no installed font draws them)" if len(emoji) == len(missing) else
            "characters no installed font has (fonts-noto-cjk covers Chinese, Japanese and Korean)")
    log.warning("dropping %d %s from %r: %s", len(missing), what, text,
                " ".join(f"U+{ord(c):04X}" for c in missing))
    kept = "".join(ch for ch in text if ch.isspace() or ord(ch) in have)
    return re.sub(r"\s{2,}", " ", kept).strip()


def safe_area(width: int, height: int) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` where text may go: 8 % margins, and for portrait video the top
    12 % and bottom 20 % left free (where apps put their own buttons and captions)."""
    if height > width:
        return int(0.08 * width), int(0.12 * height), int(0.92 * width), int(0.80 * height)
    return int(0.08 * width), int(0.08 * height), int(0.92 * width), int(0.92 * height)


def fit_text(text: str, width: int, size: int, max_lines: int, bold: bool = True, min_size: int = 8,
             warn: bool = True):
    """``(lines, font)``: ``text`` wrapped into at most ``max_lines`` lines no wider than ``width``
    pixels.  A word too long for a line shrinks the font (down to 60 % of ``size``), then breaks;
    text that still does not fit is cut and ends in an ellipsis, with a warning."""
    from PIL import Image, ImageDraw, ImageFont

    text = drawable(" ".join(text.split()), bold)
    path = font_for(text, bold)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    longest = max(text.split(), key=len, default="")
    font = ImageFont.truetype(path, max(min_size, size))
    while (probe.textlength(longest, font=font) > width and font.size > max(min_size, int(0.6 * size))):
        font = ImageFont.truetype(path, font.size - 1)
    lines: list[str] = []
    line = ""
    for word in text.split():
        while probe.textlength(word, font=font) > width:  # break a word no line can hold
            cut = _longest_prefix(probe, word, font, width)
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        trial = f"{line} {word}".strip()
        if probe.textlength(trial, font=font) <= width:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        (log.warning if warn else log.debug)("text cut to %d line(s) to fit the safe area: %r", max_lines, text)
        last = lines[max_lines - 1]
        while last and probe.textlength(last + "…", font=font) > width:
            last = last[:-1].rstrip()
        lines = lines[: max_lines - 1] + [last + "…"]
    return lines, font


def _longest_prefix(probe, word: str, font, width: int) -> int:
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if probe.textlength(word[:mid], font=font) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _backdrop(width: int, height: int, background: np.ndarray | None) -> np.ndarray:
    """A darkened, blurred photo (or dark grey) to put a card's text on."""
    if background is None:
        return np.full((height, width, 3), 28, np.uint8)
    from ..images import fit_to_size

    base = fit_to_size(background, width, height)
    base = cv2.GaussianBlur(base, (0, 0), max(width, height) / 60)
    return (base.astype(np.float32) * 0.45).astype(np.uint8)


def card(text: str, width: int, height: int, background: np.ndarray | None = None, subtitle: str = "",
         logo: np.ndarray | None = None) -> np.ndarray:
    """A card: ``logo`` (RGBA), ``text`` (large) and ``subtitle`` lines (small, ``\\n`` between
    them) centred in the safe area over a darkened, blurred ``background`` photo."""
    from PIL import Image, ImageDraw

    img = Image.fromarray(_backdrop(width, height, background))
    draw = ImageDraw.Draw(img)
    x0, y0, x1, y1 = safe_area(width, height)
    short = min(width, height)
    blocks = []  # (kind, payload, height)
    if logo is not None:
        lh = int(0.16 * short)
        lw = min(x1 - x0, int(round(logo.shape[1] * lh / logo.shape[0])))
        lh = int(round(logo.shape[0] * lw / logo.shape[1]))
        blocks.append(("logo", cv2.resize(logo, (max(1, lw), max(1, lh)), interpolation=cv2.INTER_AREA), lh))
    if text:
        lines, big = fit_text(text, x1 - x0, int(0.075 * short), 3, bold=True)
        blocks += [("text", (ln, big), _line_height(big)) for ln in lines]
    for part in (p for p in subtitle.split("\n") if p.strip()):
        lines, small = fit_text(part, x1 - x0, int(0.04 * short), 2, bold=False)
        blocks += [("text", (ln, small), _line_height(small)) for ln in lines]
    gap = int(0.02 * short)
    total = sum(b[2] for b in blocks) + gap * max(0, len(blocks) - 1)
    y = (y0 + y1) // 2 - total // 2
    for kind, payload, hgt in blocks:
        if kind == "logo":
            lw = payload.shape[1]
            rgba = Image.fromarray(payload, "RGBA")
            img.paste(rgba, ((x0 + x1) // 2 - lw // 2, y), rgba)
        else:
            line, font = payload
            tw = draw.textlength(line, font=font)
            draw.text(((x0 + x1) / 2 - tw / 2, y - font.getbbox("Hg")[1]), line, font=font, fill=WHITE)
        y += hgt + gap
    return np.asarray(img)


def _line_height(font) -> int:
    box = font.getbbox("Hg")
    return box[3] - box[1]


def closing_card(options, width: int, height: int, background: np.ndarray | None, branded: bool,
                 logo: np.ndarray | None) -> np.ndarray:
    """The last card: the outro and the agent's card (name, phone, e-mail, brokerage, logo) on the
    branded video; on the unbranded one only an outro that names nobody (else the photo alone)."""
    if branded:
        details = "\n".join(x for x in (options.agent_phone, options.agent_email, options.brokerage) if x)
        head = options.agent_name or options.outro
        sub = "\n".join(x for x in ((options.outro if options.agent_name else ""), details) if x)
        return card(head, width, height, background, subtitle=sub, logo=logo)
    outro = options.outro if not contact_details(options.outro, options) else ""
    return card(outro, width, height, background)


def contact_details(text: str, options) -> list[str]:
    """What in ``text`` names the agent or a way to reach them: the card's own strings, phone
    numbers, e-mail and web addresses.  An unbranded (MLS) video may show none of them."""
    found = []
    low = text.lower()
    for value in (options.agent_name, options.agent_phone, options.agent_email, options.brokerage):
        if value and value.lower() in low:
            found.append(value)
    found += re.findall(r"\+?\(?\d[\d\s().-]{5,}\d", text)  # phone numbers: 7+ digits with separators
    found += re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text)
    found += re.findall(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|co|io|realty|homes)\b", text, re.I)
    return found


def load_logo(path: str) -> np.ndarray:
    """A logo as RGBA uint8 (transparency kept; an opaque image gets a solid alpha)."""
    from pathlib import Path

    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    if p.is_dir():
        raise RoomtourError(p, "a directory, not a logo")
    if not p.is_file():
        raise RoomtourError(p, "logo not found")
    try:
        with Image.open(p) as im:
            return np.asarray(im.convert("RGBA"))
    except (UnidentifiedImageError, OSError) as exc:
        raise RoomtourError(p, f"cannot read the logo ({exc.__class__.__name__})") from None


class _Overlay:
    """An RGBA patch blended onto frames at ``(x, y)``, faded in and out over a shot."""

    def __init__(self, rgba: np.ndarray, x: int, y: int):
        rgba = rgba.astype(np.float32)
        self.rgb, self.alpha = rgba[..., :3], rgba[..., 3:] / 255.0
        self.x, self.y = x, y

    def draw(self, frame: np.ndarray, i: int, n: int, fps: float) -> None:
        """Draw on frame ``i`` of ``n`` (in place), ramping in and out over 0.4 s."""
        ramp = max(1, int(round(0.4 * fps)))
        self.blend(frame, min(1.0, (i + 1) / ramp, (n - i) / ramp))

    def blend(self, frame: np.ndarray, strength: float = 1.0) -> None:
        h, w = self.alpha.shape[:2]
        region = frame[self.y: self.y + h, self.x: self.x + w].astype(np.float32)
        rh, rw = region.shape[:2]
        a = self.alpha[:rh, :rw] * strength
        frame[self.y: self.y + rh, self.x: self.x + rw] = (region * (1 - a) + self.rgb[:rh, :rw] * a
                                                          + 0.5).astype(np.uint8)


def _band(text: str, size: int, width: int, bold: bool = True) -> np.ndarray:
    """``text`` (one line, cut with an ellipsis if needed) in a translucent dark band, RGBA."""
    from PIL import Image, ImageDraw

    lines, font = fit_text(text, width - size, size, 1, bold=bold)
    line = lines[0] if lines else ""
    box = font.getbbox("Hg")
    pad = int(0.45 * (box[3] - box[1]))
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    bw, bh = int(probe.textlength(line, font=font)) + 2 * pad, (box[3] - box[1]) + 2 * pad
    band = Image.new("RGBA", (max(1, bw), bh), (0, 0, 0, 150))
    ImageDraw.Draw(band).text((pad, pad - box[1]), line, font=font, fill=(*WHITE, 255))
    return np.asarray(band)


class CaptionOverlay(_Overlay):
    """A room name in a translucent band, lower left of the safe area, faded in and out."""

    def __init__(self, text: str, width: int, height: int):
        x0, y0, x1, y1 = safe_area(width, height)
        band = _band(text, max(10, int(0.045 * min(width, height))), x1 - x0)
        super().__init__(band, x0, y1 - band.shape[0])


class Badge(_Overlay):
    """Price and address in a band at the top left of the safe area (branded videos only)."""

    def __init__(self, text: str, width: int, height: int):
        x0, y0, x1, y1 = safe_area(width, height)
        band = _band(text, max(9, int(0.035 * min(width, height))), x1 - x0, bold=False)
        super().__init__(band, x0, y0)

    def draw(self, frame: np.ndarray, i: int, n: int, fps: float) -> None:
        self.blend(frame)  # steady through the tour: crossfades join two identical badges


def thumbnail(frame: np.ndarray, height: int = 240) -> np.ndarray:
    """A copy at most ``height`` pixels tall, for contact sheets."""
    h, w = frame.shape[:2]
    if h <= height:
        return frame.copy()
    return cv2.resize(frame, (int(round(w * height / h)), height), interpolation=cv2.INTER_AREA)


MAX_SHEET_TILES = 24  # a contact sheet's grid: 4 x 6; a longer tour shows evenly spaced shots


def contact_sheet(tiles: list[tuple[str, np.ndarray]], columns: int = 4,
                  max_tiles: int = MAX_SHEET_TILES) -> np.ndarray:
    """A grid of labelled thumbnails (one per card or shot), RGB uint8; at most ``max_tiles``
    (the first and last always among them, the rest evenly spaced), so its size is bounded."""
    from PIL import Image, ImageDraw, ImageFont

    if len(tiles) > max_tiles:
        log.info("the contact sheet shows %d of %d cards and shots, evenly spaced", max_tiles, len(tiles))
        keep = np.unique(np.round(np.linspace(0, len(tiles) - 1, max_tiles)).astype(int))
        tiles = [tiles[i] for i in keep]

    th = max(t.shape[0] for _, t in tiles)
    tw = max(t.shape[1] for _, t in tiles)
    label_h = max(14, tw // 14)
    cols = min(columns, len(tiles))
    rows = -(-len(tiles) // cols)
    pad = 6
    sheet = Image.new("RGB", (cols * (tw + pad) + pad, rows * (th + label_h + pad) + pad), (245, 245, 245))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.truetype(font_path(False), max(9, int(label_h * 0.7)))
    for i, (label, tile) in enumerate(tiles):
        x, y = pad + (i % cols) * (tw + pad), pad + (i // cols) * (th + label_h + pad)
        sheet.paste(Image.fromarray(tile), (x + (tw - tile.shape[1]) // 2, y))
        lines, f = fit_text(label, tw, font.size, 1, bold=False, warn=False)
        draw.text((x, y + th + 1), lines[0] if lines else "", font=f, fill=(20, 20, 20))
    return np.asarray(sheet)
