"""Shared fixtures: small suites written to tmp_path, configs pointing at local servers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/fakerun.py and friends

REPO = Path(__file__).resolve().parent.parent


def write_suite(folder: Path, n: int, name: str = "mini") -> Path:
    """A chat suite of n arithmetic items with exact answers; returns its JSONL path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jsonl"
    with path.open("w") as fh:
        for i in range(n):
            fh.write(
                json.dumps(
                    {
                        "id": f"q{i}",
                        "prompt": f"What is {i} + {i}? Answer with the number only.",
                        "expected": str(2 * i),
                        "grader": "exact",
                        "params": {"temperature": 0, "max_tokens": 8},
                    }
                )
                + "\n"
            )
    return path


@pytest.fixture(autouse=True)
def _own_probe_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test's probe cache is its own, never the user's ~/.cache/evalkit."""
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path_factory.mktemp("probe-cache")))


@pytest.fixture
def mini_suite(tmp_path: Path) -> Path:
    return write_suite(tmp_path / "suite", 20)
