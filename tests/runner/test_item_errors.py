"""One item's failure is that item's record: even a fault that is no request error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import evalkit


def test_a_record_that_cannot_be_written_becomes_an_internal_error_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A grader whose details hold bytes that are not UTF-8: the score is made,
    # the record is built, and only writing it fails.
    (tmp_path / "rawgraders.py").write_text(
        "from evalkit.graders import Score\n"
        "def raw(item):\n"
        "    if item.sample.id == 'b':\n"
        "        return Score(1.0, True, 'fine', details={'raw': b'\\xff\\xfe'})\n"
        "    return Score(1.0, True, 'fine')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    suite = tmp_path / "s.jsonl"
    grader = {"type": "python", "function": "rawgraders:raw"}
    suite.write_text(
        "".join(json.dumps({"id": i, "prompt": "x", "grader": grader}) + "\n" for i in "abc")
    )
    result = evalkit.run([str(suite)], out=tmp_path / "res", run_id="r", progress=False, echo=None)
    assert (result.status, result.exit_code, result.written) == ("finished", 0, 3)
    lines = (tmp_path / "res" / "r" / "records.jsonl").read_text().splitlines()
    recs = {r["sample_id"]: r for r in map(json.loads, lines)}
    assert [recs[i]["status"] for i in "abc"] == ["ok", "error", "ok"]
    error = recs["b"]["error"]
    assert error["type"] == "internal_error"
    # It names the exception and where it was raised.
    assert re.match(r"\w+Error: .*utf-8.* \(at \w+\.py:\d+\)$", error["message"]), error
    assert {p.name for p in result.outputs.files} >= {"report.html", "junit.xml", "summary.md"}
