"""The README stays true: every setting documented, the quick start names real targets."""

import re

from interplat.config import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()


def test_every_setting_is_in_the_readme_table():
    for name in Settings.model_fields:
        assert f"`INTERPLAT_{name.upper()}`" in README, name


def test_quick_start_commands_exist_and_ci_runs_the_same():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert re.search(r"^make run\b", quick, re.M) and re.search(r"^make test\b", quick, re.M)
    for target in ("run", "test"):
        assert re.search(rf"^{target}:", MAKEFILE, re.M)
    assert "make test" in (ROOT / ".ci/run").read_text()
