"""junit.xml parses back with the right counts; hostile model output cannot break it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from support import write_suite
from support.fakerun import make_run

from evalkit.metrics import load_run
from evalkit.report.junit import busy_seconds, write_junit, xml_text

# Jenkins' xUnit plugin schema (tests/report/data/README.md says where it comes from).
JUNIT_XSD = xmlschema.XMLSchema(Path(__file__).parent / "data" / "junit-10.xsd")


def rewrite(run: Path, edit: dict[int, dict[str, object]]) -> None:
    """Patch records.jsonl: line index -> fields to set."""
    path = run / "records.jsonl"
    recs = [json.loads(line) for line in path.read_text().splitlines()]
    for i, fields in edit.items():
        recs[i].update(fields)
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))


def test_counts_per_target_and_suite(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=30, error_rate=0.1, seed=2)
    df = load_run(run)
    root = ET.parse(write_junit(run)).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        f"{t}/{s}" for t in ("sim", "sim-strong") for s in ("chat", "needle", "tools")
    ]
    for element in suites:
        target, suite = element.get("name", "").split("/")
        rows = df[(df["target"] == target) & (df["suite"] == suite)]
        cases = element.findall("testcase")
        assert int(element.get("tests", "-1")) == len(cases) == len(rows)
        n_fail = int(((rows["status"] == "ok") & ~rows["passed"]).sum())
        n_err = int((rows["status"] == "error").sum())
        assert int(element.get("failures", "-1")) == n_fail
        assert int(element.get("errors", "-1")) == n_err
        assert len([c for c in cases if c.find("failure") is not None]) == n_fail
        assert len([c for c in cases if c.find("error") is not None]) == n_err
        assert not [c for c in cases if c.find("failure") is not None and c.find("error")]
        # Wall time, not the sum of the cases: every fake record starts at the same
        # instant, so the suite took as long as its longest request (retry waits included).
        longest = (rows["retry_wait_s"] + rows["e2e_s"].fillna(0)).max()
        assert float(element.get("time", "0")) == pytest.approx(longest, abs=0.002)
        assert float(element.get("time", "0")) < rows["e2e_s"].sum()
        assert {c.get("classname") for c in cases} == {f"evalkit.{target}.{suite}"}
    assert int(root.get("tests", "0")) == len(df)
    assert int(root.get("errors", "0")) == int((df["status"] == "error").sum())


def test_failure_and_error_details(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=10, targets=("sim",), error_rate=0.3, seed=1)
    df = load_run(run)
    root = ET.parse(write_junit(run, df)).getroot()
    cases = {c.get("name"): c for c in root.iter("testcase") if "chat" in str(c.get("classname"))}
    failed = df[(df["suite"] == "chat") & (df["status"] == "ok") & ~df["passed"]].iloc[0]
    failure = cases[failed["sample_id"]].find("failure")
    assert failure is not None
    assert failure.get("type") == "exact"
    assert failure.get("message") == "no match"
    text = failure.text or ""
    assert f"expected: answer {failed['sample_id'].split('-')[1]}" in text
    assert f"output: {failed['output']}" in text
    errored = df[(df["suite"] == "chat") & (df["status"] == "error")].iloc[0]
    error = cases[errored["sample_id"]].find("error")
    assert error is not None
    assert error.get("type") == "server_error" and error.get("message") == "HTTP 503"
    assert "attempts: 6" in (error.text or "")


def test_context_length_errors_are_skipped(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=5, targets=("sim",), error_rate=0)
    rewrite(
        run,
        {
            0: {
                "status": "error",
                "error": {"type": "context_length", "message": "prompt is 140000 tokens"},
                "scores": [],
                "passed": False,
            }
        },
    )
    root = ET.parse(write_junit(run)).getroot()
    first = root.find("testsuite")
    assert first is not None
    assert (first.get("skipped"), first.get("errors")) == ("1", "0")
    skipped = first.find("testcase/skipped")
    assert skipped is not None and "context_length" in str(skipped.get("message"))


def test_epochs_name_cases_with_their_epoch(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=2, targets=("sim",), error_rate=0)
    path = run / "records.jsonl"
    recs = [json.loads(line) for line in path.read_text().splitlines()]
    recs += [{**r, "epoch": 1} for r in recs]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    names = {c.get("name") for c in ET.parse(write_junit(run)).getroot().iter("testcase")}
    assert {"chat-0#0", "chat-0#1", "tools-1#1"} <= names


def test_hostile_output_stays_well_formed(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=3, targets=("sim",), error_rate=0, seed=4)
    nasty = "]]> <b>&amp; \x00\x01\x0b\x1b[31m \ud800 ok\t\n' \" </testcase> 🎉"
    failing = {
        "output": nasty,
        "passed": False,
        "score": 0.0,
        "scores": [{"grader": "exact<&>", "score": 0, "passed": False, "explanation": nasty}],
    }
    error = {
        "status": "error",
        "error": {"type": "bad_request", "message": nasty},
        "scores": [],
        "passed": False,
    }
    rewrite(run, {0: failing, 1: error})
    out = write_junit(run, out=tmp_path / "ci" / "junit.xml")
    assert out == tmp_path / "ci" / "junit.xml"
    root = ET.parse(out).getroot()  # would raise on malformed XML
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("type") == "exact<&>"
    assert "]]> <b>&amp;" in (failure.text or "")
    assert "\x00" not in (failure.text or "") and "\x1b" not in (failure.text or "")
    assert "🎉" in (failure.text or "")
    assert len(root.findall(".//error")) == 1


def test_xml_text_strips_forbidden_and_truncates() -> None:
    assert xml_text("a\x00b\x08c\x7fd\ufffe") == "abc\x7fd"
    assert xml_text("x" * 50, limit=10) == "x" * 9 + "…"
    assert xml_text(None) == ""


def test_ungraded_records_pass(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=2, targets=("sim",), error_rate=0, seed=9)
    rewrite(run, {0: {"scores": [], "passed": False, "score": None}})
    first = ET.parse(write_junit(run)).getroot().find("testsuite/testcase")
    assert first is not None and len(first) == 0


def test_empty_run(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    root = ET.parse(write_junit(tmp_path / "empty")).getroot()
    assert root.get("tests") == "0" and root.findall("testsuite") == []


def test_junit_validates_against_jenkins_schema(tmp_path: Path) -> None:
    # Everything a junit.xml can hold: failures, errors, a skipped case, several
    # epochs, hostile output, a stopped target.
    run = make_run(tmp_path / "r", n_samples=8, error_rate=0.2, seed=3)
    rewrite(
        run,
        {
            0: {
                "status": "error",
                "error": {"type": "context_length", "message": "prompt too long"},
                "scores": [],
                "passed": False,
            },
            1: {"output": "\x00 </testcase> ]]> \ud800", "passed": False, "score": 0.0},
        },
    )
    manifest = json.loads((run / "run.json").read_text())
    manifest["aborted"] = {"sim-strong": "HTTP 401: invalid key"}
    (run / "run.json").write_text(json.dumps(manifest))
    out = write_junit(run)
    JUNIT_XSD.validate(out)  # raises with the offending element and attribute
    root = ET.parse(out).getroot()
    assert root.get("skipped") is None  # the attribute Jenkins' schema rejects
    suites = root.findall("testsuite")
    assert any(s.get("skipped") == "1" for s in suites)
    for element in suites:
        assert element.get("hostname"), element.get("name")
    assert {s.get("timestamp") for s in suites if s.find("testcase/skipped") is None} >= {
        "2026-11-25T17:00:00"
    }


def test_a_real_runs_junit_validates_and_carries_where_and_when(tmp_path: Path) -> None:
    import evalkit

    suite = write_suite(tmp_path / "suite", 6)
    result = evalkit.run(suite, "sim", out=tmp_path, run_id="j", progress=False, echo=None)
    junit = result.run_dir / "junit.xml"
    JUNIT_XSD.validate(junit)
    element = ET.parse(junit).getroot().find("testsuite")
    assert element is not None
    manifest = json.loads((result.run_dir / "run.json").read_text())
    assert element.get("hostname") == manifest["hostname"] != ""
    # when the first request started: UTC, to the second, no zone (as junit readers expect)
    assert str(element.get("timestamp")) >= manifest["created_at"][:19]
    assert len(str(element.get("timestamp"))) == 19


def test_time_is_wall_time_overlaps_counted_once(tmp_path: Path) -> None:
    import pandas as pd

    rows = pd.DataFrame(
        {
            "started_at": pd.to_datetime(
                [
                    "2026-01-01T00:00:00Z",  # 0-5 s
                    "2026-01-01T00:00:01Z",  # 1-4 s, inside the first
                    "2026-01-01T00:00:10Z",  # 10-12 s: 1 s waiting for a retry, 1 s request
                    None,  # no start known: not counted
                ],
                utc=True,
                format="ISO8601",
            ),
            "retry_wait_s": [0.0, 0.0, 1.0, 0.0],
            "e2e_s": [5.0, 3.0, 1.0, 9.0],
        }
    )
    assert busy_seconds(rows) == pytest.approx(7.0)
    assert busy_seconds(rows.iloc[:0]) == 0.0
    # a span that starts inside another and outlasts it extends the stretch: 0-6 s, 8-9 s
    chained = pd.DataFrame(
        {
            "started_at": pd.to_datetime(
                [
                    "2026-01-01T00:00:08Z",  # 8-9 s
                    "2026-01-01T00:00:00Z",  # 0-2 s
                    "2026-01-01T00:00:01Z",  # 1-6 s
                    "2026-01-01T00:00:03Z",  # 3-4 s
                ],
                utc=True,
                format="ISO8601",
            ),
            "retry_wait_s": [0.0, 0.0, 0.0, 0.0],
            "e2e_s": [1.0, 2.0, 5.0, 1.0],
        }
    )
    assert busy_seconds(chained) == pytest.approx(7.0)
