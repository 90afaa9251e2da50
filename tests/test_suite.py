"""The RealEstate10K suite (roomtour.suite): generators and chains against real frames."""

import numpy as np

from conftest import shared_path


def test_suite_end_to_end_on_two_clips(tmp_path):
    from roomtour.suite import run_suite, summarize_suite

    data = shared_path("data", "re10k_cameractrl")
    config = {
        "data": str(data),
        "clips": ["0bf152ef84195293", "2c80f9eb0d3b2bb4"],
        "frames": 6,
        "generators": {
            "static": {"method": "static"},
            "homography": {"method": "homography"},
            "parallax": {"method": "parallax", "options": {"depth": {"source": "layout"}}},
        },
    }
    frames, study = run_suite(config, log=lambda m: None, figure_dir=tmp_path)
    assert study is None
    assert set(frames.generator) == {"static", "homography", "parallax"}
    # coverage is reported per frame: the static video is all photo, the moving ones are not
    assert (frames[frames.generator == "static"].visible == 1).all()
    assert frames[frames.generator == "parallax"].extrapolated.max() > 0
    assert sorted(frames.frame.unique()) == [1, 2, 3, 4, 5]  # frame 0 is the input
    assert (tmp_path / "0bf152ef84195293.png").is_file()
    per_clip, text = summarize_suite(frames)
    assert len(per_clip) == 6 and "generator − baseline" in text and "| parallax | static | raw |" in text
    static = per_clip[per_clip.generator == "static"].ref_psnr.mean()
    parallax = per_clip[per_clip.generator == "parallax"].ref_psnr.mean()
    assert parallax > static


def test_suite_chains_generate_small_and_compare_every_chain_at_the_reference_size():
    from roomtour.suite import apply_chain, run_suite, summarize_suite

    data = shared_path("data", "re10k_cameractrl")
    config = {
        "data": str(data),
        "clips": ["0c11dbe781b1c11c"],
        "frames": 5,
        "generators": {"static": {"method": "static"}, "parallax": {"method": "parallax"}},
        "chains": {"generate_scale": 2, "chains": ["raw", "up", "dn-up"],
                   "denoise": {"method": "nlmeans", "options": {"h": 3, "window": 3}},
                   "upscale": {"method": "lanczos"}},
    }
    frames, _ = run_suite(config, log=lambda m: None)
    assert set(frames.chain) == {"raw", "up", "dn-up"}
    per_clip, text = summarize_suite(frames, baselines=["static"])
    assert "| static | up |" in text
    # dn-up reuses the denoised video: the cache holds dn after computing dn-up
    calls = []

    class Counting:
        def denoise(self, v):
            calls.append("dn")
            return v

        def upscale(self, v, s):
            calls.append("up")
            return np.repeat(np.repeat(v, 2, axis=1), 2, axis=2)

    cache = {}
    raw = np.zeros((2, 4, 6, 3), np.uint8)
    out = apply_chain(raw, "dn-up", Counting(), Counting(), 2, cache)
    apply_chain(raw, "dn", Counting(), Counting(), 2, cache)
    assert out.shape == (2, 8, 12, 3) and calls == ["dn", "up"] and set(cache) == {"dn", "dn-up"}
