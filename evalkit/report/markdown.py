"""summary.md for a GitHub job summary, and the Markdown of a run comparison.

Written to be appended to ``$GITHUB_STEP_SUMMARY``: one table per run, the
gate verdict, and (against a baseline) paired differences with error bars.
Cells can hold model output, which is untrusted: ``md_cell`` escapes table
pipes, HTML and Markdown markup and folds newlines.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.metrics import (
    concat_runs,
    flips,
    load_run,
    needle_calibration,
    paired_diff,
    summary_table,
)
from evalkit.records import MANIFEST_FILE
from evalkit.report.gate import Breach, match_targets

if TYPE_CHECKING:
    import pandas as pd

SUMMARY_FILE = "summary.md"
_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "|": "\\|",
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "#": "\\#",
        "~": "\\~",
        "\r": " ",
        "\n": " ⏎ ",
        "\t": " ",
    }
)


def _is_null(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return type(value).__name__ == "NAType"  # pandas.NA, without importing pandas


def md_cell(value: Any, limit: int = 80) -> str:
    """``value`` safe inside a Markdown table cell: escaped, one line, cut to ``limit``."""
    text = "" if _is_null(value) else str(value)
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.translate(_ESCAPES)


def _num(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def fmt_seconds(value: Any) -> str:
    """A duration: "430 ms" below a second, "1.23 s" above; "–" when unknown."""
    s = _num(value)
    if math.isnan(s):
        return "–"
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def fmt_usd(value: Any) -> str:
    """Dollars with as many decimals as a small amount needs; "–" when unknown."""
    x = _num(value)
    if math.isnan(x):
        return "–"
    if x == 0 or abs(x) >= 1:
        return f"${x:,.2f}"
    return f"${x:.{max(2, 2 - math.floor(math.log10(abs(x))))}f}"


def _fmt_rel(value: Any) -> str:
    x = _num(value)
    return "–" if math.isnan(x) else f"{x:+.1%}"


def _fmt_ci(mean: Any, low: Any, high: Any) -> str:
    """An accuracy and its CI; the bounds are clipped to [0, 1], where scores live."""
    m = _num(mean)
    if math.isnan(m):
        return "–"
    lo, hi = _num(low), _num(high)
    if math.isnan(lo) or math.isnan(hi):
        return f"{m:.3f}"
    return f"{m:.3f} [{max(lo, 0.0):.3f}, {min(hi, 1.0):.3f}]"


def _manifest(run_dir: Path) -> dict[str, Any]:
    path = run_dir / MANIFEST_FILE
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def gate_markdown(breaches: list[Breach] | None, baseline: str | None = None) -> str:
    """The gate verdict: passed, or one bullet per breach ("" when no gate ran)."""
    if breaches is None:
        return ""
    against = f" against baseline `{md_cell(baseline, 120)}`" if baseline else ""
    if not breaches:
        return f"### Gate: passed ✅\n\nNo regression{against}.\n"
    lines = [f"### Gate: FAILED ❌\n\n{len(breaches)} breach(es){against}:\n"]
    lines += [f"- **{b.kind}** {md_cell(b.message, 400)}" for b in breaches]
    return "\n".join(lines) + "\n"


def _errors_cell(row: Any) -> str:
    n = int(row["n_error"])
    if not n:
        return "0"
    kinds = ", ".join(f"{k} ×{v}" for k, v in sorted(row["errors_by_type"].items()))
    return f"{n} ({md_cell(kinds, 60)})"


def run_table(df: pd.DataFrame) -> str:
    """The per target x suite table of a run (accuracy, errors, latency, tokens, cost)."""
    table = summary_table(df, by=("arm", "suite"))
    lines = [
        "| target | suite | n | accuracy [95% CI] | errors | retries "
        "| e2e p50 / p90 | TTFT p50 / p90 | tokens in / out | cost |",
        "|---|---|---:|---|---|---:|---|---|---|---:|",
    ]
    for row in table.to_dict("records"):
        est = " (est.)" if row["cost_estimated"] else ""
        mark = " ᶜ" if row["clustered"] else ""
        sim = " †" if row["simulated"] else ""
        lines.append(
            f"| {md_cell(row['arm'])}{sim} | {md_cell(row['suite'])} | {row['n']} "
            f"| {_fmt_ci(row['accuracy'], row['ci_low'], row['ci_high'])}{mark} "
            f"| {_errors_cell(row)} | {row['retries']} "
            f"| {fmt_seconds(row['e2e_p50'])} / {fmt_seconds(row['e2e_p90'])} "
            f"| {fmt_seconds(row['ttft_p50'])} / {fmt_seconds(row['ttft_p90'])} "
            f"| {row['prompt_tokens']:,} / {row['completion_tokens']:,}{est} "
            f"| {fmt_usd(row['cost_total'])}{est} |"
        )
    return "\n".join(lines) + "\n"


def calibration_markdown(df: pd.DataFrame) -> str:
    """One line per arm on the needle prompts' estimated vs reported length ("" without any)."""
    table = needle_calibration(df)
    lines = []
    for arm, g in table.groupby("arm", sort=False):
        lo, hi = float(g["ratio"].min()), float(g["ratio"].max())
        span = f"{lo:.3f}" if f"{lo:.3f}" == f"{hi:.3f}" else f"{lo:.3f}–{hi:.3f}"
        lines.append(
            f"Needle length calibration, `{md_cell(arm)}`: reported / estimated prompt tokens "
            f"{span}; suggested `chars_per_token` "
            f"{float(g['suggested_chars_per_token'].iloc[0]):.2f} "
            f"(generated with {float(g['chars_per_token'].iloc[0]):.2f}).\n"
        )
    return "\n".join(lines)


