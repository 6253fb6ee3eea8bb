"""``evalkit bench`` as a function: levels against targets, into a run folder.

For each target in turn: start it (the built-in simulator in its own
process, as for a run), open its lanes (this process, or ``workers``
processes), then per level: build the requests, warm up, run the level,
turn the outcomes into records and a bench.json entry, and say what was
measured (``echo``) and what limited it (``warnings``). bench.json is
rewritten after every level, so an interrupted benchmark keeps the levels
it finished.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evalkit.bench.driver import Job, Outcome
from evalkit.bench.lanes import Lanes
from evalkit.bench.metrics import level_metrics
from evalkit.bench.plan import BenchPlan, saturated, saturation_point
from evalkit.bench.results import BENCH_SCHEMA_VERSION, outcome_record, write_bench
from evalkit.bench.schedule import Level, arrival_times
from evalkit.bench.workload import Workload, without_exact
from evalkit.client import ChatClient
from evalkit.clientload import ClientLoad, ClientLoadMonitor
from evalkit.config import Config, TargetConfig
from evalkit.errors import BadRequestError, RequestError, TargetFatalError
from evalkit.runfolder import (
    RecordWriter,
    RunManifest,
    read_manifest,
    utc_now,
    write_manifest,
)
from evalkit.runner.run import frozen_for_collector
from evalkit.runner.targets import open_target

Echo = Callable[[str], None]
QUEUE_WARN_MS = 10.0
"""A p99 client queue time above this is worth a warning."""


@dataclass
class BenchState:
    """A benchmark under way: its folder, plan, workload and what it has found so far."""

    run_dir: Path
    manifest: RunManifest
    config: Config
    targets: list[TargetConfig]
    plan: BenchPlan
    workload: Workload
    echo: Echo
    entries: list[dict[str, Any]] = field(default_factory=list)
    saturation: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    aborted: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def bench_json(self, status: str) -> dict[str, Any]:
        """bench.json as it stands."""
        return {
            "schema_version": BENCH_SCHEMA_VERSION,
            "run_id": self.manifest.run_id,
            "status": status,
            "created_at": self.manifest.created_at,
            "updated_at": utc_now(),
            "settings": {
                **self.plan.to_json(),
                "workload": self.workload.synthetic
                or {"suites": [s.name for s in self.workload.suites]},
                "targets": [t.name for t in self.targets],
            },
            "levels": self.entries,
            "saturation": self.saturation,
            "warnings": self.warnings,
            "aborted": self.aborted,
            "notes": self.notes,
        }

    def save(self, status: str = "running") -> None:
        """Rewrite bench.json."""
        write_bench(self.run_dir, self.bench_json(status))


def _iso(wall: float) -> str:
    return (
        datetime.fromtimestamp(wall, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _jobs(
    state: BenchState, client: ChatClient, exact: bool, start: int, n: int, level: Level
) -> list[Job]:
    samples = state.workload.take(start, n)
    times = (
        arrival_times(n, level.rate, level.burstiness, state.plan.seed)
        if level.rate is not None
        else [0.0] * n
    )
    jobs = []
    for seq, ((suite, sample), at) in enumerate(zip(samples, times, strict=True)):
        body = client.build_body(sample if exact else without_exact(sample))
        jobs.append(Job(seq, suite, sample.id, body, at))
    return jobs


def _level_warnings(
    target: str, level: Level, entry: dict[str, Any], load: ClientLoad
) -> list[str]:
    where = f"{target} at {level.label}"
    out = []
    limit = load.limit()
    if limit:
        out.append(f"{where}: {limit}; its latencies include that delay")
    queue = entry.get("p99_client_queue_time_ms") or 0.0
    if queue > QUEUE_WARN_MS:
        if not level.closed and level.concurrency:
            out.append(
                f"{where}: requests waited up to {queue:.0f} ms (p99) for one of the "
                f"{level.concurrency} slots: the endpoint served fewer than {level.rate:g} req/s"
            )
        else:
            out.append(
                f"{where}: requests went out up to {queue:.0f} ms (p99) after they were due: "
                "the client could not keep to the load"
            )
    if entry["failed"]:
        kinds = ", ".join(f"{k} {v}" for k, v in entry["errors"].items())
        out.append(f"{where}: {entry['failed']} request(s) failed ({kinds})")
    return out


async def _probe_exact(state: BenchState, client: ChatClient) -> bool:
    """Whether the target accepts ``min_tokens``/``ignore_eos``; one request tells."""
    if state.workload.synthetic is None or not state.plan.exact:
        return state.plan.exact
    _, sample = state.workload.samples[-1]  # the spare prompt no level uses
    try:
        await client.complete(client.build_body(sample))
    except BadRequestError as exc:
        if exc.http_status == 400:
            state.notes.append(
                f"{client.target.name}: the endpoint refused min_tokens/ignore_eos "
                f"({exc.message}); output lengths are at most, not exactly, the ones asked for"
            )
            return False
    except RequestError:
        pass  # not about the fields: the levels will show it
    return True


def _summary(target: str, level: Level, e: dict[str, Any], load: ClientLoad) -> str:
    def ms(key: str) -> str:
        value = e.get(key)
        return "-" if value is None else f"{value:.1f}"

    good = "" if e["request_goodput"] is None else f", goodput {e['request_goodput']:.1f}/s"
    return (
        f"  {target} {level.label}: {e['completed']} ok, {e['failed']} failed in "
        f"{e['duration']:.2f} s; {e['request_throughput']:.1f} req/s, "
        f"{e['output_throughput']:.0f} tok/s{good}; TTFT p50 {ms('median_ttft_ms')} "
        f"p99 {ms('p99_ttft_ms')} ms, TPOT p50 {ms('median_tpot_ms')} ms, ITL p50 "
        f"{ms('median_itl_ms')} ms, E2EL p50 {ms('median_e2el_ms')} ms; client queue p99 "
        f"{ms('p99_client_queue_time_ms')} ms; client {load.busiest_cores:.0%} CPU, "
        f"loop lag p99 {load.lag_p99_ms:.1f} ms"
    )


async def _bench_target(
    state: BenchState, target: TargetConfig, writer: RecordWriter, monitor: ClientLoadMonitor
) -> None:
    plan = state.plan
    async with contextlib.AsyncExitStack() as stack:
        rt = await open_target(stack, target, state.run_dir)
        exact = await _probe_exact(state, rt.client)
        lanes = await stack.enter_async_context(Lanes(rt.client, monitor, plan.workers))
        cursor = 0
        epoch = 0
        mine: list[dict[str, Any]] = []
        for level in plan.levels:
            n, warm_n = plan.count(level), plan.warm_count(level)
            warm = _jobs(state, rt.client, exact, cursor, warm_n, Level(concurrency=1))
            jobs = _jobs(state, rt.client, exact, cursor + warm_n, n, level)
            cursor += warm_n + n
            outcomes, load, start_wall = await lanes.run(jobs, warm, level, plan.warm_slots(level))
            entry = _entry(state, target, level, outcomes, load)
            for o in outcomes:
                writer.write(
                    outcome_record(
                        o,
                        run_id=state.manifest.run_id,
                        target=target,
                        epoch=epoch,
                        level=len(state.entries),
                        label=level.label,
                        started_at=_iso(start_wall + o.sent),
                    )
                )
                epoch += 1
            state.entries.append(entry)
            mine.append(entry)
            state.echo(_summary(target.name, level, entry, load))
            for text in _level_warnings(target.name, level, entry, load):
                state.warnings.append(text)
                state.echo(f"  warning: {text}")
            if plan.sweep and saturated(mine):
                state.saturation[target.name] = saturation_point(mine, reached=True)
                break
            state.save()
        else:
            if plan.sweep:
                state.saturation[target.name] = saturation_point(mine, reached=False)
        if plan.sweep:
            point = state.saturation[target.name]
            state.echo(
                f"  {target.name}: saturation "
                f"{'at' if point['reached'] else 'not reached up to'} concurrency "
                f"{point['max_concurrency']} ({point['request_throughput']:.1f} req/s)"
            )
        state.save()


def _entry(
    state: BenchState,
    target: TargetConfig,
    level: Level,
    outcomes: list[Outcome],
    load: ClientLoad,
) -> dict[str, Any]:
    duration = max((o.done for o in outcomes), default=0.0)
    entry = {
        "target": target.name,
        "model": target.model,
        "simulated": target.simulated,
        "level": len(state.entries),
        "label": level.label,
        **level_metrics(outcomes, level, duration=duration, goodput=state.plan.goodput),
        "client_load": load.to_json(),
        "client_limit": load.limit(),
    }
    return entry


async def run_bench(state: BenchState) -> ClientLoad:
    """Run every target's levels; the client's load over the whole benchmark."""
    monitor = ClientLoadMonitor()
    monitor.start()
    try:
        # The workload lives all along: the collector need not walk it (as vLLM).
        with frozen_for_collector(), RecordWriter(state.run_dir) as writer:
            for target in state.targets:
                state.echo(f"target {target.name}: {target.model}")
                try:
                    await _bench_target(state, target, writer, monitor)
                except TargetFatalError as exc:
                    state.aborted[target.name] = exc.message
                    state.echo(f"  error: target {target.name!r} stopped: {exc.message}")
    finally:
        load = await monitor.stop()
    return load


def close_run(state: BenchState, status: str, load: ClientLoad | None) -> None:
    """Write the final bench.json and run.json."""
    state.save(status)
    manifest = read_manifest(state.run_dir).model_copy(
        update={
            "status": "aborted" if state.aborted else status,
            "finished_at": utc_now(),
            "aborted": state.aborted,
            "client_load": load,
        }
    )
    write_manifest(state.run_dir, manifest)


__all__ = ["BenchState", "close_run", "run_bench"]
