"""How far single camera-accuracy estimates of one video lie apart: the two-view estimator under imperceptible change.

    .venv/bin/python scripts/benchmarks/camera_repeatability.py [--results results] [--draws 8]

For every video of a finished study run (``results/videos/<image>/<motion>/<chain>.mkv`` with its camera path
``results/paths/<motion>.txt``), resized (bicubic) to the run's largest video size as the study's camera job
does with its comparison size, the two-view estimate (one trial) of the video itself and of ``--draws - 1``
copies dithered by at most one grey level (``roomtour.camera_accuracy.dithered``, seeds 1, 2, ...), each scored
against the requested path. Prints a Markdown table (BENCHMARKS.md): per chain, the median over videos of the
standard deviation of single estimates (RotErr, TransErr), the largest such deviation, and the largest range; then
what the study's default (``metrics.camera.trials`` estimates averaged) leaves of it, sd / sqrt(trials).
First it counts the frames whose two-view pose is the same for ``cv2.setRNGSeed`` 0, 1 and 2 on the same matches
(why the trials dither the frames instead of changing the seed).
Scores against the requested path only (the default grid renders every path unchanged, so rendered = requested).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import numpy as np

from roomtour.camera import intrinsics_matrix, read_pose_file
from roomtour.camera_accuracy import camera_errors, dithered, frame_matches, relative_poses
from roomtour.config import schema_default
from roomtour.metrics import resize_frames
from roomtour.video import read_video, video_info


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default="results")
    ap.add_argument("--draws", type=int, default=8)
    a = ap.parse_args()
    results = Path(a.results)
    trials = schema_default("metrics", "camera", "trials")
    by_chain = defaultdict(list)
    same = total = 0
    videos = sorted(results.glob("videos/*/*/*.mkv"))
    sizes = [(info["width"], info["height"]) for info in map(video_info, videos)]
    w, h = max(sizes, key=lambda s: s[0] * s[1])
    for video in videos:
        image, motion, chain = video.parts[-3], video.parts[-2], video.stem
        path = read_pose_file(results / "paths" / f"{motion}.txt").relative_to_first()
        frames = resize_frames(np.asarray(read_video(video)), w, h, "bicubic")
        n = len(frames)
        k = intrinsics_matrix(path.intrinsics[0], w, h)
        matches = frame_matches(frames)
        seeded = [relative_poses(frames, k, seed, matches=matches) for seed in range(3)]
        for poses in zip(*seeded):
            total += 1
            same += all((p is None) == (poses[0] is None) and (p is None or np.array_equal(p, poses[0])) for p in poses)
        draws = [camera_errors(dithered(frames, s) if s else frames, k, path.w2c[:n], trials=1) for s in range(a.draws)]
        rot = np.array([d.rot_err for d in draws])
        trans = np.array([d.trans_err for d in draws])
        by_chain[chain].append((np.nanstd(rot), np.nanstd(trans), np.nanmax(trans) - np.nanmin(trans)))
        print(f"{image} {motion} {chain}: TransErr {np.round(trans, 2).tolist()}", flush=True)
    print(f"\nframes with the same two-view pose for seeds 0, 1, 2: {same} of {total}")
    print(f"\n{a.draws} single two-view estimates per video (the video, then dithered by at most one grey level)\n")
    print("| chain | videos | RotErr sd, median | TransErr sd, median | TransErr sd, largest | TransErr range, largest |")
    print("|---|---:|---:|---:|---:|---:|")
    for chain, rows in by_chain.items():
        r = np.array(rows)
        print(f"| {chain} | {len(r)} | {np.median(r[:, 0]):.3f} | {np.median(r[:, 1]):.2f} | {r[:, 1].max():.2f} | "
              f"{r[:, 2].max():.2f} |")
    every = np.array([row for rows in by_chain.values() for row in rows])
    print(f"\nThe study averages {trials} estimates: a video's TransErr then varies by about "
          f"{np.median(every[:, 1]) / np.sqrt(trials):.2f} (median sd / sqrt({trials})), up to "
          f"{every[:, 1].max() / np.sqrt(trials):.2f}.")


if __name__ == "__main__":
    main()
