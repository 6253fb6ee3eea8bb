"""The regression gate: what makes a run fail against its baseline (exit code 1).

Per (target, suite) that both runs hold: an accuracy drop larger than
``max_accuracy_drop`` (and, with ``require_significant``, a paired 95% CI on
the difference that excludes 0), a relative rise of the p90 end-to-end
latency above ``max_p90_latency_rise``, or of the cost per sample above
``max_cost_rise``. A target or suite of the baseline that the current run
lacks is a breach too: a gate must not pass because a suite silently vanished.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from evalkit.config import GateConfig
from evalkit.metrics import accuracy_table, cost_table, latency_table, paired_diff
from evalkit.metrics.stats import Z95
from evalkit.report import format as fmt

if TYPE_CHECKING:
    import pandas as pd

BreachKind = Literal["accuracy", "latency", "cost", "missing"]
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


def _rise(what: str, before: float, after: float, allowed: float, write: Writer) -> str | None:
    """Why ``what`` breaches the gate: it rose from ``before`` to ``after`` by more than allowed."""
    if math.isnan(before) or math.isnan(after) or before <= 0:
        return None
    rise = after / before - 1
    if rise <= allowed:
        return None
    return (
        f"{what} rose {write(before)} -> {write(after)} ({fmt.change(rise)}) "
        f"> allowed {fmt.change(allowed)}"
    )


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
    if gate.max_p90_latency_rise is not None:
        p_base = float(latency_table(base, by=None)["e2e_p90"].iloc[0])
        p_cur = float(latency_table(cur, by=None)["e2e_p90"].iloc[0])
        allowed = gate.max_p90_latency_rise
        reasons.append(("latency", _rise("p90 latency", p_base, p_cur, allowed, fmt.seconds)))
    if gate.max_cost_rise is not None:
        c_base = float(cost_table(base, by=None)["cost_per_1k"].iloc[0])
        c_cur = float(cost_table(cur, by=None)["cost_per_1k"].iloc[0])
        allowed = gate.max_cost_rise
        reasons.append(("cost", _rise("cost per 1k samples", c_base, c_cur, allowed, fmt.usd)))
    return [Breach(kind, arm, suite, f"{label}/{suite}: {why}") for kind, why in reasons if why]


def evaluate_gate(current: pd.DataFrame, baseline: pd.DataFrame, gate: GateConfig) -> list[Breach]:
    """Every breach of ``gate`` by the ``current`` run against ``baseline`` (empty: pass).

    Both frames are ``load_run`` results. Accuracy is compared on the samples
    the two runs share (paired_diff: errors count as 0); latency and cost on
    all records of each run. ``Breach.arm`` is the current run's target name.
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


__all__ = ["ALL_SUITES", "Breach", "BreachKind", "evaluate_gate", "match_targets"]
