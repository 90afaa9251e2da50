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


def test_learned_rows_say_how_they_were_aligned():
    from roomtour.suite import run_suite, summarize_suite

    data = shared_path("data", "re10k_cameractrl")
    shared_path("weights", "tcmonodepth", "_ckpt_small.pt.tar")
    config = {
        "data": str(data),
        "weights_dir": str(shared_path("weights")),
        "clips": ["2c80f9eb0d3b2bb4"],
        "frames": 6,
        "camera_accuracy": False,
        "generators": {
            "static": {"method": "static"},
            "learned": {"method": "parallax", "options": {"depth": {"source": "learned"}}},
            "learned-aligned": {"method": "parallax", "align_scale": "sparse-affine",
                                "options": {"depth": {"source": "learned"}}},
            "parallax-aligned": {"method": "parallax", "align_scale": "sparse",
                                 "options": {"depth": {"source": "layout"}}},
        },
    }
    frames, _ = run_suite(config, log=lambda m: None)
    per_clip, text = summarize_suite(frames, reference=["learned"], baselines=["static", "parallax-aligned"])
    rows = per_clip.set_index("generator")
    assert rows.loc["learned", "alignment"] == "prior scale"
    assert rows.loc["learned-aligned", "alignment"] == "scale and shift of inverse depth (sparse points)"
    assert rows.loc["parallax-aligned", "alignment"] == "scale (sparse points)"
    # the affine fit has a shift; a scale-only alignment has none
    assert np.isfinite(rows.loc["learned-aligned", "depth_shift"])
    assert np.isnan(rows.loc["parallax-aligned", "depth_shift"])
    assert "| learned-aligned | parallax-aligned | raw |" in text and "| learned | static | raw |" in text
    assert rows.loc["learned-aligned", "ref_psnr"] > rows.loc["static", "ref_psnr"]


def test_an_unknown_alignment_is_one_line():
    import pytest

    from roomtour.errors import RoomtourError
    from roomtour.suite import run_suite

    config = {"data": str(shared_path("data", "re10k_cameractrl")), "clips": ["2c80f9eb0d3b2bb4"], "frames": 3,
              "camera_accuracy": False,
              "generators": {"p": {"method": "parallax", "align_scale": "dense"}}}
    with pytest.raises(RoomtourError, match="align_scale must be one of sparse, sparse-affine, not 'dense'"):
        run_suite(config, log=lambda m: None)
