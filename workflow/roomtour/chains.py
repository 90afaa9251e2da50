"""Post-processing chains: names, parents, and the grid of videos they need.

A chain is ``raw`` (the generated video) or steps joined by ``-`` applied left
to right: ``dn-up`` = upscale(denoise(raw)), ``up-dn`` = denoise(upscale(raw)).
Each step is its own file and job, so a chain's parent is a cached
intermediate: ``dn-up`` reuses ``dn`` and ``up-dn`` reuses ``up``.

``frozen`` is not a chain of steps but a baseline video: the first raw frame
repeated, showing how high the temporal proxies go for a video that does not
move.
"""

from __future__ import annotations

from .errors import RoomtourError

STEPS = {"dn": "denoise", "up": "upscale"}
BASELINES = ("frozen",)

# regular expressions for Snakemake wildcard_constraints
_STEP = "(?:dn|up)"
CHAIN_RE = rf"raw|frozen|{_STEP}(?:-{_STEP})*"
DENOISE_CHAIN_RE = rf"(?:{_STEP}-)*dn"
UPSCALE_CHAIN_RE = rf"(?:{_STEP}-)*up"


def parse_chain(name: str) -> tuple[str, ...]:
    """Steps of a chain, ``()`` for ``raw``.  Raises on unknown steps."""
    if name == "raw":
        return ()
    if name in BASELINES:
        raise RoomtourError(f"chain {name!r}", "is a baseline, not a chain of steps")
    steps = tuple(name.split("-"))
    bad = [s for s in steps if s not in STEPS]
    if bad or not name:
        raise RoomtourError(f"chain {name!r}", f"unknown step(s) {bad}; steps are {', '.join(STEPS)} joined by '-'")
    return steps


def parent_chain(name: str) -> str:
    """The chain whose video this chain's last step reads (``raw`` for one step)."""
    steps = parse_chain(name)
    if not steps:
        raise RoomtourError(f"chain {name!r}", "raw has no parent")
    return "-".join(steps[:-1]) or "raw"


def upscale_count(name: str) -> int:
    """Number of ``up`` steps in a chain (``frozen`` and ``raw`` have none)."""
    return 0 if name in BASELINES else parse_chain(name).count("up")


# --------------------------------------------------------------------------- provenance

TAG_PREFIX = "roomtour_"


def step_tag(step: str, method: str, model, scale: float | None = None) -> dict[str, str]:
    """The metadata tag a post-processing step writes into its video: the method, the upscale
    factor, and for network methods the arithmetic and device they ran with (``precision:
    auto`` resolves per host, so two machines may differ; the tag says which ran).

    >>> step_tag("denoise", "fastdvdnet", type("M", (), {"precision": "bf16", "device": "cpu"})())
    {'roomtour_denoise': 'fastdvdnet bf16 cpu'}
    """
    parts = [method] + ([f"x{scale:g}"] if scale else [])
    parts += [str(x) for x in (getattr(model, "precision", None), getattr(model, "device", None)) if x]
    return {TAG_PREFIX + step: " ".join(parts)}


def step_tags(tags: dict[str, str]) -> dict[str, str]:
    """The post-processing tags among a file's tags (not, say, an imported MP4's brand or date),
    which a step carries into its output."""
    return {k: v for k, v in tags.items() if k.startswith(TAG_PREFIX)}


def processing(tags: dict[str, str]) -> str:
    """A video's post-processing, from its tags, in chain-step order: e.g.
    ``"denoise: fastdvdnet bf16 cpu; upscale: lanczos x2"``; ``""`` for a raw video."""
    return "; ".join(f"{step}: {tags[TAG_PREFIX + step]}" for step in STEPS.values() if TAG_PREFIX + step in tags)
