"""accuracy / latency / cost / summary tables on hand-made and synthetic runs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from support.fakerun import make_run

from evalkit.metrics import (
    accuracy_table,
    cost_table,
    latency_table,
    load_run,
    mean_ci,
    summary_table,
)
from evalkit.runfolder import ErrorInfo, Record, RecordWriter, ScoreRecord


def record(
    sample: str,
    *,
    passed: bool | None = True,
    error: str | None = None,
    epoch: int = 0,
    e2e: float = 0.5,
    cost: float = 0.001,
    cluster: str | None = None,
    attempts: int = 1,
    source: str = "usage",
) -> Record:
    """One record of target "t", suite "s"; passed None: ok but ungraded."""
    common = {
        "run_id": "hand",
        "target": "t",
        "model": "m",
        "suite": "s",
        "sample_id": sample,
        "epoch": epoch,
        "attempts": attempts,
        "started_at": "2026-11-25T17:00:00.000Z",
        "cluster": cluster,
    }
    if error:
        return Record(**common, status="error", error=ErrorInfo(type=error, message="boom"))
    scores = (
        [] if passed is None else [ScoreRecord(grader="exact", score=float(passed), passed=passed)]
    )
    return Record(
        **common,
        status="ok",
        ttft_s=e2e / 5,
        e2e_s=e2e,
        tpot_s=0.01,
        queue_s=0.001,
        output_tps=50.0,
        prompt_tokens=100,
        completion_tokens=10,
        tokens_source=source,
        cost_usd=cost,
        output="x",
        scores=scores,
        score=None if passed is None else float(passed),
        passed=bool(passed),
    )


def write(run_dir: Path, records: list[Record]) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    with RecordWriter(run_dir) as writer:
        for r in records:
            writer.write(r)
    return run_dir


def test_errors_count_as_zero(tmp_path: Path) -> None:
    run = write(
        tmp_path / "r",
        [
            record("a", passed=True),
            record("b", passed=False),
            record("c", error="server_error", attempts=3),
            record("d", passed=True),
            record("e", error="context_length"),
        ],
    )
    row = accuracy_table(load_run(run)).iloc[0]
    assert (row["arm"], row["suite"]) == ("t", "s")
    assert (row["n"], row["n_ok"], row["n_error"]) == (5, 3, 2)
    assert row["accuracy"] == pytest.approx(2 / 5)
    assert row["accuracy_ok"] == pytest.approx(2 / 3)
    assert row["se"] == pytest.approx(mean_ci([1, 0, 0, 1, 0]).se)
    assert row["retries"] == 2
    assert row["errors_by_type"] == {"server_error": 1, "context_length": 1}
    assert not row["clustered"]


def test_ungraded_ok_records_count_as_zero(tmp_path: Path) -> None:
    run = write(tmp_path / "r", [record("a"), record("b", passed=None)])
    row = accuracy_table(load_run(run)).iloc[0]
    assert row["accuracy"] == pytest.approx(0.5)


def test_clusters_and_epochs_give_clustered_errors(tmp_path: Path) -> None:
    run = write(
        tmp_path / "r",
        [
            record("a", passed=True, cluster="hay1"),
            record("b", passed=True, cluster="hay1"),
            record("c", passed=False, cluster="hay2"),
            record("d", passed=False, cluster="hay2"),
            record("e", passed=True, cluster="hay3"),
            record("f", passed=False, cluster="hay3"),
        ],
    )
    row = accuracy_table(load_run(run)).iloc[0]
    assert row["clustered"]
    assert row["se"] == pytest.approx(math.sqrt(3) / 6)  # worked out in test_metrics_stats

    epochs = [record(s, passed=p, epoch=e) for s, p in (("a", True), ("b", False)) for e in (0, 1)]
    row = accuracy_table(load_run(write(tmp_path / "e", epochs))).iloc[0]
    # two samples, each its own cluster of two identical epochs: sums +1 and -1, C = 2
    assert row["clustered"]
    assert row["se"] == pytest.approx(math.sqrt(2 * 2) / 4)


def test_latency_percentiles_match_numpy(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=60, error_rate=0.1)
    df = load_run(run)
    table = latency_table(df).set_index(["arm", "suite"])
    ok = df[df["status"] == "ok"]
    for (arm, suite), group in ok.groupby(["arm", "suite"], observed=True):
        row = table.loc[(arm, suite)]
        assert row["n"] == len(group)
        for q in (50, 90, 99):
            assert row[f"e2e_p{q}"] == pytest.approx(np.percentile(group["e2e_s"], q))
            assert row[f"ttft_p{q}"] == pytest.approx(np.percentile(group["ttft_s"], q))
            assert row[f"itl_p{q}"] == pytest.approx(np.percentile(group["itl_mean_s"], q))
        assert row["queue_p90"] == pytest.approx(np.percentile(group["queue_s"], 90))
        assert row["output_tps_mean"] == pytest.approx(group["output_tps"].mean())


def test_latency_ignores_errors_and_missing_timings(tmp_path: Path) -> None:
    run = write(
        tmp_path / "r",
        [record("a", e2e=1.0), record("b", e2e=3.0), record("c", error="timeout")],
    )
    df = load_run(run)
    df.loc[0, "ttft_s"] = float("nan")  # a non-streamed answer has no TTFT
    row = latency_table(df).iloc[0]
    assert row["n"] == 2
    assert row["e2e_p50"] == pytest.approx(2.0)
    assert row["ttft_p50"] == pytest.approx(0.6)
    row = latency_table(df[df["status"] == "error"]).iloc[0]
    assert row["n"] == 0 and math.isnan(row["e2e_p90"])


def test_cost_table(tmp_path: Path) -> None:
    run = write(
        tmp_path / "r",
        [
            record("a", passed=True, cost=0.002),
            record("b", passed=False, cost=0.004, source="estimated"),
            record("c", error="server_error"),
            record("d", passed=True, cost=0.006),
        ],
    )
    row = cost_table(load_run(run)).iloc[0]
    assert row["cost_total"] == pytest.approx(0.012)
    assert row["cost_per_sample"] == pytest.approx(0.003)
    assert row["cost_per_1k"] == pytest.approx(3.0)
    assert row["cost_per_correct"] == pytest.approx(0.006)
    assert (row["prompt_tokens"], row["completion_tokens"]) == (300, 30)
    assert row["cost_estimated"]


def test_summary_joins_the_three(tmp_path: Path) -> None:
    df = load_run(make_run(tmp_path / "r", n_samples=10))
    table = summary_table(df)
    assert len(table) == 6
    assert {"accuracy", "ci_low", "e2e_p90", "n_timed", "cost_per_1k", "simulated"} <= set(
        table.columns
    )
    acc = accuracy_table(df)
    assert table["accuracy"].tolist() == acc["accuracy"].tolist()
    overall = summary_table(df, by=None)
    assert len(overall) == 1 and overall["n"].iloc[0] == len(df)
    by_arm = accuracy_table(df, by="arm")
    assert by_arm["arm"].tolist() == ["sim", "sim-strong"]
