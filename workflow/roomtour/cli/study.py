"""The study's steps (the Snakemake rules call these): one step on one video per command."""

from __future__ import annotations

import json
import logging

import numpy as np

from ..schema import schema_choices, schema_default
from ..errors import RoomtourError
from .args import _fraction, _hfov, _json, _positive_float, _positive_int, _scale, _size


# method names for --help and argument checking come from the schema, like the defaults (the
# registries hold the classes; importing them here would load torch for every command)
GENERATOR_NAMES = schema_choices("generate", "method")
DENOISER_NAMES = schema_choices("denoise", "method")
UPSCALER_NAMES = schema_choices("upscale", "method")


def cmd_prepare_input(a):
    from ..images import fit_to_size, read_image, write_image
    from ..video import check_output

    w, h = a.size
    check_output(a.out, [] if a.source.startswith("procedural:") else [a.source])
    if a.source.startswith("procedural:"):
        import cv2

        from ..camera import preset_path
        from ..scenes import get_scene, render_frame

        scene = get_scene(a.source.split(":", 1)[1])
        s = a.reference_scale
        cam = preset_path("stationary", 1, a.hfov_deg, w / h)
        big, _ = render_frame(scene, cam.w2c[0], cam.intrinsics[0], round(w * s), round(h * s))
        # the photo is the area-downscaled reference frame 0, so the degradation is known exactly
        photo = cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA) if s != 1 else big
    else:
        from ..images import trim_borders

        photo = fit_to_size(trim_borders(read_image(a.source)), w, h)
    write_image(a.out, photo)


def cmd_camera_path(a):
    from ..camera import build_path, write_pose_file

    spec = a.spec
    cam = build_path(spec, a.frames, a.hfov_deg, a.aspect)
    write_pose_file(a.out, cam, header=f"roomtour motion {json.dumps(spec, sort_keys=True)}")


def cmd_render_reference(a):
    from ..camera import read_pose_file
    from ..progress import Progress
    from ..scenes import get_scene, render_frame
    from ..video import write_video

    scene = get_scene(a.scene)
    cam = read_pose_file(a.path)
    w, h = a.size
    frames, progress = [], Progress(f"render {a.scene}", len(cam))
    for p, k in zip(cam.w2c, cam.intrinsics):
        frames.append(render_frame(scene, p, k, w, h)[0])
        progress.update()
    write_video(a.out, np.stack(frames), fps=a.fps)


def cmd_generate(a):
    from ..camera import read_pose_file
    from ..coverage import coverage_table, write_coverage
    from ..generators import GENERATORS, warn_if_frozen
    from ..images import read_image
    from ..video import VideoWriter, write_video

    gen = GENERATORS.create(a.method, a.options, weights_dir=a.weights_dir)
    cam = read_pose_file(a.path).validate(a.path)
    photo = read_image(a.photo) if a.photo else None
    if photo is None and a.method != "import":
        raise RoomtourError(f"generate {a.method}", "needs --photo")
    w, h = a.size
    extra = {"video": a.video}
    if a.depth:
        from ..depth import read_depth

        scale = a.options.get("depth", {}).get("scale", 0.001)
        extra["depth"] = read_depth(a.depth, w, h, scale=scale)
    if hasattr(gen, "iter_generate"):
        # rendered generators stream: a 10,000-pose path needs no more memory than a 10-pose one
        n = 0
        first, moved = None, 0
        with VideoWriter(a.out, w, h, a.fps) as writer:
            for frame in gen.iter_generate(photo, cam, w, h, framing=a.framing, min_visible=a.min_visible, **extra):
                first = frame.copy() if first is None else first
                moved = max(moved, int(np.abs(frame.astype(np.int16) - first).max()))
                writer.write(frame)
                n += 1
        warn_if_frozen(moved <= 1, cam, a.method)
    else:
        if len(cam) > 2000:
            logging.getLogger(__name__).warning("%s: %d poses: %s keeps every frame in memory (%.1f GB at %dx%d)", a.path, len(cam),
                        a.method, len(cam) * w * h * 3 / 1e9, w, h)
        frames = gen.generate(photo, cam, w, h, framing=a.framing, min_visible=a.min_visible, **extra)
        warn_if_frozen(frames, cam, a.method)
        write_video(a.out, frames, fps=a.fps)
        n = len(frames)
    if a.coverage:
        write_coverage(a.coverage, coverage_table(gen, n))


