"""``evalkit sim``: its flags build the simulator's config; the command serves until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from support import REPO

import evalkit.sim
from evalkit.cli import main
from evalkit.cli.parser import build_parser
from evalkit.cli.sim import sim_config
from evalkit.config import SimConfig, builtin_sim


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["sim", *argv])


def test_public_names_are_pinned() -> None:
    assert sorted(evalkit.sim.__all__) == sorted(
        ["FAULT_HEADER", "FAULT_KINDS", "SimRequestLog", "SimServer", "SimStats", "make_app",
         "serve_forever"]
    )  # fmt: skip


def test_flags_build_the_sim_config() -> None:
    args = parse(
        "--skill", "0.9", "--seed", "4", "--ttft", "0.5", "--tps", "0", "--jitter", "0",
        "--rate-429", "0.1", "--rate-503", "0.2", "--rate-500", "0.05", "--rate-reset", "0.01",
        "--rate-cut", "0.02", "--rate-malformed", "0.03", "--rate-slow", "0.04",
        "--retry-after", "1.5", "--slow", "3", "--no-usage",
    )  # fmt: skip
    config = sim_config(args)
    assert (config.skill, config.seed, config.ttft_s, config.tokens_per_s) == (0.9, 4, 0.5, 0)
    assert (config.rate_429, config.rate_503, config.rate_500) == (0.1, 0.2, 0.05)
    assert (config.rate_reset, config.rate_cut, config.rate_malformed) == (0.01, 0.02, 0.03)
    assert (config.rate_slow, config.retry_after_s, config.slow_s) == (0.04, 1.5, 3)
    assert config.send_usage is False and config.jitter == 0
    assert sim_config(parse()) == SimConfig()
    assert parse().port == 8000


def test_bad_flags_exit_2_before_serving(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["sim", "--skill", "1.5", "--port", "0"]) == 2
    assert "--skill" in capsys.readouterr().err
    monkeypatch.delenv("EK_SIM_TEST_KEY", raising=False)
    assert main(["sim", "--api-key-env", "EK_SIM_TEST_KEY", "--port", "0"]) == 2
    assert "EK_SIM_TEST_KEY" in capsys.readouterr().err


def test_bad_suite_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    assert main(["sim", "--suite", str(bad), "--port", "0"]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err


def test_serves_the_suites_answer_key_until_ctrl_c(tmp_path: Path) -> None:
    suite = tmp_path / "capitals.jsonl"
    suite.write_text(
        json.dumps(
            {"id": "fr", "prompt": "Capital of France?", "expected": "Paris", "grader": "exact"}
        )
        + "\n"
    )
    secret = "sk-sim-cli-test-9876"
    argv = ["--port", "0", "--suite", str(suite), "--skill", "1", "--ttft", "0", "--tps", "0"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalkit", "sim", *argv, "--api-key-env", "EK_SIM_CLI_KEY"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "EK_SIM_CLI_KEY": secret},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"serving (\S+) at (http://127\.0\.0\.1:\d+/v1)", line)
        assert match, line
        assert "1 prompts" in line and secret not in line
        # Without --model the built-in sim target's model id is served.
        assert match.group(1) == builtin_sim().model
        body = {
            "model": match.group(1),
            "messages": [{"role": "user", "content": "Capital of France?"}],
        }
        request = urllib.request.Request(
            match.group(2) + "/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            answer = json.load(resp)
        assert answer["choices"][0]["message"]["content"] == "Paris"
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert secret not in out + err
