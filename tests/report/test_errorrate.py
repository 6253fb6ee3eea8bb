"""A run's own errors as a verdict, on hand-made records."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit.config import GateConfig
from evalkit.metrics import load_run
from evalkit.report.errorrate import error_breaches
from evalkit.runfolder import ErrorInfo, Record, RecordWriter, ScoreRecord


def _record(target: str, suite: str, i: int, error: str | None = None) -> Record:
    common = {
        "run_id": "r",
        "target": target,
        "model": "m",
        "suite": suite,
        "sample_id": f"q{i}",
        "started_at": "2026-11-25T17:00:00.000Z",
    }
    if error:
        message = f"{error} talking to 127.0.0.1"
        return Record(**common, status="error", error=ErrorInfo(type=error, message=message))
    score = ScoreRecord(grader="exact", score=1.0, passed=True)
    return Record(**common, status="ok", output="x", scores=[score], score=1.0, passed=True)


def _frame(tmp_path: Path, records: list[Record]) -> pd.DataFrame:
    tmp_path.mkdir(parents=True, exist_ok=True)
    with RecordWriter(tmp_path) as writer:
        for r in records:
            writer.write(r)
    return load_run(tmp_path)


def test_an_error_share_above_the_limit_is_a_breach(tmp_path: Path) -> None:
    records = [_record("t", "s", i, "server_error" if i < 3 else None) for i in range(20)]
    df = _frame(tmp_path, records)
    [breach] = error_breaches(df, GateConfig())  # 3 of 20 = 15% > 5%
    assert (breach.kind, breach.arm, breach.suite) == ("errors", "t", "s")
    assert breach.message == (
        "t/s: 3 of 20 items ended in error after retries (15.0%) > allowed 5.0%: "
        "server_error ×3; first: server_error talking to 127.0.0.1"
    )
    assert error_breaches(df, GateConfig(max_error_rate=0.15)) == []  # not more than 15%
    assert error_breaches(df, GateConfig(max_error_rate=None)) == []


def test_a_target_without_any_answer_fails_whatever_the_limit(tmp_path: Path) -> None:
    records = [_record("dead", s, i, "connection_error") for s in ("a", "b") for i in range(3)]
    records += [_record("alive", "a", i) for i in range(3)]
    df = _frame(tmp_path, records)
    for gate in (GateConfig(), GateConfig(max_error_rate=None), GateConfig(max_error_rate=1)):
        [breach] = error_breaches(df, gate)
        assert (breach.kind, breach.arm, breach.suite) == ("no_answer", "dead", "*")
        assert breach.message.startswith(
            "dead: no answer at all: all 6 requests ended in error after retries "
            "(connection_error ×6)"
        )


def test_prompts_too_long_for_the_window_are_not_errors_of_the_endpoint(tmp_path: Path) -> None:
    records = [_record("t", "s", i, "context_length" if i < 10 else None) for i in range(12)]
    assert error_breaches(_frame(tmp_path / "a", records), GateConfig()) == []
    only = [_record("t", "s", i, "context_length") for i in range(4)]
    assert error_breaches(_frame(tmp_path / "b", only), GateConfig()) == []


def test_a_partial_run_gets_no_error_verdict(tmp_path: Path) -> None:
    from support.fakerun import make_run

    from evalkit.report import render_run
    from evalkit.runfolder import read_manifest, write_manifest

    run = make_run(tmp_path / "r", n_samples=3, targets=("sim",), error_rate=1.0)
    assert [b.kind for b in render_run(run, html=False).breaches] == ["no_answer"]
    manifest = read_manifest(run)
    write_manifest(run, manifest.model_copy(update={"status": "interrupted"}))
    assert render_run(run, html=False).breaches == []
    assert "Gate" not in (run / "summary.md").read_text()
