"""1,000 concurrent streams: how late does the client's event loop get?

The paced endpoint (``benchmarks/paced_endpoint.py``, its own process)
answers with a 200 ms TTFT and then a token every ``--gap`` seconds, so that
``--concurrency`` streams stay open at once. Two clients hold them:

- ``evalkit bench`` at that concurrency (the level's ``client_load`` from
  bench.json: the event-loop lag of the measured part, warm-up excluded);
- ``evalkit run`` of a suite of ``2 x concurrency`` samples against the same
  endpoint with ``max_concurrency`` = concurrency, graded and recorded
  (``client_load`` of run.json: the whole execution).

The budget: no event-loop stall above 50 ms (the largest lateness of a
10 ms wake-up probe, ``evalkit.clientload``).

    .venv/bin/python -m benchmarks.bench_streams
    .venv/bin/python -m benchmarks.bench_streams --concurrency 500 --gap 0.1
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from benchmarks import paced_endpoint
from evalkit.bench import bench, read_bench
from evalkit.config import parse_config
from evalkit.runfolder import read_manifest

BUDGET_MS = 50.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--concurrency", "-c", type=int, default=1000)
    ap.add_argument("--gap", type=float, default=0.2, help="seconds between tokens")
    ap.add_argument("--tokens", type=int, default=16)
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="evalkit-streams-"))
    proc, url = paced_endpoint.start(0.2, args.gap, args.tokens)
    c = args.concurrency
    rows = []
    try:
        config = parse_config(
            {
                "targets": {
                    "paced": {
                        "base_url": url,
                        "model": paced_endpoint.MODEL,
                        "max_concurrency": c,
                        "timeout_s": 120,
                    }
                }
            },
            "bench",
        )
        print(f"load average {os.getloadavg()[0]:.2f}; {c} streams of {args.tokens} tokens")
        result = bench(
            targets=["paced"],
            concurrency=str(c),
            requests=2 * c,
            out=out,
            config=config,
            echo=None,
            report=False,
        )
        (entry,) = read_bench(result.run_dir)["levels"]
        rows.append(("evalkit bench", entry["completed"], entry["client_load"]))

        suite = out / "streams.jsonl"
        with suite.open("w") as fh:
            for i in range(2 * c):
                expected = "".join(f" tok{k}" for k in range(args.tokens))
                line = {"id": f"s{i}", "prompt": f"stream {i}", "expected": expected}
                fh.write(json.dumps({**line, "grader": "exact"}) + "\n")
        import evalkit

        run = evalkit.run(
            [str(suite)],
            ["paced"],
            config=config,
            out=out / "runs",
            progress=False,
            echo=None,
            report=False,
        )
        load = read_manifest(run.run_dir).client_load
        assert load is not None
        rows.append(("evalkit run", run.written, load.to_json()))
    finally:
        proc.terminate()
        proc.join()
    print(f"{'client':<15}{'requests':>9}{'CPU':>7}{'lag p50':>9}{'p99':>7}{'max':>7}{'stalls':>8}")
    worst = 0.0
    for name, n, load in rows:
        worst = max(worst, load["lag_max_ms"])
        print(
            f"{name:<15}{n:>9}{load['busiest_cores']:>7.0%}{load['lag_p50_ms']:>9.1f}"
            f"{load['lag_p99_ms']:>7.1f}{load['lag_max_ms']:>7.1f}{load['stalls']:>8}"
        )
    print(
        f"largest event-loop stall {worst:.1f} ms (budget {BUDGET_MS:.0f} ms); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    return 0 if worst <= BUDGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