def write_summary_md(
    run_dir: Path,
    df: pd.DataFrame | None = None,
    out: Path | None = None,
    comparison: str | None = None,
    breaches: list[Breach] | None = None,
) -> Path:
    """Write ``summary.md`` (or ``out``): run header, table, gate verdict, comparison."""
    run_dir = Path(run_dir)
    frame = load_run(run_dir) if df is None else df
    out = run_dir / SUMMARY_FILE if out is None else Path(out)
    manifest = _manifest(run_dir)
    run_id = str(manifest.get("run_id") or frame.attrs.get("run_id") or run_dir.name)
    parts = [f"## evalkit run `{md_cell(run_id, 120)}`\n"]
    facts = [f"status: {md_cell(manifest.get('status', 'unknown'))}"]
    if manifest.get("created_at"):
        facts.append(f"started {md_cell(manifest['created_at'])}")
    facts.append(f"{len(frame)} records")
    parts.append(" · ".join(facts) + "\n")
    simulated = sorted(frame.loc[frame["simulated"], "target"].astype(str).unique())
    if simulated:
        names = ", ".join(f"`{md_cell(t)}`" for t in simulated)
        parts.append(
            f"> **Simulated:** {names} answered from evalkit's built-in simulator: "
            "scores, latency and cost are synthetic, not a real model's.\n"
        )
    if len(frame):
        parts.append(run_table(frame))
        parts.append(
            "Accuracy counts a request error as 0. †: simulated target. "
            "ᶜ: clustered standard error. "
            "(est.): token counts estimated, not reported by the endpoint.\n"
        )
        calibration = calibration_markdown(frame)
        if calibration:
            parts.append(calibration)
    else:
        parts.append("No records.\n")
    gate = gate_markdown(breaches, manifest.get("baseline"))
    if gate:
        parts.append(gate)
    if comparison:
        parts.append(comparison)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    os.replace(tmp, out)
    return out


def _as_frame(runs: pd.DataFrame | Sequence[pd.DataFrame | str | Path]) -> pd.DataFrame:
    import pandas as pd

    if isinstance(runs, pd.DataFrame):
        return runs
    frames = [r if isinstance(r, pd.DataFrame) else load_run(r) for r in runs]
    return concat_runs(frames)


