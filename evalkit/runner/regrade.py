"""``evalkit grade``: score a stored run's outputs again without calling its model.

The samples come from the run's own snapshot (``samples/<suite>.jsonl``), so
a suite edited since the run cannot silently change what is graded. Only an
LLM judge sends requests (to the judge target). The records are rewritten
atomically: a failure halfway leaves the old scores intact.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from evalkit.config import Config
from evalkit.errors import ConfigError
from evalkit.graders import BuiltGrader, GradeItem, grade
from evalkit.runfolder import read_records, read_samples, rewrite_records
from evalkit.runner.grading import GraderCache
from evalkit.runner.targets import JudgePool
from evalkit.suite.schema import GraderSpec, Sample


class _Graders:
    """Each sample's own graders, or the same override for every sample."""

    def __init__(self, config: Config, override: list[GraderSpec] | None) -> None:
        self._cache = GraderCache(config)
        self._override = [self._get(s) for s in override] if override else None

    def _get(self, spec: GraderSpec) -> BuiltGrader:
        try:
            return self._cache.get(spec)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    def for_sample(self, sample: Sample) -> list[BuiltGrader]:
        if self._override is not None:
            return self._override
        return [self._get(spec) for spec in sample.grader]


async def regrade(run_dir: Path, config: Config, override: list[GraderSpec] | None = None) -> int:
    """Re-grade every ok record of a run in place; returns how many were graded."""
    samples = read_samples(run_dir)
    graders = _Graders(config, override)
    records = read_records(run_dir)
    limit = asyncio.Semaphore(64)  # only LLM judges wait on the network here

    async with contextlib.AsyncExitStack() as stack:
        judges = JudgePool(config, stack)

        async def one(i: int) -> None:
            rec = records[i]
            sample = samples.get((rec.suite, rec.sample_id))
            if sample is None:
                raise ConfigError(
                    f"record {rec.suite}/{rec.sample_id} has no sample in the snapshot"
                )
            calls = list(rec.tool_calls or [])
            item = GradeItem(sample, rec.output or "", calls, rec.finish_reason, judges.complete)
            async with limit:
                scores = await grade(graders.for_sample(sample), item)
            # Replaced as it is graded, so that a large run is never held twice.
            records[i] = rec.with_scores(scores)

        ok = [i for i, rec in enumerate(records) if rec.status == "ok"]
        await asyncio.gather(*(one(i) for i in ok))

    rewrite_records(run_dir, records)
    return len(ok)


__all__ = ["regrade"]
