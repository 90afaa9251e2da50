"""The RealEstate10K suite: generators scored against real frames.

Each clip (``frames/{clip}/{NN}.png`` with ``poses/{clip}.txt``, one pose per
frame, RealEstate10K format) is generated from its first frame along its own
recorded camera path, and frames 1..N-1 are compared with the real ones:

* ``ref_psnr`` / ``ref_ssim``: all pixels (RGB, data range 255; standard
  Gaussian SSIM);
* ``vis_psnr`` / ``vis_ssim``: only the pixels the first frame can see, i.e.
  where the ``mask`` generator (``parallax`` with the suite's depth) finds a
  consistent re-projection.  The same mask is used for every generator, so
  they are compared on the same pixels; it depends on the estimated depth.

Post-processing (optional ``chains`` block): each generator runs at the
reference size divided by ``generate_scale``; every chain (``raw``, ``dn``,
``up``, ``dn-up``, ``up-dn``, with the block's ``denoise``/``upscale``
methods, upscaling by ``generate_scale``) is then compared with the real
frames at the reference size (chains still below it are resized with
``resize_kernel``, bicubic by default), so upscaling has to earn its keep.

Coverage (:mod:`roomtour.render`): every frame's fractions of ``visible``,
``stretched``, ``inpainted`` and ``extrapolated`` pixels per generator.

RealEstate10K poses come from SLAM with an unknown scale per clip, so depth
from a single photo (in camera-height units) and the path's translation are
in different units.  ``depth_scale`` is one global factor, a prior like a
trained parameter: the optional ``depth_scale_study`` block (``generator``,
``grid``) renders that generator at every scale of the grid, and then

* ``<generator>`` itself is scored with the scale that is best on the
  *other* clips of the run (leave-one-out), so no clip is scored with a
  scale fitted on it;
* ``<generator> (oracle scale)`` takes each clip's own best scale: an upper
  bound, labelled as such, never a result;
* the scale best over all clips is reported, to be written into the config
  for clips outside this set.

A generator with ``align_scale: sparse`` (``parallax-aligned`` in
``config/re10k.yaml``) is scored the standard way for single-image methods
instead: its depth is scaled per clip by sparse points triangulated with the
clip's own poses (:mod:`roomtour.scale`), so the scale comes from geometry,
never from comparing generated and real pixels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import RoomtourError

METRICS = ["ref_psnr", "ref_ssim", "vis_psnr", "vis_ssim"]
ORACLE = " (oracle scale)"
ALIGNED = "-aligned"  # the reference generator with each clip's scale from sparse points
# align_scale: "" (the prior depth_scale), "sparse" (scale from sparse points), "sparse-affine"
# (scale and shift of inverse depth from sparse points); what per_clip.csv's ``alignment`` says
ALIGNMENTS = {"": "prior scale", "sparse": "scale (sparse points)",
              "sparse-affine": "scale and shift of inverse depth (sparse points)"}


def list_clips(data: str | Path, clips=None) -> list[str]:
    """Clip names with both frames and poses (all of them when ``clips`` is empty)."""
    data = Path(data)
    if clips:
        return list(clips)
    if not (data / "frames").is_dir():
        raise RoomtourError(data, "no frames/ directory (expected frames/{clip}/{NN}.png and poses/{clip}.txt)")
    return sorted(d.name for d in (data / "frames").iterdir() if (data / "poses" / f"{d.name}.txt").is_file())


def load_suite_clip(data: str | Path, clip: str, frames: int | None = None):
    """``(frames (T, H, W, 3), CameraPath)`` of one clip, cut to the same length."""
    from .camera import CameraPath, read_pose_file
    from .clips import load_clip

    data = Path(data)
    video = load_clip(data / "frames" / clip, frames)
    cam = read_pose_file(data / "poses" / f"{clip}.txt")
    if len(cam) < len(video):
        raise RoomtourError(data / "poses" / f"{clip}.txt", f"{len(cam)} poses for {len(video)} frames")
    n = len(video)
    return video, CameraPath(cam.intrinsics[:n], cam.w2c[:n], cam.timestamps[:n])


def score_frames(generated: np.ndarray, real: np.ndarray, visible: np.ndarray, coverage=None) -> pd.DataFrame:
    """Per-frame scores of frames 1..N-1 (frame 0 is the input itself), with the
    generator's coverage fractions (NaN when it has none)."""
    from .metrics import masked_psnr, masked_ssim, psnr, ssim_reference
    from .render import LABELS

    rows = []
    for t in range(1, len(real)):
        row = {
            "frame": t,
            "ref_psnr": psnr(generated[t], real[t]),
            "ref_ssim": ssim_reference(generated[t], real[t]),
            "vis_psnr": masked_psnr(generated[t], real[t], visible[t]),
            "vis_ssim": masked_ssim(generated[t], real[t], visible[t]),
            "visible_fraction": float(np.mean(visible[t])),
        }
        for name in LABELS:
            row[name] = coverage[t][name] if coverage is not None and t < len(coverage) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def apply_chain(raw: np.ndarray, chain: str, denoiser, upscaler, scale: float, cache: dict) -> np.ndarray:
    """The video of ``chain`` (e.g. ``"dn-up"``), reusing its parent's video from ``cache``."""
    from .chains import parent_chain, parse_chain

    if chain == "raw":
        return raw
    if chain not in cache:
        parent = apply_chain(raw, parent_chain(chain), denoiser, upscaler, scale, cache)
        step = parse_chain(chain)[-1]
        cache[chain] = denoiser.denoise(parent) if step == "dn" else upscaler.upscale(parent, scale)
    return cache[chain]


