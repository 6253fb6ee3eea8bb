"""A benchmark's settings, checked before anything is sent: levels, counts, SLOs, workload.

``BenchPlan`` is what ``evalkit bench``'s flags (or ``evalkit.bench.bench``'s
arguments) become; bench.json keeps it under ``settings``. Default counts
per level: closed loop, ``max(32, 4 × concurrency)`` requests after a
warm-up of one request per slot; open loop, ``max(32, 10 s × rate)``
requests after a warm-up of ``min(64, cap or rate)`` requests.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from evalkit.bench.schedule import Level, sweep_levels
from evalkit.errors import ConfigError

MIN_REQUESTS = 32
SWEEP_GAIN = 1.10
"""A sweep stops when doubling the concurrency gains less than 10% request throughput."""
SWEEP_FAILED = 0.10
"""...or when more than 10% of a level's requests fail."""


@dataclass(frozen=True)
class BenchPlan:
    """Everything a benchmark will do, before it does it."""

    levels: list[Level]
    sweep: bool = False
    requests: int | None = None
    """Measured requests per level (None: the default for the level)."""
    warmup: int | None = None
    """Warm-up requests per level (None: the default for the level)."""
    seed: int = 0
    goodput: dict[str, float] = field(default_factory=dict)
    workers: int = 1
    input_tokens: int = 256
    output_tokens: int = 128
    spread: float = 0.0
    exact: bool = True

    def __post_init__(self) -> None:
        for flag, value, least in (
            ("--requests", self.requests, 1),
            ("--warmup", self.warmup, 0),
            ("--workers", self.workers, 1),
            ("--input-tokens", self.input_tokens, 1),
            ("--output-tokens", self.output_tokens, 1),
        ):
            if value is not None and value < least:
                raise ConfigError(f"{flag}: must be at least {least}, got {value}")
        if not 0 <= self.spread < 1:
            raise ConfigError(f"--spread: must be in [0, 1), got {self.spread}")
        if not self.levels:
            raise ConfigError("no load level given (--concurrency, --rate or --sweep)")

    def count(self, level: Level) -> int:
        """Measured requests at ``level``."""
        if self.requests is not None:
            return self.requests
        if level.closed:
            return max(MIN_REQUESTS, 4 * (level.concurrency or 1))
        return max(MIN_REQUESTS, math.ceil(10 * (level.rate or 1)))

    def warm_slots(self, level: Level) -> int:
        """Requests in flight during the warm-up: every slot the level will use."""
        if level.closed:
            return level.concurrency or 1
        return level.concurrency or min(64, math.ceil(level.rate or 1))

    def warm_count(self, level: Level) -> int:
        """Warm-up requests before ``level`` (not measured)."""
        return self.warm_slots(level) if self.warmup is None else self.warmup

    def pool_size(self) -> int:
        """Synthetic prompts needed so that no two requests of a target share one."""
        return sum(self.count(lv) + self.warm_count(lv) for lv in self.levels) + 1

    def to_json(self) -> dict[str, Any]:
        """The settings as bench.json keeps them."""
        data = asdict(self)
        data["levels"] = [
            {
                "max_concurrency": lv.concurrency,
                "request_rate": lv.rate if lv.rate is not None else "inf",
                "burstiness": lv.burstiness,
            }
            for lv in self.levels
        ]
        return data


def sweep_plan(max_concurrency: int, **kwargs: Any) -> BenchPlan:
    """A sweep: closed-loop levels 1, 2, 4, ... ``max_concurrency``, stopped at saturation."""
    if max_concurrency < 1:
        raise ConfigError(f"--max-concurrency: must be at least 1, got {max_concurrency}")
    levels = [Level(concurrency=c) for c in sweep_levels(max_concurrency)]
    return BenchPlan(levels=levels, sweep=True, **kwargs)


def saturated(entries: list[dict[str, Any]]) -> bool:
    """Whether a sweep has found its saturation point with the last level it ran."""
    last = entries[-1]
    total = last["completed"] + last["failed"]
    if total and last["failed"] / total > SWEEP_FAILED:
        return True
    if len(entries) < 2:
        return False
    return bool(last["request_throughput"] < SWEEP_GAIN * entries[-2]["request_throughput"])


def saturation_point(entries: list[dict[str, Any]], reached: bool) -> dict[str, Any]:
    """The level a sweep calls its saturation point: the last one before the plateau.

    When the sweep ended at its largest concurrency without a plateau
    (``reached`` False), that level, marked as not a saturation point.
    """
    best = entries[-2] if reached and len(entries) >= 2 else entries[-1]
    return {
        "reached": reached,
        "max_concurrency": best["max_concurrency"],
        "request_throughput": best["request_throughput"],
        "output_throughput": best["output_throughput"],
        "median_ttft_ms": best["median_ttft_ms"],
        "median_tpot_ms": best["median_tpot_ms"],
    }


__all__ = [
    "MIN_REQUESTS",
    "SWEEP_FAILED",
    "SWEEP_GAIN",
    "BenchPlan",
    "saturated",
    "saturation_point",
    "sweep_plan",
]
