"""Where every job writes its log, and what a failed run's summary says about it.

:data:`JOB_LOGS` is the one list of log paths: the rules take theirs from it
(:func:`log_path`, with Snakemake wildcards in braces) and :func:`failure_report` reads
the same paths back to say why a video was not finished, so renaming a log cannot
silently break the report.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["JOB_LOGS", "log_path", "failure_report", "failure_reason"]

# rule -> its log under <results_dir>/logs/ ({image}, {motion}, {chain}, ... are the rule's wildcards)
JOB_LOGS = {
    "prepare_input": "prepare_input/{image}.log",
    "render_depth": "render_depth/{image}.log",
    "camera_path": "camera_path/{motion}.log",
    "render_reference": "render_reference/{image}/{motion}.log",
    "generate": "generate/{image}/{motion}.log",
    "denoise": "denoise/{image}/{motion}/{chain}.log",
    "upscale": "upscale/{image}/{motion}/{chain}.log",
    "freeze": "freeze/{image}/{motion}.log",
    "previews": "previews/{image}/{motion}.log",
    "metrics": "metrics/{image}/{motion}/{chain}.log",
    "camera_accuracy": "camera_accuracy/{image}/{motion}/{chain}.log",
    "summarize": "summarize.log",
    "figure_metrics": "figure_metrics.log",
    "contact_sheet": "contact_sheet/{image}/{motion}.log",
    "train_fastdvdnet": "train_fastdvdnet.log",
    "tour_shot": "tour_shot/{listing}/{fmt}/{shot}.log",
    "tour_video": "tour_video/{listing}/{fmt}{variant}.log",
    "tour_poster": "tour_poster/{listing}/{fmt}{variant}.log",
    "tour_contact_sheet": "tour_contact_sheet/{listing}/{fmt}{variant}.log",
    "tour_mux": "tour_mux/{listing}/{fmt}{variant}.log",
}

# the steps a video's metrics depend on, in the order they run: the first failed log names the cause
_VIDEO_STEPS = ("prepare_input", "camera_path", "render_depth", "render_reference", "generate", "denoise", "upscale",
                "freeze", "metrics")


def log_path(results_dir: str, rule: str) -> str:
    """A rule's log path (wildcards left in braces for Snakemake)."""
    return f"{results_dir}/logs/{JOB_LOGS[rule]}"


def failure_report(missing: list[str], logs: str) -> list[str]:
    """Markdown lines listing the videos whose metric tables were not made, and why (the
    last error line of the first failed job log found for that video)."""
    if not missing:
        return []
    lines = ["## Not finished", "", f"{len(missing)} metric tables were not made; the tables above leave them out.",
             "", "| image | motion | chain | why |", "|---|---|---|---|"]
    for path in missing:
        parts = Path(path).with_suffix("").parts
        image, motion, chain = parts[-3:] if len(parts) >= 3 else ("?", "?", Path(path).stem)
        why = failure_reason(Path(logs), image, motion, chain) if logs else ""
        lines.append(f"| {image} | {motion} | {chain} | {why} |")
    return lines + [""]


def failure_reason(logs: Path, image: str, motion: str, chain: str) -> str:
    """The last error line of the first failed job log among the steps of one video."""
    for rule in _VIDEO_STEPS:
        template = JOB_LOGS[rule]
        if "{chain}" in template and rule != "metrics":
            # any chain's denoise/upscale job of this video may be the one that failed
            candidates = sorted((logs / template.format(image=image, motion=motion, chain="x")).parent.glob("*.log"))
        else:
            candidates = [logs / template.format(image=image, motion=motion, chain=chain)]
        for log in candidates:
            try:
                text = log.read_text(errors="replace")
            except OSError:
                continue
            errors = [ln for ln in text.splitlines() if "error" in ln.lower()]
            if errors:
                return f"{log.relative_to(logs)}: {errors[-1].strip()[:200]}".replace("|", "/")
    return "no job log with an error (the job did not run: an earlier step failed or the run was stopped)"
