"""What an endpoint says of its rate limits, read from response headers.

OpenAI-compatible gateways send ``x-ratelimit-remaining-requests`` /
``-tokens`` and ``x-ratelimit-reset-requests`` / ``-tokens`` (a duration such
as ``1s``, ``6m0s`` or ``250ms``) on every answer; the IETF draft's
``ratelimit-remaining`` / ``ratelimit-reset`` (seconds) is read as the
requests quota. The runner's admission follows them so that it waits for a
reset instead of collecting 429s.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_MAX_RESET_S = 24 * 3600.0  # a reset further away than a day is a server's mistake


@dataclass(frozen=True, slots=True)
class RateLimitHint:
    """How much of each quota is left, and in how many seconds it is whole again."""

    remaining_requests: int | None = None
    reset_requests_s: float | None = None
    remaining_tokens: int | None = None
    reset_tokens_s: float | None = None
    limit_requests: int | None = None  # per minute
    limit_tokens: int | None = None  # per minute


def parse_duration(text: str) -> float | None:
    """Seconds in ``1s``, ``6m0s``, ``1h2m3.5s``, ``250ms`` or a bare number; None if unreadable."""
    text = text.strip().lower()
    try:
        value = float(text)
    except ValueError:
        parts = _PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            return None
        value = sum(float(n) * _UNIT_S[u] for n, u in parts)
    if not math.isfinite(value) or value < 0:
        return None
    return min(value, _MAX_RESET_S)


def _count(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value >= 0 else None


def _seconds(text: str | None) -> float | None:
    return None if text is None else parse_duration(text)


def rate_limit_hint(headers: Mapping[str, str]) -> RateLimitHint | None:
    """The rate-limit state a response announces, or None when it announces none."""
    get = headers.get
    requests = get("x-ratelimit-remaining-requests")
    tokens = get("x-ratelimit-remaining-tokens")
    if requests is None and tokens is None:
        requests = get("ratelimit-remaining")
        if requests is None:
            return None
        return RateLimitHint(_count(requests), _seconds(get("ratelimit-reset")))
    return RateLimitHint(
        _count(requests),
        _seconds(get("x-ratelimit-reset-requests")),
        _count(tokens),
        _seconds(get("x-ratelimit-reset-tokens")),
        _count(get("x-ratelimit-limit-requests")),
        _count(get("x-ratelimit-limit-tokens")),
    )


__all__ = ["RateLimitHint", "parse_duration", "rate_limit_hint"]
