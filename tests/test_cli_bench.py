"""``evalkit bench`` as a user runs it: flags, exit codes, files, and compare on its runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

FAST_SIM = "[targets.sim]\nsim = { ttft_s = 0.005, tokens_per_s = 4000, jitter = 0 }\n"


def evalkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--concurrency", "1,x"], "--concurrency: 'x' is not a number"),
        (["--rate", "2", "--concurrency", "4,8"], "give one number"),
        (["--sweep", "--rate", "2"], "--sweep chooses its own levels"),
        (["--goodput", "ttft=200"], "--goodput: 'ttft=200' must be METRIC:MS"),
        (["--spread", "1.5"], "--spread"),
        (["--workers", "0"], "--workers: must be at least 1"),
        (["--target", "nope"], "unknown target 'nope'"),
    ],
)
def test_bad_flags_exit_2_before_any_request(tmp_path: Path, flags: list[str], words: str) -> None:
    done = evalkit("bench", "--out", "out", *flags, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert words in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_small_benchmark_and_its_comparison(tmp_path: Path) -> None:
    (tmp_path / "evalkit.toml").write_text(FAST_SIM)
    common = ["--target", "sim", "-n", "6", "--input-tokens", "16", "--output-tokens", "4"]
    first = evalkit("bench", *common, "-c", "1,2", "--run-id", "one", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "sim c=2: 6 ok, 0 failed" in first.stdout
    assert "TTFT p50" in first.stdout and "wrote" in first.stdout
    run = tmp_path / "results" / "one"
    assert {p.name for p in run.iterdir()} >= {
        "bench.json",
        "bench.html",
        "records.jsonl",
        "run.json",
        "samples",
    }
    second = evalkit("bench", *common, "--rate", "50", "--run-id", "two", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    cmp = evalkit("compare", "one", "two", cwd=tmp_path)
    assert cmp.returncode == 0, cmp.stderr
    assert "# Benchmark comparison: one, two" in cmp.stdout
    assert "| sim | c=1 |" in cmp.stdout and "| sim | 50 req/s |" in cmp.stdout


def test_help_names_the_levels_and_the_workload() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "evalkit", "bench", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0
    for flag in ("--concurrency", "--rate", "--burstiness", "--sweep", "--goodput", "--workers"):
        assert flag in done.stdout
