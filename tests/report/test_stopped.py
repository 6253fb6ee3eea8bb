"""A target the runner stopped (run.json ``aborted``) shows, with its reason, in every output."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from support.fakerun import make_run

from evalkit.metrics import load_run
from evalkit.report import render_run
from evalkit.report.html import write_compare_report

REASON = "HTTP 401: authentication_error: Invalid API key <script>alert(1)</script> | x"
N = 10  # samples per suite; three suites


def stopped_run(tmp_path: Path, kept: int = 2, **settings: object) -> Path:
    """sim ran everything; sim-strong was stopped after ``kept`` records per suite."""
    run = make_run(tmp_path / "r", n_samples=N, error_rate=0)
    path = run / "records.jsonl"
    recs = [json.loads(line) for line in path.read_text().splitlines()]
    seen: dict[str, int] = {}
    keep = []
    for r in recs:
        if r["target"] == "sim-strong":
            seen[r["suite"]] = seen.get(r["suite"], 0) + 1
            if seen[r["suite"]] > kept:
                continue
        keep.append(r)
    path.write_text("".join(json.dumps(r) + "\n" for r in keep))
    manifest = json.loads((run / "run.json").read_text())
    manifest["status"] = "finished"
    manifest["aborted"] = {"sim-strong": REASON}
    manifest["settings"] = {"suites": ["x"], "targets": ["sim", "sim-strong"], "epochs": 1}
    manifest["settings"].update(settings)
    (run / "run.json").write_text(json.dumps(manifest))
    return run


def test_summary_has_a_stopped_targets_section(tmp_path: Path) -> None:
    run = stopped_run(tmp_path)
    render_run(run)
    text = (run / "summary.md").read_text()
    assert text.index("### Stopped targets") < text.index("| target | suite |")
    row = next(line for line in text.splitlines() if line.startswith("| `sim-strong`"))
    assert "HTTP 401: authentication_error: Invalid API key &lt;script&gt;" in row
    assert "\\| x" in row and "<script>" not in text
    assert row.endswith(f"| {3 * N - 3 * 2} of {3 * N} items not run |")
    assert "`sim` |" not in text.split("### Stopped targets")[1].split("| target | suite |")[0]


def test_report_html_warns_near_the_top(tmp_path: Path) -> None:
    run = stopped_run(tmp_path)
    render_run(run)
    html = (run / "report.html").read_text()
    banner = html.index('class="banner bad stopped"')
    assert banner < html.index('<section id="run">')
    block = html[banner : html.index("</div>", banner)]
    assert 'data-target="sim-strong"' in block
    assert "Invalid API key &lt;script&gt;alert(1)&lt;/script&gt;" in block
    assert f"{3 * N - 6} of {3 * N} items not run" in block
    assert "<script>alert(1)" not in html
    compare = write_compare_report([run], tmp_path / "compare.html").read_text()
    assert 'class="banner bad stopped"' in compare and "Invalid API key &lt;script&gt;" in compare


def test_junit_has_a_stopped_testcase(tmp_path: Path) -> None:
    run = stopped_run(tmp_path)
    df = load_run(run)
    root = ET.parse(render_run(run, df=df).files[0]).getroot()
    suite = next(s for s in root.findall("testsuite") if s.get("name") == "sim-strong")
    assert (suite.get("tests"), suite.get("errors"), suite.get("failures")) == ("1", "1", "0")
    (case,) = suite.findall("testcase")
    assert case.get("name") == "(target stopped)"
    error = case.find("error")
    assert error is not None
    assert error.get("type") == "target_fatal" and error.get("message") == REASON
    assert f"{3 * N - 6} of {3 * N} items not run" in (error.text or "")
    assert int(root.get("tests", "0")) == len(df) + 1
    assert int(root.get("errors", "0")) == int((df["status"] == "error").sum()) + 1


def test_a_target_stopped_before_any_record(tmp_path: Path) -> None:
    run = stopped_run(tmp_path, kept=0, limit=4, epochs=2)
    render_run(run)
    assert f"| {3 * 4 * 2} of {3 * 4 * 2} items not run |" in (run / "summary.md").read_text()
    assert "sim-strong" in (run / "report.html").read_text()


def test_sharded_run_gives_the_reason_without_a_count(tmp_path: Path) -> None:
    run = stopped_run(tmp_path, shard="1/2")
    render_run(run)
    row = next(
        line
        for line in (run / "summary.md").read_text().splitlines()
        if line.startswith("| `sim-strong`")
    )
    assert "Invalid API key" in row and row.endswith("| – |")
