"""A run's own errors as a verdict: too many items in error, or a target that never answered.

Accuracy counts an error as 0, but without a baseline nothing compared it,
so a run whose endpoint was unreachable used to exit 0 with every record an
error. Now, with or without a baseline, a run fails (exit 1) when:

- a target x suite ended with more than ``max_error_rate`` of its items in
  error after retries (kind "errors"), or
- a target produced no answer at all: it has records and every one is an
  error (kind "no_answer": an endpoint that is unreachable, or that rejects
  every request). This holds whatever ``max_error_rate`` says, "off" included.

A prompt longer than the target's context window (error type in
``SKIPPED_ERRORS``) says nothing about the endpoint: such items are left out
of both counts, as junit.xml marks them skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.config import GateConfig
from evalkit.report import format as fmt
from evalkit.report.gate import ALL_SUITES, Breach
from evalkit.report.junit import SKIPPED_ERRORS

if TYPE_CHECKING:
    import pandas as pd

_MESSAGE_CHARS = 160


def _kinds(errors: pd.DataFrame) -> str:
    counts = errors["error_type"].astype(str).value_counts()
    return ", ".join(f"{kind} ×{n}" for kind, n in counts.items() if n)


def _first_message(errors: pd.DataFrame) -> str:
    text = str(errors["error_message"].iloc[0] or "").strip().splitlines()
    line = text[0] if text else ""
    return line if len(line) <= _MESSAGE_CHARS else line[: _MESSAGE_CHARS - 1] + "…"


def error_breaches(df: pd.DataFrame, gate: GateConfig) -> list[Breach]:
    """Every breach of the run's own error limits (empty: none); ``df`` is a ``load_run`` frame."""
    if df.empty:
        return []
    # Items the probe skipped were never sent: not errors (the report says why).
    sent = df["status"].astype(str) != "skipped"
    counted = df[sent & ~df["error_type"].astype(str).isin(SKIPPED_ERRORS)]
    out: list[Breach] = []
    for target, rows in counted.groupby(counted["target"].astype(str), sort=True):
        failed = rows["status"].astype(str) != "ok"
        if len(rows) and failed.all():
            errors = rows[failed]
            out.append(
                Breach(
                    "no_answer",
                    str(target),
                    ALL_SUITES,
                    f"{target}: no answer at all: all {len(rows)} requests ended in error "
                    f"after retries ({_kinds(errors)}); first: {_first_message(errors)}",
                )
            )
            continue
        if gate.max_error_rate is None:
            continue
        for suite, group in rows.groupby(rows["suite"].astype(str), sort=True):
            bad = group[group["status"].astype(str) != "ok"]
            share = len(bad) / len(group)
            if share > gate.max_error_rate:
                out.append(
                    Breach(
                        "errors",
                        str(target),
                        str(suite),
                        f"{target}/{suite}: {len(bad)} of {len(group)} items ended in error "
                        f"after retries ({fmt.percent(share)}) > allowed "
                        f"{fmt.percent(gate.max_error_rate)}: {_kinds(bad)}; "
                        f"first: {_first_message(bad)}",
                    )
                )
    return out


__all__ = ["error_breaches"]
