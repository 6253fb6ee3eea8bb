"""The fan-out: per-target worker pools that request, grade and append records.

Each target gets ``max_concurrency`` workers pulling from its own queue (a
coroutine per item would put tens of thousands of tasks on the loop at once),
its own connection pool, admission limits and, when simulated, its own
simulator process. A 401/402/404 stops that target's workers at once: the
remaining items stay unrecorded so that a resume, after the key or model is
fixed, runs them.

Any other failure stays with its item: a request error is recorded with its
kind, and an exception that is no request error (a bug) is recorded as
``internal_error``, naming the exception and
where it was raised. One item never stops the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from evalkit.client import Completion, estimate_prompt_tokens
from evalkit.client.capabilities import Capabilities
from evalkit.clientload import ClientLoad, ClientLoadMonitor
from evalkit.config import Config, TargetConfig
from evalkit.errors import RateLimitError, RequestError, RetryableError, TargetFatalError
from evalkit.graders import GradeItem, grade
from evalkit.runfolder import ErrorInfo, Record, RecordWriter, utc_now
from evalkit.runner.budget import CostBudget, CostLimitReached
from evalkit.runner.estimate import estimate_body
from evalkit.runner.grading import BuiltGraders
from evalkit.runner.plan import WorkItem
from evalkit.runner.probe import (
    features_of,
    learn_from_error,
    probe_runtime,
    remember_window,
    request_for,
)
from evalkit.runner.retry import Attempts, Failed, Retrier
from evalkit.runner.setup import Prepared
from evalkit.runner.targets import JudgePool, TargetRuntime, open_targets

START_BATCH = 32
"""Workers started per turn of the event loop."""

_INTERNAL_TEXT = 500  # characters of an unexpected exception's text kept in its record


@dataclass
class Tally:
    """Live counts for the progress display."""

    done: int = 0
    ok: int = 0
    errors: int = 0
    passed: int = 0
    retries: int = 0
    grader_errors: int = 0  # records with a score a grader failed to make
    skipped: int = 0  # items never sent: the endpoint lacks a feature they need


@dataclass
class Outcome:
    """How a run's execution ended."""

    planned: int
    written: int
    aborted: dict[str, str] = field(default_factory=dict)
    grader_errors: int = 0
    cost_limit_reached: bool = False  # stopped sending at the budget's limit (--max-cost)
    client_load: ClientLoad | None = None
    """The client's own CPU and event-loop lag while the requests ran."""
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)  # target -> findings


class _ItemFields(TypedDict):
    """The record fields every outcome has: which item it was, when, and what it took."""

    run_id: str
    target: str
    model: str
    suite: str
    sample_id: str
    epoch: int
    started_at: str
    queue_s: float
    attempts: int
    retry_wait_s: float
    tags: list[str]
    cluster: str | None


def _item_fields(
    item: WorkItem,
    run_id: str,
    target: TargetConfig,
    started_at: str,
    queue_s: float,
    attempts: Attempts,
) -> _ItemFields:
    return _ItemFields(
        run_id=run_id,
        target=item.target,
        model=target.model,
        suite=item.suite,
        sample_id=item.sample.id,
        epoch=item.epoch,
        started_at=started_at,
        queue_s=queue_s,
        attempts=attempts.count,
        retry_wait_s=attempts.waited_s,
        tags=item.sample.tags,
        cluster=item.sample.cluster,
    )


