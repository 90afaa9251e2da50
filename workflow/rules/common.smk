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
)
from roomtour.config import compare_scale, compare_size, image_sources, validate_config
from roomtour.denoisers import DENOISERS
from roomtour.errors import RoomtourError
from roomtour.generators import GENERATORS
from roomtour.jobenv import export_for_jobs, host_has_gpu
from roomtour.report import log_path
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

R = config["results_dir"].rstrip(
    "/"
)  # every output lives under it: one config, one results tree
MOTIONS = list(config.get("motions", {}))
CHAINS = list(config["chains"])
SCORED_CHAINS = CHAINS + list(BASELINES)
PROCEDURAL = "procedural" in config.get("images", {})
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
    listing=r"[A-Za-z0-9_]+",
    shot=r"[A-Za-z0-9_]+",


def options_json(step):
    """A step's options as JSON.  Rules take it through a function: a string param would be
    formatted with wildcards, and adapter templates such as ``{photo}`` would break it.
    """
    return json.dumps(config[step].get("options", {}), sort_keys=True)


def video(image="{image}", motion="{motion}", chain="{chain}", ext="mkv"):
    return f"{R}/videos/{image}/{motion}/{chain}.{ext}"


def coverage(image="{image}", motion="{motion}"):
    return f"{R}/coverage/{image}/{motion}.csv"


def framing_of(motion):
    """The motion's own framing, else the generator's (exact | fit)."""
    return config["motions"][motion].get("framing", config["generate"]["framing"])


def final_targets():
    targets = tour_targets()
    if not (IMAGES and MOTIONS):
        return targets
    targets += [f"{R}/summary.csv", f"{R}/summary.md", f"{R}/figures/metrics.png"]
    targets += expand(
        f"{R}/figures/contact/{{image}}/{{motion}}.png", image=IMAGES, motion=MOTIONS
    )
    if config["previews"]:
        targets += expand(video(ext="mp4"), image=IMAGES, motion=MOTIONS, chain=CHAINS)
    return targets


def generate_inputs(wc):
    """Photo, path, and the depth map or imported video when they exist.

    A depth map or video that is missing is *not* declared as an input:
    Snakemake would refuse to start the whole grid.  The job gets the path
    as a parameter instead and fails alone, with one line naming the file,
    while ``--keep-going`` finishes the rest.
    """
    inputs = {
        "photo": f"{R}/inputs/{wc.image}.png",
        "path": f"{R}/paths/{wc.motion}.txt",
    }
    for key, path in external_inputs(wc.image, wc.motion).items():
        if path.startswith(f"{R}/") or Path(path).exists():
            inputs[key] = path
    return inputs


def external_inputs(image, motion):
    """Files the generator reads besides the photo and path: ``{"video"|"depth": path}``."""
    out = {}
    if config["generate"]["method"] == "import":
        gen = GENERATORS.create("import", config["generate"]["options"])
        out["video"] = gen.source(image, motion)
    depth = depth_file(image)
    if depth:
        out["depth"] = depth
    return out


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
        return f"{R}/inputs/{image}.depth.npy"
    if source == "file":
        return str(
            Path(spec.get("directory", "."))
            / spec.get("pattern", "{image}.npy").format(image=image)
        )
    return None


def generate_extra_args(wc):
    """``--video``/``--depth`` options (shell-quoted), whether or not the files exist."""
    return " ".join(
        f"--{key} {shlex.quote(path)}"
        for key, path in external_inputs(wc.image, wc.motion).items()
    )


def metrics_inputs(wc):
    inputs = {
        "video": video(wc.image, wc.motion, wc.chain),
        "coverage": coverage(wc.image, wc.motion),
    }
    if PROCEDURAL:
        inputs["reference"] = f"{R}/reference/{wc.image}/{wc.motion}.mkv"
    return inputs


def contact_sheet_inputs(wc):
    """Chain name -> video; the ground truth first where the input has one."""
    videos = {c: video(wc.image, wc.motion, c) for c in SCORED_CHAINS}
    if PROCEDURAL:
        videos = {"reference": f"{R}/reference/{wc.image}/{wc.motion}.mkv", **videos}
    return videos


def summary_args():
    """The summarize command's options (shell-quoted)."""
    boot = config["metrics"]["bootstrap"]
    title = f"roomtour: {len(IMAGES)} images x {len(MOTIONS)} motions, generator {config['generate']['method']}"
    return " ".join(
        [
            f"--chain-order {shlex.quote(','.join(SCORED_CHAINS))}",
            f"--kernel {shlex.quote(config['metrics']['resize_kernel'])}",
            f"--title {shlex.quote(title)}",
            f"--bootstrap-samples {int(boot['samples'])}",
            f"--bootstrap-level {float(boot['level'])}",
            f"--bootstrap-seed {int(boot['seed'])}",
            f"--min-visible {float(config['generate']['min_visible'])}",
        ]
    )
