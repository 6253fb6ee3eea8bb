"""What isolating a suite's own code costs per grading: worker processes and regex threads.

A ``python`` grader's plain function runs in a worker process (killable at
its time limit); an ``async def`` one runs on the loop. The ``regex``
grader matches in a worker thread (``regex`` releases the GIL, with a time
limit); ``exact`` runs inline. Each is awaited ``-n`` times one after the
other, then ``-n`` times concurrently, after a warm-up (which starts the
worker processes: that first call is timed on its own). Prints wall and CPU
time of this process per call.

    .venv/bin/python -m benchmarks.bench_grader_isolation
    .venv/bin/python -m benchmarks.bench_grader_isolation -n 5000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from evalkit.graders import BuiltGrader, GradeItem, build
from evalkit.suite.schema import GraderSpec, Sample

FUNCTIONS = """
from evalkit.graders import Score


def plain(item):
    return Score(1.0, True, "ok", {"n": len(item.output)})


async def on_loop(item):
    return Score(1.0, True, "ok", {"n": len(item.output)})
"""


async def per_call(
    grader: BuiltGrader, item: GradeItem, n: int, together: bool
) -> tuple[float, float]:
    """(wall ms, CPU ms) per call."""
    w0, c0 = time.perf_counter(), time.process_time()
    if together:
        await asyncio.gather(*(grader.score(item) for _ in range(n)))
    else:
        for _ in range(n):
            await grader.score(item)
    return (time.perf_counter() - w0) * 1000 / n, (time.process_time() - c0) * 1000 / n


async def main_async(n: int) -> None:
    item = GradeItem(Sample(id="s", prompt="q", expected="42"), "The answer is 42.")
    cases = {
        "python, plain (worker process)": {"type": "python", "function": "bench_fns:plain"},
        "python, async def (on the loop)": {"type": "python", "function": "bench_fns:on_loop"},
        "regex (worker thread, 1 s limit)": {"type": "regex", "pattern": r"\b4[0-9]\b"},
        "exact (inline)": {"type": "exact"},
    }
    print(f"{n} calls each; ms per call (this process)")
    print(
        f"{'grader':<36}{'first':>8}{'seq wall':>10}{'seq CPU':>9}{'conc wall':>11}{'conc CPU':>10}"
    )
    for label, spec in cases.items():
        grader = build(GraderSpec.parse(spec))
        t0 = time.perf_counter()
        await grader.score(item)
        first = (time.perf_counter() - t0) * 1000
        await asyncio.gather(*(grader.score(item) for _ in range(200)))  # warm, every worker up
        seq = await per_call(grader, item, n, together=False)
        conc = await per_call(grader, item, n, together=True)
        print(
            f"{label:<36}{first:>8.1f}{seq[0]:>10.3f}{seq[1]:>9.3f}{conc[0]:>11.3f}{conc[1]:>10.3f}"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", "--calls", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bench_fns.py").write_text(FUNCTIONS)
        sys.path.insert(0, tmp)
        asyncio.run(main_async(args.calls))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
