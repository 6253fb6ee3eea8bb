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
    """What ``render_run`` wrote, and the gate's verdict when there was a baseline."""

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
    """Write report.html, junit.xml and summary.md for a run (gated against a baseline).

    ``on_step`` is told of each step before it starts ("writing report.html ..."):
    at 10,000 records the whole takes seconds, which a log should account for.
    """
    from evalkit.metrics import load_run
    from evalkit.report.junit import JUNIT_FILE, write_junit
    from evalkit.report.markdown import SUMMARY_FILE, write_summary_md

    def step(text: str) -> None:
        if on_step is not None:
            on_step(text)

    if df is None:
        step("loading records ...")
        df = load_run(run_dir)
    out = Rendered()
    comparison = None
    if baseline_dir is not None:
        from evalkit.report.comparison import compare_markdown
        from evalkit.report.gate import evaluate_gate

        step(f"gating against {baseline_dir} ...")
        base = load_run(baseline_dir)  # loaded once for the gate and the comparison
        out.breaches = evaluate_gate(df, base, gate or GateConfig())
        comparison = compare_markdown([base, df])
    step(f"writing {JUNIT_FILE} ...")
    out.files.append(write_junit(run_dir, df))
    step(f"writing {SUMMARY_FILE} ...")
    out.files.append(
        write_summary_md(
            run_dir, df, comparison=comparison, breaches=out.breaches if baseline_dir else None
        )
    )
    if html:
        from evalkit.report.html import REPORT_FILE, write_report

        step(f"writing {REPORT_FILE} ({len(df):,} records) ...")
        out.files.append(write_report(run_dir, df=df))
    return out


__all__ = ["Rendered", "render_run"]
