"""Verdicts through the evalkit command: errors fail a run, intervals agree, arms hold still."""

from __future__ import annotations

import json
import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from support import write_suite
from support.cli import evalkit
from support.replyserver import ReplyServer


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the socket goes


def run(cwd: Path, *args: str) -> Any:
    # A wide "terminal", so that the table keeps every column (it fits COLUMNS).
    return evalkit("run", *args, "--out", "res", "--no-progress", cwd=cwd, env={"COLUMNS": "250"})


def junit_gate(run_dir: Path) -> list[tuple[str, str]]:
    """(failure type, message) of each testcase of junit.xml's "evalkit gate" testsuite."""
    root = ET.parse(run_dir / "junit.xml").getroot()
    cases = []
    for suite in root.iter("testsuite"):
        if suite.get("name") == "evalkit gate":
            for failure in suite.iter("failure"):
                cases.append((str(failure.get("type")), str(failure.get("message"))))
    return cases


# --- errors are a verdict ------------------------------------------------------------------


def test_an_unreachable_endpoint_fails_the_run(tmp_path: Path) -> None:
    write_suite(tmp_path / "suite", 5)
    (tmp_path / "evalkit.toml").write_text(
        f'[targets.dead]\nbase_url = "http://127.0.0.1:{closed_port()}/v1"\nmodel = "m"\n'
        "max_attempts = 1\n"
    )
    res = run(tmp_path, "suite/mini.jsonl", "--target", "dead", "--run-id", "r")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "gate FAILED:" in res.stdout
    assert "dead: no answer at all: all 5 requests ended in error after retries" in res.stdout
    summary = (tmp_path / "res" / "r" / "summary.md").read_text()
    assert "Gate: FAILED" in summary and "no answer at all" in summary
    [(kind, message)] = junit_gate(tmp_path / "res" / "r")
    assert kind == "no_answer" and message.startswith("dead: no answer at all")


def test_a_target_that_rejects_every_request_fails_the_run(tmp_path: Path) -> None:
    write_suite(tmp_path / "suite", 4)
    with ReplyServer(status=400) as server:
        (tmp_path / "evalkit.toml").write_text(
            f'[targets.picky]\nbase_url = "{server.base_url}"\nmodel = "m"\nstream = false\n'
        )
        res = run(tmp_path, "suite/mini.jsonl", "--target", "picky", "--run-id", "r")
        # Even with the error-rate check off: no answer at all is never a pass.
        off = run(
            tmp_path, "suite/mini.jsonl", "-t", "picky", "--run-id", "r2", "--max-error-rate", "off"
        )
    assert res.returncode == 1, res.stdout + res.stderr
    assert "picky: no answer at all: all 4 requests ended in error" in res.stdout
    assert "bad_request ×4" in res.stdout
    assert off.returncode == 1 and "no answer at all" in off.stdout


ERRORS_CONFIG = """
[targets.flaky]
simulated = true
model = "sim/flaky"
max_attempts = 1
sim = {{ rate_500 = {rate}, seed = 3, ttft_s = 0, tokens_per_s = 0 }}
"""


def test_too_many_errors_fail_the_run_with_or_without_a_baseline(tmp_path: Path) -> None:
    write_suite(tmp_path / "suite", 40)
    (tmp_path / "evalkit.toml").write_text(ERRORS_CONFIG.format(rate=0.3))
    res = run(tmp_path, "suite/mini.jsonl", "--target", "flaky", "--run-id", "r")
    assert res.returncode == 1, res.stdout + res.stderr
    line = next(x for x in res.stdout.splitlines() if "flaky/mini:" in x)
    n = int(re.search(r"flaky/mini: (\d+) of 40 items ended in error", line).group(1))  # type: ignore[union-attr]
    assert 2 < n < 20 and "> allowed 5.0%: server_error ×" in line
    summary = (tmp_path / "res" / "r" / "summary.md").read_text()
    assert f"{n} of 40 items ended in error" in summary
    assert [k for k, _ in junit_gate(tmp_path / "res" / "r")] == ["errors"]
    # A looser limit lets the same run pass; the gate against a baseline still applies.
    assert (
        evalkit("report", "r", "--out", "res", "--max-error-rate", "0.6", cwd=tmp_path).returncode
        == 0
    )
    res = evalkit("report", "r", "--out", "res", "--baseline", "r", cwd=tmp_path)
    assert res.returncode == 1 and f"{n} of 40 items ended in error" in res.stdout


