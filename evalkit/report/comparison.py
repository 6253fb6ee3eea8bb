"""The Markdown of a comparison (compare.md, the compare command's output) and of a gate verdict.

Every arm is in the side-by-side table; then each pair that ``arm_pairs``
forms gets its paired differences, flips and deltas. Untrusted names go in
code spans (``md_code``) and untrusted text through ``md_cell``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.metrics import concat_runs, flips, load_run, paired_diff, summary_table
from evalkit.report import format as fmt
from evalkit.report.arms import arm_pairs, arms_in_order, require_comparable
from evalkit.report.gate import Breach
from evalkit.report.mdtext import md_cell, md_code

if TYPE_CHECKING:
    import pandas as pd


def gate_markdown(breaches: list[Breach] | None, baseline: str | None = None) -> str:
    """The gate verdict: passed, or one bullet per breach ("" when no gate ran: None)."""
    if breaches is None:
        return ""
    against = f" against baseline {md_code(baseline, 120)}" if baseline else ""
    if not breaches:
        return f"### Gate: passed ✅\n\nNo regression{against}.\n"
    lines = [f"### Gate: FAILED ❌\n\n{len(breaches)} breach(es){against}:\n"]
    lines += [f"- **{b.kind}** {md_cell(b.message, 400)}" for b in breaches]
    return "\n".join(lines) + "\n"


def _as_frame(runs: pd.DataFrame | Sequence[pd.DataFrame | str | Path]) -> pd.DataFrame:
    import pandas as pd

    if isinstance(runs, pd.DataFrame):
        return runs
    frames = [r if isinstance(r, pd.DataFrame) else load_run(r) for r in runs]
    return concat_runs(frames)


def side_by_side(df: pd.DataFrame, arms: list[str]) -> str:
    """Every arm on every suite it ran: n, accuracy with its CI, errors, p90 latency, cost."""
    table = summary_table(df, by=("arm", "suite"))
    rows = {(str(r["arm"]), str(r["suite"])): r for r in table.to_dict("records")}
    suites = list(dict.fromkeys(str(s) for s in table["suite"]))
    lines = [
        "| suite | arm | n | accuracy [95% CI] | errors | p90 e2e | cost / sample |",
        "|---|---|---:|---|---:|---|---|",
    ]
    for suite in suites:
        for arm in arms:
            r = rows.get((arm, suite))
            if r is None:
                continue
            lines.append(
                f"| {md_code(suite, table=True)} | {md_code(arm, table=True)} | {r['n']} "
                f"| {fmt.accuracy(r['accuracy'], r['ci_low'], r['ci_high'])} | {r['n_error']} "
                f"| {fmt.seconds(r['e2e_p90'])} | {fmt.usd(r['cost_per_sample'])} |"
            )
    return "\n".join(lines) + "\n"


def _flip_lines(df: pd.DataFrame, a: str, b: str, max_examples: int) -> list[str]:
    changed = flips(df, a, b)
    lines: list[str] = []
    for direction, arrow in (("down", "↓"), ("up", "↑")):
        rows = changed[changed["direction"] == direction].head(max_examples)
        for row in rows.to_dict("records"):
            where = f"{row['suite']}/{row['sample_id']}"
            lines.append(
                f"- {arrow} {md_code(where)}: "
                f"A: {md_cell(row['output_a'], 60)} ({md_cell(row['explanation_a'], 60)}) → "
                f"B: {md_cell(row['output_b'], 60)} ({md_cell(row['explanation_b'], 60)})"
            )
    return lines


def _significance(row: Mapping[Any, Any]) -> str:
    p = fmt.p_value(row.get("p_value"))
    verdict = "**yes**" if row["significant"] else "no"
    return f"{verdict} ({p})" if p else verdict


def _pair_section(df: pd.DataFrame, a: str, b: str, max_examples: int) -> str:
    diff = paired_diff(df, a, b, by="suite")
    lines = [
        f"### {md_code(b)} (B) vs {md_code(a)} (A)\n",
        "| suite | n | A | B | B − A [95% CI] | significant | flips ↑ / ↓ "
        "| p90 e2e A → B | cost / sample A → B |",
        "|---|---:|---:|---:|---|---|---|---|---|",
    ]
    for row in diff.to_dict("records"):
        lines.append(
            f"| {md_cell(row['suite'])} | {row['n']} | {fmt.percent(row['mean_a'])} "
            f"| {fmt.percent(row['mean_b'])} "
            f"| {fmt.difference(row['diff'], row['ci_low'], row['ci_high'])} "
            f"| {_significance(row)} | {row['n_flip_up']} / {row['n_flip_down']} "
            f"| {fmt.seconds(row['p90_latency_a'])} → {fmt.seconds(row['p90_latency_b'])} "
            f"({fmt.change(row['p90_latency_rel_delta'])}) "
            f"| {fmt.usd(row['cost_a'])} → {fmt.usd(row['cost_b'])} "
            f"({fmt.change(row['cost_rel_delta'])}) |"
        )
    if diff.empty:
        lines.append("| (no shared samples) | 0 | – | – | – | – | – | – | – |")
    examples = _flip_lines(df, a, b, max_examples)
    if examples:
        lines += ["", "<details><summary>Flips (examples)</summary>", "", *examples]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def compare_markdown(
    runs: pd.DataFrame | Sequence[pd.DataFrame | str | Path],
    breaches: list[Breach] | None = None,
    max_examples: int = 3,
    reference: str | None = None,
) -> str:
    """Markdown comparing arms: all of them side by side, then B against A per pair.

    ``runs`` is a frame from load_run/load_runs/concat_runs, or run folders
    or frames to load and join. First a table of every arm on every suite;
    then per pair (see ``arm_pairs``): accuracy of each arm, the paired
    difference with its 95% CI, significance and p-value, flips up/down with
    a few examples, and p90 latency and cost-per-sample deltas; then the gate
    verdict when ``breaches`` is given. ``reference`` overrides which arm (or
    run) the others are measured against (see ``arm_pairs``). InputError
    (``require_comparable``) when there is a single arm of a single run.
    """
    df = _as_frame(runs)
    require_comparable(df)
    arms = arms_in_order(df)
    parts = ["### Side by side\n", side_by_side(df, arms) if arms else "No records.\n"]
    pairs = arm_pairs(df, reference)
    for a, b in pairs:
        parts.append(_pair_section(df, a, b, max_examples))
    unpaired = [arm for arm in arms if arm not in {x for pair in pairs for x in pair}]
    if unpaired:
        names = ", ".join(md_code(a) for a in unpaired)
        parts.append(f"In no pair (side by side only): {names}.\n")
    gate = gate_markdown(breaches)
    if gate:
        parts.append(gate)
    return "\n".join(parts)


__all__ = ["compare_markdown", "gate_markdown", "side_by_side"]
