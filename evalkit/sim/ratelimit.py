"""The simulator's enforcing mode: requests and tokens per minute, refused with 429.

A gateway enforces its per-minute quota over much shorter spans than a
minute (OpenAI documents "60 RPM may be enforced as 1 request per second"),
so each quota is a token bucket refilled continuously at ``per_minute / 60``
a second that holds ``window_s`` seconds' worth. A request that finds the
bucket short is refused with 429 and a ``Retry-After`` saying when it would
fit. With ``headers`` on, every answer (200 or 429) carries the
``x-ratelimit-*`` headers OpenAI sends: limit, remaining and reset (a
duration such as ``250ms`` or ``1.5s``).

Tokens are charged as OpenAI admits them: prompt tokens plus the requested
``max_tokens`` (the completion is not known when the request is admitted).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass


def format_reset(seconds: float) -> str:
    """A reset duration in OpenAI's style: ``0s``, ``250ms``, ``1.5s``, ``6m0s``."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        return f"{max(1, math.ceil(seconds * 1000))}ms"
    if seconds < 60:
        return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:.0f}s"


class Quota:
    """One per-minute quota enforced as a token bucket holding ``window_s`` seconds' worth."""

    def __init__(self, per_minute: float, window_s: float) -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * window_s)
        self.level = self.capacity
        self.stamp = time.monotonic()

    def _refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_for(self, amount: float, now: float) -> float:
        """Seconds until ``amount`` fits (0 when it fits now); takes nothing."""
        self._refill(now)
        amount = min(amount, self.capacity)  # a request larger than the bucket waits for it full
        return 0.0 if self.level >= amount else (amount - self.level) / self.rate

    def take(self, amount: float) -> None:
        """Charge ``amount`` (after ``wait_for`` said it fits)."""
        self.level -= min(amount, self.capacity)

    def headers(self, kind: str, now: float) -> dict[str, str]:
        """``x-ratelimit-{limit,remaining,reset}-<kind>`` as OpenAI sends them."""
        self._refill(now)
        return {
            f"x-ratelimit-limit-{kind}": str(int(self.per_minute)),
            f"x-ratelimit-remaining-{kind}": str(max(0, math.floor(self.level))),
            f"x-ratelimit-reset-{kind}": format_reset((self.capacity - self.level) / self.rate),
        }


@dataclass
class Verdict:
    """What the limiter says of one request: wait this long (0: admitted) and which quota."""

    retry_after: float
    which: str | None
    headers: dict[str, str]


class RateLimiter:
    """The requests and tokens quotas of one simulated endpoint."""

    def __init__(
        self,
        rpm: float | None,
        tpm: float | None,
        *,
        window_s: float = 1.0,
        headers: bool = False,
    ) -> None:
        self.requests = Quota(rpm, window_s) if rpm else None
        self.tokens = Quota(tpm, window_s) if tpm else None
        self.send_headers = headers

    @property
    def active(self) -> bool:
        """Whether anything is enforced or announced."""
        return self.requests is not None or self.tokens is not None

    def admit(self, tokens: int) -> Verdict:
        """Charge one request of ``tokens`` tokens, or say how long until it would fit."""
        now = time.monotonic()
        waits = []
        if self.requests is not None:
            waits.append((self.requests.wait_for(1, now), "requests"))
        if self.tokens is not None:
            waits.append((self.tokens.wait_for(tokens, now), "tokens"))
        wait, which = max(waits, default=(0.0, None))
        if wait <= 0:
            which = None
            if self.requests is not None:
                self.requests.take(1)
            if self.tokens is not None:
                self.tokens.take(tokens)
        return Verdict(wait, which, self._headers(now))

    def _headers(self, now: float) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.send_headers:
            if self.requests is not None:
                out.update(self.requests.headers("requests", now))
            if self.tokens is not None:
                out.update(self.tokens.headers("tokens", now))
        return out


__all__ = ["Quota", "RateLimiter", "Verdict", "format_reset"]
