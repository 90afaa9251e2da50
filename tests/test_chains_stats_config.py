import re

import numpy as np
import pandas as pd
import pytest

from roomtour.chains import (
    CHAIN_RE,
    DENOISE_CHAIN_RE,
    UPSCALE_CHAIN_RE,
    parent_chain,
    parse_chain,
    upscale_count,
)
from roomtour.config import compare_size, image_sources, load_config, validate_config
from roomtour.errors import RoomtourError
from roomtour.stats import bootstrap_mean_ci, chain_summary, markdown_report, paired_differences, per_video

from conftest import REPO


def test_chain_parsing_and_parents():
    assert parse_chain("raw") == ()
    assert parse_chain("dn-up") == ("dn", "up")
    assert parent_chain("dn") == "raw"
    assert parent_chain("dn-up") == "dn"
    assert parent_chain("up-dn") == "up"
    assert upscale_count("up-dn-up") == 2 and upscale_count("frozen") == 0
    with pytest.raises(RoomtourError, match="unknown step"):
        parse_chain("dn-sharpen")


def test_wildcard_regexes_route_each_chain_to_one_rule():
    def full(rx, s):
        return re.fullmatch(rx, s) is not None

    for chain, rule in [("dn", "dn"), ("up", "up"), ("dn-up", "up"), ("up-dn", "dn"), ("dn-up-dn", "dn")]:
        assert full(CHAIN_RE, chain)
        assert full(DENOISE_CHAIN_RE, chain) == (rule == "dn")
        assert full(UPSCALE_CHAIN_RE, chain) == (rule == "up")
    for special in ("raw", "frozen"):
        assert full(CHAIN_RE, special)
        assert not full(DENOISE_CHAIN_RE, special) and not full(UPSCALE_CHAIN_RE, special)


def test_bootstrap_interval_brackets_the_mean_and_shrinks_with_n():
    rng = np.random.default_rng(0)
    small = rng.normal(1.0, 1.0, 10)
    large = rng.normal(1.0, 1.0, 400)
    m, lo, hi = bootstrap_mean_ci(small, samples=4000)
    assert lo < m < hi and m == pytest.approx(small.mean())
    _, lo2, hi2 = bootstrap_mean_ci(large, samples=4000)
    assert (hi2 - lo2) < (hi - lo)
    assert lo2 < 1.0 < hi2
    assert np.isnan(bootstrap_mean_ci([np.inf, 1.0])[1])
    assert np.isnan(bootstrap_mean_ci([]).__getitem__(0))


def test_paired_differences_remove_between_video_variance():
    rows = []
    for i, level in enumerate([10.0, 20.0, 30.0, 40.0]):  # videos differ a lot
        rows.append({"image": f"i{i}", "motion": "m", "chain": "raw", "ref_psnr": level})
        rows.append({"image": f"i{i}", "motion": "m", "chain": "dn", "ref_psnr": level + 0.5})
    videos = pd.DataFrame(rows)
    d = paired_differences(videos, samples=500)
    r = d[(d.chain == "dn") & (d.metric == "ref_psnr")].iloc[0]
    assert r.diff_mean == pytest.approx(0.5)
    assert r.ci_low == pytest.approx(0.5) and r.ci_high == pytest.approx(0.5)
    assert r.better == "yes"
    s = chain_summary(videos, ["raw", "dn"])
    assert list(s.chain) == ["raw", "dn"]
    assert s.loc[0, "ref_psnr_mean"] == pytest.approx(25.0)
    assert s.loc[0, "ref_psnr_std"] == pytest.approx(np.std([10, 20, 30, 40], ddof=1))
    md = markdown_report(s, d, "t", ["note"])
    assert "| dn |" in md and "+0.50" in md


def test_per_video_means_over_frames_ignoring_nan():
    frames = pd.DataFrame(
        {
            "image": ["a"] * 3,
            "motion": ["m"] * 3,
            "chain": ["raw"] * 3,
            "frame": [0, 1, 2],
            "temporal_psnr": [np.nan, 30.0, 40.0],
        }
    )
    v = per_video(frames)
    assert v.temporal_psnr[0] == pytest.approx(35.0)


def test_default_config_is_valid_and_gets_defaults():
    cfg = load_config(REPO / "config" / "config.yaml")
    assert cfg["metrics"]["resize_kernel"] == "bicubic"
    assert cfg["resources"]["denoise"]["mem_mb"] > 0
    assert compare_size(cfg) == (cfg["video"]["width"] * 2, cfg["video"]["height"] * 2)
    assert set(image_sources(cfg)) == {"living", "bedroom"}


@pytest.mark.parametrize(
    "patch, where",
    [
        ({"video": {"width": 4}}, "video.width"),
        ({"chains": ["raw", "dn-blur"]}, "chains.1"),
        ({"colour": "red"}, "Additional properties"),
        ({"chains": ["dn", "up"]}, "must include 'raw'"),
        ({"upscale": {"method": "magic"}}, "upscale.method"),
    ],
)
def test_invalid_configs_fail_with_one_line(patch, where):
    cfg = {"images": {"procedural": ["living"]}, "motions": {"a": {"preset": "pan_left"}}, **patch}
    with pytest.raises(RoomtourError) as exc:
        validate_config(cfg, where="my.yaml")
    msg = str(exc.value)
    assert msg.startswith("my.yaml: ") and where in msg and "\n" not in msg


def test_image_directory_names_and_errors(tmp_path):
    (tmp_path / "Living Room.JPG").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    cfg = {"images": {"directory": str(tmp_path)}}
    assert image_sources(cfg) == {"Living_Room": str(tmp_path / "Living Room.JPG")}
    with pytest.raises(RoomtourError, match="not a directory"):
        image_sources({"images": {"directory": str(tmp_path / "missing")}})
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RoomtourError, match="no photos"):
        image_sources({"images": {"directory": str(empty)}})


