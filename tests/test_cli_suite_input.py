"""Suite input and graders through ``evalkit run``: what a hostile suite can no longer do.

Bad lines exit 2 with ``file:line: [field] reason`` and send nothing; a
runaway regex or a numpy-returning grader costs its own item a grader error
and nothing else: every record is written, no request is sent twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.cli import evalkit, free_port, popen, sim_requests, write_config


def _ok(i: int) -> dict[str, Any]:
    return {"id": f"ok{i}", "prompt": f"What is {i}?", "expected": str(i), "grader": "exact"}


def _local(tmp_path: Path, url: str, extra: str = "") -> Path:
    return write_config(
        tmp_path / "evalkit.toml",
        f'[targets.local]\nbase_url = "{url}/v1"\nmodel = "evalkit-sim"\n{extra}',
    )


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (json.dumps(_ok(8)) + "\x0c" + json.dumps(_ok(9)), ":2: invalid JSON: unexpected content"),
        ('{"id": "d", "prompt": "x", "grader": "exact", "metadata": ' + DEEP + "}", ":2: invalid"),
        ('{"id": "n", "prompt": "x", "grader": "numeric", "expected": ' + "9" * 5000 + "}", ":2:"),
        ('{"id": "n", "prompt": "x", "grader": "numeric", "expected": NaN}', ":2: invalid JSON"),
        (
            '{"id": "m", "prompt": "x", "grader": "exact", "params": {"model": "bogus"}}',
            ":2: [params.model] reserved: the target's model is sent",
        ),
        (
            '{"id": "m", "prompt": "x", "grader": "exact", "params": {"stream": false}}',
            ":2: [params.stream] reserved:",
        ),
        (
            '{"id": "m", "prompt": "x", "grader": "exact",'
            ' "params": {"messages": [{"role": "user", "content": "other"}]}}',
            ":2: [params.messages] reserved:",
        ),
    ],
    ids=["form-feed", "100k-deep", "5000-digits", "nan", "params.model", "stream", "messages"],
)
def test_a_bad_line_exits_2_naming_file_line_and_field_and_sends_nothing(
    tmp_path: Path, standalone_sim: str, line: str, expected: str
) -> None:
    suite = tmp_path / "bad.jsonl"
    suite.write_text(json.dumps(_ok(0)) + "\n" + line + "\n")
    cfg = _local(tmp_path, standalone_sim)
    res = evalkit("--config", str(cfg), "run", str(suite), "-t", "local", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert f"{suite}{expected}" in res.stderr
    assert "Traceback" not in res.stderr
    assert sim_requests(standalone_sim) == 0


def test_a_target_whose_params_set_the_model_is_a_config_error(
    tmp_path: Path, standalone_sim: str
) -> None:
    suite = tmp_path / "s.jsonl"
    suite.write_text(json.dumps(_ok(0)) + "\n")
    cfg = _local(tmp_path, standalone_sim, 'params = { temperature = 0, model = "bogus" }\n')
    res = evalkit("--config", str(cfg), "run", str(suite), "-t", "local", cwd=tmp_path)
    assert res.returncode == 2
    assert "[targets.local] params: 'model' is reserved" in res.stderr
    assert sim_requests(standalone_sim) == 0


def test_a_limited_run_checks_in_full_only_what_it_sends(tmp_path: Path) -> None:
    robot = {"id": "r", "messages": [{"role": "robot", "content": "x"}], "grader": "exact"}
    suite = tmp_path / "s.jsonl"
    suite.write_text("".join(json.dumps(x) + "\n" for x in [_ok(0), _ok(1), robot]))
    out = tmp_path / "res"
    ok = evalkit(
        "run", str(suite), "--limit", "2", "--out", str(out), "--run-id", "a", cwd=tmp_path
    )
    assert ok.returncode == 0, ok.stderr
    assert len((out / "a" / "records.jsonl").read_text().splitlines()) == 2
    manifest = json.loads((out / "a" / "run.json").read_text())
    assert manifest["suites"][0]["n_samples"] == 3
    bad = evalkit("run", str(suite), "--limit", "3", "--out", str(out), cwd=tmp_path)
    assert bad.returncode == 2 and f"{suite}:3: messages[0].role: 'robot'" in bad.stderr
    full = evalkit("suites", "validate", str(suite), cwd=tmp_path)
    assert full.returncode == 2 and f"{suite}:3:" in full.stderr


def test_a_byte_order_mark_and_unicode_line_separators_are_fine(tmp_path: Path) -> None:
    suite = tmp_path / "s.jsonl"
    lines = [
        json.dumps({**_ok(0), "prompt": "a\u2028b\x85c"}, ensure_ascii=False),
        json.dumps(_ok(1)),
    ]
    suite.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n")
    res = evalkit("suites", "validate", str(suite), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "ok: 1 suite(s), 2 samples" in res.stdout


@pytest.fixture
def oracle_sim(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An `evalkit sim` that always answers right, from the answer key of a suite
    of 24 arithmetic items and 6 whose reference answer sends a regex into
    catastrophic backtracking; yields (base URL, suite)."""
    items = [_ok(i) for i in range(24)]
    items += [
        {
            "id": f"runaway{i}",
            "prompt": f"Say many a's ({i})",
            "expected": "(a|aa)+$",
            "grader": "regex",
            "metadata": {"reference": "a" * 60 + "!"},
        }
        for i in range(6)
    ]
    suite = tmp_path / "mixed.jsonl"
    suite.write_text("".join(json.dumps(x) + "\n" for x in items))
    port = free_port()
    proc = popen(
        "sim", "--port", str(port), "--suite", str(suite), "--skill", "1", "--ttft", "0.05",
        "--tps", "0", "--model", "evalkit-sim", cwd=tmp_path,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            sim_requests(url)
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)
    yield url, suite
    proc.terminate()
    proc.communicate(timeout=10)


