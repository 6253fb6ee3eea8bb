"""A started run: execute its plan, close it, write its outputs; and how it ended.

``Job`` is what ``run`` and ``run_async`` share once the run folder is ready
and the plan made; ``RunResult`` is what they return.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol

from evalkit.clientload import ClientLoad
from evalkit.config import Config
from evalkit.errors import ConfigError, RunFolderError, StorageError
from evalkit.lifecycle.outputs import Outputs, render_dir
from evalkit.runfolder import (
    Record,
    RecordWriter,
    RunLock,
    read_manifest,
    utc_now,
    write_manifest,
)
from evalkit.runner import Prepared, WorkItem
from evalkit.runner.budget import CostBudget
from evalkit.runner.grading import GraderCache
from evalkit.runner.progress import PROGRESS_STYLES, make_progress
from evalkit.runner.run import Executor, Outcome, Tally, frozen_for_collector

if TYPE_CHECKING:
    from evalkit.report.gate import Breach

RunStatus = Literal["finished", "interrupted", "aborted", "cost_limit", "failed"]

COST_LIMIT_EXIT = 3
"""The exit code of a run stopped at its cost limit (``--max-cost``): resumable."""


class Progress(Protocol):
    """A live display of a run: entered around the execution, told of every record."""

    def __enter__(self) -> object: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def update(self, record: Record, tally: Tally) -> None: ...


ProgressFactory = Callable[[int], Progress]
"""Makes a run's display from the number of requests it will make (``PlainProgress`` fits)."""

ProgressChoice = bool | str | ProgressFactory | None
"""``run``'s ``progress``: a style name, True ("auto"), False ("none"), a factory, or None."""


@dataclass(frozen=True, eq=False)
class RunResult:
    """How a run ended: its folder, status, exit code, counts and outputs."""

    run_dir: Path
    run_id: str
    status: RunStatus
    exit_code: int
    """The command line's code: 0 ok, 1 the gate failed (errors or a regression), 2 a target
    stopped, 3 the cost limit stopped the run, 130 interrupted. (A run that cannot write its
    folder raises ``StorageError`` instead: the command's code 4.)"""
    planned: int
    """Requests this call set out to make (on resume: what was left)."""
    written: int
    """Records this call appended."""
    already_recorded: int
    """Records the folder held before this call (a resumed run)."""
    retried: int
    """Error records dropped so that this call makes them again (``retry_errors``)."""
    aborted: dict[str, str]
    """Targets stopped for good (401, 402, 404) with the reason; resume once they are fixed."""
    grader_errors: int
    """Records with a score a grader failed to make (scored 0, details.reason = grader_error)."""
    outputs: Outputs
    """The files written, the records as a DataFrame, and the gate's verdict."""
    max_cost: float | None = None
    """The cost limit this call ran under (US dollars), if any."""
    spent_usd: float | None = None
    """With a cost limit: what the run's records cost, earlier sessions included."""
    client_load: ClientLoad | None = None
    """The client's own CPU and event-loop lag during the requests (``limit()`` says
    whether the client, not the endpoint, held the latencies up)."""

    @property
    def breaches(self) -> list[Breach]:
        """Why the gate failed: too many errors, a target with no answer, a regression."""
        return self.outputs.breaches


def mark_stopped(run_dir: Path, status: RunStatus, failure: str | None = None) -> None:
    """Write run.json's final status (and why, as a note); best effort.

    A disk that refuses even this leaves "running", which resumes all the same.
    """
    with contextlib.suppress(StorageError, RunFolderError, OSError):
        manifest = read_manifest(run_dir)
        now = utc_now()
        notes = [*manifest.notes, f"{status} at {now}: {failure}"] if failure else manifest.notes
        update = {"status": status, "finished_at": now, "notes": notes}
        write_manifest(run_dir, manifest.model_copy(update=update))


def _first_leaf(group: BaseExceptionGroup[Any]) -> BaseException:
    exc = group.exceptions[0]
    return _first_leaf(exc) if isinstance(exc, BaseExceptionGroup) else exc


