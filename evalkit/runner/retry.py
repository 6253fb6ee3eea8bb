"""Retries with tenacity: exponential backoff with jitter, Retry-After as a floor.

Whether to retry is the error's class (decided in the client); this module
only decides how long to wait and when to give up (attempts or total time,
both per target). A policy is built once per target, not per request.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
)

from evalkit.config import TargetConfig
from evalkit.errors import RetryableError

T = TypeVar("T")


@dataclass
class Attempts:
    """How many requests one item took, and how long it slept between them."""

    count: int = 0
    waited_s: float = 0.0


class RetryPolicy:
    """When one target's requests are retried, and how long each wait is."""

    def __init__(self, target: TargetConfig) -> None:
        self.initial = target.backoff_initial_s
        self.cap = target.backoff_max_s
        self._stop = stop_after_attempt(target.max_attempts) | stop_after_delay(
            target.max_retry_time_s
        )
        self._retry = retry_if_exception_type(RetryableError)

    def wait(self, state: RetryCallState) -> float:
        """Full-jitter exponential backoff, but never sooner than Retry-After."""
        ceiling = min(self.cap, self.initial * 2 ** (state.attempt_number - 1))
        delay = random.uniform(ceiling / 2, ceiling)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableError) and exc.retry_after is not None:
            # The server said when; sooner would only earn another 429.
            delay = max(delay, exc.retry_after)
        return delay

    def retrying(self, before_sleep: Callable[[RetryCallState], Any]) -> AsyncRetrying:
        return AsyncRetrying(
            retry=self._retry,
            stop=self._stop,
            wait=self.wait,
            before_sleep=before_sleep,
            reraise=True,
        )


async def call_with_retries(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    on_retry: Callable[[RetryableError, float], None] | None = None,
) -> tuple[T, Attempts]:
    """Run ``attempt`` until it succeeds, raises a final error, or the budget is spent.

    The last error is re-raised as is, with ``Attempts`` attached as
    ``exc.attempts`` so that its record can say how many requests it took.
    """
    tally = Attempts(count=1)
    # Most requests succeed first time; tenacity's per-attempt bookkeeping
    # (it inspects its callbacks on every step) is kept off that path.
    try:
        return await attempt(), tally
    except RetryableError as exc:
        replay: list[RetryableError] = [exc]
    except BaseException as exc:
        exc.attempts = tally  # type: ignore[attr-defined]
        raise

    async def again() -> T:
        if replay:
            raise replay.pop()  # tenacity's attempt 1 is the one already made
        tally.count += 1
        return await attempt()

    def before_sleep(state: RetryCallState) -> None:
        delay = state.next_action.sleep if state.next_action else 0.0
        tally.waited_s += delay
        exc = state.outcome.exception() if state.outcome else None
        if on_retry is not None and isinstance(exc, RetryableError):
            on_retry(exc, delay)

    try:
        async for state in policy.retrying(before_sleep):
            with state:
                result = await again()
    except BaseException as exc:
        exc.attempts = tally  # type: ignore[attr-defined]
        raise
    return result, tally


__all__ = ["Attempts", "RetryPolicy", "call_with_retries"]
