"""The report's charts: ``evalkit.plot``'s figures rendered to sanitised inline SVG.

The pictures are ``evalkit.plot``'s (a notebook draws the same ones); this
module chooses which the data supports and renders each to an ``<svg>``
element ready to be placed in the page as-is. Glyphs are drawn as paths
(``svg.fonttype = "path"``), so a chart needs no font and fetches nothing.

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
import re
from typing import TYPE_CHECKING, Any

from evalkit import plot

if TYPE_CHECKING:
    import pandas as pd
    from markupsafe import Markup
    from matplotlib.figure import Figure

_SVG_RC: dict[Any, Any] = {
    "svg.fonttype": "path",
    "svg.hashsalt": "evalkit",  # stable ids: the same run renders the same bytes
}
_chart_ids = itertools.count(1)
_ACTIVE = re.compile(r"<script|<foreignObject|<iframe|\son[a-z]+\s*=|javascript:", re.I)


def to_svg(fig: Figure) -> str:
    """Render ``fig`` as a sanitised, responsive ``<svg>`` element."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(_SVG_RC):
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


def charts(df: pd.DataFrame, by_suite: pd.DataFrame, per_arm: pd.DataFrame) -> dict[str, Markup]:
    """Every chart the records support, as sanitised SVG, by name.

    ``by_suite`` and ``per_arm`` are ``metrics.summary_table(df)`` by arm and
    suite and by arm (keys as columns), which the page has computed already.
    """
    from markupsafe import Markup

    figures: dict[str, Any] = {}
    if len(by_suite):
        figures["accuracy"] = lambda: plot.accuracy(df, table=by_suite)
    if len(per_arm):
        figures["cost"] = lambda: plot.cost_vs_accuracy(df, table=per_arm)
    if (df["status"].astype(str) == "ok").any():
        figures["latency"] = lambda: plot.latency_cdf(df)
    if plot.has_needle_cells(df):
        figures["needle"] = lambda: plot.needle_heatmap(df)
    if plot.timeline_freq(df) is not None:
        figures["timeline"] = lambda: plot.timeline(df)
    return {name: Markup(to_svg(draw())) for name, draw in figures.items()}


__all__ = ["charts", "sanitize_svg", "to_svg"]
