"""A run survives the faults real endpoints throw: every item ends ok, exactly once.

The simulator runs as a real server on 127.0.0.1 and the target points at it
like any remote endpoint, so the request count it saw can be compared with
the attempts the records claim.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from support import write_suite

from evalkit.config import SimConfig, parse_config
from evalkit.runfolder import RecordWriter, RunSettings, read_records
from evalkit.runner import plan, prepare
from evalkit.runner.run import Executor
from evalkit.sim import SimServer
from evalkit.suite import load_suite


def config_for(url: str, **target: object) -> object:
    body = {
        "base_url": url,
        "model": "evalkit-sim",
        "max_concurrency": 64,
        "max_attempts": 25,
        "backoff_initial_s": 0.005,
        "backoff_max_s": 0.05,
        "timeout_s": 10,
        **target,
    }
    return parse_config({"targets": {"flaky": body}}, "test.toml")


@pytest.mark.slow
async def test_1000_samples_with_30_percent_faults(tmp_path: Path) -> None:
    suite_path = write_suite(tmp_path / "suite", 1000)
    sim_cfg = SimConfig(
        skill=0.8,
        seed=7,
        ttft_s=0,
        tokens_per_s=0,
        jitter=0,
        rate_429=0.10,
        rate_503=0.07,
        rate_500=0.04,
        rate_reset=0.04,
        rate_cut=0.03,
        rate_malformed=0.02,
        retry_after_s=0.05,
    )
    samples = load_suite(suite_path).samples
    async with SimServer(sim_cfg, samples, model="evalkit-sim") as sim:
        config = config_for(sim.base_url)
        prepared = prepare(
            config,
            RunSettings(suites=[str(suite_path)], targets=["flaky"]),
            out=tmp_path / "results",
        )  # type: ignore[arg-type]
        items = plan(["flaky"], prepared.suites)
        with RecordWriter(prepared.run_dir) as writer:
            outcome = await Executor(prepared, config, writer).run(items)  # type: ignore[arg-type]
        stats = sim.stats

    records = read_records(prepared.run_dir)
    assert outcome.aborted == {}
    assert len(records) == 1000
    assert len({r.key for r in records}) == 1000, "duplicate records"
    assert all(r.status == "ok" for r in records), Counter(r.error.type for r in records if r.error)
    # Every request the endpoint saw is an attempt some record counts, and no more.
    assert sum(r.attempts for r in records) == stats.requests
    assert stats.requests > 1300  # the faults really happened (~30% of attempts)
    assert sum(stats.faults.values()) >= 300

    # No retry came sooner than the Retry-After of the 429 before it.
    by_sample: dict[str | None, list[object]] = defaultdict(list)
    for entry in stats.log:
        by_sample[entry.sample_id].append(entry)
    checked = 0
    for entries in by_sample.values():
        entries.sort(key=lambda e: e.arrival)  # type: ignore[attr-defined]
        for prev, nxt in itertools.pairwise(entries):
            if prev.retry_after is not None:  # type: ignore[attr-defined]
                gap = nxt.arrival - prev.arrival  # type: ignore[attr-defined]
                assert gap >= prev.retry_after - 0.002, (gap, prev.retry_after)  # type: ignore[attr-defined]
                checked += 1
    assert checked >= 50
    # Attempts recorded per item match what that item's sample saw.
    per_sample = Counter(e.sample_id for e in stats.log)
    assert all(per_sample[r.sample_id] == r.attempts for r in records)


@pytest.mark.parametrize(("fault", "status"), [("401", 401), ("402", 402), ("404", 404)])
async def test_fatal_status_stops_the_target_at_once(
    tmp_path: Path, fault: str, status: int
) -> None:
    suite_path = write_suite(tmp_path / "suite", 300)
    samples = load_suite(suite_path).samples
    async with SimServer(SimConfig(ttft_s=0, tokens_per_s=0), samples, model="evalkit-sim") as sim:
        config = config_for(sim.base_url, headers={"X-Sim-Fault": fault}, max_concurrency=8)
        prepared = prepare(
            config,
            RunSettings(suites=[str(suite_path)], targets=["flaky"]),
            out=tmp_path / "results",
        )  # type: ignore[arg-type]
        with RecordWriter(prepared.run_dir) as writer:
            outcome = await Executor(prepared, config, writer).run(plan(["flaky"], prepared.suites))  # type: ignore[arg-type]
        seen = sim.stats.requests
    assert "flaky" in outcome.aborted
    assert f"HTTP {status}" in outcome.aborted["flaky"]
    assert seen <= 8, f"{seen} requests: a fatal status must not burn through the samples"
    assert read_records(prepared.run_dir) == []


async def test_wrong_key_stops_early_and_names_the_provider_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite_path = write_suite(tmp_path / "suite", 100)
    monkeypatch.setenv("EK_FAULT_KEY", "sk-wrong-key-0000")
    samples = load_suite(suite_path).samples
    async with SimServer(
        SimConfig(ttft_s=0, tokens_per_s=0), samples, model="evalkit-sim", api_key="sk-right"
    ) as sim:
        config = config_for(sim.base_url, api_key_env="EK_FAULT_KEY", max_concurrency=4)
        prepared = prepare(
            config,
            RunSettings(suites=[str(suite_path)], targets=["flaky"]),
            out=tmp_path / "results",
        )  # type: ignore[arg-type]
        with RecordWriter(prepared.run_dir) as writer:
            outcome = await Executor(prepared, config, writer).run(plan(["flaky"], prepared.suites))  # type: ignore[arg-type]
        assert sim.stats.requests <= 4
    assert "401" in outcome.aborted["flaky"]
    assert "sk-wrong-key-0000" not in outcome.aborted["flaky"]


async def test_final_errors_are_recorded_not_retried(tmp_path: Path) -> None:
    suite_path = write_suite(tmp_path / "suite", 5)
    samples = load_suite(suite_path).samples
    async with SimServer(
        SimConfig(ttft_s=0, tokens_per_s=0), samples, model="evalkit-sim", context_window=10
    ) as sim:
        config = config_for(sim.base_url)
        prepared = prepare(
            config,
            RunSettings(suites=[str(suite_path)], targets=["flaky"]),
            out=tmp_path / "results",
        )  # type: ignore[arg-type]
        with RecordWriter(prepared.run_dir) as writer:
            await Executor(prepared, config, writer).run(plan(["flaky"], prepared.suites))  # type: ignore[arg-type]
        assert sim.stats.requests == 5
    records = read_records(prepared.run_dir)
    assert {r.error.type for r in records if r.error} == {"context_length"}
    assert all(r.attempts == 1 and r.http_status == 400 for r in records)