def _post_processors(block: dict, weights_dir: str):
    from .denoisers import DENOISERS
    from .upscalers import UPSCALERS

    def make(registry, spec):
        return registry.create(spec["method"], spec.get("options", {}), weights_dir=weights_dir)

    return (make(DENOISERS, block.get("denoise", {"method": "fastdvdnet", "options": {"sigma": 10}})),
            make(UPSCALERS, block.get("upscale", {"method": "lanczos"})))


def _generate(spec: dict, photo, cam, w, h, depth_scale=None, points=None, weights_dir=None):
    """``(video, coverage, seconds, depth_scale, depth_shift)`` of one generator spec, optionally
    at another ``depth_scale``.  With ``align_scale: sparse`` in the spec the depth is scaled by
    the clip's sparse points (``points``, :func:`roomtour.scale.sparse_points` at the video size)
    instead; with ``sparse-affine`` its inverse is scaled *and* shifted to them
    (:func:`roomtour.scale.affine_alignment`, the standard for relative depth; the shift is in
    inverse path units).  The scale used is returned (NaN when the points were too few and the
    prior scale was kept), and the shift (NaN unless one was fitted)."""
    import time

    from .generators import GENERATORS

    options = dict(spec.get("options", {}))
    prior = float(options.get("depth_scale", 1.0))
    align = spec.get("align_scale", "")
    if align not in ALIGNMENTS:
        raise RoomtourError(f"generator {spec['method']!r}", f"align_scale must be one of "
                            f"{', '.join(a for a in ALIGNMENTS if a)}, not {align!r}")
    if align:
        options["depth_scale"] = 1.0  # the depth handed to generate() is already scaled
    elif depth_scale is not None:
        options["depth_scale"] = float(depth_scale)
    gen = GENERATORS.create(spec["method"], options, weights_dir=weights_dir)
    start = time.monotonic()
    shift = float("nan")
    if align:
        from .scale import affine_alignment, median_scale

        _, depth, _ = gen.estimate(photo, cam, w, h)
        fit = affine_alignment(depth, points) if align == "sparse-affine" and points is not None else None
        if fit is not None:
            depth, affine = fit
            depth_scale, shift = affine.scale, affine.shift
        else:
            depth_scale = median_scale(depth, points) if points is not None else float("nan")
            depth = depth * (depth_scale if np.isfinite(depth_scale) else prior)
        video = gen.generate(photo, cam, w, h, depth=depth, framing=spec.get("framing", "exact"))
    else:
        video = gen.generate(photo, cam, w, h, framing=spec.get("framing", "exact"))
    return video, getattr(gen, "coverage", None), time.monotonic() - start, depth_scale, shift


