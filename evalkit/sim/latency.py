"""The simulator's latency model: time to first token, then a steady token rate.

TTFT = (``ttft_s`` + prompt_tokens / ``PREFILL_TOKENS_PER_S``) × a jitter
factor drawn uniformly from [1 - jitter, 1 + jitter] by a RNG seeded with
``SimConfig.seed``. The prefill term is only added when ``ttft_s`` > 0, so
``ttft_s = 0`` with ``tokens_per_s = 0`` is a zero-latency server that never
sleeps (the mode performance benchmarks use). After the first token, tokens
follow every 1 / ``tokens_per_s`` seconds, without jitter, so that a measured
rate can be checked against the configured one.
"""

from __future__ import annotations

import random

from evalkit.config import SimConfig

PREFILL_TOKENS_PER_S = 50_000.0
"""Prompt tokens processed per second before the first output token."""


class LatencyModel:
    """Draws per-request delays from a SimConfig with its own seeded RNG."""

    def __init__(self, config: SimConfig) -> None:
        self._ttft = config.ttft_s
        self._jitter = config.jitter
        self._rng = random.Random(f"latency:{config.seed}")
        self.interval = 1.0 / config.tokens_per_s if config.tokens_per_s > 0 else 0.0
        self.zero = self._ttft == 0 and self.interval == 0

    def ttft(self, prompt_tokens: int) -> float:
        """Seconds from the request to the first output token (0 when ttft_s is 0)."""
        if self._ttft <= 0:
            return 0.0
        base = self._ttft + prompt_tokens / PREFILL_TOKENS_PER_S
        if self._jitter <= 0:
            return base
        return base * self._rng.uniform(1.0 - self._jitter, 1.0 + self._jitter)

    def total(self, prompt_tokens: int, completion_tokens: int) -> float:
        """Seconds until the whole answer is ready (what a non-streamed reply waits)."""
        if self.zero:
            return 0.0
        return self.ttft(prompt_tokens) + max(0, completion_tokens - 1) * self.interval


__all__ = ["PREFILL_TOKENS_PER_S", "LatencyModel"]
