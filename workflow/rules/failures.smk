# After a failed run (`onerror` in the Snakefile): the partial summary.


def partial_summary():
    """After a failed run (``--keep-going``): summarise the videos that finished and list
    the ones that did not, with the last line of each failed job's log."""
    import subprocess

    done = sorted(Path(R, "metrics").glob("*/*/*.csv"))
    expected = [
        f"{R}/metrics/{i}/{m}/{c}.csv"
        for i in IMAGES
        for m in MOTIONS
        for c in SCORED_CHAINS
    ]
    missing = [p for p in expected if not Path(p).exists()]
    if not done:
        return
    cmd = [
        sys.executable,
        "-m",
        "roomtour",
        "summarize",
        *map(str, done),
        "--out-csv",
        f"{R}/summary.csv",
        "--out-md",
        f"{R}/summary.md",
        "--per-video-csv",
        f"{R}/per_video.csv",
        "--diffs-csv",
        f"{R}/paired_differences.csv",
        "--logs",
        f"{R}/logs",
        *shlex.split(summary_args()),
    ]
    camera = sorted(Path(R, "camera").glob("*/*/*.csv"))
    if camera:
        cmd += ["--camera", *map(str, camera)]
    for path in missing:
        cmd += ["--missing", path]
    subprocess.run(cmd, check=False)
    print(
        f"roomtour: {len(missing)} of {len(expected)} metric tables missing; "
        f"partial summary written to {R}/summary.md (failures listed there)",
        file=sys.stderr,
    )
