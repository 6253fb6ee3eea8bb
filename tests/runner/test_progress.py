"""Progress displays: plain lines' wording and pacing, and the clock they print."""

from __future__ import annotations

import io
import time

import pytest

from evalkit.runner.progress import NoProgress, PlainProgress, clock, make_progress, progress_line
from evalkit.runner.run import Tally


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.04, "0.0 s"), (4.24, "4.2 s"), (42.4, "42 s"), (725, "12:05"), (3723, "1:02:03")],
)
def test_clock(seconds: float, text: str) -> None:
    assert clock(seconds) == text


def test_clock_unknown() -> None:
    assert clock(None) == "?" and clock(float("inf")) == "?"


def test_progress_line_has_counts_rate_accuracy_and_eta() -> None:
    tally = Tally(done=412, ok=405, errors=7, passed=300, retries=12)
    line = progress_line(tally, 825, 30.0)
    assert line == (
        "progress 412/825 (50%): ok 405, errors 7, retries 12; 13.7 req/s; "
        "accuracy so far 72.8%; elapsed 30 s, ETA 30 s"
    )
    final = progress_line(tally, 825, 30.0, final="stopped at")
    assert final.startswith("stopped at 412/825 (50%)") and final.endswith("took 30 s")


def test_plain_progress_beats_while_no_record_arrives() -> None:
    # No record at all (every request waiting on a Retry-After, say): the heartbeat
    # still shows the run is alive, then the last line says how it ended.
    out = io.StringIO()
    with PlainProgress(10, interval_s=0.05, stream=out):
        time.sleep(0.6)
    lines = out.getvalue().splitlines()
    assert len(lines) >= 2
    assert all(line.startswith("progress 0/10 (0%)") for line in lines[:-1])
    assert lines[-1].startswith("done 0/10 (0%)")


def test_plain_progress_waits_for_the_interval_and_for_5_percent_more() -> None:
    out = io.StringIO()
    tally = Tally()
    with PlainProgress(1000, interval_s=0.1, stream=out) as display:
        for _ in range(4):  # 0.4 s, four records: never 5% (50) more, and no heartbeat (0.6 s)
            tally.done += 1
            display.update(None, tally)  # type: ignore[arg-type]
            time.sleep(0.1)
    (line,) = out.getvalue().splitlines()
    assert line.startswith("done 4/1000")


def test_make_progress_styles() -> None:
    assert isinstance(make_progress("none", 5), NoProgress)
    assert isinstance(make_progress("plain", 5), PlainProgress)
    # auto: under pytest stderr is not a terminal, so plain lines
    assert isinstance(make_progress("auto", 5), PlainProgress)
