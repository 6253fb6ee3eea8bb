"""The ``evalkit`` command: parse the flags, call the library, print; nothing heavy at import.

Each subcommand's module is imported only when that subcommand runs, so that
``evalkit --help`` answers without importing aiohttp, pandas or matplotlib.
Exit codes: 0 ok, 1 a regression or failed gate, 2 bad input or config,
3 stopped at the cost limit, 130 interrupted (both resumable).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from evalkit.cli.parser import build_parser
from evalkit.errors import InputError, SuiteError

# subcommand -> (module, function taking the parsed flags and returning the exit code)
_COMMANDS = {
    "run": ("evalkit.cli.run", "cmd_run"),
    "report": ("evalkit.cli.commands", "cmd_report"),
    "compare": ("evalkit.cli.commands", "cmd_compare"),
    "grade": ("evalkit.cli.commands", "cmd_grade"),
    "merge": ("evalkit.cli.commands", "cmd_merge"),
    "suites": ("evalkit.cli.commands", "cmd_suites"),
    "sim": ("evalkit.cli.sim", "cmd_sim"),
    "gen": ("evalkit.cli.gen", "cmd_gen"),
    "probe": ("evalkit.cli.probe", "cmd_probe"),
    "targets": ("evalkit.cli.probe", "cmd_targets"),
}


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
    command: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), name)
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
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


__all__ = ["main"]
