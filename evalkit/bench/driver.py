"""Sending one level's requests and timing each: closed loop, or open loop on a schedule.

Every request is one ``ChatClient.complete`` call: no retries (a load test
counts a 429 as a failure, it does not hide it) and the client's own timings
(``sent_at`` just before the HTTP write, then the arrival of every
token-bearing chunk; a role-only chunk is not a token). Times are kept in
seconds from the level's start, so that outcomes from several worker
processes line up.

What each request waited on the client's side is kept, never hidden: an
open-loop request's ``scheduled`` time is its planned arrival, so its
``sent - scheduled`` is the time it queued for a free slot (the concurrency
cap) plus the client's own lateness; a closed-loop request is scheduled when
its slot frees, so the same difference is the client's turnaround between
two requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from evalkit.bench.schedule import Level
from evalkit.client import ChatClient
from evalkit.errors import RequestError, TargetFatalError
from evalkit.types import ItlStats, ToolCall

START_BATCH = 32
"""Closed-loop slots started per turn of the event loop."""


@dataclass(frozen=True, slots=True)
class Job:
    """One request of a level: where it is in the level, what it sends, when (open loop)."""

    seq: int
    suite: str
    sample_id: str
    body: dict[str, Any]
    at: float = 0.0
    """Planned send time in seconds from the level's start (open loop)."""


@dataclass(slots=True)
class Outcome:
    """One request as measured; times in seconds from the level's start."""

    seq: int
    suite: str
    sample_id: str
    scheduled: float
    sent: float
    done: float
    ok: bool
    error_kind: str | None = None
    error_message: str | None = None
    http_status: int | None = None
    ttft: float | None = None
    e2el: float | None = None
    """From the send to the last token-bearing chunk (vLLM's E2EL)."""
    tpot: float | None = None
    gaps: list[float] = field(default_factory=list)
    """Inter-token latencies: the gaps between token-bearing chunks."""
    itl: ItlStats | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tokens_source: str | None = None
    finish_reason: str | None = None
    output: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)

    @property
    def queued(self) -> float:
        """Client-side wait before the send: ``sent - scheduled``."""
        return self.sent - self.scheduled


async def _one(client: ChatClient, job: Job, start: float, scheduled: float) -> Outcome:
    called = time.perf_counter()
    try:
        comp = await client.complete(job.body)
    except TargetFatalError:
        raise
    except RequestError as exc:
        return Outcome(
            job.seq,
            job.suite,
            job.sample_id,
            scheduled,
            called - start,
            time.perf_counter() - start,
            ok=False,
            error_kind=exc.kind,
            error_message=exc.message,
            http_status=exc.http_status,
        )
    times = comp.token_times
    return Outcome(
        job.seq,
        job.suite,
        job.sample_id,
        scheduled,
        comp.sent_at - start,
        (times[-1] if times else comp.sent_at + comp.e2e_s) - start,
        ok=True,
        http_status=comp.http_status,
        ttft=comp.ttft_s,
        e2el=comp.e2e_s,
        tpot=comp.tpot_s,
        gaps=[b - a for a, b in pairwise(times)],
        itl=comp.itl,
        prompt_tokens=comp.prompt_tokens,
        completion_tokens=comp.completion_tokens,
        tokens_source=comp.tokens_source,
        finish_reason=comp.finish_reason,
        output=comp.text,
        tool_calls=comp.tool_calls,
    )


@contextlib.asynccontextmanager
async def _first_fatal() -> AsyncIterator[None]:
    """Let a 401/402/404 out of a task group as itself: the whole target stops."""
    try:
        yield
    except* TargetFatalError as group:
        raise group.exceptions[0] from None


async def _sleep_until(deadline: float) -> None:
    delay = deadline - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


async def closed_loop(
    client: ChatClient, jobs: list[Job], slots: int, start: float
) -> list[Outcome]:
    """``slots`` requests in flight until ``jobs`` run out, from ``start`` (a perf_counter time)."""
    await _sleep_until(start)
    out: list[Outcome] = []
    feed: Iterator[Job] = iter(jobs)

    async def slot() -> None:
        scheduled = 0.0  # every slot's first request is due at the start
        for job in feed:
            outcome = await _one(client, job, start, scheduled)
            out.append(outcome)
            scheduled = time.perf_counter() - start

    async with _first_fatal(), asyncio.TaskGroup() as group:
        for k in range(min(slots, len(jobs))):
            group.create_task(slot())
            if (k + 1) % START_BATCH == 0:
                # Hundreds of first requests built in one turn of the loop would
                # stall it; in batches, the wait shows as the later ones' queueing.
                await asyncio.sleep(0)
    return out


async def open_loop(
    client: ChatClient, jobs: list[Job], cap: int | None, start: float
) -> list[Outcome]:
    """Send each job at ``start + job.at`` (at most ``cap`` in flight), come what may."""
    out: list[Outcome] = []
    gate = asyncio.Semaphore(cap) if cap else None

    async def send(job: Job) -> None:
        if gate is None:
            out.append(await _one(client, job, start, job.at))
            return
        async with gate:
            out.append(await _one(client, job, start, job.at))

    async with _first_fatal(), asyncio.TaskGroup() as group:
        for job in jobs:
            await _sleep_until(start + job.at)
            group.create_task(send(job))
    return out


async def drive(client: ChatClient, jobs: list[Job], level: Level, start: float) -> list[Outcome]:
    """Run ``jobs`` at ``level`` from ``start``; outcomes in the order requests ended."""
    if level.closed:
        return await closed_loop(client, jobs, level.concurrency or 1, start)
    return await open_loop(client, jobs, level.concurrency, start)


async def warm_up(client: ChatClient, jobs: list[Job], slots: int) -> list[Outcome]:
    """Send ``jobs`` closed-loop at ``slots`` (connections open, caches warm); not measured."""
    return await closed_loop(client, jobs, slots, time.perf_counter())


__all__ = ["START_BATCH", "Job", "Outcome", "closed_loop", "drive", "open_loop", "warm_up"]
