"""The code stays lint-, format-, type- and layer-clean (ruff, mypy strict, import-linter)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

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


def test_test_modules_import_helpers_not_each_other() -> None:
    """Shared test code lives in tests/support or a folder's helper module, never in a
    test module or conftest.py (pytest loads those itself, under names it chooses)."""
    import ast

    local = {p.name for p in (REPO / "tests").iterdir() if p.is_dir()} | {"conftest"}
    offenders = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] not in local and not parts[0].startswith("test_"):
                    continue  # a library's module (aiohttp.test_utils, say)
                if any(p == "conftest" or p.startswith("test_") for p in parts):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: {name}")
    assert not offenders, "\n".join(offenders)


def test_no_test_edits_sys_path() -> None:
    """Helpers are found through pytest's `pythonpath` setting, not by editing sys.path."""
    import ast

    offenders = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"insert", "append"}
                and ast.unparse(node.value) == "sys.path"
            ):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders, offenders
