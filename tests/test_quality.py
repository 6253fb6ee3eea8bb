"""The code stays lint-, format-, type- and layer-clean (ruff, mypy strict, import-linter)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

import evalkit

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (pip install -e '.[test]')")
    return found


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_lint() -> None:
    res = run(tool("ruff"), "check", "evalkit", "tests", "benchmarks")
    assert res.returncode == 0, res.stdout + res.stderr


def test_ruff_format() -> None:
    res = run(tool("ruff"), "format", "--check", "evalkit", "tests", "benchmarks")
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.slow
def test_mypy_strict() -> None:
    res = run(tool("mypy"))
    assert res.returncode == 0, res.stdout + res.stderr


def test_imports_point_down() -> None:
    res = run(tool("lint-imports"))
    assert res.returncode == 0, res.stdout + res.stderr


def test_public_names_are_pinned() -> None:
    assert evalkit.__all__ == [
        "RunResult",
        "__version__",
        "load_run",
        "load_runs",
        "run",
        "run_async",
    ]
    assert callable(evalkit.load_run) and callable(evalkit.load_runs)
    assert callable(evalkit.run) and callable(evalkit.run_async)
