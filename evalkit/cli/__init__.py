"""The ``evalkit`` command: parse the flags, call the library, print; nothing heavy at import.

Each subcommand's module is imported only when that subcommand runs, so that
``evalkit --help`` answers without importing aiohttp, pandas or matplotlib.
Exit codes (also in ``evalkit --help`` and the README): 0 ok, 1 a
regression or failed gate, 2 bad input or config (or a target stopped, or the
run folder busy), 3 stopped at the cost limit, 4 results could not be written,
70 an internal error (a bug: the traceback is printed), 130 interrupted (the
run is resumable after 3, 4 and 130).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import traceback
from collections.abc import Callable, Sequence

from evalkit.cli.interrupts import interrupt_handling, plain_warnings
from evalkit.cli.parser import build_parser
from evalkit.errors import InputError, StorageError, SuiteError

STORAGE_EXIT = 4
"""The exit code when results could not be written (disk full): resumable."""

# subcommand -> (module, function taking the parsed flags and returning the exit code)
_COMMANDS = {
    "run": ("evalkit.cli.run", "cmd_run"),
    "report": ("evalkit.cli.commands", "cmd_report"),
    "compare": ("evalkit.cli.commands", "cmd_compare"),
    "grade": ("evalkit.cli.commands", "cmd_grade"),
    "merge": ("evalkit.cli.commands", "cmd_merge"),
    "suites": ("evalkit.cli.commands", "cmd_suites"),
    "bench": ("evalkit.cli.bench", "cmd_bench"),
    "sim": ("evalkit.cli.sim", "cmd_sim"),
    "gen": ("evalkit.cli.gen", "cmd_gen"),
    "probe": ("evalkit.cli.probe", "cmd_probe"),
    "targets": ("evalkit.cli.probe", "cmd_targets"),
}


def _notes(exc: BaseException) -> None:
    for note in getattr(exc, "__notes__", ()):
        print(note, file=sys.stderr)


def _run(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return command(args)
    except SuiteError as exc:
        n = len(exc.problems)
        print(f"error: {n} problem{'s' if n != 1 else ''} in suites:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        _notes(exc)
        return STORAGE_EXIT
    except KeyboardInterrupt as exc:
        print("interrupted", file=sys.stderr)
        _notes(exc)
        return 130
    except Exception:
        # Not exit 1, which means "the gate failed" to a CI job.
        traceback.print_exc()
        print("error: evalkit failed unexpectedly (a bug; please report it)", file=sys.stderr)
        return 70


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evalkit command line; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # The namespace carries the command line: a run records it in run.json.
    args = parser.parse_args(args_list, namespace=argparse.Namespace(argv=args_list))
    if args.command is None:
        parser.print_help()
        return 0
    module, name = _COMMANDS[args.command]
    with interrupt_handling() as interrupts, plain_warnings():
        try:
            command: Callable[[argparse.Namespace], int] = getattr(
                importlib.import_module(module), name
            )
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        code = _run(command, args)
        if interrupts.swallowed:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # drop a re-delivery still pending
            if code != 130:  # lost in a callback, and the command went on to the end
                print("interrupted", file=sys.stderr)
                return 130
        return code


__all__ = ["STORAGE_EXIT", "main"]
