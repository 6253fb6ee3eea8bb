"""The regression gate: what makes a run fail against its baseline (exit code 1).

Per (target, suite) that both runs hold: an accuracy drop larger than
``max_accuracy_drop`` (and, with ``require_significant``, a paired 95% CI on
the difference that excludes 0); a latency rise that a seeded paired
bootstrap (``metrics.rise``) is 95% sure exceeds ``max_latency_rise`` for the
typical request (the median of per-sample ratios), when the typical request
is also more than ``latency_floor_s`` slower; a rise of the mean cost per
sample that the bootstrap is 95% sure exceeds ``max_cost_rise``. A target or
suite of the baseline that the current run lacks is a breach too: a gate
must not pass because a suite silently vanished. A run's own errors are
judged in ``errorrate``, with or without a baseline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from evalkit.config import GateConfig
from evalkit.metrics import accuracy_table, paired_diff
from evalkit.metrics.rise import Rise, bootstrap_rise
from evalkit.metrics.stats import Z95
from evalkit.report import format as fmt

if TYPE_CHECKING:
    import pandas as pd

BreachKind = Literal["accuracy", "latency", "cost", "missing", "errors", "no_answer"]
Writer = Callable[[Any], str]
ALL_SUITES = "*"


@dataclass(frozen=True)
class Breach:
    """One reason the gate fails; ``message`` reads on its own in a CI log."""

    kind: BreachKind
    arm: str
    suite: str
    message: str

    def __str__(self) -> str:
        return self.message


def match_targets(
    current: Sequence[str], baseline: Sequence[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """Pair baseline targets with current ones: (baseline, current) pairs and the unmatched.

    Targets match by name; when each run has exactly one target they match
    whatever their names (a model swapped behind the same job).
    """
    if len(current) == 1 and len(baseline) == 1:
        return [(baseline[0], current[0])], []
    pairs = [(t, t) for t in baseline if t in current]
    missing = [t for t in baseline if t not in current]
    return pairs, missing


def _targets(df: pd.DataFrame) -> list[str]:
    return [str(t) for t in df["target"].astype(str).unique()]


def _rows(df: pd.DataFrame, target: str, suite: str) -> pd.DataFrame:
    return df[(df["target"].astype(str) == target) & (df["suite"].astype(str) == suite)]


def _accuracy(
    base: pd.DataFrame, cur: pd.DataFrame
) -> tuple[float, float, float, float, float, bool] | None:
    """(mean_base, mean_cur, diff, ci_low, ci_high, significant): paired on shared samples if any.

    Paired, ``significant`` is paired_diff's (an exact sign test when there
    are few flips, so three items that fail are not "significant"); unpaired,
    it is the normal interval excluding 0.
    """
    import pandas as pd

    both = pd.concat([base.assign(arm="baseline"), cur.assign(arm="current")], ignore_index=True)
    diff = paired_diff(both, "baseline", "current", by=None)
    if len(diff) and int(diff["n"].iloc[0]) > 0:
        row = diff.iloc[0]
        return (
            float(row["mean_a"]),
            float(row["mean_b"]),
            float(row["diff"]),
            float(row["ci_low"]),
            float(row["ci_high"]),
            bool(row["significant"]),
        )
    # No sample in common (the suite was rewritten): fall back to unpaired means.
    a = accuracy_table(base, by=None)
    b = accuracy_table(cur, by=None)
    if a.empty or b.empty:
        return None
    ma, mb = float(a["accuracy"].iloc[0]), float(b["accuracy"].iloc[0])
    se = math.sqrt(float(a["se"].iloc[0]) ** 2 + float(b["se"].iloc[0]) ** 2)
    d = mb - ma
    low, high = d - Z95 * se, d + Z95 * se
    return (ma, mb, d, low, high, low > 0 or high < 0)


MIN_PAIRS = 10  # fewer shared samples than this: each run's records are resampled on their own
_PAIR_KEY = ["suite", "sample_id", "epoch"]


def _measured(
    base: pd.DataFrame, cur: pd.DataFrame, column: str, ok_only: bool
) -> tuple[list[float], list[float], bool]:
    """``column`` of both runs: per shared sample (paired) when enough are shared, else all."""
    import pandas as pd

    def values(df: pd.DataFrame) -> pd.DataFrame:
        keep = df["status"].astype(str) == "ok" if ok_only else pd.Series(True, index=df.index)
        v = pd.to_numeric(df[column], errors="coerce")
        if not ok_only:
            v = v.fillna(0.0)  # an error costs nothing but counts as a sample
        out = pd.DataFrame(
            {
                "suite": df["suite"].astype(str),
                "sample_id": df["sample_id"].astype(str),
                "epoch": df["epoch"],
                "v": v,
            }
        )[keep]
        return out[out["v"].notna()]

    b, c = values(base), values(cur)
    pairs = b.merge(c, on=_PAIR_KEY, suffixes=("_b", "_c"), sort=True)
    if len(pairs) >= MIN_PAIRS:
        return pairs["v_b"].tolist(), pairs["v_c"].tolist(), True
    return b["v"].tolist(), c["v"].tolist(), False


def _rise_breach(
    what: str, rise: Rise, allowed: float, floor: float | None, write: Writer
) -> str | None:
    """Why ``what`` breaches: 95% sure it rose beyond ``allowed`` (and by more than ``floor``)."""
    if math.isnan(rise.ratio) or math.isnan(rise.low) or rise.low - 1 <= allowed:
        return None
    if floor is not None and rise.difference <= floor:
        return None
    how = f"{rise.n} paired samples" if rise.paired else f"unpaired, n={rise.n}"
    beyond = fmt.change(allowed) if floor is None else f"{fmt.change(allowed)} and {write(floor)}"
    return (
        f"{what} rose {write(rise.before)} -> {write(rise.after)} "
        f"({fmt.change(rise.ratio - 1)}, {_signed(write, rise.difference)}; "
        f"{rise.confidence:.0%} sure of at least {fmt.change(rise.low - 1)}, {how}) "
        f"> allowed {beyond}"
    )


def _signed(write: Writer, x: float) -> str:
    return ("+" if x >= 0 else "-") + write(abs(x))


def _check_pair(
    base: pd.DataFrame, cur: pd.DataFrame, label: str, arm: str, suite: str, gate: GateConfig
) -> list[Breach]:
    reasons: list[tuple[BreachKind, str | None]] = []
    acc = _accuracy(base, cur)
    if acc is not None:
        ma, mb, d, low, high, significant = acc
        significant = significant and d < 0
        if -d > gate.max_accuracy_drop and (significant or not gate.require_significant):
            reasons.append(
                (
                    "accuracy",
                    f"accuracy fell {fmt.percent(ma)} -> {fmt.percent(mb)} ({fmt.points(d)}, "
                    f"95% CI {fmt.interval(low, high, fmt.points)}) "
                    f"> allowed {fmt.points(gate.max_accuracy_drop, signed=False)}",
                )
            )
    if gate.max_latency_rise is not None:
        before, after, paired = _measured(base, cur, "e2e_s", ok_only=True)
        rise = bootstrap_rise(before, after, statistic="median_ratio", paired=paired)
        floor = gate.latency_floor_s
        why = _rise_breach("latency", rise, gate.max_latency_rise, floor, fmt.seconds)
        reasons.append(("latency", why))
    if gate.max_cost_rise is not None:
        before, after, paired = _measured(base, cur, "cost_usd", ok_only=False)
        rise = bootstrap_rise(before, after, statistic="mean", paired=paired)
        why = _rise_breach("cost per sample", rise, gate.max_cost_rise, None, fmt.usd)
        reasons.append(("cost", why))
    return [Breach(kind, arm, suite, f"{label}/{suite}: {why}") for kind, why in reasons if why]


def evaluate_gate(current: pd.DataFrame, baseline: pd.DataFrame, gate: GateConfig) -> list[Breach]:
    """Every breach of ``gate`` by the ``current`` run against ``baseline`` (empty: pass).

    Both frames are ``load_run`` results. Accuracy is compared on the samples
    the two runs share (paired_diff: errors count as 0); latency (ok records)
    and cost (every record, an error costing 0) on the shared samples too,
    when at least ``MIN_PAIRS`` are shared, else on all records of each run.
    ``Breach.arm`` is the current run's target name.
    """
    pairs, missing = match_targets(_targets(current), _targets(baseline))
    out = [
        Breach("missing", t, ALL_SUITES, f"{t}: target of the baseline is missing from this run")
        for t in missing
    ]
    for base_target, cur_target in pairs:
        label = cur_target if cur_target == base_target else f"{cur_target} (vs {base_target})"
        base_t = baseline[baseline["target"].astype(str) == base_target]
        cur_suites = set(current[current["target"].astype(str) == cur_target]["suite"].astype(str))
        for suite in dict.fromkeys(base_t["suite"].astype(str)):
            if suite not in cur_suites:
                out.append(
                    Breach(
                        "missing",
                        cur_target,
                        suite,
                        f"{label}/{suite}: suite of the baseline is missing from this run",
                    )
                )
                continue
            out += _check_pair(
                _rows(baseline, base_target, suite),
                _rows(current, cur_target, suite),
                label,
                cur_target,
                suite,
                gate,
            )
    return out


__all__ = ["ALL_SUITES", "MIN_PAIRS", "Breach", "BreachKind", "evaluate_gate", "match_targets"]
