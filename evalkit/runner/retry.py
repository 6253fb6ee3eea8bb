"""Retries with tenacity: exponential backoff with jitter, Retry-After as a floor.

Whether to retry is the error's class (decided in the client); this module
only decides how long to wait and when to give up (attempts or total time,
both per target).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from evalkit.config import TargetConfig
from evalkit.errors import RetryableError

T = TypeVar("T")


@dataclass
class Attempts:
    """How many requests one item took, and how long it slept between them."""

    count: int = 0
    waited_s: float = 0.0


def _wait(target: TargetConfig) -> Callable[[RetryCallState], float]:
    backoff = wait_exponential_jitter(
        initial=target.backoff_initial_s, max=target.backoff_max_s, jitter=target.backoff_initial_s
    )

    def wait(state: RetryCallState) -> float:
        delay = float(backoff(state))
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableError) and exc.retry_after is not None:
            # The server said when; sooner would only earn another 429.
            delay = max(delay, exc.retry_after)
        return delay

    return wait


async def call_with_retries(
    attempt: Callable[[], Awaitable[T]],
    target: TargetConfig,
    *,
    on_retry: Callable[[RetryableError, float], None] | None = None,
) -> tuple[T, Attempts]:
    """Run ``attempt`` until it succeeds, raises a final error, or the budget is spent.

    The last error is re-raised as is, with ``Attempts`` attached as
    ``exc.attempts`` so that its record can say how many requests it took.
    """
    tally = Attempts()

    def before_sleep(state: RetryCallState) -> None:
        delay = state.next_action.sleep if state.next_action else 0.0
        tally.waited_s += delay
        exc = state.outcome.exception() if state.outcome else None
        if on_retry is not None and isinstance(exc, RetryableError):
            on_retry(exc, delay)

    retrying = AsyncRetrying(
        retry=retry_if_exception_type(RetryableError),
        stop=stop_after_attempt(target.max_attempts) | stop_after_delay(target.max_retry_time_s),
        wait=_wait(target),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        async for state in retrying:
            with state:
                tally.count += 1
                result = await attempt()
    except BaseException as exc:
        exc.attempts = tally  # type: ignore[attr-defined]
        raise
    return result, tally


__all__ = ["Attempts", "call_with_retries"]
