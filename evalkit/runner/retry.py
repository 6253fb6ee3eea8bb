"""Retries with tenacity: exponential backoff with jitter, Retry-After as a floor.

Whether to retry is the error's class (decided in the client); this module
only decides how long to wait and when to give up (attempts or total time,
both per target). A policy is built once per target, not per request.

An item's retry budget (``max_retry_time_s``) counts from its first attempt,
and no wait reaches past it: the backoff shrinks to what is left, and a
server that asks for more (``Retry-After: 3600``, or ``1e12``) is not
obeyed by sleeping: the item ends at once as ``RateLimitedError``
(``rate_limited``), its message quoting the wait asked for and the budget left.

A ``Retrier`` returns what came of a call, success or not, with the
attempts it took: ``Succeeded`` with the value, or ``Failed`` with the last
``RequestError``. Any other exception (a bug, a cancellation) propagates.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
)

from evalkit.config import TargetConfig
from evalkit.errors import RateLimitedError, RequestError, RetryableError

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
        self.max_attempts = target.max_attempts
        self.budget_s = target.max_retry_time_s
        self._retry = retry_if_exception_type(RetryableError)

    def left_s(self, state: RetryCallState) -> float:
        """What is left of the item's retry budget after the attempt that just failed."""
        return self.budget_s - (state.seconds_since_start or 0.0)

    def wait(self, state: RetryCallState) -> float:
        """Full-jitter exponential backoff within the budget, but never sooner than Retry-After."""
        # The exponent is capped: 2 ** 1100 does not fit a float (OverflowError).
        ceiling = min(self.cap, self.initial * 2.0 ** min(state.attempt_number - 1, 64))
        delay = min(random.uniform(ceiling / 2, ceiling), max(0.0, self.left_s(state)))
        exc = state.outcome.exception() if state.outcome else None
        # The server said when; sooner would only earn another 429. A wait
        # past the budget is not slept: ``stop`` ends the item instead.
        # (NaN compares False: ignored.)
        if isinstance(exc, RetryableError) and (exc.retry_after or 0.0) > delay:
            delay = exc.retry_after or 0.0
        return delay

    def stop(self, state: RetryCallState) -> bool:
        """Give up after ``max_attempts``, or when the coming wait would pass the budget."""
        if state.attempt_number >= self.max_attempts:
            return True
        left = self.left_s(state)
        return left <= 0 or (state.upcoming_sleep or 0.0) > left

    def retrying(self, before_sleep: Callable[[RetryCallState], Any]) -> AsyncRetrying:
        """A tenacity controller: it holds the state of one call at a time."""
        return AsyncRetrying(
            retry=self._retry,
            stop=self.stop,
            wait=self.wait,
            before_sleep=before_sleep,
            reraise=True,
        )

    def gave_up(self, exc: RequestError, elapsed_s: float, attempts: int) -> RequestError:
        """The error an item ends with: ``RateLimitedError`` if the server asked for too long."""
        retry_after = getattr(exc, "retry_after", None)
        left = self.budget_s - elapsed_s
        if (
            not isinstance(exc, RetryableError)
            or retry_after is None
            or attempts >= self.max_attempts
            or not retry_after > max(0.0, left)
        ):
            return exc
        return RateLimitedError(
            f"{exc.message}; the server asked to wait {retry_after:.12g} s (Retry-After), "
            f"more than the {max(0.0, left):.1f} s left of this item's retry budget "
            f"(max_retry_time_s = {self.budget_s:g}): not retried",
            http_status=exc.http_status,
            retry_after=retry_after,
        )


class Retrier:
    """Runs an item's attempts under a policy; reused item after item, one at a time.

    It keeps one tenacity controller for its whole life. The controller holds
    the state of the call in progress, so a Retrier never serves two calls at
    once (each worker has its own). Reusing it, rather than building a
    controller per request, also spares the cyclic garbage collector: a
    controller refers to itself, and a fresh one per request cost about as
    much CPU in collections as tenacity's own bookkeeping (benchmarks/README.md).
    """

    def __init__(
        self,
        policy: RetryPolicy,
        on_retry: Callable[[RetryableError, float], None] | None = None,
    ) -> None:
        self._on_retry = on_retry
        self._policy = policy
        self._retrying = policy.retrying(self._before_sleep)
        self._count = 0
        self._waited = 0.0
        self._busy = False

    def _before_sleep(self, state: RetryCallState) -> None:
        self._waited += state.upcoming_sleep
        exc = state.outcome.exception() if state.outcome else None
        if self._on_retry is not None and isinstance(exc, RetryableError):
            self._on_retry(exc, state.upcoming_sleep)

    async def run(self, attempt: Callable[[], Awaitable[T]]) -> Succeeded[T] | Failed:
        """Run ``attempt`` until it succeeds, raises a final error, or the budget is spent.

        ``on_retry(error, delay)`` is called before each wait. Errors other
        than ``RequestError`` (a bug, a cancellation) propagate as they are.
        """
        if self._busy:
            raise RuntimeError("a Retrier runs one call at a time: give each worker its own")
        self._busy = True
        self._count = 0
        self._waited = 0.0

        async def counted() -> T:
            self._count += 1
            return await attempt()

        start = time.monotonic()
        try:
            value: T = await self._retrying(counted)
        except RequestError as exc:
            error = self._policy.gave_up(exc, time.monotonic() - start, self._count)
            return Failed(error, Attempts(self._count, self._waited))
        finally:
            self._busy = False
        return Succeeded(value, Attempts(self._count, self._waited))


async def call_with_retries(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    on_retry: Callable[[RetryableError, float], None] | None = None,
) -> Succeeded[T] | Failed:
    """One call with a Retrier of its own (for calls that no worker makes in turn)."""
    return await Retrier(policy, on_retry).run(attempt)


__all__ = ["Attempts", "Failed", "Retrier", "RetryPolicy", "Succeeded", "call_with_retries"]
