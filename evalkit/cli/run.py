"""``evalkit run``: the flags become an ``evalkit.lifecycle.run`` call; the outcome is printed."""

from __future__ import annotations

import argparse
import functools
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evalkit.config import Config
    from evalkit.lifecycle import RunResult


@contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """While inside, SIGTERM stops a run as Ctrl-C does: interrupted, resumable, exit 130."""
    stopping = False

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        # A CI runner stops a job with SIGTERM. Inside the run's event loop the
        # SIGINT handler is asyncio's: it cancels the run's task, which closes
        # every connection on its way out. Raising KeyboardInterrupt here
        # instead would land in whatever code runs at that moment (a task's
        # step, a callback), leaving sessions unclosed and task exceptions
        # unretrieved: aiohttp's and asyncio's tracebacks on stderr.
        nonlocal stopping
        if stopping:
            return  # already stopping; a second interrupt would only land mid-cleanup
        stopping = True
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    # A script's background job starts with SIGINT ignored, and asyncio then
    # installs no handler of its own: give it one, for SIGTERM to hand over to.
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _dry_run(args: argparse.Namespace) -> int:
    """Print what the run would send and cost; send nothing, write nothing."""
    from evalkit.cli.gate import config_for
    from evalkit.cli.output import print_estimate
    from evalkit.cli.probe import endpoint_of
    from evalkit.lifecycle import dry_run
    from evalkit.lifecycle.endpoints import with_endpoint

    config, targets = config_for(args), args.target
    endpoint = endpoint_of(args)
    if endpoint is not None:
        config, targets = with_endpoint(config, endpoint, list(targets or []))
    estimate = dry_run(
        args.suites,
        targets,
        epochs=args.epochs,
        limit=args.limit,
        shard=args.shard,
        resume=args.resume,
        retry_errors=args.retry_errors,
        out=args.out,
        config=config,
        max_cost=args.max_cost,
    )
    print_estimate(estimate)
    return 0


def _cost_limit_message(result: RunResult) -> str:
    from evalkit.report import format as fmt

    left = result.planned - result.written
    return (
        f"stopped at the cost limit: {fmt.usd(result.spent_usd)} spent of "
        f"{fmt.usd(result.max_cost)}; {left} of {result.planned} requests not sent.\n"
        f"What the rest would cost: evalkit run --resume {result.run_dir} --dry-run\n"
        f"Finish it with a higher limit: evalkit run --resume {result.run_dir} --max-cost USD"
    )


def prespawn_simulators(config: Config, names: list[str]) -> None:
    """Start the simulators ``names`` will need now, so that their start-up overlaps ours."""
    from evalkit.errors import ConfigError
    from evalkit.sim.process import prespawn

    try:
        simulated = sum(config.target(n).simulated for n in dict.fromkeys(names))
    except ConfigError:
        return  # the run itself says which name is unknown
    if simulated:
        prespawn(simulated)


def cmd_run(args: argparse.Namespace) -> int:
    """Run suites against targets; the exit code says whether the gate passed."""
    from evalkit.cli.gate import config_for
    from evalkit.cli.probe import endpoint_of, public_argv

    if args.dry_run:
        return _dry_run(args)
    config = config_for(args)
    if args.resume is None:
        prespawn_simulators(config, args.target or config.run.targets)

    from evalkit.cli.output import print_outputs
    from evalkit.lifecycle import run

    # SIGTERM stops it as Ctrl-C does: evalkit.cli.interrupts, for every command.
    result = run(
        args.suites,
        args.target,
        epochs=args.epochs,
        limit=args.limit,
        shard=args.shard,
        resume=args.resume,
        retry_errors=args.retry_errors,
        baseline=args.baseline,
        out=args.out,
        run_id=args.run_id,
        report=not args.no_report,
        config=config,
        progress="none" if args.no_progress else args.progress,
        # Flushed: in a CI log these lines must come before the progress lines.
        echo=functools.partial(print, flush=True),
        argv=public_argv(args.argv),  # no credentials of a --base-url in run.json
        max_cost=args.max_cost,
        probe=not args.no_probe,
        endpoint=endpoint_of(args),
    )
    print_outputs(result.outputs)
    if result.grader_errors:
        print(
            f"warning: {result.grader_errors} record(s) have a score a grader failed to make "
            "(scored 0, details.reason = grader_error); see the explanations in the report",
            file=sys.stderr,
        )
    limit = result.client_load.limit() if result.client_load is not None else None
    if limit:
        print(f"warning: {limit}; the latencies include that delay", file=sys.stderr)
    if result.status == "interrupted":
        gated = " (not gated: the run is partial)" if args.baseline else ""
        print(
            f"interrupted{gated}: resume with  evalkit run --resume {result.run_dir}",
            file=sys.stderr,
        )
    if result.status == "cost_limit":
        print(_cost_limit_message(result), file=sys.stderr)
    for name, reason in result.aborted.items():
        print(
            f"error: target {name!r} stopped: {reason}. Fix it, then: "
            f"evalkit run --resume {result.run_dir}",
            file=sys.stderr,
        )
    return result.exit_code


__all__ = ["cmd_run", "prespawn_simulators"]
