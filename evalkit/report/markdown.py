"""summary.md for a GitHub job summary.

Written to be appended to ``$GITHUB_STEP_SUMMARY``: the run's header, the
gate verdict (first: it is what a reader of a nightly job looks for, and a
failures list can be long), any stopped target with the reason, one table
per run, the failing samples in a collapsed section, and (against a
baseline) the comparison. Cells can hold model output, which is untrusted: see ``mdtext``
for how it is escaped.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.metrics import load_run, needle_calibration, summary_table
from evalkit.report import format as fmt
from evalkit.report.comparison import gate_markdown
from evalkit.report.gate import Breach
from evalkit.report.mdtext import md_cell, md_code
from evalkit.report.stopped import StoppedTarget, records_per_target, stopped_targets
from evalkit.runfolder import read_manifest_if_any

if TYPE_CHECKING:
    import pandas as pd

SUMMARY_FILE = "summary.md"
FORMAT_NOTE = (
    "strict-match: the reply as it stands, in the form the grader asks for (followed the "
    "format); flexible-extract: the expected answer found inside a longer reply ("
    '"The capital is Paris.", "Answer: Paris", **Paris**). accuracy is the suite\'s own '
    "grader, the one the gate uses.\n"
)
MAX_FAILURES = 20  # listed per target x suite; the rest are counted
WHY_CHARS = 120


def _errors_cell(row: Any) -> str:
    n = int(row["n_error"])
    if not n:
        return "0"
    kinds = ", ".join(f"{k} ×{v}" for k, v in sorted(row["errors_by_type"].items()))
    return f"{n} ({md_cell(kinds, 60)})"


def _retries_cell(row: Any) -> str:
    # 429s and the time they cost are the first thing to look at when a run is slow.
    n = int(row["throttled"])
    if not n:
        return str(row["retries"])
    return f"{row['retries']} ({n} × 429, {fmt.seconds(row['wait_s'])} waiting)"


def run_table(df: pd.DataFrame) -> str:
    """The per target x suite table of a run (accuracy, errors, latency, tokens, cost)."""
    table = summary_table(df, by=("arm", "suite"))
    # Strict and extracted accuracies only where a text grader gave them.
    both = bool(table["accuracy_strict"].notna().any())
    extra_head = " strict-match | flexible-extract |" if both else ""
    lines = [
        f"| target | suite | n | accuracy [95% CI] |{extra_head} errors | retries "
        "| e2e p50 / p90 | TTFT p50 / p90 | tokens in / out | cost |",
        "|---|---|---:|---|" + ("---:|---:|" if both else "") + "---|---:|---|---|---|---:|",
    ]
    for row in table.to_dict("records"):
        est = " (est.)" if row["cost_estimated"] else ""
        mark = " ᶜ" if row["clustered"] else ""
        sim = " †" if row["simulated"] else ""
        skipped = f" · {row['n_skipped']} skipped" if row["n_skipped"] else ""
        extra = (
            f" {fmt.percent(row['accuracy_strict'])} | {fmt.percent(row['accuracy_extracted'])} |"
            if both
            else ""
        )
        lines.append(
            f"| {md_cell(row['arm'])}{sim} | {md_cell(row['suite'])} | {row['n']} "
            f"| {fmt.accuracy(row['accuracy'], row['ci_low'], row['ci_high'])}{mark}{skipped} "
            f"|{extra}"
            f" {_errors_cell(row)} | {_retries_cell(row)} "
            f"| {fmt.seconds(row['e2e_p50'])} / {fmt.seconds(row['e2e_p90'])} "
            f"| {fmt.seconds(row['ttft_p50'])} / {fmt.seconds(row['ttft_p90'])} "
            f"| {fmt.number(row['prompt_tokens'])} / {fmt.number(row['completion_tokens'])}{est} "
            f"| {fmt.usd(row['cost_total'])}{est} |"
        )
    return "\n".join(lines) + "\n"


def calibration_markdown(df: pd.DataFrame) -> str:
    """One line per arm on the needle prompts' estimated vs reported length ("" without any)."""
    table = needle_calibration(df)
    lines = []
    for arm, g in table.groupby("arm", sort=False):
        lo, hi = float(g["ratio"].min()), float(g["ratio"].max())
        span = fmt.number(lo, 3)
        if fmt.number(hi, 3) != span:
            span = f"{span}–{fmt.number(hi, 3)}"
        lines.append(
            f"Needle length calibration, {md_code(arm)}: reported / estimated prompt tokens "
            f"{span}; suggested `chars_per_token` "
            f"{fmt.number(g['suggested_chars_per_token'].iloc[0], 2)} "
            f"(generated with {fmt.number(g['chars_per_token'].iloc[0], 2)}).\n"
        )
    return "\n".join(lines)


def stopped_markdown(stopped: list[StoppedTarget]) -> str:
    """The "Stopped targets" section: each stopped target, why, what it left ("" if none)."""
    if not stopped:
        return ""
    lines = [
        "### Stopped targets ⚠️\n",
        "The runner stopped these targets at a fatal error; their remaining items were not sent.\n",
        "| target | reason | not run |",
        "|---|---|---|",
    ]
    for s in stopped:
        lines.append(
            f"| {md_code(s.target, table=True)} | {md_cell(s.reason, 300)} "
            f"| {s.not_run_text() or '–'} |"
        )
    return "\n".join(lines) + "\n"


