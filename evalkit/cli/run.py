"""``evalkit run``: the flags become an ``evalkit.lifecycle.run`` call; the outcome is printed."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """While inside, SIGTERM stops a run as Ctrl-C does: interrupted, resumable, exit 130."""

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        # A CI runner stops a job with SIGTERM. Inside the run's event loop the
        # SIGINT handler is asyncio's, which cancels the run cleanly.
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)
        else:  # SIGINT ignored (a background job): stop all the same
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_run(args: argparse.Namespace) -> int:
    """Run suites against targets; the exit code says whether the gate passed."""
    from evalkit.cli.gate import config_for
    from evalkit.cli.output import print_outputs
    from evalkit.cli.probe import endpoint_of
    from evalkit.lifecycle import run

    config = config_for(args)
    endpoint = endpoint_of(args)
    with _sigterm_as_ctrl_c():
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
            progress=not args.no_progress,
            argv=args.argv,
            probe=not args.no_probe,
            endpoint=endpoint,
        )
    print_outputs(result.outputs)
    if result.grader_errors:
        print(
            f"warning: {result.grader_errors} record(s) have a score a grader failed to make "
            "(scored 0, details.reason = grader_error); see the explanations in the report",
            file=sys.stderr,
        )
    if result.status == "interrupted":
        print(f"interrupted: resume with  evalkit run --resume {result.run_dir}", file=sys.stderr)
    for name, reason in result.aborted.items():
        print(
            f"error: target {name!r} stopped: {reason}. Fix it, then: "
            f"evalkit run --resume {result.run_dir}",
            file=sys.stderr,
        )
    return result.exit_code


__all__ = ["cmd_run"]
