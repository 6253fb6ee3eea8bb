"""The report's charts: matplotlib figures rendered to inline SVG strings.

Every function takes the metrics module's tables (never records) and
returns an ``<svg>`` element ready to be placed in the page as-is. Glyphs
are drawn as paths (``svg.fonttype = "path"``), so a chart needs no font
and fetches nothing. Figures are built with ``matplotlib.figure.Figure``
directly and rendered by the non-interactive canvas: no pyplot, no GUI
backend, no global figure registry to leak between reports.

The SVG is post-processed before it is trusted: the XML prolog, DOCTYPE
(it names an http URL), comments (matplotlib writes every label there,
and labels carry target and suite names), metadata and the global
``<style>`` rule are dropped, and every id is prefixed so that several
charts can share one HTML document without their clip paths and glyph
definitions colliding.
"""

from __future__ import annotations

import io
import itertools
import math
import re
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
_RC: dict[Any, Any] = {
    "svg.fonttype": "path",
    "svg.hashsalt": "evalkit",  # stable ids: the same run renders the same bytes
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
_chart_ids = itertools.count(1)
_ACTIVE = re.compile(r"<script|<foreignObject|<iframe|\son[a-z]+\s*=|javascript:", re.I)


def arm_colors(arms: Sequence[str]) -> dict[str, str]:
    """One palette colour per arm, stable for a given order of arms."""
    return {arm: PALETTE[i % len(PALETTE)] for i, arm in enumerate(arms)}


@dataclass(frozen=True)
class Margins:
    """Space around the axes, in inches (fixed: a layout engine doubles render time)."""

    left: float = 0.75
    right: float = 0.2
    bottom: float = 0.55
    top: float = 0.35
    gap: float = 0.7  # between panels


@contextmanager
def _figure(
    width: float, height: float, ncols: int = 1, margins: Margins = Margins()
) -> Iterator[tuple[Figure, list[Axes]]]:
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height))
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


def _to_svg(fig: Figure) -> str:
    """Render ``fig`` as a sanitised, responsive ``<svg>`` element."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return sanitize_svg(buf.getvalue(), prefix=f"ek{next(_chart_ids)}-")


def sanitize_svg(svg: str, prefix: str) -> str:
    """Strip what must not reach the page from matplotlib's SVG and namespace its ids."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r'\bid="', f'id="{prefix}', svg)
    svg = re.sub(r'href="#', f'href="#{prefix}', svg)
    svg = re.sub(r"url\(#", f"url(#{prefix}", svg)
    # Scale with the page (keep the viewBox) but never beyond the drawn size,
    # so that text stays the size it was set in.
    box = re.search(r'viewBox="0 0 ([0-9.]+) ', svg)
    limit = f' style="max-width: {float(box.group(1)) * 4 / 3:.0f}px"' if box else ""
    svg = re.sub(
        r'<svg([^>]*?) width="[^"]*" height="[^"]*"', rf'<svg\1 class="chart"{limit}', svg, count=1
    )
    # matplotlib escapes every label; anything active left over means that changed.
    if _ACTIVE.search(svg):
        raise ValueError("chart SVG contains active content (script, handler or foreignObject)")
    return svg.strip()


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


def _percent_axis(ax: Axes) -> None:
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _cdf_points(values: Any) -> tuple[Any, Any]:
    """(x, y) of an empirical CDF, downsampled to at most CDF_POINTS quantiles."""
    import numpy as np

    v = np.sort(np.asarray(values, dtype=float))
    if len(v) <= CDF_POINTS:
        return v, np.arange(1, len(v) + 1) / len(v)
    q = np.linspace(0.0, 1.0, CDF_POINTS)
    # Vectorised sampling of the whole curve for drawing, not a reported figure
    # (those come from evalkit.types.percentile); same linear method.
    return np.quantile(v, q), q


def latency_cdf(df: pd.DataFrame, arms: Sequence[str]) -> str:
    """CDFs of TTFT and E2E per arm, over the run's successful requests."""
    colors = arm_colors(arms)
    ok = df[df["status"] == "ok"]
    with _figure(12.0, 3.2, ncols=2) as (fig, axes):
        for ax, col, title in zip(
            axes, ("ttft_s", "e2e_s"), ("Time to first token", "End-to-end latency"), strict=True
        ):
            lows, highs = [], []
            for arm in arms:
                vals = ok.loc[ok["arm"] == arm, col].dropna()
                if len(vals) == 0:
                    continue
                x, y = _cdf_points(vals)
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
        return _to_svg(fig)


