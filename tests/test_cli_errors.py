"""Bad input to the command line: one-line errors naming the file and the problem, and nothing half-written."""

import os
import resource
import signal
import subprocess
import sys

import pytest

from conftest import REPO


def test_training_device_is_a_validated_pattern(tmp_path):
    from roomtour.config import load_config
    from roomtour.errors import RoomtourError

    cfg = tmp_path / "c.yaml"
    cfg.write_text("images: {procedural: [bedroom]}\nmotions: {p: {preset: pan_left}}\n"
                   "training: {device: '$(touch X)bogus'}\n")
    with pytest.raises(RoomtourError, match="training.device"):
        load_config(cfg)


def _cli(*args, cwd=None, preexec=None):
    env = dict(os.environ, PYTHONPATH=str(REPO / "workflow"))
    return subprocess.run([sys.executable, "-m", "roomtour", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or REPO, env=env, preexec_fn=preexec, timeout=300)


def _one_line_error(proc, *needles):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    for needle in needles:
        assert needle in last, last
    return last


@pytest.mark.parametrize("frames", ["0", "-2", "two"])
def test_bad_numbers_are_one_line_errors(frames, tmp_path):
    _one_line_error(_cli("camera-path", tmp_path / "p.txt", "--spec", '{"preset": "pan_left"}', "--frames", frames),
                    "--frames")
    assert not (tmp_path / "p.txt").exists()


def test_bad_scale_is_one_line(tmp_path):
    _one_line_error(_cli("upscale", tmp_path / "in.mkv", tmp_path / "o.mkv", "--scale", "0"), "--scale")


@pytest.mark.parametrize("options,needle", [('{"sigm": 10}', "unknown option(s) sigm"),
                                            ('{"sigma": "high"}', "sigma")])
def test_check_config_knows_the_methods_options(options, needle, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("images: {procedural: [bedroom]}\nmotions: {p: {preset: pan_left}}\n"
                   f"denoise: {{method: fastdvdnet, options: {options}}}\n")
    _one_line_error(_cli("check-config", cfg), str(cfg), needle)


def test_a_full_disk_is_one_line_and_leaves_no_empty_file(tmp_path):
    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))  # any write past 64 bytes fails like a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    out = tmp_path / "pan.txt"
    proc = _cli("camera-path", out, "--spec", '{"preset": "pan_left"}', "--frames", "16", preexec=small_files)
    _one_line_error(proc, "roomtour: error:")
    assert not out.exists() and not list(tmp_path.iterdir())


def test_help_names_the_choices_and_formats():
    text = _cli("generate", "--help").stdout
    assert "parallax,homography" in text and "WxH" in text and '"depth"' in text
    assert "fastdvdnet" in _cli("denoise", "--help").stdout
    assert "fsrcnn" in _cli("upscale", "--help").stdout


def test_cli_defaults_are_the_workflows(tmp_path):
    from roomtour.config import schema_default

    assert schema_default("generate", "method") == "parallax"
    text = _cli("upscale", "--help").stdout
    assert "../shared/weights" in text  # the workflow's weights_dir, not ./weights


def test_restoration_and_training_do_not_import_each_other():
    pkg = REPO / "workflow" / "roomtour"
    assert "from .training" not in (pkg / "restoration.py").read_text()
    assert "from .restoration" not in (pkg / "training.py").read_text()




@pytest.mark.parametrize("step", ["tour-poster", "tour-contact-sheet"])
def test_tour_stills_of_a_file_that_is_not_a_video_are_one_line(step, tmp_path):
    bad = tmp_path / "shot.mp4"
    bad.write_text("not a video")
    coverage = tmp_path / "shot.coverage.csv"
    coverage.write_text("frame,visible,stretched,inpainted,extrapolated\n0,1.0,0,0,0\n")
    args = [tmp_path / "out.png", bad] + (["--coverage", coverage] if step == "tour-poster" else [])
    _one_line_error(_cli(step, *args), str(bad), "not a readable video")
    assert not (tmp_path / "out.png").exists()


def test_tables_that_are_not_the_expected_ones_are_one_line(tmp_path):
    notes = tmp_path / "notes.csv"
    notes.write_text("a,b\n1,2\n")
    _one_line_error(_cli("summarize", notes, "--out-csv", tmp_path / "s.csv"), "notes.csv", "no column image")
    _one_line_error(_cli("figures", notes, tmp_path / "f.png"), "notes.csv", "not a chain summary")
    _one_line_error(_cli("summarize", tmp_path, "--out-csv", tmp_path / "s.csv"), "a directory, not a metrics table")
    assert not (tmp_path / "s.csv").exists() and not (tmp_path / "f.png").exists()


def test_tour_steps_refuse_what_is_not_a_video_or_not_json(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    _one_line_error(_cli("tour-mux", text, tmp_path / "x.mp4"), "notes.mp4", "not a readable video")
    _one_line_error(_cli("tour-mux", tmp_path, tmp_path / "x.mp4"), "a directory, not a video file")
    assert not (tmp_path / "x.mp4").exists()
    _one_line_error(_cli("tour-segment", tmp_path / "s.mp4", "--photo", text, "--spec", "notjson"), "--spec: not JSON")


@pytest.mark.parametrize("size, needle", [("0x0", "each side must be 32 to 4096"), ("99999x99999", "each side"),
                                          ("abc", "must be WIDTHxHEIGHT")])
def test_a_tour_size_out_of_bounds_is_one_line_before_anything_is_read(tmp_path, size, needle):
    (tmp_path / "photos").mkdir()
    _one_line_error(_cli("tour", tmp_path / "photos", "-o", tmp_path / "t.mp4", "--size", size), needle)


def test_a_tour_longer_than_the_limit_is_refused_before_rendering(tmp_path):
    from conftest import room_photo
    from roomtour.images import write_image

    (tmp_path / "photos").mkdir()
    write_image(tmp_path / "photos" / "kitchen.png", room_photo("living", 160, 90))
    out = tmp_path / "t.mp4"
    _one_line_error(_cli("tour", tmp_path / "photos", "-o", out, "--length", "100000"), "--length", "--max-length 900")
    _one_line_error(_cli("tour", tmp_path / "photos", "-o", out, "--seconds-per-photo", "1000000"),
                    "the tour", "longer than --max-length")
    assert not out.exists() and not list(tmp_path.glob(".*"))
