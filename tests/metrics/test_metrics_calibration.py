"""needle_calibration: estimated vs reported prompt tokens, and the chars_per_token to use."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.fakerun import make_run

from evalkit.metrics import load_run, needle_calibration
from evalkit.metrics.views import CALIBRATION_COLUMNS
from evalkit.sim.tokens import prompt_tokens
from evalkit.suite import haystack
from evalkit.suite.needle import make_samples, parse_options

LENGTHS = (1000, 4000, 16000, 32000)


def _rewrite(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    for row in rows:
        edit(row)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def needle_run(
    run_dir: Path,
    metas: list[dict[str, Any]],
    reported: Callable[[str, int], int],
    targets: tuple[str, ...] = ("sim",),
) -> Path:
    """A run whose needle sample i has metadata metas[i] and, per target, prompt_tokens reported."""
    run = make_run(run_dir, n_samples=len(metas), targets=targets, error_rate=0)

    def sample(s: dict[str, Any]) -> None:
        s["metadata"] = metas[int(s["id"].rsplit("-", 1)[1])]

    def record(r: dict[str, Any]) -> None:
        if r["suite"] == "needle":
            r["prompt_tokens"] = reported(r["target"], int(r["sample_id"].rsplit("-", 1)[1]))

    _rewrite(run / "samples" / "needle.jsonl", sample)
    _rewrite(run / "records.jsonl", record)
    return run


def grid_metas(per_length: int = 3, chars_per_token: float = 4.0) -> list[dict[str, Any]]:
    # Estimates are multiples of 25, so that 0.92 x estimate is a whole number of tokens.
    return [
        {
            "context_length": length,
            "depth": 50.0,
            "estimated_prompt_tokens": length - 200 + 25 * j,
            "chars_per_token": chars_per_token,
        }
        for length in LENGTHS
        for j in range(per_length)
    ]


def test_known_slope_gives_known_suggestion_per_arm(tmp_path: Path) -> None:
    metas = grid_metas()
    slope = {"sim": 0.92, "sim-strong": 1.1}
    overhead = {"sim": 30, "sim-strong": 0}

    def reported(target: str, i: int) -> int:
        return round(slope[target] * int(metas[i]["estimated_prompt_tokens"]) + overhead[target])

    run = needle_run(tmp_path / "r", metas, reported, targets=("sim", "sim-strong"))
    table = needle_calibration(load_run(run))
    assert list(table.columns) == list(CALIBRATION_COLUMNS)
    assert len(table) == 2 * len(LENGTHS) and (table["n"] == 3).all()
    for row in table.to_dict("records"):
        arm, length = row["arm"], row["context_length"]
        est = [m["estimated_prompt_tokens"] for m in metas if m["context_length"] == length]
        got = [reported(arm, i) for i, m in enumerate(metas) if m["context_length"] == length]
        assert row["estimated_prompt_tokens"] == pytest.approx(sum(est) / len(est))
        assert row["reported_prompt_tokens"] == pytest.approx(sum(got) / len(got))
        assert row["ratio"] == pytest.approx(sum(got) / sum(est))
        assert row["chars_per_token"] == 4.0
        # The template overhead is fitted away: the suggestion follows the slope only.
        assert row["suggested_chars_per_token"] == pytest.approx(4.0 / slope[arm])
    sim = table[table["arm"] == "sim"].sort_values("context_length")
    assert sim["ratio"].is_monotonic_decreasing and (sim["ratio"] > 0.92).all()


def test_only_ok_records_with_reported_usage_count(tmp_path: Path) -> None:
    metas = grid_metas()

    def reported(target: str, i: int) -> int:
        return round(0.92 * int(metas[i]["estimated_prompt_tokens"]))

    run = needle_run(tmp_path / "r", metas, reported)

    def spoil(r: dict[str, Any]) -> None:
        if r["sample_id"] == "needle-0":
            r.update(status="error", error={"type": "timeout", "message": "t"}, prompt_tokens=9)
        elif r["sample_id"] == "needle-1":
            r.update(tokens_source="estimated", prompt_tokens=99_999)

    _rewrite(run / "records.jsonl", spoil)
    table = needle_calibration(load_run(run)).set_index("context_length")
    assert table.loc[1000, "n"] == 1 and table.loc[4000, "n"] == 3
    assert table.loc[1000, "estimated_prompt_tokens"] == metas[2]["estimated_prompt_tokens"]
    assert table.loc[1000, "reported_prompt_tokens"] == reported("sim", 2)
    assert table["suggested_chars_per_token"].iloc[0] == pytest.approx(4.0 / 0.92)


def test_estimates_made_with_another_chars_per_token_are_rescaled(tmp_path: Path) -> None:
    # The same haystack sizes, half estimated at 4 chars/token and half at 5;
    # the endpoint counts 4.3 chars per token whatever the estimate said.
    sizes = [4000 * (k + 1) for k in range(8)]
    cpts = [4.0 if k % 2 else 5.0 for k in range(8)]
    metas = [
        {
            "context_length": 1000 * (k // 2 + 1),
            "depth": 0.0,
            "estimated_prompt_tokens": round(chars / cpt),
            "chars_per_token": cpt,
        }
        for k, (chars, cpt) in enumerate(zip(sizes, cpts, strict=True))
    ]
    run = needle_run(tmp_path / "r", metas, lambda _t, i: round(sizes[i] / 4.3))
    table = needle_calibration(load_run(run))
    assert set(table["chars_per_token"]) <= {4.0, 5.0}
    assert table["suggested_chars_per_token"].iloc[0] == pytest.approx(4.3, rel=2e-3)


def test_without_needle_data_the_frame_is_empty(tmp_path: Path) -> None:
    plain = needle_calibration(load_run(make_run(tmp_path / "plain", n_samples=3)))
    assert plain.empty and list(plain.columns) == list(CALIBRATION_COLUMNS)
    (tmp_path / "empty").mkdir()
    empty = needle_calibration(load_run(tmp_path / "empty"))
    assert empty.empty and list(empty.columns) == list(CALIBRATION_COLUMNS)
    run = needle_run(tmp_path / "est", grid_metas(), lambda _t, i: 500)
    _rewrite(run / "records.jsonl", lambda r: r.update(tokens_source="estimated"))
    df = load_run(run)
    assert df["estimated_prompt_tokens"].notna().any()  # estimates, but no truth to compare
    assert needle_calibration(df).empty


def test_the_suggestion_lands_generated_prompts_on_their_lengths(tmp_path: Path) -> None:
    """Generator -> simulator tokenizer -> calibration -> generator again: ratio near 1."""
    options: dict[str, Any] = {"lengths": [2000, 8000], "n_depths": 2, "seed": 3}
    text = haystack.load_text(haystack.BUILTIN, tmp_path)

    def truth(samples: list[dict[str, Any]]) -> list[int]:
        return [prompt_tokens([{"role": "user", "content": s["prompt"]}]) for s in samples]

    first = make_samples(parse_options({**options, "chars_per_token": 4.0}), text)
    counted = truth(first)
    run = needle_run(tmp_path / "r", [s["metadata"] for s in first], lambda _t, i: counted[i])
    table = needle_calibration(load_run(run))
    assert (table["ratio"] < 0.97).all()  # the simulator's tokens are longer than 4 chars
    suggested = float(table["suggested_chars_per_token"].iloc[0])
    assert 4.1 < suggested < 4.6
    second = make_samples(parse_options({**options, "chars_per_token": suggested}), text)
    for sample, tokens in zip(second, truth(second), strict=True):
        target = sample["metadata"]["context_length"] - 200  # the reserve_tokens default
        assert tokens == pytest.approx(target, rel=0.03)
