"""The evalkit command end to end, as a user runs it: subprocesses, exit codes, files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import REPO, write_suite
from support.cli import evalkit, popen, sim_requests, write_config


def test_help_is_fast_because_nothing_heavy_is_imported() -> None:
    code = (
        "import sys, evalkit.cli; "
        "evalkit.cli.parser.build_parser(); "
        "mods = ('aiohttp', 'pandas', 'matplotlib', 'datasets', 'rich', 'pydantic'); "
        "heavy = [m for m in mods if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "[]"
    res = evalkit("--help", cwd=REPO)
    assert res.returncode == 0 and "run" in res.stdout and "compare" in res.stdout


def test_run_against_builtin_sim_writes_records_and_reports(
    tmp_path: Path, mini_suite: Path
) -> None:
    res = evalkit(
        "run",
        str(mini_suite),
        "--target",
        "sim",
        "--out",
        str(tmp_path / "res"),
        "--run-id",
        "r1",
        "--no-progress",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    run = tmp_path / "res" / "r1"
    lines = (run / "records.jsonl").read_text().splitlines()
    assert len(lines) == 20
    rec = json.loads(lines[0])
    for key in (
        "run_id",
        "target",
        "model",
        "suite",
        "sample_id",
        "epoch",
        "status",
        "error",
        "http_status",
        "attempts",
        "started_at",
        "ttft_s",
        "e2e_s",
        "itl_s",
        "prompt_tokens",
        "completion_tokens",
        "tokens_source",
        "cost_usd",
        "output",
        "tool_calls",
        "finish_reason",
        "scores",
        "passed",
    ):
        assert key in rec, key
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["status"] == "finished" and manifest["targets"][0]["simulated"] is True
    for name in ("report.html", "junit.xml", "summary.md"):
        assert (run / name).exists(), name
    assert "accuracy" in res.stdout.lower()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"id": "a", "prompt": "x", "grader": "nope"}', "[grader.nope] unknown grader 'nope'"),
        (
            '{"id": "a", "prompt": "x", "grader": {"type": "regex", "pattern": "("}}',
            "[grader.regex]",
        ),
        ('{"id": "a", "prompt": "x"', "invalid JSON"),
        (
            '{"id": "a", "messages": [{"role": "robot", "content": "x"}], "grader": "exact"}',
            "robot",
        ),
    ],
)
def test_bad_suite_exits_2_naming_file_and_line_and_sends_nothing(
    tmp_path: Path, standalone_sim: str, line: str, expected: str
) -> None:
    suite = tmp_path / "bad.jsonl"
    suite.write_text(
        '{"id": "ok", "prompt": "fine", "expected": "x", "grader": "exact"}\n' + line + "\n"
    )
    cfg = write_config(
        tmp_path / "evalkit.toml",
        f'[targets.local]\nbase_url = "{standalone_sim}/v1"\nmodel = "evalkit-sim"\n',
    )
    res = evalkit(
        "--config", str(cfg), "run", str(suite), "--target", "local", "--no-progress", cwd=tmp_path
    )
    assert res.returncode == 2
    assert f"{suite}:2" in res.stderr and expected in res.stderr
    assert "Traceback" not in res.stderr
    assert sim_requests(standalone_sim) == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--target", "nope"], "unknown target 'nope'"),
        (["--shard", "5/2"], "--shard"),
        (["--epochs", "0"], "--epochs"),
        (["--baseline", "no-such-run"], "no run 'no-such-run'"),
        (["--retry-errors"], "--retry-errors goes with --resume"),
    ],
)
def test_bad_flags_exit_2(tmp_path: Path, mini_suite: Path, args: list[str], expected: str) -> None:
    res = evalkit("run", str(mini_suite), "--out", str(tmp_path / "res"), *args, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert expected in res.stderr and "Traceback" not in res.stderr


def test_bad_config_exits_2(tmp_path: Path, mini_suite: Path) -> None:
    write_config(tmp_path / "evalkit.toml", "[targets.x]\nmodel = 'm'\nmax_concurrency = 'lots'\n")
    res = evalkit("run", str(mini_suite), "--target", "x", cwd=tmp_path)
    assert res.returncode == 2
    assert "evalkit.toml" in res.stderr and "max_concurrency" in res.stderr


def test_api_key_never_reaches_results(
    tmp_path: Path, mini_suite: Path, standalone_sim: str
) -> None:
    secret = "sk-test-SECRET-4242"
    write_config(
        tmp_path / "evalkit.toml",
        f'[targets.local]\nbase_url = "{standalone_sim}/v1"\nmodel = "evalkit-sim"\n'
        'api_key_env = "EK_SIM_KEY"\n[targets.local.headers]\n"X-Team-Token" = "tok-ALSO-SECRET"\n',
    )
    res = evalkit(
        "run",
        str(mini_suite),
        "--target",
        "local",
        "--out",
        "res",
        "--no-progress",
        cwd=tmp_path,
        env={"EK_SIM_KEY": secret},
    )
    assert res.returncode == 0, res.stderr
    assert sim_requests(standalone_sim) >= 20  # the key was accepted: requests went through
    files = [p for p in (tmp_path / "res").rglob("*") if p.is_file()]
    assert len(files) >= 5
    for path in files:
        data = path.read_bytes()
        assert secret.encode() not in data, path
        assert b"tok-ALSO-SECRET" not in data, path
    assert secret not in res.stdout + res.stderr


SLOW_CONFIG = """
[targets.slowsim]
simulated = true
model = "evalkit-sim/slow"
max_concurrency = 6
sim = { ttft_s = 0.05, tokens_per_s = 40, jitter = 0, skill = 0.7 }
"""


def _count_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_killed_run_resumes_with_no_duplicate_and_no_gap(
    tmp_path: Path, sig: signal.Signals
) -> None:
    suite = write_suite(tmp_path / "suite", 120)
    cfg = write_config(tmp_path / "evalkit.toml", SLOW_CONFIG)
    proc = popen(
        "--config",
        str(cfg),
        "run",
        str(suite),
        "--target",
        "slowsim",
        "--out",
        "res",
        "--run-id",
        "k1",
        "--no-progress",
        cwd=tmp_path,
    )
    records = tmp_path / "res" / "k1" / "records.jsonl"
    deadline = time.monotonic() + 60
    while _count_lines(records) < 25 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    code = proc.returncode
    written = _count_lines(records)
    assert 25 <= written < 120, "the kill must land mid-run"
    if sig in (signal.SIGINT, signal.SIGTERM):
        assert code == 130, err
        assert "interrupted: resume with" in err
        assert (
            json.loads((tmp_path / "res" / "k1" / "run.json").read_text())["status"]
            == "interrupted"
        )
    else:
        # A kill -9 can tear the last line; simulate the worst case explicitly too.
        with records.open("ab") as fh:
            fh.write(b'{"run_id": "k1", "target": "slowsim", "sui')

    res = evalkit(
        "--config", str(cfg), "run", "--resume", "k1", "--out", "res", "--no-progress", cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    keys = [(d["suite"], d["sample_id"]) for d in map(json.loads, records.read_text().splitlines())]
    assert len(keys) == 120 and len(set(keys)) == 120
    assert json.loads((tmp_path / "res" / "k1" / "run.json").read_text())["status"] == "finished"


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_config_flag_before_or_after_the_subcommand(tmp_path: Path, before: bool) -> None:
    suite = write_suite(tmp_path / "suite", 3)
    # Only this file defines the target and the output folder: the run works only if it is read.
    cfg = write_config(
        tmp_path / "elsewhere.toml",
        '[run]\nout = "from-config"\n[targets.mine]\nsimulated = true\nmodel = "sim/mine"\n',
    )
    args = ["run", str(suite), "--target", "mine", "--run-id", "c", "--no-progress"]
    argv = ["--config", str(cfg), *args] if before else [*args, "--config", str(cfg)]
    res = evalkit(*argv, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    manifest = json.loads((tmp_path / "from-config" / "c" / "run.json").read_text())
    assert manifest["targets"][0]["model"] == "sim/mine"
    assert manifest["argv"] == argv
    res = evalkit("report", "c", "--config", str(cfg), cwd=tmp_path)
    assert res.returncode == 0, res.stderr


def test_resume_refuses_changed_suite_and_conflicting_flags(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", 3)
    res = evalkit(
        "run", str(suite), "--out", "res", "--run-id", "c1", "--no-progress", cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    res = evalkit("run", "--resume", "c1", "--out", "res", "--epochs", "2", cwd=tmp_path)
    assert res.returncode == 2 and "--epochs" in res.stderr
    with suite.open("a") as fh:
        fh.write('{"id": "new", "prompt": "x", "expected": "x", "grader": "exact"}\n')
    res = evalkit("run", "--resume", "c1", "--out", "res", cwd=tmp_path)
    assert res.returncode == 2 and "changed since run c1" in res.stderr


def test_suites_validate_and_list(tmp_path: Path, mini_suite: Path) -> None:
    res = evalkit("suites", "validate", str(mini_suite), cwd=tmp_path)
    assert res.returncode == 0 and "20 samples" in res.stdout
    res = evalkit("suites", "list", str(REPO / "suites"), cwd=tmp_path)
    assert res.returncode == 0 and "chat" in res.stdout


def test_gen_needle_writes_a_suite_that_validates(tmp_path: Path) -> None:
    out = tmp_path / "needle.jsonl"
    res = evalkit(
        "gen",
        "needle",
        "--lengths",
        "1000,2000",
        "--n-depths",
        "3",
        "--needles",
        "1",
        "--seed",
        "3",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert len(out.read_text().splitlines()) == 6
    res = evalkit("suites", "validate", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    res = evalkit("gen", "needle", "--lengths", "-5", "--out", str(out), cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr


def test_every_problem_of_a_suite_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "empty.png").write_bytes(b"")
    suite = tmp_path / "bad.jsonl"
    suite.write_text(
        '{"id": "a", "prompt": "x", "grader": "nosuch"}\n'
        '{"id": "b", "messages": [{"role": "robot", "content": "x"}],'
        ' "grader": {"type": "numeric", "rtol": 1}}\n'
        '{"id": "c", "messages": [{"role": "user", "content": [{"type": "image_url",'
        ' "image_url": {"url": "images/empty.png"}}]}], "grader": "exact"}\n'
        "{bad\n"
    )
    res = evalkit("suites", "validate", str(suite), cwd=tmp_path)
    assert res.returncode == 2
    for expected in (
        f"{suite}:1: [grader.nosuch]",
        f"{suite}:2: [grader.numeric]",
        f"{suite}:2: messages[0].role",
        f"{suite}:3: [messages[0].content[0].image_url.url] image 'images/empty.png' is an empty",
        f"{suite}:4: invalid JSON",
    ):
        assert expected in res.stderr, (expected, res.stderr)


def test_missing_key_variable_is_caught_before_any_request(
    tmp_path: Path, mini_suite: Path, standalone_sim: str
) -> None:
    write_config(
        tmp_path / "evalkit.toml",
        f'[targets.local]\nbase_url = "{standalone_sim}/v1"\nmodel = "evalkit-sim"\n'
        'api_key_env = "EK_NOT_SET_ANYWHERE"\n',
    )
    env = {k: v for k, v in os.environ.items() if k != "EK_NOT_SET_ANYWHERE"}
    res = evalkit(
        "run", str(mini_suite), "--target", "local", "--out", "res", cwd=tmp_path, env=env
    )
    assert res.returncode == 2 and "EK_NOT_SET_ANYWHERE" in res.stderr
    assert sim_requests(standalone_sim) == 0
    assert not (tmp_path / "res").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "--run-id", "../escape"], "--run-id"),
        (["sim", "--port", "99999"], "port must be 0-65535"),
        (["run", "--max-cost-rise", "lots"], "--max-cost-rise"),
    ],
)
def test_more_bad_flags_exit_2(
    tmp_path: Path, mini_suite: Path, args: list[str], expected: str
) -> None:
    extra = [str(mini_suite), "--out", "res"] if args[0] == "run" else []
    res = evalkit(*args, *extra, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert expected in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "escape").exists()


def test_base_url_needs_a_scheme(tmp_path: Path, mini_suite: Path) -> None:
    write_config(
        tmp_path / "evalkit.toml", '[targets.x]\nbase_url = "localhost:8000/v1"\nmodel = "m"\n'
    )
    res = evalkit("run", str(mini_suite), "--target", "x", cwd=tmp_path)
    assert res.returncode == 2 and "http:// or https://" in res.stderr


def test_stopped_target_is_recorded_in_run_json(
    tmp_path: Path, mini_suite: Path, standalone_sim: str
) -> None:
    write_config(
        tmp_path / "evalkit.toml",
        f'[targets.wrongmodel]\nbase_url = "{standalone_sim}/v1"\nmodel = "no-such-model"\n'
        'api_key_env = "EK_SIM_KEY"\n',
    )
    res = evalkit(
        "run",
        str(mini_suite),
        "--target",
        "wrongmodel",
        "--out",
        "res",
        "--run-id",
        "ab",
        "--no-progress",
        cwd=tmp_path,
        env={"EK_SIM_KEY": "sk-test-SECRET-4242"},
    )
    assert res.returncode == 2
    assert "target 'wrongmodel' stopped: HTTP 404" in res.stderr
    manifest = json.loads((tmp_path / "res" / "ab" / "run.json").read_text())
    assert manifest["status"] == "aborted"
    assert "no-such-model" in manifest["aborted"]["wrongmodel"]


def test_a_grader_that_crashes_is_reported(tmp_path: Path) -> None:
    (tmp_path / "mygraders.py").write_text("def broken(item):\n    raise RuntimeError('oops')\n")
    suite = tmp_path / "s.jsonl"
    suite.write_text(
        '{"id": "a", "prompt": "x", "expected": "y",'
        ' "grader": {"type": "python", "function": "mygraders:broken"}}\n'
    )
    res = evalkit(
        "run",
        str(suite),
        "--out",
        "res",
        "--no-progress",
        cwd=tmp_path,
        env={"PYTHONPATH": f"{REPO}:{tmp_path}"},
    )
    assert res.returncode == 0, res.stderr
    assert "1 record(s) have a score a grader failed to make" in res.stderr


# One line per grader family whose `expected` cannot work: (line, what stderr says of it).
BAD_EXPECTED = [
    (
        {"id": "re", "prompt": "x", "expected": "(a", "grader": "regex"},
        "[expected] regex: expected pattern '(a' does not compile",
    ),
    (
        {"id": "tc", "prompt": "x", "expected": {"calls": []}, "grader": "tool_call"},
        "[expected] tool_call: 'expected' must be {\"tool_calls\"",
    ),
    (
        {
            "id": "js",
            "prompt": "x",
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "x", "schema": {"type": "objekt"}},
            },
            "grader": "json",
        },
        "[expected] json: response_format.json_schema.schema is not a valid JSON Schema",
    ),
    (
        {"id": "nu", "prompt": "x", "expected": "forty-two", "grader": "numeric"},
        "[expected] numeric: 'expected' must be a number, not 'forty-two'",
    ),
    (
        {"id": "ch", "prompt": "x", "expected": "E", "grader": "choice"},
        "[expected] choice: 'expected' must be one of the letters ['A', 'B', 'C', 'D'], not 'E'",
    ),
    (
        {
            "id": "ju",
            "prompt": "x",
            "expected": "{0.__class__.__mro__}",
            "grader": {
                "type": "llm_judge",
                "target": "sim",
                "rubric": "{{ expected.format(answer) }} {{ answer }}",
            },
        },
        "[expected] llm_judge: the rubric does not render for this sample: SecurityError",
    ),
    (
        {"id": "ne", "prompt": "x", "expected": ["ok", " "], "grader": "needle"},
        "[expected] needle: an expected needle value is blank",
    ),
    (
        {"id": "ex", "prompt": "x", "expected": {"a": 1}, "grader": "exact"},
        "[expected] exact: 'expected' must be a string or a list of strings",
    ),
    (
        {"id": "jt", "prompt": "x", "grader": {"type": "llm_judge", "target": "nope"}},
        "[grader.llm_judge] grader 'llm_judge': bad options: option 'target': "
        "unknown target 'nope' (configured: local, sim)",
    ),
]


def _bad_expected_suite(tmp_path: Path) -> Path:
    suite = tmp_path / "bad.jsonl"
    good = {"id": "ok", "prompt": "fine", "expected": "4", "grader": "numeric"}
    lines = [good, *(line for line, _ in BAD_EXPECTED)]
    suite.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return suite


def _assert_every_bad_expected_named(suite: Path, stderr: str) -> None:
    for lineno, (_, message) in enumerate(BAD_EXPECTED, start=2):
        assert f"{suite}:{lineno}: {message}" in stderr, (lineno, stderr)
    assert f"{suite}:1:" not in stderr
    assert "Traceback" not in stderr


def test_suites_validate_reports_bad_expected_values(tmp_path: Path) -> None:
    suite = _bad_expected_suite(tmp_path)
    cfg = write_config(
        tmp_path / "evalkit.toml",
        '[targets.local]\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n',
    )
    res = evalkit("--config", str(cfg), "suites", "validate", str(suite), cwd=tmp_path)
    assert res.returncode == 2
    _assert_every_bad_expected_named(suite, res.stderr)


def test_run_refuses_bad_expected_values_before_any_request(
    tmp_path: Path, standalone_sim: str
) -> None:
    suite = _bad_expected_suite(tmp_path)
    cfg = write_config(
        tmp_path / "evalkit.toml",
        f'[targets.local]\nbase_url = "{standalone_sim}/v1"\nmodel = "evalkit-sim"\n',
    )
    res = evalkit(
        "--config",
        str(cfg),
        "run",
        str(suite),
        "--target",
        "local",
        "--out",
        "res",
        "--no-progress",
        cwd=tmp_path,
    )
    assert res.returncode == 2
    _assert_every_bad_expected_named(suite, res.stderr)
    assert sim_requests(standalone_sim) == 0
    assert not (tmp_path / "res").exists()
