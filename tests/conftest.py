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
