"""The report benchmarks run on evalkit's own dependencies: no pytest, no notebook extras."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import REPO

# What `pip install .` does not install (the test extras): importing one is an error.
BLOCKED = ("pytest", "pytest_asyncio", "nbclient", "nbformat", "openai", "PIL")


@pytest.mark.parametrize("module", ["bench_report", "bench_scale", "bench_metrics"])
def test_imports_without_the_test_extras(module: str) -> None:
    code = (
        f"import sys; sys.modules.update(dict.fromkeys({BLOCKED!r}))\n"
        f"import benchmarks.{module} as m; assert callable(m.main)"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
