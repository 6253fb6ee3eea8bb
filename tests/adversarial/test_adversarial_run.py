"""``evalkit run`` against the adversarial endpoint: one item's fault is that item's record.

Each test runs the command in a subprocess, as a user does, with a target
per fault; the run must finish (status, outputs, exit code), hold exactly
one record per item with the fault's error kind, and resume cleanly.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from support.cli import evalkit

from adversarial.app import MODEL, Endpoint
from evalkit.report.packing import unpack

FAST_RETRIES = {"max_attempts": 3, "backoff_initial_s": 0.01, "backoff_max_s": 0.02}
RETRY_AFTER = {  # mode -> (status, the server's wait as the record quotes it)
    "retry-after-3600": (429, "3600 s"),
    "retry-after-1e12": (429, "1e+12 s"),
    "retry-after-ms": (429, "99999.999 s"),
    "unavailable-3600": (503, "3600 s"),
}


def toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {toml_value(v)}' for k, v in value.items()) + " }"
    return json.dumps(value)  # strings, numbers and booleans are spelt alike


def write_config(path: Path, targets: dict[str, dict[str, Any]]) -> Path:
    lines = []
    for name, fields in targets.items():
        lines.append(f"[targets.{name}]")
        lines += [f"{key} = {toml_value(value)}" for key, value in fields.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def targets_for(endpoint: Endpoint, modes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A target per mode (named after it, ``-json`` for a non-streamed variant)."""
    out = {}
    for name, fields in modes.items():
        mode = fields.pop("mode", name)
        out[name] = {"base_url": endpoint.url(mode), "model": MODEL, "timeout_s": 20, **fields}
    return out


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def chat_suite(folder: Path, n: int) -> Path:
    rows = [
        {"id": f"c{i}", "prompt": f"Say ok ({i})", "expected": "ok", "grader": ["exact", "json"]}
        for i in range(n)
    ]
    return write_jsonl(folder / "chat.jsonl", rows)