def test_a_few_errors_within_the_limit_pass(tmp_path: Path) -> None:
    write_suite(tmp_path / "suite", 40)
    (tmp_path / "evalkit.toml").write_text(ERRORS_CONFIG.format(rate=0.0))
    res = run(tmp_path, "suite/mini.jsonl", "--target", "flaky", "--run-id", "r")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "gate" not in res.stdout
    assert "Gate" not in (tmp_path / "res" / "r" / "summary.md").read_text()
    assert junit_gate(tmp_path / "res" / "r") == []


def test_a_simulated_target_without_a_model_is_a_config_error(tmp_path: Path) -> None:
    write_suite(tmp_path / "suite", 3)
    (tmp_path / "evalkit.toml").write_text("[targets.nameless]\nsimulated = true\n")
    res = run(tmp_path, "suite/mini.jsonl", "--target", "nameless")
    assert res.returncode == 2
    assert "evalkit.toml: [targets.nameless]: model is required" in res.stderr
    assert not (tmp_path / "res").exists()
    # The built-in sim supplies its own model, configured or not.
    (tmp_path / "evalkit.toml").write_text("[targets.sim]\nsim = { ttft_s = 0 }\n")
    assert run(tmp_path, "suite/mini.jsonl", "--target", "sim").returncode == 0


# --- one interval everywhere -----------------------------------------------------------------

_INTERVAL = re.compile(r"\d+\.\d% \[\d+\.\d%, \d+\.\d%\]")


def test_every_output_prints_the_same_interval_inside_0_and_100(tmp_path: Path) -> None:
    # 39 of 40 right: the normal interval would be [92.7%, 102.3%].
    suite = tmp_path / "nearly.jsonl"
    lines = [
        {"id": f"q{i}", "prompt": f"q{i}", "expected": "4" if i else "5", "grader": "exact"}
        for i in range(40)
    ]
    suite.write_text("".join(json.dumps(x) + "\n" for x in lines))
    with ReplyServer("4") as server:
        (tmp_path / "evalkit.toml").write_text(
            f'[targets.four]\nbase_url = "{server.base_url}"\nmodel = "m"\nstream = false\n'
        )
        res = run(tmp_path, str(suite), "--target", "four", "--run-id", "r")
    assert res.returncode == 0, res.stdout + res.stderr
    from evalkit.metrics import load_run, summary_table
    from evalkit.report import format as fmt

    row = summary_table(load_run(tmp_path / "res" / "r")).iloc[0]
    assert 0.0 <= row["ci_low"] < row["accuracy"] < row["ci_high"] <= 1.0
    expected = fmt.accuracy(row["accuracy"], row["ci_low"], row["ci_high"])
    assert expected == "97.5% [87.1%, 99.6%]"
    terminal = next(x for x in res.stdout.splitlines() if "nearly" in x and "%" in x)
    assert _INTERVAL.findall(terminal) == [expected]
    summary = (tmp_path / "res" / "r" / "summary.md").read_text()
    assert _INTERVAL.findall(summary) == [expected]
    html = (tmp_path / "res" / "r" / "report.html").read_text()
    cells = re.findall(r'<td class="num">(\[\d+\.\d%, \d+\.\d%\])</td>', html)
    assert cells and set(cells) == {expected.split(" ", 1)[1]}


# --- the gate banner shows where a gate ran --------------------------------------------------

SIMS = """
[targets.good]
simulated = true
model = "sim/good"
sim = { skill = 1.0, seed = 1, ttft_s = 0, tokens_per_s = 0 }

[targets.bad]
simulated = true
model = "sim/bad"
sim = { skill = 0.0, seed = 1, ttft_s = 0, tokens_per_s = 0 }
"""


@pytest.fixture
def two_runs(tmp_path: Path) -> Path:
    write_suite(tmp_path / "suite", 12)
    (tmp_path / "evalkit.toml").write_text(SIMS)
    assert run(tmp_path, "suite/mini.jsonl", "-t", "good", "--run-id", "a").returncode == 0
    assert run(tmp_path, "suite/mini.jsonl", "-t", "good", "--run-id", "b").returncode == 0
    return tmp_path


def test_compare_shows_a_gate_banner_only_when_a_gate_ran(two_runs: Path) -> None:
    page = two_runs / "res" / "b" / "compare.html"
    assert evalkit("compare", "a", "b", "--out", "res", cwd=two_runs).returncode == 0
    html = page.read_text()
    assert 'id="gate"' not in html and "Gate passed" not in html
    assert "### Gate" not in (two_runs / "res" / "b" / "compare.md").read_text()
    assert evalkit("compare", "a", "b", "--gate", "--out", "res", cwd=two_runs).returncode == 0
    assert "Gate passed" in page.read_text()


