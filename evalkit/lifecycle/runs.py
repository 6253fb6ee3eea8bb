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
from collections.abc import Callable, Sequence
from pathlib import Path

from evalkit.config import Config
from evalkit.errors import ConfigError
from evalkit.lifecycle.endpoints import (
    Endpoint,
    check_local_targets,
    with_endpoint,
    with_recorded_targets,
)
from evalkit.lifecycle.inputs import (
    ConfigLike,
    RunRef,
    config_of,
    cost_limit,
    out_of,
    run_dir_of,
    spent_usd,
)
from evalkit.lifecycle.job import (
    Job,
    ProgressChoice,
    RunResult,
    check_progress,
    make_display,
    mark_stopped,
)
from evalkit.runfolder import (
    RunLock,
    RunSettings,
    done_keys,
    drop_error_records,
    read_manifest,
    reopen_run_folder,
)
from evalkit.runner import Prepared, parse_shard, plan, prepare, prepare_resume

Names = str | Path | Sequence[str | Path] | None
Echo = Callable[[str], None]


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


def check_resume_flags(given: dict[str, bool]) -> None:
    """ConfigError naming the flags given with --resume that the run's own settings fix."""
    if any(given.values()):
        flags = ", ".join(f"--{name}" for name, on in given.items() if on)
        raise ConfigError(f"--resume repeats the run's own settings; drop {flags}")


