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


def cmd_run(args: argparse.Namespace) -> int:
    """Run suites against targets; the exit code says whether the gate passed."""
    from evalkit.cli.gate import config_for
    from evalkit.cli.output import print_outputs
    from evalkit.lifecycle import run

    config = config_for(args)
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
