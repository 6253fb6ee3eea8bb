"""One item's failure is that item's record: even a fault that is no request error."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import evalkit
import evalkit.runner.run as run_module
from evalkit.graders import GradeItem


def _suite(tmp_path: Path, grader: dict[str, Any]) -> Path:
    suite = tmp_path / "s.jsonl"
    extra: dict[str, Any] = {"grader": grader, "expected": "x"}
    suite.write_text("".join(json.dumps({"id": i, "prompt": "x", **extra}) + "\n" for i in "abc"))
    return suite


def _records(tmp_path: Path) -> dict[str, dict[str, Any]]:
    lines = (tmp_path / "res" / "r" / "records.jsonl").read_text().splitlines()
    return {r["sample_id"]: r for r in map(json.loads, lines)}


def test_a_fault_in_one_item_becomes_its_internal_error_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bug in evalkit's own grading step, for one item only.
    real_grade = run_module.grade

    async def buggy_grade(graders: Any, item: GradeItem) -> Any:
        if item.sample.id == "b":
            raise RuntimeError("a bug in grading")
        return await real_grade(graders, item)

    monkeypatch.setattr(run_module, "grade", buggy_grade)
    suite = _suite(tmp_path, {"type": "includes"})
    result = evalkit.run([str(suite)], out=tmp_path / "res", run_id="r", progress=False, echo=None)
    assert (result.status, result.exit_code, result.written) == ("finished", 0, 3)
    recs = _records(tmp_path)
    assert [recs[i]["status"] for i in "abc"] == ["ok", "error", "ok"]
    error = recs["b"]["error"]
    assert error["type"] == "internal_error"
    # It names the exception and where it was raised.
    assert re.match(r"RuntimeError: a bug in grading \(at \w+\.py:\d+\)$", error["message"]), error
    assert {p.name for p in result.outputs.files} >= {"report.html", "junit.xml", "summary.md"}


def test_details_json_cannot_hold_are_kept_as_their_repr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A grader whose details hold bytes that are not UTF-8: the record is still written.
    (tmp_path / "rawgraders.py").write_text(
        "from evalkit.graders import Score\n"
        "def raw(item):\n"
        "    if item.sample.id == 'b':\n"
        "        return Score(1.0, True, 'fine', details={'raw': b'\\xff\\xfe'})\n"
        "    return Score(1.0, True, 'fine')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    suite = _suite(tmp_path, {"type": "python", "function": "rawgraders:raw"})
    result = evalkit.run([str(suite)], out=tmp_path / "res", run_id="r", progress=False, echo=None)
    assert (result.status, result.exit_code, result.written) == ("finished", 0, 3)
    recs = _records(tmp_path)
    assert [recs[i]["status"] for i in "abc"] == ["ok", "ok", "ok"]
    assert recs["b"]["scores"][0]["details"]["raw"] == repr(b"\xff\xfe")