def cmd_render_depth(a):
    from ..camera import preset_path
    from ..depth import write_depth
    from ..scenes import get_scene, render_frame

    w, h = a.size
    cam = preset_path("stationary", 1, a.hfov_deg, w / h)
    _, depth = render_frame(get_scene(a.scene), cam.w2c[0], cam.intrinsics[0], w, h, aa=1, depth=True)
    write_depth(a.out, depth)


def cmd_denoise(a):
    from ..chains import step_tag, step_tags
    from ..denoisers import DENOISERS
    from ..video import read_video, video_tags, write_video

    den = DENOISERS.create(a.method, a.options, weights_dir=a.weights_dir)
    frames, fps = read_video(a.input, with_fps=True)
    # the input's tags travel on: dn-up's video names both of its steps
    tags = {**step_tags(video_tags(a.input)), **step_tag("denoise", a.method, den)}
    write_video(a.out, den.denoise(frames), fps=fps, tags=tags)


def cmd_upscale(a):
    from ..chains import step_tag, step_tags
    from ..upscalers import UPSCALERS
    from ..video import read_video, video_tags, write_video

    up = UPSCALERS.create(a.method, a.options, weights_dir=a.weights_dir)
    frames, fps = read_video(a.input, with_fps=True)
    tags = {**step_tags(video_tags(a.input)), **step_tag("upscale", a.method, up, a.scale)}
    write_video(a.out, up.upscale(frames, a.scale), fps=fps, tags=tags)


def cmd_freeze(a):
    from ..video import read_video, write_video

    frames, fps = read_video(a.input, with_fps=True)
    write_video(a.out, np.repeat(frames[:1], len(frames), axis=0), fps=fps)


def cmd_preview(a):
    from ..video import read_video, write_preview

    for pair in a.pairs:
        src, sep, dst = pair.partition("=")
        if not sep:
            raise RoomtourError(pair, "expected INPUT=OUTPUT")
        frames, fps = read_video(src, with_fps=True)
        write_preview(dst, frames, fps=fps)


def cmd_metrics(a):
    from ..chains import processing
    from ..metrics import video_metrics
    from ..video import atomic_path, read_video, video_tags

    frames = read_video(a.video)
    ref = read_video(a.reference) if a.reference else None
    df = video_metrics(frames, ref, compare_size=a.compare_size, kernel=a.kernel)
    if a.coverage:
        from ..coverage import attach, read_coverage

        df = attach(df, read_coverage(a.coverage), frozen=a.chain == "frozen")
    df.insert(0, "chain", a.chain)
    df.insert(0, "motion", a.motion)
    df.insert(0, "image", a.image)
    df["processing"] = processing(video_tags(a.video))
    with atomic_path(a.out) as tmp:
        df.to_csv(tmp, index=False)