@dataclass
class Job:
    """A started run: its folder is ready and locked, and its plan made.

    ``noop`` is a resume of a run that had already finished with nothing
    left to do: nothing is sent and run.json is left as it was; ``finish``
    writes the outputs (and gates them) again.
    """

    prepared: Prepared
    config: Config
    items: list[WorkItem]
    already: int
    retried: int
    baseline_dir: Path | None
    html: bool
    lock: RunLock
    noop: bool = False
    echo: Callable[[str], None] | None = None
    """Told of each step of writing the outputs (the CLI prints them; None: quiet)."""
    max_cost: float | None = None
    """Stop sending before the run's cost would pass this (US dollars); None: no limit."""
    spent_before: float = 0.0
    """What the run's records cost before this call (a resumed run)."""
    executor: Executor | None = None
    probe: bool = True  # probe real targets first; items they cannot take are skipped
    refresh_probe: bool = False

    async def execute(self, display: Progress) -> Outcome:
        """Make the planned requests, appending each record; ``display`` is told of each.

        ``StorageError`` (not a group of them) when records cannot be written.
        """
        budget = None
        if self.max_cost is not None:
            budget = CostBudget(self.max_cost, spent=self.spent_before)
        try:
            with frozen_for_collector(), RecordWriter(self.prepared.run_dir) as writer:
                self.executor = Executor(
                    self.prepared,
                    self.config,
                    writer,
                    on_record=display.update,
                    budget=budget,
                    probe=self.probe,
                    refresh_probe=self.refresh_probe,
                    on_probe=self.record_probe,
                )
                return await self.executor.run(self.items)
        except BaseExceptionGroup as group:
            # A full disk fails one worker's write, and the task group cancels the rest.
            storage = group.subgroup(StorageError)
            if storage is not None:
                raise _first_leaf(storage) from None
            raise

    def record_probe(self, target: str, found: dict[str, Any]) -> None:
        """Keep a target's probe findings in run.json as soon as they are known."""
        run_dir = self.prepared.run_dir
        manifest = read_manifest(run_dir)
        probes = {**manifest.probes, target: found}
        write_manifest(run_dir, manifest.model_copy(update={"probes": probes}))

    def close(
        self, status: RunStatus, aborted: dict[str, str], client_load: ClientLoad | None = None
    ) -> None:
        """Write run.json's final status: what a resume and the report read."""
        run_dir = self.prepared.run_dir
        update = {
            "status": status,
            "finished_at": utc_now(),
            "aborted": aborted,
            "client_load": client_load,
        }
        write_manifest(run_dir, read_manifest(run_dir).model_copy(update=update))

    def fail(self, exc: BaseException) -> None:
        """Record in run.json why the run stopped ("failed"), if it can; release the folder."""
        run_dir = self.prepared.run_dir
        try:
            reason = str(exc) if isinstance(exc, StorageError) else f"{type(exc).__name__}: {exc}"
            mark_stopped(run_dir, "failed", reason)
        finally:
            self.lock.release()
        if isinstance(exc, StorageError):
            exc.add_note(
                "the records written so far are intact; once there is room: "
                f"evalkit run --resume {run_dir}"
            )

    def _release(self) -> None:
        """Let go of the samples, the plan and the executor once the requests are done.

        A 100,000-sample run holds a few hundred megabytes of them; the
        outputs, which load the records, then reuse that memory instead of
        adding to it.
        """
        self.items = []
        self.executor = None
        self.prepared = dataclasses.replace(
            self.prepared, suites=[], graders=GraderCache(self.config)
        )
        gc.collect()

    def finish(self, outcome: Outcome | None) -> RunResult:
        """Close the run (``outcome`` None: interrupted), write its outputs, gate it.

        Only a finished run is gated: an interrupted or stopped one is partial
        (its outputs say so), and its verdict would be about missing records.
        """
        try:
            return self._finish(outcome)
        finally:
            self.lock.release()

    def _finish(self, outcome: Outcome | None) -> RunResult:
        aborted = outcome.aborted if outcome is not None else {}
        status: RunStatus = "finished"
        if outcome is None and not self.noop:
            status = "interrupted"
        elif aborted:
            status = "aborted"
        elif outcome is not None and outcome.cost_limit_reached:
            status = "cost_limit"
        client_load = outcome.client_load if outcome is not None else None
        if not self.noop:
            try:
                self.close(status, aborted, client_load)
            except KeyboardInterrupt:
                mark_stopped(self.prepared.run_dir, "interrupted")  # not left "running"
                raise
        run_dir = self.prepared.run_dir
        tally = self.executor.tally if self.executor is not None else Tally()
        budget = self.executor.budget if self.executor is not None else None
        planned = len(self.items)
        self._release()
        try:
            outputs = render_dir(
                run_dir,
                self.config.gate,
                # Only a finished run is gated: the others are partial, and a verdict
                # on them would judge the items they are missing.
                baseline_dir=self.baseline_dir if status == "finished" else None,
                html=self.html,
                echo=self.echo,
            )
        except (KeyboardInterrupt, StorageError) as exc:
            exc.add_note(
                f"the records of run {run_dir.name} are all written; "
                f"evalkit report {run_dir} writes its outputs"
            )
            raise
        codes = {"interrupted": 130, "aborted": 2, "cost_limit": COST_LIMIT_EXIT}
        code = codes.get(status, outputs.exit_code)
        return RunResult(
            run_dir=run_dir,
            run_id=self.prepared.manifest.run_id,
            status=status,
            exit_code=code,
            planned=planned,
            written=tally.done,
            already_recorded=self.already,
            retried=self.retried,
            aborted=aborted,
            grader_errors=tally.grader_errors,
            outputs=outputs,
            max_cost=self.max_cost,
            spent_usd=budget.spent if budget is not None else None,
            client_load=client_load,
        )


def check_progress(progress: ProgressChoice) -> None:
    """ConfigError for a ``progress`` string that names no style (before anything is made)."""
    if isinstance(progress, str) and progress not in PROGRESS_STYLES:
        choices = ", ".join(PROGRESS_STYLES)
        raise ConfigError(f"progress: expected one of {choices}, got {progress!r}")


def make_display(progress: ProgressChoice, total: int, config: Config) -> Progress:
    """The display ``progress`` asks for (see ``run``) for a run of ``total`` requests.

    None takes ``[run] progress`` of the config; True is "auto", False "none".
    """
    if progress is None:
        progress = config.run.progress
    elif isinstance(progress, bool):
        progress = "auto" if progress else "none"
    if isinstance(progress, str):
        check_progress(progress)
        style = next(s for s in PROGRESS_STYLES if s == progress)
        return make_progress(style, total, interval_s=config.run.progress_interval_s)
    return progress(total)


__all__ = [
    "COST_LIMIT_EXIT",
    "Job",
    "Progress",
    "ProgressChoice",
    "ProgressFactory",
    "RunResult",
    "RunStatus",
    "check_progress",
    "make_display",
    "mark_stopped",
]