def _log_seconds_axis(ax: Axes) -> None:
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def accuracy_by_suite(acc: pd.DataFrame, arms: Sequence[str]) -> str:
    """Grouped bars: accuracy per suite per arm, with 95% CI error bars.

    ``acc`` is ``metrics.accuracy_table(df, by=("arm", "suite"))`` with its
    group keys as columns.
    """
    import numpy as np

    colors = arm_colors(arms)
    suites = list(dict.fromkeys(str(s) for s in acc["suite"]))
    width = 0.8 / max(len(arms), 1)
    room = _legend_room(arms)
    plot_w = max(3.3, 0.4 + 0.45 * len(suites) * max(len(arms), 1))
    with _figure(plot_w + room + 0.75, 3.0, margins=Margins(right=room)) as (fig, (ax,)):
        x = np.arange(len(suites))
        for i, arm in enumerate(arms):
            sub = acc[acc["arm"] == arm].set_index(acc.loc[acc["arm"] == arm, "suite"].astype(str))
            sub = sub.reindex(suites)
            mean = _floats(sub["accuracy"])
            low = np.clip(mean - _floats(sub["ci_low"]), 0, None)
            high = np.clip(_floats(sub["ci_high"]) - mean, 0, None)
            yerr = np.nan_to_num(np.vstack([low, high]))
            ax.bar(
                x + (i - (len(arms) - 1) / 2) * width,
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
        return _to_svg(fig)


def _floats(column: Any) -> Any:
    """A column as a float array, None and non-numbers as NaN."""
    import numpy as np

    return np.array([math.nan if _finite(v) is None else float(v) for v in column], dtype=float)


def cost_vs_accuracy(table: pd.DataFrame, arms: Sequence[str]) -> str:
    """One point per arm: cost per 1,000 samples against accuracy (with its CI).

    ``table`` is ``metrics.summary_table(df, by=("arm",))`` with ``arm`` as a
    column; an estimated cost is drawn as a hollow marker. An arm without an
    accuracy is left out; one without a CI (a single record) has no error
    bar; one without a cost is drawn at 0.
    """
    colors = arm_colors(arms)
    room = _legend_room([f"{a} (est.)" for a in arms])
    with _figure(3.6 + room + 0.75, 3.0, margins=Margins(right=room)) as (fig, (ax,)):
        for arm in arms:
            row = table[table["arm"] == arm]
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
        return _to_svg(fig)


def needle_heatmap(grid: pd.DataFrame, arms: Sequence[str], value: str = "score") -> str:
    """Depth x context-length heatmap of the needle score, one panel per arm."""
    import numpy as np

    shown = [a for a in arms if (grid["arm"] == a).any()]
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
        return _to_svg(fig)


def _short_int(v: Any) -> str:
    n = float(v)
    return f"{n / 1000:g}k" if n >= 1000 else f"{n:g}"


def timeline_chart(tl: pd.DataFrame, arms: Sequence[str]) -> str:
    """Output throughput over the run, and errors and retries per time bucket.

    ``tl`` is ``metrics.timeline(df, by="arm")`` (or without ``by``: one
    series); ``time`` is the bucket's start.
    """
    from matplotlib.ticker import MaxNLocator

    colors = arm_colors(arms)
    with _figure(12.0, 3.0, ncols=2) as (fig, (ax_tps, ax_err)):
        groups = list(tl.groupby("arm", observed=True, sort=False)) if "arm" in tl else [("", tl)]
        for arm, sub in groups:
            color = colors.get(str(arm), _INK)
            x = (sub["time"] - tl["time"].min()).dt.total_seconds()
            ax_tps.plot(x, sub["output_tps"], color=color, lw=1.4, label=str(arm) or None)
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
        return _to_svg(fig)


__all__ = [
    "CDF_POINTS",
    "PALETTE",
    "accuracy_by_suite",
    "arm_colors",
    "cost_vs_accuracy",
    "latency_cdf",
    "needle_heatmap",
    "sanitize_svg",
    "timeline_chart",
]
