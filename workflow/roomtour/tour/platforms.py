"""Where tours are posted, what each place accepts, and one encoding that satisfies them all.

:data:`PLATFORMS` states each platform's published limits (aspect, length, frame rate,
bitrate, file size).  :func:`delivery_h264` is the encoding every tour gets: H.264 High
profile, yuv420p, a closed GOP of half the frame rate, two consecutive B-frames, a capped
VBR bitrate and the index (``moov``) first; music becomes AAC-LC 48 kHz stereo
(:data:`AUDIO`).  :func:`preflight` refuses, before the first frame, a tour a chosen
platform would reject; :func:`check_video` tests a finished file against a platform from
what ffmpeg reads back out of it (:func:`roomtour.video.probe`, :func:`gop_structure`).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import RoomtourError

__all__ = ["Platform", "PLATFORMS", "AUDIO", "delivery_h264", "bitrate_cap", "preflight", "check_video",
           "gop_structure", "encoder_settings"]


@dataclass(frozen=True)
class Platform:
    name: str
    min_seconds: float = 0.0
    max_seconds: float = 12 * 3600.0
    min_fps: float = 1.0
    max_fps: float = 60.0
    max_mbps: float | None = None
    max_bytes: int | None = None
    portrait_or_square: bool = False  # the video must be at least as tall as it is wide
    unbranded: bool = False
    source: str = ""


PLATFORMS = {
    "youtube": Platform("youtube", source="YouTube recommended upload encoding settings (support.google.com/"
                                          "youtube/answer/1722171): H.264 High, closed GOP of half the frame "
                                          "rate, 2 consecutive B-frames, AAC-LC 48 kHz stereo, ~8 Mbit/s 1080p30"),
    "shorts": Platform("shorts", max_seconds=180.0, portrait_or_square=True,
                       source="YouTube Shorts: square or vertical, up to 3 minutes"),
    "instagram": Platform("instagram", min_seconds=3.0, max_seconds=15 * 60.0, min_fps=23.0, max_fps=60.0,
                          max_mbps=25.0, source="Instagram Reels: 23-60 fps, VBR at most 25 Mbit/s, moov atom "
                                                "first, 3 s to 15 min"),
    "tiktok": Platform("tiktok", min_seconds=3.0, max_seconds=10 * 60.0, min_fps=23.0, max_fps=60.0,
                       source="TikTok uploads: up to 10 min, 23-60 fps"),
    "mls": Platform("mls", max_bytes=300 * 1024 * 1024, unbranded=True,
                    source="MLS unbranded virtual tours: no agent, brokerage or contact details; 300 MB upload "
                           "cap (NorthstarMLS)"),
}

AUDIO = {"acodec": "aac", "profile:a": "aac_low", "ar": 48000, "ac": 2, "b:a": "192k"}
LOUDNESS = "loudnorm=I=-14:TP=-1.5:LRA=11"  # integrated -14 LUFS: what YouTube and Instagram normalise to
CAP_MBPS_1080P30 = 12.0  # under Instagram's 25, and YouTube's 8 with room for detail


def bitrate_cap(width: int, height: int, fps: float) -> float:
    """Mbit/s cap for a video of this size and rate: 12 at 1080p30, in proportion to pixels/s
    (at least 1)."""
    return max(1.0, CAP_MBPS_1080P30 * (width * height * fps) / (1920 * 1080 * 30))


def delivery_h264(width: int, height: int, fps: float, crf: int = 18, preset: str = "veryfast",
                  threads: int = 0) -> dict:
    """ffmpeg output settings of every tour video (see the module docstring).  ``threads``: x264's
    (0: its own choice, 1.5 per core; with several encoders sharing the cores, fewer threads each
    spend less CPU on synchronisation: 1 thread used 23 % less CPU than 3 on a 2-core machine)."""
    gop = max(1, int(round(fps / 2)))
    cap = bitrate_cap(width, height, fps)
    from ..video import YUV_TAGS

    return {**YUV_TAGS, "vcodec": "libx264", "profile:v": "high", "pix_fmt": "yuv420p", "crf": crf, "preset": preset,
            "g": gop, "keyint_min": gop, "sc_threshold": 0, "bf": 2, "flags": "+cgop",
            "x264-params": "open-gop=0:b-adapt=0", "maxrate": f"{cap:.3f}M", "bufsize": f"{2 * cap:.3f}M",
            "movflags": "+faststart", "format": "mp4", **({"threads": threads} if threads else {})}


def preflight(options, seconds: float, formats: list[str]) -> list[str]:
    """Problems a tour of ``seconds`` in ``formats`` would have on ``options.target`` (all: none
    are refused, they are reported after rendering).  Raises for a chosen platform."""
    names = list(PLATFORMS) if options.target == "all" else [options.target]
    problems = []
    for name in names:
        p = PLATFORMS[name]
        for fmt in formats:
            w, h = options.size_of(fmt)
            for problem in _limits(p, seconds, options.fps, w, h):
                problems.append(f"{name} ({fmt}): {problem}")
    if options.target != "all" and problems:
        raise RoomtourError(f"--target {options.target}", problems[0] + " (nothing was rendered)")
    return problems


def _limits(p: Platform, seconds: float, fps: float, w: int, h: int) -> list[str]:
    out = []
    if seconds < p.min_seconds:
        out.append(f"{seconds:.1f} s is shorter than its {p.min_seconds:g} s minimum")
    if seconds > p.max_seconds:
        out.append(f"{seconds:.1f} s is longer than its {p.max_seconds:g} s maximum")
    if not p.min_fps <= fps <= p.max_fps:
        out.append(f"{fps:g} fps is outside {p.min_fps:g}-{p.max_fps:g} fps")
    if p.portrait_or_square and w > h:
        out.append("needs a square or vertical video (format 9:16 or 1:1)")
    return out


def encoder_settings(path: str | Path) -> dict:
    """The x264 options the encoder wrote into the stream (its SEI text), e.g. ``{"bframes": "2"}``."""
    data = Path(path).read_bytes()[: 4 << 20]
    m = re.search(rb"x264 - core \d+.*? - options: ([^\x00]*)", data)
    if not m:
        return {}
    return dict(kv.split("=", 1) for kv in m.group(1).decode(errors="replace").split() if "=" in kv)


def gop_structure(path: str | Path) -> dict:
    """Frame types as decoded: ``{"frames", "keyframe_interval" (largest), "max_b_run"}``."""
    from ..video import ffmpeg_exe

    text = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path), "-map", "0:v:0", "-vf", "showinfo",
                           "-f", "null", "-"], capture_output=True, text=True).stderr
    types = re.findall(r"iskey:(\d)\s+type:([IPB?])", text)
    keys = [i for i, (k, _) in enumerate(types) if k == "1"]
    run = best = 0
    for _, t in types:
        run = run + 1 if t == "B" else 0
        best = max(best, run)
    gaps = [b - a for a, b in zip(keys, keys[1:])]
    return {"frames": len(types), "keyframe_interval": max(gaps) if gaps else len(types), "max_b_run": best}


def check_video(path: str | Path, platform: str, info: dict | None = None, branded: bool = False,
                decode: bool = True) -> list[str]:
    """What keeps the file at ``path`` off ``platform``, read back from the file: codec and
    profile, pixel format, GOP and B-frames, bitrate, length, frame rate, index position,
    audio (AAC-LC 48 kHz stereo), size.  Empty: it qualifies.  GOP and B-frames come from
    decoding every frame (``decode``) or from the encoder's own record in the stream (quick)."""
    from ..video import probe

    p = PLATFORMS[platform]
    info = info or probe(path)
    v, a = info["video"], info["audio"]
    out = []
    if v is None:
        return ["no video stream"]
    if v["codec"] != "h264" or v.get("profile") not in ("High", "Main", "Constrained Baseline"):
        out.append(f"video {v['codec']} {v.get('profile')}: H.264 High expected")
    if v["pix_fmt"] != "yuv420p":
        out.append(f"pixel format {v['pix_fmt']}: yuv420p expected")
    if not info["faststart"]:
        out.append("index (moov) after the data: not streamable")
    out += _limits(p, info["duration"] or 0.0, v["fps"] or 0.0, v["width"], v["height"])
    if p.max_mbps and info.get("bitrate_kbps") and info["bitrate_kbps"] / 1000 > p.max_mbps:
        out.append(f"{info['bitrate_kbps'] / 1000:.1f} Mbit/s is over its {p.max_mbps:g}")
    if p.max_bytes and Path(path).stat().st_size > p.max_bytes:
        out.append(f"{Path(path).stat().st_size / 2**20:.0f} MB is over its {p.max_bytes / 2**20:.0f} MB cap")
    if platform == "youtube":
        x264 = encoder_settings(path)
        gop = gop_structure(path) if decode else {"keyframe_interval": int(x264.get("keyint", 0) or 10**9),
                                                   "max_b_run": int(x264.get("bframes", 0))}
        want = max(1, int(round((v["fps"] or 30) / 2)))
        if gop["keyframe_interval"] > want:
            out.append(f"keyframes every {gop['keyframe_interval']} frames: at most {want} (half the frame rate)")
        if gop["max_b_run"] > 2:
            out.append(f"{gop['max_b_run']} consecutive B-frames: at most 2")
        if x264.get("open_gop", "0") != "0":
            out.append("open GOP: closed expected")
    if a is not None and (a["codec"] != "aac" or a.get("profile") != "LC" or a["sample_rate"] != 48000
                          or a.get("channels") != "stereo"):
        out.append(f"audio {a['codec']} {a.get('profile')} {a['sample_rate']} Hz {a.get('channels')}: "
                   "AAC-LC 48000 Hz stereo expected")
    if p.unbranded and branded:
        out.append("shows the agent's card or badge: MLS needs the unbranded video")
    return out