def arm_pairs(df: pd.DataFrame) -> list[tuple[str, str]]:
    """Which arms to compare: (reference, other) pairs.

    One run: its first target against each other one. Several runs (as
    concat_runs labels them): each later run's targets against the first
    run's, matched as the gate matches them (by name, or one to one).
    """
    column = "run_label" if "run_label" in df.columns else "run_id"
    runs = list(dict.fromkeys(df[column].astype(str)))
    arm_of: dict[tuple[str, str], str] = {}
    for run, target, arm in zip(
        df[column].astype(str), df["target"].astype(str), df["arm"].astype(str), strict=True
    ):
        arm_of.setdefault((run, target), arm)
    targets = {run: [t for (r, t) in arm_of if r == run] for run in runs}
    if len(runs) == 1:
        arms = [arm_of[(runs[0], t)] for t in targets[runs[0]]]
        return [(arms[0], other) for other in arms[1:]]
    ref = runs[0]
    pairs: list[tuple[str, str]] = []
    for run in runs[1:]:
        matched, _ = match_targets(targets[run], targets[ref])
        pairs += [(arm_of[(ref, bt)], arm_of[(run, ct)]) for bt, ct in matched]
    return pairs


def _flip_lines(df: pd.DataFrame, a: str, b: str, max_examples: int) -> list[str]:
    changed = flips(df, a, b)
    lines: list[str] = []
    for direction, arrow in (("down", "↓"), ("up", "↑")):
        rows = changed[changed["direction"] == direction].head(max_examples)
        for row in rows.to_dict("records"):
            lines.append(
                f"- {arrow} `{md_cell(row['suite'])}/{md_cell(row['sample_id'])}`: "
                f"A: {md_cell(row['output_a'], 60)} ({md_cell(row['explanation_a'], 60)}) → "
                f"B: {md_cell(row['output_b'], 60)} ({md_cell(row['explanation_b'], 60)})"
            )
    return lines


def compare_markdown(
    runs: pd.DataFrame | Sequence[pd.DataFrame | str | Path],
    breaches: list[Breach] | None = None,
    max_examples: int = 3,
) -> str:
    """Markdown comparing arms side by side per suite, B against A (see ``arm_pairs``).

    ``runs`` is a frame from load_run/load_runs/concat_runs, or run folders
    or frames to load and join. Per pair: accuracy of each arm, the paired
    difference with its 95% CI and significance, flips up/down with a few
    examples, and p90 latency and cost-per-sample deltas; then the gate
    verdict when ``breaches`` is given.
    """
    df = _as_frame(runs)
    parts = []
    for a, b in arm_pairs(df):
        diff = paired_diff(df, a, b, by="suite")
        lines = [
            f"### `{md_cell(b)}` (B) vs `{md_cell(a)}` (A)\n",
            "| suite | n | A | B | B − A [95% CI] | significant | flips ↑ / ↓ "
            "| p90 e2e A → B | cost / sample A → B |",
            "|---|---:|---:|---:|---|---|---|---|---|",
        ]
        for row in diff.to_dict("records"):
            sig = "**yes**" if row["significant"] else "no"
            ci = f"{row['diff']:+.3f} [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}]"
            lines.append(
                f"| {md_cell(row['suite'])} | {row['n']} | {row['mean_a']:.3f} "
                f"| {row['mean_b']:.3f} | {ci} | {sig} "
                f"| {row['n_flip_up']} / {row['n_flip_down']} "
                f"| {fmt_seconds(row['p90_latency_a'])} → {fmt_seconds(row['p90_latency_b'])} "
                f"({_fmt_rel(row['p90_latency_rel_delta'])}) "
                f"| {fmt_usd(row['cost_a'])} → {fmt_usd(row['cost_b'])} "
                f"({_fmt_rel(row['cost_rel_delta'])}) |"
            )
        if diff.empty:
            lines.append("| (no shared samples) | 0 | – | – | – | – | – | – | – |")
        examples = _flip_lines(df, a, b, max_examples)
        if examples:
            lines += ["", "<details><summary>Flips (examples)</summary>", "", *examples]
            lines += ["", "</details>"]
        parts.append("\n".join(lines) + "\n")
    if not parts:
        parts.append("Nothing to compare: one arm only.\n")
    gate = gate_markdown(breaches)
    if gate:
        parts.append(gate)
    return "\n".join(parts)


__all__ = [
    "SUMMARY_FILE",
    "arm_pairs",
    "calibration_markdown",
    "compare_markdown",
    "fmt_seconds",
    "fmt_usd",
    "gate_markdown",
    "md_cell",
    "run_table",
    "write_summary_md",
]
