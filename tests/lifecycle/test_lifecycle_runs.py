"""evalkit.run and evalkit.run_async: a whole run from Python, with no command line."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
from support import write_suite

import evalkit
from evalkit.config import parse_config
from evalkit.errors import ConfigError, SuiteError
from evalkit.lifecycle import RunResult

TWO_SIMS = parse_config(
    {
        "targets": {
            "good": {"simulated": True, "model": "sim/good", "sim": {"skill": 1.0, "ttft_s": 0}},
            "bad": {"simulated": True, "model": "sim/bad", "sim": {"skill": 0.0, "ttft_s": 0}},
            "slow": {
                "simulated": True,
                "model": "sim/slow",
                "max_concurrency": 2,
                "sim": {"ttft_s": 0.05, "tokens_per_s": 40, "jitter": 0},
            },
        },
        "gate": {
            "max_accuracy_drop": 0.05,
            "require_significant": False,
            "max_p90_latency_rise": False,  # the simulator's timings are not under test here
            "max_cost_rise": False,
        },
    },
    "test",
)


def records(result: RunResult) -> list[dict[str, Any]]:
    text = (result.run_dir / "records.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def status(run_dir: Path) -> str:
    return str(json.loads((run_dir / "run.json").read_text())["status"])


class Watcher:
    """A progress display that notes what the signal handlers are while records arrive."""

    def __init__(self, total: int, reached: asyncio.Event | None = None, at: int = 0) -> None:
        self.total = total
        self.seen = 0
        self.reached = reached  # set once `at` records have arrived
        self.at = at
        self.handlers: set[tuple[Any, Any]] = set()
        self.entered = False

    def __enter__(self) -> Watcher:
        self.entered = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.entered = False

    def update(self, record: Any, tally: Any) -> None:
        self.seen += 1
        if self.reached is not None and self.seen == self.at:
            self.reached.set()
        self.handlers.add((signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)))


def test_run_from_plain_python_against_the_builtin_sim(tmp_path: Path, mini_suite: Path) -> None:
    lines: list[str] = []
    result = evalkit.run(
        mini_suite, "sim", out=tmp_path / "res", run_id="r1", progress=False, echo=lines.append
    )
    assert isinstance(result, RunResult)
    assert (result.status, result.exit_code, result.run_id) == ("finished", 0, "r1")
    assert result.run_dir == tmp_path / "res" / "r1"
    assert (result.planned, result.written, result.already_recorded) == (20, 20, 0)
    assert result.aborted == {} and result.breaches == [] and result.grader_errors == 0
    assert len(records(result)) == 20 and len(result.outputs.frame) == 20
    assert sorted(p.name for p in result.outputs.files) == [
        "junit.xml",
        "report.html",
        "summary.md",
    ]
    assert all(p.exists() for p in result.outputs.files)
    manifest = json.loads((result.run_dir / "run.json").read_text())
    assert manifest["status"] == "finished" and manifest["argv"] == []
    assert lines[0] == f"run r1 -> {result.run_dir}" and lines[3] == "  20 requests to make"
    # then what writing the outputs is doing, step by step
    assert lines[4:] == [
        f"loading the records of {result.run_dir} ...",
        "writing junit.xml ...",
        "writing summary.md ...",
        "writing report.html (20 records) ...",
    ]


async def test_run_async_inside_a_running_loop_installs_no_signal_handler(
    tmp_path: Path, mini_suite: Path
) -> None:
    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    watchers: list[Watcher] = []

    def watch(total: int) -> Watcher:
        watchers.append(Watcher(total))
        return watchers[-1]

    result = await evalkit.run_async(
        [mini_suite], ["sim"], limit=5, out=tmp_path, report=False, progress=watch, echo=None
    )
    assert asyncio.get_running_loop().is_running()
    assert (result.status, result.exit_code, result.written) == ("finished", 0, 5)
    assert [p.name for p in result.outputs.files] == ["junit.xml", "summary.md"]
    (watcher,) = watchers
    assert (watcher.total, watcher.seen, watcher.entered) == (5, 5, False)
    assert watcher.handlers == {before}  # while records arrived
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


async def test_run_says_to_use_run_async_inside_a_loop(tmp_path: Path, mini_suite: Path) -> None:
    with pytest.raises(RuntimeError, match="run_async"):
        evalkit.run(mini_suite, "sim", out=tmp_path / "res", progress=False, echo=None)
    assert not (tmp_path / "res").exists()


def test_bad_input_raises_before_anything_is_made(tmp_path: Path, mini_suite: Path) -> None:
    out = tmp_path / "res"
    with pytest.raises(ConfigError, match="unknown target 'nope'"):
        evalkit.run(mini_suite, "nope", out=out, progress=False, echo=None)
    with pytest.raises(ConfigError, match="epochs"):
        evalkit.run(mini_suite, "sim", epochs=0, out=out, progress=False, echo=None)
    with pytest.raises(ConfigError, match="no run 'missing'"):
        evalkit.run(mini_suite, "sim", baseline="missing", out=out, progress=False, echo=None)
    with pytest.raises(ConfigError, match="progress: expected one of auto, bar, plain, none"):
        evalkit.run(mini_suite, "sim", out=out, progress="fancy", echo=None)
    with pytest.raises(ConfigError, match="--max-cost"):
        evalkit.run(mini_suite, "sim", out=out, max_cost=0, progress=False, echo=None)
    with pytest.raises(ConfigError, match="config file not found"):
        evalkit.run(mini_suite, config=tmp_path / "none.toml", out=out, progress=False)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "prompt": "x", "grader": "nope"}\n')
    with pytest.raises(SuiteError) as exc:
        evalkit.run(bad, "sim", out=out, progress=False, echo=None)
    assert str(exc.value.problems[0]).startswith(f"{bad}:1:")
    assert not out.exists()


def test_a_regression_fails_the_gate(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", 20)
    common: dict[str, Any] = {"out": tmp_path, "config": TWO_SIMS, "progress": False, "echo": None}
    base = evalkit.run(suite, "good", run_id="base", **common)
    assert base.exit_code == 0
    same = evalkit.run(suite, "good", run_id="same", baseline="base", **common)
    assert (same.exit_code, same.breaches) == (0, [])
    assert same.outputs.baseline_dir == base.run_dir
    worse = evalkit.run(suite, "bad", run_id="worse", baseline=base.run_dir, **common)
    assert worse.status == "finished" and worse.exit_code == 1
    assert [b.kind for b in worse.breaches] == ["accuracy"]


async def test_a_cancelled_run_async_resumes_with_no_gap_and_no_duplicate(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite", 30)
    common: dict[str, Any] = {"out": tmp_path, "config": TWO_SIMS, "echo": None}
    five_in = asyncio.Event()
    task = asyncio.create_task(
        evalkit.run_async(
            suite, "slow", run_id="k", progress=lambda n: Watcher(n, five_in, 5), **common
        )
    )
    await asyncio.wait_for(five_in.wait(), timeout=30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    run_dir = tmp_path / "k"
    assert status(run_dir) == "interrupted"
    done = len((run_dir / "records.jsonl").read_text().splitlines())
    assert 5 <= done < 30
    result = await evalkit.run_async(resume="k", progress=False, **common)
    assert (result.status, result.exit_code) == ("finished", 0)
    assert (result.already_recorded, result.planned) == (done, 30 - done)
    keys = [r["sample_id"] for r in records(result)]
    assert sorted(keys) == sorted(f"q{i}" for i in range(30))
    with pytest.raises(ConfigError, match="--resume repeats the run's own settings; drop --epochs"):
        await evalkit.run_async(resume="k", epochs=2, progress=False, **common)


def test_public_api_is_lazy_and_typed() -> None:
    assert evalkit.run is evalkit.lifecycle.run
    assert evalkit.run_async is evalkit.lifecycle.run_async
    assert asyncio.iscoroutinefunction(evalkit.run_async)
