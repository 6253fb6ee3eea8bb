"""What the CLI prints after a run: the summary table, where the outputs are, the gate."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.lifecycle import Outputs


def print_summary(run_dir: Path, df: pd.DataFrame) -> None:
    """The per target x suite table: n, accuracy, errors, retries, latency, tokens, cost."""
    from rich.console import Console
    from rich.table import Table

    from evalkit.metrics import summary_table
    from evalkit.report import format as fmt

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
        "cost",
    ):
        table.add_column(col, justify="left" if col in ("target", "suite") else "right")
    for row in summary_table(df).reset_index().to_dict("records"):
        est = " est." if row.get("cost_estimated") else ""
        table.add_row(
            str(row["arm"]),
            str(row["suite"]),
            str(row["n"]),
            # Small-n intervals are Wilson intervals: lopsided, so both ends are shown.
            fmt.accuracy(row["accuracy"], row.get("ci_low"), row.get("ci_high"))
            + (f" ({row['n_skipped']} skipped)" if row.get("n_skipped") else ""),
            str(row["n_error"]),
            str(row["retries"]),
            fmt.seconds(row.get("e2e_p50")),
            fmt.seconds(row.get("e2e_p90")),
            fmt.seconds(row.get("ttft_p50")),
            f"{fmt.number(row.get('prompt_tokens'))}/{fmt.number(row.get('completion_tokens'))}",
            f"{fmt.usd(row.get('cost_total'))}{est}",
        )
    Console(width=160).print(table)
    n_skipped = int((df["status"].astype(str) == "skipped").sum())
    if n_skipped:
        print(
            f"{n_skipped} item(s) skipped, never sent: the endpoint lacks a feature they need "
            "(why: summary.md, report.html)"
        )


def print_outputs(outputs: Outputs) -> None:
    """The summary table, the files written, and the gate's verdict when there was a baseline."""
    print_summary(outputs.run_dir, outputs.frame)
    for path in outputs.files:
        print(f"wrote {path}")
    if outputs.breaches:
        print(f"gate FAILED against {outputs.baseline_dir}:")
        for breach in outputs.breaches:
            print(f"  - {breach.message}")
    elif outputs.baseline_dir is not None:
        print(f"gate passed against {outputs.baseline_dir}")


__all__ = ["print_outputs", "print_summary"]
