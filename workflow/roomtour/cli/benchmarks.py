"""Benchmarks and training: the synthetic-degradation benchmark, FastDVDnet training, the
RealEstate10K suite."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import RoomtourError
from .args import _read_yaml


def cmd_restoration(a):
    from ..restoration import run_denoising, run_super_resolution, summarize_denoising, summarize_super_resolution
    from ..video import atomic_path

    config = _read_yaml(a.config, "benchmark config")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

    def save(name, frame_or_text):
        with atomic_path(out / name) as tmp:
            if isinstance(frame_or_text, str):
                tmp.write_text(frame_or_text)
            else:
                frame_or_text.to_csv(tmp, index=False)

    if "super_resolution" in config and a.only in ("all", "sr"):
        rows = run_super_resolution(config, log=log, figure_dir=out)
        save("sr_per_clip.csv", rows)
        summary, text = summarize_super_resolution(rows, baseline=config["super_resolution"].get("baseline", "lanczos"))
        save("sr_summary.csv", summary)
        save("sr_summary.md", text)
        print(text)
    if "denoising" in config and a.only in ("all", "dn"):
        dn = config["denoising"]
        if a.sigmas:
            try:
                dn["sigmas"] = [int(float(v)) if float(v).is_integer() else float(v) for v in a.sigmas.split(",")]
            except ValueError:
                raise RoomtourError("--sigmas", f"expected numbers separated by commas, not {a.sigmas!r}") from None
        rows = run_denoising(config, log=log, figure_dir=out)
        save("dn_per_clip.csv", rows)
        summary, text = summarize_denoising(rows, reference=dn.get("reference", "fastdvdnet"),
                                            published=dn.get("published"))
        save("dn_summary.csv", summary)
        save("dn_summary.md", text)
        print(text)


def cmd_train_denoiser(a):
    import shlex

    from ..training import train_fastdvdnet

    config = _read_yaml(a.config, "training config")
    if a.iterations:
        config["optimizer"]["iterations"] = a.iterations
    if a.batch:
        config["optimizer"]["batch"] = a.batch
    command = "roomtour " + " ".join(shlex.quote(x) for x in sys.argv[1:]) if a.record_command else ""
    record = train_fastdvdnet(config, a.data_root, a.out, device=a.device, command=command,
                              log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(record, indent=2))


def cmd_suite(a):
    from ..suite import run_suite, summarize_suite
    from ..video import atomic_path

    config = _read_yaml(a.config, "suite config")
    if a.data:
        config["data"] = a.data
    if a.clips:
        config["clips"] = a.clips.split(",")
    out = Path(a.out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    frames, study = run_suite(config, log=lambda m: print(m, file=sys.stderr, flush=True),
                              figure_dir=out / "figures")
    per_clip, text = summarize_suite(frames, reference=config.get("reference", "parallax"),
                                     baselines=config.get("baselines", ["static", "homography"]), study=study)
    if study is not None:
        with atomic_path(out / "depth_scale_study.csv") as tmp:
            study["psnr"].to_csv(tmp)
    for name, table in (("per_frame.csv", frames), ("per_clip.csv", per_clip)):
        with atomic_path(out / name) as tmp:
            table.to_csv(tmp, index=False)
    with atomic_path(out / "summary.md") as tmp:
        tmp.write_text(text)
    print(text)




def add_commands(sub) -> None:
    s = sub.add_parser("restoration", help="synthetic-degradation benchmark (config/restoration.yaml)")
    s.add_argument("config")
    s.add_argument("--out", default="results/restoration")
    s.add_argument("--only", choices=["all", "sr", "dn"], default="all", help="run one part of the benchmark")
    s.add_argument("--sigmas", default="", metavar="S[,S...]",
                   help="denoising: these noise levels (0-255) instead of the config's, e.g. 10,30,50")
    s.set_defaults(func=cmd_restoration)

    s = sub.add_parser("train-denoiser", help="train FastDVDnet on clean clips + AWGN (config/fastdvdnet_train.yaml)")
    s.add_argument("config")
    s.add_argument("--data-root", default="../shared/data", help="directory the config's paths are relative to")
    s.add_argument("--out", default="results/training/fastdvdnet.safetensors")
    s.add_argument("--device", default="auto")
    s.add_argument("--iterations", type=int, default=0, help="override the config's iteration count")
    s.add_argument("--batch", type=int, default=0, help="override the config's batch size")
    s.add_argument("--no-record-command", dest="record_command", action="store_false",
                   help="leave the command line out of the weights' metadata")
    s.set_defaults(func=cmd_train_denoiser)

    s = sub.add_parser("suite", help="generators vs real frames on RealEstate10K-layout clips (config/re10k.yaml)")
    s.add_argument("config")
    s.add_argument("--out", default="results/re10k")
    s.add_argument("--data", default="", help="override the config's clip directory")
    s.add_argument("--clips", default="", help="comma-separated subset of clips")
    s.set_defaults(func=cmd_suite)

