"""``evalkit.bench.bench`` end to end: the simulator in its own process, a run folder out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bench_apps import BODIES, MODEL, paced_app, served

import evalkit
from evalkit.bench import bench, is_bench_run, read_bench
from evalkit.config import Config, parse_config
from evalkit.lifecycle import compare
from evalkit.runfolder import read_manifest, read_records

# The keys dashboards reading `vllm bench serve --save-result` files look for.
VLLM_KEYS = {
    "completed",
    "failed",
    "request_throughput",
    "output_throughput",
    "total_token_throughput",
    "mean_ttft_ms",
    "median_ttft_ms",
    "p99_ttft_ms",
    "mean_tpot_ms",
    "median_tpot_ms",
    "median_itl_ms",
    "p99_itl_ms",
    "median_e2el_ms",
    "request_goodput",
    "max_concurrency",
    "request_rate",
    "burstiness",
    "duration",
}


def sim_config() -> Config:
    return parse_config(
        {"targets": {"sim": {"sim": {"ttft_s": 0.01, "tokens_per_s": 2000, "jitter": 0}}}},
        "test.toml",
    )


def quiet(**kw: Any) -> dict[str, Any]:
    return {"echo": None, "config": sim_config(), "input_tokens": 32, "output_tokens": 8, **kw}


def test_a_closed_loop_benchmark_of_the_simulator(tmp_path: Path) -> None:
    result = bench(
        targets=["sim"],
        concurrency="1,4",
        requests=12,
        out=tmp_path,
        run_id="b1",
        goodput={"ttft": 1000},
        **quiet(),
    )
    assert result.status == "finished" and result.exit_code == 0
    assert is_bench_run(result.run_dir)
    data = read_bench(result.run_dir)
    assert data["status"] == "finished"
    assert [e["label"] for e in data["levels"]] == ["c=1", "c=4"]
    for entry in data["levels"]:
        assert set(entry) >= VLLM_KEYS
        assert entry["completed"] == 12 and entry["failed"] == 0
        assert entry["request_rate"] == "inf"
        assert entry["total_output_tokens"] == 12 * 8  # exactly the tokens asked for
        assert entry["request_goodput"] == pytest.approx(entry["request_throughput"])
        assert entry["median_ttft_ms"] >= 10.0  # the simulator's configured TTFT
        assert entry["client_load"]["lag_samples"] >= 0
    assert data["settings"]["workload"]["output_tokens"] == 8
    assert (result.run_dir / "bench.html").is_file()
    html = (result.run_dir / "bench.html").read_text()
    assert "<svg" in html and "simulated endpoint" in html and "c=4" in html

    # Records: one per measured request (warm-ups left out), loadable like any run.
    records = read_records(result.run_dir)
    assert len(records) == 24
    assert len({r.key for r in records}) == 24
    assert {r.model_extra["bench_label"] for r in records if r.model_extra} == {"c=1", "c=4"}
    df = evalkit.load_run(result.run_dir)
    assert len(df) == 24 and set(df["status"]) == {"ok"}
    first = df[df["epoch"] < 12]  # the c=1 level's requests
    assert first["ttft_s"].median() * 1000 == pytest.approx(data["levels"][0]["median_ttft_ms"])
    manifest = read_manifest(result.run_dir)
    assert manifest.status == "finished" and manifest.client_load is not None


def test_open_loop_levels_and_compare_of_two_benchmarks(tmp_path: Path) -> None:
    a = bench(targets=["sim"], rate="20", requests=10, out=tmp_path, run_id="a", **quiet())
    b = bench(
        targets=["sim"],
        rate="20",
        concurrency="2",
        requests=10,
        out=tmp_path,
        run_id="b",
        **quiet(),
    )
    ea, eb = read_bench(a.run_dir)["levels"][0], read_bench(b.run_dir)["levels"][0]
    assert ea["request_rate"] == 20.0 and ea["max_concurrency"] is None
    assert eb["max_concurrency"] == 2
    assert "median_e2el_including_client_queue_ms" in ea
    # Ten arrivals at 20/s end at 0.5 s: the level lasts about that long.
    assert 0.45 <= ea["duration"] < 2.0
    result = compare([a.run_dir, b.run_dir], dest=tmp_path / "cmp", out=tmp_path)
    assert "TTFT p50" in result.markdown and "20 req/s" in result.markdown
    assert {p.name for p in result.files} == {"compare.md", "compare.html"}
    assert "<svg" in (tmp_path / "cmp" / "compare.html").read_text()


def test_a_sweep_stops_at_the_saturation_point(tmp_path: Path) -> None:
    # The simulator serves concurrent requests in parallel, so its throughput grows
    # with the concurrency; the sweep doubles it from 1 and ends by 4 at the latest.
    result = bench(
        targets=["sim"], sweep=True, max_concurrency=4, requests=8, out=tmp_path, **quiet()
    )
    data = read_bench(result.run_dir)
    assert data["levels"][0]["max_concurrency"] == 1
    point = data["saturation"]["sim"]
    assert point["max_concurrency"] in {1, 2, 4}
    assert isinstance(point["reached"], bool)
    assert data["settings"]["sweep"] is True


def test_workers_share_a_level(tmp_path: Path) -> None:
    result = bench(
        targets=["sim"], concurrency="4", requests=16, workers=2, out=tmp_path, **quiet()
    )
    (entry,) = read_bench(result.run_dir)["levels"]
    assert entry["completed"] == 16
    assert entry["client_load"]["processes"] == 2
    assert len(read_records(result.run_dir)) == 16


def test_an_endpoint_that_refuses_ignore_eos_gets_at_most_n_tokens(tmp_path: Path) -> None:
    app = paced_app(tokens=3, refuse=("ignore_eos", "min_tokens"))
    with served(app) as url:
        config = parse_config({"targets": {"strict": {"base_url": url, "model": MODEL}}}, "t.toml")
        result = bench(
            targets=["strict"],
            concurrency="2",
            requests=4,
            out=tmp_path,
            echo=None,
            config=config,
            output_tokens=16,
        )
    data = read_bench(result.run_dir)
    assert data["levels"][0]["completed"] == 4
    assert any("refused min_tokens/ignore_eos" in n for n in data["notes"])
    sent_after_probe = app[BODIES][1:]
    assert sent_after_probe and all("ignore_eos" not in b for b in sent_after_probe)
    assert all(b["max_tokens"] == 16 for b in sent_after_probe)


def test_suites_as_the_workload(tmp_path: Path, mini_suite: Path) -> None:
    result = bench([mini_suite], ["sim"], concurrency="2", requests=30, out=tmp_path, **quiet())
    records = read_records(result.run_dir)
    assert len(records) == 30
    assert {r.suite for r in records} == {"mini"}
    # The simulator answers from the suite's answer key: most answers are right.
    assert sum(r.output == str(2 * int(r.sample_id[1:])) for r in records) >= 10
    assert read_bench(result.run_dir)["settings"]["workload"] == {"suites": ["mini"]}
