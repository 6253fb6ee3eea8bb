"""Run outputs: the HTML report, JUnit XML, the Markdown summary, and the gate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from evalkit.config import GateConfig

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.report.gate import Breach


@dataclass
class Rendered:
    """What ``render_run`` wrote, and the gate's breaches (the run's errors; against a baseline)."""

    files: list[Path] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)


def render_run(
    run_dir: Path,
    *,
    baseline_dir: Path | None = None,
    gate: GateConfig | None = None,
    html: bool = True,
    df: pd.DataFrame | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Rendered:
    """Write report.html, junit.xml and summary.md for a run, and gate it.

    The run's own errors are judged (``errorrate``) when it finished (run.json
    says so, or there is none); with ``baseline_dir``, so is every regression
    against it (``gate``).
    ``on_step`` is told of each step before it starts ("writing report.html ..."):
    at 10,000 records the whole takes seconds, which a log should account for.
    """
    from evalkit.metrics import load_run
    from evalkit.report.errorrate import error_breaches
    from evalkit.report.junit import JUNIT_FILE, write_junit
    from evalkit.report.markdown import SUMMARY_FILE, write_summary_md
    from evalkit.runfolder import read_manifest_if_any

    def step(text: str) -> None:
        if on_step is not None:
            on_step(text)

    if df is None:
        step("loading records ...")
        df = load_run(run_dir)
    gate = gate or GateConfig()
    # A partial run (interrupted, stopped, still running) gets no verdict on its errors:
    # they may be what stopped it, and its outputs say it is partial.
    manifest = read_manifest_if_any(run_dir)
    finished = manifest is None or manifest.status == "finished"
    out = Rendered(breaches=error_breaches(df, gate) if finished else [])
    comparison = None
    if baseline_dir is not None:
        from evalkit.report.comparison import compare_markdown
        from evalkit.report.gate import evaluate_gate

        step(f"gating against {baseline_dir} ...")
        base = load_run(baseline_dir)  # loaded once for the gate and the comparison
        out.breaches += evaluate_gate(df, base, gate)
        comparison = compare_markdown([base, df])
    step(f"writing {JUNIT_FILE} ...")
    out.files.append(write_junit(run_dir, df, breaches=out.breaches))
    step(f"writing {SUMMARY_FILE} ...")
    # A "passed" verdict is shown only where a baseline gate ran; a breach always.
    shown = out.breaches if baseline_dir is not None or out.breaches else None
    out.files.append(write_summary_md(run_dir, df, comparison=comparison, breaches=shown))
    if html:
        from evalkit.report.html import REPORT_FILE, write_report

        step(f"writing {REPORT_FILE} ({len(df):,} records) ...")
        out.files.append(write_report(run_dir, df=df))
    return out


__all__ = ["Rendered", "render_run"]
