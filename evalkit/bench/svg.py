"""Small inline SVG line charts for the benchmark report (no plotting library needed).

A chart is a few polylines with point markers on linear axes with "nice"
ticks; each point carries a tooltip (``<title>``). Every text is escaped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b")


@dataclass(frozen=True, slots=True)
class Series:
    """One line: its name, points (x, y), a tooltip per point, and whether it is dashed."""

    name: str
    points: list[tuple[float, float]]
    tips: list[str]
    color: str = PALETTE[0]
    dashed: bool = False


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [lo, hi]."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0]
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(t, 10))
    return ticks


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"


def line_chart(
    series: list[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 560,
    height: int = 320,
) -> str:
    """An SVG chart of ``series`` (empty series are left out)."""
    drawn = [s for s in series if s.points]
    left, right, top, bottom = 64, 16, 28, 48
    pw, ph = width - left - right, height - top - bottom
    xs = [x for s in drawn for x, _ in s.points] or [0.0, 1.0]
    ys = [y for s in drawn for _, y in s.points] or [0.0, 1.0]
    xt = nice_ticks(0.0, max(xs))
    yt = nice_ticks(0.0, max(ys))
    x0, x1, y0, y1 = xt[0], xt[-1], yt[0], yt[-1]

    def px(x: float) -> float:
        return left + (x - x0) / ((x1 - x0) or 1.0) * pw

    def py(y: float) -> float:
        return top + ph - (y - y0) / ((y1 - y0) or 1.0) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="18" font-weight="bold">{escape(title)}</text>',
    ]
    for t in yt:
        y = py(t)
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(t)}</text>'
        )
    for t in xt:
        x = px(t)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" stroke="#eee"/>'
            f'<text x="{x:.1f}" y="{top + ph + 16}" text-anchor="middle">{_fmt(t)}</text>'
        )
    out.append(
        f'<text x="{left + pw / 2:.0f}" y="{height - 8}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text transform="translate(14 {top + ph / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    for s in drawn:
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in s.points)
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        out.append(
            f'<polyline points="{pts}" fill="none" stroke="{s.color}" stroke-width="2"{dash}/>'
        )
        for (x, y), tip in zip(s.points, s.tips, strict=True):
            out.append(
                f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{s.color}">'
                f"<title>{escape(tip)}</title></circle>"
            )
    legend_y = top + 4
    for i, s in enumerate(drawn):
        y = legend_y + 16 * i
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        out.append(
            f'<line x1="{left + 10}" x2="{left + 34}" y1="{y}" y2="{y}" stroke="{s.color}" '
            f'stroke-width="2"{dash}/><text x="{left + 40}" y="{y + 4}">{escape(s.name)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


__all__ = ["PALETTE", "Series", "line_chart", "nice_ticks"]
