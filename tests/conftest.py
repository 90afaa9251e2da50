import os
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO.parent / "shared").resolve()
sys.path.insert(0, str(REPO / "workflow"))


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def textured_frame(rng):
    """A smooth, textured 48x64 RGB frame (not white noise, so flow and SSIM behave)."""
    import cv2

    base = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    return cv2.resize(base, (64, 48), interpolation=cv2.INTER_CUBIC)


def shared_path(*parts) -> Path:
    """Path under ../shared; tests that need it skip where it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not available")
    return p


os.environ.setdefault("OMP_NUM_THREADS", "2")


def room_photo(scene: str, w: int = 320, h: int = 180) -> np.ndarray:
    """A listing-like photo: a procedural room seen from its start view (exact, no download)."""
    from roomtour.camera import preset_path
    from roomtour.scenes import get_scene, render_frame

    cam = preset_path("stationary", 1, 60, w / h)
    return render_frame(get_scene(scene), cam.w2c[0], cam.intrinsics[0], w, h)[0]


def relative_path(translations=(), rotations=(), w: int = 96, h: int = 64):
    """A camera path in frame 0's coordinates: ``w2c = [R | t]`` per frame from rotation vectors
    (radians) and translations (scene units); normalised focal length 0.8 across ``w``."""
    from scipy.spatial.transform import Rotation

    from roomtour.camera import CameraPath

    n = max(len(translations), len(rotations))
    w2c = []
    for i in range(n):
        m = np.zeros((3, 4))
        m[:, :3] = Rotation.from_rotvec(rotations[i]).as_matrix() if rotations else np.eye(3)
        m[:, 3] = translations[i] if translations else 0.0
        w2c.append(m)
    intr = np.tile([0.8, 0.8 * w / h, 0.5, 0.5], (n, 1))
    return CameraPath(intr, np.stack(w2c), np.arange(n) * 125000)
