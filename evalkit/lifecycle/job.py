"""A started run: execute its plan, close it, write its outputs; and how it ended.

``Job`` is what ``run`` and ``run_async`` share once the run folder is ready
and the plan made; ``RunResult`` is what they return.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol

from evalkit.config import Config
from evalkit.lifecycle.outputs import Outputs, render_dir
from evalkit.runfolder import Record, RecordWriter, read_manifest, utc_now, write_manifest
from evalkit.runner import Prepared, WorkItem
from evalkit.runner.progress import RunProgress
from evalkit.runner.run import Executor, Outcome, Tally

if TYPE_CHECKING:
    from evalkit.report.gate import Breach

RunStatus = Literal["finished", "interrupted", "aborted"]


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
"""Makes a run's display from the number of requests it will make (``RunProgress`` fits)."""


@dataclass(frozen=True, eq=False)
class RunResult:
    """How a run ended: its folder, status, exit code, counts and outputs."""

    run_dir: Path
    run_id: str
    status: RunStatus
    exit_code: int
    """The command line's code: 0 ok, 1 the gate failed, 2 a target stopped, 130 interrupted."""
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

    @property
    def breaches(self) -> list[Breach]:
        """Why the gate failed (empty when it passed or there was no baseline)."""
        return self.outputs.breaches


@dataclass
class Job:
    """A started run: its folder is ready and its plan made."""

    prepared: Prepared
    config: Config
    items: list[WorkItem]
    already: int
    retried: int
    baseline_dir: Path | None
    html: bool
    executor: Executor | None = None
    probe: bool = True  # probe real targets first; items they cannot take are skipped
    refresh_probe: bool = False

    async def execute(self, display: Progress) -> Outcome:
        """Make the planned requests, appending each record; ``display`` is told of each."""
        with RecordWriter(self.prepared.run_dir) as writer:
            self.executor = Executor(
                self.prepared,
                self.config,
                writer,
                on_record=display.update,
                probe=self.probe,
                refresh_probe=self.refresh_probe,
                on_probe=self.record_probe,
            )
            return await self.executor.run(self.items)

    def record_probe(self, target: str, found: dict[str, Any]) -> None:
        """Keep a target's probe findings in run.json as soon as they are known."""
        run_dir = self.prepared.run_dir
        manifest = read_manifest(run_dir)
        probes = {**manifest.probes, target: found}
        write_manifest(run_dir, manifest.model_copy(update={"probes": probes}))

    def close(self, status: RunStatus, aborted: dict[str, str]) -> None:
        """Write run.json's final status: what a resume and the report read."""
        run_dir = self.prepared.run_dir
        update = {"status": status, "finished_at": utc_now(), "aborted": aborted}
        write_manifest(run_dir, read_manifest(run_dir).model_copy(update=update))

    def finish(self, outcome: Outcome | None) -> RunResult:
        """Close the run (``outcome`` None: interrupted), write its outputs, gate it."""
        aborted = outcome.aborted if outcome is not None else {}
        status: RunStatus = (
            "interrupted" if outcome is None else "aborted" if aborted else "finished"
        )
        self.close(status, aborted)
        outputs = render_dir(
            self.prepared.run_dir,
            self.config.gate,
            baseline_dir=self.baseline_dir,
            html=self.html,
        )
        code = 130 if status == "interrupted" else 2 if status == "aborted" else outputs.exit_code
        tally = self.executor.tally if self.executor is not None else Tally()
        return RunResult(
            run_dir=self.prepared.run_dir,
            run_id=self.prepared.manifest.run_id,
            status=status,
            exit_code=code,
            planned=len(self.items),
            written=tally.done,
            already_recorded=self.already,
            retried=self.retried,
            aborted=aborted,
            grader_errors=tally.grader_errors,
            outputs=outputs,
        )


def make_display(progress: bool | ProgressFactory, total: int) -> Progress:
    """The display ``progress`` asks for (see ``run``) for a run of ``total`` requests."""
    if isinstance(progress, bool):
        return RunProgress(total, enabled=progress and sys.stderr.isatty())
    return progress(total)


__all__ = ["Job", "Progress", "ProgressFactory", "RunResult", "RunStatus", "make_display"]