# --- the reference arm does not depend on timing ---------------------------------------------


def _pair_header(cwd: Path, *extra: str) -> tuple[str, str]:
    res = evalkit("compare", "both", "--out", "res", *extra, cwd=cwd)
    assert res.returncode == 0, res.stderr
    header = re.search(r"### `(\S+)` \(B\) vs `(\S+)` \(A\)", res.stdout)
    assert header is not None, res.stdout
    diff = re.search(r"\| mini \| 12 \| \S+ \| \S+ \| ([+-]\d+\.\d) pp", res.stdout)
    assert diff is not None, res.stdout
    return f"{header.group(2)} -> {header.group(1)}", diff.group(1)


def test_the_reference_is_the_first_target_whatever_finished_first(tmp_path: Path) -> None:
    write_suite(tmp_path / "suite", 12)
    (tmp_path / "evalkit.toml").write_text(SIMS)
    res = run(tmp_path, "suite/mini.jsonl", "-t", "bad", "-t", "good", "--run-id", "both")
    assert res.returncode == 0, res.stderr
    run_json = json.loads((tmp_path / "res" / "both" / "run.json").read_text())
    assert run_json["settings"]["reference"] == "bad"
    records = tmp_path / "res" / "both" / "records.jsonl"
    lines = records.read_text().splitlines(keepends=True)
    by_target = {t: [x for x in lines if f'"target":"{t}"' in x] for t in ("good", "bad")}
    verdicts = set()
    for first in ("good", "bad"):  # as if one target's records had all finished first
        second = "bad" if first == "good" else "good"
        records.write_text("".join(by_target[first] + by_target[second]))
        verdicts.add(_pair_header(tmp_path))
    assert verdicts == {("bad -> good", "+100.0")}
    assert _pair_header(tmp_path, "--reference", "good") == ("good -> bad", "-100.0")
    bad_ref = evalkit("compare", "both", "--out", "res", "--reference", "nope", cwd=tmp_path)
    assert bad_ref.returncode == 2 and "--reference 'nope': no such arm" in bad_ref.stderr


def test_an_old_run_json_without_a_reference_uses_its_first_target(tmp_path: Path) -> None:
    write_suite(tmp_path / "suite", 12)
    (tmp_path / "evalkit.toml").write_text(SIMS)
    assert (
        run(tmp_path, "suite/mini.jsonl", "-t", "good", "-t", "bad", "--run-id", "both").returncode
        == 0
    )
    path = tmp_path / "res" / "both" / "run.json"
    data = json.loads(path.read_text())
    del data["settings"]["reference"]
    path.write_text(json.dumps(data))
    assert _pair_header(tmp_path) == ("good -> bad", "-100.0")


# --- strict and extracted verdicts -----------------------------------------------------------


def test_a_right_answer_in_a_sentence_scores_strict_0_and_extracted_1(tmp_path: Path) -> None:
    suite = tmp_path / "capitals.jsonl"
    suite.write_text(
        json.dumps(
            {
                "id": "fr",
                "prompt": "What is the capital city of France? Answer with the name only.",
                "expected": "Paris",
                "grader": "normalized",
            }
        )
        + "\n"
    )
    with ReplyServer("The capital city of France is Paris.") as server:
        (tmp_path / "evalkit.toml").write_text(
            f'[targets.small]\nbase_url = "{server.base_url}"\nmodel = "m"\nstream = false\n'
        )
        res = run(tmp_path, str(suite), "--target", "small", "--run-id", "r")
    assert res.returncode == 0, res.stdout + res.stderr
    lines = (tmp_path / "res" / "r" / "records.jsonl").read_text().splitlines()
    [record] = [json.loads(x) for x in lines]
    score = record["scores"][0]
    assert (record["score"], record["passed"]) == (0.0, False)  # the declared grader decides
    assert (score["strict"], score["extracted"]) == (0.0, 1.0)
    from evalkit.metrics import load_run, summary_table

    df = load_run(tmp_path / "res" / "r")
    assert (df["strict_score"].iloc[0], df["extracted_score"].iloc[0]) == (0.0, 1.0)
    row = summary_table(df).iloc[0]
    assert (row["accuracy"], row["accuracy_strict"], row["accuracy_extracted"]) == (0, 0, 1)
    summary = (tmp_path / "res" / "r" / "summary.md").read_text()
    assert "strict-match" in summary and "flexible-extract" in summary
    assert "| 0.0% [0.0%, 79.3%] | 0.0% | 100.0% |" in summary
    html = (tmp_path / "res" / "r" / "report.html").read_text()
    assert "Strict-match" in html and "Flexible-extract" in html