def cmd_camera_accuracy(a):
    import csv
    import math

    from ..camera import intrinsics_matrix, read_pose_file
    from ..camera_accuracy import camera_errors
    from ..framing import Framing, apply_framing
    from ..video import atomic_path, read_video

    frames = read_video(a.video)
    if a.compare_size and tuple(a.compare_size) != (frames.shape[2], frames.shape[1]):
        from ..metrics import resize_frames

        # at the study's one comparison size, as fidelity is: SIFT on a 2x larger frame finds
        # more and finer matches, which would credit upscaling chains with a steadier camera
        frames = resize_frames(frames, *a.compare_size, a.kernel)
    path = read_pose_file(a.path).relative_to_first()
    rendered = path
    if a.coverage:
        from ..coverage import read_framing

        framing = read_framing(a.coverage)
        if framing is not None:
            rendered = apply_framing(path, Framing("fit", *framing))
    n = min(len(frames), len(path))
    h, w = frames.shape[1:3]
    # the frames were made with the rendered intrinsics (fit zooms in), at this video's own size
    k = intrinsics_matrix(rendered.intrinsics[0], w, h)
    row = {"image": a.image, "motion": a.motion, "chain": a.chain}
    errors = camera_errors(frames[:n], k, {"requested": path.w2c[:n], "rendered": rendered.w2c[:n]}, trials=a.trials,
                           estimator=a.estimator)
    row.update(errors["requested"].as_dict())
    row.update({f"{c}_rendered": getattr(errors["rendered"], c) for c in ("rot_err", "trans_err", "cam_mc")})
    with atomic_path(a.out) as tmp, open(tmp, "w", newline="") as f:
        # written as pandas writes it (NaN as an empty field), without importing pandas
        writer = csv.DictWriter(f, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow({k: "" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()})


def cmd_summarize(a):
    import pandas as pd

    from ..stats import (attach_camera, chain_summary, coverage_report, markdown_report, paired_differences,
                         per_video, read_camera, rendered_is_requested)
    from ..video import atomic_path

    from ..tables import read_table

    rows = pd.concat([read_table(p, ("image", "motion", "chain", "frame"), "metrics table") for p in a.metrics],
                     ignore_index=True)
    videos = per_video(rows)
    if a.camera:
        videos = attach_camera(videos, read_camera(a.camera))
    order = a.chain_order.split(",") if a.chain_order else None
    summary = chain_summary(videos, order)
    diffs = paired_differences(videos, "raw", a.bootstrap_samples, a.bootstrap_level, a.bootstrap_seed)
    for path, df in ((a.out_csv, summary), (a.per_video_csv, videos), (a.diffs_csv, diffs)):
        if path:
            with atomic_path(path) as tmp:
                df.to_csv(tmp, index=False)
    n_videos = videos[["image", "motion"]].drop_duplicates().shape[0]
    notes = [
        f"{n_videos} videos (image × motion); mean ± std over videos; each video's value is its mean over frames.",
        "temporal PSNR/SSIM compare consecutive frames of one video (the original study's measure): a "
        "temporal-stability proxy, not quality. A video's temporal PSNR is converted once from the mean squared "
        "difference of its consecutive frames, so it is infinite only when every pair is identical; the `frozen` "
        "row (first frame repeated) shows how high the proxy goes for a video that does not move.",
        "ref PSNR/SSIM compare each frame with the ground-truth frame at the reference resolution "
        f"(chains resized with `{a.kernel}`); frame 0, the input photo, is excluded.",
        "warp error: flow-based temporal consistency at the common comparison resolution; lower is steadier, "
        "and a frozen video scores 0.",
        "Paired differences use the same (image, motion) pairs; the interval is a percentile bootstrap "
        f"({a.bootstrap_samples} resamples, seed {a.bootstrap_seed}).",
    ]
    if "identical_pairs" in videos:
        moving = videos[videos.chain != "frozen"]
        if moving.identical_pairs.sum():
            notes.append(f"{int(moving.identical_pairs.sum())} consecutive-frame pairs outside `frozen` are identical "
                         "(a path that pauses, or a generator that ignores part of the motion).")
    if "processing" in videos:
        made = videos[videos.processing != ""].groupby("processing", sort=False).chain.unique()
        if len(made):
            notes.append("Post-processing as run (method, arithmetic, device; `processing` in per_video.csv): "
                         + " · ".join(f"{', '.join(f'`{c}`' for c in chains)}: {how}" for how, chains in made.items())
                         + ".")
    hidden = ()
    if rendered_is_requested(videos):
        hidden = tuple(f"{c}_rendered" for c in ("rot_err", "trans_err", "cam_mc"))
        notes.append("Every video was rendered along the path requested (no `fit` damping or zoom), so camera "
                     "accuracy against the rendered path (`*_rendered` in the CSV tables) equals the columns shown.")
    from ..report import failure_report

    extra = coverage_report(videos, a.min_visible) + failure_report(a.missing, a.logs)
    if a.out_md:
        with atomic_path(a.out_md) as tmp:
            tmp.write_text(markdown_report(summary, diffs, a.title, notes, extra, hidden))


def cmd_figures(a):
    from ..figures import bar_chart
    from ..tables import read_table

    summary = read_table(a.summary, ("chain",), "chain summary (summary.csv)")
    if not any(c.endswith("_mean") for c in summary.columns):
        raise RoomtourError(a.summary, "not a chain summary (summary.csv): no metric_mean column")
    bar_chart(summary, a.out, title=a.title)


def cmd_contact_sheet(a):
    from ..figures import contact_sheet
    from ..video import read_video

    videos = {}
    for item in a.videos:
        name, sep, path = item.partition("=")
        if not sep:
            raise RoomtourError(item, "expected NAME=VIDEO")
        videos[name] = read_video(path)
    visible = None
    if a.coverage:
        from ..coverage import read_coverage

        visible = read_coverage(a.coverage)["visible"].to_numpy(float)
    notes = {}
    if a.camera:
        from ..stats import camera_note, read_camera

        notes = {row["chain"]: camera_note(row) for _, row in read_camera(a.camera).iterrows()}
    contact_sheet(videos, a.out, frames=a.frames, title=a.title, visible=visible, min_visible=a.min_visible,
                  notes=notes)


def add_commands(sub) -> None:
    """The study's commands, one per rule of the workflow."""
    _add_input_commands(sub)
    _add_postprocess_commands(sub)
    _add_scoring_commands(sub)


def _add_input_commands(sub) -> None:
    """Inputs and generation: prepare-input, camera-path, render-reference, render-depth, generate."""
    s = sub.add_parser("prepare-input", help="validate a photo (or render a procedural scene) at the video size")
    s.add_argument("source", help="photo file, or procedural:<scene>")
    s.add_argument("out")
    s.add_argument("--size", type=_size, required=True)
    s.add_argument("--reference-scale", type=float, default=1.0, help="procedural: render at size*scale, downscale")
    s.add_argument("--hfov-deg", type=float, default=schema_default("video", "hfov_deg"))
    s.set_defaults(func=cmd_prepare_input)

    s = sub.add_parser("camera-path", help="write a relative, resampled RealEstate10K pose file for a motion")
    s.add_argument("out")
    s.add_argument("--spec", type=_json, required=True, help='e.g. {"preset": "pan_left", "params": {"distance": 0.4}}')
    s.add_argument("--frames", type=_positive_int, required=True, help="number of poses, >= 1")
    s.add_argument("--hfov-deg", type=_hfov, default=schema_default("video", "hfov_deg"))
    s.add_argument("--aspect", type=_positive_float, default=1.5, help="width / height")
    s.set_defaults(func=cmd_camera_path)

    s = sub.add_parser("render-reference", help="exact frames of a procedural scene along a pose file")
    s.add_argument("out")
    s.add_argument("--scene", required=True)
    s.add_argument("--path", required=True)
    s.add_argument("--size", type=_size, required=True)
    s.add_argument("--fps", type=float, default=8.0)
    s.set_defaults(func=cmd_render_reference)

    s = sub.add_parser("render-depth", help="exact camera-space depth of a procedural scene's first view (.npy)")
    s.add_argument("out")
    s.add_argument("--scene", required=True)
    s.add_argument("--size", type=_size, required=True)
    s.add_argument("--hfov-deg", type=float, default=schema_default("video", "hfov_deg"))
    s.set_defaults(func=cmd_render_depth)

    s = sub.add_parser("generate", help="photo + camera path -> raw video (and its coverage table)",
                       epilog='example: roomtour generate raw.mkv --photo in.png --path pan.txt --size 256x144 '
                              '--options \'{"depth": {"source": "layout"}}\' --framing fit')
    s.add_argument("out", help="video to write (.mkv, lossless)")
    s.add_argument("--method", default=schema_default("generate", "method"), choices=GENERATOR_NAMES,
                   help="generator (default: %(default)s)")
    s.add_argument("--options", type=_json, default={}, metavar="JSON",
                   help='generator options as a JSON object, e.g. \'{"depth": {"source": "layout"}, "depth_scale": 1}\'')
    s.add_argument("--photo", help="input photo (any size: centre-cropped to the video's aspect ratio)")
    s.add_argument("--video", default="", help="import: the video made elsewhere")
    s.add_argument("--depth", default="", help="parallax: depth map (.npy, or 16-bit PNG)")
    s.add_argument("--path", required=True, help="camera path, RealEstate10K format (see camera-path)")
    s.add_argument("--size", type=_size, required=True, metavar="WxH", help="video size in pixels, e.g. 384x256")
    s.add_argument("--fps", type=_positive_float, default=schema_default("video", "fps"))
    s.add_argument("--framing", choices=["exact", "fit"], default=schema_default("generate", "framing"),
                   help="exact: the path as given; fit: zoom/damp so each frame keeps --min-visible of the photo "
                        "(default: %(default)s)")
    s.add_argument("--min-visible", type=_fraction, default=schema_default("generate", "min_visible"),
                   help="fit framing's share of each frame from the photo (default: %(default)s)")
    s.add_argument("--coverage", default="", help="also write the per-frame coverage table (CSV) here")
    s.add_argument("--weights-dir", default=schema_default("weights_dir"),
                   help="directory of model weights, e.g. for depth source learned (default: %(default)s)")
    s.set_defaults(func=cmd_generate)


def _method_step(sub, step: str, noun: str, choices, help: str, epilog: str, options_example: str):
    """A post-processing step's parser: input and output videos, the method (the schema's default and
    choices), its options as a JSON object and the weights directory."""
    s = sub.add_parser(step, help=help, epilog=epilog)
    s.add_argument("input")
    s.add_argument("out")
    s.add_argument("--method", default=schema_default(step, "method"), choices=choices,
                   help=f"{noun} (default: %(default)s)")
    s.add_argument("--options", type=_json, default={}, metavar="JSON",
                   help=f"{noun} options as a JSON object, e.g. '{options_example}'")
    s.add_argument("--weights-dir", default=schema_default("weights_dir"),
                   help="directory of model weights (default: %(default)s, as in the workflow)")
    return s


def _add_postprocess_commands(sub) -> None:
    """The chains' steps: denoise, upscale, freeze, preview."""
    s = _method_step(sub, "denoise", "denoiser", DENOISER_NAMES, "denoise a video",
                     "example: roomtour denoise raw.mkv dn.mkv --method fastdvdnet --options '{\"sigma\": 10}'",
                     '{"sigma": 10}')
    s.set_defaults(func=cmd_denoise)

    s = _method_step(sub, "upscale", "upscaler", UPSCALER_NAMES, "upscale a video",
                     "example: roomtour upscale dn.mkv dn-up.mkv --method fsrcnn --scale 2", '{"temporal_weight": 0.3}')
    s.add_argument("--scale", type=_scale, default=schema_default("upscale", "scale"),
                   help="factor, 1 to 8 (default: %(default)s)")
    s.set_defaults(func=cmd_upscale)

    s = sub.add_parser("freeze", help="the frozen baseline: first frame repeated")
    s.add_argument("input")
    s.add_argument("out")
    s.set_defaults(func=cmd_freeze)

    s = sub.add_parser("preview", help="write viewable H.264 MP4s of videos")
    s.add_argument("pairs", nargs="+", help="INPUT.mkv=OUTPUT.mp4")
    s.set_defaults(func=cmd_preview)


def _add_scoring_commands(sub) -> None:
    """Scores and reports: metrics, camera-accuracy, summarize, figures, contact-sheet."""
    s = sub.add_parser("metrics", help="per-frame metrics of one video as CSV")
    s.add_argument("video")
    s.add_argument("out")
    s.add_argument("--reference", help="ground-truth video (same frame count)")
    s.add_argument("--coverage", help="the raw video's coverage table (from generate --coverage)")
    s.add_argument("--compare-size", type=_size, metavar="WxH", help="size for the warp error, e.g. 512x288")
    s.add_argument("--kernel", default=schema_default("metrics", "resize_kernel"),
                   choices=schema_choices("metrics", "resize_kernel"))
    s.add_argument("--image", default="")
    s.add_argument("--motion", default="")
    s.add_argument("--chain", default="")
    s.set_defaults(func=cmd_metrics)

    s = sub.add_parser("camera-accuracy", help="RotErr, TransErr, CamMC of one video against its camera path")
    s.add_argument("video")
    s.add_argument("out")
    s.add_argument("--path", required=True, help="the requested camera path (RealEstate10K format)")
    s.add_argument("--coverage", help="the raw video's coverage table: its zoom and damping give the rendered path")
    s.add_argument("--estimator", choices=schema_choices("metrics", "camera", "estimator"),
                   default=schema_default("metrics", "camera", "estimator"),
                   help="structure from motion (falls back to two-view without a model) or two-view (default: %(default)s)")
    s.add_argument("--trials", type=int, default=schema_default("metrics", "camera", "trials"),
                   help="estimates averaged: SfM seeds, or two-view on the frames then dithered copies (default: %(default)s)")
    s.add_argument("--compare-size", type=_size, metavar="WxH",
                   help="estimate at this size (the study's comparison size; default: the video's own)")
    s.add_argument("--kernel", default=schema_default("metrics", "resize_kernel"),
                   choices=schema_choices("metrics", "resize_kernel"), help="resize kernel (default: %(default)s)")
    s.add_argument("--image", default="")
    s.add_argument("--motion", default="")
    s.add_argument("--chain", default="")
    s.set_defaults(func=cmd_camera_accuracy)

    s = sub.add_parser("summarize", help="summary tables from per-frame metric CSVs")
    s.add_argument("metrics", nargs="+")
    s.add_argument("--camera", nargs="*", default=[], help="camera-accuracy CSVs (one row per video)")
    s.add_argument("--out-csv")
    s.add_argument("--out-md")
    s.add_argument("--per-video-csv")
    s.add_argument("--diffs-csv")
    s.add_argument("--chain-order", default="")
    s.add_argument("--kernel", default="bicubic")
    s.add_argument("--title", default="roomtour results")
    s.add_argument("--bootstrap-samples", type=int, default=2000)
    s.add_argument("--bootstrap-level", type=float, default=0.95)
    s.add_argument("--bootstrap-seed", type=int, default=0)
    s.add_argument("--min-visible", type=_fraction, default=schema_default("generate", "min_visible"),
                   help="flag videos with a frame below this visible share")
    s.add_argument("--missing", action="append", default=[], metavar="CSV",
                   help="a metric table that was expected but not made (listed as failed)")
    s.add_argument("--logs", default="", help="job logs, searched for why a missing table failed")
    s.set_defaults(func=cmd_summarize)

    s = sub.add_parser("figures", help="bar chart of the summary")
    s.add_argument("summary")
    s.add_argument("out")
    s.add_argument("--title", default="")
    s.set_defaults(func=cmd_figures)

    s = sub.add_parser("contact-sheet", help="frames of several chains side by side")
    s.add_argument("out")
    s.add_argument("videos", nargs="+", help="name=path.mkv")
    s.add_argument("--coverage", help="coverage table: each frame's visible share is printed, flagged when low")
    s.add_argument("--camera", nargs="*", default=[], help="camera-accuracy tables: printed under each chain's name")
    s.add_argument("--min-visible", type=_fraction, default=schema_default("generate", "min_visible"))
    s.add_argument("--frames", type=_positive_int, default=4)
    s.add_argument("--title", default="")
    s.set_defaults(func=cmd_contact_sheet)
