"""Surface-label error of the room layout on the procedural rooms (whose layout is known).

    .venv/bin/python scripts/benchmarks/layout_labels.py

Each procedural room is rendered from several cameras (the start camera, moved sideways, turned, raised);
the layout estimate's surface labels (floor, ceiling, left, right, back) are compared with the true ones
(furniture ignored: the room's own surfaces behind it), and its depth with the room's depth.  Rows: the
fixed box (``fit: false``: constant wall distances) and the box fitted to the photo's line evidence
(:func:`roomtour.layout.fit_layout`).  Prints a Markdown table (BENCHMARKS.md); nothing in the code is
fitted to it.
"""

from __future__ import annotations

import numpy as np

from roomtour.camera import fx_for_hfov, intrinsics_matrix
from roomtour.depth import layout_depth
from roomtour.layout import box_labels
from roomtour.scenes import SCENES, render_frame, room_surface_labels
from scipy.spatial.transform import Rotation

W, H = 384, 256


def poses():
    def pose(centre, yaw=0.0, pitch=0.0):
        c2w = Rotation.from_euler("yx", [yaw, pitch], degrees=True).as_matrix()
        r = c2w.T
        return np.hstack([r, (-r @ np.asarray(centre, float))[:, None]])

    return {"start": pose([0, 0, 0]), "left 0.8 m": pose([-0.8, 0, 0.3]), "right 1 m": pose([1.0, 0, 0.5]),
            "turned 12°": pose([0, 0, 0], yaw=12), "back 1 m": pose([0, 0, -1.0])}


def main():
    fx = fx_for_hfov(60.0)
    intr = np.array([fx, fx * W / H, 0.5, 0.5])
    k = intrinsics_matrix(intr, W, H)
    rows = []
    for name, scene in SCENES.items():
        for where, w2c in poses().items():
            rgb, depth = render_frame(scene, w2c, intr, W, H, depth=True)
            truth = room_surface_labels(scene, w2c, intr, W, H)
            for fit in (False, True):
                est, info = layout_depth(rgb, k, fit=fit)
                labels = box_labels(info.box, k, W, H)
                err = float(np.mean(labels != truth))
                log_err = float(np.mean(np.abs(np.log(est / depth))))
                rows.append((name, where, "fitted" if fit else "fixed", err, log_err))
    print("| room | camera | box | label error | mean abs log depth error |")
    print("|---|---|---|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {100 * r[3]:.1f}% | {r[4]:.3f} |")
    for kind in ("fixed", "fitted"):
        sel = [r for r in rows if r[2] == kind]
        print(f"| **all** | | {kind} | {100 * np.mean([r[3] for r in sel]):.1f}% | "
              f"{np.mean([r[4] for r in sel]):.3f} |")


if __name__ == "__main__":
    main()
