"""Graders under a time limit, off the event loop: runaway patterns and functions, exits.

A suite's regex or Python function is its author's code, run against what
a model wrote: it may take forever, call ``sys.exit`` or return numpy
values. None of that may stop the run, block the loop or lose the record.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest
from grader_items import make_item

from evalkit.graders import GradeItem, Score, build, grade, grader
from evalkit.graders.worker import WorkerPool
from evalkit.runfolder import ScoreRecord
from evalkit.suite.schema import GraderSpec

HERE = Path(__file__).parent
# Exponential for a backtracking matcher: ``re`` needs minutes on this output,
# ``regex`` stops at its time limit.
RUNAWAY = r"(a|aa)+$"
RUNAWAY_TEXT = "a" * 60 + "!"


@pytest.fixture(autouse=True)
def importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(HERE))


async def graded_while_ticking(spec: dict[str, Any], item: GradeItem) -> tuple[ScoreRecord, int]:
    """Grade ``item``; also how often a 20 ms ticker ran on the loop meanwhile."""
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.02)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    try:
        [record] = await grade([build(GraderSpec.parse(spec))], item)
    finally:
        done.set()
        await task
    return record, ticks


def assert_grader_error(record: ScoreRecord, *words: str) -> None:
    assert (record.score, record.passed) == (0.0, False)
    assert record.details is not None and record.details["reason"] == "grader_error"
    for word in words:
        assert word in record.explanation


@pytest.mark.parametrize(
    ("spec", "item"),
    [
        ({"type": "regex", "pattern": RUNAWAY}, make_item(RUNAWAY_TEXT)),
        ({"type": "regex"}, make_item(RUNAWAY_TEXT, RUNAWAY)),  # the sample's own pattern
        ({"type": "regex", "fullmatch": True}, make_item(RUNAWAY_TEXT, ["x", RUNAWAY])),
        (
            {
                "type": "json",
                "schema": {"properties": {"a": {"type": "string", "pattern": RUNAWAY}}},
            },
            make_item(f'{{"a": "{RUNAWAY_TEXT}"}}'),
        ),
        (
            {"type": "json", "schema": {"patternProperties": {RUNAWAY: {"type": "integer"}}}},
            make_item(f'{{"{RUNAWAY_TEXT}": 1}}'),
        ),
    ],
    ids=["regex-option", "regex-expected", "regex-fullmatch", "json-pattern", "json-keys"],
)
async def test_a_runaway_pattern_is_a_grader_error_and_the_loop_runs_on(
    spec: dict[str, Any], item: GradeItem
) -> None:
    t0 = time.monotonic()
    record, ticks = await graded_while_ticking(spec, item)
    assert_grader_error(record, "took more than 1 s to match", RUNAWAY)
    assert time.monotonic() - t0 < 30
    assert ticks >= 10  # at 20 ms a tick, the loop was free through the second-long match


async def test_patterns_that_finish_still_grade() -> None:
    spec = {"type": "json", "schema": {"patternProperties": {"^n": {"type": "integer"}}}}
    [good] = await grade([build(GraderSpec.parse(spec))], make_item('{"n1": 1, "x": "s"}'))
    [bad] = await grade([build(GraderSpec.parse(spec))], make_item('{"n1": "one"}'))
    assert good.passed and not bad.passed
    assert bad.details is not None and bad.details["schema_errors"][0]["path"] == "$.n1"
    closed = {**spec["schema"], "additionalProperties": False}
    [extra] = await grade(
        [build(GraderSpec(type="json", options={"schema": closed}))], make_item('{"x": 1}')
    )
    assert not extra.passed and "'x' does not match any of the regexes: '^n'" in extra.explanation
    [m] = await grade(
        [build(GraderSpec(type="regex", options={"pattern": r"\d+"}))], make_item("it is 42")
    )
    assert m.passed and m.details == {"pattern": r"\d+", "match": "42"}


@pytest.mark.parametrize("function", ["pygrader_funcs:spins", "pygrader_funcs:sleeps"])
async def test_a_runaway_python_function_is_stopped_at_its_time_limit(function: str) -> None:
    spec = {"type": "python", "function": function, "timeout_s": 1}
    t0 = time.monotonic()
    record, ticks = await graded_while_ticking(spec, make_item("x"))
    assert_grader_error(record, function, "took more than 1 s; stopped")
    assert time.monotonic() - t0 < 20
    assert ticks >= 10
    # The next call gets a fresh worker.
    [after] = await grade(
        [build(GraderSpec.parse({"type": "python", "function": "pygrader_funcs:is_short"}))],
        make_item("short"),
    )
    assert after.passed


async def test_an_async_python_function_is_cancelled_at_its_time_limit() -> None:
    spec = {"type": "python", "function": "pygrader_funcs:awaits_forever", "timeout_s": 0.5}
    record, _ = await graded_while_ticking(spec, make_item("x"))
    assert_grader_error(record, "took more than 0.5 s; cancelled")


@pytest.mark.parametrize(
    ("function", "error_type"),
    [("pygrader_funcs:exits", "SystemExit"), ("pygrader_funcs:interrupts", "KeyboardInterrupt")],
)
async def test_exit_and_interrupt_in_a_python_function_end_only_its_call(
    function: str, error_type: str
) -> None:
    # In its worker, a KeyboardInterrupt can only be the function's own: Ctrl-C
    # is ignored there (the run handles it).
    [record] = await grade(
        [build(GraderSpec.parse({"type": "python", "function": function}))], make_item("x")
    )
    assert_grader_error(record, error_type)
    assert record.details is not None and record.details["error_type"] == error_type


async def test_python_functions_run_in_another_process() -> None:
    spec = GraderSpec.parse({"type": "python", "function": "pygrader_funcs:pid"})
    [record] = await grade([build(spec)], make_item("x"))
    assert record.details is not None and record.details["pid"] != os.getpid()


@grader("_limits_exits")
def _exits() -> Any:
    def fn(item: GradeItem) -> Score:
        raise SystemExit(1)

    return fn


@grader("_limits_interrupts")
def _interrupts() -> Any:
    async def fn(item: GradeItem) -> Score:
        raise KeyboardInterrupt

    return fn


async def test_a_plugin_that_exits_is_a_grader_error_but_ctrl_c_goes_through() -> None:
    [record] = await grade([build(GraderSpec(type="_limits_exits"))], make_item("x"))
    assert_grader_error(record, "SystemExit")
    with pytest.raises(KeyboardInterrupt):
        await grade([build(GraderSpec(type="_limits_interrupts"))], make_item("x"))


@pytest.mark.parametrize(
    ("function", "score", "details"),
    [
        (
            "pygrader_funcs:numpy_details",
            0.75,
            {"scores": [0.5, 1.0], "best": 2, "ok": True},
        ),
        ("pygrader_funcs:numpy_scalar", pytest.approx(0.9), None),
    ],
)
async def test_numpy_values_from_a_python_grader_are_stored_plain(
    function: str, score: Any, details: Any
) -> None:
    [record] = await grade(
        [build(GraderSpec.parse({"type": "python", "function": function}))], make_item("x")
    )
    assert record.score == score and record.passed
    assert record.details == details
    record.model_dump_json()  # serialises: a record line can be written


@grader("_limits_odd_details")
def _odd_details() -> Any:
    class Thing:
        def __repr__(self) -> str:
            return "<thing>"

    def fn(item: GradeItem) -> Score:
        details = {1: (1, 2), "nan": float("nan"), "thing": Thing(), "set": {3}}
        return Score(1.0, True, "odd", details)

    return fn


async def test_details_of_any_grader_are_made_json_safe_in_one_place() -> None:
    [record] = await grade([build(GraderSpec(type="_limits_odd_details"))], make_item("x"))
    assert record.details == {"1": [1, 2], "nan": "nan", "thing": "<thing>", "set": [3]}
    record.model_dump_json()


async def test_an_unpicklable_result_is_a_grader_error() -> None:
    # The worker makes details plain before sending them back, lambdas included.
    spec = GraderSpec.parse({"type": "python", "function": "pygrader_funcs:unpicklable"})
    [record] = await grade([build(spec)], make_item("x"))
    assert record.passed and record.details is not None
    assert record.details["fn"].startswith("<function unpicklable.<locals>.<lambda>")


async def test_a_cancelled_call_kills_its_worker_at_once() -> None:
    pool = WorkerPool(size=1)
    try:
        task = asyncio.create_task(pool.call("time:sleep", (60,), 120))
        await asyncio.sleep(2)  # the worker started and is sleeping
        t0 = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - t0 < 5
        # Its thread saw the pipe close: the pool serves the next call.
        assert await pool.call("math:sqrt", (16,), 30) == 4.0
    finally:
        pool.close()
