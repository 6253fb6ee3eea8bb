"""Daily use through the evalkit command: suite counts agree, dry runs, the cost limit."""

from __future__ import annotations

import json
import re
from pathlib import Path

from support import REPO, write_suite
from support.cli import evalkit, sim_requests, write_config

from evalkit.client import estimate_prompt_tokens
from evalkit.report import format as fmt


def samples_of(stdout: str, name: str) -> int:
    match = re.search(rf"^{re.escape(name)}\s+\w+\s+(\d+) samples", stdout, re.MULTILINE)
    assert match, stdout
    return int(match.group(1))


def test_suites_list_and_validate_count_a_generated_suite_alike(tmp_path: Path) -> None:
    # needle-128k sizes itself to the context window of the run's targets: list once
    # sized it to none (a 32k grid, 30 samples) while validate and run used sim's 128k (40).
    listed = evalkit("suites", "list", str(REPO / "suites"), cwd=tmp_path)
    validated = evalkit("suites", "validate", str(REPO / "suites" / "needle-128k"), cwd=tmp_path)
    assert listed.returncode == validated.returncode == 0, listed.stderr + validated.stderr
    assert samples_of(listed.stdout, "needle-128k") == samples_of(validated.stdout, "needle-128k")
    assert samples_of(listed.stdout, "needle-128k") == 40
    assert "128,000-token context window" in listed.stdout


def test_dry_run_prints_the_estimate_and_sends_nothing(tmp_path: Path, standalone_sim: str) -> None:
    suite = write_suite(tmp_path / "suite", 20)  # max_tokens 8 each
    write_config(
        tmp_path / "evalkit.toml",
        f'[targets.local]\nbase_url = "{standalone_sim}/v1"\nmodel = "evalkit-sim"\n'
        'api_key_env = "EK_NOT_SET_FOR_A_DRY_RUN"\n'
        "price_input_per_mtok = 1000\nprice_output_per_mtok = 2000\n",
    )
    res = evalkit(
        "run",
        str(suite),
        "--target",
        "local",
        "--target",
        "sim",
        "--dry-run",
        "--out",
        "res",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert sim_requests(standalone_sim) == 0
    assert not (tmp_path / "res").exists()  # no run folder, not even an empty one
    rows = {tuple(line.split()[:2]): line.split() for line in res.stdout.splitlines()}
    prompt = sum(
        estimate_prompt_tokens([{"role": "user", "content": json.loads(line)["prompt"]}])
        for line in suite.read_text().splitlines()
    )
    local = rows[("local", "mini")]
    assert local[2:5] == ["20", f"{prompt:,}", "160"]  # requests, prompt, 20 x max_tokens 8
    assert local[5] == fmt.usd((prompt * 1000 + 160 * 2000) / 1e6)
    assert rows[("sim", "mini")][2] == "20" and rows[("total", "40")]
    assert "nothing was sent" in res.stdout


def test_dry_run_checks_its_input_like_a_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "prompt": "x", "grader": "nope"}\n')
    res = evalkit("run", str(bad), "--dry-run", "--out", "res", cwd=tmp_path)
    assert res.returncode == 2 and f"{bad}:1" in res.stderr
    res = evalkit("run", str(bad), "--dry-run", "--max-cost", "0", cwd=tmp_path)
    assert res.returncode == 2 and "--max-cost" in res.stderr
    assert not (tmp_path / "res").exists()


PRICED = """
[targets.priced]
simulated = true
model = "evalkit-sim/priced"
max_concurrency = 4
price_input_per_mtok = 1000
price_output_per_mtok = 1000
sim = { ttft_s = 0.01, tokens_per_s = 200, jitter = 0, skill = 0.7 }
"""


def test_max_cost_stops_the_run_and_a_higher_limit_finishes_it(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", 60)
    write_config(tmp_path / "evalkit.toml", PRICED)
    args = ("run", str(suite), "--target", "priced", "--out", "res", "--run-id", "m")
    res = evalkit(*args, "--max-cost", "0.5", cwd=tmp_path)
    assert res.returncode == 3, res.stderr
    assert "stopped at the cost limit" in res.stderr and "--resume" in res.stderr
    run = tmp_path / "res" / "m"
    assert json.loads((run / "run.json").read_text())["status"] == "cost_limit"
    recs = [json.loads(line) for line in (run / "records.jsonl").read_text().splitlines()]
    spent = sum(r["cost_usd"] for r in recs)
    # Each request is estimated at about $0.027 (about 19 prompt tokens, max_tokens 8)
    # and 4 are in flight at most: the run stops short of the limit by less than 5 of them.
    assert 0 < len(recs) < 60
    assert 0.5 - 5 * 0.03 < spent <= 0.5 * 1.05
    # The same limit again counts what was spent before: it stops again, still within it
    # (it may send the one or two requests that the in-flight ceilings had kept back).
    again = evalkit("run", "--resume", "m", "--out", "res", "--max-cost", "0.5", cwd=tmp_path)
    assert again.returncode == 3, again.stderr
    recs = [json.loads(line) for line in (run / "records.jsonl").read_text().splitlines()]
    assert len(recs) < 60 and sum(r["cost_usd"] for r in recs) <= 0.5 * 1.05
    # A higher limit finishes the run.
    done = evalkit("run", "--resume", "m", "--out", "res", "--max-cost", "5", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    keys = [
        json.loads(line)["sample_id"] for line in (run / "records.jsonl").read_text().splitlines()
    ]
    assert len(keys) == 60 and len(set(keys)) == 60  # no gap, no duplicate
    assert json.loads((run / "run.json").read_text())["status"] == "finished"


def test_max_cost_from_the_config(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", 30)
    write_config(tmp_path / "evalkit.toml", "[run]\nmax_cost = 0.2\n" + PRICED)
    res = evalkit("run", str(suite), "--target", "priced", "--out", "res", cwd=tmp_path)
    assert res.returncode == 3 and "of $0.20" in res.stderr
