"""Workloads: synthetic prompts of set lengths, suites interleaved, cycled when short."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import write_suite

from evalkit.bench.workload import (
    SYNTHETIC,
    suite_workload,
    synthetic_workload,
    without_exact,
)
from evalkit.client import estimate_prompt_tokens
from evalkit.sim.tokens import messages_tokens
from evalkit.suite import load_suite


def test_synthetic_prompts_have_the_lengths_asked_for() -> None:
    w = synthetic_workload(20, input_tokens=300, output_tokens=64, seed=1)
    for suite, sample in w.samples:
        assert suite == SYNTHETIC
        # Both the client's estimate and the simulator's tokenizer land on the length.
        assert estimate_prompt_tokens(sample.messages) == pytest.approx(300, abs=3)
        assert messages_tokens(sample.messages) == pytest.approx(300, abs=3)
        assert sample.params == {"max_tokens": 64, "min_tokens": 64, "ignore_eos": True}


def test_spread_draws_lengths_within_bounds_reproducibly() -> None:
    w = synthetic_workload(200, input_tokens=100, output_tokens=50, spread=0.2, seed=7)
    outs = [s.params["max_tokens"] for _, s in w.samples]
    assert min(outs) >= 40 and max(outs) <= 60
    assert len(set(outs)) > 10
    again = synthetic_workload(200, input_tokens=100, output_tokens=50, spread=0.2, seed=7)
    assert [s.messages for _, s in again.samples] == [s.messages for _, s in w.samples]
    # Sample i does not depend on how many are made.
    assert (
        synthetic_workload(5, input_tokens=100, output_tokens=50, spread=0.2, seed=7)
        .samples[4][1]
        .messages
        == w.samples[4][1].messages
    )


def test_no_two_synthetic_prompts_share_a_prefix() -> None:
    w = synthetic_workload(50, input_tokens=64, output_tokens=8, seed=0)
    heads = {s.messages[0]["content"][:16] for _, s in w.samples}
    assert len(heads) == 50


def test_without_exact_keeps_only_max_tokens() -> None:
    w = synthetic_workload(1, input_tokens=32, output_tokens=8, seed=0)
    assert without_exact(w.samples[0][1]).params == {"max_tokens": 8}
    assert synthetic_workload(1, input_tokens=32, output_tokens=8, exact=False).samples[0][
        1
    ].params == {"max_tokens": 8}


def test_synthetic_workload_is_a_suite_for_the_run_folder() -> None:
    w = synthetic_workload(3, input_tokens=32, output_tokens=8, seed=0)
    (suite,) = w.suites
    assert suite.name == SYNTHETIC
    assert [s.id for s in suite.samples] == ["syn-00000", "syn-00001", "syn-00002"]
    assert w.synthetic is not None and w.synthetic["output_tokens"] == 8
    other = synthetic_workload(3, input_tokens=32, output_tokens=9, seed=0)
    assert other.suites[0].sha256 != suite.sha256


def test_suites_are_interleaved_and_cycled(tmp_path: Path) -> None:
    a = load_suite(write_suite(tmp_path / "a", 3, name="a"))
    b = load_suite(write_suite(tmp_path / "b", 1, name="b"))
    w = suite_workload([a, b])
    assert [(name, s.id) for name, s in w.samples] == [
        ("a", "q0"),
        ("b", "q0"),
        ("a", "q1"),
        ("a", "q2"),
    ]
    assert [s.id for _, s in w.take(3, 3)] == ["q2", "q0", "q0"]
