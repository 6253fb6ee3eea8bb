"""The retry policy: what is retried, how long it waits, when it gives up."""

from __future__ import annotations

import asyncio
import gc
import math
import time
from typing import Any

import pytest

from evalkit.config import TargetConfig
from evalkit.errors import (
    BadRequestError,
    RateLimitedError,
    RateLimitError,
    RetryableError,
    ServerError,
)
from evalkit.runner.retry import (
    Attempts,
    Failed,
    Retrier,
    RetryPolicy,
    Succeeded,
    call_with_retries,
)


def target(**kw: object) -> TargetConfig:
    base: dict[str, object] = {
        "name": "t",
        "base_url": "http://x",
        "model": "m",
        "backoff_initial_s": 0.001,
        "backoff_max_s": 0.01,
        "max_attempts": 5,
    }
    return TargetConfig.model_validate({**base, **kw})


class Flaky:
    """Fails with the given errors in turn, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def answered(fn: Flaky, policy: RetryPolicy, **kw: Any) -> Succeeded[str]:
    outcome = await call_with_retries(fn, policy, **kw)
    assert isinstance(outcome, Succeeded), outcome
    return outcome


async def failed(fn: Flaky, policy: RetryPolicy) -> Failed:
    outcome = await call_with_retries(fn, policy)
    assert isinstance(outcome, Failed), outcome
    return outcome


async def test_success_first_time_is_one_attempt() -> None:
    done = await answered(Flaky(), RetryPolicy(target()))
    assert done.value == "ok" and done.attempts.count == 1 and done.attempts.waited_s == 0


async def test_retryable_errors_are_retried_and_counted() -> None:
    seen: list[tuple[str, float]] = []
    fn = Flaky(ServerError("503"), ServerError("500"))
    done = await answered(
        fn, RetryPolicy(target()), on_retry=lambda e, d: seen.append((e.message, d))
    )
    assert done.value == "ok" and done.attempts.count == fn.calls == 3
    assert [m for m, _ in seen] == ["503", "500"]
    assert done.attempts.waited_s == pytest.approx(sum(d for _, d in seen))


async def test_retry_after_is_a_floor_for_the_wait() -> None:
    fn = Flaky(RateLimitError("429", retry_after=0.3))
    t0 = time.monotonic()
    done = await answered(fn, RetryPolicy(target()))
    assert time.monotonic() - t0 >= 0.3
    assert done.attempts.count == 2 and done.attempts.waited_s >= 0.3


async def test_final_errors_are_not_retried() -> None:
    fn = Flaky(BadRequestError("400"))
    gave_up = await failed(fn, RetryPolicy(target()))
    assert isinstance(gave_up.error, BadRequestError)
    assert fn.calls == 1 and gave_up.attempts.count == 1 and gave_up.attempts.waited_s == 0


async def test_attempts_are_bounded_and_the_last_error_is_kept() -> None:
    fn = Flaky(*(ServerError(f"e{i}") for i in range(10)))
    gave_up = await failed(fn, RetryPolicy(target(max_attempts=4)))
    assert isinstance(gave_up.error, RetryableError)
    assert fn.calls == 4 and gave_up.error.message == "e3"
    assert gave_up.attempts.count == 4 and gave_up.attempts.waited_s > 0


async def test_total_retry_time_is_bounded() -> None:
    fn = Flaky(*(ServerError("503") for _ in range(1000)))
    policy = RetryPolicy(target(max_attempts=1000, max_retry_time_s=0.3, backoff_max_s=0.05))
    t0 = time.monotonic()
    gave_up = await failed(fn, policy)
    assert time.monotonic() - t0 < 0.3 + 0.1  # no wait reached past the budget
    assert isinstance(gave_up.error, ServerError)
    assert gave_up.attempts.count == fn.calls > 3


async def test_retry_after_within_the_budget_is_honoured_then_the_item_gives_up() -> None:
    fn = Flaky(*(RateLimitError("HTTP 429", retry_after=0.2, http_status=429) for _ in range(10)))
    t0 = time.monotonic()
    gave_up = await failed(fn, RetryPolicy(target(max_attempts=50, max_retry_time_s=0.3)))
    # Slept 0.2 s once; the second 0.2 s no longer fitted in what was left.
    assert 0.2 <= time.monotonic() - t0 < 0.3
    assert fn.calls == 2 and gave_up.attempts.count == 2
    assert isinstance(gave_up.error, RateLimitedError) and gave_up.error.kind == "rate_limited"
    assert gave_up.error.retry_after == 0.2 and gave_up.error.http_status == 429
    assert "asked to wait 0.2 s" in gave_up.error.message
    assert "max_retry_time_s = 0.3" in gave_up.error.message


@pytest.mark.parametrize(
    ("retry_after", "shown"),
    [(3600.0, "3600 s"), (1e12, "1e+12 s"), (99999.999, "99999.999 s"), (math.inf, "inf s")],
)
async def test_a_retry_after_past_the_budget_ends_the_item_at_once(
    retry_after: float, shown: str
) -> None:
    seen: list[float] = []
    fn = Flaky(RateLimitError("HTTP 429", retry_after=retry_after, http_status=429))
    t0 = time.monotonic()
    outcome = await call_with_retries(
        fn, RetryPolicy(target(max_retry_time_s=600)), on_retry=lambda e, d: seen.append(d)
    )
    assert time.monotonic() - t0 < 1  # not slept, not even up to the budget
    assert isinstance(outcome, Failed) and isinstance(outcome.error, RateLimitedError)
    assert fn.calls == 1 and seen == [] and outcome.attempts.waited_s == 0
    assert f"asked to wait {shown}" in outcome.error.message
    assert "s left of this item's retry budget (max_retry_time_s = 600)" in outcome.error.message


async def test_a_long_retry_after_on_a_503_ends_the_item_too() -> None:
    fn = Flaky(ServerError("HTTP 503", retry_after=3600, http_status=503))
    gave_up = await failed(fn, RetryPolicy(target()))
    assert isinstance(gave_up.error, RateLimitedError) and gave_up.error.http_status == 503
    assert fn.calls == 1


async def test_nan_or_negative_retry_after_is_ignored() -> None:
    fn = Flaky(RateLimitError("429", retry_after=math.nan), RateLimitError("429", retry_after=-5.0))
    done = await answered(fn, RetryPolicy(target()))
    assert done.attempts.count == 3 and done.attempts.waited_s < 0.1


async def test_attempts_run_out_before_the_budget_keep_the_servers_error() -> None:
    fn = Flaky(*(RateLimitError("429", retry_after=0.01) for _ in range(3)))
    gave_up = await failed(fn, RetryPolicy(target(max_attempts=3)))
    assert type(gave_up.error) is RateLimitError and fn.calls == 3


async def test_other_exceptions_propagate_as_they_are() -> None:
    fn = Flaky(KeyError("a bug, not a request error"))
    with pytest.raises(KeyError):
        await call_with_retries(fn, RetryPolicy(target()))
    assert fn.calls == 1


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    policy = RetryPolicy(target(backoff_initial_s=1.0, backoff_max_s=8.0))

    class State:
        def __init__(self, n: int) -> None:
            self.attempt_number = n
            self.outcome = None
            self.seconds_since_start = 0.0

    waits = [policy.wait(State(n)) for n in range(1, 7)]  # type: ignore[arg-type]
    for n, w in enumerate(waits, start=1):
        ceiling = min(8.0, 2 ** (n - 1))
        assert ceiling / 2 <= w <= ceiling
    # Thousands of attempts (max_attempts has no upper bound) still wait at most the cap.
    assert 4.0 <= policy.wait(State(5000)) <= 8.0  # type: ignore[arg-type]


async def test_a_retrier_counts_each_call_on_its_own() -> None:
    retrier = Retrier(RetryPolicy(target()))
    first = await retrier.run(Flaky(ServerError("503"), ServerError("503")))
    second = await retrier.run(Flaky())
    third = await retrier.run(Flaky(BadRequestError("400")))
    assert isinstance(first, Succeeded) and first.attempts.count == 3
    assert first.attempts.waited_s > 0
    assert isinstance(second, Succeeded) and second.attempts == Attempts(1, 0.0)
    assert isinstance(third, Failed) and third.attempts == Attempts(1, 0.0)


async def test_a_retrier_refuses_a_second_call_at_the_same_time() -> None:
    retrier = Retrier(RetryPolicy(target()))
    gate = asyncio.Event()

    async def slow() -> str:
        await gate.wait()
        return "ok"

    first = asyncio.create_task(retrier.run(slow))
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="one call at a time"):
        await retrier.run(Flaky())
    gate.set()
    assert isinstance(await first, Succeeded)
    assert isinstance(await retrier.run(Flaky()), Succeeded)  # free again


async def test_a_reused_retrier_leaves_no_garbage_cycles() -> None:
    # What reusing it is for: a controller built per request refers to itself,
    # so each one waits for the cyclic garbage collector.
    retrier = Retrier(RetryPolicy(target()))
    await retrier.run(Flaky())
    gc.collect()
    gc.disable()
    try:
        for _ in range(50):
            await retrier.run(Flaky())
        reused = gc.collect()
        for _ in range(50):
            await call_with_retries(Flaky(), RetryPolicy(target()))
        fresh = gc.collect()
    finally:
        gc.enable()
    assert reused == 0
    assert fresh >= 50  # the measure sees cycles where there are some
