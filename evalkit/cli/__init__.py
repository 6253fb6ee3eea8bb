"""The ``evalkit`` command: argument parsing and dispatch, nothing heavy at import.

Each subcommand's module is imported only when that subcommand runs, so that
``evalkit --help`` answers without importing aiohttp, pandas or matplotlib.
Exit codes: 0 ok, 1 a regression or failed gate, 2 bad input or config,
130 interrupted (the run is resumable).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from evalkit import __version__
from evalkit.errors import InputError, SuiteError

# Subcommands that own their flags (defined next to the code that reads them).
_DELEGATED = {
    "sim": ("evalkit.cli.delegated", "sim_main", "serve the simulated endpoint"),
    "gen": ("evalkit.cli.delegated", "gen_main", "generate suites (gen needle ...)"),
}


def _rise(text: str) -> float | None:
    if text.lower() in ("off", "false", "none"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'off', got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _gate_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("gate thresholds (override [gate] in evalkit.toml)")
    off = argparse.SUPPRESS  # absent unless given, so evalkit.toml's value stands
    g.add_argument(
        "--max-accuracy-drop",
        type=_rise,
        default=off,
        metavar="X",
        help="largest allowed absolute accuracy drop per target x suite, e.g. 0.02",
    )
    g.add_argument(
        "--require-significant",
        action=argparse.BooleanOptionalAction,
        default=off,
        help="a drop must also be statistically significant (paired 95%% CI)",
    )
    g.add_argument(
        "--max-p90-latency-rise",
        type=_rise,
        default=off,
        metavar="X",
        help="largest allowed relative rise of p90 end-to-end latency, e.g. 0.25, or 'off'",
    )
    g.add_argument(
        "--max-cost-rise",
        type=_rise,
        default=off,
        metavar="X",
        help="largest allowed relative rise of cost per sample, e.g. 0.1, or 'off'",
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="evalkit",
        description="Batch evaluation and benchmarking for OpenAI-compatible chat endpoints.",
        epilog="Exit codes: 0 ok, 1 regression or failed gate, 2 bad input or config, "
        "130 interrupted (resume with --resume RUN).",
    )
    p.add_argument("--version", action="version", version=f"evalkit {__version__}")
    p.add_argument("--config", metavar="PATH", help="evalkit.toml to use (default: ./evalkit.toml)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run suites against targets, grade, and report")
    run.add_argument(
        "suites", nargs="*", metavar="SUITE", help="suite folders, manifests or .jsonl files"
    )
    run.add_argument(
        "--target",
        "-t",
        action="append",
        metavar="NAME",
        help="target from evalkit.toml (repeatable; default: [run] targets, else sim)",
    )
    run.add_argument("--epochs", type=int, metavar="N", help="times to run each sample")
    run.add_argument("--limit", type=int, metavar="N", help="first N samples of each suite")
    run.add_argument("--shard", metavar="I/N", help="run the I-th of N deterministic slices")
    run.add_argument("--resume", metavar="RUN", help="finish an interrupted run (id or folder)")
    run.add_argument(
        "--retry-errors", action="store_true", help="with --resume: redo items that ended in error"
    )
    run.add_argument(
        "--baseline",
        metavar="RUN",
        help="gate this run against a baseline run (exit 1 on regression)",
    )
    run.add_argument("--out", metavar="DIR", help="where run folders go (default: results)")
    run.add_argument("--run-id", metavar="ID", help="name the run folder (default: time + random)")
    run.add_argument("--no-progress", action="store_true", help="no live progress bar")
    run.add_argument(
        "--no-report",
        action="store_true",
        help="skip report.html (records, junit and summary still written)",
    )

    rep = sub.add_parser("report", help="re-render a run's report, JUnit and Markdown summary")
    rep.add_argument("run", metavar="RUN")
    rep.add_argument("--out", metavar="DIR", help="where run folders are (default: results)")
    rep.add_argument("--baseline", metavar="RUN", help="gate against a baseline run")

    cmp_ = sub.add_parser("compare", help="compare runs or targets side by side")
    cmp_.add_argument("runs", nargs="+", metavar="RUN")
    cmp_.add_argument(
        "--gate", action="store_true", help="exit 1 if the last run regresses against the first"
    )
    cmp_.add_argument("--out", metavar="DIR", help="where run folders are (default: results)")
    cmp_.add_argument(
        "--report", metavar="DIR", help="where compare.html/.md go (default: the last run's folder)"
    )

    grd = sub.add_parser("grade", help="re-grade a stored run without calling the model")
    grd.add_argument("run", metavar="RUN")
    grd.add_argument(
        "--grader",
        action="append",
        metavar="SPEC",
        help='grader name or JSON spec such as \'{"type": "includes"}\' '
        "(repeatable; default: each sample's own)",
    )
    grd.add_argument("--out", metavar="DIR", help="where run folders are (default: results)")

    mrg = sub.add_parser("merge", help="join shard runs into one run")
    mrg.add_argument("runs", nargs="+", metavar="RUN")
    mrg.add_argument("--into", required=True, metavar="DIR", help="the merged run folder to create")
    mrg.add_argument("--out", metavar="DIR", help="where run folders are (default: results)")

    sui = sub.add_parser("suites", help="validate or list suites")
    sui_sub = sui.add_subparsers(dest="suites_command", metavar="ACTION", required=True)
    val = sui_sub.add_parser("validate", help="check suites without sending anything")
    val.add_argument("suites", nargs="*", metavar="SUITE")
    lst = sui_sub.add_parser("list", help="list the suites under a folder")
    lst.add_argument("root", nargs="?", default="suites", metavar="DIR")

    for name, (_, _, text) in _DELEGATED.items():
        d = sub.add_parser(name, help=text, add_help=False)
        d.add_argument("rest", nargs=argparse.REMAINDER)
    for gated in (run, rep, cmp_):
        _gate_flags(gated)
    return p


def _split_global(argv: list[str]) -> tuple[str | None, str | None, list[str]]:
    """(command, --config value, the command's own arguments) of a command line."""
    config = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--config" and i + 1 < len(argv):
            config, i = argv[i + 1], i + 2
        elif arg.startswith("--config="):
            config, i = arg.split("=", 1)[1], i + 1
        elif arg.startswith("-"):
            return None, config, []
        else:
            return arg, config, argv[i + 1 :]
    return None, config, []


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evalkit command line; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        command, config_path, rest = _split_global(args_list)
        if command in _DELEGATED:
            # These parse their own flags (argparse's REMAINDER drops leading options).
            module, func, _ = _DELEGATED[command]
            return int(getattr(importlib.import_module(module), func)(rest, config_path))
        parser = _parser()
        args = parser.parse_args(args_list)
        if args.command is None:
            parser.print_help()
            return 0
        from evalkit.cli import commands

        return commands.dispatch(args, args_list)
    except SuiteError as exc:
        n = len(exc.problems)
        print(f"error: {n} problem{'s' if n != 1 else ''} in suites:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


__all__ = ["main"]
