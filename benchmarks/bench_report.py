"""Report budget: ``evalkit report`` of a 10,000-record run in under 3 s, the page usable at once.

Builds a synthetic run with tests/support/fakerun.py (3 suites x N samples x 2
targets; not timed), then:

1. runs ``evalkit report RUN`` (report.html, junit.xml, summary.md and the
   terminal table, as a user runs it) ``--repeats`` times in fresh
   processes, and prints each one's wall time, CPU time (user + system, from
   the kernel's rusage of that process) and peak RSS; the budget is the
   median wall time;
2. times the steps in one more fresh interpreter: the imports, ``load_run``,
   ``write_junit``, ``write_summary_md`` and ``write_report`` (with
   ``sample_payload`` and the charts inside it timed again on their own);
3. with Chromium, opens report.html ``--loads`` times over the DevTools
   protocol (``tests/report/cdp.py``) and reads what the page measures for
   itself: first contentful paint, the load event, the table's first render
   (``__evalkitRenderMs``: inflating the rows' block and drawing the first
   100 rows), a filter over every row (change event to updated table, layout
   included) and the first row opened (inflating its transcript blocks).

    .venv/bin/python -m benchmarks.bench_report            # 1,667 samples -> 10,002 records
    .venv/bin/python -m benchmarks.bench_report -n 5000    # 30,002 records
    .venv/bin/python -m benchmarks.bench_report --no-browser --repeats 5
    .venv/bin/python -m benchmarks.bench_report --against /path/to/other/checkout --no-browser

``--against DIR`` also runs ``evalkit report`` with ``PYTHONPATH=DIR`` (another
checkout's evalkit, e.g. an older commit from ``git archive``), alternating
with this checkout run by run, so that load from elsewhere falls on both.

Needs only evalkit's own dependencies (no pytest): the browser helpers and
the fake run are plain modules under tests/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # support.fakerun
sys.path.insert(0, str(REPO / "tests" / "report"))  # cdp: the DevTools helpers

from cdp import CHROMIUM, launch_chromium, open_tab  # noqa: E402
from support.fakerun import make_run  # noqa: E402

BUDGET_S = 3.0  # evalkit report, median wall time
BUDGET_RENDER_MS = 1500.0  # the first table render, median over the page loads
BUDGET_FILTER_MS = 300.0  # one filter over every row, median over the rounds
# In-page timings: performance.now() around a synchronous handler, with a forced
# layout (offsetHeight) before the clock stops, so the figure includes it.
FILTER_JS = """((value) => {
  const s = document.getElementById('ek-f-result');
  const t = performance.now();
  s.value = value; s.dispatchEvent(new Event('change'));
  void document.body.offsetHeight;
  return [performance.now() - t, document.getElementById('ek-count').textContent];
})(%s)"""
# Opening a row inflates its blocks asynchronously: wait for the transcript's row.
OPEN_ROW_JS = """new Promise((done) => {
  const t = performance.now();
  document.querySelector('#ek-tbody tr.row').click();
  const check = () => {
    if (document.querySelector('#ek-tbody tr.detail')) {
      void document.body.offsetHeight;
      done(performance.now() - t);
    } else requestAnimationFrame(check);
  };
  check();
})"""
PAINT_JS = """(() => {
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return [fcp ? fcp.startTime : null, performance.getEntriesByType('navigation')[0].loadEventEnd,
          performance.timeOrigin];
})()"""


def run_measured(
    cmd: list[str],
    cwd: Path,
    watch: Callable[[int], None] | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, float]:
    """Run ``cmd``; its wall time, CPU time and peak RSS (from the kernel's rusage of it).

    ``watch``, if given, is called with the process id in a thread while the
    process runs (to sample its memory, say).
    """
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        if watch is not None:
            threading.Thread(target=watch, args=(proc.pid,), daemon=True).start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{cmd} exited {proc.returncode}: {err.read().decode()}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
    }


# One more fresh interpreter, timing the steps of `evalkit report` one by one.
STEPS = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from evalkit.metrics import load_run
from evalkit.report.html import write_report
from evalkit.report.junit import write_junit
from evalkit.report.markdown import write_summary_md
out = {"imports": time.perf_counter() - t0}
run = Path(sys.argv[1])
def step(name, f):
    t = time.perf_counter()
    value = f()
    out[name] = time.perf_counter() - t
    return value
df = step("load_run", lambda: load_run(run))
step("write_junit", lambda: write_junit(run, df))
step("write_summary_md", lambda: write_summary_md(run, df))
page = step("write_report", lambda: write_report(run, df=df))
from evalkit.metrics import summary_table
from evalkit.report.payload import sample_payload
from evalkit.report.plots import charts
step("  sample_payload (again)", lambda: sample_payload(df, {df.attrs["run_id"]: run}))
tables = step("  summary tables (again)", lambda: [
    summary_table(df, by=by).reset_index() for by in (("arm", "suite"), ("arm",))])
step("  charts (again)", lambda: charts(df, *tables))
out["records"] = len(df)
out["page"] = str(page)
print(json.dumps(out))
"""


async def browser_timings(page: Path, profile: Path, loads: int, rounds: int) -> dict[str, Any]:
    """Open ``page`` ``loads`` times in headless Chromium; the page's own timings in ms."""
    keys = ("fcp", "load", "render", "open_row", "filter", "clear")
    out: dict[str, Any] = {k: [] for k in keys}
    with launch_chromium(profile) as port:
        for _ in range(loads):
            async with open_tab(port) as tab:
                await tab.open(page, table=False)
                await tab.wait_for(
                    "performance.getEntriesByName('first-contentful-paint').length > 0",
                    within_s=120,
                )
                fcp, load, _origin = await tab.js(PAINT_JS)
                out["fcp"].append(fcp)
                out["load"].append(load)
                await tab.wait_for(
                    "document.documentElement.hasAttribute('data-render-ms')", within_s=120
                )
                out["render"].append(await tab.js("window.__evalkitRenderMs"))
                out["all"] = await tab.js("document.getElementById('ek-count').textContent")
                for _ in range(rounds):
                    ms, out["errors"] = await tab.js(FILTER_JS % json.dumps("error"))
                    out["filter"].append(ms)
                    ms, _count = await tab.js(FILTER_JS % json.dumps(""))
                    out["clear"].append(ms)
                out["open_row"].append(await tab.js(OPEN_ROW_JS))
                assert tab.errors() == [], tab.errors()
    return out


def spread(values: list[float], unit: str = "ms", digits: int = 0) -> str:
    """Median, min, max and count of ``values``."""
    return (
        f"{statistics.median(values):8.{digits}f} {unit}  (min {min(values):.{digits}f},"
        f" max {max(values):.{digits}f}, n={len(values)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--samples", type=int, default=1667, help="samples per suite")
    parser.add_argument("--repeats", type=int, default=3, help="`evalkit report` runs")
    parser.add_argument("--keep", type=Path, help="copy report.html here")
    parser.add_argument("--loads", type=int, default=3, help="page loads in the browser")
    parser.add_argument("--rounds", type=int, default=5, help="filter rounds per page load")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    parser.add_argument("--against", type=Path, help="another checkout to time alternately")
    args = parser.parse_args()
    evalkit_cli = str(Path(sys.executable).with_name("evalkit"))
    here = {**os.environ, "PYTHONPATH": str(REPO)}

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run = make_run(Path(tmp) / "bench-run", n_samples=args.samples)
        made = time.perf_counter() - t0
        cmd = [evalkit_cli, "report", str(run)]
        runs, other = [], []
        for _ in range(args.repeats):
            runs.append(run_measured(cmd, REPO, env=here))
            if args.against:
                there = {**os.environ, "PYTHONPATH": str(args.against)}
                other.append(run_measured(cmd, REPO, env=there))
        out = subprocess.run(
            [sys.executable, "-c", STEPS, str(run)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        steps = json.loads(out.strip().splitlines()[-1])
        page = Path(steps.pop("page"))
        records = steps.pop("records")
        wall = statistics.median(r["wall"] for r in runs)
        ok = wall < BUDGET_S

        print(f"records            {records:,}")
        print(f"fake run written   {made:6.2f} s (not counted)")
        print(f"evalkit report     x{args.repeats}, each a fresh process")
        print(f"  wall             {spread([r['wall'] for r in runs], 's', 2)}")
        print(f"  CPU              {spread([r['cpu'] for r in runs], 's', 2)}")
        print(f"  peak RSS         {spread([r['rss_mb'] for r in runs], 'MB')}")
        print(f"  budget           median wall {wall:.2f} s of {BUDGET_S:.0f} s")
        if other:
            print(f"evalkit report of {args.against}, alternating with the above")
            print(f"  wall             {spread([r['wall'] for r in other], 's', 2)}")
            print(f"  CPU              {spread([r['cpu'] for r in other], 's', 2)}")
            print(f"  peak RSS         {spread([r['rss_mb'] for r in other], 'MB')}")
        print("steps (one fresh interpreter)")
        for name, seconds in steps.items():
            print(f"  {name:<26} {seconds:6.2f} s")
        print(f"report.html        {page.stat().st_size / 1e6:6.2f} MB")
        print(f"junit.xml          {(run / 'junit.xml').stat().st_size / 1e6:6.2f} MB")

        if args.no_browser:
            print("browser: skipped (--no-browser)")
        elif not Path(CHROMIUM).exists():
            print(f"browser: chromium not found at {CHROMIUM} (set EVALKIT_CHROMIUM); not measured")
        else:
            profile = Path(tmp) / "profile"
            profile.mkdir()
            b = asyncio.run(browser_timings(page, profile, args.loads, args.rounds))
            render, flt = statistics.median(b["render"]), statistics.median(b["filter"])
            print(f"browser, {args.loads} page loads of {b['all']}")
            print(f"  first paint      {spread(b['fcp'])}  (first contentful paint)")
            print(f"  load event       {spread(b['load'])}  (navigation start to load end)")
            print(f"  table render     {spread(b['render'])}  (budget {BUDGET_RENDER_MS:.0f} ms)")
            print(f"  filter: errors   {spread(b['filter'])}  (budget {BUDGET_FILTER_MS:.0f} ms)")
            print(f"  filter: cleared  {spread(b['clear'])}  (back to all rows)")
            print(f"  first row open   {spread(b['open_row'])}  (inflates its transcripts)")
            print(f"  error filter     shows {b['errors']}")
            ok = ok and render < BUDGET_RENDER_MS and flt < BUDGET_FILTER_MS
        if args.keep:
            shutil.copyfile(page, args.keep)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
