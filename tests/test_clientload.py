"""The client's own load: event-loop lag caught when the loop is blocked, and said in words."""

from __future__ import annotations

import asyncio
import time

from evalkit.clientload import ClientLoad, ClientLoadMonitor, merge_loads


async def test_a_blocked_loop_shows_as_lag_and_a_stall() -> None:
    monitor = ClientLoadMonitor()
    monitor.start()
    await asyncio.sleep(0.05)
    mark = monitor.mark()
    time.sleep(0.12)  # noqa: ASYNC251 (the point: the event loop is blocked)
    await asyncio.sleep(0.05)
    window = monitor.since(mark)
    whole = await monitor.stop()
    assert window.lag_max_ms >= 90
    assert window.stalls == 1
    assert window.cpu_s < 0.1  # sleeping is not CPU
    assert whole.lag_samples > window.lag_samples
    assert whole.wall_s >= 0.2


async def test_an_idle_loop_wakes_on_time() -> None:
    monitor = ClientLoadMonitor()
    monitor.start()
    await asyncio.sleep(0.2)
    load = await monitor.stop()
    assert load.lag_samples >= 10
    assert load.stalls == 0


def load(cores: float, lag_p99: float, processes: int = 1) -> ClientLoad:
    return ClientLoad(
        wall_s=1.0,
        cpu_s=cores,
        cpu_cores=cores,
        lag_samples=100,
        lag_mean_ms=lag_p99 / 2,
        lag_p50_ms=lag_p99 / 4,
        lag_p99_ms=lag_p99,
        lag_max_ms=lag_p99 * 2,
        stalls=0,
        busiest_cores=cores,
        load_avg=3.0,
        cores=2,
        processes=processes,
    )


def test_limit_says_who_held_the_client_up() -> None:
    assert load(0.3, 2.0).limit() is None
    busy = load(0.97, 25.0).limit()
    assert busy is not None and busy.startswith("the client was the limit: it used 97% of a core")
    assert "25 ms late" in busy
    held = load(0.2, 30.0).limit()
    assert held is not None and "held up" in held and "load average 3.0 on 2 cores" in held


def test_merged_loads_add_cpu_and_keep_the_worst_lag() -> None:
    merged = merge_loads([load(0.5, 4.0), load(0.7, 12.0)])
    assert merged.cpu_s == 1.2 and merged.processes == 2
    assert merged.busiest_cores == 0.7 and merged.lag_p99_ms == 12.0
    assert merged.limit() is not None and "held up" in merged.limit()  # type: ignore[operator]
