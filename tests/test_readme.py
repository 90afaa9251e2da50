"""README's commands work as written."""

import re


from conftest import REPO


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
