"""A 100,000-sample suite: loading it, and ``evalkit run`` until its first request.

Three measurements, each in a fresh interpreter:

1. **Load**: ``load_checked`` (the loader plus the grader checks, what a run
   does before it creates its folder) with the selection of ``--limit 1``
   and with none (every sample validated in full). Wall and CPU time, and the
   peak RSS of the process (``ru_maxrss``) before and after loading.
2. **First request, simulator in its own process**: ``evalkit run SUITE
   --target bench [--limit 1]`` against ``evalkit sim`` in another process
   (started beforehand, not timed). The time is from just before the run's
   process is spawned to the arrival of its first request, as the simulator
   logged it (``/sim/stats?log=1``; both read the system's monotonic clock),
   so it includes the interpreter's start and every import. When the request
   is seen, the run's CPU time so far (user + system) and VmHWM (its peak
   RSS so far) are read from /proc; the run is then stopped (it is not the
   subject here). On a shared machine the wall time mostly measures the
   others' load: the CPU time is the steadier figure.
3. **First request, built-in sim target**: the same with ``--target sim``
   (the simulator runs inside the run's process and builds its answer key
   from the samples first). The first request's time is its record's
   ``started_at`` (millisecond wall clock).

    .venv/bin/python -m benchmarks.bench_load                # 100,000 samples
    .venv/bin/python -m benchmarks.bench_load -n 20000 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}

LOAD_SNIPPET = """
import json, resource, sys, time
from evalkit.config import load_config
from evalkit.runner.grading import load_checked
from evalkit.runner.plan import selection
limit = None if sys.argv[2] == "all" else int(sys.argv[2])
config = load_config(None)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
w0, c0 = time.perf_counter(), time.process_time()
suites, graders = load_checked(config, [sys.argv[1]], None, selection(limit, None))
wall, cpu = time.perf_counter() - w0, time.process_time() - c0
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"wall": wall, "cpu": cpu, "rss_before_mb": before / 1024,
                  "rss_after_mb": after / 1024, "validated": len(suites[0].samples),
                  "size": suites[0].size}))
"""


def write_suite(path: Path, n: int) -> None:
    """n chat samples shaped like a real suite: system + user turn, params, tags."""
    graders = [{"type": "exact"}, {"type": "numeric"}, {"type": "includes"}]
    with path.open("w") as fh:
        for i in range(n):
            item = {
                "id": f"q{i}",
                "messages": [
                    {"role": "system", "content": "Answer with the number only."},
                    {"role": "user", "content": f"What is {i} + {i}?"},
                ],
                "expected": str(2 * i),
                "grader": graders[i % 3],
                "params": {"temperature": 0, "max_tokens": 16},
                "tags": ["arith", f"bucket-{i % 10}"],
            }
            fh.write(json.dumps(item) + "\n")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


def start_sim(port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "evalkit", "sim", "--port", str(port), "--model", "bench"]
    cmd += ["--ttft", "0", "--tps", "0"]
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        try:
            get_json(f"http://127.0.0.1:{port}/sim/stats")
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("simulator did not start")


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a live process, in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_load(suite: Path, limit: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", LOAD_SNIPPET, str(suite), limit],
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
        cwd=suite.parent,
    )
    return dict(json.loads(out.stdout))


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)  # an interrupted run, as Ctrl-C leaves it
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def first_request_external(work: Path, suite: Path, port: int, limit: list[str]) -> dict[str, Any]:
    """Seconds from spawning ``evalkit run`` to the simulator's first request, and VmHWM."""
    stats = f"http://127.0.0.1:{port}/sim/stats"
    seen = get_json(stats)["requests"]
    cmd = [sys.executable, "-m", "evalkit", "run", str(suite), "--target", "bench", *limit]
    cmd += ["--no-progress", "--no-report", "--out", str(work / "results"), "--config"]
    cmd += [str(work / "evalkit.toml")]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, env=ENV, cwd=work, stdout=subprocess.DEVNULL)
    rss = cpu = float("nan")
    try:
        while get_json(stats)["requests"] <= seen:
            if proc.poll() is not None:
                raise RuntimeError(f"evalkit run exited {proc.returncode} before any request")
            # Seldom: the arrival time comes from the simulator's log, and polling
            # more often would take CPU from the run on a small machine.
            time.sleep(0.05)
        cpu, rss = cpu_s(proc.pid), peak_rss_mb(proc.pid)
    finally:
        stop(proc)
    log = get_json(f"{stats}?log=1")["log"][seen:]
    return {"first_s": min(e["arrival"] for e in log) - t0, "cpu_s": cpu, "rss_mb": rss}


