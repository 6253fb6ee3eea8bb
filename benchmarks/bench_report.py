"""Report rendering budget: report.html of a 10,000-record run in under 10 s, usable at once.

Builds a synthetic run with tests/fakerun.py (3 suites x N samples x 2
targets), renders its report.html in a fresh interpreter and prints the time
of each step and the file size. With Chromium available it then opens the
page in headless Chromium over the DevTools protocol (the helpers of
tests/report/test_browser.py) ``--loads`` times and reads what the page
measures for itself: the load event, the first table render (parsing the
rows' JSON block and rendering the first page of them, ``__evalkitRenderMs``),
the result filter over all rows (change event to the updated table, layout
included) and the first row opened (which parses the transcripts).

    .venv/bin/python -m benchmarks.bench_report            # 1,667 samples -> 10,002 records
    .venv/bin/python -m benchmarks.bench_report -n 5000    # 30,000 records
    .venv/bin/python -m benchmarks.bench_report --no-browser
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # fakerun
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "report"))  # CDP helpers

from fakerun import make_run
from test_browser import CHROMIUM, launch_chromium, open_tab

BUDGET_S = 10.0
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
OPEN_ROW_JS = """(() => {
  const t = performance.now();
  document.querySelector('#ek-tbody tr.row').click();
  void document.body.offsetHeight;
  return [performance.now() - t, !!document.querySelector('#ek-tbody tr.detail')];
})()"""
LOAD_JS = "performance.getEntriesByType('navigation')[0].loadEventEnd"


async def browser_timings(page: Path, profile: Path, loads: int, rounds: int) -> dict[str, Any]:
    """Open ``page`` ``loads`` times in headless Chromium; the page's own timings in ms."""
    out: dict[str, Any] = {"load": [], "render": [], "open_row": [], "filter": [], "clear": []}
    with launch_chromium(profile) as port:
        for _ in range(loads):
            async with open_tab(port) as tab:
                await tab.open(page)
                out["load"].append(await tab.js(LOAD_JS))
                out["render"].append(await tab.js("window.__evalkitRenderMs"))
                out["all"] = await tab.js("document.getElementById('ek-count').textContent")
                for _ in range(rounds):
                    ms, out["errors"] = await tab.js(FILTER_JS % json.dumps("error"))
                    out["filter"].append(ms)
                    ms, _count = await tab.js(FILTER_JS % json.dumps(""))
                    out["clear"].append(ms)
                ms, opened = await tab.js(OPEN_ROW_JS)
                assert opened, "the first row did not open"
                out["open_row"].append(ms)
                assert tab.errors() == [], tab.errors()
    return out


def _spread(values: list[float]) -> str:
    return (
        f"{statistics.median(values):7.0f} ms  (min {min(values):.0f}, max {max(values):.0f},"
        f" n={len(values)})"
    )


# Run in a fresh interpreter so that the imports (pandas, matplotlib, jinja2) are
# paid as `evalkit report` pays them.
RENDER = """
import json, sys, time
t0 = time.perf_counter()
from evalkit.metrics import load_run
from evalkit.report.html import write_report
t1 = time.perf_counter()
df = load_run(sys.argv[1])
t2 = time.perf_counter()
page = write_report(df.attrs["run_dir"], df=df)
t3 = time.perf_counter()
print(json.dumps({"records": len(df), "imports": t1 - t0, "load_run": t2 - t1,
                  "write_report": t3 - t2, "page": str(page)}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--samples", type=int, default=1667, help="samples per suite")
    parser.add_argument("--keep", type=Path, help="copy report.html here")
    parser.add_argument("--loads", type=int, default=3, help="page loads in the browser")
    parser.add_argument("--rounds", type=int, default=5, help="filter rounds per page load")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parent.parent

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run = make_run(Path(tmp) / "bench-run", n_samples=args.samples)
        made = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", RENDER, str(run)],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        wall = time.perf_counter() - t0
        res = json.loads(out.strip().splitlines()[-1])
        page = Path(res["page"])
        total = res["imports"] + res["load_run"] + res["write_report"]
        ok = total < BUDGET_S

        print(f"records            {res['records']:,}")
        print(f"fake run written   {made:6.2f} s (not counted)")
        print(f"imports            {res['imports']:6.2f} s")
        print(f"load_run           {res['load_run']:6.2f} s")
        print(f"write_report       {res['write_report']:6.2f} s")
        print(f"total              {total:6.2f} s  (budget {BUDGET_S:.0f} s)")
        print(f"process wall       {wall:6.2f} s (interpreter start-up included)")
        print(f"report.html        {page.stat().st_size / 1e6:6.2f} MB")

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
            print(f"  load event       {_spread(b['load'])}  (navigation start to load end)")
            print(f"  first render     {_spread(b['render'])}  (budget {BUDGET_RENDER_MS:.0f} ms)")
            print(f"  filter: errors   {_spread(b['filter'])}  (budget {BUDGET_FILTER_MS:.0f} ms)")
            print(f"  filter: cleared  {_spread(b['clear'])}  (back to all rows)")
            print(f"  first row open   {_spread(b['open_row'])}  (parses the transcripts)")
            print(f"  error filter     shows {b['errors']}")
            ok = ok and render < BUDGET_RENDER_MS and flt < BUDGET_FILTER_MS
        if args.keep:
            shutil.copyfile(page, args.keep)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
