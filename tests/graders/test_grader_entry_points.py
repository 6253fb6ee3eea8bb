"""Third-party graders are found through the ``evalkit.graders`` entry point group."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "tests" / "plugins" / "evalkit_grader_demo"

PROBE = """
import asyncio
import json
from evalkit.graders import build, registered
from evalkit.graders.base import GradeItem
from evalkit.suite.schema import GraderSpec, Sample

names = registered()
g = build(GraderSpec(type="demo_len", options={"max_chars": 5}))
sample = Sample(id="x", prompt="hi", expected=None)
short = asyncio.run(g.score(GradeItem(sample=sample, output="four")))
long = asyncio.run(g.score(GradeItem(sample=sample, output="far too long")))
try:
    build(GraderSpec(type="demo_len", options={"max_chars": -1}))
    bad = None
except ValueError as exc:
    bad = str(exc)
print(json.dumps({
    "has_demo": "demo_len" in names,
    "has_exact": "exact" in names,
    "short": [short.value, short.passed, short.explanation],
    "long": [long.value, long.passed],
    "bad": bad,
}))
"""


@pytest.mark.slow
def test_installed_plugin_is_registered(tmp_path: Path) -> None:
    # Build from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = tmp_path / "src"
    shutil.copytree(PLUGIN, source)
    site = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(site),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    assert list(site.glob("evalkit_grader_demo-*.dist-info/entry_points.txt"))
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{REPO}"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["has_demo"] and result["has_exact"]
    assert result["short"] == [1.0, True, "4 characters (limit 5)"]
    assert result["long"] == [0.0, False]
    assert (
        result["bad"] is not None and "'max_chars' must be a non-negative integer" in result["bad"]
    )


def test_not_installed_plugin_is_unknown() -> None:
    from evalkit.graders import build
    from evalkit.suite.schema import GraderSpec

    with pytest.raises(ValueError, match="unknown grader 'demo_len'"):
        build(GraderSpec(type="demo_len"))
