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
