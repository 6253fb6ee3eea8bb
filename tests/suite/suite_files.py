"""Paths of the shipped suites and a loader for their build scripts (shared by tests/suite)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SUITES = Path(__file__).resolve().parents[2] / "suites"


def build_module(suite: str, script: str = "build.py") -> ModuleType:
    """Import ``suites/<suite>/<script>`` as a module (the suites are not a package)."""
    path = SUITES / suite / script
    spec = importlib.util.spec_from_file_location(f"_suite_build_{suite}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
