"""Opt-in: the shipped seed target against the real gateway.

Runs only with `-m live` semantics opted in by the key itself: set
AIGATEWAY_API_KEY and run `pytest tests/test_live.py`. Never runs in CI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support import REPO, write_suite
from support.cli import evalkit

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("AIGATEWAY_API_KEY"), reason="set AIGATEWAY_API_KEY to run live tests"
    ),
]


def test_seed_target_answers_streamed_with_usage(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", 3)
    res = evalkit(
        "--config",
        str(REPO / "evalkit.toml"),
        "run",
        str(suite),
        "--target",
        "mistral-small-3.1",
        "--out",
        "res",
        "--run-id",
        "live",
        "--no-progress",
        cwd=tmp_path,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    lines = (tmp_path / "res" / "live" / "records.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert all(r["status"] == "ok" and r["tokens_source"] == "usage" for r in records)
    assert all(r["ttft_s"] is not None and r["ttft_s"] <= r["e2e_s"] for r in records)
    key = os.environ["AIGATEWAY_API_KEY"].encode()
    assert all(key not in p.read_bytes() for p in (tmp_path / "res").rglob("*") if p.is_file())
