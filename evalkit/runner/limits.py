"""Client-side admission: requests-per-minute and tokens-per-minute buckets, and cooldowns.

Concurrency alone does not keep a long-context suite under a tokens-per-minute
quota (a few 100k-token prompts exhaust it while the slots look free), so each
request is admitted against its estimated prompt + max output tokens too.
A 429 with Retry-After pauses the whole target, not just the item that hit
it: the others would only collect 429s of their own.
"""

from __future__ import annotations

import asyncio
import math
import time


class TokenBucket:
    """A bucket refilled continuously at ``per_minute / 60`` units a second."""

    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = per_minute
        self.level = per_minute
        self.stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self, amount: float) -> None:
        # A request larger than a whole minute's quota would wait forever;
        # let it through when the bucket is full instead.
        amount = min(amount, self.capacity)
        async with self._lock:
            while True:
                now = time.monotonic()
                self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.level >= amount:
                    self.level -= amount
                    return
                await asyncio.sleep((amount - self.level) / self.rate)


class Admission:
    """Everything a request of one target waits for before it is sent."""

    def __init__(self, rpm: float | None = None, tpm: float | None = None) -> None:
        self._rpm = TokenBucket(rpm) if rpm else None
        self._tpm = TokenBucket(tpm) if tpm else None
        self._resume_at = 0.0

    def cool_down(self, seconds: float) -> None:
        """Hold every request of this target for ``seconds`` from now.

        The caller bounds ``seconds`` by the retry budget (run.py), so that a
        server's Retry-After of an hour cannot freeze the target; a value that
        is not a finite number above zero is ignored (sleeping on inf raises).
        """
        if 0 < seconds < math.inf:
            self._resume_at = max(self._resume_at, time.monotonic() + seconds)

    async def admit(self, tokens: int) -> None:
        """Wait until this request may be sent."""
        # A cooldown can be extended while we sleep (another 429), so look again.
        while (delay := self._resume_at - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)
        if self._rpm is not None:
            await self._rpm.take(1)
        if self._tpm is not None:
            await self._tpm.take(tokens)


__all__ = ["Admission", "TokenBucket"]