def depth_scale_study(config: dict, clips: list, loaded: dict, log=print) -> dict:
    """Mean ref PSNR per (clip, scale) for the study's generator, and the scales chosen from it:
    ``{"psnr": DataFrame clip x scale, "all": best over all clips, "loo": {clip: scale},
    "oracle": {clip: scale}}``."""
    from .metrics import psnr

    study = config["depth_scale_study"]
    spec = config["generators"][study.get("generator", "parallax")]
    grid = [float(v) for v in study["grid"]]
    table = pd.DataFrame(index=clips, columns=grid, dtype=float)
    for clip in clips:
        real, cam = loaded[clip]
        h, w = real.shape[1:3]
        for scale in grid:
            video, *_ = _generate(spec, real[0], cam, w, h, scale, weights_dir=config.get("weights_dir"))
            table.loc[clip, scale] = float(np.mean([psnr(a, b) for a, b in zip(video[1:], real[1:])]))
        log(f"depth scale study {clip}: best {table.loc[clip].idxmax():g} "
            f"({table.loc[clip].max():.2f} dB; at 1: {table.loc[clip].get(1.0, np.nan):.2f} dB)")
    loo = {c: float(table.drop(index=c).mean().idxmax()) if len(clips) > 1 else float("nan") for c in clips}
    return {"psnr": table, "all": float(table.mean().idxmax()), "loo": loo,
            "generator": study.get("generator", "parallax"),
            "oracle": {c: float(table.loc[c].idxmax()) for c in clips}}


def run_suite(config: dict, log=print, figure_dir: str | Path | None = None):
    """Per-frame rows for every (clip, generator, chain); figures of generated vs real frames
    per clip.  Returns ``(rows, study)`` where ``study`` is :func:`depth_scale_study`'s result
    (or None)."""
    from .camera import intrinsics_matrix
    from .camera_accuracy import camera_errors
    from .schema import schema_default
    from .figures import contact_sheet
    from .generators import GENERATORS
    from .metrics import resize_frames

    # the study's estimator and trials, so suite and study report the same measure
    camera_settings = {key: schema_default("metrics", "camera", key) for key in ("estimator", "trials")}

    data = Path(config["data"])
    mask_spec = config.get("mask", {"method": "parallax", "options": {"depth": {"source": "layout"}}})
    weights_dir = config.get("weights_dir")
    block = config.get("chains") or {}
    chains = block.get("chains", ["raw"])
    scale = float(block.get("generate_scale", 1))
    kernel = block.get("resize_kernel", "bicubic")
    camera_accuracy = bool(config.get("camera_accuracy", True))
    denoiser = upscaler = None
    if any(c != "raw" for c in chains):
        denoiser, upscaler = _post_processors(block, weights_dir)
    clips = list_clips(data, config.get("clips"))
    loaded = {clip: load_suite_clip(data, clip, config.get("frames")) for clip in clips}
    study = depth_scale_study(config, clips, loaded, log) if config.get("depth_scale_study") else None
    studied = study and config["depth_scale_study"].get("generator", "parallax")
    rows = []
    for clip in clips:
        real, cam = loaded[clip]
        h, w = real.shape[1:3]
        gw, gh = int(round(w / scale)), int(round(h / scale))
        masker = GENERATORS.create(mask_spec["method"], mask_spec.get("options", {}), weights_dir=weights_dir)
        masker.generate(real[0], cam, w, h)
        visible = masker.visibility
        shown = {"real": real}
        runs = []
        for label, spec in config["generators"].items():
            if label == studied:
                # scored with the scale fitted on the other clips only; the oracle as an upper bound
                runs.append((label, spec, study["loo"][clip]))
                runs.append((label + ORACLE, spec, study["oracle"][clip]))
            else:
                runs.append((label, spec, None))
        points = None
        rel = cam.relative_to_first()
        k_ref = intrinsics_matrix(rel.intrinsics[0], w, h)
        if any(spec.get("align_scale") for _, spec, _ in runs):
            from .scale import SparsePoints, sparse_points

            found = sparse_points(real, k_ref, rel.w2c)
            # at the generated size: pixel centres scale about the image's corner
            points = SparsePoints((found.uv + 0.5) * [gw / w, gh / h] - 0.5, found.z)
            log(f"{clip}: {len(points)} sparse points triangulated with the clip's poses (scale alignment)")
        for label, spec, depth_scale in runs:
            raw, coverage, seconds, depth_scale, shift = _generate(spec, real[0], cam, gw, gh, depth_scale, points,
                                                                   weights_dir)
            alignment = ("leave-one-out scale" if label == studied else "oracle scale" if label.endswith(ORACLE)
                         else ALIGNMENTS.get(spec.get("align_scale", ""), ""))
            cache: dict = {}
            for chain in chains:
                video = apply_chain(raw, chain, denoiser, upscaler, scale, cache)
                video = resize_frames(video, w, h, kernel)
                camera = camera_errors(video, k_ref, rel.w2c, **camera_settings).as_dict() if camera_accuracy else {}
                frame_rows = score_frames(video, real, visible, coverage).assign(
                    clip=clip, generator=label, chain=chain, seconds=seconds,
                    depth_scale=np.nan if depth_scale is None else depth_scale, depth_shift=shift,
                    alignment=alignment, **camera)
                rows.append(frame_rows)
                log(f"{clip} {label} {chain}: ref_psnr {frame_rows.ref_psnr.mean():.2f} dB, "
                    f"ref_ssim {frame_rows.ref_ssim.mean():.3f}, visible {frame_rows.visible.mean():.2f}")
                if chain == chains[-1] and not label.endswith(ORACLE):
                    shown[label if len(chains) == 1 else f"{label} {chain}"] = video
        if figure_dir:
            contact_sheet(shown, Path(figure_dir) / f"{clip}.png", frames=4, title=f"{clip}: generated vs real")
    return pd.concat(rows, ignore_index=True), study


