"""Load levels and arrival schedules: closed-loop concurrency, or open-loop arrivals at a rate.

A **closed-loop** level keeps ``concurrency`` requests in flight: a new one
is sent as soon as one finishes, so the endpoint's speed sets the rate.
An **open-loop** level sends requests at planned times, whatever the
endpoint does; ``concurrency`` then caps how many may be in flight (vLLM's
``--max-concurrency``), and a request waiting for a free slot shows up as
client queueing, never hidden in its latency.

The planned times are precomputed from a seeded RNG, as ``vllm bench
serve`` does: gaps are Gamma(shape = burstiness, scale = 1 / (rate ·
burstiness)) (burstiness 1 is a Poisson process; below 1 burstier, above 1
more even), cumulated, then rescaled so that the last arrival falls at
``n / rate``: every seed then offers the same average rate.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from evalkit.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Level:
    """One load level: closed loop (``rate`` None) or arrivals at ``rate`` requests/s."""

    concurrency: int | None = None
    """Requests in flight (closed loop), or their cap (open loop; None: no cap)."""
    rate: float | None = None
    burstiness: float = 1.0

    def __post_init__(self) -> None:
        if self.rate is None and self.concurrency is None:
            raise ValueError("a level needs a concurrency or a rate")

    @property
    def closed(self) -> bool:
        """Whether requests follow one another (a concurrency) rather than a schedule."""
        return self.rate is None

    @property
    def label(self) -> str:
        """A short name: ``c=16``, ``8 req/s``, ``8 req/s, c<=16``."""
        if self.rate is None:
            return f"c={self.concurrency}"
        text = f"{self.rate:g} req/s"
        if self.burstiness != 1.0:
            text += f" (burstiness {self.burstiness:g})"
        return text if self.concurrency is None else f"{text}, c<={self.concurrency}"


def arrival_times(n: int, rate: float, burstiness: float, seed: int) -> list[float]:
    """``n`` planned send times in seconds from the level's start, seeded and reproducible."""
    if rate <= 0 or not math.isfinite(rate):
        raise ValueError(f"rate must be a positive number, got {rate}")
    if burstiness <= 0:
        raise ValueError(f"burstiness must be positive, got {burstiness}")
    if n <= 0:
        return []
    rng = random.Random(f"arrivals:{seed}:{rate}:{burstiness}")
    scale = 1.0 / (rate * burstiness)
    times = []
    t = 0.0
    for _ in range(n):
        t += rng.gammavariate(burstiness, scale)
        times.append(t)
    factor = (n / rate) / times[-1]
    return [x * factor for x in times]


def _numbers(text: str, flag: str, kind: type[int] | type[float]) -> list[float]:
    values = []
    for part in text.split(","):
        part = part.strip()
        try:
            value = kind(part)
        except ValueError:
            raise ConfigError(f"{flag}: {part!r} is not a number (give e.g. 1,4,16)") from None
        if not value > 0 or not math.isfinite(value):
            raise ConfigError(f"{flag}: {part!r} must be positive")
        values.append(float(value))
    return values


def parse_levels(concurrency: str | None, rate: str | None, burstiness: float = 1.0) -> list[Level]:
    """Levels from the command line's ``--concurrency 1,4,16`` and ``--rate 2,8,32``.

    Concurrencies alone are closed-loop levels; rates are open-loop levels,
    each capped by the one ``--concurrency`` given with them (if any).
    """
    if burstiness <= 0 or not math.isfinite(burstiness):
        raise ConfigError(f"--burstiness: must be a positive number, got {burstiness}")
    conc = [int(c) for c in _numbers(concurrency, "--concurrency", int)] if concurrency else []
    if rate is None:
        if not conc:
            raise ConfigError("give --concurrency, --rate or --sweep")
        return [Level(concurrency=c) for c in dict.fromkeys(conc)]
    if len(conc) > 1:
        raise ConfigError(
            "--concurrency with --rate is the cap on requests in flight: give one number"
        )
    cap = conc[0] if conc else None
    return [
        Level(concurrency=cap, rate=r, burstiness=burstiness)
        for r in dict.fromkeys(_numbers(rate, "--rate", float))
    ]


def sweep_levels(max_concurrency: int) -> list[int]:
    """The concurrencies a sweep may try: 1, 2, 4, ... up to ``max_concurrency``."""
    out = []
    c = 1
    while c < max_concurrency:
        out.append(c)
        c *= 2
    out.append(max_concurrency)
    return out


__all__ = ["Level", "arrival_times", "parse_levels", "sweep_levels"]