def test_a_runaway_regex_costs_its_items_a_grader_error_and_nothing_else(
    tmp_path: Path, oracle_sim: tuple[str, Path]
) -> None:
    url, suite = oracle_sim
    # A short request timeout: had the loop frozen while a regex ran, the
    # requests in flight would have timed out and been sent again.
    cfg = _local(tmp_path, url, "max_concurrency = 8\ntimeout_s = 3\nmax_attempts = 3\n")
    out = tmp_path / "res"
    res = evalkit(
        "--config", str(cfg), "run", str(suite), "-t", "local", "--out", str(out),
        "--run-id", "r", "--no-progress", "--no-report", "--no-probe", cwd=tmp_path, timeout=90,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    records = [json.loads(x) for x in (out / "r" / "records.jsonl").read_text().splitlines()]
    assert len(records) == 30 and {r["status"] for r in records} == {"ok"}
    runaway = [r for r in records if r["sample_id"].startswith("runaway")]
    assert all(r["scores"][0]["details"]["reason"] == "grader_error" for r in runaway)
    assert all("took more than 1 s to match" in r["scores"][0]["explanation"] for r in runaway)
    assert all(r["passed"] for r in records if not r["sample_id"].startswith("runaway"))
    # No request was sent twice: the simulator saw exactly what the records say.
    assert sum(r["attempts"] for r in records) == 30 == sim_requests(url)
    assert "6 record(s) have a score a grader failed to make" in res.stderr


def test_a_python_grader_returning_numpy_values_loses_no_record(tmp_path: Path) -> None:
    (tmp_path / "npgrader.py").write_text(
        "import numpy as np\n"
        "from evalkit.graders import Score\n"
        "def score(item):\n"
        "    ok = np.bool_(item.output.strip() == item.sample.expected)\n"
        "    details = {'scores': np.array([0.25, 1.0]), 'n': np.int64(2)}\n"
        "    return Score(np.float64(float(ok)), bool(ok), 'numpy', details)\n"
    )
    suite = tmp_path / "s.jsonl"
    grader = {"type": "python", "function": "npgrader:score"}
    suite.write_text("".join(json.dumps({**_ok(i), "grader": grader}) + "\n" for i in range(20)))
    out = tmp_path / "res"
    res = evalkit(
        "run", str(suite), "--out", str(out), "--run-id", "np", "--no-progress", cwd=tmp_path,
        env={"PYTHONPATH": f"{Path(__file__).resolve().parents[1]}:{tmp_path}"},
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    records = [json.loads(x) for x in (out / "np" / "records.jsonl").read_text().splitlines()]
    assert len(records) == 20
    assert {json.dumps(r["scores"][0]["details"]) for r in records} == {
        '{"scores": [0.25, 1.0], "n": 2}'
    }
