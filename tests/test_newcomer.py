"""A newcomer's first hour: safe shell commands, every config dry-runs, one-line errors, honest tables."""

import os
import re
import resource
import signal
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import REPO

RULES = sorted((REPO / "workflow" / "rules").glob("*.smk"))
# placeholders that may stay unquoted: numbers and names the schema or the wildcard constraints
# restrict to safe characters, and options strings the rules build with shlex.quote themselves
SAFE = {
    "threads", "params.size", "params.fps", "params.frames", "params.hfov", "params.aspect", "params.scale",
    "params.extra", "params.args", "params.pairs", "params.reference", "params.seconds", "params.options",
    "params.music",
}
PRE_QUOTED = {"params.extra", "params.args", "params.pairs", "params.reference", "params.seconds",
              "params.options", "params.music"}


def _shell_commands(text: str) -> list[str]:
    """The string literals of every ``shell:`` directive in a rule file."""
    out = []
    for block in re.split(r"\n\s*shell:\s*\n", text)[1:]:
        lines = []
        for line in block.splitlines():
            if not line.strip():
                continue
            if not line.startswith("        "):
                break
            lines.append(line.strip())
        out.append(" ".join(re.findall(r'"((?:[^"\\]|\\.)*)"', " ".join(lines))))
    return out


def test_every_shell_placeholder_is_quoted_or_known_safe():
    found = 0
    for path in RULES:
        for command in _shell_commands(path.read_text()):
            for name, spec in re.findall(r"\{([A-Za-z_.]+)(:[a-z]+)?\}", command):
                found += 1
                if spec == ":q":
                    continue
                assert name in SAFE, f"{path.name}: {{{name}}} reaches the shell unquoted in: {command[:120]}"
    assert found > 40  # the scan saw the rules' commands


def test_pre_quoted_params_are_built_with_shlex_quote():
    common = (REPO / "workflow" / "rules" / "common.smk").read_text()
    rules = "".join(p.read_text() for p in RULES)
    for name in PRE_QUOTED:
        key = name.split(".")[1]
        assert f"{key}=" in rules, name
    assert (common + rules).count("shlex.quote") >= 5


def test_training_device_is_a_validated_pattern(tmp_path):
    from roomtour.config import load_config
    from roomtour.errors import RoomtourError

    cfg = tmp_path / "c.yaml"
    cfg.write_text("images: {procedural: [bedroom]}\nmotions: {p: {preset: pan_left}}\n"
                   "training: {device: '$(touch X)bogus'}\n")
    with pytest.raises(RoomtourError, match="training.device"):
        load_config(cfg)


def _workflow_configs():
    import yaml

    for path in sorted((REPO / "config").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if isinstance(data, dict) and ("images" in data or "tours" in data):
            yield path


def test_the_configs_are_all_named():
    names = {p.name for p in _workflow_configs()}
    assert {"config.yaml", "study.yaml", "study_exact.yaml", "learned.yaml", "test.yaml", "tour.yaml",
            "gpu_tier.yaml"} <= names
    guide = (REPO / "config" / "README.md").read_text()
    for name in names:
        assert f"`{name}`" in guide, f"config/README.md does not describe {name}"


@pytest.mark.parametrize("config", list(_workflow_configs()), ids=lambda p: p.name)
def test_every_workflow_config_dry_runs(config, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--snakefile", str(REPO / "Snakefile"),
                           "--configfile", str(config), "--cores", "2", "--quiet", "rules"],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr[-1500:]


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


def test_temporal_psnr_of_a_video_is_finite_unless_every_pair_is_identical():
    from roomtour.stats import per_video

    rows = pd.DataFrame({
        "image": "i", "motion": "m", "chain": ["raw"] * 4 + ["frozen"] * 4, "frame": [0, 1, 2, 3] * 2,
        "temporal_mse": [np.nan, 0.0, 10.0, 20.0, np.nan, 0.0, 0.0, 0.0],
        "temporal_psnr": [np.nan, np.inf, 38.1, 35.1, np.nan, np.inf, np.inf, np.inf],
    })
    videos = per_video(rows).set_index("chain")
    assert videos.loc["raw", "temporal_psnr"] == pytest.approx(10 * np.log10(255 ** 2 / 10.0))
    assert videos.loc["raw", "identical_pairs"] == 1
    assert np.isinf(videos.loc["frozen", "temporal_psnr"]) and videos.loc["frozen", "identical_pairs"] == 3


def test_restoration_and_training_do_not_import_each_other():
    pkg = REPO / "workflow" / "roomtour"
    assert "from .training" not in (pkg / "restoration.py").read_text()
    assert "from .restoration" not in (pkg / "training.py").read_text()


def test_readme_commands_run_without_an_activated_environment():
    """Every command line in the README starts with make, .venv/bin/ or bash (no bare snakemake/roomtour)."""
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    assert blocks
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            assert re.match(r"^(make |\.venv/bin/|bash |cd |git |\(cd )", line), line
