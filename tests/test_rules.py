"""The workflow rules and configs as text and dry runs: quoting, config names, every config dry-runs."""

import re
import subprocess
import sys

import pytest

from conftest import REPO

RULES = sorted((REPO / "workflow" / "rules").glob("*.smk"))
# placeholders that may stay unquoted: numbers and names the schema or the wildcard constraints
# restrict to safe characters, and options strings the rules build with shlex.quote themselves
SAFE = {
    "threads", "params.size", "params.fps", "params.frames", "params.hfov", "params.aspect", "params.scale",
    "params.extra", "params.args", "params.pairs", "params.reference", "params.seconds", "params.options",
    "params.music", "params.trials",
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
