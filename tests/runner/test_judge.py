"""An LLM judge end to end: the graded model and the judge are both simulated targets."""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.config import parse_config
from evalkit.runfolder import RecordWriter, RunSettings, read_records
from evalkit.runner import plan, prepare
from evalkit.runner.run import Executor


async def test_judge_verdicts_and_costs_are_recorded_apart(tmp_path: Path) -> None:
    suite = tmp_path / "judged.jsonl"
    with suite.open("w") as fh:
        for i in range(12):
            item = {
                "id": f"j{i}",
                "prompt": f"Name the number that comes after {i}.",
                "expected": f"{i + 1}",
                "grader": ["exact", {"type": "llm_judge", "target": "sim"}],
            }
            fh.write(json.dumps(item) + "\n")
    config = parse_config(
        {
            "targets": {
                "good": {"simulated": True, "model": "g", "sim": {"skill": 1.0, "ttft_s": 0}},
                "bad": {"simulated": True, "model": "b", "sim": {"skill": 0.0, "ttft_s": 0}},
            }
        },
        "test.toml",
    )
    prepared = prepare(
        config, RunSettings(suites=[str(suite)], targets=["good", "bad"]), out=tmp_path / "res"
    )
    with RecordWriter(prepared.run_dir) as writer:
        await Executor(prepared, config, writer).run(plan(["good", "bad"], prepared.suites))
    records = read_records(prepared.run_dir)
    assert len(records) == 24 and all(r.status == "ok" for r in records)
    for r in records:
        exact, judge = r.scores
        assert judge.grader == "llm_judge"
        assert judge.details is not None and judge.details["judge"]["prompt_tokens"] > 0
        assert judge.details["judge"]["cost_usd"] > 0
        # The judge's tokens are its own, not the graded model's.
        assert judge.details["judge"]["prompt_tokens"] != r.prompt_tokens
        if r.target == "good":
            assert exact.passed and judge.passed, judge.explanation
    bad_judged = [r.scores[1].passed for r in records if r.target == "bad"]
    assert bad_judged.count(True) <= 2
