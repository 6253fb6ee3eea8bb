"""Scale budget: a 100,000-sample run at concurrency 256 in under 500 MB, report included.

Writes a suite of N short arithmetic questions (exact grader) and a config
with one simulated target answering at once (``ttft_s = 0``,
``tokens_per_s = 0``, ``max_concurrency`` = the concurrency), then:

1. ``evalkit run`` of the whole suite, report.html, junit.xml and
   summary.md included, in a fresh process: its wall time, CPU time and
   peak RSS (the kernel's rusage of that process);
2. ``evalkit report`` of the finished run, again in a fresh process (the
   report alone: what a re-render costs);
3. the sizes of report.html and junit.xml;
4. with Chromium, report.html opened ``--loads`` times over the DevTools
   protocol (``tests/report/cdp.py``): first contentful paint, the load
   event, the table's first render (inflating the rows and drawing the
   first 100), a filter over every row and the first row opened.

Budgets (the script exits 1 when one is missed): peak RSS under 500 MB for
the run and for the report, report.html under 30 MB, and a page that
renders its table (the browser part is skipped without Chromium).

    .venv/bin/python -m benchmarks.bench_scale                 # 100,000 samples, concurrency 256
    .venv/bin/python -m benchmarks.bench_scale -n 20000 --loads 1
    .venv/bin/python -m benchmarks.bench_scale --fake  # a synthetic run, no requests

``--fake`` skips the run: tests/support/fakerun.py writes N/6 samples x 3 suites x
2 targets of synthetic records, and only the report is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_report import (
    REPO,
    browser_timings,
    run_measured,
    spread,
)

sys.path.insert(0, str(REPO / "tests"))  # support.fakerun
sys.path.insert(0, str(REPO / "tests" / "report"))  # cdp

from cdp import CHROMIUM
from support.fakerun import make_run

BUDGET_RSS_MB = 500.0
BUDGET_PAGE_MB = 30.0
CONFIG = """[targets.bench]
simulated = true
model = "evalkit-sim/bench"
max_concurrency = {concurrency}
sim = {{ skill = 0.8, seed = 3, ttft_s = 0, tokens_per_s = 0 }}
"""


class RssWatch:
    """Samples a process's resident memory, apart while its run is running and after."""

    def __init__(self, run_json: Path) -> None:
        self.run_json = run_json
        self.peak = {"requests": 0.0, "outputs": 0.0}

    def __call__(self, pid: int) -> None:
        status = Path(f"/proc/{pid}/status")
        while True:
            try:
                line = next(x for x in status.read_text().splitlines() if x.startswith("VmRSS"))
                phase = "outputs" if self._finished() else "requests"
            except (OSError, StopIteration):
                return  # the process is gone
            mb = int(line.split()[1]) / 1024
            self.peak[phase] = max(self.peak[phase], mb)
            time.sleep(0.2)

    def _finished(self) -> bool:
        """Whether run.json says the requests are over (the outputs are written after)."""
        try:
            return json.loads(self.run_json.read_text("utf-8")).get("status") != "running"
        except (OSError, ValueError):
            return False


def write_suite(path: Path, n: int) -> Path:
    """N arithmetic questions, one JSON line each, graded exactly."""
    rng = random.Random(0)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            a, b = rng.randint(1, 9999), rng.randint(1, 9999)
            sample = {
                "id": f"q{i}",
                "prompt": f"What is {a} + {b}? Answer with the number only.",
                "expected": str(a + b),
                "grader": "exact",
            }
            fh.write(json.dumps(sample) + "\n")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--samples", type=int, default=100_000, help="samples in the suite")
    parser.add_argument("-c", "--concurrency", type=int, default=256)
    parser.add_argument("--fake", action="store_true", help="measure the report of a fake run")
    parser.add_argument("--loads", type=int, default=2, help="page loads in the browser")
    parser.add_argument("--rounds", type=int, default=3, help="filter rounds per page load")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    parser.add_argument("--keep", type=Path, help="keep the results folder here")
    args = parser.parse_args()
    evalkit_cli = str(Path(sys.executable).with_name("evalkit"))
    ok = True

    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        out = work / "results"
        if args.fake:
            run = make_run(out / "scale", n_samples=max(args.samples // 6, 1))
            print(f"fake run           {run} (tests/support/fakerun.py)")
        else:
            suite = write_suite(work / "suite.jsonl", args.samples)
            config = work / "evalkit.toml"
            config.write_text(CONFIG.format(concurrency=args.concurrency), encoding="utf-8")
            cmd = [evalkit_cli, "run", str(suite), "--config", str(config), "--target", "bench"]
            cmd += ["--out", str(out), "--run-id", "scale", "--no-progress"]
            run = out / "scale"
            watch = RssWatch(run / "run.json")
            res = run_measured(cmd, REPO, watch)
            print(f"evalkit run        {args.samples:,} samples, concurrency {args.concurrency}")
            print(f"  wall             {res['wall']:8.1f} s")
            print(f"  CPU              {res['cpu']:8.1f} s")
            print(f"  peak RSS         {res['rss_mb']:8.0f} MB  (budget {BUDGET_RSS_MB:.0f} MB)")
            print(f"    during requests  {watch.peak['requests']:6.0f} MB  (sampled every 0.2 s)")
            print(f"    writing outputs  {watch.peak['outputs']:6.0f} MB")
            ok = ok and res["rss_mb"] < BUDGET_RSS_MB
        records = sum(1 for _ in (run / "records.jsonl").open("rb"))
        rep = run_measured([evalkit_cli, "report", str(run)], REPO)
        print(f"evalkit report     {records:,} records, a fresh process")
        print(f"  wall             {rep['wall']:8.1f} s")
        print(f"  CPU              {rep['cpu']:8.1f} s")
        print(f"  peak RSS         {rep['rss_mb']:8.0f} MB  (budget {BUDGET_RSS_MB:.0f} MB)")
        ok = ok and rep["rss_mb"] < BUDGET_RSS_MB
        page = run / "report.html"
        size = page.stat().st_size / 1e6
        print(f"records.jsonl      {(run / 'records.jsonl').stat().st_size / 1e6:8.1f} MB")
        print(f"report.html        {size:8.1f} MB  (budget {BUDGET_PAGE_MB:.0f} MB)")
        print(f"junit.xml          {(run / 'junit.xml').stat().st_size / 1e6:8.1f} MB")
        ok = ok and size < BUDGET_PAGE_MB

        if args.no_browser:
            print("browser: skipped (--no-browser)")
        elif not Path(CHROMIUM).exists():
            print(f"browser: chromium not found at {CHROMIUM} (set EVALKIT_CHROMIUM); not measured")
        else:
            profile = work / "profile"
            profile.mkdir(exist_ok=True)
            b = asyncio.run(browser_timings(page, profile, args.loads, args.rounds))
            print(f"browser, {args.loads} page loads of {b['all']}")
            print(f"  first paint      {spread(b['fcp'])}  (first contentful paint)")
            print(f"  load event       {spread(b['load'])}  (navigation start to load end)")
            print(f"  table render     {spread(b['render'])}  (script start to 100 rows drawn)")
            print(f"  filter: errors   {spread(b['filter'])}")
            print(f"  filter: cleared  {spread(b['clear'])}")
            print(f"  first row open   {spread(b['open_row'])}  (inflates its transcripts)")
            ok = ok and statistics.median(b["render"]) > 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
