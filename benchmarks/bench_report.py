"""Report rendering budget: report.html of a 10,000-record run in under 10 s, usable at once.

Builds a synthetic run with tests/fakerun.py (3 suites x N samples x 2
targets), renders its report.html in this process and prints the time of
each step and the file size. With Chromium available it then opens the page
headless (``--dump-dom``) and reads the time the page measured for itself
around parsing the table's rows and rendering the first page of them
(``data-render-ms`` on the root element).

    .venv/bin/python -m benchmarks.bench_report            # 1,667 samples -> 10,002 records
    .venv/bin/python -m benchmarks.bench_report -n 5000    # 30,000 records
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # fakerun

from fakerun import make_run

BUDGET_S = 10.0
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=10000",
)


def page_render_ms(page: Path, chromium: str, profile: Path) -> tuple[float | None, float]:
    """(the page's own first-render time in ms, the browser's wall time to dump the DOM)."""
    start = time.perf_counter()
    dom = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    wall = time.perf_counter() - start
    found = re.search(r'data-render-ms="([0-9.]+)"', dom)
    return (float(found.group(1)) if found else None), wall


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

        print(f"records            {res['records']:,}")
        print(f"fake run written   {made:6.2f} s (not counted)")
        print(f"imports            {res['imports']:6.2f} s")
        print(f"load_run           {res['load_run']:6.2f} s")
        print(f"write_report       {res['write_report']:6.2f} s")
        print(f"total              {total:6.2f} s  (budget {BUDGET_S:.0f} s)")
        print(f"process wall       {wall:6.2f} s (interpreter start-up included)")
        print(f"report.html        {page.stat().st_size / 1e6:6.2f} MB")

        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium:
            render_ms, browser_wall = page_render_ms(page, chromium, Path(tmp) / "profile")
            shown = "not found" if render_ms is None else f"{render_ms:.0f} ms"
            print(f"browser first render {shown} (rows parsed + first page of 100)")
            print(f"browser load + dump  {browser_wall:6.2f} s (chromium start-up included)")
        else:
            print("browser: chromium not found, page render not measured")
        if args.keep:
            shutil.copyfile(page, args.keep)
    return 0 if total < BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
