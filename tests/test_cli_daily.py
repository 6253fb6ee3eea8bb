"""Daily-use paper cuts, through the evalkit command: suite counts agree."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO
from test_cli import evalkit


def samples_of(stdout: str, name: str) -> int:
    match = re.search(rf"^{re.escape(name)}\s+\w+\s+(\d+) samples", stdout, re.MULTILINE)
    assert match, stdout
    return int(match.group(1))


def test_suites_list_and_validate_count_a_generated_suite_alike(tmp_path: Path) -> None:
    # needle-128k sizes itself to the context window of the run's targets: list once
    # sized it to none (a 32k grid, 30 samples) while validate and run used sim's 128k (40).
    listed = evalkit("suites", "list", str(REPO / "suites"), cwd=tmp_path)
    validated = evalkit("suites", "validate", str(REPO / "suites" / "needle-128k"), cwd=tmp_path)
    assert listed.returncode == validated.returncode == 0, listed.stderr + validated.stderr
    assert samples_of(listed.stdout, "needle-128k") == samples_of(validated.stdout, "needle-128k")
    assert samples_of(listed.stdout, "needle-128k") == 40
    assert "128,000-token context window" in listed.stdout
