"""How a run shows its progress: a live bar on a terminal, plain lines in a CI log, or nothing.

A run's executor keeps live counts (``Tally``) and tells the display of each
record. The displays here only remember the tally on that call: all
formatting happens in a ticker thread (a few times a second for the bar,
once a second for plain lines), so that a run of 10,000 requests does not
format 10,000 strings and the per-record path stays a single assignment.
The ticker also keeps the display alive when no record arrives (every
request waiting on a Retry-After), which a per-record display could not.

Plain lines (``--progress plain``, the default when stderr is not a
terminal) go to stderr, one complete line each, at most every
``interval_s`` seconds (10 by default) and only once another 5% of the
requests are done, whichever is rarer; but never more than ``6 *
interval_s`` apart, so that a long or stalled run still shows it is alive.
A last line always says how the run ended. ::

    progress 412/825 (50%): ok 405, errors 7, retries 12; 13.7 req/s;
        accuracy so far 71.2%; elapsed 30 s, ETA 30 s     (one line)
"""

from __future__ import annotations

import math
import sys
import threading
import time
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Literal

from evalkit.runfolder import Record

if TYPE_CHECKING:
    from evalkit.runner.run import Tally

ProgressStyle = Literal["auto", "bar", "plain", "none"]
"""``auto``: a bar when stderr is a terminal, plain lines otherwise."""

PROGRESS_STYLES: tuple[ProgressStyle, ...] = ("auto", "bar", "plain", "none")
DEFAULT_INTERVAL_S = 10.0
STEP = 0.05  # a plain line needs another 5% of the requests done (or the heartbeat)
HEARTBEAT = 6  # ... or this many intervals without a line


def clock(seconds: float | None) -> str:
    """A duration: "4.2 s", "42 s", then as a clock, "12:05" or "1:02:03"; "?" when unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "?"
    if seconds < 59.5:
        return f"{seconds:.1f} s" if seconds < 9.95 else f"{seconds:.0f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_line(tally: Tally | None, total: int, elapsed: float, *, final: str = "") -> str:
    """One plain progress line: counts, rate, accuracy so far, elapsed and ETA (or ``final``)."""
    done = tally.done if tally is not None else 0
    ok = tally.ok if tally is not None else 0
    errors = tally.errors if tally is not None else 0
    retries = tally.retries if tally is not None else 0
    passed = tally.passed if tally is not None else 0
    share = f"{done / total:.0%}" if total else "–"
    rate = done / elapsed if elapsed > 0 else 0.0
    accuracy = f"{passed / done:.1%}" if done else "–"
    head = final or "progress"
    counts = f"{head} {done}/{total} ({share}): ok {ok}, errors {errors}, retries {retries}"
    if final:
        return f"{counts}; {rate:.1f} req/s; accuracy {accuracy}; took {clock(elapsed)}"
    eta = (total - done) / rate if rate > 0 else None
    return (
        f"{counts}; {rate:.1f} req/s; accuracy so far {accuracy}; "
        f"elapsed {clock(elapsed)}, ETA {clock(eta)}"
    )


class _Ticking:
    """A display whose drawing happens in a thread of its own, every ``tick_s`` seconds."""

    tick_s = 1.0

    def __init__(self, total: int) -> None:
        self.total = total
        self.tally: Tally | None = None
        self.started = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def update(self, record: Record, tally: Tally) -> None:
        """Note the live counts: called for every record, so it does nothing more."""
        self.tally = tally

    def elapsed(self) -> float:
        """Seconds since the display was entered."""
        return time.monotonic() - self.started

    def tick(self) -> None:
        """Draw the current state (in the ticker thread)."""

    def start(self) -> None:
        """Draw the opening state (before the ticker starts)."""

    def end(self, interrupted: bool) -> None:
        """Draw the final state (after the ticker stopped)."""

    def _run(self) -> None:
        while not self._stop.wait(self.tick_s):
            self.tick()

    def __enter__(self) -> _Ticking:
        self.started = time.monotonic()
        self.start()
        self._thread = threading.Thread(target=self._run, name="evalkit-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.end(interrupted=exc_type is not None)


class PlainProgress(_Ticking):
    """Plain progress lines for logs (CI): see the module docstring for when they come."""

    def __init__(
        self, total: int, *, interval_s: float = DEFAULT_INTERVAL_S, stream: IO[str] | None = None
    ) -> None:
        super().__init__(total)
        self.interval_s = interval_s
        self.tick_s = min(1.0, interval_s / 2)
        self.stream = stream
        self._last_at = 0.0
        self._last_done = 0

    def _write(self, line: str) -> None:
        stream = self.stream if self.stream is not None else sys.stderr
        # Whatever the run printed to stdout before this line belongs before it in a
        # log that holds both streams (stdout is block-buffered when it is a pipe).
        sys.stdout.flush()
        stream.write(line + "\n")
        stream.flush()

    def start(self) -> None:
        self._last_at = self.started

    def tick(self) -> None:
        now = time.monotonic()
        since = now - self._last_at
        done = self.tally.done if self.tally is not None else 0
        enough = done - self._last_done >= max(1, math.ceil(self.total * STEP))
        if (since >= self.interval_s and enough) or since >= HEARTBEAT * self.interval_s:
            self._write(progress_line(self.tally, self.total, now - self.started))
            self._last_at, self._last_done = now, done

    def end(self, interrupted: bool) -> None:
        final = "stopped at" if interrupted else "done"
        self._write(progress_line(self.tally, self.total, self.elapsed(), final=final))


class BarProgress(_Ticking):
    """A live bar (rich) on stderr, with ok, errors, retries, accuracy, elapsed time and ETA."""

    tick_s = 0.2

    def __init__(self, total: int, *, label: str = "run") -> None:
        super().__init__(total)
        self.label = label
        self._progress: Any = None
        self._task: Any = None

    def start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TextColumn("elapsed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._progress.__enter__()
        self._task = self._progress.add_task(self.label, total=self.total, stats="")

    def tick(self) -> None:
        t = self.tally
        if t is None:
            return
        accuracy = t.passed / t.done if t.done else 0.0
        stats = f"ok {t.ok}  err {t.errors}  retries {t.retries}  acc {accuracy:.1%}"
        self._progress.update(self._task, completed=t.done, stats=stats)

    def end(self, interrupted: bool) -> None:
        self.tick()
        self._progress.__exit__(None, None, None)


class NoProgress:
    """No display at all."""

    def __init__(self, total: int) -> None:
        self.total = total

    def update(self, record: Record, tally: Tally) -> None:
        """Nothing to show."""

    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


RunDisplay = BarProgress | PlainProgress | NoProgress


def make_progress(
    style: ProgressStyle, total: int, *, interval_s: float = DEFAULT_INTERVAL_S
) -> RunDisplay:
    """The display ``style`` names for a run of ``total`` requests (``auto``: see the type)."""
    if style == "auto":
        style = "bar" if sys.stderr.isatty() else "plain"
    if style == "bar":
        return BarProgress(total)
    if style == "plain":
        return PlainProgress(total, interval_s=interval_s)
    return NoProgress(total)


__all__ = [
    "DEFAULT_INTERVAL_S",
    "PROGRESS_STYLES",
    "BarProgress",
    "NoProgress",
    "PlainProgress",
    "ProgressStyle",
    "RunDisplay",
    "clock",
    "make_progress",
    "progress_line",
]
