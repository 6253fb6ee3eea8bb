"""One run from settings to outputs: ``evalkit.run`` and ``evalkit.run_async``.

A run has three steps. Start: the config, the settings and the suites are
checked, the run folder is created (or reopened, on resume) and what is left
to do is planned; nothing is sent unless all of that passed. Execute: the
fan-out, each record appended as soon as it is made. Finish: run.json gets
its final status, the outputs are written and gated, and the outcome becomes
a ``RunResult``.

``run`` owns its event loop and turns Ctrl-C into an interrupted run that a
later ``resume`` finishes. ``run_async`` runs in the caller's loop (a
notebook's) and lets a cancellation through once run.json says the run was
interrupted. Neither installs a signal handler of its own: what SIGTERM means
is the command line's decision.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Protocol

from evalkit.config import Config
from evalkit.errors import ConfigError
from evalkit.lifecycle.inputs import ConfigLike, RunRef, config_of, out_of, run_dir_of
from evalkit.lifecycle.outputs import Outputs, render_dir
from evalkit.records import (
    Record,
    RecordWriter,
    done_keys,
    drop_error_records,
    read_manifest,
    utc_now,
    write_manifest,
)
from evalkit.runner import (
    Prepared,
    RunSettings,
    WorkItem,
    parse_shard,
    plan,
    prepare,
    prepare_resume,
)
from evalkit.runner.progress import RunProgress
from evalkit.runner.run import Executor, Outcome, Tally

if TYPE_CHECKING:
    from evalkit.report.gate import Breach

RunStatus = Literal["finished", "interrupted", "aborted"]
Names = str | Path | Sequence[str | Path] | None
Echo = Callable[[str], None]


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
class _Job:
    """A started run: its folder is ready and its plan made."""

    prepared: Prepared
    config: Config
    items: list[WorkItem]
    already: int
    retried: int
    baseline_dir: Path | None
    html: bool
    executor: Executor | None = None

    async def execute(self, display: Progress) -> Outcome:
        with RecordWriter(self.prepared.run_dir) as writer:
            self.executor = Executor(self.prepared, self.config, writer, on_record=display.update)
            return await self.executor.run(self.items)

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


def _names(value: Names) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | Path):
        return [str(value)]
    return [str(v) for v in value]


def _settings(
    config: Config,
    suites: list[str],
    targets: list[str],
    epochs: int | None,
    limit: int | None,
    shard: str | None,
) -> RunSettings:
    for flag, value in (("epochs", epochs), ("limit", limit)):
        if value is not None and value < 1:
            raise ConfigError(f"--{flag}: must be at least 1, got {value}")
    if shard is not None:
        parse_shard(shard)
    return RunSettings(
        suites=suites or list(config.run.suites),
        targets=list(dict.fromkeys(targets or config.run.targets)),
        epochs=epochs or config.run.epochs,
        limit=limit,
        shard=shard,
    )


def _describe(job: _Job, echo: Echo) -> None:
    m = job.prepared.manifest
    echo(f"run {m.run_id} -> {job.prepared.run_dir}")
    for t in job.prepared.targets:
        kind = "simulated endpoint" if t.simulated else t.base_url
        echo(f"  target {t.name}: {t.model} ({kind})")
    for s in job.prepared.suites:
        echo(f"  suite {s.name}: {len(s.samples)} samples ({s.kind})")
    note = f" ({job.already} already recorded)" if job.already else ""
    echo(f"  {len(job.items)} requests to make{note}")


def _start(
    suites: Names,
    targets: Names,
    *,
    epochs: int | None,
    limit: int | None,
    shard: str | None,
    resume: RunRef | None,
    retry_errors: bool,
    baseline: RunRef | None,
    out: str | Path | None,
    run_id: str | None,
    report: bool,
    config: ConfigLike,
    echo: Echo | None,
    argv: Sequence[str] | None,
) -> _Job:
    """Check everything, create or reopen the run folder, and plan what is left."""
    cfg = config_of(config)
    where = out_of(cfg, out)
    # A mistyped baseline must fail now, not after the whole run.
    baseline_dir = run_dir_of(baseline, where) if baseline is not None else None
    suite_names, target_names = _names(suites), _names(targets)
    retried = 0
    prepared: Prepared
    if resume is not None:
        given = {
            "suites": bool(suite_names),
            "target": bool(target_names),
            "epochs": epochs is not None,
            "limit": limit is not None,
            "shard": shard is not None,
            "run-id": run_id is not None,
        }
        if any(given.values()):
            flags = ", ".join(f"--{name}" for name, on in given.items() if on)
            raise ConfigError(f"--resume repeats the run's own settings; drop {flags}")
        prepared = prepare_resume(cfg, run_dir_of(resume, where))
        if retry_errors:
            retried = drop_error_records(prepared.run_dir)
            if echo is not None:
                echo(f"retrying {retried} item(s) that ended in error")
    else:
        if retry_errors:
            raise ConfigError("--retry-errors goes with --resume RUN")
        settings = _settings(cfg, suite_names, target_names, epochs, limit, shard)
        prepared = prepare(
            cfg, settings, out=where, run_id=run_id, argv=list(argv) if argv is not None else []
        )
    s = prepared.settings
    done = done_keys(prepared.run_dir)
    shard_of = parse_shard(s.shard) if s.shard else None
    items = plan(
        s.targets, prepared.suites, epochs=s.epochs, limit=s.limit, shard=shard_of, done=done
    )
    job = _Job(prepared, cfg, items, len(done), retried, baseline_dir, html=report)
    if echo is not None:
        _describe(job, echo)
    return job


def _display(progress: bool | ProgressFactory, total: int) -> Progress:
    if isinstance(progress, bool):
        return RunProgress(total, enabled=progress and sys.stderr.isatty())
    return progress(total)


def _refuse_running_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        "evalkit.run() cannot start inside a running event loop (a notebook's, say); "
        "use `await evalkit.run_async(...)` there"
    )


def run(
    suites: Names = None,
    targets: Names = None,
    *,
    epochs: int | None = None,
    limit: int | None = None,
    shard: str | None = None,
    resume: RunRef | None = None,
    retry_errors: bool = False,
    baseline: RunRef | None = None,
    out: str | Path | None = None,
    run_id: str | None = None,
    report: bool = True,
    config: ConfigLike = None,
    progress: bool | ProgressFactory = True,
    echo: Echo | None = print,
    argv: Sequence[str] | None = None,
) -> RunResult:
    """Run suites against targets, grade, write the outputs and gate; return the outcome.

    The arguments are ``evalkit run``'s flags. ``suites`` are suite folders,
    manifests or .jsonl files and ``targets`` names from evalkit.toml
    (defaults: ``[run]`` of the config; the built-in ``sim`` needs no
    config). ``resume`` (a run id under ``out`` or a run folder) finishes an
    interrupted run with its own settings; ``retry_errors`` also redoes the
    items that ended in error. ``baseline`` gates the run against another.
    ``report=False`` skips report.html (junit.xml and summary.md are always
    written). ``config`` is a ``Config``, the path of an evalkit.toml, or
    None for ./evalkit.toml if present. ``progress`` is True for a live bar
    when stderr is a terminal, False for none, or a factory called with the
    number of requests. ``echo`` receives the opening lines (run id, folder,
    targets, suites, requests to make); None keeps quiet. ``argv`` is the
    command line recorded in run.json.

    Raises ``InputError`` (``ConfigError``, ``SuiteError``) before any
    request when the config, the settings or a suite is wrong. Ctrl-C ends
    the run as ``status == "interrupted"`` (exit code 130), resumable.
    Inside a running event loop use ``run_async``.
    """
    _refuse_running_loop()
    job = _start(
        suites,
        targets,
        epochs=epochs,
        limit=limit,
        shard=shard,
        resume=resume,
        retry_errors=retry_errors,
        baseline=baseline,
        out=out,
        run_id=run_id,
        report=report,
        config=config,
        echo=echo,
        argv=argv,
    )
    display = _display(progress, len(job.items))
    outcome = None
    try:
        with display:
            outcome = asyncio.run(job.execute(display))
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass  # the run is closed as interrupted; a resume finishes it
    return job.finish(outcome)


async def run_async(
    suites: Names = None,
    targets: Names = None,
    *,
    epochs: int | None = None,
    limit: int | None = None,
    shard: str | None = None,
    resume: RunRef | None = None,
    retry_errors: bool = False,
    baseline: RunRef | None = None,
    out: str | Path | None = None,
    run_id: str | None = None,
    report: bool = True,
    config: ConfigLike = None,
    progress: bool | ProgressFactory = True,
    echo: Echo | None = print,
    argv: Sequence[str] | None = None,
) -> RunResult:
    """``run`` in the running event loop, for notebooks: ``await evalkit.run_async(...)``.

    Same arguments and result as ``run``. Loading suites and writing the
    outputs happen in a worker thread so that the loop stays responsive.
    When the awaiting task is cancelled, run.json is marked interrupted (a
    ``resume`` finishes the run) and the cancellation goes on; no outputs
    are written then (``evalkit.lifecycle.render`` writes them).
    """
    job = await asyncio.to_thread(
        _start,
        suites,
        targets,
        epochs=epochs,
        limit=limit,
        shard=shard,
        resume=resume,
        retry_errors=retry_errors,
        baseline=baseline,
        out=out,
        run_id=run_id,
        report=report,
        config=config,
        echo=echo,
        argv=argv,
    )
    display = _display(progress, len(job.items))
    try:
        with display:
            outcome = await job.execute(display)
    except asyncio.CancelledError:
        job.close("interrupted", {})
        raise
    return await asyncio.to_thread(job.finish, outcome)


__all__ = ["Progress", "ProgressFactory", "RunResult", "RunStatus", "run", "run_async"]
