"""Helpers the tests share: the repository root and small suites written to disk."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["REPO", "write_suite"]

REPO = Path(__file__).resolve().parents[2]


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
