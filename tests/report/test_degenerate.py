"""Every output renders for degenerate runs: one record, all errors, no records, NaN columns."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from support.fakerun import make_run

from evalkit import plot
from evalkit.metrics import accuracy_table, load_run
from evalkit.report import render_run
from evalkit.report.comparison import compare_markdown
from evalkit.report.html import write_compare_report
from evalkit.report.plots import to_svg

Records = list[dict[str, Any]]


def edit(run: Path, change: Callable[[Records], Records]) -> Path:
    path = run / "records.jsonl"
    recs = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r) + "\n" for r in change(recs)))
    return run


def as_error(rec: dict[str, Any]) -> dict[str, Any]:
    """``rec`` as a request that failed: no timings, tokens, cost, output or scores."""
    blank = ("ttft_s", "e2e_s", "tpot_s", "itl_s", "output_tps", "queue_s", "cost_usd")
    blank += ("prompt_tokens", "completion_tokens", "tokens_source", "output", "tool_calls")
    blank += ("score", "finish_reason")
    return {
        **rec,
        **dict.fromkeys(blank),
        "status": "error",
        "error": {"type": "server_error", "message": "HTTP 503: <overloaded>"},
        "http_status": 503,
        "scores": [],
        "passed": False,
    }


def one_record(tmp: Path) -> Path:
    return edit(make_run(tmp / "one", n_samples=1, targets=("sim",), error_rate=0), lambda r: r[:1])


def one_fractional(tmp: Path) -> Path:
    """A single record with a score of 0.5: no interval at all (not even Wilson's)."""

    def half(recs: Records) -> Records:
        rec = recs[0]
        rec["scores"][0].update(score=0.5, passed=False)
        return [{**rec, "score": 0.5, "passed": False}]

    return edit(make_run(tmp / "half", n_samples=1, targets=("sim",), error_rate=0), half)


def all_errors(tmp: Path) -> Path:
    run = make_run(tmp / "allerr", n_samples=3, error_rate=0)
    return edit(run, lambda recs: [as_error(r) if r["target"] == "sim" else r for r in recs])


def no_records(tmp: Path) -> Path:
    return edit(make_run(tmp / "none", n_samples=3), lambda recs: [])


def needle_errors_only(tmp: Path) -> Path:
    run = make_run(tmp / "needle", n_samples=3, targets=("sim",), error_rate=0)
    return edit(run, lambda recs: [as_error(r) for r in recs if r["suite"] == "needle"])


def nan_columns(tmp: Path) -> Path:
    def blank(recs: Records) -> Records:
        drop = ("ttft_s", "e2e_s", "cost_usd", "prompt_tokens", "completion_tokens", "score")
        return [{**r, **dict.fromkeys(drop), "itl_s": None} for r in recs]

    return edit(make_run(tmp / "nan", n_samples=3, error_rate=0), blank)


RUNS = {
    "one record": one_record,
    "one record, fractional score": one_fractional,
    "a target with only errors": all_errors,
    "no records": no_records,
    "only needle errors": needle_errors_only,
    "all-NaN columns": nan_columns,
}


@pytest.mark.parametrize("make", RUNS.values(), ids=RUNS.keys())
def test_every_output_renders(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    run = make(tmp_path)
    df = load_run(run)
    rendered = render_run(run, df=df)  # warnings are errors: matplotlib's count too
    assert sorted(p.name for p in rendered.files) == ["junit.xml", "report.html", "summary.md"]

    root = ET.parse(run / "junit.xml").getroot()
    assert int(root.get("tests", "-1")) == len(df)
    assert int(root.get("errors", "-1")) == int((df["status"] == "error").sum())
    for suite in root.iter("testsuite"):
        assert math.isfinite(float(suite.get("time", "nan")))

    summary = (run / "summary.md").read_text()
    assert f"{len(df)} records" in summary
    if df.empty:
        assert "No records." in summary
    else:
        assert "| target | suite |" in summary

    html = (run / "report.html").read_text()
    assert "<script>alert" not in html
    assert f"{len(df)} records" in html or "No records yet" in html

    # Run against itself as a baseline: the gate and the comparison take the same path.
    again = render_run(run, baseline_dir=run, df=df)
    assert again.breaches == []
    assert (run / "summary.md").exists()


@pytest.mark.parametrize(
    "make", [one_record, all_errors, nan_columns], ids=["one record", "all errors", "NaN"]
)
def test_compare_outputs_render(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    run = make(tmp_path)
    other = make(tmp_path / "again")
    text = compare_markdown([run, other])
    assert "### Side by side" in text and "(B) vs" in text
    page = write_compare_report([run, other], tmp_path / "compare.html").read_text()
    assert 'id="side"' in page


def test_one_record_has_a_wilson_interval_and_a_fractional_one_none(tmp_path: Path) -> None:
    binary = accuracy_table(load_run(one_record(tmp_path))).iloc[0]
    assert binary["ci_method"] == "wilson"
    assert 0 <= binary["ci_low"] <= binary["accuracy"] <= binary["ci_high"] <= 1
    assert binary["ci_high"] - binary["ci_low"] > 0.75  # one item says little
    half = accuracy_table(load_run(one_fractional(tmp_path))).iloc[0]
    assert math.isnan(half["ci_low"]) and math.isnan(half["ci_high"])


def test_charts_take_missing_values(tmp_path: Path) -> None:
    # What html._charts passes: tables whose NaNs became None on the way to JSON.
    table = pd.DataFrame(
        {
            "arm": ["a", "b", "c"],
            "suite": ["s", "s", "s"],
            "accuracy": [0.5, None, 0.0],
            "ci_low": [None, None, 0.0],
            "ci_high": [None, None, 0.2],
            "cost_per_1k": [None, 1.0, float("nan")],
            "cost_estimated": [False, False, True],
        }
    )
    df = load_run(make_run(tmp_path / "abc", n_samples=2, targets=("a", "b", "c")))
    assert to_svg(plot.cost_vs_accuracy(df, table=table)).startswith("<svg")
    assert to_svg(plot.accuracy(df, table=table)).startswith("<svg")
    errors_only = load_run(all_errors(tmp_path))
    assert to_svg(plot.latency_cdf(errors_only[errors_only["arm"] == "sim"])).startswith("<svg")


def test_empty_run_against_a_baseline_and_back(tmp_path: Path) -> None:
    empty = no_records(tmp_path)
    base = make_run(tmp_path / "base", n_samples=3, targets=("sim",))
    rendered = render_run(empty, baseline_dir=base)
    assert [b.kind for b in rendered.breaches] == ["missing"]
    summary = (empty / "summary.md").read_text()
    assert "### Gate: FAILED" in summary and "### Side by side" in summary
    assert render_run(base, baseline_dir=empty).breaches == []
    text = compare_markdown([empty, base])  # two runs: comparable, though one is empty
    assert "`sim`" in text
    assert write_compare_report([base, empty], tmp_path / "c.html").exists()
