"""Chart-shaped views of a run: the needle heatmap grid, its length calibration, the timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.metrics.stats import mean_ci
from evalkit.metrics.tables import answered, scores_with_errors

if TYPE_CHECKING:
    import pandas as pd

NEEDLE_COLUMNS = ("arm", "context_length", "depth", "score", "se", "n")
CALIBRATION_COLUMNS = (
    "arm",
    "context_length",
    "n",
    "estimated_prompt_tokens",
    "reported_prompt_tokens",
    "ratio",
    "chars_per_token",
    "suggested_chars_per_token",
)
_CALIBRATION_INPUTS = ("status", "context_length", "estimated_prompt_tokens", "prompt_tokens")
TIMELINE_COLUMNS = ("time", "completed", "errors", "retries", "output_tokens", "output_tps")


def needle_grid(df: pd.DataFrame) -> pd.DataFrame:
    """Mean score per (arm, context_length, depth) over records that have both.

    ``context_length`` and ``depth`` come from the samples' metadata (joined
    by load_run); errors count as 0; ``se`` is the CLT standard error of the
    cell (NaN for a single record), ``n`` the records in the cell.
    """
    import pandas as pd

    cells = answered(df[df["context_length"].notna() & df["depth"].notna()])
    cells = cells.assign(score=scores_with_errors(cells))
    rows: list[dict[str, Any]] = []
    for (arm, length, depth), g in cells.groupby(
        ["arm", "context_length", "depth"], observed=True, sort=True
    ):
        ci = mean_ci(g["score"].tolist())
        rows.append(
            {
                "arm": str(arm),
                "context_length": int(str(length)),
                "depth": float(str(depth)),
                "score": ci.mean,
                "se": ci.se,
                "n": ci.n,
            }
        )
    return pd.DataFrame(rows, columns=list(NEEDLE_COLUMNS))


def needle_calibration(df: pd.DataFrame) -> pd.DataFrame:
    """Needle prompt lengths as estimated vs as counted by the endpoint, per arm and length.

    Uses the ok records that have both the sample's ``estimated_prompt_tokens``
    and a ``prompt_tokens`` the endpoint reported (``tokens_source`` "usage").
    Per cell: ``n`` records, the mean ``estimated_prompt_tokens`` and
    ``reported_prompt_tokens``, and ``ratio`` = reported / estimated (below 1:
    the haystacks are shorter than the target lengths). Per arm, repeated on
    its rows: ``chars_per_token``, the value the samples were generated with
    (the most common one; estimates made with another are rescaled to it),
    and ``suggested_chars_per_token``, ``evalkit.suite.needle.calibrate`` over
    all the arm's records. An empty frame with these columns without such records.
    """
    import pandas as pd

    from evalkit.suite.needle import DEFAULT_CHARS_PER_TOKEN, calibrate

    empty = pd.DataFrame(columns=list(CALIBRATION_COLUMNS))
    if df.empty or any(name not in df.columns for name in (*_CALIBRATION_INPUTS, "arm")):
        return empty
    estimated = pd.to_numeric(df["estimated_prompt_tokens"], errors="coerce")
    reported = pd.to_numeric(df["prompt_tokens"], errors="coerce")
    usage = (
        df["tokens_source"].astype(str) == "usage"
        if "tokens_source" in df.columns
        else pd.Series(False, index=df.index)
    )
    keep = (
        (df["status"].astype(str) == "ok")
        & df["context_length"].notna()
        & (estimated > 0).fillna(False)
        & (reported > 0).fillna(False)
        & usage
    )
    if not keep.any():
        return empty
    cpt = pd.Series(DEFAULT_CHARS_PER_TOKEN, index=df.index, dtype="float64")
    if "chars_per_token" in df.columns:
        given = pd.to_numeric(df["chars_per_token"], errors="coerce")
        cpt = given.where(given > 0, cpt)
    frame = pd.DataFrame(
        {
            "arm": df["arm"].astype(str),
            "context_length": df["context_length"],
            "estimated": estimated.astype("float64"),
            "reported": reported.astype("float64"),
            "cpt": cpt,
        }
    )[keep]
    rows: list[dict[str, Any]] = []
    for arm, g in frame.groupby("arm", sort=True):
        used = float(g["cpt"].mode().iloc[0])
        est = (g["estimated"] * g["cpt"] / used).round()
        suggested = calibrate(
            [int(e) for e in est], [int(r) for r in g["reported"]], chars_per_token=used
        )
        for length, cell in g.assign(estimated=est).groupby("context_length", sort=True):
            mean_est = float(cell["estimated"].mean())
            mean_rep = float(cell["reported"].mean())
            rows.append(
                {
                    "arm": str(arm),
                    "context_length": int(str(length)),
                    "n": len(cell),
                    "estimated_prompt_tokens": mean_est,
                    "reported_prompt_tokens": mean_rep,
                    "ratio": mean_rep / mean_est,
                    "chars_per_token": used,
                    "suggested_chars_per_token": suggested,
                }
            )
    return pd.DataFrame(rows, columns=list(CALIBRATION_COLUMNS))


def timeline(df: pd.DataFrame, freq: str = "1s", by: str | None = None) -> pd.DataFrame:
    """Activity per time bucket, by when each record finished (started_at + e2e).

    Per bucket of ``freq``: ``completed`` ok records, ``errors``, ``retries``
    (attempts - 1), ``output_tokens`` of ok records and ``output_tps`` (those
    tokens over the bucket's length). Empty buckets between the first and the
    last are present with zeros. With ``by`` (e.g. "arm") there is one series
    per value, the column first.
    """
    import pandas as pd

    seconds = pd.Timedelta(freq).total_seconds()
    keys = [by] if by else []
    if df.empty:
        return pd.DataFrame(columns=[*keys, *TIMELINE_COLUMNS])
    df = df[df["status"].astype(str) != "skipped"]  # never sent: not part of the timeline
    ok = df["status"].astype(str) == "ok"
    done = df["started_at"] + pd.to_timedelta(df["e2e_s"].fillna(0.0), unit="s")
    frame = pd.DataFrame(
        {
            "time": done.dt.floor(freq),
            "completed": ok.astype("int64"),
            "errors": (~ok).astype("int64"),
            "retries": (df["attempts"] - 1).clip(lower=0).astype("int64"),
            "output_tokens": df["completion_tokens"].where(ok).fillna(0).astype("int64"),
        }
    )
    for name in keys:
        frame[name] = df[name].astype(str)
    parts = []
    groups = frame.groupby(keys, sort=True) if keys else [((), frame)]
    for key, g in groups:
        labels = key if isinstance(key, tuple) else (key,)
        sums = g.groupby("time").sum(numeric_only=True)
        span = pd.date_range(sums.index.min(), sums.index.max(), freq=freq)
        sums = sums.reindex(span, fill_value=0)
        sums.index.name = "time"
        sums = sums.reset_index()
        sums["output_tps"] = sums["output_tokens"] / seconds
        for k, value in zip(keys, labels, strict=False):
            sums.insert(0, k, str(value))
        parts.append(sums)
    return pd.concat(parts, ignore_index=True)[[*keys, *TIMELINE_COLUMNS]]


__all__ = ["needle_calibration", "needle_grid", "timeline"]
