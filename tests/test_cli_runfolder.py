"""The run folder under stress, through the command line: names, locks, full disks, resumes.

Only kill -9 or power loss may leave a run "running"; whatever else stops a
run (bad input, a full disk, Ctrl-C, SIGTERM) ends with a clear message and
its own exit code, and a resume converges to every sample exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from aiohttp import web
from support import REPO, write_suite

from evalkit.runfolder import lock_holder

FAST = """
[targets.fast]
simulated = true
model = "sim/fast"
max_concurrency = 16
sim = { ttft_s = 0, tokens_per_s = 0, jitter = 0, skill = 0.7 }
"""
SLOW = """
[targets.slow]
simulated = true
model = "sim/slow"
max_concurrency = 2
sim = { ttft_s = 0.15, tokens_per_s = 0, jitter = 0, skill = 0.7 }
"""


def env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), **(extra or {})}


def evalkit(
    *args: str,
    cwd: Path,
    extra_env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        env=env(extra_env),
        preexec_fn=preexec_fn,
    )


def popen(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "evalkit", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def keys(run_dir: Path) -> list[tuple[str, str, int]]:
    text = (run_dir / "records.jsonl").read_text()
    return [(d["suite"], d["sample_id"], d["epoch"]) for d in map(json.loads, text.splitlines())]


def manifest(run_dir: Path) -> dict[str, object]:
    return dict(json.loads((run_dir / "run.json").read_text()))


def assert_exactly_once(run_dir: Path, n: int) -> None:
    got = keys(run_dir)
    assert len(got) == n and len(set(got)) == n, (len(got), len(set(got)))


# The in-process simulator's server logs each request its client drops when a run
# stops with requests in flight; that is the endpoint's log, not evalkit's output.
_SIM_DROPPED = re.compile(
    r"Error handling request from 127\.0\.0\.1\nTraceback \(most recent call last\):\n"
    r"(?:  .*\n)+aiohttp\.client_exceptions\.ClientConnectionResetError: .*\n"
)


def quiet(stderr: str) -> bool:
    """No traceback and no "Exception ignored" from evalkit."""
    own = _SIM_DROPPED.sub("", stderr)
    return "Traceback" not in own and "Exception ignored" not in own


def finished_run(tmp_path: Path, n: int, run_id: str = "r1", config: str = FAST) -> Path:
    cfg = tmp_path / "evalkit.toml"
    cfg.write_text(config)
    suite = write_suite(tmp_path / "suite", n)
    target = "fast" if config is FAST else "slow"
    args = ("run", str(suite), "-t", target, "--out", "res", "--run-id", run_id, "--no-progress")
    res = evalkit(*args, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    return tmp_path / "res" / run_id


def make_interrupted(run_dir: Path, keep: int) -> None:
    """As a run stopped by Ctrl-C after ``keep`` records: fewer records, status interrupted."""
    path = run_dir / "records.jsonl"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:keep]))
    data = json.loads((run_dir / "run.json").read_text())
    data["status"] = "interrupted"
    (run_dir / "run.json").write_text(json.dumps(data, indent=2))


# --- file names from input stay in the run folder ---------------------------------------------


@pytest.mark.parametrize("name", ["../../victim/records", "/ABS/escaped", "sub/dir"])
def test_a_suite_name_cannot_write_outside_the_run_folder(tmp_path: Path, name: str) -> None:
    name = name.replace("/ABS", str(tmp_path))
    suite = write_suite(tmp_path / "suite", 3)
    (tmp_path / "suite" / "manifest.toml").write_text(
        f'name = "{name}"\nsamples = "{suite.name}"\n'
    )
    victim = tmp_path / "res" / "victim" / "records.jsonl"
    victim.parent.mkdir(parents=True)
    victim.write_text("precious\n")
    res = evalkit("run", "suite", "--out", "res", "--no-progress", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert f"suite{os.sep}manifest.toml: [name] suite name {name!r}" in res.stderr
    assert "must be a plain file name: no '/' or '\\'" in res.stderr and quiet(res.stderr)
    assert victim.read_text() == "precious\n"
    assert not (tmp_path / "escaped.jsonl").exists()
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == ["victim"]


# --- one writer per run folder ----------------------------------------------------------------


class GatedEndpoint:
    """A chat endpoint on 127.0.0.1 that answers only as many requests as it is allowed to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.permits = asyncio.Semaphore(0)  # a loop binds it on first use: the server's
        self.url = ""

    async def _answer(self, request: web.Request) -> web.Response:
        await self.permits.acquire()  # consumed: one permit, one answer
        body = await request.json()
        return web.json_response(
            {
                "id": "gen-1",
                "object": "chat.completion",
                "created": 1776947082,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "0"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10},
            }
        )

    async def _start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._answer)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/v1"
        return runner

    def __enter__(self) -> GatedEndpoint:
        self.thread.start()
        self.runner = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def allow(self, n: int) -> None:
        for _ in range(n):
            self.loop.call_soon_threadsafe(self.permits.release)

    def __exit__(self, *exc: object) -> None:
        self.allow(10_000)  # let whatever still waits go
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def test_two_resumes_at_once_send_each_request_once(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", 30)
    run_dir = tmp_path / "res" / "k"
    with GatedEndpoint() as endpoint:
        (tmp_path / "evalkit.toml").write_text(
            f'[targets.gw]\nbase_url = "{endpoint.url}"\nmodel = "m"\n'
            "stream = false\nmax_concurrency = 2\n"
        )
        endpoint.allow(2 + 4)  # the capability probe (a plain request, a huge cap), 4 items
        first = popen("run", str(suite), "-t", "gw", "--out", "res", "--run-id", "k", cwd=tmp_path)
        wait_for(lambda: lines(run_dir / "records.jsonl") >= 4, "the first records")
        first.kill()  # kill -9: the run stays "running"
        first.communicate()
        assert manifest(run_dir)["status"] == "running"

        # The endpoint holds every request of this resume until the checks are done.
        a = popen("run", "--resume", "k", "--out", "res", "--no-progress", cwd=tmp_path)
        wait_for(lambda: lock_holder(run_dir) is not None, "the resume to lock the folder")
        b = evalkit("run", "--resume", "k", "--out", "res", "--no-progress", cwd=tmp_path)
        assert b.returncode == 2, b.stderr
        assert f"run folder res{os.sep}k is being written by pid {a.pid} on host " in b.stderr
        assert " since 20" in b.stderr and b.stderr.rstrip().endswith("(it stays resumable)")
        # Reading is fine, and says so; re-grading (a rewrite of records.jsonl) is not.
        rep = evalkit("report", "k", "--out", "res", cwd=tmp_path)
        assert rep.returncode == 0, rep.stderr
        assert f"warning: run res{os.sep}k is still being written by pid {a.pid}" in rep.stderr
        grd = evalkit("grade", "k", "--out", "res", cwd=tmp_path)
        assert grd.returncode == 2 and f"pid {a.pid}" in grd.stderr
        assert a.poll() is None
        endpoint.allow(10_000)
        _, err = a.communicate(timeout=120)
    assert a.returncode == 0, err
    assert_exactly_once(run_dir, 30)
    assert lock_holder(run_dir) is None and manifest(run_dir)["status"] == "finished"


def test_duplicate_records_are_reported_and_counted_once(tmp_path: Path) -> None:
    run_dir = finished_run(tmp_path, 6)
    path = run_dir / "records.jsonl"
    path.write_text(path.read_text() + "".join(path.read_text().splitlines(keepends=True)[:2]))
    res = evalkit("report", "r1", "--out", "res", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "2 duplicate record(s) ignored" in res.stderr and res.stderr.startswith("warning: ")
    assert 'tests="6"' in (run_dir / "junit.xml").read_text()


# --- resume: same endpoints, same suites, checked before anything is written -------------------


def test_a_resume_refuses_a_changed_target_and_says_what_changed(tmp_path: Path) -> None:
    run_dir = finished_run(tmp_path, 8)
    make_interrupted(run_dir, keep=3)
    before = (run_dir / "run.json").read_bytes(), (run_dir / "records.jsonl").read_bytes()
    cfg = tmp_path / "evalkit.toml"
    cfg.write_text(FAST.replace('model = "sim/fast"', 'model = "sim/other"'))
    res = evalkit("run", "--resume", "r1", "--out", "res", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "target 'fast' changed since run r1 started: model 'sim/fast' -> 'sim/other'" in (
        res.stderr
    )
    assert quiet(res.stderr)
    assert ((run_dir / "run.json").read_bytes(), (run_dir / "records.jsonl").read_bytes()) == (
        before
    )
    # Limits may change between a run and its resume.
    cfg.write_text(FAST.replace("max_concurrency = 16", "max_concurrency = 3"))
    res = evalkit("run", "--resume", "r1", "--out", "res", "--no-progress", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert_exactly_once(run_dir, 8)


def test_a_resume_refuses_an_edited_image(tmp_path: Path) -> None:
    (tmp_path / "evalkit.toml").write_text(FAST)
    (tmp_path / "v" / "images").mkdir(parents=True)
    image = tmp_path / "v" / "images" / "a.png"
    image.write_bytes(b"\x89PNG first version")
    part = {"type": "image_url", "image_url": {"url": "images/a.png"}}
    line = {"id": "a", "messages": [{"role": "user", "content": [part]}], "expected": "x"}
    (tmp_path / "v" / "s.jsonl").write_text(json.dumps({**line, "grader": "exact"}) + "\n")
    args = ("--out", "res", "--no-progress")
    res = evalkit("run", "v/s.jsonl", "-t", "fast", "--run-id", "v1", *args, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    image.write_bytes(b"\x89PNG second version")
    res = evalkit("run", "--resume", "v1", *args, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "suite 's' (v/s.jsonl) changed since run v1 started" in res.stderr


def test_a_corrupt_record_stops_a_resume_before_run_json_is_touched(tmp_path: Path) -> None:
    run_dir = finished_run(tmp_path, 6)
    make_interrupted(run_dir, keep=4)
    path = run_dir / "records.jsonl"
    rows = path.read_text().splitlines(keepends=True)
    path.write_text(rows[0] + "{not json\n" + "".join(rows[1:]))
    before = (run_dir / "run.json").read_bytes()
    res = evalkit("run", "--resume", "r1", "--out", "res", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "records.jsonl:2: not a JSON record" in res.stderr and quiet(res.stderr)
    assert (run_dir / "run.json").read_bytes() == before  # still "interrupted", no new note


def test_resuming_a_finished_run_sends_nothing_and_changes_nothing(tmp_path: Path) -> None:
    run_dir = finished_run(tmp_path, 5)
    before = (run_dir / "run.json").read_bytes(), (run_dir / "records.jsonl").read_bytes()
    res = evalkit("run", "--resume", "r1", "--out", "res", "--no-progress", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "run r1 already finished at 20" in res.stdout and "nothing to send" in res.stdout
    assert ((run_dir / "run.json").read_bytes(), (run_dir / "records.jsonl").read_bytes()) == (
        before
    )
    # Gated again, it gives the same verdict (here against itself: passed).
    res = evalkit(
        "run", "--resume", "r1", "--out", "res", "--baseline", "r1", "--no-progress", cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    assert f"gate passed against res{os.sep}r1" in res.stdout


# --- exit 2, not a traceback ------------------------------------------------------------------


def test_unreadable_config_and_unusable_out_are_bad_input(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", 2)
    (tmp_path / "evalkit.toml").write_bytes(b'[run]\nout = "r\xe9sultats"\n')  # Latin-1
    res = evalkit("run", str(suite), "--no-progress", cwd=tmp_path)
    assert res.returncode == 2 and "evalkit.toml:2: not UTF-8 text" in res.stderr
    (tmp_path / "evalkit.toml").unlink()
    res = evalkit("--config", "suite", "run", str(suite), cwd=tmp_path)
    assert res.returncode == 2 and "suite: is a folder, not a config file" in res.stderr
    (tmp_path / "a-file").write_text("")
    res = evalkit("run", str(suite), "--out", "a-file", cwd=tmp_path)
    assert res.returncode == 2 and "a-file (the out folder): it is not a folder" in res.stderr
    for r in (res,):
        assert quiet(r.stderr)


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not _unshare_works(),
    reason="needs unshare -rm (a user and mount namespace) to mount a small tmpfs",
)


def in_namespace(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``script`` (sh) in a private mount namespace, where it may mount a tmpfs."""
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env(),
    )


@needs_mount
def test_a_read_only_out_folder_is_bad_input(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", 2)
    (tmp_path / "ro").mkdir()
    res = in_namespace(
        "mount -t tmpfs -o ro,size=64k tmpfs ro && "
        f"{sys.executable} -m evalkit run {suite} --out ro/res --no-progress",
        tmp_path,
    )
    assert res.returncode == 2, res.stderr
    assert "ro/res (the out folder): Read-only file system" in res.stderr and quiet(res.stderr)


# --- a full disk: exit 4, a status that says so, a resume that converges ------------------------


def test_a_file_size_limit_mid_run_exits_4_and_resumes_exactly(tmp_path: Path) -> None:
    (tmp_path / "evalkit.toml").write_text(FAST)
    suite = write_suite(tmp_path / "suite", 120)

    def limit() -> None:  # a record is ~900 bytes: the limit falls mid-run, mid-line
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    args = ("--out", "res", "--no-progress")
    res = evalkit(
        "run", str(suite), "-t", "fast", "--run-id", "f", *args, cwd=tmp_path, preexec_fn=limit
    )
    run_dir = tmp_path / "res" / "f"
    assert res.returncode == 4, (res.returncode, res.stderr)
    assert "error: could not append a record to" in res.stderr and "File too large" in res.stderr
    assert f"once there is room: evalkit run --resume res{os.sep}f" in res.stderr
    assert quiet(res.stderr)
    m = manifest(run_dir)
    assert m["status"] == "failed"
    assert "could not append a record" in str(m["notes"])
    written = keys(run_dir)  # every line whole: no torn record
    assert 0 < len(written) < 120
    res = evalkit("run", "--resume", "f", *args, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert_exactly_once(run_dir, 120)
    assert manifest(run_dir)["status"] == "finished"


@needs_mount
def test_a_full_disk_mid_run_exits_4_and_resumes_exactly(tmp_path: Path) -> None:
    (tmp_path / "evalkit.toml").write_text(FAST)
    write_suite(tmp_path / "suite", 120)
    (tmp_path / "disk").mkdir()
    run = f"{sys.executable} -m evalkit"
    res = in_namespace(
        "mount -t tmpfs -o size=64k tmpfs disk\n"
        f"{run} run suite/mini.jsonl -t fast --out disk --run-id d --no-progress 2>first.err\n"
        'echo "first=$?"\n'
        "cp disk/d/records.jsonl first.jsonl\n"
        "mount -o remount,size=4m tmpfs disk\n"
        f"{run} run --resume d --out disk --no-progress 2>second.err\n"
        'echo "second=$?"\n'
        "cp disk/d/records.jsonl disk/d/run.json .\n",
        tmp_path,
    )
    assert "first=4" in res.stdout, (res.stdout, res.stderr)
    first = (tmp_path / "first.err").read_text()
    assert "could not append a record to" in first and "No space left on device" in first
    assert quiet(first)
    partial = (tmp_path / "first.jsonl").read_text()
    assert partial.endswith("\n") and all(json.loads(x) for x in partial.splitlines())
    assert "second=0" in res.stdout, (tmp_path / "second.err").read_text()
    assert_exactly_once(tmp_path, 120)  # the copies of records.jsonl and run.json
    assert manifest(tmp_path)["status"] == "finished"


# --- Ctrl-C and SIGTERM, whenever they come ---------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_report_is_written_exits_130_quietly(
    tmp_path: Path, sig: signal.Signals
) -> None:
    (tmp_path / "evalkit.toml").write_text(FAST)
    n = 2500
    suite = write_suite(tmp_path / "suite", n)
    run_dir = tmp_path / "res" / "r"
    proc = popen("run", str(suite), "-t", "fast", "--out", "res", "--run-id", "r", cwd=tmp_path)
    wait_for(lambda: lines(run_dir / "records.jsonl") >= n, "every record", timeout=120)
    time.sleep(0.3)  # into the report
    if proc.poll() is not None:
        pytest.skip("the report was written before the signal could land")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert quiet(err)
    assert manifest(run_dir)["status"] == "finished"  # every record was written
    if proc.returncode == 0:
        # The signal landed after the last output was written (a busy machine can
        # hold the signal back that long): the run is complete, and says nothing.
        assert (run_dir / "report.html").exists() and "interrupted" not in err
        return
    assert proc.returncode == 130, err
    assert "interrupted" in err
    res = evalkit("report", "r", "--out", "res", cwd=tmp_path)
    assert res.returncode == 0, res.stderr


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_before_the_first_request_exits_130_and_resumes(
    tmp_path: Path, sig: signal.Signals
) -> None:
    (tmp_path / "evalkit.toml").write_text(FAST)
    # Loading and snapshotting 6,000 samples takes a moment: the signal lands in there.
    suite = write_suite(tmp_path / "suite", 6000)
    n = 30  # the requests: --limit
    out = tmp_path / "res"
    proc = popen(
        "run", str(suite), "-t", "fast", "--limit", str(n), "--out", "res", "--run-id", "r",
        cwd=tmp_path,
    )  # fmt: skip
    wait_for(lambda: out.exists() and any(out.iterdir()), "the run folder to be started")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (130, 0), err  # 0: it was already done (a fast machine)
    assert quiet(err)
    if proc.returncode == 130:
        assert "interrupted" in err
    run_dir = out / "r"
    assert [p.name for p in out.iterdir()] in ([], ["r"])  # nothing half-made
    if run_dir.exists():
        assert manifest(run_dir)["status"] in ("interrupted", "finished")
        res = evalkit("run", "--resume", "r", "--out", "res", "--no-progress", cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert_exactly_once(run_dir, n)


def test_an_interrupted_gated_run_is_not_gated(tmp_path: Path) -> None:
    finished_run(tmp_path, 30, run_id="base", config=SLOW)
    suite = tmp_path / "suite" / "mini.jsonl"
    run_dir = tmp_path / "res" / "now"
    proc = popen(
        "run", str(suite), "-t", "slow", "--out", "res", "--run-id", "now", "--baseline", "base",
        cwd=tmp_path,
    )  # fmt: skip
    wait_for(lambda: lines(run_dir / "records.jsonl") >= 3, "the first records")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "gate" not in out.lower().replace("not gated", "")
    assert "interrupted (not gated: the run is partial): resume with" in err
    assert manifest(run_dir)["status"] == "interrupted"
    assert "partial" in (run_dir / "report.html").read_text().lower()


# --- python -m evalkit finds modules where the evalkit script does ----------------------------


def test_python_m_and_the_script_import_graders_alike(tmp_path: Path) -> None:
    (tmp_path / "mygraders.py").write_text("def ok(item):\n    return True\n")
    grader = {"type": "python", "function": "mygraders:ok"}
    line = {"id": "a", "prompt": "x", "expected": "y", "grader": grader}
    (tmp_path / "s.jsonl").write_text(json.dumps(line) + "\n")
    script = Path(sys.executable).parent / "evalkit"
    commands = [[sys.executable, "-m", "evalkit"]]
    if script.exists():
        commands.append([str(script)])
    for command in commands:
        run = [*command, "suites", "validate", "s.jsonl"]
        res = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, env=env())
        assert res.returncode == 2, (command, res.stdout, res.stderr)
        assert "cannot import 'mygraders:ok'" in res.stderr
        path = f"{REPO}{os.pathsep}{tmp_path}"
        ok = subprocess.run(
            run, cwd=tmp_path, capture_output=True, text=True, env={**env(), "PYTHONPATH": path}
        )
        assert ok.returncode == 0, (command, ok.stderr)


# --- an internal error is not "the gate failed" -----------------------------------------------


def test_an_internal_error_exits_70_not_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import evalkit.cli as cli

    monkeypatch.setitem(cli._COMMANDS, "report", ("test_cli_runfolder", "crash"))
    assert cli.main(["report", "x"]) == 70
    err = capsys.readouterr().err
    assert "RuntimeError: a bug" in err and "evalkit failed unexpectedly" in err


def crash(args: object) -> int:
    """A subcommand with a bug."""
    raise RuntimeError("a bug")
