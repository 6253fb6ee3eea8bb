"""Re-grading a stored run: ``regrade`` and the whole ``evalkit grade`` on ~10,000 records.

Makes a real run first (not timed): the five shipped suites x ``--epochs``
against a zero-latency simulated target, with ``evalkit run --no-report``.
Then, each on a fresh copy of that run, ``--repeats`` calls of
``evalkit.runner.regrade.regrade`` in this process (read the snapshot and
the records typed, grade every ok record, rewrite records.jsonl) and one
``evalkit grade RUN`` in a fresh interpreter (which also re-renders
report.html, junit.xml and summary.md). Prints wall and CPU time. No budget:
the figures go in benchmarks/README.md.

    .venv/bin/python -m benchmarks.bench_grade       # 445 samples x 23 epochs: 10,235 records
    .venv/bin/python -m benchmarks.bench_grade --epochs 5 --repeats 3
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Only names that older versions have too, so that a before/after comparison can run this
# same script against another checkout: PYTHONPATH=<checkout> python -m benchmarks.bench_grade
from evalkit.config import load_config
from evalkit.runner.regrade import regrade

REPO = Path(__file__).resolve().parent.parent
SUITES = ("chat", "vision", "tools", "json", "needle")
CONFIG = """
[run]
suites = [{suites}]
targets = ["fast"]
epochs = {epochs}
out = "{out}"

[targets.fast]
simulated = true
model = "evalkit-sim/fast"
max_concurrency = 64
context_window = 128000
sim = {{ skill = 0.75, seed = 1, ttft_s = 0, tokens_per_s = 0, jitter = 0 }}
"""


def _evalkit(*args: str, cwd: Path) -> float:
    """Run the evalkit command in a fresh interpreter; its wall time in seconds."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "evalkit", *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=23)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp_name:
        tmp = Path(tmp_name)
        suites = ", ".join(f'"{REPO / "suites" / s}"' for s in SUITES)
        config_text = CONFIG.format(suites=suites, epochs=args.epochs, out=tmp / "results")
        (tmp / "evalkit.toml").write_text(config_text)
        t = time.perf_counter()
        _evalkit("run", "--run-id", "big", "--no-report", "--no-progress", cwd=tmp)
        source = tmp / "results" / "big"
        n = sum(1 for _ in (source / "records.jsonl").open("rb"))
        print(f"run made           {n:,} records in {time.perf_counter() - t:.1f} s (not counted)")

        config = load_config(tmp / "evalkit.toml")
        walls, cpus = [], []
        for _ in range(args.repeats):
            copy = tmp / "copy"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(source, copy)
            t, c = time.perf_counter(), time.process_time()
            graded = asyncio.run(regrade(copy, config))
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        print(f"regrade            {graded:,} ok records graded, x{args.repeats}")
        print(f"  wall             min {min(walls):.2f} s  median {statistics.median(walls):.2f} s")
        print(f"  CPU              min {min(cpus):.2f} s  median {statistics.median(cpus):.2f} s")

        shutil.rmtree(tmp / "copy")
        shutil.copytree(source, tmp / "copy")
        wall = _evalkit("grade", "copy", cwd=tmp)
        print(f"evalkit grade      {wall:.2f} s wall (with the report)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
