"""``evalkit bench``: load benchmarks of endpoints, with timing the harness can vouch for.

Closed-loop concurrency levels, open-loop arrivals at set rates (Poisson, or
gamma with a burstiness factor) from a precomputed seeded schedule, or a
sweep that finds the saturation point; suites or synthetic prompts as the
workload; per request TTFT, TPOT, ITL, E2EL and the client's own queueing;
per level vLLM's figures (bench.json), goodput under SLOs, and the client's
own CPU and event-loop lag, with a warning when the client was the limit.

Modules: ``benchmark`` (``bench``, the function behind the command),
``plan`` (settings, defaults, sweep rule), ``schedule`` (levels, arrivals),
``workload`` (suites or synthetic prompts), ``driver`` (sending and timing
one level), ``lanes`` (this process or worker processes), ``metrics`` (a
level's figures), ``session`` (running targets and levels), ``results``
(records and bench.json), ``report`` and ``svg`` (bench.html), ``compare``
(benchmark runs side by side).
"""

from evalkit.bench.benchmark import BenchResult, bench
from evalkit.bench.compare import compare_bench
from evalkit.bench.results import is_bench_run, read_bench
from evalkit.bench.schedule import Level, arrival_times

__all__ = [
    "BenchResult",
    "Level",
    "arrival_times",
    "bench",
    "compare_bench",
    "is_bench_run",
    "read_bench",
]
