"""The retry layer's own CPU per request: no layer, a tenacity controller per call, a Retrier.

No network: each attempt allocates what a request would (a few dozen small
containers) and yields to the loop once, and a live heap of long-lived
objects stands in for a run's loaded suites, so that the cyclic garbage
collector works as it does in a run. ``--workers`` tasks share the requests;
the three ways take turns over ``--rounds`` rounds.

    .venv/bin/python -m benchmarks.bench_retry            # 10,000 calls per way and round
    .venv/bin/python -m benchmarks.bench_retry -n 20000 --rounds 10
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

from evalkit.config import TargetConfig
from evalkit.runner.retry import (
    Attempts,
    Failed,
    Retrier,
    RetryPolicy,
    Succeeded,
    call_with_retries,
)

Call = Callable[[Callable[[], Awaitable[int]]], Awaitable[Succeeded[int] | Failed]]


async def attempt() -> int:
    """A successful request's worth of short-lived objects, and one trip through the loop."""
    junk = [{"i": i, "v": [i]} for i in range(60)]
    await asyncio.sleep(0)
    return len(junk)


async def bare(fn: Callable[[], Awaitable[int]]) -> Succeeded[int] | Failed:
    return Succeeded(await fn(), Attempts())


async def measure(n: int, workers: int, make_call: Callable[[], Call]) -> float:
    """CPU microseconds per call, ``workers`` tasks each with the call ``make_call`` gives it."""
    left = n

    async def worker() -> None:
        nonlocal left
        call = make_call()
        while left > 0:
            left -= 1
            await call(attempt)

    cpu = time.process_time()
    async with asyncio.TaskGroup() as group:
        for _ in range(workers):
            group.create_task(worker())
    return (time.process_time() - cpu) / n * 1e6


async def main_async(args: argparse.Namespace) -> None:
    policy = RetryPolicy(TargetConfig(name="bench", base_url="http://127.0.0.1:9", model="m"))

    async def fresh(fn: Callable[[], Awaitable[int]]) -> Succeeded[int] | Failed:
        return await call_with_retries(fn, policy)

    ways: dict[str, Callable[[], Call]] = {
        "no retry layer": lambda: bare,
        "a controller per call": lambda: fresh,
        "a Retrier per worker": lambda: Retrier(policy).run,
    }
    spent: dict[str, list[float]] = {name: [] for name in ways}
    for i in range(args.rounds):
        order = list(ways) if i % 2 == 0 else list(reversed(ways))
        for name in order:
            spent[name].append(await measure(args.calls, args.workers, ways[name]))
    base = statistics.median(spent["no retry layer"])
    print(f"{args.calls} calls per way and round, {args.workers} workers, {args.rounds} rounds")
    print(f"{'way':<24}{'median':>9}{'min':>9}{'max':>9}{'over none':>11}  (CPU us per call)")
    for name, values in spent.items():
        median = statistics.median(values)
        print(
            f"{name:<24}{median:>9.1f}{min(values):>9.1f}{max(values):>9.1f}{median - base:>+11.1f}"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", "--calls", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--heap", type=int, default=300_000, help="long-lived objects kept alive")
    args = ap.parse_args()
    heap = [{"k": [i]} for i in range(args.heap)]  # alive while the calls run
    asyncio.run(main_async(args))
    print(f"({len(heap):,} long-lived objects alive for the garbage collector to walk)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
