"""load_run / load_runs / to_parquet on synthetic run folders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from support import REPO
from support.fakerun import make_run

from evalkit.metrics import concat_runs, load_run, load_runs, to_parquet
from evalkit.runfolder import read_records


@pytest.fixture
def run(tmp_path: Path) -> Path:
    return make_run(tmp_path / "run-a", n_samples=20, seed=3, error_rate=0.1)


def test_one_row_per_record_with_flattened_fields(run: Path) -> None:
    records = read_records(run)
    df = load_run(run)
    assert len(df) == len(records) == 2 * 3 * 20
    by_key = {(r.target, r.suite, r.sample_id): r for r in records}
    for row in df.sample(25, random_state=0).to_dict("records"):
        rec = by_key[(row["target"], row["suite"], row["sample_id"])]
        assert row["status"] == rec.status
        if rec.error is not None:
            assert row["error_type"] == rec.error.type
            assert row["error_message"] == rec.error.message
            assert pd.isna(row["itl_mean_s"])
        else:
            assert rec.itl_s is not None
            assert row["itl_p90_s"] == rec.itl_s.p90
            assert row["score_exact"] == rec.scores[0].score
            assert row["passed_exact"] == rec.scores[0].passed
            assert row["explanation"] == rec.scores[0].explanation
        assert row["n_tool_calls"] == len(rec.tool_calls or [])
    assert df["arm"].astype(str).tolist() == df["target"].astype(str).tolist()
    assert df["simulated"].all()
    assert df.attrs["run_id"] == "run-a"


def assert_dtypes(df: pd.DataFrame) -> None:
    for name in ("target", "suite", "status", "arm"):
        assert isinstance(df[name].dtype, pd.CategoricalDtype), name
    for name in ("sample_id", "output", "error_type", "error_message", "tokens_source"):
        assert df[name].dtype == "str", name
    for name in ("ttft_s", "e2e_s", "cost_usd", "itl_mean_s", "score"):
        assert df[name].dtype == "float64", name
    assert df["prompt_tokens"].dtype == "Int64" and df["completion_tokens"].dtype == "Int64"
    assert df["passed"].dtype == bool
    assert isinstance(df["started_at"].dtype, pd.DatetimeTZDtype)
    assert df["tool_calls"].map(lambda v: v is None or isinstance(v, list)).all()


def test_dtypes(run: Path) -> None:
    assert_dtypes(load_run(run))


@pytest.mark.parametrize("error_rate", [0.0, 1.0], ids=["no-errors", "all-errors"])
def test_dtypes_do_not_depend_on_the_data_and_survive_parquet(
    tmp_path: Path, run: Path, error_rate: float
) -> None:
    mixed = load_run(run)
    df = load_run(make_run(tmp_path / "r", n_samples=5, error_rate=error_rate))
    assert set(df["status"].astype(str)) == {"ok" if error_rate == 0 else "error"}
    assert_dtypes(df)
    # The same dtype as in a run that has both, column by column (score_<grader>
    # and passed_<grader> exist only where a grader scored something).
    common = [c for c in mixed.columns if c in df.columns]
    assert set(mixed.columns) - set(common) <= {"score_exact", "passed_exact"}
    assert dtypes(df[common]) == dtypes(mixed[common])
    back = pd.read_parquet(to_parquet(df, tmp_path / "run.parquet"))
    assert list(back.columns) == list(df.columns)
    assert back.dtypes.to_dict() == df.dtypes.to_dict()  # categories included


def dtypes(df: pd.DataFrame) -> dict[str, str]:
    """Each column's dtype, a categorical's as the dtype of its categories."""
    return {
        str(name): f"category[{t.categories.dtype}]"
        if isinstance(t, pd.CategoricalDtype)
        else str(t)
        for name, t in df.dtypes.items()
    }


def test_torn_last_line_is_skipped(run: Path) -> None:
    n = len(load_run(run))
    with (run / "records.jsonl").open("a") as fh:
        fh.write('{"run_id": "run-a", "target": "sim", "sui')
    assert len(load_run(run)) == n


def test_a_broken_line_in_the_middle_is_an_error(run: Path) -> None:
    path = run / "records.jsonl"
    lines = path.read_text().splitlines()
    lines[3] = "{not json"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"records.jsonl:4"):
        load_run(run)


def test_extra_fields_and_raw_itl_lists(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=3, targets=("sim",), error_rate=0)
    path = run / "records.jsonl"
    recs = [json.loads(line) for line in path.read_text().splitlines()]
    recs[0]["itl_s"] = [0.01, 0.03, 0.02]
    recs[1]["custom_field"] = "kept"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    df = load_run(run)
    assert df.loc[0, "itl_n"] == 3
    assert df.loc[0, "itl_mean_s"] == pytest.approx(0.02)
    assert df.loc[0, "itl_p50_s"] == pytest.approx(0.02)
    assert df.loc[0, "itl_max_s"] == pytest.approx(0.03)
    assert df.loc[1, "custom_field"] == "kept" and pd.isna(df.loc[0, "custom_field"])


def test_needle_metadata_is_joined(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=4, targets=("sim",), error_rate=0)
    path = run / "samples" / "needle.jsonl"
    samples = [json.loads(line) for line in path.read_text().splitlines()]
    for i, s in enumerate(samples):
        s["metadata"] = {"context_length": 1000 * (1 + i % 2), "depth": 50.0 * (i // 2)}
    path.write_text("".join(json.dumps(s) + "\n" for s in samples))
    df = load_run(run)
    needle = df[df["suite"] == "needle"].set_index("sample_id")
    assert needle.loc["needle-3", "context_length"] == 2000
    assert needle.loc["needle-3", "depth"] == 50.0
    assert df[df["suite"] != "needle"]["context_length"].isna().all()


def test_needle_length_estimate_is_joined(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=4, targets=("sim",), error_rate=0)
    path = run / "samples" / "needle.jsonl"
    samples = [json.loads(line) for line in path.read_text().splitlines()]
    for i, s in enumerate(samples[:3]):
        s["metadata"] = {"estimated_prompt_tokens": 700 + i, "chars_per_token": 4.25}
    samples[0]["metadata"].update(context_length=1000, depth=0.0)
    path.write_text("".join(json.dumps(s) + "\n" for s in samples))
    df = load_run(run)
    assert df["estimated_prompt_tokens"].dtype == "Int64"
    assert df["chars_per_token"].dtype == "float64"
    needle = df[df["suite"] == "needle"].set_index("sample_id")
    assert needle.loc["needle-0", "estimated_prompt_tokens"] == 700
    # Joined without context_length too: the estimate alone marks the line as worth parsing.
    assert needle.loc["needle-2", "estimated_prompt_tokens"] == 702
    assert needle.loc["needle-2", "chars_per_token"] == 4.25
    assert pd.isna(needle.loc["needle-2", "context_length"])
    assert pd.isna(needle.loc["needle-3", "estimated_prompt_tokens"])
    assert df[df["suite"] != "needle"]["estimated_prompt_tokens"].isna().all()


def test_empty_run(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    df = load_run(tmp_path / "empty")
    assert len(df) == 0 and {"arm", "score", "simulated", "context_length"} <= set(df.columns)
    assert "estimated_prompt_tokens" in df.columns


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_run(tmp_path / "nope")


def test_load_runs_names_colliding_targets_by_run(tmp_path: Path) -> None:
    a = make_run(tmp_path / "base", n_samples=5, targets=("sim", "only-a"))
    b = make_run(tmp_path / "cur", n_samples=5, targets=("sim",))
    df = load_runs([a, b])
    assert set(df["arm"].astype(str)) == {"base/sim", "cur/sim", "only-a"}
    assert len(df) == 3 * 5 * 3
    twice = concat_runs([load_run(b), load_run(b)])
    assert set(twice["arm"].astype(str)) == {"cur/sim", "cur#2/sim"}
    assert twice.attrs["runs"] == ["cur", "cur#2"]


def _varied(run: Path) -> Path:
    """Give the run's records what real graders and runners write: details of every shape."""
    path = run / "records.jsonl"
    recs = [json.loads(line) for line in path.read_text().splitlines()]
    shapes: list[object] = [
        {"diff": "-a\n+b"},
        {"got": [1, "two", None], "nested": {"deep": [1.5, {"x": True}]}},
        {"n": 3},
        None,
        {"why": "<b>x</b>", "calls": [{"name": "f", "arguments": {"a": 1}}]},
    ]
    for i, rec in enumerate(recs):
        for sc in rec["scores"]:
            sc["details"] = shapes[i % len(shapes)]
            if i % 7 == 0:
                sc["judge_model"] = "judge-1"  # a key beyond the schema
        if rec["scores"] and i % 3 == 0:  # a second grader on some records
            rec["scores"].append({"grader": "judge", "score": 1, "passed": True, "details": [1]})
        if rec["tool_calls"]:
            rec["tool_calls"].append({"name": "lookup", "arguments": "{}", "id": None})
        rec["tags"] = ["smoke", "v2"] if i % 2 else []
        rec["shard_info"] = {"i": 1} if i % 5 == 0 else "none"  # a field of mixed type
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return run


