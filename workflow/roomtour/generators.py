"""Generators: one photo + a camera path -> a raw video.

Registry names (config ``generate.method``):

``homography``
    Re-projects the photo with the *rotation* of each pose exactly
    (``H = K R K^-1``); translation is ignored, so there is no parallax.  The
    baseline every generator must beat.  With the option ``plane_depth`` (in
    scene units) translation is applied too, as the homography induced by a
    fronto-parallel plane at that depth (``H = K (R - t n^T / d) K^-1``): the
    whole photo moves like one flat wall.  Pixels whose viewing ray points
    behind the first camera are black; rays that miss the photo take the
    nearest edge pixel (no black borders inside the field of view).
``import``
    Takes a video made elsewhere (e.g. by CamI2V on a GPU cluster) so the
    post-processing study runs on any image-to-video model's output.  Frames
    are resized (area / Lanczos) to the configured size; the frame count is
    kept.
"""

from __future__ import annotations

import sys

import cv2
import numpy as np

from .camera import CameraPath, intrinsics_matrix
from .registry import Registry
from .video import fit_to_size, read_video

GENERATORS = Registry("generator")


@GENERATORS.register("homography")
class HomographyGenerator:
    """Rotation-only re-projection of the photo along the path (no learned weights)."""

    uses_gpu = False

    def __init__(self, interpolation: str = "lanczos", plane_depth: float | None = None):
        if plane_depth is not None and plane_depth <= 0:
            raise ValueError("plane_depth must be positive")
        self.plane_depth = plane_depth
        self.interp = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4}[
            interpolation
        ]

    def generate(self, photo: np.ndarray, camera: CameraPath, width: int, height: int, **_) -> np.ndarray:
        photo = fit_to_size(photo, width, height)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
        pix = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
        k0 = intrinsics_matrix(camera.intrinsics[0], width, height)
        rel = camera.relative_to_first()
        frames = []
        for pose, intr in zip(rel.w2c, camera.intrinsics):
            k = intrinsics_matrix(intr, width, height)
            rot, t = pose[:, :3], pose[:, 3]
            # frame-0 point X maps to frame t as R X + t.  Rotation only: a ray d_t
            # of frame t comes from d_0 = R^T d_t.  With a plane n.X = d (n = z):
            # X_t = (R + t n^T / d) X_0, so d_0 = (R + t n^T / d)^-1 d_t.
            m = rot if self.plane_depth is None else rot + np.outer(t, [0.0, 0.0, 1.0 / self.plane_depth])
            rays0 = np.linalg.inv(m) @ np.linalg.inv(k) @ pix
            front = (rays0[2] > 1e-6).reshape(height, width)
            src = k0 @ rays0
            with np.errstate(divide="ignore", invalid="ignore"):
                u = (src[0] / src[2]).reshape(height, width)
                v = (src[1] / src[2]).reshape(height, width)
            # rays in front of the first camera take the nearest photo pixel; rays behind it stay black
            mx = np.where(front, np.clip(u, 0, width - 1), -1e4).astype(np.float32)
            my = np.where(front, np.clip(v, 0, height - 1), -1e4).astype(np.float32)
            frames.append(cv2.remap(photo, mx, my, self.interp, borderMode=cv2.BORDER_CONSTANT, borderValue=0))
        return np.stack(frames)


@GENERATORS.register("import")
class ImportGenerator:
    """Bring in a video made by another image-to-video model."""

    uses_gpu = False

    def __init__(self, directory: str = "", pattern: str = "{image}/{motion}.mp4"):
        self.directory, self.pattern = directory, pattern

    def source(self, image: str, motion: str) -> str:
        return f"{self.directory.rstrip('/')}/{self.pattern.format(image=image, motion=motion)}"

    def generate(self, photo, camera: CameraPath, width: int, height: int, video: str = "", **_) -> np.ndarray:
        frames = read_video(video)
        if len(frames) != len(camera):
            print(
                f"{video}: {len(frames)} frames, the camera path has {len(camera)}; keeping the video's frames",
                file=sys.stderr,
            )
        return np.stack([fit_to_size(f, width, height) for f in frames])
