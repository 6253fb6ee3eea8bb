"""Grading CPU per record with the strict and extracted verdicts: right, reworded, wrong answers.

The text graders give two verdicts since issue 8; the extraction runs only
when the strict comparison fails. This times ``graders.grade`` (the runner's
call: score, then the record's ScoreRecord) on 2,000 records of the
``bench_run`` suite's graders (exact, numeric, includes, normalized in turn),
as process CPU per record, the best of ``--repeats`` passes, for answers
that are right and bare, right inside a sentence, and wrong inside one.
Run it against another checkout for a before/after:

    .venv/bin/python -m benchmarks.bench_extract
    PYTHONPATH=/path/to/other/checkout .venv/bin/python -m benchmarks.bench_extract
"""

from __future__ import annotations

import argparse
import asyncio
import time

# Only names older versions have too, so that the script runs against another checkout.
from evalkit.graders import GradeItem, build, grade
from evalkit.suite.schema import GraderSpec, Sample

SPECS = ("exact", "numeric", "includes", "normalized")
SHAPES = {
    "right, bare": "{answer}",
    "right, in a sentence": "The answer is {answer}.",
    "wrong, in a sentence": "I think it is {wrong}, since {i} + {i} is not easy.",
}


async def _per_record(items: list[tuple[list[object], GradeItem]], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.process_time()
        for graders, item in items:
            await grade(graders, item)  # type: ignore[arg-type]
        best = min(best, (time.process_time() - t) / len(items))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=2000, help="records per shape")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    built = [build(GraderSpec.parse(s)) for s in SPECS]
    for shape, template in SHAPES.items():
        items: list[tuple[list[object], GradeItem]] = []
        for i in range(args.n):
            answer = str(2 * i)
            output = template.format(answer=answer, wrong=2 * i + 1, i=i)
            sample = Sample(id=f"q{i}", prompt="q", expected=answer)
            items.append(([built[i % len(built)]], GradeItem(sample, output)))
        us = asyncio.run(_per_record(items, args.repeats)) * 1e6
        print(f"{shape:<22} {us:6.2f} us CPU per record")


if __name__ == "__main__":
    main()
