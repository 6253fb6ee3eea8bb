"""Start-up: ``evalkit --help``, and ``evalkit run`` from its start to its first request.

Each figure is taken in a fresh interpreter, ``--repeats`` times, and the
median is the figure (the first of each kind also warms the file cache and
is left out):

- ``evalkit --help``: wall time of the whole process (budget 0.5 s);
- ``evalkit run`` of the shipped suites (``[run]`` of the repository's
  evalkit.toml: chat, vision, tools, json and needle on the simulator, whose
  process starts early and in parallel): from just before the process is
  started to the ``started_at`` of its first record, which is stamped just
  before the first request is written (budget 1 s);
- the same against a remote-style target (an ``evalkit sim`` already running
  in its own process), to show what the simulator's start adds, if anything.

    .venv/bin/python -m benchmarks.bench_startup
    .venv/bin/python -m benchmarks.bench_startup --repeats 9
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
EVALKIT = [sys.executable, "-m", "evalkit"]


def help_time() -> float:
    t0 = time.perf_counter()
    subprocess.run([*EVALKIT, "--help"], env=ENV, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def first_request(args: list[str], out: Path) -> float:
    """Seconds from starting ``evalkit run ARGS`` to its first record's ``started_at``."""
    before = set(out.iterdir()) if out.exists() else set()
    t0 = time.time()
    subprocess.run(
        [*EVALKIT, "run", *args, "--out", str(out), "--no-report", "--no-progress"],
        env=ENV,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    (run_dir,) = set(out.iterdir()) - before
    with (run_dir / "records.jsonl").open() as fh:
        stamps = [json.loads(line)["started_at"] for line in fh]
    first = min(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() for s in stamps)
    return first - t0


def start_external_sim() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    suites = [str(REPO / "suites" / name) for name in ("chat", "vision", "tools", "json")]
    cmd = [*EVALKIT, "sim", "--port", str(port), *(x for s in suites for x in ("--suite", s))]
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1).close()
            return proc, f"http://127.0.0.1:{port}/v1"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("evalkit sim did not start")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="evalkit-startup-"))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    help_time()
    helps = [help_time() for _ in range(args.repeats)]
    first_request([], work / "warm")
    sim_runs = [first_request([], work / "sim") for _ in range(args.repeats)]
    proc, url = start_external_sim()
    try:
        config = work / "remote.toml"
        config.write_text(
            f'[run]\nsuites = ["suites/chat", "suites/vision", "suites/tools", "suites/json"]\n'
            f'[targets.remote]\nbase_url = "{url}"\n'
            'model = "evalkit-sim/mistral-small-3.1-24b-instruct"\n'
        )
        remote = [
            first_request(["--config", str(config), "--target", "remote"], work / "remote")
            for _ in range(args.repeats)
        ]
    finally:
        proc.terminate()
        proc.wait()
    rows = [
        ("evalkit --help", helps, 0.5),
        ("evalkit run (shipped suites, sim): start to first request", sim_runs, 1.0),
        ("evalkit run (4 suites, running endpoint): start to first request", remote, None),
    ]
    verdict = 0
    for name, values, budget in rows:
        med = statistics.median(values)
        spread = ", ".join(f"{v:.2f}" for v in values)
        tail = "" if budget is None else f" (budget {budget} s)"
        print(f"{name}: median {med:.3f} s{tail}; runs {spread}")
        if budget is not None and med > budget:
            verdict = 1
    print(f"load average {os.getloadavg()[0]:.2f}")
    return verdict


if __name__ == "__main__":
    raise SystemExit(main())
