"""The report's charts: inline SVG that fetches nothing, carries no markup, stays small."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support.fakerun import make_run

from evalkit import metrics
from evalkit.report import plots

MATPLOTLIB_SVG = """<?xml version="1.0" encoding="utf-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="460.8pt" height="345.6pt" \
viewBox="0 0 460.8 345.6" xmlns="http://www.w3.org/2000/svg" version="1.1">
 <metadata><rdf:RDF><cc:Work><dc:type rdf:resource="http://purl.org/dc/dcmitype/StillImage"/>\
</cc:Work></rdf:RDF></metadata>
 <defs><style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style></defs>
 <g id="figure_1"><g id="text_1"><!-- - -&gt;&lt;script&gt;alert(1)&lt;/script&gt; -->
  <defs><path id="DejaVuSans-73" d="M 0 0 z"/><clipPath id="p1a"><rect/></clipPath></defs>
  <use xlink:href="#DejaVuSans-73"/><g clip-path="url(#p1a)"/></g></g>
</svg>
"""


def ids_and_refs(svg: str) -> tuple[set[str], set[str]]:
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    refs = set(re.findall(r'href="#([^"]+)"', svg)) | set(re.findall(r"url\(#([^)]+)\)", svg))
    return ids, refs


def test_sanitize_svg_refuses_active_content() -> None:
    for active in ("<script>alert(1)</script>", '<g onload="x()"/>', "<foreignObject/>"):
        bad = MATPLOTLIB_SVG.replace("<use ", active + "<use ")
        with pytest.raises(ValueError, match="active content"):
            plots.sanitize_svg(bad, prefix="c8-")


def test_sanitize_svg_drops_prolog_comments_metadata_and_global_style() -> None:
    svg = plots.sanitize_svg(MATPLOTLIB_SVG, prefix="c7-")
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    for gone in (
        "<?xml",
        "DOCTYPE",
        "<!--",
        "<script",
        "metadata",
        "purl.org",
        "<style",
        "stroke-linejoin",
    ):
        assert gone not in svg, gone
    assert 'class="chart" style="max-width: 614px"' in svg and 'width="460.8pt"' not in svg
    ids, refs = ids_and_refs(svg)
    assert ids == {"c7-figure_1", "c7-text_1", "c7-DejaVuSans-73", "c7-p1a"}
    assert refs == {"c7-DejaVuSans-73", "c7-p1a"}


@pytest.fixture(scope="module")
def df(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    run = make_run(tmp_path_factory.mktemp("plots") / "run", n_samples=30)
    return metrics.load_run(run)


ARMS = ["sim", "sim-strong"]


def check_chart(svg: str) -> None:
    """A chart that can be placed in the page as-is: one <svg>, self-referencing ids only."""
    assert svg.startswith("<svg ") and svg.count("<svg") == 1
    assert "<script" not in svg and "<!--" not in svg and "<style" not in svg
    urls = set(re.findall(r"https?://[^\"' )]+", svg))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    ids, refs = ids_and_refs(svg)
    assert refs and refs <= ids
    assert "<text" not in svg  # glyphs are paths: no font is needed to draw them


def test_every_chart_renders_clean_svg(df: pd.DataFrame) -> None:
    acc = metrics.accuracy_table(df)
    per_arm = metrics.summary_table(df, by=("arm",))
    charts = [
        plots.latency_cdf(df, ARMS),
        plots.accuracy_by_suite(acc, ARMS),
        plots.cost_vs_accuracy(per_arm, ARMS),
    ]
    for svg in charts:
        check_chart(svg)
    # Ids are unique across charts, so several can share one HTML document.
    all_ids = [i for svg in charts for i in re.findall(r'\bid="([^"]+)"', svg)]
    assert len(all_ids) == len(set(all_ids))


def test_cdf_is_downsampled_but_exact_at_the_ends() -> None:
    values = np.random.default_rng(0).lognormal(-3, 0.5, 50_000)
    x, y = plots._cdf_points(values)
    assert len(x) == len(y) == plots.CDF_POINTS
    assert x[0] == values.min() and x[-1] == values.max() and y[-1] == 1.0
    assert np.all(np.diff(x) >= 0)
    small_x, small_y = plots._cdf_points([3.0, 1.0, 2.0])
    assert list(small_x) == [1.0, 2.0, 3.0] and list(small_y) == pytest.approx([1 / 3, 2 / 3, 1])


def test_latency_chart_size_does_not_grow_with_records(df: pd.DataFrame) -> None:
    big = pd.concat([df] * 40, ignore_index=True)  # 7,200 records
    small_svg = plots.latency_cdf(df, ARMS)
    big_svg = plots.latency_cdf(big, ARMS)
    assert len(big_svg) < 1.5 * len(small_svg) + 20_000


def test_accuracy_chart_survives_missing_intervals() -> None:
    acc = pd.DataFrame(
        {
            "arm": ["a", "b"],
            "suite": ["only", "only"],
            "accuracy": [1.0, 0.0],
            "ci_low": [np.nan, np.nan],  # a single record has no SE
            "ci_high": [np.nan, np.nan],
        }
    )
    check_chart(plots.accuracy_by_suite(acc, ["a", "b"]))


def test_hostile_labels_never_reach_the_svg_as_text() -> None:
    evil = "--><script>alert(1)</script><!--"
    acc = pd.DataFrame(
        {"arm": [evil], "suite": [evil], "accuracy": [0.5], "ci_low": [0.4], "ci_high": [0.6]}
    )
    svg = plots.accuracy_by_suite(acc, [evil])
    check_chart(svg)
    assert "alert" not in svg


def test_needle_heatmap_has_one_panel_per_arm(tmp_path: Path) -> None:
    run = make_run(tmp_path / "needle", n_samples=45)
    lines = (run / "samples" / "needle.jsonl").read_text("utf-8").splitlines()
    with (run / "samples" / "needle.jsonl").open("w", encoding="utf-8") as fh:
        for i, line in enumerate(lines):
            sample = json.loads(line)
            sample["metadata"] = {"context_length": 1000 * 2 ** (i % 3), "depth": 25.0 * (i % 5)}
            fh.write(json.dumps(sample) + "\n")
    grid = metrics.needle_grid(metrics.load_run(run))
    assert len(grid) == 2 * 3 * 5
    svg = plots.needle_heatmap(grid, ARMS)
    check_chart(svg)
    panels = re.findall(r'id="ek\d+-axes_\d+"', svg)
    assert len(panels) == 3  # two arms and the colour bar
    assert svg.count("<image") == 3  # a raster per panel and the bar, inlined as data URIs
    assert all(
        h.startswith("data:image/png;base64,") for h in re.findall(r'href="([^#"][^"]*)"', svg)
    )


def test_timeline_chart_from_metrics_timeline(df: pd.DataFrame) -> None:
    spread = df.copy()
    spread["started_at"] = spread["started_at"] + pd.to_timedelta(np.arange(len(df)) * 0.05, "s")
    tl = metrics.timeline(spread, freq="1s", by="arm")
    assert len(tl) > 4
    check_chart(plots.timeline_chart(tl, ARMS))
