"""The report's charts as matplotlib figures, drawn from a ``load_run``/``load_runs`` DataFrame.

    import evalkit
    from evalkit import plot

    df = evalkit.load_runs(["results/a", "results/b"])
    plot.accuracy(df)          # accuracy per suite and target, 95% CI whiskers
    plot.latency_cdf(df)       # CDFs of TTFT and end-to-end latency
    plot.cost_vs_accuracy(df)  # one point per target
    plot.needle_heatmap(df)    # needle score by depth and context length
    plot.timeline(df)          # throughput, errors and retries over the run

Each function returns a ``matplotlib.figure.Figure`` (a notebook shows it,
pyplot or not; ``fig.savefig(path)`` writes it) and is what report.html draws, so the page
and a notebook show the same pictures. Figures are built without pyplot (no
global figure registry, no GUI backend) and with fixed margins, which
render twice as fast as a layout engine. Colours follow the order in which
targets (``arm``) first appear in the frame. matplotlib, numpy and pandas
are imported on first use: ``import evalkit.plot`` costs nothing.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Muted, colour-blind friendly hues, assigned to arms in order of appearance.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#b07aa1",
    "#9c755f",
    "#edc948",
    "#bab0ac",
    "#ff9da7",
)
CDF_POINTS = 200  # a CDF line never needs more points than this to look exact
LOG_SPREAD = 30.0  # latencies spanning more than this ratio get a log axis
_INK = "#374151"
_GRID = "#e5e7eb"
_STYLE: dict[Any, Any] = {
    "font.size": 9,
    "axes.edgecolor": "#9ca3af",
    "axes.labelcolor": _INK,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": _GRID,
    "grid.linewidth": 0.8,
    "xtick.color": _INK,
    "ytick.color": _INK,
    "legend.frameon": False,
    "legend.fontsize": 8,
}
_BUCKETS_S = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)


def arms(df: pd.DataFrame) -> list[str]:
    """The frame's arms (targets, or run/target of several runs) in order of appearance."""
    return [str(a) for a in dict.fromkeys(df["arm"].astype(str))]


def arm_colors(names: Sequence[str]) -> dict[str, str]:
    """One palette colour per arm, stable for a given order of arms."""
    return {arm: PALETTE[i % len(PALETTE)] for i, arm in enumerate(names)}


@dataclass(frozen=True)
class Margins:
    """Space around the axes, in inches (fixed: a layout engine doubles render time)."""

    left: float = 0.75
    right: float = 0.2
    bottom: float = 0.55
    top: float = 0.35
    gap: float = 0.7  # between panels


@functools.cache
def _figure_class() -> type[Figure]:
    from matplotlib.figure import Figure

    class ShownFigure(Figure):
        """A Figure a notebook shows without pyplot: IPython displays what ``_repr_png_`` gives."""

        def _repr_png_(self) -> bytes:
            buf = io.BytesIO()
            self.savefig(buf, format="png", dpi=100)
            return buf.getvalue()

    return ShownFigure


@contextmanager
def _figure(
    width: float, height: float, ncols: int = 1, margins: Margins = Margins()
) -> Iterator[tuple[Figure, list[Axes]]]:
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        fig = _figure_class()(figsize=(width, height))
        axes = list(fig.subplots(1, ncols, squeeze=False)[0])
        panel = (width - margins.left - margins.right - margins.gap * (ncols - 1)) / ncols
        fig.subplots_adjust(
            left=margins.left / width,
            right=1 - margins.right / width,
            bottom=margins.bottom / height,
            top=1 - margins.top / height,
            wspace=margins.gap / max(panel, 0.1),
        )
        yield fig, axes


def _legend_room(labels: Sequence[str]) -> float:
    """Inches a legend beside the axes needs for these labels (8 pt text)."""
    return 0.55 + 0.075 * max((len(label) for label in labels), default=0)


