"""The subcommands other than ``run``: report, compare, grade, merge, suites."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pydantic import ValidationError

from evalkit.config import Config, GateConfig, load_config
from evalkit.errors import ConfigError
from evalkit.runfolder import resolve_run_dir
from evalkit.suite.schema import GraderSpec


def _out(args: argparse.Namespace, config: Config) -> Path:
    return Path(getattr(args, "out", None) or config.run.out)


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    """Re-render a run's outputs (and gate it when a baseline is given)."""
    from evalkit.cli.output import finish_run

    out = _out(args, config)
    return finish_run(resolve_run_dir(args.run, out), config, baseline=args.baseline, out=out)


def cmd_compare(args: argparse.Namespace, config: Config) -> int:
    """Compare runs side by side; with --gate, exit 1 if the last regresses on the first."""
    from evalkit.metrics import load_run
    from evalkit.report.gate import evaluate_gate
    from evalkit.report.html import write_compare_report
    from evalkit.report.markdown import compare_markdown

    out = _out(args, config)
    run_dirs = [resolve_run_dir(r, out) for r in args.runs]
    if args.gate and len(run_dirs) < 2:
        raise ConfigError("compare --gate needs a baseline run and a current run")
    frames = [load_run(d) for d in run_dirs]  # once, for the gate and the Markdown
    breaches = evaluate_gate(frames[-1], frames[0], config.gate) if args.gate else []
    md = compare_markdown(frames, breaches=breaches if args.gate else None)
    dest = Path(args.report) if args.report else run_dirs[-1]
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "compare.md").write_text(md, encoding="utf-8")
    html = write_compare_report(run_dirs, dest / "compare.html", gate_breaches=breaches)
    print(md)
    print(f"wrote {dest / 'compare.md'}\nwrote {html}")
    if breaches:
        print("gate FAILED:")
        for b in breaches:
            print(f"  - {b.message}")
        return 1
    return 0


def _grader_specs(raw: list[str] | None) -> list[GraderSpec] | None:
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


def cmd_grade(args: argparse.Namespace, config: Config) -> int:
    """Re-grade a stored run's outputs and re-render its report."""
    import asyncio

    from evalkit.cli.output import finish_run
    from evalkit.runner.regrade import regrade

    out = _out(args, config)
    run_dir = resolve_run_dir(args.run, out)
    n = asyncio.run(regrade(run_dir, config, _grader_specs(args.grader)))
    print(f"re-graded {n} records in {run_dir}")
    return finish_run(run_dir, config, baseline=None, out=out)


def cmd_merge(args: argparse.Namespace, config: Config) -> int:
    """Join shard runs into one run folder and render it."""
    from evalkit.cli.output import finish_run
    from evalkit.runner.merge import merge_runs

    out = _out(args, config)
    merged = merge_runs([resolve_run_dir(r, out) for r in args.runs], Path(args.into))
    return finish_run(merged, config, baseline=None, out=out)


def cmd_suites(args: argparse.Namespace, config: Config) -> int:
    """Validate suites (exit 2 listing every problem) or list the suites under a folder."""
    from evalkit.runner.grading import load_checked
    from evalkit.suite.loader import MANIFEST, load_suites

    if args.suites_command == "list":
        root = Path(args.root)
        paths = sorted(str(p.parent) for p in root.glob(f"*/{MANIFEST}"))
        if not paths:
            raise ConfigError(f"no suites (folders with {MANIFEST}) under {root}")
        suites = load_suites(paths)
    else:
        paths = list(args.suites or config.run.suites)
        if not paths:
            raise ConfigError("no suites given (name them, or set [run] suites in evalkit.toml)")
        # Generated suites size themselves to the smallest window the run would use.
        windows = [config.target(t).context_window for t in config.run.targets]
        window = min((w for w in windows if w), default=None)
        suites, _ = load_checked(config, paths, window)
    for s in suites:
        graders = sorted({g.type for sample in s.samples for g in sample.grader})
        line = f"{s.name:<12} {s.kind:<7} {len(s.samples):>5} samples"
        print(f"{line}  graders: {', '.join(graders)}  ({s.path})")
    if args.suites_command == "validate":
        print(f"ok: {len(suites)} suite(s), {sum(len(s.samples) for s in suites)} samples")
    return 0


_GATE_FLAGS = ("max_accuracy_drop", "require_significant", "max_p90_latency_rise", "max_cost_rise")


def _with_gate_flags(config: Config, args: argparse.Namespace) -> Config:
    """evalkit.toml's [gate] with any threshold flags laid over it."""
    # The flags default to SUPPRESS: present means given, and None means 'off'.
    given = {k: getattr(args, k) for k in _GATE_FLAGS if hasattr(args, k)}
    if not given:
        return config
    try:
        gate = GateConfig.model_validate({**config.gate.model_dump(), **given})
    except ValidationError as exc:
        raise ConfigError(f"gate flags: {exc.errors()[0]['msg']}") from None
    return config.model_copy(update={"gate": gate})


def dispatch(args: argparse.Namespace, argv: list[str]) -> int:
    """Run the parsed subcommand."""
    config = _with_gate_flags(load_config(args.config), args)
    if args.command == "run":
        from evalkit.cli.run import cmd_run

        return cmd_run(args, config, argv)
    handlers = {
        "report": cmd_report,
        "compare": cmd_compare,
        "grade": cmd_grade,
        "merge": cmd_merge,
        "suites": cmd_suites,
    }
    return handlers[args.command](args, config)


__all__ = ["dispatch"]
