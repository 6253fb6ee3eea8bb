"""Metrics loading budget: ``evalkit.load_run`` of a 10,000-record run in under 2 s.

Builds a synthetic run with tests/support/fakerun.py (3 suites x N samples x 2
targets; not timed). A fresh interpreter then imports evalkit, calls
``evalkit.load_run`` once cold (that first call imports pandas and the fast
JSON parser) and ``--repeats`` times warm, and times ``summary_table`` by
arm x suite and by arm (the two tables the report shows) as often. Prints
the minimum, median and maximum of each, and the process's peak RSS after
the imports and after the cold call (``ru_maxrss``: the imports, the file
read and the frame). The budget applies to the median warm ``load_run``;
the script exits 1 above it. ``--against DIR`` measures another checkout
(``git archive <commit> | tar -x -C DIR``) on the same run folder right after.

    .venv/bin/python -m benchmarks.bench_metrics            # 1,667 samples -> 10,002 records
    .venv/bin/python -m benchmarks.bench_metrics -n 5000    # 30,000 records
    .venv/bin/python -m benchmarks.bench_metrics --repeats 10
    .venv/bin/python -m benchmarks.bench_metrics --against /tmp/old
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # support.fakerun

from support.fakerun import make_run

BUDGET_S = 2.0

# Run in a fresh interpreter so that the cold call pays the imports as `evalkit report` does.
MEASURE = """
import json, resource, sys, time
run, repeats = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter()
import evalkit
from evalkit.metrics import summary_table
import pandas  # the RSS of the imports includes what load_run imports on first use
t1 = time.perf_counter()
rss_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
df = evalkit.load_run(run)
t2 = time.perf_counter()
out = {"records": len(df), "columns": len(df.columns), "import": t1 - t0, "cold": t2 - t1,
       "rss imports": rss_imports * 1024,
       "rss load": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
       "frame": int(df.memory_usage(deep=True).sum()),
       "load_run": [], "summary arm x suite": [], "summary arm": []}
for _ in range(repeats):
    t = time.perf_counter()
    df = evalkit.load_run(run)
    out["load_run"].append(time.perf_counter() - t)
for key, by in (("summary arm x suite", ("arm", "suite")), ("summary arm", ("arm",))):
    for _ in range(repeats):
        t = time.perf_counter()
        table = summary_table(df, by=by)
        out[key].append(time.perf_counter() - t)
    out[key + " rows"] = len(table)
print(json.dumps(out))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--samples", type=int, default=1667, help="samples per suite")
    parser.add_argument("--repeats", type=int, default=5, help="warm calls of each step")
    parser.add_argument("--against", type=Path, help="another checkout to measure after this one")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parent.parent

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run = make_run(Path(tmp) / "bench-run", n_samples=args.samples)
        made = time.perf_counter() - t0
        size = (run / "records.jsonl").stat().st_size
        res = _measure(repo, run, args.repeats)
        other = _measure(args.against, run, args.repeats) if args.against else None

    print(f"records            {res['records']:,} ({res['columns']} columns)")
    print(f"records.jsonl      {size / 1e6:6.2f} MB")
    print(f"fake run written   {made:6.2f} s (not counted)")
    _print(res, args.repeats)
    if other is not None:
        print(f"--- {args.against}, same run folder, measured after")
        _print(other, args.repeats)
    median = statistics.median(res["load_run"])
    print(f"budget             median warm load_run {median:.3f} s of {BUDGET_S:.1f} s")
    return 0 if median < BUDGET_S else 1


def _measure(checkout: Path, run: Path, repeats: int) -> dict[str, Any]:
    """Run MEASURE in a fresh interpreter that imports evalkit from ``checkout``."""
    # ``python -c`` puts the working directory first on sys.path: it picks the checkout.
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(run), str(repeats)],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    res: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return res


def _print(res: dict[str, Any], repeats: int) -> None:
    """Print one checkout's figures."""
    print(f"import evalkit     {res['import']:6.3f} s (and pandas)")
    print(f"load_run, cold     {res['cold']:6.3f} s")
    print(f"peak RSS, imports  {res['rss imports'] / 1e6:6.0f} MB")
    frame = f"frame {res['frame'] / 1e6:.0f} MB deep"
    print(f"peak RSS, loaded   {res['rss load'] / 1e6:6.0f} MB ({frame})")
    print(f"{'warm x' + str(repeats):<22} {'min':>8} {'median':>8} {'max':>8}")
    for key in ("load_run", "summary arm x suite", "summary arm"):
        times = res[key]
        rows = f"  ({res[key + ' rows']} rows)" if key + " rows" in res else ""
        print(
            f"{key:<22} {min(times):7.3f}s {statistics.median(times):7.3f}s"
            f" {max(times):7.3f}s{rows}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
