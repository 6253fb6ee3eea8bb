"""Per-group tables of a run: accuracy with error bars, latency percentiles, cost.

Every table takes the DataFrame of ``load_run`` and a grouping (by default
arm x suite) and returns one row per observed group, the group keys as
ordinary columns first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from evalkit.metrics.stats import accuracy_ci
from evalkit.types import percentile as shared_percentile

if TYPE_CHECKING:
    import pandas as pd

By = str | Sequence[str] | None
DEFAULT_BY = ("arm", "suite")

ACCURACY_COLUMNS = (
    "n",
    "n_ok",
    "n_error",
    "n_skipped",
    "accuracy",
    "accuracy_ok",
    "accuracy_strict",
    "accuracy_extracted",
    "se",
    "ci_low",
    "ci_high",
    "clustered",
    "ci_method",
    "retries",
    "throttled",
    "wait_s",
    "errors_by_type",
    "skipped_by_reason",
    "simulated",
)
PERCENTILES = {
    "ttft": ("ttft_s", (50, 90, 99)),
    "tpot": ("tpot_s", (50, 90, 99)),
    "itl": ("itl_mean_s", (50, 90, 99)),
    "e2e": ("e2e_s", (50, 90, 99)),
    "queue": ("queue_s", (50, 90)),
}
LATENCY_COLUMNS = (
    "n",
    *(f"{name}_p{q}" for name, (_, qs) in PERCENTILES.items() for q in qs),
    "output_tps_mean",
)
COST_COLUMNS = (
    "cost_total",
    "cost_per_sample",
    "cost_per_1k",
    "cost_per_correct",
    "prompt_tokens",
    "completion_tokens",
    "cost_estimated",
)


def group_keys(by: By) -> list[str]:
    """The grouping as a list of column names (None: no grouping)."""
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def scores_with_errors(df: pd.DataFrame) -> pd.Series[float]:
    """The primary score of each record, 0 for an error or a record without a score."""
    ok = df["status"].astype(str) == "ok"
    return df["score"].where(ok).fillna(0.0).astype("float64")


def _format_accuracy(g: pd.DataFrame, column: str) -> float:
    """Accuracy by a text grader's ``strict_score`` or ``extracted_score`` (NaN without any).

    A record whose grader does not tell the two apart counts with its
    primary score, an error as 0, so that both figures cover the same records
    as ``accuracy``.
    """
    if column not in g.columns or g[column].isna().all():
        return math.nan
    ok = g["status"].astype(str) == "ok"
    values = g[column].where(g[column].notna(), g["score"]).where(ok).fillna(0.0)
    return float(values.mean())


def answered(df: pd.DataFrame) -> pd.DataFrame:
    """The records that were sent: all but the ``skipped`` ones (a feature the endpoint lacks)."""
    return df[df["status"].astype(str) != "skipped"]


def cluster_ids(df: pd.DataFrame) -> list[str | None]:
    """Cluster of each record for clustered SEs: its ``cluster``, else its sample.

    Epochs of one sample are not independent draws of a question, so when a
    frame holds several epochs each unclustered sample is its own cluster;
    with one epoch an unclustered record stands alone (None).
    """
    # A cluster belongs to its suite: "cell-0" of two suites are two haystacks.
    clusters = [
        None if _missing(c) else f"c:{s}/{c}"
        for c, s in zip(df["cluster"].tolist(), df["suite"].astype(str).tolist(), strict=True)
    ]
    if df["epoch"].nunique() > 1:
        samples = (df["suite"].astype(str) + "/" + df["sample_id"].astype(str)).tolist()
        clusters = [
            c if c is not None else f"s:{s}" for c, s in zip(clusters, samples, strict=True)
        ]
    return clusters


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _groups(df: pd.DataFrame, keys: list[str]) -> list[tuple[dict[str, Any], pd.DataFrame]]:
    if not keys:
        return [({}, df)] if len(df) else []
    out = []
    for key, group in df.groupby(keys, observed=True, sort=True):
        values = key if isinstance(key, tuple) else (key,)
        out.append((dict(zip(keys, values, strict=True)), group))
    return out


def _table(rows: list[dict[str, Any]], keys: list[str], columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=[*keys, *columns])


def accuracy_table(df: pd.DataFrame, by: By = DEFAULT_BY) -> pd.DataFrame:
    """Accuracy per group with its SE and 95% CI; errors count as 0.

    ``accuracy`` is the mean primary score over ALL records, an error (or a
    record no grader scored) counting as 0, so that a target that fails
    requests cannot look better than one that answers them; ``accuracy_ok``
    is the mean over ok records only. Skipped records (never sent: the
    endpoint lacks a feature the sample needs) are left out of both and of
    ``n``; ``n_skipped`` counts them and ``skipped_by_reason`` says why.
    ``accuracy_strict`` and ``accuracy_extracted`` are the same mean by a
    text grader's two verdicts, "followed the format" and "the answer is in
    the reply" (NaN when no grader in the group gives them; see
    ``_format_accuracy``). The SE is clustered when records carry a
    ``cluster`` (or the frame has several epochs: see ``cluster_ids``).
    The 95% CI is ``stats.accuracy_ci``'s, the one interval of every accuracy:
    a Wilson score interval, always inside [0, 1], over the effective sample
    size (fewer than n when clusters make items alike); ``ci_method`` is "wilson".
    Also: ``n``, ``n_ok``, ``n_error``, ``retries`` (sum of attempts - 1),
    ``throttled`` (429s the endpoint answered), ``wait_s`` (seconds items spent
    held by admission and backing off before retries),
    ``errors_by_type`` (dict type -> count) and ``simulated`` (any record).
    """
    keys = group_keys(by)
    rows = []
    for values, whole in _groups(df, keys):
        g = answered(whole)
        skipped = whole[whole["status"].astype(str) == "skipped"]
        reasons = skipped["skip_reason"] if "skip_reason" in skipped else skipped["status"]
        ok = (g["status"].astype(str) == "ok").to_numpy()
        scores = scores_with_errors(g).tolist()
        ci = accuracy_ci(scores, cluster_ids(g))
        ok_scores = g["score"][ok].dropna()
        errors = g["error_type"][~ok].astype(str).value_counts()
        rows.append(
            {
                **values,
                "n": len(g),
                "n_ok": int(ok.sum()),
                "n_error": int((~ok).sum()),
                "n_skipped": len(skipped),
                "accuracy": ci.mean,
                "accuracy_ok": float(ok_scores.mean()) if len(ok_scores) else math.nan,
                "accuracy_strict": _format_accuracy(g, "strict_score"),
                "accuracy_extracted": _format_accuracy(g, "extracted_score"),
                "se": ci.se,
                "ci_low": ci.low,
                "ci_high": ci.high,
                "clustered": ci.clustered,
                "ci_method": ci.method,
                "retries": int((g["attempts"] - 1).clip(lower=0).sum()),
                "throttled": int(g["throttled"].sum()),
                "wait_s": float(g["queue_s"].fillna(0).sum() + g["retry_wait_s"].fillna(0).sum()),
                "errors_by_type": {str(k): int(v) for k, v in errors.items() if v},
                "skipped_by_reason": {
                    str(k): int(v) for k, v in reasons.astype(str).value_counts().items() if v
                },
                "simulated": bool(g["simulated"].any()) if "simulated" in g else False,
            }
        )
    return _table(rows, keys, ACCURACY_COLUMNS)


def percentile(values: Any, q: float) -> float:
    """The ``q``-th percentile (0..100) of the non-null ``values``, NaN if none (numpy's method)."""
    kept = sorted(v for v in (float(x) for x in values if x is not None) if not math.isnan(v))
    return shared_percentile(kept, q / 100) if kept else math.nan


def latency_table(df: pd.DataFrame, by: By = DEFAULT_BY) -> pd.DataFrame:
    """Latency percentiles per group over ok records, in seconds.

    ``ttft``, ``tpot`` (per request, excluding the first token), ``e2e`` and
    ``queue`` are percentiles over requests; ``itl`` pools each request's
    mean inter-token gap (so every request weighs the same, unlike vLLM,
    which pools every gap). numpy linear interpolation; null values (e.g. no
    TTFT for a non-streamed response) are left out; ``n`` counts ok records.
    """
    import numpy as np

    keys = group_keys(by)
    rows = []
    for values, g in _groups(df, keys):
        ok = g[g["status"].astype(str) == "ok"]
        row: dict[str, Any] = {**values, "n": len(ok)}
        for name, (column, qs) in PERCENTILES.items():
            data = ok[column].to_numpy(dtype="float64", na_value=math.nan)
            kept = np.sort(data[~np.isnan(data)]).tolist()  # sorted once, for every q
            for q in qs:
                row[f"{name}_p{q}"] = (
                    float(shared_percentile(kept, q / 100)) if len(kept) else math.nan
                )
        tps = ok["output_tps"].dropna()
        row["output_tps_mean"] = float(tps.mean()) if len(tps) else math.nan
        rows.append(row)
    return _table(rows, keys, LATENCY_COLUMNS)


def cost_table(df: pd.DataFrame, by: By = DEFAULT_BY) -> pd.DataFrame:
    """Cost per group in US dollars: total, per sample, per 1,000 samples, per correct.

    Records without a cost (errors) add 0 but count as samples; skipped
    records (never sent) do not count. Token sums skip nulls.
    ``cost_estimated`` is True when any record's token counts were
    estimated rather than reported by the endpoint's usage.
    """
    keys = group_keys(by)
    rows = []
    for values, whole in _groups(df, keys):
        g = answered(whole)
        total = float(g["cost_usd"].fillna(0.0).sum())
        n = len(g)
        correct = int(g["passed"].sum())
        rows.append(
            {
                **values,
                "cost_total": total,
                "cost_per_sample": total / n if n else math.nan,
                "cost_per_1k": 1000 * total / n if n else math.nan,
                "cost_per_correct": total / correct if correct else math.nan,
                "prompt_tokens": int(g["prompt_tokens"].sum()),
                "completion_tokens": int(g["completion_tokens"].sum()),
                "cost_estimated": bool((g["tokens_source"].astype(str) == "estimated").any()),
            }
        )
    return _table(rows, keys, COST_COLUMNS)


def summary_table(df: pd.DataFrame, by: By = DEFAULT_BY) -> pd.DataFrame:
    """accuracy_table, latency_table and cost_table joined on the group keys.

    The latency table's ``n`` (ok records) is renamed ``n_timed``.
    """
    keys = group_keys(by)
    acc = accuracy_table(df, by)
    lat = latency_table(df, by).rename(columns={"n": "n_timed"})
    cost = cost_table(df, by)
    if not keys:
        import pandas as pd

        return pd.concat([acc, lat, cost], axis=1)
    return acc.merge(lat, on=keys, how="left").merge(cost, on=keys, how="left")


__all__ = [
    "accuracy_table",
    "answered",
    "cluster_ids",
    "cost_table",
    "group_keys",
    "latency_table",
    "percentile",
    "scores_with_errors",
    "summary_table",
]