def tool_suite(folder: Path, n: int) -> Path:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
    expected = {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Tokyo"}}]}
    rows = [
        {
            "id": f"t{i}",
            "prompt": "Weather in Tokyo?",
            "tools": [tool],
            "expected": expected,
            "grader": "tool_call",
        }
        for i in range(n)
    ]
    return write_jsonl(folder / "tools.jsonl", rows)


def records(run_dir: Path) -> list[dict[str, Any]]:
    lines = (run_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def by_target(run_dir: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for rec in records(run_dir):
        out.setdefault(rec["target"], []).append(rec)
    return out


def manifest(run_dir: Path) -> dict[str, Any]:
    return dict(json.loads((run_dir / "run.json").read_text()))


def run_and_resume(
    tmp_path: Path,
    targets: dict[str, dict[str, Any]],
    suites: list[Path],
    *,
    expect: int = 0,
    env: dict[str, str] | None = None,
    flags: tuple[str, ...] = (),
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Run every suite against every target, check it finished, resume it; the run folder."""
    cfg = write_config(tmp_path / "evalkit.toml", targets)
    names = [arg for name in targets for arg in ("--target", name)]
    suite_args = [str(s) for s in suites]
    res = evalkit(
        "--config", str(cfg), "run", *suite_args, *names, "--out", "res", "--run-id", "r",
        "--no-progress", *flags, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert res.returncode == expect, res.stderr
    assert "Traceback" not in res.stderr
    run_dir = tmp_path / "res" / "r"
    status = manifest(run_dir)["status"]
    assert status == ("aborted" if expect == 2 else "finished")
    for name in ("report.html", "junit.xml", "summary.md"):
        assert (run_dir / name).stat().st_size > 0, name
    before = (run_dir / "records.jsonl").read_bytes()
    again = evalkit(
        "--config", str(cfg), "run", "--resume", "r", "--out", "res", "--no-progress",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert again.returncode == expect, again.stderr
    if expect != 2:  # nothing was left to do, so nothing was sent or written (1: gated again)
        assert "nothing to send" in again.stdout, again.stdout
        assert (run_dir / "records.jsonl").read_bytes() == before
    keys = [(r["target"], r["suite"], r["sample_id"], r["epoch"]) for r in records(run_dir)]
    assert len(keys) == len(set(keys)), "a duplicate record"
    return run_dir, res


def page_blocks(html: str) -> dict[str, Any]:
    """report.html's data blocks by id (ek-rows, ek-r0..., ek-s0...), inflated and parsed."""
    found = re.findall(r'<script type="application/octet-stream" id="([^"]+)">([^<]*)<', html)
    return {block_id: unpack(text) for block_id, text in found}


# --- surrogates --------------------------------------------------------------------


def test_surrogates_in_model_output_never_stop_a_run(tmp_path: Path, adversary: Endpoint) -> None:
    targets = targets_for(
        adversary,
        {
            "split-surrogate": {},
            "lone-surrogate": {},
            "lone-surrogate-json": {},
            "lone-surrogate-tool": {},
            "lone-json": {"mode": "lone-surrogate-json", "stream": False},
            "lone-tool-json": {"mode": "lone-surrogate-tool", "stream": False},
        },
    )
    suites = [chat_suite(tmp_path / "s", 3), tool_suite(tmp_path / "s", 2)]
    run_dir, _ = run_and_resume(tmp_path, targets, suites)
    recs = by_target(run_dir)
    assert {name: len(rs) for name, rs in recs.items()} == {name: 5 for name in targets}
    assert all(r["status"] == "ok" for rs in recs.values() for r in rs)
    chat = {name: [r for r in rs if r["suite"] == "chat"] for name, rs in recs.items()}
    assert {r["output"] for r in chat["split-surrogate"]} == {"a\U0001f600b"}
    assert {r["output"] for r in chat["lone-surrogate"]} == {"x\ufffdy"}
    for name in ("lone-surrogate-json", "lone-json"):
        assert {r["output"] for r in chat[name]} == {'{"answer": "\\ud83d", "raw": "\ufffd"}'}
        # The json grader parsed the model's escape into a lone surrogate of its
        # own, and its verdict was recorded all the same.
        assert all(r["scores"][1]["grader"] == "json" for r in chat[name])
        assert all(r["scores"][1]["passed"] is True for r in chat[name])
    for name in ("lone-surrogate-tool", "lone-tool-json"):
        calls = {json.dumps(r["tool_calls"]) for r in recs[name] if r["suite"] == "tools"}
        assert len(calls) == 1 and "\\ufffd" in calls.pop()
    # The page carries the records as deflated JSON blocks; the emoji survives in them.
    blocks = page_blocks((run_dir / "report.html").read_text(encoding="utf-8"))
    record_blocks = [b for key, b in blocks.items() if re.fullmatch(r"ek-r\d+", key)]
    outputs = {rec["output"] for block in record_blocks for rec in block}
    assert "a\U0001f600b" in outputs and "x\ufffdy" in outputs


# --- answers that are no completion, sizes, Retry-After --------------------------------


def test_faults_of_the_endpoint_become_error_records(tmp_path: Path, adversary: Endpoint) -> None:
    modes: dict[str, dict[str, Any]] = {
        "choices-dict": {},
        "choices-null": {},
        "deep-chunk": {},
        "huge-int": {},
        "choices-null-json": {"mode": "choices-null", "stream": False},
        "deep-chunk-json": {"mode": "deep-chunk", "stream": False},
        "deep-error": {},
        "giant-usage": {},
        "negative-usage": {},
        "negative-usage-json": {"mode": "negative-usage", "stream": False},
        "endless-stream": {"max_response_bytes": 1 << 20},
        "endless-line": {"max_response_bytes": 1 << 20},
        "huge-length": {"stream": False},
        "endless-error": {},
        **{mode: {"max_retry_time_s": 30} for mode in RETRY_AFTER},
    }
    for fields in modes.values():
        fields.update(FAST_RETRIES)
    targets = targets_for(adversary, modes)
    t0 = time.monotonic()
    # Every item of most targets ends in error: the run finishes, and fails the error verdict.
    run_dir, res = run_and_resume(tmp_path, targets, [chat_suite(tmp_path / "s", 3)], expect=1)
    assert "choices-dict: no answer at all: all 3 requests ended in error" in res.stdout
    verdict = res.stdout.split("gate FAILED:", 1)[1]
    assert "giant-usage" not in verdict  # its answers were ok
    assert time.monotonic() - t0 < 90  # no Retry-After was slept, not even the 30 s budget
    recs = by_target(run_dir)
    assert {name: len(rs) for name, rs in recs.items()} == {name: 3 for name in targets}

    def kinds(name: str) -> set[tuple[str, int]]:
        return {(r["error"]["type"] if r["error"] else "ok", r["attempts"]) for r in recs[name]}

    for name in ("choices-dict", "choices-null", "deep-chunk", "huge-int"):
        assert kinds(name) == {("bad_response", 1)}, name  # final: not paid for again
    assert kinds("choices-null-json") == kinds("deep-chunk-json") == {("bad_response", 1)}
    assert kinds("deep-error") == {("bad_request", 1)}
    for name in ("endless-stream", "endless-line", "huge-length"):
        assert kinds(name) == {("response_too_large", 1)}, name
    assert kinds("endless-error") == {("server_error", 3)}  # retryable, up to max_attempts
    for name in ("giant-usage", "negative-usage", "negative-usage-json"):
        assert kinds(name) == {("ok", 1)}
        for r in recs[name]:
            assert r["tokens_source"] == "estimated"
            assert 0 < r["prompt_tokens"] < 100 and r["completion_tokens"] == 1
            assert r["cost_usd"] >= 0
    # One request per item, both variants (the probe's own requests asked other things).
    items = [s for s in adversary.seen("deep-chunk") if "Say ok" in json.dumps(s.body)]
    assert len(items) == 3 + 3
    # A Retry-After past what is left of the budget ends the item at once, quoting it.
    for mode, (status, wait) in RETRY_AFTER.items():
        for r in recs[mode]:
            assert r["error"]["type"] == "rate_limited" and r["http_status"] == status
            assert r["attempts"] == 1 and r["retry_wait_s"] == 0
            message = r["error"]["message"]
            assert f"asked to wait {wait}" in message and "max_retry_time_s = 30" in message


# --- Retry-After -------------------------------------------------------------------


def test_one_429_asking_for_an_hour_does_not_freeze_the_target(
    tmp_path: Path, adversary: Endpoint
) -> None:
    targets = targets_for(adversary, {"first-429-for-an-hour": {"max_concurrency": 4}})
    t0 = time.monotonic()
    # --no-probe: the first request, the one answered 429, is to be an item's.
    run_dir, _ = run_and_resume(
        tmp_path, targets, [chat_suite(tmp_path / "s", 41)], flags=("--no-probe",)
    )
    assert time.monotonic() - t0 < 60
    recs = records(run_dir)
    assert len(recs) == 41
    errors = [r for r in recs if r["status"] == "error"]
    assert len(errors) == 1 and errors[0]["error"]["type"] == "rate_limited"
    assert errors[0]["http_status"] == 429 and errors[0]["attempts"] == 1
    assert "asked to wait 3600 s" in errors[0]["error"]["message"]
    assert len(adversary.seen()) == 41  # nothing was sent twice


# --- secrets -----------------------------------------------------------------------


def test_no_credential_of_a_target_is_written_or_printed(
    tmp_path: Path, adversary: Endpoint
) -> None:
    key, query, header, password = "sk-KEY-1111", "sk-QUERY-2222", "tok-HDR-3333", "pw-USER-4444"
    basic = base64.b64encode(f"alice:{password}".encode()).decode()
    targets = {
        "leaky": {
            "base_url": adversary.url("echo") + f"?api_key={query}&v=1",
            "model": MODEL,
            "api_key_env": "ADV_KEY",
            "headers": {"X-Team-Token": f"Bearer {header}"},
        },
        "userinfo": {
            "base_url": adversary.url("echo-401").replace("//", f"//alice:{password}@"),
            "model": MODEL,
        },
    }
    run_dir, res = run_and_resume(
        tmp_path, targets, [chat_suite(tmp_path / "s", 2)], expect=2, env={"ADV_KEY": key}
    )
    # The server got them all, and echoed them into its errors.
    assert any(s.headers.get("Authorization") == f"Basic {basic}" for s in adversary.seen())
    assert any(query in s.query for s in adversary.seen())
    secrets = [key, query, header, password, basic]
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"run.json", "records.jsonl", "report.html", "junit.xml"}
    for path in files:
        data = path.read_text(encoding="utf-8", errors="replace")
        if path.name == "report.html":  # its data blocks are deflated: read them too
            data += json.dumps(page_blocks(data), ensure_ascii=False)
            assert "***" in data  # the scrubbed error messages are read
        for secret in secrets:
            assert secret not in data, (secret, path)
    for secret in secrets:
        assert secret not in res.stdout + res.stderr, secret
    stored = {t["name"]: t["base_url"] for t in manifest(run_dir)["targets"]}
    assert stored["leaky"].endswith("/echo/v1?api_key=***&v=***")
    assert stored["userinfo"].startswith("http://***@127.0.0.1:")
    errors = [r["error"]["message"] for r in records(run_dir)]
    assert len(errors) == 2 and all("***" in e for e in errors)  # the leaky target's 400s
    assert "stopped" in res.stderr and "***" in res.stderr  # the 401 echoing Basic auth


# --- strict configuration ------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [("timeout_s", float("inf"), "timeout_s")],  # every other value: test_config.py
)
def test_a_bad_target_value_exits_2_before_any_request(
    tmp_path: Path, adversary: Endpoint, field: str, value: Any, says: str
) -> None:
    fields: dict[str, Any] = {"base_url": adversary.url("ok"), "model": MODEL, field: value}
    if value == float("inf"):
        cfg = tmp_path / "evalkit.toml"
        write_config(cfg, {"bad": {k: v for k, v in fields.items() if k != field}})
        cfg.write_text(cfg.read_text() + f"{field} = inf\n")
    else:
        cfg = write_config(tmp_path / "evalkit.toml", {"bad": fields})
    suite = chat_suite(tmp_path / "s", 2)
    res = evalkit("--config", str(cfg), "run", str(suite), "--target", "bad", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert f"{cfg}: [targets.bad]" in res.stderr and says in res.stderr
    assert "Traceback" not in res.stderr
    assert adversary.seen() == []