def _legend(ax: Axes, **kwargs: Any) -> None:
    """A legend, when anything drawn has a label (matplotlib warns on an empty one)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kwargs)


def _finite(value: Any) -> float | None:
    """``value`` as a float, or None when it is missing, NaN or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _floats(column: Any) -> Any:
    """A column as a float array, None and non-numbers as NaN."""
    import numpy as np

    return np.array([math.nan if _finite(v) is None else float(v) for v in column], dtype=float)


def _percent_axis(ax: Axes) -> None:
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def cdf_points(values: Any) -> tuple[Any, Any]:
    """(x, y) of an empirical CDF, downsampled to at most CDF_POINTS quantiles."""
    import numpy as np

    v = np.sort(np.asarray(values, dtype=float))
    if len(v) <= CDF_POINTS:
        return v, np.arange(1, len(v) + 1) / len(v)
    q = np.linspace(0.0, 1.0, CDF_POINTS)
    # Vectorised sampling of the whole curve for drawing, not a reported figure
    # (those come from evalkit.types.percentile); same linear method.
    return np.quantile(v, q), q


def _log_seconds_axis(ax: Axes) -> None:
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def latency_cdf(df: pd.DataFrame) -> Figure:
    """CDFs of TTFT and E2E per arm, over the successful requests."""
    names = arms(df)
    colors = arm_colors(names)
    ok = df[df["status"].astype(str) == "ok"]
    with _figure(12.0, 3.2, ncols=2) as (fig, axes):
        for ax, col, title in zip(
            axes, ("ttft_s", "e2e_s"), ("Time to first token", "End-to-end latency"), strict=True
        ):
            lows, highs = [], []
            for arm in names:
                vals = ok.loc[ok["arm"].astype(str) == arm, col].dropna()
                if len(vals) == 0:
                    continue
                x, y = cdf_points(vals)
                ax.plot(x, y, color=colors[arm], lw=1.6, label=arm)
                lows.append(float(x[x > 0].min()) if (x > 0).any() else 0.0)
                highs.append(float(x.max()))
            ax.set_title(title, loc="left")
            if lows and min(lows) > 0 and max(highs) / min(lows) > LOG_SPREAD:
                _log_seconds_axis(ax)
                ax.set_xlabel("seconds (log scale)")
            else:
                ax.set_xlabel("seconds")
            ax.set_ylim(0, 1.01)
            _percent_axis(ax)
        axes[0].set_ylabel("share of requests")
        _legend(axes[1], loc="lower right")
    return fig


