"""Retries with tenacity: exponential backoff with jitter, Retry-After as a floor.

Whether to retry is the error's class (decided in the client); this module
only decides how long to wait and when to give up (attempts or total time,
both per target). A policy is built once per target, not per request.

``call_with_retries`` returns what came of it, success or not, with the
attempts it took: ``Succeeded`` with the value, or ``Failed`` with the last
``RequestError``. Any other exception (a bug, a cancellation) propagates.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
)

from evalkit.config import TargetConfig
from evalkit.errors import RequestError, RetryableError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Attempts:
    """How many requests one item took, and how long it slept between them."""

    count: int = 1
    waited_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Succeeded(Generic[T]):
    """An attempt answered: its value, and the attempts it took to get there."""

    value: T
    attempts: Attempts


@dataclass(frozen=True, slots=True)
class Failed:
    """Every attempt failed, or one failed for good: the last error, and the attempts made."""

    error: RequestError
    attempts: Attempts


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
        """A fresh tenacity controller for one call (it holds that call's state)."""
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
) -> Succeeded[T] | Failed:
    """Run ``attempt`` until it succeeds, raises a final error, or the budget is spent.

    ``on_retry(error, delay)`` is called before each wait.
    """
    count = 0
    waited = 0.0

    async def counted() -> T:
        nonlocal count
        count += 1
        return await attempt()

    def before_sleep(state: RetryCallState) -> None:
        nonlocal waited
        waited += state.upcoming_sleep
        exc = state.outcome.exception() if state.outcome else None
        if on_retry is not None and isinstance(exc, RetryableError):
            on_retry(exc, state.upcoming_sleep)

    try:
        value: T = await policy.retrying(before_sleep)(counted)
    except RequestError as exc:
        return Failed(exc, Attempts(count, waited))
    return Succeeded(value, Attempts(count, waited))


__all__ = ["Attempts", "Failed", "RetryPolicy", "Succeeded", "call_with_retries"]
