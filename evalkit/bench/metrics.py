"""A level's figures from its outcomes, under vLLM's names and with vLLM's formulas.

Per request (successful ones only; failures are counted, and by kind):

- **TTFT**: send to the first chunk carrying content, reasoning or a tool
  call (a role-only chunk does not count, unlike vLLM; as genai-perf/AIPerf).
- **TPOT**: (E2EL − TTFT) / (output tokens − 1), for outputs of more than one
  token. genai-perf and guidellm call this ITL.
- **ITL**: every gap between consecutive token-bearing chunks, pooled over
  all requests before the statistics (so long outputs weigh more), as vLLM.
- **E2EL**: send to the last token-bearing chunk.
- **client queue time**: planned send to actual send (see ``driver``).

Per level: ``duration`` runs from the level's start to the end of its last
request; throughputs divide by it: completed requests, output tokens, input +
output tokens. ``request_goodput`` counts the requests meeting every SLO
given (``ttft``, ``tpot``, ``e2el`` in milliseconds; a one-token output has a
TPOT of 0), per second: DistServe's definition, as vLLM. Statistics are mean,
median, std (population, as numpy), p90, p95, p99, with percentiles
interpolated linearly between order statistics (numpy's default).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from evalkit.bench.driver import Outcome
from evalkit.bench.schedule import Level
from evalkit.errors import ConfigError
from evalkit.types import percentile

PERCENTILES = (90, 95, 99)
METRICS = ("ttft", "tpot", "itl", "e2el", "client_queue_time")
SLO_METRICS = ("ttft", "tpot", "e2el")


def parse_goodput(pairs: Iterable[str]) -> dict[str, float]:
    """SLOs from ``ttft:500 tpot:50 e2el:2000`` (milliseconds); ConfigError names a bad one."""
    slos: dict[str, float] = {}
    for pair in pairs:
        name, sep, value = pair.partition(":")
        if not sep or name not in SLO_METRICS:
            raise ConfigError(
                f"--goodput: {pair!r} must be METRIC:MS with METRIC one of {', '.join(SLO_METRICS)}"
            )
        try:
            ms = float(value)
        except ValueError:
            raise ConfigError(f"--goodput: {pair!r}: {value!r} is not a number") from None
        if not ms >= 0 or not math.isfinite(ms):
            raise ConfigError(f"--goodput: {pair!r}: the SLO must be a non-negative number")
        slos[name] = ms
    return slos


def stats_ms(values: Sequence[float]) -> dict[str, float | None]:
    """mean, median, std, p90, p95, p99 of ``values`` (seconds), in milliseconds."""
    if not values:
        return {"mean": None, "median": None, "std": None, **{f"p{p}": None for p in PERCENTILES}}
    ordered = sorted(values)
    n = len(ordered)
    mean = math.fsum(ordered) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in ordered) / n)
    out: dict[str, float | None] = {
        "mean": mean * 1000,
        "median": percentile(ordered, 0.5) * 1000,
        "std": std * 1000,
    }
    for p in PERCENTILES:
        out[f"p{p}"] = percentile(ordered, p / 100) * 1000
    return out


def is_good(outcome: Outcome, slos: Mapping[str, float]) -> bool:
    """Whether a successful request meets every SLO (milliseconds)."""
    values = {
        "ttft": outcome.ttft,
        "tpot": outcome.tpot if outcome.tpot is not None else 0.0,
        "e2el": outcome.e2el,
    }
    for name, limit in slos.items():
        value = values[name]
        if value is None or value * 1000 > limit:
            return False
    return True


def level_metrics(
    outcomes: Sequence[Outcome],
    level: Level,
    *,
    duration: float,
    goodput: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The level's entry in bench.json (vLLM's keys, plus failures by kind and spreads)."""
    ok = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    total_in = sum(o.prompt_tokens or 0 for o in ok)
    total_out = sum(o.completion_tokens or 0 for o in ok)
    dur = max(duration, 1e-9)
    entry: dict[str, Any] = {
        "max_concurrency": level.concurrency,
        "request_rate": level.rate if level.rate is not None else "inf",
        "burstiness": level.burstiness,
        "duration": duration,
        "completed": len(ok),
        "failed": len(failed),
        "errors": dict(Counter(o.error_kind or "unknown" for o in failed).most_common()),
        "total_input_tokens": total_in,
        "total_output_tokens": total_out,
        "request_throughput": len(ok) / dur,
        "request_goodput": (sum(1 for o in ok if is_good(o, goodput)) / dur if goodput else None),
        "output_throughput": total_out / dur,
        "total_token_throughput": (total_in + total_out) / dur,
    }
    series = {
        "ttft": [o.ttft for o in ok if o.ttft is not None],
        "tpot": [o.tpot for o in ok if o.tpot is not None],
        "itl": [g for o in ok for g in o.gaps],
        "e2el": [o.e2el for o in ok if o.e2el is not None],
        "client_queue_time": [o.queued for o in outcomes],
    }
    if not level.closed:
        series["e2el_including_client_queue"] = [
            o.e2el + o.queued for o in ok if o.e2el is not None
        ]
    for metric, values in series.items():
        for stat, value in stats_ms(values).items():
            entry[f"{stat}_{metric}_ms"] = value
    return entry


__all__ = [
    "METRICS",
    "PERCENTILES",
    "SLO_METRICS",
    "is_good",
    "level_metrics",
    "parse_goodput",
    "stats_ms",
]