def _failed(df: pd.DataFrame) -> pd.Series[bool]:
    """Records that failed: an error, or a graded answer that did not pass (as in junit.xml)."""
    status = df["status"].astype(str)
    ok = status == "ok"
    graded = df["scores"].map(lambda s: s is not None and len(s) > 0).astype(bool)
    return (~ok & (status != "skipped")) | (graded & ~df["passed"].astype(bool))


def skipped_markdown(df: pd.DataFrame) -> str:
    """The "Skipped" section: items never sent, per target x suite and reason ("" if none)."""
    if df.empty:
        return ""
    skipped = df[df["status"].astype(str) == "skipped"]
    if skipped.empty:
        return ""
    lines = [
        f"### Skipped ({len(skipped)})\n",
        "Never sent: the capability probe found the endpoint lacks a feature these items "
        "need. Accuracy is over the items answered.\n",
        "| target | suite | items | why |",
        "|---|---|---:|---|",
    ]
    reasons = skipped["skip_reason"].fillna("").astype(str)
    keys = [skipped["arm"].astype(str), skipped["suite"].astype(str), reasons]
    for (arm, suite, reason), g in skipped.groupby(keys, sort=True):
        lines.append(
            f"| {md_code(arm, table=True)} | {md_code(suite, table=True)} | {len(g)} "
            f"| {md_cell(reason, 300)} |"
        )
    return "\n".join(lines) + "\n"


def _why(rec: Mapping[Any, Any]) -> str:
    if str(rec.get("status")) != "ok":
        return f"error: {rec.get('error_type')}: {rec.get('error_message') or ''}"
    return str(rec.get("explanation") or f"score {rec.get('score')}")


def failures_markdown(df: pd.DataFrame, limit: int = MAX_FAILURES) -> str:
    """A collapsed list of failed and errored samples, at most ``limit`` per target x suite."""
    if df.empty:
        return ""
    failed = df[_failed(df)]
    if failed.empty:
        return ""
    with_epoch = bool((df["epoch"] > 0).any())
    lines = [
        f"<details><summary>Failures ({len(failed)})</summary>\n",
        "| target | suite | sample | why |",
        "|---|---|---|---|",
    ]
    more: list[str] = []
    for (arm, suite), g in failed.groupby(["arm", "suite"], observed=True, sort=True):
        for rec in g.head(limit).to_dict("records"):
            sample = f"{rec['sample_id']}#{rec['epoch']}" if with_epoch else str(rec["sample_id"])
            lines.append(
                f"| {md_code(arm, table=True)} | {md_code(suite, table=True)} "
                f"| {md_code(sample, table=True)} | {md_cell(_why(rec), WHY_CHARS)} |"
            )
        if len(g) > limit:
            more.append(f"{md_code(arm)} / {md_code(suite)}: {len(g) - limit} more")
    if more:
        lines += ["", "Not listed: " + "; ".join(more) + " (see report.html or junit.xml)."]
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def write_summary_md(
    run_dir: Path,
    df: pd.DataFrame | None = None,
    out: Path | None = None,
    comparison: str | None = None,
    breaches: list[Breach] | None = None,
) -> Path:
    """Write ``summary.md`` (or ``out``): header, gate, stopped targets, table, failures, diff."""
    run_dir = Path(run_dir)
    frame = load_run(run_dir) if df is None else df
    out = run_dir / SUMMARY_FILE if out is None else Path(out)
    manifest = read_manifest_if_any(run_dir)
    if manifest is not None:
        run_id = manifest.run_id
        facts = [f"status: {md_cell(manifest.status)}", f"started {md_cell(manifest.created_at)}"]
    else:
        run_id = str(frame.attrs.get("run_id") or run_dir.name)
        facts = [f"status: {md_cell('unknown')}"]
    parts = [f"## evalkit run {md_code(run_id, 120)}\n"]
    facts.append(f"{len(frame)} records")
    parts.append(" · ".join(facts) + "\n")
    gate = gate_markdown(breaches, manifest.baseline if manifest else None)
    if gate:
        parts.append(gate)
    simulated = sorted(frame.loc[frame["simulated"].astype(bool), "target"].astype(str).unique())
    if simulated:
        names = ", ".join(md_code(t) for t in simulated)
        parts.append(
            f"> **Simulated:** {names} answered from evalkit's built-in simulator: "
            "scores, latency and cost are synthetic, not a real model's.\n"
        )
    stopped = stopped_markdown(stopped_targets(manifest, records_per_target(frame)))
    if stopped:
        parts.append(stopped)
    if len(frame):
        parts.append(run_table(frame))
        parts.append(
            "Accuracy counts a request error as 0 and leaves out skipped items; its 95% CI "
            "is the Wilson score interval, which stays within 0–100% at any n. "
            "†: simulated target. ᶜ: items share clusters (needle haystacks), so the "
            "interval is widened by the design effect. "
            "(est.): token counts estimated, not reported by the endpoint.\n"
        )
        if "strict_score" in frame and frame["strict_score"].notna().any():
            parts.append(FORMAT_NOTE)
        skipped = skipped_markdown(frame)
        if skipped:
            parts.append(skipped)
        failures = failures_markdown(frame)
        if failures:
            parts.append(failures)
        calibration = calibration_markdown(frame)
        if calibration:
            parts.append(calibration)
    else:
        parts.append("No records.\n")
    if comparison:
        parts.append(comparison)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    os.replace(tmp, out)
    return out


__all__ = [
    "MAX_FAILURES",
    "SUMMARY_FILE",
    "calibration_markdown",
    "failures_markdown",
    "run_table",
    "skipped_markdown",
    "stopped_markdown",
    "write_summary_md",
]
