"""What the CLI prints after a run: the summary table, where the outputs are, the gate.

The table fits the terminal: it is as wide as ``COLUMNS`` (or the terminal)
allows, dropping the columns a reader can best do without first (TTFT p50,
e2e p50, retries, tokens, then the accuracy's interval, e2e p90, errors,
cost); target, suite, n and accuracy always stay. Written to a pipe or a file
(a CI log) without ``COLUMNS``, it keeps every column. Times are written as
everywhere else (``report/format.py``: "432 ms", "2.50 s").
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.lifecycle import DryRun, Outputs


@dataclass(frozen=True)
class _Column:
    header: str
    key: str
    drop_rank: int  # lower is dropped first; 0 never


_COLUMNS = (
    _Column("target", "target", 0),
    _Column("suite", "suite", 0),
    _Column("n", "n", 0),
    _Column("accuracy (95% CI)", "accuracy", 0),
    _Column("errors", "errors", 7),
    _Column("retries", "retries", 3),
    _Column("e2e p50", "e2e_p50", 2),
    _Column("e2e p90", "e2e_p90", 6),
    _Column("ttft p50", "ttft_p50", 1),
    _Column("tokens in/out", "tokens", 4),
    _Column("cost", "cost", 8),
)
_SHORT_ACCURACY = 5  # the accuracy's interval goes after the rank-4 column


def terminal_width() -> int | None:
    """Columns to fit: ``COLUMNS`` or the terminal's; None when stdout is a pipe or a file."""
    if os.environ.get("COLUMNS", "").strip().isdigit() or sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def _cells(row: Mapping[Any, Any]) -> dict[str, str]:
    from evalkit.report import format as fmt

    est = " est." if row.get("cost_estimated") else ""
    tokens = f"{fmt.number(row.get('prompt_tokens'))}/{fmt.number(row.get('completion_tokens'))}"
    # Accuracy is over the items answered; those never sent are counted beside it.
    skipped = f" ({row['n_skipped']} skipped)" if row.get("n_skipped") else ""
    return {
        "target": str(row["arm"]),
        "suite": str(row["suite"]),
        "n": str(row["n"]),
        # Wilson intervals are lopsided near 0 and 1, so both ends are shown.
        "accuracy": fmt.accuracy(row["accuracy"], row.get("ci_low"), row.get("ci_high")) + skipped,
        "accuracy_short": fmt.percent(row["accuracy"]) + skipped,
        "errors": str(row["n_error"]),
        "retries": str(row["retries"]),
        "e2e_p50": fmt.seconds(row.get("e2e_p50")),
        "e2e_p90": fmt.seconds(row.get("e2e_p90")),
        "ttft_p50": fmt.seconds(row.get("ttft_p50")),
        "tokens": tokens,
        "cost": f"{fmt.usd(row.get('cost_total'))}{est}",
    }


def _table_width(columns: list[tuple[str, str]], rows: list[dict[str, str]]) -> int:
    """Characters the table takes: each column's widest cell, 2 of padding, 1 of border."""
    widths = [max(len(header), *(len(r[key]) for r in rows)) for header, key in columns]
    return sum(widths) + 3 * len(columns) + 1


def fit_columns(rows: list[dict[str, str]], width: int | None) -> list[tuple[str, str]]:
    """The (header, cell key) pairs to show so that the table fits ``width`` (None: all)."""
    columns = [(c.header, c.key) for c in _COLUMNS]
    if width is None:
        return columns
    ranks = {c.key: c.drop_rank for c in _COLUMNS}
    for rank in range(1, max(ranks.values()) + 1):
        if _table_width(columns, rows) <= width:
            break
        if rank == _SHORT_ACCURACY:
            i = next(i for i, (_, key) in enumerate(columns) if key == "accuracy")
            columns[i] = ("accuracy", "accuracy_short")
        columns = [(h, k) for h, k in columns if ranks.get(k) != rank]
    return columns


