"""A synthetic run folder with realistic records, for report and metrics tests.

Real runs come from the runner against the simulator; this exists so that
report tests can build 10,000-record runs in a fraction of a second.
"""

from __future__ import annotations

import random
from pathlib import Path

from evalkit.config import builtin_sim
from evalkit.runfolder import (
    ErrorInfo,
    Record,
    RecordWriter,
    RunManifest,
    ScoreRecord,
    SuiteInfo,
    TargetInfo,
    write_manifest,
    write_snapshot,
)
from evalkit.suite.schema import Sample
from evalkit.types import ItlStats, ToolCall

SUITES = ("chat", "tools", "needle")


def make_run(
    run_dir: Path,
    *,
    n_samples: int = 50,
    targets: tuple[str, ...] = ("sim", "sim-strong"),
    skill: dict[str, float] | None = None,
    seed: int = 0,
    error_rate: float = 0.02,
    run_id: str | None = None,
) -> Path:
    """Write records.jsonl, run.json and samples/ for n_samples per suite per target."""
    rng = random.Random(seed)
    run_id = run_id or run_dir.name
    skill = skill or {t: 0.6 + 0.3 * i for i, t in enumerate(targets)}
    run_dir.mkdir(parents=True, exist_ok=True)
    snapshot = {
        suite: [
            Sample(
                id=f"{suite}-{i}",
                prompt=f"Question {i} of {suite}? <b>bold</b>",
                expected=f"answer {i}",
                grader=["exact"],
                cluster=f"cell-{i % 5}" if suite == "needle" else None,
            )
            for i in range(n_samples)
        ]
        for suite in SUITES
    }
    write_snapshot(run_dir, snapshot)
    suite_infos = [
        SuiteInfo(name=suite, path=f"suites/{suite}", sha256="0" * 64, n_samples=n_samples)
        for suite in SUITES
    ]
    with RecordWriter(run_dir) as writer:
        for target in targets:
            for suite in SUITES:
                for i in range(n_samples):
                    sid = f"{suite}-{i}"
                    if rng.random() < error_rate:
                        writer.write(
                            Record(
                                run_id=run_id,
                                target=target,
                                model=f"model-{target}",
                                suite=suite,
                                sample_id=sid,
                                status="error",
                                error=ErrorInfo(type="server_error", message="HTTP 503"),
                                http_status=503,
                                attempts=6,
                                started_at="2026-11-25T17:00:00.000Z",
                            )
                        )
                        continue
                    ok = rng.random() < skill[target]
                    ttft = rng.lognormvariate(-3, 0.4)
                    n_out = rng.randint(5, 60)
                    e2e = ttft + n_out * rng.uniform(0.004, 0.01)
                    gaps = sorted(rng.uniform(0.003, 0.012) for _ in range(max(n_out - 1, 1)))
                    output = f"answer {i}" if ok else f"<script>alert({i})</script> wrong"
                    writer.write(
                        Record(
                            run_id=run_id,
                            target=target,
                            model=f"model-{target}",
                            suite=suite,
                            sample_id=sid,
                            status="ok",
                            http_status=200,
                            attempts=1 + (rng.random() < 0.1),
                            started_at="2026-11-25T17:00:00.000Z",
                            queue_s=rng.uniform(0, 0.01),
                            ttft_s=ttft,
                            e2e_s=e2e,
                            tpot_s=(e2e - ttft) / max(n_out - 1, 1),
                            itl_s=ItlStats(
                                n=len(gaps),
                                mean=sum(gaps) / len(gaps),
                                p50=gaps[len(gaps) // 2],
                                p90=gaps[int(len(gaps) * 0.9)],
                                p99=gaps[-1],
                                max=gaps[-1],
                            ),
                            output_tps=n_out / e2e,
                            prompt_tokens=rng.randint(20, 400),
                            completion_tokens=n_out,
                            tokens_source="usage",
                            cost_usd=rng.uniform(1e-6, 1e-4),
                            output=output,
                            tool_calls=[
                                ToolCall(id="c1", name="get_weather", arguments='{"city":"Tokyo"}')
                            ]
                            if suite == "tools"
                            else None,
                            finish_reason="stop",
                            scores=[
                                ScoreRecord(
                                    grader="exact",
                                    score=float(ok),
                                    passed=ok,
                                    explanation="match" if ok else "no match",
                                )
                            ],
                            score=float(ok),
                            passed=ok,
                            cluster=f"cell-{i % 5}" if suite == "needle" else None,
                        )
                    )
    write_manifest(
        run_dir,
        RunManifest(
            run_id=run_id,
            status="finished",
            created_at="2026-11-25T17:00:00.000Z",
            finished_at="2026-11-25T17:01:00.000Z",
            evalkit_version="0.1.0",
            python_version="3.11",
            suites=suite_infos,
            targets=[TargetInfo.of(builtin_sim().model_copy(update={"name": t})) for t in targets],
        ),
    )
    return run_dir
