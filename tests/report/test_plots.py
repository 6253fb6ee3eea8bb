"""The report's charts: evalkit.plot's figures as inline SVG, fetching nothing, with no markup."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support.fakerun import make_run

from evalkit import metrics, plot
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
    by_suite = metrics.summary_table(df, by=("arm", "suite")).reset_index()
    per_arm = metrics.summary_table(df, by=("arm",)).reset_index()
    charts = plots.charts(df, by_suite, per_arm)
    assert set(charts) == {"accuracy", "cost", "latency"}  # no needle cells, one instant
    for svg in charts.values():
        check_chart(str(svg))
    # Ids are unique across charts, so several can share one HTML document.
    all_ids = [i for svg in charts.values() for i in re.findall(r'\bid="([^"]+)"', svg)]
    assert len(all_ids) == len(set(all_ids))


def test_latency_chart_size_does_not_grow_with_records(df: pd.DataFrame) -> None:
    big = pd.concat([df] * 40, ignore_index=True)  # 7,200 records
    small_svg = plots.to_svg(plot.latency_cdf(df))
    big_svg = plots.to_svg(plot.latency_cdf(big))
    assert len(big_svg) < 1.5 * len(small_svg) + 20_000


def test_accuracy_chart_survives_missing_intervals(df: pd.DataFrame) -> None:
    two = df[df["suite"] == "chat"].groupby("arm", observed=True).head(1)
    acc = pd.DataFrame(
        {
            "arm": ["sim", "sim-strong"],
            "suite": ["chat", "chat"],
            "accuracy": [1.0, 0.0],
            "ci_low": [np.nan, np.nan],  # a single record has no SE
            "ci_high": [np.nan, np.nan],
        }
    )
    check_chart(plots.to_svg(plot.accuracy(two, table=acc)))


def test_hostile_labels_never_reach_the_svg_as_text(tmp_path: Path) -> None:
    evil = "--><script>alert(1)</script><!--"
    df = metrics.load_run(make_run(tmp_path / "evil", n_samples=3, targets=(evil,)))
    svg = plots.to_svg(plot.accuracy(df))
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
    df = metrics.load_run(run)
    assert len(metrics.needle_grid(df)) == 2 * 3 * 5
    svg = plots.to_svg(plot.needle_heatmap(df))
    check_chart(svg)
    panels = re.findall(r'id="ek\d+-axes_\d+"', svg)
    assert len(panels) == 3  # two arms and the colour bar
    assert svg.count("<image") == 3  # a raster per panel and the bar, inlined as data URIs
    assert all(
        h.startswith("data:image/png;base64,") for h in re.findall(r'href="([^#"][^"]*)"', svg)
    )


def test_timeline_chart_of_a_run_that_took_time(df: pd.DataFrame) -> None:
    spread = df.copy()
    spread["started_at"] = spread["started_at"] + pd.to_timedelta(np.arange(len(df)) * 0.05, "s")
    assert plot.timeline_freq(spread) == "200ms"  # 9 s of records: 30 to 75 buckets
    check_chart(plots.to_svg(plot.timeline(spread)))
