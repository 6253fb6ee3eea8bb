"""compare, the gate, grade, shard + merge: through the evalkit command, as CI uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import write_suite
from support.cli import evalkit

CONFIG = """
[targets.good]
simulated = true
model = "sim/good"
sim = { skill = 1.0, seed = 1, ttft_s = 0, tokens_per_s = 0 }

[targets.bad]
simulated = true
model = "sim/bad"
sim = { skill = 0.0, seed = 1, ttft_s = 0, tokens_per_s = 0 }

[gate]
max_accuracy_drop = 0.05
require_significant = true
max_p90_latency_rise = false
max_cost_rise = false
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "evalkit.toml").write_text(CONFIG)
    write_suite(tmp_path / "suite", 40)
    return tmp_path


def run(workdir: Path, run_id: str, *extra: str) -> int:
    res = evalkit(
        "run",
        "suite/mini.jsonl",
        "--out",
        "res",
        "--run-id",
        run_id,
        "--no-progress",
        *extra,
        cwd=workdir,
    )
    assert res.returncode in (0, 1), res.stderr
    return res.returncode


def records(workdir: Path, run_id: str) -> list[dict[str, object]]:
    text = (workdir / "res" / run_id / "records.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def test_gate_passes_on_no_change_and_fails_on_a_regression(workdir: Path) -> None:
    assert run(workdir, "base", "--target", "good") == 0
    assert run(workdir, "same", "--target", "good", "--baseline", "base") == 0
    res = evalkit(
        "run",
        "suite/mini.jsonl",
        "--target",
        "bad",
        "--out",
        "res",
        "--run-id",
        "worse",
        "--baseline",
        "base",
        "--no-progress",
        cwd=workdir,
    )
    assert res.returncode == 1
    assert "gate FAILED" in res.stdout and "accuracy" in res.stdout
    summary = (workdir / "res" / "worse" / "summary.md").read_text()
    assert "accuracy" in summary.lower()
    # An improvement is not a regression.
    res = evalkit("compare", "worse", "base", "--gate", "--out", "res", cwd=workdir)
    assert res.returncode == 0, res.stdout + res.stderr
    res = evalkit("compare", "base", "worse", "--gate", "--out", "res", cwd=workdir)
    assert res.returncode == 1
    assert (workdir / "res" / "worse" / "compare.html").exists()
    assert (workdir / "res" / "worse" / "compare.md").exists()


def test_two_targets_in_one_run_compare_side_by_side(workdir: Path) -> None:
    assert run(workdir, "both", "--target", "good", "--target", "bad") == 0
    recs = records(workdir, "both")
    by_target = {t: [r for r in recs if r["target"] == t] for t in ("good", "bad")}
    assert all(r["passed"] for r in by_target["good"])
    assert not any(r["passed"] for r in by_target["bad"])
    res = evalkit("compare", "both", "--out", "res", cwd=workdir)
    assert res.returncode == 0, res.stderr
    assert "good" in res.stdout and "bad" in res.stdout


def test_grade_rescores_without_calling_the_model(workdir: Path) -> None:
    assert run(workdir, "g1", "--target", "good") == 0
    before = records(workdir, "g1")
    res = evalkit(
        "grade",
        "g1",
        "--out",
        "res",
        "--grader",
        '{"type": "regex", "pattern": "^NEVER$"}',
        cwd=workdir,
    )
    assert res.returncode == 0, res.stderr
    after = records(workdir, "g1")
    assert len(after) == len(before)
    assert all(r["scores"][0]["grader"] == "regex" and not r["passed"] for r in after)  # type: ignore[index]
    assert [r["output"] for r in after] == [r["output"] for r in before]
    # Back to each sample's own graders.
    res = evalkit("grade", "g1", "--out", "res", cwd=workdir)
    assert res.returncode == 0
    assert all(r["passed"] for r in records(workdir, "g1"))
    res = evalkit("grade", "g1", "--out", "res", "--grader", "nope", cwd=workdir)
    assert res.returncode == 2 and "unknown grader" in res.stderr


def test_shards_merge_into_the_full_run(workdir: Path) -> None:
    assert run(workdir, "s1", "--target", "good", "--shard", "1/2") == 0
    assert run(workdir, "s2", "--target", "good", "--shard", "2/2") == 0
    n1, n2 = len(records(workdir, "s1")), len(records(workdir, "s2"))
    assert n1 + n2 == 40 and n1 > 0 and n2 > 0
    res = evalkit("merge", "s1", "s2", "--out", "res", "--into", "res/merged", cwd=workdir)
    assert res.returncode == 0, res.stderr
    merged = records(workdir, "merged")
    assert sorted(str(r["sample_id"]) for r in merged) == sorted(f"q{i}" for i in range(40))
    assert (workdir / "res" / "merged" / "report.html").exists()


def test_gate_thresholds_can_be_given_as_flags(workdir: Path) -> None:
    assert run(workdir, "base", "--target", "good") == 0
    # A total collapse passes when the allowed drop is the whole scale...
    assert (
        run(
            workdir,
            "lenient",
            "--target",
            "bad",
            "--baseline",
            "base",
            "--max-accuracy-drop",
            "1.0",
        )
        == 0
    )
    res = evalkit("report", "lenient", "--out", "res", "--baseline", "base", cwd=workdir)
    assert res.returncode == 1  # ...and fails again with evalkit.toml's threshold