@contextlib.contextmanager
def frozen_for_collector() -> Iterator[None]:
    """Everything alive now is left alone by the garbage collector until the block ends.

    While a run executes, its samples, graders and plan live on: a full
    collection would walk them all (half a second at 100,000 samples, a stall
    of the event loop with requests in flight). What the run makes meanwhile
    is collected as usual. Nothing is frozen if someone else already froze
    objects: ``unfreeze`` would thaw theirs too.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class Executor:
    """Runs a prepared plan against its targets, writing one record per item."""

    def __init__(
        self,
        prepared: Prepared,
        config: Config,
        writer: RecordWriter,
        *,
        on_record: Callable[[Record, Tally], None] | None = None,
        budget: CostBudget | None = None,
        probe: bool = False,
        refresh_probe: bool = False,
        on_probe: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.prepared = prepared
        self.budget = budget
        self.config = config
        self.writer = writer
        self.on_record = on_record
        # The capability probe (evalkit.runner.probe) of each real target before its
        # first item; on_probe(target, findings) is told what it found.
        self.probe = probe
        self.refresh_probe = refresh_probe
        self.on_probe = on_probe
        self.probes: dict[str, dict[str, Any]] = {}
        self.tally = Tally()
        self.runtimes: dict[str, TargetRuntime] = {}
        self._stack = contextlib.AsyncExitStack()
        self._judges = JudgePool(config, self._stack)

    async def _one(
        self, item: WorkItem, rt: TargetRuntime, retrier: Retrier, graders: BuiltGraders
    ) -> Record:
        target = rt.target
        body, skip = request_for(rt, item.sample)
        if body is None:
            return Record(
                **_item_fields(
                    item, self.prepared.manifest.run_id, target, utc_now(), 0.0, Attempts(count=0)
                ),
                status="skipped",
                skip_reason=skip,
            )
        admission = rt.admission
        tokens: int | None = None
        queue_s = 0.0
        started_at = ""
        throttled = 0

        async def attempt() -> Completion:
            nonlocal queue_s, started_at, throttled, tokens
            if tokens is None:
                # Estimated only for a token quota (configured or announced): it costs a
                # pass over the messages.
                tokens = 0
                if admission.counts_tokens:
                    tokens = estimate_prompt_tokens(item.sample.messages) + int(
                        body.get("max_tokens") or 0
                    )
            t0 = time.perf_counter()
            ticket = await admission.admit(tokens)
            queue_s += time.perf_counter() - t0
            started_at = started_at or utc_now()
            try:
                if rt.local is not None:
                    comp = await rt.local.complete(rt.client, body)
                else:
                    comp = await rt.client.complete(body)
            except RateLimitError:
                throttled += 1
                admission.done(ticket, throttled=True)
                raise
            except BaseException:
                admission.done(ticket, throttled=False)
                raise
            admission.done(ticket, throttled=False, hint=comp.rate_limit)
            return comp

        outcome = await retrier.run(attempt)
        run_id = self.prepared.manifest.run_id
        if isinstance(outcome, Failed):
            exc = outcome.error
            if isinstance(exc, TargetFatalError):
                raise exc
            if rt.capabilities is not None and learn_from_error(rt.capabilities, exc):
                # Later items too long for it are skipped, in this run and the next ones.
                remember_window(target, rt.capabilities)
                self._tell_probe(target.name, rt.capabilities)
            base = _item_fields(
                item, run_id, target, started_at or utc_now(), queue_s, outcome.attempts
            )
            return Record(
                **base,
                throttled=throttled,
                status="error",
                error=ErrorInfo(type=exc.kind, message=exc.message),
                http_status=exc.http_status,
            )
        comp = outcome.value
        base = _item_fields(item, run_id, target, started_at, queue_s, outcome.attempts)
        scores = await grade(
            graders,
            GradeItem(
                item.sample, comp.text, comp.tool_calls, comp.finish_reason, self._judges.complete
            ),
        )
        if any(s.details and s.details.get("reason") == "grader_error" for s in scores):
            self.tally.grader_errors += 1
        primary = scores[0] if scores else None
        # Validated, not model_construct: pydantic's validation of these
        # already-typed values (about 4.5 us a record) is faster than its
        # pure-Python model_construct (about 7.7 us), and mypy checks the names.
        return Record(
            **base,
            throttled=throttled,
            status="ok",
            http_status=comp.http_status,
            ttft_s=comp.ttft_s,
            e2e_s=comp.e2e_s,
            tpot_s=comp.tpot_s,
            itl_s=comp.itl,
            output_tps=comp.completion_tokens / comp.e2e_s if comp.e2e_s > 0 else None,
            prompt_tokens=comp.prompt_tokens,
            completion_tokens=comp.completion_tokens,
            tokens_source=comp.tokens_source,
            cost_usd=target.cost_usd(comp.prompt_tokens, comp.completion_tokens),
            output=comp.text,
            tool_calls=comp.tool_calls or None,
            finish_reason=comp.finish_reason,
            scores=scores,
            score=primary.score if primary else None,
            passed=primary.passed if primary else False,
        )

    async def _worker(self, queue: asyncio.Queue[WorkItem], rt: TargetRuntime) -> None:
        graders = self.prepared.graders

        def on_retry(exc: RetryableError, delay: float) -> None:
            self.tally.retries += 1
            if isinstance(exc, RateLimitError) and exc.retry_after:
                # Never longer than this item's own wait, which the retry
                # budget bounds: one 429 asking for an hour must not freeze
                # the whole target (the item that got it gives up instead).
                rt.admission.cool_down(min(exc.retry_after, delay))

        retrier = Retrier(rt.retry, on_retry)  # the worker's own: it runs one item at a time
        while rt.aborted is None:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            reserved = 0.0
            if self.budget is not None:
                try:
                    body = rt.client.build_body(item.sample)
                    reserved = self.budget.reserve(estimate_body(body, rt.target).cost_usd)
                except CostLimitReached:
                    return  # the item stays unrecorded: a resume with a higher limit sends it
            try:
                record = await self._one(item, rt, retrier, graders.for_sample(item.sample))
            except TargetFatalError as exc:
                if self.budget is not None:
                    self.budget.settle(reserved, None)
                if rt.aborted is None:
                    rt.aborted = exc.message  # names the status and the provider's error text
                return
            except Exception as exc:  # a bug in one item must not stop the run
                record = self._internal_error(item, rt, exc)
            if self.budget is not None:
                self.budget.settle(reserved, record.cost_usd)
            # Every value a record holds is typed or made JSON-safe (grader details,
            # lone surrogates), so writing it cannot fail on content.
            self.writer.write(record)
            self._count(record)
            if self.on_record is not None:
                self.on_record(record, self.tally)

    def _internal_error(self, item: WorkItem, rt: TargetRuntime, exc: Exception) -> Record:
        """The record of an item that raised something other than a request error."""
        where = ""
        frames = traceback.extract_tb(exc.__traceback__)
        if frames:
            where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})"
        text = f"{type(exc).__name__}: {exc}"[:_INTERNAL_TEXT] + where
        base = _item_fields(
            item, self.prepared.manifest.run_id, rt.target, utc_now(), 0.0, Attempts()
        )
        return Record(
            **base,
            status="error",
            error=ErrorInfo(type="internal_error", message=rt.client.scrub(text)),
        )

    def _count(self, record: Record) -> None:
        t = self.tally
        t.done += 1
        if record.status == "ok":
            t.ok += 1
            t.passed += record.passed
        elif record.status == "skipped":
            t.skipped += 1
        else:
            t.errors += 1

    def _tell_probe(self, name: str, found: Capabilities | str) -> None:
        dumped = found.model_dump() if isinstance(found, Capabilities) else {"error": found}
        self.probes[name] = dumped
        if self.on_probe is not None:
            self.on_probe(name, dumped)

    async def _probe(self, rt: TargetRuntime, items: list[WorkItem]) -> None:
        """Probe a real target for what its items need; a target that fails it stays unprobed."""
        name = rt.target.name
        bodies = (rt.client.build_body(i.sample) for i in items if i.target == name)
        try:
            rt.capabilities = await probe_runtime(
                rt, features_of(bodies), refresh=self.refresh_probe
            )
        except RequestError as exc:
            # Its items are sent as they are and fail the same way, as they would unprobed.
            self._tell_probe(name, f"probe failed: {exc.message}")
            return
        self._tell_probe(name, rt.capabilities)

    async def run(self, items: list[WorkItem]) -> Outcome:
        """Run every item; returns when all are recorded or their targets aborted."""
        async with self._stack:
            self.runtimes = await open_targets(
                self._stack, self.prepared.targets, self.prepared.run_dir
            )
            queues: dict[str, asyncio.Queue[WorkItem]] = {}
            for target in self.prepared.targets:
                if self.probe and not target.simulated:
                    await self._probe(self.runtimes[target.name], items)
                queues[target.name] = asyncio.Queue()
            for item in items:
                queues[item.target].put_nowait(item)
            monitor = ClientLoadMonitor()
            monitor.start()
            try:
                async with asyncio.TaskGroup() as group:
                    started = 0
                    for name, queue in queues.items():
                        rt = self.runtimes[name]
                        for _ in range(min(rt.target.max_concurrency, queue.qsize())):
                            group.create_task(self._worker(queue, rt))
                            started += 1
                            if started % START_BATCH == 0:
                                # A thousand first requests built in one turn of the
                                # loop would stall it (and every stream read) ~0.1 s.
                                await asyncio.sleep(0)
            finally:
                client_load = await monitor.stop()
        aborted = {n: rt.aborted for n, rt in self.runtimes.items() if rt.aborted}
        return Outcome(
            planned=len(items),
            written=self.tally.done,
            aborted=aborted,
            grader_errors=self.tally.grader_errors,
            cost_limit_reached=self.budget is not None and self.budget.reached,
            client_load=client_load,
            probes=dict(self.probes),
        )


__all__ = ["START_BATCH", "Executor", "Outcome", "Tally", "frozen_for_collector"]
