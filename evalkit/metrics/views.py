"""Chart-shaped views of a run: the needle heatmap grid and the run's timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.metrics.stats import mean_ci
from evalkit.metrics.tables import scores_with_errors

if TYPE_CHECKING:
    import pandas as pd

NEEDLE_COLUMNS = ("arm", "context_length", "depth", "score", "se", "n")
TIMELINE_COLUMNS = ("time", "completed", "errors", "retries", "output_tokens", "output_tps")


def needle_grid(df: pd.DataFrame) -> pd.DataFrame:
    """Mean score per (arm, context_length, depth) over records that have both.

    ``context_length`` and ``depth`` come from the samples' metadata (joined
    by load_run); errors count as 0; ``se`` is the CLT standard error of the
    cell (NaN for a single record), ``n`` the records in the cell.
    """
    import pandas as pd

    cells = df[df["context_length"].notna() & df["depth"].notna()]
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


__all__ = ["needle_grid", "timeline"]
