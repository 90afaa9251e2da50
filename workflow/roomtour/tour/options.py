"""What a tour is asked for: :class:`TourOptions`, built from the schema's ``$defs/tour_options``.

The schema is the one place that states each option's default and choices; the workflow
validates ``tours:`` entries against it and the ``roomtour tour`` flags are generated from it
(:func:`tour_option_specs`), so the three cannot disagree.  A few settings are not user
options (``resolution``, ``geometry_width``, ``hfov_deg``, ``upscaler``, ``weights_dir``): they
are fields with a default here, for tests and benchmarks.  ``depth`` is a user option (a source
name); tests may give a full depth spec instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from ..errors import RoomtourError
from ..schema import schema_default as _schema_default

__all__ = ["FORMATS", "CARD_SECONDS", "TourOptions", "tour_option_specs", "tour_defaults", "format_size",
           "format_slug"]

FORMATS = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}
MOVES = ("auto", "dolly_in", "push_in", "truck_left", "truck_right", "still")  # auto + camera.TOUR_MOVES
CARD_SECONDS = 2.5
MIN_SIDE, MAX_SIDE = 32, 4096  # --size bounds: cards need room for text; 4096 is H.264 level 5.1 widest


def tour_option_specs() -> dict:
    """``{option: its schema}`` from ``$defs/tour_options`` (default, enum or type, description)."""
    from ..schema import load_schema

    return load_schema()["$defs"]["tour_options"]["properties"]


def tour_defaults() -> dict:
    return {k: v.get("default") for k, v in tour_option_specs().items()}


_D = tour_defaults()


def format_size(name: str) -> tuple[int, int]:
    if name not in FORMATS:
        raise RoomtourError(f"format {name!r}", f"choose one of {', '.join(FORMATS)}")
    return FORMATS[name]


def format_slug(name: str) -> str:
    """File-name form of a format: ``16:9`` -> ``16x9``."""
    return name.replace(":", "x")


@dataclass
class TourOptions:
    """Every option of a tour; defaults are the schema's (see the module docstring)."""

    formats: list = field(default_factory=lambda: list(_D["formats"]))
    length: float = _D["length"]
    seconds_per_photo: float = _D["seconds_per_photo"]
    max_length: float = _D["max_length"]
    min_seconds_per_photo: float = _D["min_seconds_per_photo"]
    fps: float = _D["fps"]
    title: str = _D["title"]
    outro: str = _D["outro"]
    captions: bool = _D["captions"]
    music: str = _D["music"]
    agent_name: str = _D["agent_name"]
    agent_phone: str = _D["agent_phone"]
    agent_email: str = _D["agent_email"]
    brokerage: str = _D["brokerage"]
    logo: str = _D["logo"]
    price: str = _D["price"]
    address: str = _D["address"]
    unbranded: bool = _D["unbranded"]
    target: str = _D["target"]
    poster: bool = _D["poster"]
    contact_sheet: bool = _D["contact_sheet"]
    chain: str = _D["chain"]
    transition: str = _D["transition"]
    crossfade: float = _D["crossfade"]
    min_visible: float = _D["min_visible"]
    max_bend: float = _D["max_bend"]
    crf: int = _D["crf"]
    preset: str = _D["preset"]
    strict: bool = _D["strict"]
    overwrite: bool = _D["overwrite"]
    size: str = _D["size"]
    depth: dict | str = _D["depth"]  # a source name, or a full roomtour.depth.estimate_depth spec
    # not user options (see the module docstring)
    format: str | None = None  # a single format: the same as formats=[format]
    resolution: tuple | None = None  # (width, height) of the first format instead of its size
    geometry_width: int = 320
    hfov_deg: float = field(default_factory=lambda: _schema_default("video", "hfov_deg"))
    upscaler: dict = field(default_factory=lambda: {"method": "lanczos"})
    weights_dir: str = ""  # empty: the schema's weights_dir

    def __post_init__(self):
        if self.format:
            self.formats = [self.format]
        if isinstance(self.formats, str):
            self.formats = [f.strip() for f in self.formats.split(",") if f.strip()]
        self.format = self.formats[0] if self.formats else None
        if isinstance(self.depth, str):
            self.depth = {"source": self.depth}
        if self.size and not self.resolution:
            parts = self.size.lower().split("x")
            if len(parts) != 2 or not all(p.isdigit() for p in parts):
                raise RoomtourError("size", f"must be WIDTHxHEIGHT in pixels, e.g. 960x540, not {self.size!r}")
            self.resolution = (int(parts[0]), int(parts[1]))

    @classmethod
    def from_spec(cls, spec: dict, **extra) -> "TourOptions":
        """From a validated ``tours.<listing>`` mapping (``photos`` and unknown keys ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in spec.items() if k in names}, **extra)

    def check(self) -> "TourOptions":
        specs = tour_option_specs()
        if not self.formats:
            raise RoomtourError("tour", "formats: name at least one of " + ", ".join(FORMATS))
        for name in self.formats:
            format_size(name)
        if len(set(self.formats)) != len(self.formats):
            raise RoomtourError("tour", f"formats: each at most once ({', '.join(self.formats)})")
        for key in ("chain", "transition", "target", "preset"):
            if getattr(self, key) not in specs[key]["enum"]:
                raise RoomtourError("tour", f"{key} must be one of {', '.join(specs[key]['enum'])}")
        if self.seconds_per_photo <= 0 or self.fps <= 0 or self.min_seconds_per_photo <= 0:
            raise RoomtourError("tour", "seconds per photo and fps must be positive")
        if self.length < 0:
            raise RoomtourError("tour", "length must be 0 (no target) or a number of seconds")
        self.check_length(self.length, "--length")
        if self.max_bend <= 0:
            raise RoomtourError("tour", "max_bend must be positive (pixels)")
        if self.resolution and not all(MIN_SIDE <= int(v) <= MAX_SIDE for v in self.resolution):
            raise RoomtourError("size", f"each side must be {MIN_SIDE} to {MAX_SIDE} pixels, not "
                                f"{self.resolution[0]}x{self.resolution[1]}")
        if self.transition == "crossfade" and self.crossfade_frames * 2 > self.frames_for(self.seconds_per_photo):
            raise RoomtourError("tour", "the crossfade may last at most half of a photo's time")
        return self

    def check_length(self, seconds: float, where: str = "tour") -> None:
        """Refuse a tour of ``seconds`` longer than ``max_length`` (0: no limit), before any frame."""
        if self.max_length and seconds > self.max_length:
            raise RoomtourError(where, f"{seconds:g} s is longer than --max-length {self.max_length:g} s "
                                       "(15 minutes by default; --max-length 0 for no limit)")

    def size_of(self, fmt: str) -> tuple[int, int]:
        """Output size of a format: its own, or scaled like ``resolution`` scales the first (even sizes:
        yuv420p needs them)."""
        w, h = format_size(fmt)
        if self.resolution:
            rw, rh = (int(v) for v in self.resolution)
            if fmt == self.formats[0]:
                w, h = rw, rh
            else:
                w0, _ = format_size(self.formats[0])
                w, h = int(round(w * rw / w0)), int(round(h * rw / w0))
        return max(2, w - w % 2), max(2, h - h % 2)

    @property
    def size_px(self) -> tuple[int, int]:
        """Size of the first format."""
        return self.size_of(self.formats[0])

    @property
    def crossfade_frames(self) -> int:
        return int(round(self.crossfade * self.fps)) if self.transition == "crossfade" else 0

    @property
    def branded(self) -> bool:
        """Whether anything on the videos names the agent (card or badge)."""
        return any((self.agent_name, self.agent_phone, self.agent_email, self.brokerage, self.logo, self.price,
                    self.address))

    @property
    def variants(self) -> tuple[str, ...]:
        """The videos of each format: ``branded`` and/or ``unbranded`` (MLS gets only the latter)."""
        if self.target == "mls":
            return ("unbranded",)
        return ("branded", "unbranded") if self.unbranded else ("branded",)

    def frames_for(self, seconds: float) -> int:
        return max(1, int(round(seconds * self.fps)))
