"""SIGTERM during a run against a slow endpoint: a quiet stop, exit 130, an exact resume."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import REPO

from adversarial.app import MODEL, Endpoint
from evalkit.cli.run import _sigterm_as_ctrl_c

NOISE = ("Traceback", "Exception ignored", "never retrieved", "Unclosed", "Task was destroyed")


def test_sigterm_cancels_at_an_await_even_when_sigint_is_ignored() -> None:
    # A script's background job (`evalkit run ... &`) starts with SIGINT
    # ignored. SIGTERM must still stop the run by cancelling it at an await,
    # never by raising KeyboardInterrupt in whatever code happens to run.
    where: list[str] = []

    async def main() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + 0.5
        try:
            while time.monotonic() < deadline:
                pass  # busy, no await: the signal's handler runs in here
        except KeyboardInterrupt:
            where.append("mid-code")
            raise
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            where.append("at an await")
            raise

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with _sigterm_as_ctrl_c(), pytest.raises(KeyboardInterrupt):
            asyncio.run(main())  # asyncio reports a run cancelled by SIGINT so
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # as it was
    finally:
        signal.signal(signal.SIGINT, previous)
    assert where == ["at an await"]


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.mark.slow
@pytest.mark.parametrize("sigint", ["default", "ignored"])
def test_sigterm_mid_run_is_quiet_and_resume_is_exact(
    tmp_path: Path, adversary: Endpoint, sigint: str
) -> None:
    suite = tmp_path / "s.jsonl"
    rows = [
        {"id": f"q{i}", "prompt": "hi", "expected": "x" * 20, "grader": "exact"} for i in range(9)
    ]
    suite.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = tmp_path / "evalkit.toml"
    cfg.write_text(
        f'[targets.slow]\nbase_url = "{adversary.url("slow")}"\nmodel = "{MODEL}"\n'
        "max_concurrency = 3\n"
    )
    args = ["--config", str(cfg), "run", "--out", "res", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalkit", *args, str(suite), "--target", "slow", "--run-id", "r"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # As `evalkit run ... &` in a shell script: SIGINT ignored.
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        if sigint == "ignored"
        else None,
    )
    records = tmp_path / "res" / "r" / "records.jsonl"
    deadline = time.monotonic() + 60
    while _lines(records) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.5)  # the second wave of requests is in flight, mid-stream
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert not any(noise in err for noise in NOISE), err
    assert "interrupted: resume with" in err
    assert 3 <= _lines(records) < 9, "the stop must land mid-run"
    assert json.loads((tmp_path / "res" / "r" / "run.json").read_text())["status"] == "interrupted"

    res = subprocess.run(
        [sys.executable, "-m", "evalkit", *args, "--resume", "r"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert not any(noise in res.stderr for noise in NOISE), res.stderr
    ids = [json.loads(line)["sample_id"] for line in records.read_text().splitlines()]
    assert sorted(ids) == sorted(r["id"] for r in rows)  # no duplicate, no gap
