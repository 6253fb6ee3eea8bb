"""``evalkit grade``: score a stored run's outputs again without calling its model.

The samples come from the run's own snapshot (``samples/<suite>.jsonl``), so
a suite edited since the run cannot silently change what is graded. Only an
LLM judge sends requests (to the judge target). records.jsonl is rewritten
atomically: a failure halfway leaves the old scores intact.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from pathlib import Path
from typing import Any

from evalkit.config import Config
from evalkit.errors import ConfigError
from evalkit.graders import BuiltGrader, GradeItem, grade
from evalkit.records import RECORDS_FILE, iter_record_dicts
from evalkit.runner.grading import GraderCache
from evalkit.runner.setup import SAMPLES_DIR
from evalkit.runner.targets import JudgePool
from evalkit.suite.schema import GraderSpec, Sample
from evalkit.types import ToolCall


def _load_samples(run_dir: Path) -> dict[tuple[str, str], Sample]:
    folder = run_dir / SAMPLES_DIR
    if not folder.is_dir():
        raise ConfigError(f"{run_dir} has no {SAMPLES_DIR}/ snapshot to grade against")
    out: dict[tuple[str, str], Sample] = {}
    for path in folder.glob("*.jsonl"):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    sample = Sample.model_validate_json(line)
                    out[(path.stem, sample.id)] = sample
    return out


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
    samples = _load_samples(run_dir)
    graders = _Graders(config, override)
    records = list(iter_record_dicts(run_dir))
    limit = asyncio.Semaphore(64)  # only LLM judges wait on the network here

    async with contextlib.AsyncExitStack() as stack:
        judges = JudgePool(config, stack)

        async def one(rec: dict[str, Any]) -> None:
            sample = samples.get((rec["suite"], rec["sample_id"]))
            if sample is None:
                raise ConfigError(
                    f"record {rec['suite']}/{rec['sample_id']} has no sample in the snapshot"
                )
            calls = [
                ToolCall(id=c.get("id"), name=c["name"], arguments=c.get("arguments") or "")
                for c in rec.get("tool_calls") or []
            ]
            item = GradeItem(
                sample, rec.get("output") or "", calls, rec.get("finish_reason"), judges.complete
            )
            async with limit:
                scores = await grade(graders.for_sample(sample), item)
            rec["scores"] = [s.model_dump() for s in scores]
            rec["score"] = scores[0].score if scores else None
            rec["passed"] = scores[0].passed if scores else False

        ok = [r for r in records if r.get("status") == "ok"]
        await asyncio.gather(*(one(r) for r in ok))

    path = run_dir / RECORDS_FILE
    tmp = path.with_suffix(".regrade.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return len(ok)


__all__ = ["regrade"]
