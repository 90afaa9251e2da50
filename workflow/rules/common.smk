# Shared setup: config validation, the study grid, and helpers for the rules.

import json
import shlex
import sys
from pathlib import Path

PACKAGE_DIR = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, PACKAGE_DIR)

from roomtour.chains import (
    BASELINES,
    CHAIN_RE,
    DENOISE_CHAIN_RE,
    UPSCALE_CHAIN_RE,
    parent_chain,
    required_chains,
)
from roomtour.config import compare_scale, compare_size, image_sources, validate_config
from roomtour.denoisers import DENOISERS
from roomtour.errors import RoomtourError
from roomtour.generators import GENERATORS
from roomtour.jobenv import export_for_jobs
from roomtour.upscalers import UPSCALERS

_CONFIG_NAMES = (
    ", ".join(str(p) for p in getattr(workflow, "configfiles", [])) or "config"
)
try:
    validate_config(
        config,
        Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml",
        where=_CONFIG_NAMES,
    )
    IMAGES = image_sources(config, where=_CONFIG_NAMES)
except RoomtourError as exc:
    raise WorkflowError(f"roomtour: {exc}") from None

MOTIONS = list(config["motions"])
CHAINS = list(config["chains"])
# every video the metrics need, intermediates included, plus the frozen baseline
VIDEO_CHAINS = required_chains(CHAINS + list(BASELINES))
SCORED_CHAINS = CHAINS + list(BASELINES)
PROCEDURAL = "procedural" in config["images"]
WIDTH, HEIGHT = config["video"]["width"], config["video"]["height"]
COMPARE_SCALE = compare_scale(config)
COMPARE_W, COMPARE_H = compare_size(config)

# The rules call the package through its CLI (python -m roomtour): jobs inherit
# this interpreter on PATH and the checkout's package on PYTHONPATH.
export_for_jobs(PACKAGE_DIR)


wildcard_constraints:
    image=r"[A-Za-z0-9_]+",
    motion=r"[A-Za-z0-9_]+",
    chain=CHAIN_RE,


def env_for(step):
    """GPU-capable methods get the CUDA environment; the rest the CPU one."""
    registry = {"generate": GENERATORS, "denoise": DENOISERS, "upscale": UPSCALERS}[
        step
    ]
    gpu = registry.uses_gpu(config[step]["method"])
    return "../../envs/gpu.yaml" if gpu else "../../envs/cpu.yaml"


def gpu_tag(step):
    registry = {"generate": GENERATORS, "denoise": DENOISERS, "upscale": UPSCALERS}[
        step
    ]
    return int(registry.uses_gpu(config[step]["method"]))


def options_json(step):
    return json.dumps(config[step].get("options", {}), sort_keys=True)


def video(image="{image}", motion="{motion}", chain="{chain}", ext="mkv"):
    return f"results/videos/{image}/{motion}/{chain}.{ext}"


def final_targets():
    targets = [
        "results/summary.csv",
        "results/summary.md",
        "results/figures/metrics.png",
    ]
    targets += expand(
        "results/figures/contact/{image}/{motion}.png", image=IMAGES, motion=MOTIONS
    )
    if config["previews"]:
        targets += expand(video(ext="mp4"), image=IMAGES, motion=MOTIONS, chain=CHAINS)
    return targets


def generate_inputs(wc):
    inputs = {
        "photo": f"results/inputs/{wc.image}.png",
        "path": f"results/paths/{wc.motion}.txt",
    }
    if config["generate"]["method"] == "import":
        gen = GENERATORS.create("import", config["generate"]["options"])
        inputs["video"] = gen.source(wc.image, wc.motion)
    depth = depth_file(wc.image)
    if depth:
        inputs["depth"] = depth
    return inputs


def depth_file(image):
    """The depth input of the parallax (or render-guided svd) generator for an image,
    or None when it estimates depth from the photo itself (layout, onnx)."""
    if config["generate"]["method"] not in ("parallax", "svd"):
        return None
    spec = config["generate"].get("options", {}).get("depth", {})
    source = spec.get("source", "layout")
    if source == "procedural":
        if not PROCEDURAL:
            raise WorkflowError(
                "roomtour: generate.options.depth.source 'procedural' needs procedural images"
            )
        return f"results/inputs/{image}.depth.npy"
    if source == "file":
        return str(
            Path(spec.get("directory", "."))
            / spec.get("pattern", "{image}.npy").format(image=image)
        )
    return None


def generate_extra_args(wc, input):
    args = []
    if "video" in input.keys():
        args.append(f"--video {shlex.quote(input.video)}")
    if "depth" in input.keys():
        args.append(f"--depth {shlex.quote(input.depth)}")
    return " ".join(args)


def metrics_inputs(wc):
    inputs = {"video": video(wc.image, wc.motion, wc.chain)}
    if PROCEDURAL:
        inputs["reference"] = f"results/reference/{wc.image}/{wc.motion}.mkv"
    return inputs


def contact_sheet_inputs(wc):
    """Chain name -> video; the ground truth first where the input has one."""
    videos = {c: video(wc.image, wc.motion, c) for c in SCORED_CHAINS}
    if PROCEDURAL:
        videos = {
            "reference": f"results/reference/{wc.image}/{wc.motion}.mkv",
            **videos,
        }
    return videos