def first_request_builtin(work: Path, suite: Path, limit: list[str], run_id: str) -> float:
    """Seconds from spawning ``evalkit run --target sim`` to its first request's start."""
    out = work / "results"
    cmd = [sys.executable, "-m", "evalkit", "run", str(suite), "--target", "sim", *limit]
    cmd += ["--no-progress", "--no-report", "--out", str(out), "--run-id", run_id]
    records = out / run_id / "records.jsonl"
    t0 = time.time()
    proc = subprocess.Popen(cmd, env=ENV, cwd=work, stdout=subprocess.DEVNULL)
    try:
        while not (records.exists() and records.stat().st_size > 0):
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        stop(proc)
    first = min(
        datetime.fromisoformat(json.loads(line)["started_at"].replace("Z", "+00:00")).timestamp()
        for line in records.read_text().splitlines()
        if line.strip()
    )
    return first - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", "--samples", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each case (median shown)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (suite, runs)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="evalkit-bench-load-"))
    try:
        measure_all(work, args.samples, args.repeats)
    finally:
        if args.keep:
            print(f"(work folder: {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)  # a few hundred MB of run folders
    return 0


def measure_all(work: Path, samples: int, repeats: int) -> None:
    """Every measurement, printed as it is made."""
    suite = work / "big.jsonl"
    write_suite(suite, samples)
    size_mb = suite.stat().st_size / 1e6
    print(f"{samples} samples, {size_mb:.1f} MB of JSONL, median of {repeats}")

    print(f"\n{'load_checked':<28}{'wall s':>9}{'CPU s':>9}{'validated':>11}{'RSS MB':>16}")
    for label, limit in (("--limit 1", "1"), ("all samples", "all")):
        runs = [measure_load(suite, limit) for _ in range(repeats)]
        mid = sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]
        rss = f"{mid['rss_before_mb']:.0f} -> {mid['rss_after_mb']:.0f}"
        print(f"{label:<28}{mid['wall']:>9.2f}{mid['cpu']:>9.2f}{mid['validated']:>11}{rss:>16}")

    port = free_port()
    sim = start_sim(port)
    (work / "evalkit.toml").write_text(
        f'[targets.bench]\nbase_url = "http://127.0.0.1:{port}/v1"\nmodel = "bench"\n'
        "max_concurrency = 256\n"
    )
    print(f"\n{'evalkit run to 1st request':<36}{'wall s':>9}{'CPU s':>9}{'peak RSS MB':>13}")
    try:
        for label, limit in (("--limit 1", ["--limit", "1"]), ("all samples", [])):
            got = [first_request_external(work, suite, port, limit) for _ in range(repeats)]
            first = statistics.median(g["first_s"] for g in got)
            cpu = statistics.median(g["cpu_s"] for g in got)
            rss = statistics.median(g["rss_mb"] for g in got)
            print(f"{'sim in own process, ' + label:<36}{first:>9.2f}{cpu:>9.2f}{rss:>13.0f}")
    finally:
        sim.terminate()
        sim.wait()
    for label, limit in (("--limit 1", ["--limit", "1"]), ("all samples", [])):
        times = [
            first_request_builtin(work, suite, limit, f"b{k}-{len(limit)}") for k in range(repeats)
        ]
        print(f"{'built-in sim, ' + label:<36}{statistics.median(times):>9.2f}")
    print(f"\nload average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min)")


if __name__ == "__main__":
    raise SystemExit(main())