def print_summary(run_dir: Path, df: pd.DataFrame) -> None:
    """The per target x suite table: n, accuracy, errors, retries, latency, tokens, cost."""
    from rich.console import Console
    from rich.table import Table

    from evalkit.metrics import summary_table

    if df.empty:
        print("no records")
        return
    rows = [_cells(r) for r in summary_table(df).reset_index().to_dict("records")]
    width = terminal_width()
    columns = fit_columns(rows, width)
    table = Table(title=f"run {run_dir.name}", title_justify="left")
    for header, key in columns:
        if key in ("target", "suite"):
            table.add_column(header, justify="left", overflow="fold")
        else:
            table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*(row[key] for _, key in columns))
    needed = _table_width(columns, rows)
    Console(width=min(needed, width) if width is not None else needed).print(table)
    n_skipped = int((df["status"].astype(str) == "skipped").sum())
    if n_skipped:
        print(
            f"{n_skipped} item(s) skipped, never sent: the endpoint lacks a feature they need "
            "(why: summary.md, report.html)"
        )
    print_rate_limits(df)


def print_rate_limits(df: pd.DataFrame) -> None:
    """One line per target the endpoint rate-limited: its 429s and the time items waited."""
    from evalkit.report import format as fmt

    if not df["throttled"].any():
        return
    waited = df["queue_s"].fillna(0) + df["retry_wait_s"].fillna(0)
    per_arm = df.assign(waited=waited).groupby("arm", observed=True, sort=False)
    for arm, g in per_arm:
        if g["throttled"].any():
            print(
                f"rate limited: {arm}: {int(g['throttled'].sum())} × 429, "
                f"{fmt.seconds(g['waited'].sum())} waited in all by its items"
                " (admission and backoff)"
            )


def print_outputs(outputs: Outputs) -> None:
    """The summary table, the files written, and the gate's verdict (a breach, or a baseline)."""
    print_summary(outputs.run_dir, outputs.frame)
    for path in outputs.files:
        print(f"wrote {path}")
    if outputs.breaches:
        against = f" against {outputs.baseline_dir}" if outputs.baseline_dir is not None else ""
        print(f"gate FAILED{against}:")
        for breach in outputs.breaches:
            print(f"  - {breach.message}")
    elif outputs.baseline_dir is not None:
        print(f"gate passed against {outputs.baseline_dir}")


def print_estimate(estimate: DryRun) -> None:
    """What ``evalkit run --dry-run`` prints: requests, tokens and cost per target x suite."""
    from evalkit.report import format as fmt
    from evalkit.runner.estimate import DEFAULT_OUTPUT_TOKENS

    print("dry run: nothing was sent and no run folder was created")
    if estimate.already_recorded:
        print(
            f"{estimate.already_recorded} item(s) already recorded "
            f"({fmt.usd(estimate.spent_usd)} spent); what is left:"
        )
    header = ("target", "suite", "requests", "prompt tokens", "output tokens", "cost")
    rows = [
        (
            r.target,
            r.suite,
            fmt.number(r.requests),
            fmt.number(r.prompt_tokens),
            fmt.number(r.output_tokens),
            fmt.usd(r.cost_usd) if r.priced else "no prices",
        )
        for r in estimate.rows
    ]
    total = sum(r.cost_usd for r in estimate.rows)
    rows.append(
        (
            "total",
            "",
            fmt.number(estimate.requests),
            fmt.number(sum(r.prompt_tokens for r in estimate.rows)),
            fmt.number(sum(r.output_tokens for r in estimate.rows)),
            fmt.usd(total),
        )
    )
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        cells = [
            str(cell).ljust(w) if i < 2 else str(cell).rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    print("prompt tokens: estimated, about 4 characters a token")
    print(
        "output tokens: each request's max_tokens, else the target's max_output_tokens, "
        f"else {DEFAULT_OUTPUT_TOKENS:,}"
    )
    print("  (a ceiling: answers are often shorter, so the cost is an upper estimate)")
    print("cost: the prices in evalkit.toml (price_input_per_mtok, price_output_per_mtok)")
    unpriced = sorted({r.target for r in estimate.rows if not r.priced})
    if unpriced:
        print(f"no prices in evalkit.toml for: {', '.join(unpriced)} (counted as $0)")
    if estimate.max_cost is not None:
        after = estimate.spent_usd + total
        verdict = "within" if after <= estimate.max_cost else "past"
        print(
            f"cost limit {fmt.usd(estimate.max_cost)}: the run would end at about "
            f"{fmt.usd(after)} at most, {verdict} it"
            + ("" if verdict == "within" else " (it would stop early, exit 3; resumable)")
        )


__all__ = [
    "fit_columns",
    "print_estimate",
    "print_outputs",
    "print_rate_limits",
    "print_summary",
    "terminal_width",
]
