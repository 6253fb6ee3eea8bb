"""Targets on the command line (--base-url, --model, --api-key-env), `probe` and `targets`.

The endpoint is `evalkit sim` in its own process, reached like any remote
one; no evalkit.toml is written unless the test says so.
"""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import write_suite
from support.cli import evalkit, free_port, popen, sim_requests, write_config

from evalkit.cli.probe import public_argv

KEY = {"EK_SIM_KEY": "sk-test-SECRET-4242"}


def test_run_a_target_named_by_url_without_any_config(tmp_path: Path, standalone_sim: str) -> None:
    suite = write_suite(tmp_path / "suite", 6)
    args = ["--base-url", f"{standalone_sim}/v1", "--model", "evalkit-sim"]
    res = evalkit(
        "run", str(suite), *args, "--api-key-env", "EK_SIM_KEY", "--out", "res",
        "--run-id", "r1", "--no-progress", cwd=tmp_path, env=KEY,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert not (tmp_path / "evalkit.toml").exists()
    manifest = json.loads((tmp_path / "res" / "r1" / "run.json").read_text())
    [target] = manifest["targets"]
    assert (target["name"], target["base_url"], target["model"]) == (
        "evalkit-sim",
        f"{standalone_sim}/v1",
        "evalkit-sim",
    )
    assert target["api_key_env"] == "EK_SIM_KEY"
    assert "sk-test-SECRET-4242" not in (tmp_path / "res" / "r1" / "run.json").read_text()
    # The probe ran first and its findings are in run.json.
    verdicts = manifest["probes"]["evalkit-sim"]["verdicts"]
    assert verdicts["stream"]["supported"] is True
    records = (tmp_path / "res" / "r1" / "records.jsonl").read_text().splitlines()
    assert len(records) == 6
    assert all(json.loads(line)["target"] == "evalkit-sim" for line in records)
    # A resume finds the target again in run.json (there is still no evalkit.toml).
    again = evalkit("run", "--resume", "r1", "--out", "res", "--no-progress", cwd=tmp_path, env=KEY)
    assert again.returncode == 0, again.stderr
    assert "already finished" in again.stdout and "nothing to send" in again.stdout


def test_no_probe_sends_only_the_items(tmp_path: Path, standalone_sim: str) -> None:
    suite = write_suite(tmp_path / "suite", 4)
    before = sim_requests(standalone_sim)
    res = evalkit(
        "run", str(suite), "--base-url", f"{standalone_sim}/v1", "--model", "evalkit-sim",
        "--api-key-env", "EK_SIM_KEY", "--target", "mine", "--no-probe", "--out", "res",
        "--no-progress", cwd=tmp_path, env=KEY,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert sim_requests(standalone_sim) - before == 4
    assert "target mine: evalkit-sim" in res.stdout


def test_endpoint_flags_are_checked_before_anything_is_sent(
    tmp_path: Path, standalone_sim: str
) -> None:
    suite = write_suite(tmp_path / "suite", 2)
    url = f"{standalone_sim}/v1"
    cases = [
        (["--model", "m"], "--model go(es) with --base-url URL"),
        (["--base-url", url], "--base-url needs --model NAME"),
        (["--base-url", "localhost:8080/v1", "--model", "m"], "must start with http://"),
        (["--base-url", url, "--model", "m", "--target", "a", "--target", "b"], "at most one"),
        (["--base-url", url, "--model", "m", "--target", "sim"], "name it with --target"),
        (["--base-url", url, "--model", "m", "--api-key-env", "EK_UNSET_VAR"], "EK_UNSET_VAR"),
    ]
    for flags, message in cases:
        res = evalkit("run", str(suite), *flags, "--out", "res", cwd=tmp_path)
        assert res.returncode == 2, (flags, res.stderr)
        assert message in res.stderr, (flags, res.stderr)
    assert sim_requests(standalone_sim) == 0
    assert not (tmp_path / "res").exists()


def test_probe_then_targets_shows_what_was_found(tmp_path: Path, standalone_sim: str) -> None:
    write_config(
        tmp_path / "evalkit.toml",
        f'[targets.remote]\nbase_url = "{standalone_sim}/v1"\nmodel = "evalkit-sim"\n'
        'api_key_env = "EK_SIM_KEY"\n',
    )
    listed = evalkit("targets", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "remote: evalkit-sim" in listed.stdout
    assert "never probed (evalkit probe remote)" in listed.stdout
    assert "sim: evalkit-sim/mistral-small-3.1-24b-instruct (evalkit's simulator)" in listed.stdout
    assert "local: smollm2 (llama-cpp-python server started for the run)" in listed.stdout
    assert sim_requests(standalone_sim) == 0  # listing sends nothing

    probed = evalkit("probe", "remote", cwd=tmp_path, env=KEY)
    assert probed.returncode == 0, probed.stderr
    for line in (
        "model 'evalkit-sim': listed at /models (evalkit-sim)",
        "streaming: yes",
        "usage in streams: yes: the stream ends with a usage chunk",
        "tool calls (tool_choice auto): yes",
        "structured output (json_schema): yes: answered valid JSON",
        # The simulator answers from answer keys; it cannot tell a green image from any other.
        "image input: NO: asked the colour of a solid green image",
        "max output: 4,096 tokens (refusal of a huge cap)",
        "rate-limit headers: none sent",
    ):
        assert line in probed.stdout, probed.stdout
    listed = evalkit("targets", cwd=tmp_path)
    assert "remote: evalkit-sim" in listed.stdout
    assert "last probed 20" in listed.stdout and "streaming: yes" in listed.stdout

    as_json = evalkit("probe", "--base-url", f"{standalone_sim}/v1", "--model", "evalkit-sim",
                      "--api-key-env", "EK_SIM_KEY", "--json", cwd=tmp_path, env=KEY)  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["verdicts"]["json_object"]["supported"] is True


def test_probe_of_an_unreachable_endpoint_exits_2(tmp_path: Path) -> None:
    res = evalkit(
        "probe", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", cwd=tmp_path, timeout=60
    )
    assert res.returncode == 2
    assert "cannot be used" in res.stdout and "cannot reach" in res.stdout


def test_local_target_that_cannot_start_exits_2_before_writing(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", 2)
    write_config(
        tmp_path / "evalkit.toml",
        '[targets.mine]\nmodel = "x"\nlocal = { model_file = "/nonexistent/model.gguf" }\n',
    )
    res = evalkit("run", str(suite), "--target", "mine", "--out", "res", cwd=tmp_path)
    assert res.returncode == 2
    assert "model_file '/nonexistent/model.gguf' does not exist" in res.stderr
    assert not (tmp_path / "res").exists()


@pytest.fixture
def keyless_sim(tmp_path: Path) -> Iterator[str]:
    """`evalkit sim` in its own process, taking any credentials; yields its base URL."""
    port = free_port()
    proc = popen("sim", "--port", str(port), "--ttft", "0", "--tps", "0", "--model", "evalkit-sim",
                 cwd=tmp_path)  # fmt: skip
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            assert time.monotonic() < deadline, "sim did not start"
            time.sleep(0.05)
    yield f"127.0.0.1:{port}"
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=10)


SECRETS = ("alice", "pa55-SECRET-31", "qs-SECRET-777")


def test_credentials_in_a_base_url_reach_no_output(tmp_path: Path, keyless_sim: str) -> None:
    """user:password@ and ?api_key= of --base-url: not printed, stored, reported."""
    url = f"http://alice:pa55-SECRET-31@{keyless_sim}/v1?api_key=qs-SECRET-777"
    shown = f"http://***@{keyless_sim}/v1?api_key=***"
    suite = write_suite(tmp_path / "suite", 3)
    cache = {"EVALKIT_CACHE_DIR": str(tmp_path / "cache")}
    res = evalkit("run", str(suite), f"--base-url={url}", "--model", "evalkit-sim", "--out", "res",
                  "--run-id", "r1", "--no-progress", cwd=tmp_path, env=cache)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert f"target evalkit-sim: evalkit-sim ({shown})" in res.stdout
    manifest = json.loads((tmp_path / "res" / "r1" / "run.json").read_text())
    assert manifest["targets"][0]["base_url"] == shown
    assert f"--base-url={shown}" in manifest["argv"]
    assert manifest["probes"]["evalkit-sim"]["verdicts"]["stream"]["supported"] is True
    # /models was asked with the URL's query too (it may be what lets a request in).
    assert manifest["probes"]["evalkit-sim"]["models"] == ["evalkit-sim"]
    probed = evalkit("probe", "--base-url", url, "--model", "evalkit-sim", "--refresh",
                     cwd=tmp_path, env=cache)  # fmt: skip
    assert probed.returncode == 0, probed.stderr
    assert f"evalkit-sim at {shown}" in probed.stdout
    bad = evalkit("run", str(suite), "--base-url", url + "#x", "--model", "m", cwd=tmp_path)
    assert bad.returncode == 2 and "#fragment" in bad.stderr
    # run.json keeps no credentials, so the run cannot be resumed from it alone.
    again = evalkit("run", "--resume", "r1", "--out", "res", cwd=tmp_path, env=cache)
    assert again.returncode == 2
    assert "its base_url carried credentials" in again.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "suite" not in p.parts]
    assert {p.name for p in written} >= {"run.json", "records.jsonl", "report.html", "summary.md"}
    for out in [res.stdout, res.stderr, probed.stdout, bad.stderr, again.stderr]:
        assert not any(s in out for s in SECRETS), out
    for path in written:
        text = path.read_bytes().decode("utf-8", "replace")
        assert not any(s in text for s in SECRETS), path


def test_public_argv_redacts_every_url_form() -> None:
    url = "http://u:p4ss-word@h:1/v1?key=v4lue-x"
    assert public_argv(["run", "s", "--base-url", url, "--model", "m"]) == [
        "run", "s", "--base-url", "http://***@h:1/v1?key=***", "--model", "m",
    ]  # fmt: skip
    assert public_argv(["--base-url=" + url]) == ["--base-url=http://***@h:1/v1?key=***"]
    assert public_argv(["--base", url]) == ["--base", "http://***@h:1/v1?key=***"]
    plain = ["run", "suites/chat", "--base-url", "http://127.0.0.1:8080/v1", "--limit", "3"]
    assert public_argv(plain) == plain
