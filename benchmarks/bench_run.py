"""The harness's own cost: client CPU per streamed request, ``evalkit run`` against a bare loop.

Issue 11's method: marginal CPU per request at concurrency 64, against a
fast local endpoint in its own process, with realistic responses (about 64
content chunks each). Each client is a process of its own, and its CPU is
read from the kernel when it exits (``os.wait4``: user + system time, its
whole life: start-up, imports, loading the suite, the requests, writing the
outputs). Each runs the same suite twice, ``--small`` and ``--large``
samples (600 and 3,000), and its marginal cost per request is

    (CPU at 3,000 - CPU at 600) / 2,400

so that start-up and imports cancel out and what is left is what each
further request costs. Four clients:

- **bare loop**, the reference: the least a streaming client does: read the
  suite (``json.loads`` per line), post each request, read the stream line
  by line (``async for line in resp.content``), ``json.loads`` each data
  line, join the content (this module, ``--bare``);
- **hot path**: ``evalkit run --no-report`` (request building, admission,
  retries, SSE decoding, timing, grading, records, junit.xml and summary.md);
- **whole run**: ``evalkit run`` (the same plus report.html);
- **bare loop, iter_any**: the bare loop reading whole network chunks and
  splitting them itself, the fastest a Python client reads (for comparison).

Budgets: hot path at most 1.2x the bare loop, whole run at most 1.5x. The
endpoint is the simulator (``evalkit sim --ttft 0 --tps 0``) in its own
process, answering every sample with its 64-token reference. The clients
take turns in each of ``--rounds`` rounds, in a rotating order, so that load
from elsewhere falls on all of them alike; the figures are medians over
rounds.

    .venv/bin/python -m benchmarks.bench_run                  # 3 rounds, 600 and 3000 samples
    .venv/bin/python -m benchmarks.bench_run --rounds 5
    .venv/bin/python -m benchmarks.bench_run --profile        # cProfile of the hot path at 3000
    git archive main | tar -x -C /tmp/before                  # then, before and after in turns:
    .venv/bin/python -m benchmarks.bench_run --before /tmp/before
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CONCURRENCY = 64
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india")


def answer(i: int, tokens: int) -> str:
    """Sample ``i``'s reference answer: ``tokens`` short words (one token each)."""
    return " ".join(WORDS[(i + k) % len(WORDS)][:5] for k in range(tokens))


def write_suite(path: Path, n: int, tokens: int) -> None:
    """n chat items with long answers, graded by exact, includes and regex in turn."""
    graders: list[Any] = [
        {"type": "exact", "normalize": True},
        "includes",
        {"type": "regex", "pattern": "^[a-z ]+$"},
    ]
    with path.open("w") as fh:
        for i in range(n):
            item = {
                "id": f"q{i}",
                "prompt": f"Say the words of item {i}, as listed.",
                "expected": answer(i, tokens),
                "grader": graders[i % 3],
                "params": {"temperature": 0, "max_tokens": 2 * tokens},
            }
            fh.write(json.dumps(item) + "\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sim(suite: Path, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "evalkit", "sim", "--port", str(port), "--ttft", "0"]
    cmd += ["--tps", "0", "--model", "bench", "--skill", "1", "--suite", str(suite)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("simulator did not start")


async def bare_loop(url: str, suite: Path, concurrency: int, style: str = "lines") -> int:
    """The reference client: what any streaming client must do, and nothing else.

    ``lines`` reads the stream the idiomatic aiohttp way (``async for line in
    resp.content``), as the script the issue's figures came from did;
    ``chunks`` reads whole network chunks (``iter_any``) and splits them,
    the fastest way, shown for comparison.
    """
    import aiohttp

    bodies = []
    with suite.open("rb") as fh:
        for line in fh:
            item = json.loads(line)
            bodies.append(
                {
                    "model": "bench",
                    "messages": [{"role": "user", "content": item["prompt"]}],
                    **item["params"],
                    "stream": True,
                    "stream_options": {"include_usage": True},
                }
            )
    queue = list(reversed(bodies))
    chars = 0
    conn = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=conn) as session:

        async def worker() -> None:
            nonlocal chars
            while queue:
                body = queue.pop()
                parts = []
                buf = b""
                async with session.post(f"{url}/chat/completions", json=body) as resp:
                    if style == "lines":
                        async for raw in resp.content:
                            if raw.startswith(b"data: {"):
                                for choice in json.loads(raw[6:])["choices"]:
                                    parts.append(choice["delta"].get("content") or "")
                    else:
                        async for data in resp.content.iter_any():
                            lines = (buf + data).split(b"\n")
                            buf = lines.pop()
                            for raw in lines:
                                if raw.startswith(b"data: {"):
                                    for choice in json.loads(raw[6:])["choices"]:
                                        parts.append(choice["delta"].get("content") or "")
                chars += len("".join(parts))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return chars


COUNT_INSTRUCTIONS = False
"""Set by ``--instructions``: measure each client in instructions (valgrind), not CPU time."""
_VALGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]


