"""What the CLI prints after a run: the summary table and where the outputs are."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.config import Config
from evalkit.runfolder import resolve_run_dir

if TYPE_CHECKING:
    import pandas as pd


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def print_summary(run_dir: Path, df: pd.DataFrame) -> None:
    """The per target x suite table: n, accuracy, errors, retries, latency, tokens, cost."""
    from rich.console import Console
    from rich.table import Table

    from evalkit.metrics import summary_table

    if df.empty:
        print("no records")
        return
    table = Table(title=f"run {run_dir.name}", title_justify="left")
    for col in (
        "target",
        "suite",
        "n",
        "accuracy (95% CI)",
        "errors",
        "retries",
        "e2e p50",
        "e2e p90",
        "ttft p50",
        "tokens in/out",
        "cost $",
    ):
        table.add_column(col, justify="left" if col in ("target", "suite") else "right")
    for row in summary_table(df).reset_index().to_dict("records"):
        low, high = row.get("ci_low"), row.get("ci_high")
        # Small-n intervals are Wilson intervals: lopsided, so show both ends.
        ci = "" if _missing(low) or _missing(high) else f"[{low:.1%}, {high:.1%}]"
        est = " est." if row.get("cost_estimated") else ""
        table.add_row(
            str(row["arm"]),
            str(row["suite"]),
            str(row["n"]),
            f"{row['accuracy']:.1%} {ci}",
            str(row["n_error"]),
            str(row["retries"]),
            _fmt(row.get("e2e_p50"), ".3f"),
            _fmt(row.get("e2e_p90"), ".3f"),
            _fmt(row.get("ttft_p50"), ".3f"),
            f"{_fmt(row.get('prompt_tokens'), ',')}/{_fmt(row.get('completion_tokens'), ',')}",
            f"{_fmt(row.get('cost_total'), '.4f')}{est}",
        )
    Console(width=160).print(table)


def finish_run(
    run_dir: Path, config: Config, *, baseline: str | None, out: Path, html: bool = True
) -> int:
    """Render outputs, gate against a baseline, print the summary; returns 0 or 1."""
    from evalkit.metrics import load_run
    from evalkit.report import render_run

    baseline_dir = resolve_run_dir(baseline, out) if baseline else None
    df = load_run(run_dir)
    rendered = render_run(run_dir, baseline_dir=baseline_dir, gate=config.gate, html=html, df=df)
    print_summary(run_dir, df)
    for path in rendered.files:
        print(f"wrote {path}")
    if rendered.breaches:
        print(f"gate FAILED against {baseline_dir}:")
        for breach in rendered.breaches:
            print(f"  - {breach.message}")
        return 1
    if baseline_dir is not None:
        print(f"gate passed against {baseline_dir}")
    return 0


__all__ = ["finish_run", "print_summary"]