def summarize_suite(frames: pd.DataFrame, baselines=("static", "homography"), reference: str | list = "parallax",
                    seed: int = 0, study: dict | None = None):
    """Per-clip means, the mean ± std over clips per (generator, chain), and paired differences
    of ``reference`` (one generator or a list: each, and its ``-aligned`` twin) minus each baseline
    (same clip and chain) with bootstrap intervals.
    Returns ``(per_clip, text)``.  Long because most of it is the report's Markdown, line by line."""
    from .render import LABELS
    from .stats import bootstrap_mean_ci

    if "chain" not in frames:
        frames = frames.assign(chain="raw")
    for name in LABELS:
        if name not in frames:
            frames = frames.assign(**{name: np.nan})
    keys = ["generator", "chain", "clip"]
    extra = [c for c in ("depth_scale", "depth_shift", "rot_err", "trans_err", "cam_mc", "estimated") if c in frames]
    per_clip = frames.groupby(keys, sort=False)[METRICS + ["seconds", *LABELS, *extra]].mean().reset_index()
    worst = frames.groupby(keys, sort=False)["visible"].min().rename("min_visible").reset_index()
    per_clip = per_clip.merge(worst, on=keys)
    if "alignment" in frames:
        per_clip = per_clip.merge(frames.groupby(keys, sort=False)["alignment"].first().reset_index(), on=keys)
    groups = list(dict.fromkeys(zip(per_clip.generator, per_clip.chain)))
    camera = "rot_err" in per_clip
    chains = list(dict.fromkeys(per_clip.chain))
    lines = [
        "# RealEstate10K suite: generators against real frames",
        "",
        f"{per_clip['clip'].nunique()} clips, frames 1..N-1 of each; mean ± std over clips of per-clip means. "
        "`vis_*`: pixels the first frame can see (same mask for every generator). Coverage: mean share of "
        "pixels per frame that are visible (from the photo) / inpainted (disoccluded) / extrapolated (outside "
        "the photo), and the worst frame's visible share. Seconds: generation only. RotErr (rad), TransErr, "
        "CamMC: camera accuracy against the clip's recorded path, summed over frames (roomtour.camera_accuracy; "
        "lower follows the path better; the estimator's floor on the real frames is in BENCHMARKS.md).",
        "",
        "| generator | chain | ref PSNR | ref SSIM | vis PSNR | vis SSIM | visible / inpainted / extrapolated | "
        "worst visible | s / video |" + (" RotErr | TransErr | CamMC |" if camera else ""),
        "|---|---|---:|---:|---:|---:|---|---:|---:|" + ("---:|---:|---:|" if camera else ""),
    ]

    def pct(v):
        return "–" if np.isnan(v) else f"{100 * v:.0f}%"

    for g, c in groups:
        r = per_clip[(per_clip.generator == g) & (per_clip.chain == c)]
        lines.append(f"| {g} | {c} | {r.ref_psnr.mean():.2f} ± {r.ref_psnr.std():.2f} | {r.ref_ssim.mean():.3f} ± "
                     f"{r.ref_ssim.std():.3f} | {r.vis_psnr.mean():.2f} | {r.vis_ssim.mean():.3f} | "
                     f"{pct(r.visible.mean())} / {pct(r.inpainted.mean())} / {pct(r.extrapolated.mean())} | "
                     f"{pct(r.min_visible.min())} | {r.seconds.mean():.2f} |" +
                     (f" {r.rot_err.mean():.3f} | {r.trans_err.mean():.3f} | {r.cam_mc.mean():.3f} |" if camera
                      else ""))
    gens = set(per_clip.generator)
    references = [reference] if isinstance(reference, str) else list(reference)
    compared = [g for r in references for g in (r, r + ALIGNED) if g in gens]
    if compared:
        lines += ["", "Paired differences, generator − baseline, same clip and chain (mean over clips, 95% "
                  "bootstrap interval; wins: clips where the generator's ref PSNR is higher). A generator "
                  "without a suffix has the prior depth scale (what a tour gets); `-aligned` has each clip's "
                  "scale (and for learned depth the shift of inverse depth: `alignment` in per_clip.csv) from "
                  "sparse points triangulated with its poses (Tucker & Snavely 2020; no target pixel is compared "
                  "to set it):", "",
                  "| generator | baseline | chain | Δ ref PSNR (dB) | Δ ref SSIM | Δ vis PSNR | Δ vis SSIM | wins |",
                  "|---|---|---|---|---|---|---|---:|"]
        for g in compared:
            for b in baselines:
                if b not in gens or b == g:
                    continue
                for c in chains:
                    ref = per_clip[(per_clip.generator == g) & (per_clip.chain == c)].set_index("clip")
                    base = per_clip[(per_clip.generator == b) & (per_clip.chain == c)].set_index("clip")
                    base = base.loc[ref.index]
                    cells = []
                    for m in METRICS:
                        mean, lo, hi = bootstrap_mean_ci((ref[m] - base[m]).to_numpy(), seed=seed)
                        digits = 2 if "psnr" in m else 3
                        cells.append(f"{mean:+.{digits}f} [{lo:+.{digits}f}, {hi:+.{digits}f}]")
                    wins = int((ref.ref_psnr > base.ref_psnr).sum())
                    lines.append(f"| {g} | {b} | {c} | " + " | ".join(cells) + f" | {wins}/{len(ref)} |")
        for oracle in sorted(g for g in gens if g.endswith(ORACLE)):
            studied = oracle[: -len(ORACLE)]
            lines += ["", f"`{studied}` is scored with the depth scale fitted on the *other* clips (leave-one-out); "
                      f"`{oracle}` uses each clip's own best scale, an upper bound that no generator "
                      "can reach without the answer."]
    if study is not None:
        table = study["psnr"]
        lines += ["", "## Depth-scale prior", "",
                  f"Mean ref PSNR (dB) per clip and `depth_scale` ({study['generator']}); the scale best over all "
                  f"{len(table)} clips is **{study['all']:g}** (the value for the config, for clips outside "
                  "this set).", "",
                  "| clip | " + " | ".join(f"{v:g}" for v in table.columns) + " | leave-one-out | oracle |",
                  "|---|" + "---:|" * len(table.columns) + "---:|---:|"]
        for clip, r in table.iterrows():
            lines.append(f"| {clip} | " + " | ".join(f"{v:.2f}" for v in r) + f" | {study['loo'][clip]:g} | "
                         f"{study['oracle'][clip]:g} |")
        lines.append("| mean | " + " | ".join(f"{v:.2f}" for v in table.mean()) + " | | |")
    return per_clip, "\n".join(lines) + "\n"
