"""Two arms on the same samples: paired differences with error bars, and flips.

Pairing is what makes small differences visible: the SE of the mean of
per-sample differences, sd(d)/sqrt(n), drops the variance that both arms
share (item difficulty), which an unpaired comparison of two means keeps
(Miller 2024, section on comparing models).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from evalkit.metrics.stats import paired_ci
from evalkit.metrics.tables import (
    By,
    answered,
    cluster_ids,
    group_keys,
    percentile,
    scores_with_errors,
)

if TYPE_CHECKING:
    import pandas as pd

PAIR_KEY = ["suite", "sample_id", "epoch"]
PAIRED_COLUMNS = (
    "n",
    "mean_a",
    "mean_b",
    "diff",
    "se",
    "ci_low",
    "ci_high",
    "significant",
    "p_value",
    "clustered",
    "ci_method",
    "n_flip_up",
    "n_flip_down",
    "p90_latency_a",
    "p90_latency_b",
    "p90_latency_rel_delta",
    "cost_a",
    "cost_b",
    "cost_rel_delta",
)
FLIP_COLUMNS = (
    "suite",
    "sample_id",
    "epoch",
    "direction",
    "score_a",
    "score_b",
    "status_a",
    "status_b",
    "output_a",
    "output_b",
    "explanation_a",
    "explanation_b",
)


def _arm(df: pd.DataFrame, arm: str) -> pd.DataFrame:
    rows = df[df["arm"].astype(str) == arm]
    if rows.empty:
        known = ", ".join(sorted(df["arm"].astype(str).unique()))
        raise ValueError(f"no records for arm {arm!r} (arms: {known})")
    rows = answered(rows)  # an item one arm never sent is no evidence either way
    ok = rows["status"].astype(str) == "ok"
    why = rows["explanation"].where(
        ok, rows["error_type"].astype(str) + ": " + rows["error_message"].astype(str)
    )
    return rows.assign(
        score=scores_with_errors(rows),
        passed=rows["passed"] & ok,
        cost_usd=rows["cost_usd"].fillna(0.0),
        e2e_ok=rows["e2e_s"].where(ok),
        why=why,
        suite=rows["suite"].astype(str),
        sample_id=rows["sample_id"].astype(str),
        status=rows["status"].astype(str),
    )[
        [
            *PAIR_KEY,
            "score",
            "passed",
            "status",
            "cost_usd",
            "e2e_ok",
            "cluster",
            "output",
            "why",
        ]
    ]


def paired(df: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """One row per (suite, sample_id, epoch) that arms a and b share, columns suffixed _a/_b."""
    return _arm(df, a).merge(_arm(df, b), on=PAIR_KEY, suffixes=("_a", "_b"), sort=True)


def _rel(a: float, b: float) -> float:
    return b / a - 1 if a and not math.isnan(a) and not math.isnan(b) else math.nan


def paired_diff(df: pd.DataFrame, a: str, b: str, by: By = "suite") -> pd.DataFrame:
    """Arm b minus arm a on their shared (suite, sample_id, epoch), per group.

    Per group: ``n`` shared items, ``mean_a``/``mean_b`` (errors count as 0),
    ``diff`` = mean_b - mean_a, ``se`` = sd(d)/sqrt(n) of the per-item
    differences (clustered when items carry a cluster), the 95% CI
    ``ci_low``/``ci_high``, ``significant``, ``p_value`` and ``ci_method``
    (``stats.paired_ci``: the normal CI excluding 0 with 30 or more non-zero
    differences; below that, or when the SE is 0, an exact sign test and,
    for 0/1 scores, an exact interval), ``n_flip_up`` (a failed, b passed)
    and ``n_flip_down``; also the p90
    end-to-end latency of ok records ``p90_latency_a``/``_b``, the mean cost
    per sample ``cost_a``/``cost_b``, and their relative deltas
    ``p90_latency_rel_delta``/``cost_rel_delta`` (b / a - 1).
    """
    import pandas as pd

    keys = group_keys(by)
    pairs = paired(df, a, b)
    rows: list[dict[str, Any]] = []
    groups = pairs.groupby(keys, sort=True) if keys else [((), pairs)] if len(pairs) else []
    for key, g in groups:
        values = key if isinstance(key, tuple) else (key,)
        d = (g["score_b"] - g["score_a"]).tolist()
        clusters = cluster_ids(
            pd.DataFrame(
                {
                    "cluster": g["cluster_a"].where(g["cluster_a"].notna(), g["cluster_b"]),
                    "epoch": g["epoch"],
                    "suite": g["suite"],
                    "sample_id": g["sample_id"],
                }
            )
        )
        test = paired_ci(d, clusters)
        ci = test.ci
        p90_a = percentile(g["e2e_ok_a"], 90)
        p90_b = percentile(g["e2e_ok_b"], 90)
        cost_a = float(g["cost_usd_a"].mean())
        cost_b = float(g["cost_usd_b"].mean())
        rows.append(
            {
                **dict(zip(keys, values, strict=True)),
                "n": len(g),
                "mean_a": float(g["score_a"].mean()),
                "mean_b": float(g["score_b"].mean()),
                "diff": ci.mean,
                "se": ci.se,
                "ci_low": ci.low,
                "ci_high": ci.high,
                "significant": test.significant,
                "p_value": test.p_value,
                "clustered": ci.clustered,
                "ci_method": ci.method,
                "n_flip_up": int((~g["passed_a"] & g["passed_b"]).sum()),
                "n_flip_down": int((g["passed_a"] & ~g["passed_b"]).sum()),
                "p90_latency_a": p90_a,
                "p90_latency_b": p90_b,
                "p90_latency_rel_delta": _rel(p90_a, p90_b),
                "cost_a": cost_a,
                "cost_b": cost_b,
                "cost_rel_delta": _rel(cost_a, cost_b),
            }
        )
    return pd.DataFrame(rows, columns=[*keys, *PAIRED_COLUMNS])


def flips(df: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """The shared samples whose pass/fail differs between arms a and b.

    ``direction`` is "up" when a failed and b passed, "down" the other way.
    An error counts as a failure; its explanation is "<error type>: <message>".
    """
    pairs = paired(df, a, b)
    changed = pairs[pairs["passed_a"] != pairs["passed_b"]]
    out = changed.assign(
        direction=changed["passed_b"].map({True: "up", False: "down"}),
        explanation_a=changed["why_a"],
        explanation_b=changed["why_b"],
    )
    return out[list(FLIP_COLUMNS)].reset_index(drop=True)


__all__ = ["flips", "paired", "paired_diff"]