def _plain(value: object) -> object:
    """A parquet cell as plain Python: arrays as lists, recursively."""
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def test_load_run_frame_writes_to_parquet_as_is(run: Path, tmp_path: Path) -> None:
    df = load_run(_varied(run))
    path = tmp_path / "run.parquet"
    df.to_parquet(path)  # pyarrow, no conversion first
    back = pd.read_parquet(path)
    assert len(back) == len(df) and list(back.columns) == list(df.columns)
    assert back["score"].equals(df["score"])
    for name in ("scores", "tool_calls", "tags"):
        assert [_plain(v) for v in back[name]] == df[name].tolist(), name
    scores = df["scores"].iloc[1]
    assert json.loads(scores[0]["details"]) == {
        "got": [1, "two", None],
        "nested": {"deep": [1.5, {"x": True}]},
    }
    assert json.loads(df["scores"].iloc[0][0]["details"]) == {
        "diff": "-a\n+b",
        "judge_model": "judge-1",
    }
    calls = df.loc[df["suite"] == "tools", "tool_calls"].dropna().iloc[0]
    assert [c["name"] for c in calls] == ["get_weather", "lookup"]
    assert calls[0] == {"id": "c1", "name": "get_weather", "arguments": '{"city":"Tokyo"}'}
    assert set(back["shard_info"]) == {'{"i": 1}', '"none"'}  # mixed types: JSON text
    assert to_parquet(df, tmp_path / "out" / "run.parquet").exists()
    assert pd.read_parquet(tmp_path / "out" / "run.parquet")["sample_id"].equals(back["sample_id"])


