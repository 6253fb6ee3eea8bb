"""The simulator in a child process: answers from a run folder's snapshot, stops with its parent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from support import write_suite

from evalkit.config import SimConfig, parse_config
from evalkit.runfolder import RunSettings
from evalkit.runner import prepare
from evalkit.sim.process import SimProcess, SimStartError, sim_spec


async def test_it_answers_from_the_snapshot_of_a_run(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", 3)
    config = parse_config({}, "none")
    prepared = prepare(config, RunSettings(suites=[str(suite)], targets=["sim"]), out=tmp_path)
    body = {
        "model": "evalkit-sim",
        "messages": prepared.suites[0].samples[2].messages,
        "max_tokens": 8,
    }
    async with SimProcess(SimConfig(skill=1.0, ttft_s=0), run_dir=prepared.run_dir) as sim:
        assert sim.base_url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{sim.base_url}/chat/completions", json=body) as resp:
                answer = await resp.json()
            async with http.get(f"{sim.base_url.removesuffix('/v1')}/sim/stats") as resp:
                stats = await resp.json()
    assert answer["choices"][0]["message"]["content"].strip(" .").endswith("4")
    assert stats["requests"] == 1


async def test_a_child_that_cannot_start_says_why(tmp_path: Path) -> None:
    sim = SimProcess(SimConfig(), run_dir=tmp_path / "no-such-run")
    with pytest.raises(SimStartError, match="did not start"):
        async with sim:
            pass


def test_the_child_exits_when_its_parent_lets_go(tmp_path: Path) -> None:
    spec = sim_spec(
        SimConfig(), run_dir=None, model="m", context_window=None, max_output_tokens=None
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalkit.sim.child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(spec).encode() + b"\n")
    proc.stdin.flush()
    assert "base_url" in json.loads(proc.stdout.readline())
    proc.stdin.close()  # the parent's end closes: as when the parent dies
    assert proc.wait(timeout=10) == 0
    proc.stdout.close()


async def test_the_childs_errors_go_to_its_file_not_the_terminal(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # The child fails on a run folder that does not exist: its traceback goes
    # to its own stderr file, and only its last line reaches the parent, in
    # the error.
    sim = SimProcess(SimConfig(), run_dir=tmp_path / "no-such-run")
    with pytest.raises(SimStartError) as caught:
        async with sim:
            pass
    assert "no-such-run" in str(caught.value)
    assert "Traceback" not in str(caught.value)
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    assert "no-such-run" not in out + err


def test_a_run_against_a_faulty_sim_prints_no_tracebacks(tmp_path: Path) -> None:
    # Dropped connections and cut streams in the simulator's process: the
    # run's terminal shows the run's own lines, nothing from aiohttp.
    suite = write_suite(tmp_path / "suite", 12)
    config = tmp_path / "evalkit.toml"
    config.write_text(
        '[targets.faulty]\nsimulated = true\nmodel = "evalkit-sim"\n'
        "backoff_initial_s = 0\nbackoff_max_s = 0\n"
        "[targets.faulty.sim]\nttft_s = 0\ntokens_per_s = 0\nskill = 1\n"
        "rate_reset = 0.3\nrate_cut = 0.3\nrate_malformed = 0.2\n"
    )
    cmd = [sys.executable, "-m", "evalkit", "run", str(suite), "-t", "faulty", "--no-report"]
    cmd += ["--config", str(config), "--out", str(tmp_path / "out")]
    done = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    assert "junit.xml" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "aiohttp" not in done.stdout + done.stderr


async def test_stop_does_not_wait_for_the_child_to_exit() -> None:
    # A run's records are all written when its simulator stops: its status and
    # outputs should not wait the tenths of a second the child takes to exit.
    sim = SimProcess(SimConfig())
    await sim.__aenter__()
    proc = sim._proc
    assert proc is not None
    await sim.stop()
    assert proc.poll() is None  # still exiting: stop() returned at once
    assert proc.wait(timeout=30) == 0  # and it exits by itself, cleanly
