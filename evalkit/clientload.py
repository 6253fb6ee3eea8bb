"""How busy the client itself was: event-loop lag and process CPU, sampled while it works.

A load generator that cannot keep up reports its own queueing as the
endpoint's latency (llm-d-benchmark#261, inference-perf#188). So every run
and every benchmark level samples two things about this process:

- **event-loop lag**: a task asks to wake every ``interval`` seconds and
  records how late it woke. A loop busy parsing streams, grading or writing
  records wakes it late; the same lateness lands on every read of a response,
  so a TTFT measured then is late by about as much.
- **CPU**: ``time.process_time()`` over wall time, in cores (1.0 = one core
  busy all the time). The event loop runs on one core: near 1.0 it is
  saturated whatever the machine has left.

``ClientLoadMonitor`` is started and stopped around the work; ``mark()`` and
``since(mark)`` cut the samples into windows (a benchmark's levels).
``ClientLoad.limit()`` says, in words, when the client was the limit.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from dataclasses import asdict, dataclass
from typing import Any

from evalkit.types import percentile

SAMPLE_INTERVAL_S = 0.01
"""How often the lag probe asks to wake: 100 times a second costs well under 1% of a core."""
STALL_S = 0.05
"""A wake-up later than this is a stall: every response read then waited at least as long."""
LAG_LIMIT_S = 0.01
"""A p99 lag above this means latencies read by the client were late by as much."""
CPU_LIMIT = 0.9
"""Above this share of one core the event loop had no time to spare."""


@dataclass(frozen=True, slots=True)
class ClientLoad:
    """The client's own load over a window: CPU in cores, event-loop lag in milliseconds."""

    wall_s: float
    cpu_s: float
    cpu_cores: float
    lag_samples: int
    lag_mean_ms: float
    lag_p50_ms: float
    lag_p99_ms: float
    lag_max_ms: float
    stalls: int
    """Wake-ups later than ``STALL_S``."""
    busiest_cores: float
    """CPU of the busiest client process, in cores (``cpu_cores`` with one process)."""
    load_avg: float
    """The machine's 1-minute load average at the end of the window."""
    cores: int
    """The machine's CPU count."""
    processes: int = 1

    def limit(self) -> str | None:
        """Why latencies read in this window include the client's own delay; None if not.

        A busy event loop (near one core) is the client being the limit; a
        late loop with CPU to spare is the machine keeping the client waiting
        (other processes, or the endpoint on the same cores).
        """
        late = self.lag_p99_ms >= LAG_LIMIT_S * 1000
        lag = (
            f"its event loop woke up to {self.lag_p99_ms:.0f} ms late "
            f"(p99, max {self.lag_max_ms:.0f} ms)"
        )
        if self.busiest_cores >= CPU_LIMIT:
            who = "it" if self.processes == 1 else "its busiest process"
            text = f"the client was the limit: {who} used {self.busiest_cores:.0%} of a core"
            return f"{text} and {lag}" if late else text
        if late:
            machine = f"load average {self.load_avg:.1f} on {self.cores} cores"
            return (
                f"the client was held up: {lag} while using {self.busiest_cores:.0%} of a "
                f"core, so the machine ({machine}) kept it waiting"
            )
        return None

    def to_json(self) -> dict[str, Any]:
        """The figures as JSON-ready data (rounded to what they can tell)."""
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class Mark:
    """A point in a monitor's samples: where a window starts."""

    index: int
    wall: float
    cpu: float


class ClientLoadMonitor:
    """Samples this process's event-loop lag and CPU from inside the running loop.

    ``start()`` in the loop, ``stop()`` returns the whole span; ``mark()`` and
    ``since(mark)`` measure a part of it.
    """

    def __init__(self, interval: float = SAMPLE_INTERVAL_S) -> None:
        self.interval = interval
        self._lags: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self._start: Mark | None = None

    def start(self) -> None:
        """Begin sampling (call inside the running event loop)."""
        if self._task is None:
            self._start = self.mark()
            self._task = asyncio.get_running_loop().create_task(self._probe())

    async def _probe(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self.interval
        lags = self._lags
        while True:
            due = loop.time() + interval
            await asyncio.sleep(interval)
            lags.append(max(0.0, loop.time() - due))

    def mark(self) -> Mark:
        """Where a window starts."""
        return Mark(len(self._lags), time.perf_counter(), time.process_time())

    def since(self, mark: Mark) -> ClientLoad:
        """The load from ``mark`` until now."""
        return _load(self._lags[mark.index :], mark, self.mark())

    async def stop(self) -> ClientLoad:
        """Stop sampling; the load over the whole span since ``start()``."""
        end = self.mark()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        start = self._start or end
        return _load(self._lags[start.index : end.index], start, end)


def _load(lags: list[float], start: Mark, end: Mark) -> ClientLoad:
    wall = max(end.wall - start.wall, 1e-9)
    cpu = end.cpu - start.cpu
    ordered = sorted(lags)
    n = len(ordered)
    ms = 1000.0
    return ClientLoad(
        wall_s=wall,
        cpu_s=cpu,
        cpu_cores=cpu / wall,
        lag_samples=n,
        lag_mean_ms=math.fsum(ordered) / n * ms if n else 0.0,
        lag_p50_ms=percentile(ordered, 0.5) * ms if n else 0.0,
        lag_p99_ms=percentile(ordered, 0.99) * ms if n else 0.0,
        lag_max_ms=ordered[-1] * ms if n else 0.0,
        stalls=sum(1 for lag in ordered if lag > STALL_S),
        busiest_cores=cpu / wall,
        load_avg=_load_avg(),
        cores=os.cpu_count() or 1,
    )


def _load_avg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:  # not on this platform
        return 0.0


def merge_loads(loads: list[ClientLoad]) -> ClientLoad:
    """Several processes' loads over the same window as one: CPU adds up, lag is the worst."""
    if len(loads) == 1:
        return loads[0]
    wall = max(x.wall_s for x in loads)
    cpu = math.fsum(x.cpu_s for x in loads)
    worst = max(loads, key=lambda x: x.lag_p99_ms)
    return ClientLoad(
        wall_s=wall,
        cpu_s=cpu,
        cpu_cores=cpu / wall if wall > 0 else 0.0,
        lag_samples=sum(x.lag_samples for x in loads),
        lag_mean_ms=max(x.lag_mean_ms for x in loads),
        lag_p50_ms=max(x.lag_p50_ms for x in loads),
        lag_p99_ms=worst.lag_p99_ms,
        lag_max_ms=max(x.lag_max_ms for x in loads),
        stalls=sum(x.stalls for x in loads),
        busiest_cores=max(x.busiest_cores for x in loads),
        load_avg=max(x.load_avg for x in loads),
        cores=loads[0].cores,
        processes=sum(x.processes for x in loads),
    )


__all__ = [
    "CPU_LIMIT",
    "LAG_LIMIT_S",
    "SAMPLE_INTERVAL_S",
    "STALL_S",
    "ClientLoad",
    "ClientLoadMonitor",
    "Mark",
    "merge_loads",
]