def accuracy(df: pd.DataFrame, *, table: pd.DataFrame | None = None) -> Figure:
    """Grouped bars: accuracy per suite per arm, with 95% CI error bars (errors count as 0).

    ``table`` is ``metrics.accuracy_table(df, by=("arm", "suite"))`` (or
    ``summary_table``), with its keys as columns, when the caller has it.
    """
    import numpy as np

    from evalkit import metrics

    acc = metrics.accuracy_table(df, by=("arm", "suite")) if table is None else table
    names = arms(df)
    colors = arm_colors(names)
    suites = list(dict.fromkeys(str(s) for s in acc["suite"]))
    width = 0.8 / max(len(names), 1)
    room = _legend_room(names)
    plot_w = max(3.3, 0.4 + 0.45 * len(suites) * max(len(names), 1))
    with _figure(plot_w + room + 0.75, 3.0, margins=Margins(right=room)) as (fig, (ax,)):
        x = np.arange(len(suites))
        for i, arm in enumerate(names):
            mine = acc[acc["arm"].astype(str) == arm]
            sub = mine.set_index(mine["suite"].astype(str)).reindex(suites)
            mean = _floats(sub["accuracy"])
            low = np.clip(mean - _floats(sub["ci_low"]), 0, None)
            high = np.clip(_floats(sub["ci_high"]) - mean, 0, None)
            yerr = np.nan_to_num(np.vstack([low, high]))
            ax.bar(
                x + (i - (len(names) - 1) / 2) * width,
                np.nan_to_num(mean),
                width * 0.92,
                yerr=yerr,
                color=colors[arm],
                ecolor=_INK,
                capsize=2.5,
                error_kw={"lw": 0.9},
                label=arm,
            )
        ax.set_xticks(x, suites)
        ax.set_ylim(0, 1.05)
        ax.grid(axis="x", visible=False)
        _percent_axis(ax)
        ax.set_title("Accuracy by suite (95% CI)", loc="left")
        _legend(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def cost_vs_accuracy(df: pd.DataFrame, *, table: pd.DataFrame | None = None) -> Figure:
    """One point per arm: cost per 1,000 samples against accuracy (with its CI).

    ``table`` is ``metrics.summary_table(df, by=("arm",))`` with ``arm`` as a
    column, when the caller has it. An estimated cost is drawn as a hollow
    marker. An arm without an accuracy is left out; one without a CI (a
    single record) has no error bar; one without a cost is drawn at 0.
    """
    from evalkit import metrics

    table = metrics.summary_table(df, by=("arm",)) if table is None else table
    names = arms(df)
    colors = arm_colors(names)
    room = _legend_room([f"{a} (est.)" for a in names])
    with _figure(3.6 + room + 0.75, 3.0, margins=Margins(right=room)) as (fig, (ax,)):
        for arm in names:
            row = table[table["arm"].astype(str) == arm]
            if row.empty:
                continue
            r = row.iloc[0]
            acc, cost = _finite(r["accuracy"]), _finite(r["cost_per_1k"]) or 0.0
            if acc is None:
                continue
            low, high = _finite(r.get("ci_low")), _finite(r.get("ci_high"))
            yerr = (
                [[max(acc - low, 0.0)], [max(high - acc, 0.0)]]
                if low is not None and high is not None
                else None
            )
            estimated = bool(r.get("cost_estimated", False))
            ax.errorbar(
                [cost],
                [acc],
                yerr=yerr,
                fmt="o",
                ms=7,
                color=colors[arm],
                mfc="white" if estimated else colors[arm],
                capsize=3,
                label=f"{arm} (est.)" if estimated else arm,
            )
        ax.set_xlabel("cost per 1,000 samples (USD)")
        costs = [c for c in (_finite(v) for v in table["cost_per_1k"]) if c is not None]
        top = max(costs, default=0.0)
        ax.set_xlim(0, top * 1.25 if top > 0 else 1.0)
        ax.set_ylim(0, 1.05)
        _percent_axis(ax)
        ax.set_title("Cost vs accuracy", loc="left")
        _legend(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def has_needle_cells(df: pd.DataFrame) -> bool:
    """Whether the frame has records with a needle context length and depth (a heatmap to draw)."""
    return bool(
        "context_length" in df.columns
        and (df["context_length"].notna() & df["depth"].notna()).any()
    )


def needle_heatmap(
    df: pd.DataFrame, *, grid: pd.DataFrame | None = None, value: str = "score"
) -> Figure:
    """Depth x context-length heatmap of the mean needle score, one panel per arm.

    ``grid`` is ``metrics.needle_grid(df)``, when the caller has it.
    """
    import numpy as np

    from evalkit import metrics

    grid = metrics.needle_grid(df) if grid is None else grid
    shown = [a for a in arms(df) if (grid["arm"] == a).any()]
    lengths = sorted(grid["context_length"].dropna().unique())
    depths = sorted(grid["depth"].dropna().unique())
    annotate = len(lengths) * len(depths) <= 100
    ncols = max(len(shown), 1)
    size = (min(4.2 * ncols + 1.2, 12.0), 1.0 + 0.32 * max(len(depths), 4))
    room = Margins(right=1.0, gap=0.5)  # the colour bar takes its room from the panels
    with _figure(*size, ncols=ncols, margins=room) as (fig, axes):
        image = None
        for ax, arm in zip(axes, shown, strict=False):
            cells = grid[grid["arm"] == arm].pivot_table(
                index="depth", columns="context_length", values=value, aggfunc="mean"
            )
            cells = cells.reindex(index=depths, columns=lengths)
            data = cells.to_numpy(dtype=float)
            image = ax.imshow(
                data, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto", interpolation="nearest"
            )
            ax.set_xticks(range(len(lengths)), [_short_int(v) for v in lengths])
            ax.set_yticks(range(len(depths)), [f"{float(d):g}" for d in depths])
            ax.grid(False)
            ax.set_title(arm, loc="left")
            ax.set_xlabel("context length (tokens)")
            if annotate:
                for (yi, xi), v in np.ndenumerate(data):
                    if not np.isnan(v):
                        ink = "white" if v < 0.15 or v > 0.85 else _INK  # the map's dark ends
                        ax.text(xi, yi, f"{v:.0%}", ha="center", va="center", fontsize=7, color=ink)
        axes[0].set_ylabel("needle depth (%)")
        if image is not None:
            fig.colorbar(image, ax=axes, shrink=0.85, pad=0.02, format="{x:.0%}")
    return fig


def _short_int(v: Any) -> str:
    n = float(v)
    return f"{n / 1000:g}k" if n >= 1000 else f"{n:g}"


def timeline_freq(df: pd.DataFrame) -> str | None:
    """A bucket length giving the timeline 30 to 75 points; None for a run under a second."""
    import pandas as pd

    if df.empty:
        return None
    start = df["started_at"].min()
    end = (df["started_at"] + pd.to_timedelta(df["e2e_s"].fillna(0.0), unit="s")).max()
    if pd.isna(start) or pd.isna(end):
        return None
    span = (end - start).total_seconds()
    if span < 1:
        return None
    bucket = next((b for b in _BUCKETS_S if span / b <= 75), _BUCKETS_S[-1])
    return f"{round(bucket * 1000)}ms"


def timeline(df: pd.DataFrame, *, freq: str | None = None) -> Figure:
    """Output throughput over the run, and errors and retries per time bucket, per arm.

    ``freq`` is the bucket length (a pandas offset such as "1s"); by default
    one that gives 30 to 75 buckets (``timeline_freq``).
    """
    from matplotlib.ticker import MaxNLocator

    from evalkit import metrics

    tl = metrics.timeline(df, freq=freq or timeline_freq(df) or "1s", by="arm")
    names = arms(df)
    colors = arm_colors(names)
    with _figure(12.0, 3.0, ncols=2) as (fig, (ax_tps, ax_err)):
        groups = list(tl.groupby("arm", observed=True, sort=False)) if len(tl) else []
        for arm, sub in groups:
            color = colors.get(str(arm), _INK)
            x = (sub["time"] - tl["time"].min()).dt.total_seconds()
            ax_tps.plot(x, sub["output_tps"], color=color, lw=1.4, label=str(arm))
            ax_err.step(x, sub["errors"], where="post", color=color, lw=1.4)
            ax_err.step(x, sub["retries"], where="post", color=color, lw=1.0, ls="--")
        ax_tps.set_title("Output tokens/s over the run", loc="left")
        ax_tps.set_xlabel("seconds since start")
        ax_tps.set_ylim(bottom=0)
        ax_err.set_title("Errors (solid) and retries (dashed)", loc="left")
        ax_err.set_xlabel("seconds since start")
        peak = float(max(tl["errors"].max(), tl["retries"].max(), 0)) if len(tl) else 0.0
        ax_err.set_ylim(0, max(1.0, peak * 1.15))
        ax_err.yaxis.set_major_locator(MaxNLocator(integer=True))
        if len(groups) > 1:
            _legend(ax_tps, loc="upper right")
    return fig


__all__ = [
    "CDF_POINTS",
    "PALETTE",
    "accuracy",
    "arm_colors",
    "arms",
    "cdf_points",
    "cost_vs_accuracy",
    "has_needle_cells",
    "latency_cdf",
    "needle_heatmap",
    "timeline",
    "timeline_freq",
]
