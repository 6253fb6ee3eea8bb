"""What ``evalkit bench --workers N`` gains on this machine.

One client process reads streams on one core; when that core is the limit,
more processes can read more. Two loads, each with 1 and then 2 (or
``--workers``) worker processes, taking turns ``--rounds`` times:

- **throughput**: the simulator at zero latency (``evalkit sim --ttft 0
  --tps 0`` in its own process), 64-token answers, concurrency 64: the client
  is the bottleneck, so request throughput shows what more processes read;
- **latency**: the paced endpoint (200 ms TTFT, 20 ms gaps, 16 tokens) at
  concurrency 256: the median TTFT and gap show whether more processes read
  on time.

On a 2-core machine the endpoint shares the cores with the clients, so more
client processes also take CPU from the endpoint: the figures say which
effect wins here.

    .venv/bin/python -m benchmarks.bench_workers
    .venv/bin/python -m benchmarks.bench_workers --workers 1,2,4 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks import paced_endpoint
from evalkit.bench import bench, read_bench
from evalkit.config import parse_config

REPO = Path(__file__).resolve().parent.parent


def start_sim() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "evalkit", "sim", "--port", str(port), "--ttft", "0", "--tps", "0"]
    cmd += ["--model", "evalkit-sim"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1).close()
            return proc, f"http://127.0.0.1:{port}/v1"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("evalkit sim did not start")


def level(url: str, model: str, out: Path, workers: int, c: int, n: int, **kw: Any) -> Any:
    config = parse_config(
        {"targets": {"t": {"base_url": url, "model": model, "max_concurrency": c}}}, "bench"
    )
    result = bench(
        targets=["t"],
        concurrency=str(c),
        requests=n,
        workers=workers,
        out=out,
        config=config,
        echo=None,
        report=False,
        **kw,
    )
    return read_bench(result.run_dir)["levels"][0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    out = Path(tempfile.mkdtemp(prefix="evalkit-workers-"))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    rows: dict[tuple[str, int], list[dict[str, Any]]] = {}
    sim, sim_url = start_sim()
    paced, paced_url = paced_endpoint.start(0.2, 0.02, 16)
    try:
        for r in range(args.rounds):
            for w in counts if r % 2 == 0 else counts[::-1]:
                e = level(
                    sim_url,
                    "evalkit-sim",
                    out,
                    w,
                    64,
                    3000,
                    input_tokens=32,
                    output_tokens=64,
                )
                rows.setdefault(("throughput", w), []).append(e)
                e = level(paced_url, paced_endpoint.MODEL, out, w, 256, 768)
                rows.setdefault(("latency", w), []).append(e)
    finally:
        sim.terminate()
        paced.terminate()
        sim.wait()
        paced.join()
    print(
        f"{'load':<12}{'workers':>8}{'req/s':>9}{'TTFT p50':>10}{'gap p50':>9}"
        f"{'client CPU':>12}{'lag p99':>9}"
    )
    for (load, w), entries in sorted(rows.items()):

        def med(key: str, es: list[dict[str, Any]] = entries) -> float:
            return statistics.median(float(e[key] or 0.0) for e in es)

        cpu = statistics.median(e["client_load"]["cpu_cores"] for e in entries)
        lag = statistics.median(e["client_load"]["lag_p99_ms"] for e in entries)
        print(
            f"{load:<12}{w:>8}{med('request_throughput'):>9.0f}{med('median_ttft_ms'):>10.1f}"
            f"{med('median_itl_ms'):>9.2f}{cpu:>11.0%}{lag:>9.1f}"
        )
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
