"""What a benchmark leaves in its run folder: a record per request, and bench.json.

    results/<run_id>/run.json        as for any run (targets, suites, argv, client_load)
    results/<run_id>/records.jsonl   one Record per measured request (warm-ups are not kept)
    results/<run_id>/samples/        the workload (suites, or the synthetic prompts)
    results/<run_id>/bench.json      settings, one entry per target and level, saturation
    results/<run_id>/bench.html      curves and tables (``evalkit.bench.report``)

A record's ``epoch`` is the request's sequence number within its target (so
that a sample sent at several levels keeps one record each); it also
carries ``bench_level`` (the index of its level in bench.json),
``bench_label``, ``scheduled_s`` and ``sent_s`` (seconds from the level's
start), ``queue_s`` (client-side wait before the send) and ``itl_gaps_s``
(every inter-token gap), so that every figure of bench.json can be
recomputed from the records. ``evalkit.load_run`` reads them like any run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from evalkit.bench.driver import Outcome
from evalkit.config import TargetConfig
from evalkit.runfolder import ErrorInfo, Record, is_run_dir

BENCH_FILE = "bench.json"
BENCH_HTML = "bench.html"
BENCH_SCHEMA_VERSION = 1


def bench_path(run_dir: Path) -> Path:
    """The run's bench.json."""
    return Path(run_dir) / BENCH_FILE


def is_bench_run(run_dir: Path) -> bool:
    """Whether ``run_dir`` is a run folder made by ``evalkit bench``."""
    return is_run_dir(Path(run_dir)) and bench_path(run_dir).is_file()


def write_bench(run_dir: Path, data: dict[str, Any]) -> Path:
    """Write bench.json atomically (a temporary file, then a rename)."""
    path = bench_path(run_dir)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_bench(run_dir: Path) -> dict[str, Any]:
    """bench.json of a benchmark run (FileNotFoundError if it is not one)."""
    data: dict[str, Any] = json.loads(bench_path(run_dir).read_text(encoding="utf-8"))
    return data


def outcome_record(
    outcome: Outcome,
    *,
    run_id: str,
    target: TargetConfig,
    epoch: int,
    level: int,
    label: str,
    started_at: str,
) -> Record:
    """The record of one measured request."""
    fields: dict[str, Any] = {
        "run_id": run_id,
        "target": target.name,
        "model": target.model,
        "suite": outcome.suite,
        "sample_id": outcome.sample_id,
        "epoch": epoch,
        "status": "ok" if outcome.ok else "error",
        "http_status": outcome.http_status,
        "started_at": started_at,
        "queue_s": round(outcome.queued, 6),
        "bench_level": level,
        "bench_label": label,
        "scheduled_s": round(outcome.scheduled, 6),
        "sent_s": round(outcome.sent, 6),
    }
    if not outcome.ok:
        fields["error"] = ErrorInfo(
            type=outcome.error_kind or "unknown", message=outcome.error_message or ""
        )
        return Record.model_validate(fields)
    prompt, completion = outcome.prompt_tokens, outcome.completion_tokens
    e2el = outcome.e2el
    fields.update(
        ttft_s=outcome.ttft,
        e2e_s=e2el,
        tpot_s=outcome.tpot,
        itl_s=outcome.itl,
        itl_gaps_s=[round(g, 6) for g in outcome.gaps],
        output_tps=completion / e2el if completion is not None and e2el else None,
        prompt_tokens=prompt,
        completion_tokens=completion,
        tokens_source=outcome.tokens_source,
        cost_usd=target.cost_usd(prompt or 0, completion or 0),
        output=outcome.output,
        tool_calls=outcome.tool_calls or None,
        finish_reason=outcome.finish_reason,
    )
    return Record.model_validate(fields)


__all__ = [
    "BENCH_FILE",
    "BENCH_HTML",
    "BENCH_SCHEMA_VERSION",
    "bench_path",
    "is_bench_run",
    "outcome_record",
    "read_bench",
    "write_bench",
]
