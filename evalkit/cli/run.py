"""``evalkit run``: prepare, execute, record, report, gate."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from evalkit.config import Config
from evalkit.errors import ConfigError
from evalkit.runfolder import (
    RecordWriter,
    RunSettings,
    done_keys,
    drop_error_records,
    read_manifest,
    resolve_run_dir,
    utc_now,
    write_manifest,
)
from evalkit.runner import Prepared, parse_shard, plan, prepare, prepare_resume
from evalkit.runner.plan import WorkItem
from evalkit.runner.progress import RunProgress
from evalkit.runner.run import Executor, Outcome


def _settings(args: argparse.Namespace, config: Config) -> RunSettings:
    for flag in ("epochs", "limit"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise ConfigError(f"--{flag}: must be at least 1, got {value}")
    if args.shard is not None:
        parse_shard(args.shard)
    return RunSettings(
        suites=list(args.suites or config.run.suites),
        targets=list(dict.fromkeys(args.target or config.run.targets)),
        epochs=args.epochs or config.run.epochs,
        limit=args.limit,
        shard=args.shard,
    )


def _prepare(args: argparse.Namespace, config: Config, out: Path, argv: list[str]) -> Prepared:
    if args.resume:
        given = [
            f
            for f in ("suites", "target", "epochs", "limit", "shard", "run_id")
            if getattr(args, f)
        ]
        if given:
            flags = ", ".join("--" + f.replace("_", "-") for f in given)
            raise ConfigError(f"--resume repeats the run's own settings; drop {flags}")
        run_dir = resolve_run_dir(args.resume, out)
        prepared = prepare_resume(config, run_dir)
        if args.retry_errors:
            dropped = drop_error_records(run_dir)
            print(f"retrying {dropped} item(s) that ended in error")
        return prepared
    if args.retry_errors:
        raise ConfigError("--retry-errors goes with --resume RUN")
    return prepare(config, _settings(args, config), out=out, run_id=args.run_id, argv=argv)


async def _execute(
    prepared: Prepared, config: Config, items: list[WorkItem], progress: RunProgress
) -> Outcome:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is not None:
        # A CI runner stops a job with SIGTERM: leave the run as resumable as Ctrl-C does.
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    with RecordWriter(prepared.run_dir) as writer:
        executor = Executor(prepared, config, writer, on_record=progress.update)
        return await executor.run(items)


def _describe(prepared: Prepared, items: list[WorkItem], already: int) -> None:
    m = prepared.manifest
    print(f"run {m.run_id} -> {prepared.run_dir}")
    for t in prepared.targets:
        kind = "simulated endpoint" if t.simulated else t.base_url
        print(f"  target {t.name}: {t.model} ({kind})")
    for s in prepared.suites:
        print(f"  suite {s.name}: {len(s.samples)} samples ({s.kind})")
    note = f" ({already} already recorded)" if already else ""
    print(f"  {len(items)} requests to make{note}")


def cmd_run(args: argparse.Namespace, config: Config, argv: list[str]) -> int:
    """Run suites against targets; the exit code says whether the gate passed."""
    out = Path(args.out or config.run.out)
    if args.baseline:
        resolve_run_dir(args.baseline, out)  # a typo must fail now, not after the whole run
    prepared = _prepare(args, config, out, argv)
    s = prepared.settings
    done = done_keys(prepared.run_dir)
    shard = parse_shard(s.shard) if s.shard else None
    items = plan(s.targets, prepared.suites, epochs=s.epochs, limit=s.limit, shard=shard, done=done)
    _describe(prepared, items, len(done))
    status = "finished"
    outcome = None
    progress = RunProgress(len(items), enabled=not args.no_progress and sys.stderr.isatty())
    try:
        with progress:
            outcome = asyncio.run(_execute(prepared, config, items, progress))
    except (KeyboardInterrupt, asyncio.CancelledError):
        status = "interrupted"
    if outcome is not None and outcome.aborted:
        status = "aborted"
    aborted = outcome.aborted if outcome is not None else {}
    manifest = read_manifest(prepared.run_dir).model_copy(
        update={"status": status, "finished_at": utc_now(), "aborted": aborted}
    )
    write_manifest(prepared.run_dir, manifest)

    from evalkit.cli.output import finish_run

    code = finish_run(
        prepared.run_dir, config, baseline=args.baseline, out=out, html=not args.no_report
    )
    if outcome is not None and outcome.grader_errors:
        print(
            f"warning: {outcome.grader_errors} record(s) have a score a grader failed to make "
            "(scored 0, details.reason = grader_error); see the explanations in the report",
            file=sys.stderr,
        )
    if status == "interrupted":
        print(f"interrupted: resume with  evalkit run --resume {prepared.run_dir}", file=sys.stderr)
        return 130
    if outcome is not None and outcome.aborted:
        for name, reason in outcome.aborted.items():
            print(
                f"error: target {name!r} stopped: {reason}. Fix it, then: "
                f"evalkit run --resume {prepared.run_dir}",
                file=sys.stderr,
            )
        return 2
    return code


__all__ = ["cmd_run"]
