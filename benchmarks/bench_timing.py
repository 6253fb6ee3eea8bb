"""Timing truth: does evalkit report the endpoint's latency, or its own?

Three measurements (``--part``, default all):

``endpoint``: a streaming endpoint in its own process with a true 200 ms TTFT
and 20 ms gaps (``benchmarks/paced_endpoint.py``). ``evalkit bench`` at
concurrency 1 and 16 must read a median TTFT within 10 ms of 200 and a median
gap (ITL) within 2 ms of 20. At concurrency 256 the endpoint itself is late on
2 cores, so ``evalkit bench`` is compared with a bare single-process aiohttp
loop against the same endpoint in alternating slices (A B B A ...): within
5 ms (TTFT) and 2 ms (gap) of it. The endpoint's own medians (what it wrote,
when) are printed beside them.

``sim``: ``evalkit bench --target sim`` (the simulator in its own process,
jitter 0) at concurrency 1, 16 and 64 against the configured latency: TTFT =
``ttft_s`` + prompt tokens / 50,000, gap = 1 / ``tokens_per_s``.

``run``: ``evalkit run`` of the shipped suites on the simulator at
concurrency 64 (jitter 0): each record's TTFT against its configured TTFT
(median of the differences within 5 ms).

    .venv/bin/python -m benchmarks.bench_timing                 # all three
    .venv/bin/python -m benchmarks.bench_timing --part endpoint --slices 6
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import paced_endpoint
from evalkit.bench import bench, read_bench
from evalkit.config import parse_config
from evalkit.sim.latency import PREFILL_TOKENS_PER_S

REPO = Path(__file__).resolve().parent.parent
TTFT, GAP, TOKENS = 0.2, 0.02, 16


async def bare_loop(url: str, n: int, concurrency: int) -> tuple[list[float], list[float]]:
    """The least a streaming client can do, timing the first content chunk and the gaps.

    Like ``evalkit bench``, it first sends one unmeasured request per slot on
    the same connection pool, so that no measured request opens a connection.
    """
    body = {
        "model": paced_endpoint.MODEL,
        "messages": [{"role": "user", "content": "go"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    ttfts: list[float] = []
    gaps: list[float] = []
    left = concurrency + n
    conn = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=conn) as session:

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                if left >= n:  # a warm-up request: a connection per slot, not measured
                    async with session.post(url + "/chat/completions", json=body) as resp:
                        await resp.read()
                    continue
                t0 = time.perf_counter()
                last = None
                buf = b""
                async with session.post(url + "/chat/completions", json=body) as resp:
                    async for data in resp.content.iter_any():
                        now = time.perf_counter()
                        lines = (buf + data).split(b"\n")
                        buf = lines.pop()
                        for line in lines:
                            if not line.startswith(b"data: {"):
                                continue
                            choices = json.loads(line[6:])["choices"]
                            if choices and choices[0]["delta"].get("content"):
                                if last is None:
                                    ttfts.append(now - t0)
                                else:
                                    gaps.append(now - last)
                                last = now

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ttfts, gaps


def endpoint_stats(url: str, reset: bool = True) -> dict[str, Any]:
    root = url.removesuffix("/v1")
    with urllib.request.urlopen(f"{root}/stats{'?reset=1' if reset else ''}") as resp:
        data: dict[str, Any] = json.load(resp)
    return data


def evalkit_bench(
    config: Any, target: str, out: Path, concurrency: int, n: int, **kw: Any
) -> dict[str, Any]:
    result = bench(
        targets=[target],
        concurrency=str(concurrency),
        requests=n,
        out=out,
        config=config,
        echo=None,
        report=False,
        **kw,
    )
    entry: dict[str, Any] = read_bench(result.run_dir)["levels"][0]
    return entry


def part_endpoint(args: argparse.Namespace, out: Path) -> list[str]:
    proc, url = paced_endpoint.start(TTFT, GAP, TOKENS)
    failures = []
    try:
        config = parse_config(
            {
                "targets": {
                    "paced": {
                        "base_url": url,
                        "model": paced_endpoint.MODEL,
                        "max_concurrency": 256,
                    }
                }
            },
            "bench",
        )
        print(f"endpoint: true TTFT {TTFT * 1000:.0f} ms, gap {GAP * 1000:.0f} ms, {TOKENS} tokens")
        head = f"{'concurrency':>11} {'who':<14}{'TTFT p50':>10}{'gap p50':>9}"
        print(f"{head}{'endpoint TTFT':>15}{'gap':>7}")
        for c in (1, 16):
            endpoint_stats(url)
            t, g = asyncio.run(bare_loop(url, args.requests_low, c))
            s = endpoint_stats(url)
            print(
                f"{c:>11} {'bare loop':<14}{statistics.median(t) * 1000:>10.1f}"
                f"{statistics.median(g) * 1000:>9.2f}"
                f"{s['ttft']['median_ms']:>15.1f}{s['gap']['median_ms']:>7.2f}"
            )
            e = evalkit_bench(config, "paced", out, c, args.requests_low)
            s = endpoint_stats(url)
            ttft, gap = e["median_ttft_ms"], e["median_itl_ms"]
            print(
                f"{c:>11} {'evalkit bench':<14}{ttft:>10.1f}{gap:>9.2f}"
                f"{s['ttft']['median_ms']:>15.1f}{s['gap']['median_ms']:>7.2f}"
            )
            if abs(ttft - TTFT * 1000) > 10 or abs(gap - GAP * 1000) > 2:
                failures.append(f"c={c}: TTFT {ttft:.1f} ms, gap {gap:.2f} ms")
        ours: dict[str, list[float]] = {"ttft": [], "gap": []}
        bare: dict[str, list[float]] = {"ttft": [], "gap": []}
        server: dict[str, list[float]] = {"ours": [], "bare": []}
        for k in range(args.slices):
            for side in ("bare", "ours") if k % 2 == 0 else ("ours", "bare"):
                endpoint_stats(url)
                if side == "bare":
                    t, g = asyncio.run(bare_loop(url, args.requests_high, 256))
                    bare["ttft"].append(statistics.median(t) * 1000)
                    bare["gap"].append(statistics.median(g) * 1000)
                else:
                    e = evalkit_bench(config, "paced", out, 256, args.requests_high)
                    ours["ttft"].append(e["median_ttft_ms"])
                    ours["gap"].append(e["median_itl_ms"])
                server[side].append(endpoint_stats(url)["ttft"]["median_ms"])
        for who, got in (("bare loop", bare), ("evalkit bench", ours)):
            key = "bare" if who == "bare loop" else "ours"
            print(
                f"{256:>11} {who:<14}{statistics.median(got['ttft']):>10.1f}"
                f"{statistics.median(got['gap']):>9.2f}{statistics.median(server[key]):>15.1f}"
                f"   slices: TTFT {', '.join(f'{x:.0f}' for x in got['ttft'])}"
            )
        dt = statistics.median(ours["ttft"]) - statistics.median(bare["ttft"])
        dg = statistics.median(ours["gap"]) - statistics.median(bare["gap"])
        print(f"c=256: evalkit - bare: TTFT {dt:+.1f} ms (budget 5), gap {dg:+.2f} ms (budget 2)")
        if abs(dt) > 5 or abs(dg) > 2:
            failures.append(f"c=256: TTFT {dt:+.1f} ms, gap {dg:+.2f} ms from the bare loop")
    finally:
        proc.terminate()
        proc.join()
    return failures


def sim_config(ttft: float, tps: float, concurrency: int) -> Any:
    sim = {"ttft_s": ttft, "tokens_per_s": tps, "jitter": 0.0, "seed": 1}
    return parse_config({"targets": {"sim": {"sim": sim, "max_concurrency": concurrency}}}, "bench")


def part_sim(args: argparse.Namespace, out: Path) -> list[str]:
    failures = []
    ttft, tps, prompt = 0.05, 100.0, 256
    print(
        f"\nevalkit bench --target sim: configured TTFT {ttft * 1000:.0f} ms + prompt/50k, "
        f"{tps:g} tokens/s (gap {1000 / tps:.0f} ms), jitter 0"
    )
    print(f"{'concurrency':>11}{'TTFT p50':>10}{'configured':>12}{'gap p50':>9}{'configured':>12}")
    for c in (1, 16, 64):
        e = evalkit_bench(
            sim_config(ttft, tps, 256),
            "sim",
            out,
            c,
            max(64, 4 * c),
            input_tokens=prompt,
            output_tokens=16,
        )
        mean_prompt = e["total_input_tokens"] / max(1, e["completed"])
        want = (ttft + mean_prompt / PREFILL_TOKENS_PER_S) * 1000
        print(
            f"{c:>11}{e['median_ttft_ms']:>10.1f}{want:>12.1f}"
            f"{e['median_itl_ms']:>9.2f}{1000 / tps:>12.2f}"
        )
        if abs(e["median_ttft_ms"] - want) > 5 or abs(e["median_itl_ms"] - 1000 / tps) > 2:
            failures.append(f"sim c={c}: TTFT {e['median_ttft_ms']:.1f} ms against {want:.1f}")
    return failures


def part_run(args: argparse.Namespace, out: Path) -> list[str]:
    import evalkit

    toml = out / "evalkit.toml"
    toml.write_text(
        "[targets.sim]\nmax_concurrency = 64\n"
        "sim = { seed = 1, jitter = 0.0 }\n"  # ttft_s 0.02, 400 tokens/s: the defaults
    )
    suites = [str(REPO / "suites" / s) for s in ("chat", "vision", "tools", "json", "needle")]
    figures = []
    for _ in range(args.runs):
        done = subprocess.run(
            [
                *(sys.executable, "-m", "evalkit", "run", *suites, "--config", str(toml)),
                *("--out", str(out / "runs"), "--no-report", "--no-progress"),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            check=False,
        )
        run_dir = sorted((out / "runs").iterdir())[-1]
        df = evalkit.load_run(run_dir)
        ok = df[df["status"] == "ok"]
        want = 0.02 + ok["prompt_tokens"] / PREFILL_TOKENS_PER_S
        diff = (ok["ttft_s"] - want) * 1000
        warn = [line for line in done.stderr.splitlines() if "warning" in line]
        figures.append((float(diff.median()), float(diff.quantile(0.9)), len(ok), warn))
    print("\nevalkit run (shipped suites, sim at concurrency 64, jitter 0): TTFT - configured")
    for med, p90, n, warn in figures:
        print(f"  median {med:+.1f} ms, p90 {p90:+.1f} ms over {n} records {'; '.join(warn)}")
    return [f"run: median TTFT {m:+.1f} ms off" for m, _, _, _ in figures if abs(m) > 5]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["endpoint", "sim", "run", "all"], default="all")
    ap.add_argument("--slices", type=int, default=4, help="alternations at concurrency 256")
    ap.add_argument("--requests-low", type=int, default=48, help="requests at c=1 and 16")
    ap.add_argument("--requests-high", type=int, default=768, help="requests per slice at c=256")
    ap.add_argument("--runs", type=int, default=3, help="evalkit runs in the 'run' part")
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="evalkit-timing-"))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    failures = []
    if args.part in ("endpoint", "all"):
        failures += part_endpoint(args, out)
    if args.part in ("sim", "all"):
        failures += part_sim(args, out)
    if args.part in ("run", "all"):
        failures += part_run(args, out)
    print(f"load average {os.getloadavg()[0]:.2f}")
    for f in failures:
        print(f"OVER BUDGET: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
