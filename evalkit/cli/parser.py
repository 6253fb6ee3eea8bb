"""The ``evalkit`` argument parser: global flags and every subcommand's flags and help.

Built for every command line, so it imports nothing heavy. ``--config`` is
accepted before and after the subcommand (``sim`` reads no config): the
subcommands share a parent parser whose ``--config`` is absent unless given,
so a value given before the subcommand stands unless another follows it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from evalkit import __version__
from evalkit.cli.bench import add_bench_parser
from evalkit.cli.gate import add_gate_flags
from evalkit.cli.gen import add_gen_parser
from evalkit.cli.help import HELP_FORMAT, examples
from evalkit.cli.probe import add_endpoint_flags, add_probe_parsers
from evalkit.cli.sim import add_sim_parser

if TYPE_CHECKING:
    from evalkit.cli.help import Subparsers

_CONFIG_HELP = "evalkit.toml to use (default: ./evalkit.toml if present)"
_OUT_HELP = "where run folders are (default: [run] out of evalkit.toml, else results)"
_RUN_HELP = "a run id (a folder under --out) or the path of a run folder"


def _usd(text: str) -> float:
    try:
        value = float(text.lstrip("$"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an amount of US dollars, got {text!r}"
        ) from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
    return value


def _command(
    sub: Subparsers, common: argparse.ArgumentParser, name: str, summary: str, *lines: str
) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        parents=[common],
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=examples(*lines),
        formatter_class=HELP_FORMAT,
    )


def _add_run(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    run = _command(
        sub,
        common,
        "run",
        "run suites against targets, grade, and report",
        "evalkit run suites/chat --target sim --limit 20",
        "evalkit run --config ci.toml --target mistral-small-3.1 --baseline last-good",
        "evalkit run --resume 20261125-173851-8145 --retry-errors",
        "evalkit run suites/chat --target mistral-small-3.1 --dry-run",
        "evalkit run --target mistral-small-3.1 --max-cost 5   # exit 3 at $5: then",
        "evalkit run --resume RUN --max-cost 8",
        "evalkit run suites/chat --base-url http://127.0.0.1:8080/v1 --model smollm2",
        "evalkit run --target local --limit 10",
    )
    run.add_argument(
        "suites",
        nargs="*",
        metavar="SUITE",
        help="a suite folder, its manifest.toml or a .jsonl file (default: [run] suites)",
    )
    run.add_argument(
        "--target",
        "-t",
        action="append",
        metavar="NAME",
        help="target from evalkit.toml, or the built-in sim or local (repeatable; default: "
        "[run] targets, else sim); with --base-url, the name of that target",
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
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="print the requests each target x suite would get and their estimated tokens "
        "and cost; send nothing, create no run folder",
    )
    run.add_argument(
        "--max-cost",
        type=_usd,
        metavar="USD",
        help="stop sending once the run's cost (spent + in flight, estimated) would pass USD; "
        "exit 3, resume with a higher limit (default: [run] max_cost)",
    )
    run.add_argument(
        "--progress",
        choices=("auto", "bar", "plain", "none"),
        help="bar: a live bar; plain: a line every 10 s or so, for logs; none: quiet "
        "(default: [run] progress, else auto: a bar on a terminal, plain otherwise)",
    )
    run.add_argument("--no-progress", action="store_true", help="same as --progress none")
    run.add_argument(
        "--no-probe",
        action="store_true",
        help="send every item without first probing what the endpoint supports",
    )
    run.add_argument(
        "--no-report",
        action="store_true",
        help="skip report.html (records, junit and summary still written)",
    )
    add_endpoint_flags(run)
    add_gate_flags(run)


def _add_stored(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    rep = _command(
        sub,
        common,
        "report",
        "re-render a run's report, JUnit and Markdown summary",
        "evalkit report 20261125-173851-8145",
        "evalkit report results/merged --baseline results/last-good",
    )
    rep.add_argument("run", metavar="RUN", help=_RUN_HELP)
    rep.add_argument("--out", metavar="DIR", help=_OUT_HELP)
    rep.add_argument("--baseline", metavar="RUN", help="gate against a baseline run")
    add_gate_flags(rep)

    cmp_ = _command(
        sub,
        common,
        "compare",
        "compare runs or targets side by side",
        "evalkit compare last-good tonight --gate",
        "evalkit compare two-target-run --report compare-out",
    )
    cmp_.add_argument(
        "runs",
        nargs="+",
        metavar="RUN",
        help="runs to compare, the baseline first (one run: its targets side by side); "
        + _RUN_HELP,
    )
    cmp_.add_argument(
        "--gate", action="store_true", help="exit 1 if the last run regresses against the first"
    )
    cmp_.add_argument(
        "--reference",
        metavar="NAME",
        help="the arm (or run) the others are measured against "
        "(default: the first run; in one run, its first --target)",
    )
    cmp_.add_argument("--out", metavar="DIR", help=_OUT_HELP)
    cmp_.add_argument(
        "--report", metavar="DIR", help="where compare.html/.md go (default: the last run's folder)"
    )
    add_gate_flags(cmp_)

    grd = _command(
        sub,
        common,
        "grade",
        "re-grade a stored run without calling the model",
        "evalkit grade 20261125-173851-8145",
        'evalkit grade RUN --grader includes --grader \'{"type": "regex", "pattern": "^42$"}\'',
    )
    grd.add_argument("run", metavar="RUN", help=_RUN_HELP)
    grd.add_argument(
        "--grader",
        action="append",
        metavar="SPEC",
        help='grader name or JSON spec such as \'{"type": "includes"}\' '
        "(repeatable; default: each sample's own)",
    )
    grd.add_argument("--out", metavar="DIR", help=_OUT_HELP)

    mrg = _command(
        sub,
        common,
        "merge",
        "join shard runs into one run",
        "evalkit merge shard-1 shard-2 shard-3 --into results/merged",
    )
    mrg.add_argument(
        "runs", nargs="+", metavar="RUN", help="the shard runs (--shard I/N), all N; " + _RUN_HELP
    )
    mrg.add_argument("--into", required=True, metavar="DIR", help="the merged run folder to create")
    mrg.add_argument("--out", metavar="DIR", help=_OUT_HELP)


def _add_suites(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    sui = _command(
        sub,
        common,
        "suites",
        "validate or list suites",
        "evalkit suites validate suites/chat my-suite.jsonl",
        "evalkit suites list suites",
    )
    actions = sui.add_subparsers(dest="suites_command", metavar="ACTION", required=True)
    val = _command(
        actions,
        common,
        "validate",
        "check suites without sending anything",
        "evalkit suites validate suites/chat my-suite.jsonl",
    )
    val.add_argument(
        "suites",
        nargs="*",
        metavar="SUITE",
        help="a suite folder, its manifest.toml or a .jsonl file (default: [run] suites)",
    )
    lst = _command(
        actions, common, "list", "list the suites under a folder", "evalkit suites list suites"
    )
    lst.add_argument(
        "root",
        nargs="?",
        default="suites",
        metavar="DIR",
        help="the folder holding suite folders (default: suites)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole ``evalkit`` command line."""
    p = argparse.ArgumentParser(
        prog="evalkit",
        description="Batch evaluation and benchmarking for OpenAI-compatible chat endpoints.",
        epilog="Exit codes: 0 ok, 1 regression, failed gate or too many errors, "
        "2 bad input or config (also: a target stopped, the run folder in use), "
        "3 stopped at the cost limit (--max-cost), 4 results could not be written "
        "(disk full), 70 internal error (a bug), "
        "130 interrupted; after 3, 4 and 130: resume with --resume RUN. "
        "'evalkit COMMAND --help' for a "
        "command's flags and examples.",
    )
    p.add_argument("--version", action="version", version=f"evalkit {__version__}")
    p.add_argument("--config", metavar="PATH", help=_CONFIG_HELP)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help=_CONFIG_HELP)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    _add_run(sub, common)
    _add_stored(sub, common)
    _add_suites(sub, common)
    add_bench_parser(sub, common)
    add_sim_parser(sub)
    add_gen_parser(sub, common)
    add_probe_parsers(sub, common)
    return p


__all__ = ["build_parser"]