def child_cpu(cmd: list[str], cwd: Path, code: Path = REPO) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of a command run to its end as a child process.

    ``code`` is the checkout whose evalkit the command imports. With
    ``COUNT_INSTRUCTIONS`` the first figure is the instructions it executed,
    in units of 10^9, counted by valgrind: slow, but the same however busy
    the machine is.
    """
    env = {**os.environ, "PYTHONPATH": str(code)}
    if COUNT_INSTRUCTIONS:
        cmd = [*_VALGRIND, *cmd]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    err_bytes = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = err_bytes.decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err[-2000:]}")
    if COUNT_INSTRUCTIONS:
        refs = re.search(r"I\s+refs:\s+([\d,]+)", err)
        if refs is None:
            raise RuntimeError(f"no instruction count from valgrind: {err[-500:]}")
        return int(refs.group(1).replace(",", "")) / 1e9, wall
    return usage.ru_utime + usage.ru_stime, wall


def clients(url: str, work: Path, before: Path | None = None) -> dict[str, Any]:
    """name -> function(suite) -> (cpu, wall) of one client process over that suite.

    With ``before`` (another checkout), its ``evalkit run`` takes turns too.
    """
    config = work / "evalkit.toml"
    config.write_text(
        f'[targets.bench]\nbase_url = "{url}"\nmodel = "bench"\nmax_concurrency = {CONCURRENCY}\n'
    )
    py = sys.executable

    def bare(style: str) -> Any:
        def one(suite: Path) -> tuple[float, float]:
            cmd = [py, "-m", "benchmarks.bench_run", "--bare", url, str(suite), "--style", style]
            return child_cpu(cmd, REPO)

        return one

    def run(*extra: str, code: Path = REPO) -> Any:
        def one(suite: Path) -> tuple[float, float]:
            cmd = [py, "-m", "evalkit", "run", str(suite), "--config", str(config), "-t", "bench"]
            cmd += ["--out", str(work / "results"), "--no-progress", *extra]
            return child_cpu(cmd, work, code)

        return one

    sides = {
        "bare loop": bare("lines"),
        "hot path (--no-report)": run("--no-report"),
        "whole run": run(),
        "bare loop, iter_any": bare("chunks"),
    }
    if before is not None:
        sides["hot path, before"] = run("--no-report", code=before)
        sides["whole run, before"] = run(code=before)
    return sides


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=600)
    ap.add_argument("--large", type=int, default=3000)
    ap.add_argument("--tokens", type=int, default=64, help="content chunks per answer")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="cProfile the hot path at --large")
    ap.add_argument(
        "--before", type=Path, metavar="CHECKOUT", help="also time evalkit run from this checkout"
    )
    ap.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions under valgrind instead of CPU time (slow; load-proof)",
    )
    ap.add_argument("--bare", nargs=2, metavar=("URL", "SUITE"), help=argparse.SUPPRESS)
    ap.add_argument("--style", default="lines", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare:
        asyncio.run(bare_loop(args.bare[0], Path(args.bare[1]), CONCURRENCY, args.style))
        return 0

    global COUNT_INSTRUCTIONS
    COUNT_INSTRUCTIONS = args.instructions
    unit = "instructions" if args.instructions else "CPU time"
    work = Path(tempfile.mkdtemp(prefix="evalkit-benchrun-"))
    suites = {n: work / f"suite-{n}.jsonl" for n in (args.small, args.large)}
    for n, path in suites.items():
        write_suite(path, n, args.tokens)
    port = free_port()
    sim = start_sim(suites[args.large], port)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        sides = clients(url, work, args.before)
        if args.profile:
            return profile(url, work, suites[args.large])
        for one in sides.values() if not args.instructions else ():
            one(suites[args.small])  # warm the file cache and the simulator
        marginal: dict[str, list[float]] = {name: [] for name in sides}
        base: dict[str, list[float]] = {name: [] for name in sides}
        names = list(sides)
        print(
            f"load average {os.getloadavg()[0]:.2f}; {args.large} - {args.small} requests, "
            f"{args.tokens} chunks each, concurrency {CONCURRENCY}, {args.rounds} rounds, in {unit}"
        )
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                small, _ = sides[name](suites[args.small])
                large, _ = sides[name](suites[args.large])
                per = (large - small) / (args.large - args.small) * 1000
                marginal[name].append(per)
                base[name].append(small)
            ratios = "  ".join(
                f"{n}: {marginal[n][-1]:.3f} ({marginal[n][-1] / marginal[names[0]][-1]:.2f}x)"
                for n in names
            )
            print(f"  round {r + 1}: {ratios}")
    finally:
        sim.terminate()
        sim.wait()
    per = "M instr./req" if args.instructions else "CPU ms/req"
    print(f"{'client':<24}{'marginal ' + per:>20}{'ratio':>8}{'at small':>14}")
    bare = statistics.median(marginal[names[0]])
    verdict = 0
    budgets = {"hot path (--no-report)": 1.2, "whole run": 1.5}
    for name in names:
        budget = budgets.get(name)
        med = statistics.median(marginal[name])
        ratio = med / bare
        spread = ", ".join(
            f"{x / y:.2f}" for x, y in zip(marginal[name], marginal[names[0]], strict=True)
        )
        note = "" if budget is None else f"  (budget {budget}x; rounds {spread})"
        small = f"{statistics.median(base[name]):.2f}{'G' if args.instructions else 's'}"
        print(f"{name:<24}{med:>20.3f}{ratio:>7.2f}x{small:>14}{note}")
        if budget is not None and ratio > budget:
            verdict = 1
    print(f"load average {os.getloadavg()[0]:.2f}")
    return verdict


def profile(url: str, work: Path, suite: Path) -> int:
    """Run the hot path in this process under cProfile and print where its time goes."""
    import cProfile
    import pstats

    import evalkit

    config = work / "evalkit.toml"
    prof = cProfile.Profile()
    prof.enable()
    evalkit.run(
        [str(suite)],
        ["bench"],
        config=config,
        out=work / "prof",
        report=False,
        progress=False,
        echo=None,
    )
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
