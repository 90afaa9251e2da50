import numpy as np
import pytest

from roomtour.camera import preset_path
from roomtour.restoration import (
    bicubic_downscale,
    laplacian_sharpness,
    luma_bt601,
    run_super_resolution,
    summarize_super_resolution,
)
from roomtour.scenes import SCENES, render_path
from roomtour.images import write_image


def test_luma_and_downscale_conventions():
    white = np.full((2, 2, 3), 255, np.uint8)
    black = np.zeros((2, 2, 3), np.uint8)
    assert luma_bt601(white) == pytest.approx(np.full((2, 2), 235.0))
    assert luma_bt601(black) == pytest.approx(np.full((2, 2), 16.0))
    flat = np.full((1, 8, 12, 3), 77, np.uint8)
    small = bicubic_downscale(flat, 2)
    assert small.shape == (1, 4, 6, 3) and (small == 77).all()
    with pytest.raises(ValueError):
        bicubic_downscale(np.zeros((1, 9, 12, 3), np.uint8), 2)
    assert laplacian_sharpness(flat[0]) == 0


def test_super_resolution_benchmark_end_to_end(tmp_path):
    cam = preset_path("pan_left", 3, 60, 1.5, distance=0.2)
    clip = render_path(SCENES["bedroom"], cam, 96, 64)
    for i, f in enumerate(clip):
        write_image(tmp_path / "clips" / "c1" / f"{i:02d}.png", f)
    config = {
        "data": str(tmp_path / "clips"),
        "weights_dir": str(tmp_path),
        "clips": ["c1"],
        "super_resolution": {
            "scales": [2],
            "methods": {"lanczos": {"method": "lanczos"}, "nearest-ish": {"method": "bicubic"}},
        },
    }
    rows = run_super_resolution(config, log=lambda m: None, figure_dir=tmp_path / "out")
    assert set(rows.method) == {"lanczos", "nearest-ish", "clean"}
    sr = rows[rows.method != "clean"]
    assert (sr.psnr > 20).all() and (sr.psnr_y > sr.psnr - 5).all()
    assert (tmp_path / "out" / "sr_x2.png").stat().st_size > 0
    summary, text = summarize_super_resolution(rows)
    assert "| lanczos |" in text and "## x2" in text
    assert len(summary) == 2
