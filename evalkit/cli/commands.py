"""The subcommands on stored runs and suites: report, compare, grade, merge, suites.

Each maps its flags to a call of ``evalkit.lifecycle`` and prints the result.
"""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING

from evalkit.cli.gate import config_for
from evalkit.errors import ConfigError

if TYPE_CHECKING:
    from evalkit.suite.schema import GraderSpec


def cmd_report(args: argparse.Namespace) -> int:
    """Re-render a run's outputs (and gate it when a baseline is given)."""
    from evalkit.cli.output import print_outputs
    from evalkit.lifecycle import render

    outputs = render(
        args.run,
        baseline=args.baseline,
        config=config_for(args),
        out=args.out,
        echo=functools.partial(print, flush=True),
    )
    print_outputs(outputs)
    return outputs.exit_code


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare runs side by side; with --gate, exit 1 if the last regresses on the first."""
    from evalkit.lifecycle import compare

    result = compare(
        args.runs, gate=args.gate, dest=args.report, config=config_for(args), out=args.out
    )
    print(result.markdown)
    for path in result.files:
        print(f"wrote {path}")
    if result.breaches:
        print("gate FAILED:")
        for b in result.breaches:
            print(f"  - {b.message}")
    return result.exit_code


def _grader_specs(raw: list[str] | None) -> list[GraderSpec] | None:
    from evalkit.suite.schema import GraderSpec

    if not raw:
        return None
    specs = []
    for text in raw:
        try:
            value = json.loads(text) if text.lstrip().startswith("{") else text
            specs.append(GraderSpec.parse(value))
        except ValueError as exc:
            raise ConfigError(f"--grader {text!r}: {exc}") from None
    return specs


def cmd_grade(args: argparse.Namespace) -> int:
    """Re-grade a stored run's outputs and re-render its report."""
    from evalkit.cli.output import print_outputs
    from evalkit.lifecycle import grade

    graded = grade(
        args.run, graders=_grader_specs(args.grader), config=config_for(args), out=args.out
    )
    print(f"re-graded {graded.regraded} records in {graded.outputs.run_dir}")
    print_outputs(graded.outputs)
    return graded.outputs.exit_code


def cmd_merge(args: argparse.Namespace) -> int:
    """Join shard runs into one run folder and render it."""
    from evalkit.cli.output import print_outputs
    from evalkit.lifecycle import merge

    outputs = merge(args.runs, args.into, config=config_for(args), out=args.out)
    print_outputs(outputs)
    return outputs.exit_code


def cmd_suites(args: argparse.Namespace) -> int:
    """Validate suites (exit 2 listing every problem) or list the suites under a folder.

    Both size generated suites (needle) to the smallest context window of the
    ``[run]`` targets, as ``evalkit run`` does, so that they count the same samples.
    """
    from evalkit.runner.grading import load_checked
    from evalkit.suite.loader import load_suites
    from evalkit.suite.manifest import MANIFEST

    config = config_for(args)
    window = config.smallest_context_window(config.run.targets)
    if args.suites_command == "list":
        root = Path(args.root)
        paths = sorted(str(p.parent) for p in root.glob(f"*/{MANIFEST}"))
        if not paths:
            raise ConfigError(f"no suites (folders with {MANIFEST}) under {root}")
        suites = load_suites(paths, context_window=window)
    else:
        paths = list(args.suites or config.run.suites)
        if not paths:
            raise ConfigError("no suites given (name them, or set [run] suites in evalkit.toml)")
        suites, _ = load_checked(config, paths, window)
    for s in suites:
        graders = sorted({g.type for sample in s.samples for g in sample.grader})
        line = f"{s.name:<12} {s.kind:<7} {len(s.samples):>5} samples"
        print(f"{line}  graders: {', '.join(graders)}  ({s.path})")
    if any(s.kind == "needle" for s in suites):
        targets = ", ".join(config.run.targets)
        size = f"a {window:,}-token context window" if window else "no known context window"
        print(f"(needle suites are sized to {size}: the smallest of [run] targets, {targets})")
    if args.suites_command == "validate":
        print(f"ok: {len(suites)} suite(s), {sum(len(s.samples) for s in suites)} samples")
    return 0


__all__ = ["cmd_compare", "cmd_grade", "cmd_merge", "cmd_report", "cmd_suites"]
