"""What `evalkit run` prints while it runs, as a CI log sees it (stdout and stderr are pipes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import write_suite
from support.cli import evalkit, write_config

# Slow enough (about 0.15 s a request, 4 at a time, 80 requests: 3 s) for several lines
# at a 0.3 s interval.
SLOW = """
[run]
progress_interval_s = 0.3
[targets.slowsim]
simulated = true
model = "evalkit-sim/slow"
max_concurrency = 4
sim = { ttft_s = 0.05, tokens_per_s = 40, jitter = 0, skill = 0.7 }
"""
LINE = re.compile(
    r"^progress (\d+)/80 \(\d+%\): ok \d+, errors \d+, retries \d+; [\d.]+ req/s; "
    r"accuracy so far [\d.]+%; elapsed [\d.]+ s, ETA [\d.?]+ s$"
)


def run_slow(tmp_path: Path, *flags: str) -> tuple[str, str]:
    suite = write_suite(tmp_path / "suite", 80)
    write_config(tmp_path / "evalkit.toml", SLOW)
    res = evalkit("run", str(suite), "--target", "slowsim", "--out", "res", *flags, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    return res.stdout, res.stderr


@pytest.mark.slow
def test_a_run_in_a_log_prints_plain_progress_lines(tmp_path: Path) -> None:
    stdout, stderr = run_slow(tmp_path)
    lines = stderr.splitlines()
    matches = [m for m in map(LINE.match, lines) if m]
    assert len(matches) >= 2, stderr
    done = [int(m.group(1)) for m in matches]
    assert done == sorted(done) and 0 < done[0] < 80
    assert lines[-1].startswith("done 80/80 (100%): ok ")
    assert "\x1b" not in stderr  # no terminal codes in a log
    # the steps after the last request say what takes the time
    assert "writing report.html (80 records) ..." in stdout
    assert stdout.index("80 requests to make") < stdout.index("writing junit.xml")


@pytest.mark.slow
@pytest.mark.parametrize("flags", [["--progress", "none"], ["--no-progress"]])
def test_progress_none_prints_no_progress_line(tmp_path: Path, flags: list[str]) -> None:
    _, stderr = run_slow(tmp_path, *flags)
    assert not re.search(r"^(progress|done) \d", stderr, re.MULTILINE), stderr


def test_a_bad_progress_style_in_the_config_exits_2(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", 2)
    write_config(tmp_path / "evalkit.toml", '[run]\nprogress = "fancy"\n')
    res = evalkit("run", str(suite), "--out", "res", cwd=tmp_path)
    assert res.returncode == 2 and "progress" in res.stderr and "Traceback" not in res.stderr
