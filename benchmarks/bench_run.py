"""A whole run's hot path against the simulator at zero latency: wall time and client CPU.

The simulator runs in a separate process (``evalkit sim --ttft 0 --tps 0``),
so this process's CPU clock holds only the harness: request building, SSE
decoding, timing, grading and appending records. The same requests are also
made by a bare aiohttp streaming loop (post, split lines, json.loads each
data line, join content) for the budget: the harness may spend at most 1.5x
its CPU per request. The samples are cut into ``--slices`` parts and the two
take turns on each part (A B, B A, ...), so that load from anything else on
the machine falls on both alike.

    .venv/bin/python -m benchmarks.bench_run            # 4000 samples, 8 slices, concurrency 32
    .venv/bin/python -m benchmarks.bench_run -n 8000 -c 64
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
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

import aiohttp

from evalkit.config import parse_config
from evalkit.runfolder import RecordWriter, RunSettings, read_records
from evalkit.runner import plan, prepare
from evalkit.runner.run import Executor
from evalkit.suite import load_suite

REPO = Path(__file__).resolve().parent.parent


def write_suite(path: Path, n: int) -> None:
    """n chat items across exact, numeric and includes graders."""
    graders = ["exact", {"type": "numeric"}, {"type": "includes"}]
    with path.open("w") as fh:
        for i in range(n):
            item = {
                "id": f"q{i}",
                "prompt": f"What is {i} + {i}? Answer with the number only.",
                "expected": str(2 * i),
                "grader": graders[i % 3],
                "params": {"temperature": 0, "max_tokens": 16},
            }
            fh.write(json.dumps(item) + "\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sim(suite: Path, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "evalkit", "sim", "--port", str(port), "--ttft", "0"]
    cmd += ["--tps", "0", "--model", "bench", "--suite", str(suite)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("simulator did not start")


async def bare_loop(url: str, bodies: list[dict[str, Any]], concurrency: int) -> int:
    """The reference: the least a streaming client can do per request."""
    queue = list(reversed(bodies))
    chars = 0
    conn = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=conn) as session:

        async def worker() -> None:
            nonlocal chars
            while queue:
                body = queue.pop()
                async with session.post(f"{url}/chat/completions", json=body) as resp:
                    parts = []
                    async for line in resp.content:
                        if line.startswith(b"data: ") and not line.startswith(b"data: [DONE]"):
                            chunk = json.loads(line[6:])
                            for choice in chunk["choices"]:
                                parts.append(choice["delta"].get("content") or "")
                    chars += len("".join(parts))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return chars


def measure(fn: Any) -> tuple[float, float, Any]:
    """Wall and CPU seconds of ``fn()``, and what it returned.

    The garbage collector starts empty-handed (outside the clock), so that a
    full collection made due by earlier work does not land on whichever side
    runs next: each side pays for the collections its own garbage causes.
    """
    gc.collect()
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w0, time.process_time() - c0, out


async def executor_run(prepared: Any, config: Any, items: list[Any]) -> None:
    """The runner on ``items``: admission, retries, client, grading, records."""
    with RecordWriter(prepared.run_dir) as writer:
        await Executor(prepared, config, writer).run(items)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", "--samples", type=int, default=4000)
    ap.add_argument("-c", "--concurrency", type=int, default=32)
    ap.add_argument("--slices", type=int, default=8, help="alternations of the two sides")
    ap.add_argument("--budget", type=float, default=1.5)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="evalkit-bench-"))
    suite_path = tmp / "bench.jsonl"
    write_suite(suite_path, args.samples)
    port = free_port()
    sim = start_sim(suite_path, port)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        config = parse_config(
            {
                "targets": {
                    "bench": {
                        "base_url": url,
                        "model": "bench",
                        "max_concurrency": args.concurrency,
                    }
                }
            },
            "bench",
        )
        samples = load_suite(suite_path).samples
        bodies = [
            {
                "model": "bench",
                "messages": s.messages,
                **s.params,
                "stream": True,
                "stream_options": {"include_usage": True},
            }
            for s in samples
        ]
        settings = RunSettings(suites=[str(suite_path)], targets=["bench"])
        # Warm up both sides (the runner in a run folder of its own).
        warm = prepare(config, settings, out=tmp / "warm")
        asyncio.run(bare_loop(url, bodies[:200], args.concurrency))
        asyncio.run(executor_run(warm, config, plan(["bench"], warm.suites)[:200]))

        prep_wall, prep_cpu, prepared = measure(
            lambda: prepare(config, settings, out=tmp / "results")
        )
        items = plan(["bench"], prepared.suites)
        assert [i.sample.id for i in items] == [s.id for s in samples]
        size = -(-len(items) // args.slices)
        bare_wall = bare_cpu = run_wall = run_cpu = 0.0
        ratios = []
        for k, start in enumerate(range(0, len(items), size)):
            part = slice(start, start + size)
            sides = [
                lambda p=part: asyncio.run(bare_loop(url, bodies[p], args.concurrency)),
                lambda p=part: asyncio.run(executor_run(prepared, config, items[p])),
            ]
            spent = [(0.0, 0.0), (0.0, 0.0)]
            for side in (0, 1) if k % 2 == 0 else (1, 0):
                wall, cpu, _ = measure(sides[side])
                spent[side] = (wall, cpu)
            bare_wall += spent[0][0]
            bare_cpu += spent[0][1]
            run_wall += spent[1][0]
            run_cpu += spent[1][1]
            ratios.append(spent[1][1] / spent[0][1])
        records = read_records(prepared.run_dir)
        assert len(records) == args.samples and all(r.status == "ok" for r in records)

        from evalkit.report import render_run

        rep_wall, rep_cpu, _ = measure(lambda: render_run(prepared.run_dir))
    finally:
        sim.terminate()
        sim.wait()

    n = args.samples
    print(
        f"{n} samples, concurrency {args.concurrency}, {len(ratios)} alternating slices, "
        "simulator in its own process, zero latency"
    )
    print(f"{'phase':<34}{'wall s':>9}{'CPU s':>9}{'CPU ms/req':>12}{'req/s':>9}")
    rows = [
        ("bare aiohttp streaming loop", bare_wall, bare_cpu),
        ("evalkit run: requests+grading+records", run_wall, run_cpu),
    ]
    for name, wall, cpu in rows:
        print(f"{name:<34}{wall:>9.2f}{cpu:>9.2f}{1000 * cpu / n:>12.3f}{n / wall:>9.0f}")
    print(f"{'evalkit: load+validate (prepare)':<34}{prep_wall:>9.2f}{prep_cpu:>9.2f}")
    print(f"{'evalkit: report+junit+summary':<34}{rep_wall:>9.2f}{rep_cpu:>9.2f}")
    ratio = run_cpu / bare_cpu
    print(
        f"CPU ratio evalkit / bare: {ratio:.2f}x (slice median {statistics.median(ratios):.2f}x, "
        f"range {min(ratios):.2f}-{max(ratios):.2f}; budget {args.budget}x)"
    )
    return 0 if ratio <= args.budget else 1


if __name__ == "__main__":
    raise SystemExit(main())