def test_study_config_points_at_six_photos_and_the_cami2v_paths():
    cfg = load_config(REPO / "config" / "study.yaml")
    assert len(cfg["images"]["files"]) == 6
    assert set(cfg["motions"]) == {"pan_left", "orbit_up", "look_left"}
    assert cfg["chains"] == ["raw", "dn", "up", "dn-up", "up-dn"]


@pytest.mark.parametrize("kind", ["generate", "denoise", "upscale"])
def test_every_registry_lists_exactly_its_schema_enum(kind):
    """The config schema's method choices and the registries are two lists of one thing: they must agree."""
    from roomtour.config import schema_choices
    from roomtour.denoisers import DENOISERS
    from roomtour.generators import GENERATORS
    from roomtour.upscalers import UPSCALERS

    registry = {"generate": GENERATORS, "denoise": DENOISERS, "upscale": UPSCALERS}[kind]
    assert sorted(registry.names()) == sorted(schema_choices(kind, "method"))


def test_camera_columns_join_the_per_video_table():
    import pandas as pd

    from roomtour.stats import attach_camera, chain_summary, paired_differences

    videos = pd.DataFrame({"image": ["a", "a", "b", "b"], "motion": ["m"] * 4, "chain": ["raw", "frozen"] * 2,
                           "ref_psnr": [30.0, 20.0, 31.0, 21.0]})
    camera = pd.DataFrame({"image": ["a", "a", "b", "b"], "motion": ["m"] * 4, "chain": ["raw", "frozen"] * 2,
                           "rot_err": [0.1, 1.0, 0.2, 1.2], "trans_err": [0.5, 4.0, 0.6, 4.2],
                           "cam_mc": [0.6, 4.5, 0.7, 4.6], "estimated": [15] * 4, "unestimated": [0] * 4})
    joined = attach_camera(videos, camera)
    summary = chain_summary(joined)
    assert summary.set_index("chain").loc["frozen", "rot_err_mean"] == pytest.approx(1.1)
    diffs = paired_differences(joined, samples=200).set_index(["chain", "metric"])
    assert diffs.loc[("frozen", "cam_mc"), "better"] == "no"  # a larger camera error is worse


def test_the_report_leaves_out_rendered_path_columns_only_where_they_repeat_the_requested():
    from roomtour.stats import rendered_is_requested

    base = {"image": ["a", "a", "b", "b"], "motion": ["m"] * 4, "chain": ["raw", "frozen"] * 2,
            "rot_err": [0.1, 1.0, 0.2, np.nan], "trans_err": [0.5, 4.0, 0.6, 4.2], "cam_mc": [0.6, 4.5, 0.7, 4.6]}
    same = pd.DataFrame({**base, **{f"{c}_rendered": base[c] for c in ("rot_err", "trans_err", "cam_mc")}})
    assert rendered_is_requested(same)  # NaN matches NaN
    damped = same.assign(trans_err_rendered=[0.4, 4.0, 0.6, 4.2])  # one video rendered along a damped path
    assert not rendered_is_requested(damped)
    hidden = ("rot_err_rendered", "trans_err_rendered", "cam_mc_rendered")
    md = markdown_report(chain_summary(same), paired_differences(same, samples=50), "t", [], hidden=hidden)
    assert "TransErr (Σ frames)" in md and "vs rendered path" not in md
    md = markdown_report(chain_summary(damped), paired_differences(damped, samples=50), "t", [])
    assert "TransErr vs rendered path" in md


def test_a_photo_directory_counts_identical_files_once(tmp_path, caplog):
    """Two copies of one photo would be two 'videos' and inflate n in the paired statistics."""
    import shutil

    import numpy as np

    from roomtour.images import write_image

    write_image(tmp_path / "a.png", np.full((8, 8, 3), 100, np.uint8))
    write_image(tmp_path / "b.png", np.full((8, 8, 3), 200, np.uint8))
    shutil.copy(tmp_path / "a.png", tmp_path / "a_copy.png")
    sources = image_sources({"images": {"directory": str(tmp_path)}})
    assert sorted(sources) == ["a", "b"]
    assert any("a_copy.png" in r.getMessage() and "counted once" in r.getMessage() for r in caplog.records)


def test_the_bar_chart_points_lower_for_errors_and_drops_repeated_panels(tmp_path, monkeypatch):
    import roomtour.figures as figures
    from roomtour.stats import chain_summary

    videos = pd.DataFrame({"image": ["a", "a", "b", "b"], "motion": ["m"] * 4, "chain": ["raw", "frozen"] * 2,
                           "ref_psnr": [30.0, 20.0, 31.0, 21.0], "warp_error": [0.01, 0.0, 0.02, 0.0],
                           "trans_err": [0.5, 4.0, 0.6, 4.2], "trans_err_rendered": [0.5, 4.0, 0.6, 4.2]})
    titles = []
    monkeypatch.setattr(figures, "_save", lambda fig, *a, **k: titles.extend(ax.get_title() for ax in fig.axes))
    figures.bar_chart(chain_summary(videos), tmp_path / "m.png")
    assert titles == ["ref PSNR dB ↑", "warp error ↓", "TransErr (Σ frames) ↓"]
    titles.clear()
    figures.bar_chart(chain_summary(videos.assign(trans_err_rendered=[0.4, 4.0, 0.6, 4.2])), tmp_path / "m.png")
    assert titles[-1] == "TransErr vs rendered path ↓"