def _describe(job: Job, echo: Echo) -> None:
    m = job.prepared.manifest
    if job.noop:
        echo(
            f"run {m.run_id} already finished at {m.finished_at}: nothing to send "
            "(--retry-errors redoes its error records; a new run starts over)"
        )
        return
    echo(f"run {m.run_id} -> {job.prepared.run_dir}")
    for t in job.prepared.targets:
        kind = (
            "simulated endpoint"
            if t.simulated
            else "llama-cpp-python server started for the run"
            if t.local
            else t.public_url
        )
        echo(f"  target {t.name}: {t.model} ({kind})")
    for s in job.prepared.suites:
        echo(f"  suite {s.name}: {s.size} samples ({s.kind})")
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
    max_cost: float | None = None,
    probe: bool = True,
    endpoint: Endpoint | None = None,
) -> Job:
    """Check everything, create or reopen the run folder (locked), and plan what is left.

    Every check comes before run.json is marked running; whatever stops
    this after that (Ctrl-C, say) marks it stopped again and lets go of it.
    """
    cfg = config_of(config)
    budget = cost_limit(cfg, max_cost)
    where = out_of(cfg, out)
    # A mistyped baseline must fail now, not after the whole run.
    baseline_dir = run_dir_of(baseline, where) if baseline is not None else None
    suite_names, target_names = _names(suites), _names(targets)
    if endpoint is not None:
        if resume is not None:
            raise ConfigError("--resume repeats the run's own target; drop --base-url")
        cfg, target_names = with_endpoint(cfg, endpoint, target_names)
    if resume is not None:
        given = {
            "suites": bool(suite_names),
            "target": bool(target_names),
            "epochs": epochs is not None,
            "limit": limit is not None,
            "shard": shard is not None,
            "run-id": run_id is not None,
        }
        check_resume_flags(given)
    elif retry_errors:
        raise ConfigError("--retry-errors goes with --resume RUN")
    lock = RunLock()
    opened: Path | None = None  # the folder once run.json says "running" on our behalf
    try:
        retried = 0
        prepared: Prepared
        if resume is not None:
            run_dir = run_dir_of(resume, where)
            lock.acquire(run_dir)  # before any check: another process may be writing it
            cfg = with_recorded_targets(cfg, run_dir)  # a target named by --base-url
            check_local_targets(cfg, read_manifest(run_dir).settings.targets)
            prepared = prepare_resume(cfg, run_dir)
            if retry_errors:
                retried = drop_error_records(run_dir)
                prepared.done = done_keys(run_dir)
                if echo is not None:
                    echo(f"retrying {retried} item(s) that ended in error")
        else:
            settings = _settings(cfg, suite_names, target_names, epochs, limit, shard)
            check_local_targets(cfg, settings.targets)
            prepared = prepare(
                cfg,
                settings,
                out=where,
                run_id=run_id,
                argv=list(argv) if argv is not None else [],
                lock=lock,
            )
            opened = prepared.run_dir
        s = prepared.settings
        # The suites hold only the samples the run covers (its --limit and --shard).
        items = plan(s.targets, prepared.suites, epochs=s.epochs, done=prepared.done)
        job = Job(
            prepared,
            cfg,
            items,
            len(prepared.done),
            retried,
            baseline_dir,
            html=report,
            lock=lock,
            echo=echo,
            probe=probe,
        )
        if budget is not None:
            job.max_cost, job.spent_before = budget, spent_usd(prepared.run_dir)
        if resume is not None:
            job.noop = prepared.manifest.status == "finished" and not items
            if not job.noop:
                prepared.manifest = reopen_run_folder(prepared.run_dir)
                opened = prepared.run_dir
        if echo is not None:
            _describe(job, echo)
    except BaseException as exc:
        if opened is not None:
            if isinstance(exc, KeyboardInterrupt):
                mark_stopped(opened, "interrupted")
            else:
                mark_stopped(opened, "failed", f"{type(exc).__name__}: {exc}")
        lock.release()
        raise
    return job


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
    progress: ProgressChoice = None,
    echo: Echo | None = print,
    argv: Sequence[str] | None = None,
    max_cost: float | None = None,
    probe: bool = True,
    endpoint: Endpoint | None = None,
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
    None for ./evalkit.toml if present. ``progress`` is "bar" (a live bar),
    "plain" (a line every ``[run] progress_interval_s`` seconds or so, for
    logs), "none", "auto" or True (a bar when stderr is a terminal, plain
    lines otherwise), False ("none"), None (``[run] progress`` of the config,
    "auto" by default), or a factory called with the number of requests.
    ``echo`` receives the opening lines (run id, folder, targets, suites,
    requests to make) and a line as each output is written; None keeps quiet. ``argv`` is the
    command line recorded in run.json. ``max_cost`` (US dollars; default
    ``[run] max_cost``) stops sending requests before the run's cost, spent
    plus in flight, would pass it: the run ends as ``status ==
    "cost_limit"`` (exit code 3, not gated), and a ``resume`` with a
    higher limit finishes it. ``probe`` (default True) first probes each
    real target for the features its items need (cached for a day; items
    it cannot take are recorded as skipped, with the reason, and never
    sent). ``endpoint`` names a target by URL instead of evalkit.toml (the
    command line's ``--base-url``/``--model``/``--api-key-env``).

    Raises ``InputError`` (``ConfigError``, ``SuiteError``,
    ``RunFolderBusy`` when another process is writing the run) before any
    request when the config, the settings or a suite is wrong; a resume
    also refuses targets or suites that changed since the run started.
    Ctrl-C ends the run as ``status == "interrupted"`` (exit code 130),
    resumable and not gated. A record that cannot be written (disk full)
    raises ``StorageError`` with run.json marked "failed": resumable once
    there is room. Resuming a run that finished with nothing left to do
    sends nothing and leaves run.json alone; it writes (and gates) the
    outputs again. Inside a running event loop use ``run_async``.
    """
    _refuse_running_loop()
    check_progress(progress)
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
        max_cost=max_cost,
        probe=probe,
        endpoint=endpoint,
    )
    outcome = None
    if not job.noop:
        try:
            display = make_display(progress, len(job.items), job.config)
            with display:
                outcome = asyncio.run(job.execute(display))
        except (KeyboardInterrupt, asyncio.CancelledError):
            pass  # the run is closed as interrupted; a resume finishes it
        except BaseException as exc:
            job.fail(exc)  # run.json says why it stopped; a resume goes on from there
            raise
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
    progress: ProgressChoice = None,
    echo: Echo | None = print,
    argv: Sequence[str] | None = None,
    max_cost: float | None = None,
    probe: bool = True,
    endpoint: Endpoint | None = None,
) -> RunResult:
    """``run`` in the running event loop, for notebooks: ``await evalkit.run_async(...)``.

    Same arguments and result as ``run``. Loading suites and writing the
    outputs happen in a worker thread so that the loop stays responsive.
    When the awaiting task is cancelled, run.json is marked interrupted (a
    ``resume`` finishes the run) and the cancellation goes on; no outputs
    are written then (``evalkit.lifecycle.render`` writes them).
    """
    check_progress(progress)
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
        max_cost=max_cost,
        probe=probe,
        endpoint=endpoint,
    )
    outcome = None
    if not job.noop:
        try:
            display = make_display(progress, len(job.items), job.config)
            with display:
                outcome = await job.execute(display)
        except asyncio.CancelledError:
            try:
                job.close("interrupted", {})
            finally:
                job.lock.release()
            raise
        except BaseException as exc:
            job.fail(exc)
            raise
    return await asyncio.to_thread(job.finish, outcome)


__all__ = ["run", "run_async"]