def test_degenerate_frames_write_to_parquet(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=2, targets=("sim",))
    (run / "records.jsonl").write_text("")  # interrupted before the first record
    empty = load_run(run)
    assert empty.empty
    empty.to_parquet(tmp_path / "empty.parquet")
    assert pd.read_parquet(tmp_path / "empty.parquet").empty
    both = load_runs([_varied(make_run(tmp_path / "a", n_samples=3)), run])
    both.to_parquet(tmp_path / "both.parquet")
    assert len(pd.read_parquet(tmp_path / "both.parquet")) == len(both)


def test_import_evalkit_does_not_import_pandas() -> None:
    code = "import sys, evalkit, evalkit.metrics; print('pandas' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_ten_thousand_records_load_with_their_rows_and_dtypes(tmp_path: Path) -> None:
    # How fast is measured by benchmarks/bench_metrics.py, not here.
    run = make_run(tmp_path / "big", n_samples=1667)
    df = load_run(run)
    lines = (run / "records.jsonl").read_text("utf-8").splitlines()
    assert len(df) == len(lines) == 10_002
    per_cell = df.groupby(["target", "suite"], observed=True).size()
    assert len(per_cell) == 2 * 3 and (per_cell == 1667).all()
    assert_dtypes(df)


def test_lone_surrogates_are_replaced(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=2, targets=("sim",), error_rate=0)
    path = run / "records.jsonl"
    recs = [json.loads(line) for line in path.read_text().splitlines()]
    recs[0]["output"] = "bad \ud800 pair 🎉"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))  # ensure_ascii escapes both
    df = load_run(run)
    assert df.loc[0, "output"] == "bad ? pair 🎉"
