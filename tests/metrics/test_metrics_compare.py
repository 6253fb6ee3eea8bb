"""paired_diff and flips on constructed data, needle_grid and timeline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from support.fakerun import make_run

from evalkit.metrics import flips, load_run, needle_grid, paired_diff, timeline


@pytest.fixture
def df(tmp_path: Path) -> pd.DataFrame:
    return load_run(make_run(tmp_path / "r", n_samples=40, seed=5, error_rate=0.05))


def twin(df: pd.DataFrame, source: str, name: str) -> pd.DataFrame:
    """``df`` plus a copy of arm ``source`` named ``name``."""
    copy = df[df["arm"] == source].copy()
    copy["arm"] = name
    both = pd.concat([df, copy], ignore_index=True)
    both["arm"] = both["arm"].astype("category")
    return both


def test_identical_arms_differ_by_zero(df: pd.DataFrame) -> None:
    diff = paired_diff(twin(df, "sim", "copy"), "sim", "copy")
    assert diff["suite"].tolist() == ["chat", "needle", "tools"]
    assert (diff["n"] == 40).all()
    assert (diff["diff"] == 0).all() and (diff["se"] == 0).all()
    assert not diff["significant"].any()
    assert (diff["n_flip_up"] == 0).all() and (diff["n_flip_down"] == 0).all()
    assert (diff["p90_latency_rel_delta"] == 0).all() and (diff["cost_rel_delta"] == 0).all()
    assert flips(twin(df, "sim", "copy"), "sim", "copy").empty


def test_known_shift(df: pd.DataFrame) -> None:
    both = twin(df, "sim", "better")
    chat_fail = both[
        (both["arm"] == "better") & (both["suite"] == "chat") & (both["status"] == "ok")
    ]
    chat_fail = chat_fail[~chat_fail["passed"]]
    k = 6
    fixed = chat_fail.index[:k]
    both.loc[fixed, ["score", "passed"]] = [1.0, True]
    diff = paired_diff(both, "sim", "better").set_index("suite")
    n = 40
    p = k / n
    sd = math.sqrt((k * (1 - p) ** 2 + (n - k) * p**2) / (n - 1))
    assert diff.loc["chat", "diff"] == pytest.approx(p)
    assert diff.loc["chat", "mean_b"] - diff.loc["chat", "mean_a"] == pytest.approx(p)
    assert diff.loc["chat", "se"] == pytest.approx(sd / math.sqrt(n))
    # 6 flips (< 30): exact. All 6 go up, so the Clopper-Pearson lower bound on the
    # share that goes up is (alpha/2)^(1/6), and the diff bound is (2q - 1) * 6/40;
    # the upper bound is the normal one (the hull of both intervals).
    alpha = math.erfc(1.96 / math.sqrt(2))
    q_low = (alpha / 2) ** (1 / k)
    assert diff.loc["chat", "ci_low"] == pytest.approx((2 * q_low - 1) * k / n, abs=1e-9)
    assert diff.loc["chat", "ci_high"] == pytest.approx(p + 1.96 * sd / math.sqrt(n))
    assert diff.loc["chat", "ci_method"] == "exact"
    assert diff.loc["chat", "p_value"] == pytest.approx(2 / 2**k)  # exact McNemar
    assert diff.loc["chat", "significant"]
    assert (diff.loc["chat", "n_flip_up"], diff.loc["chat", "n_flip_down"]) == (k, 0)
    assert diff.loc["tools", "diff"] == 0
    changed = flips(both, "sim", "better")
    assert len(changed) == k and set(changed["direction"]) == {"up"}
    assert set(changed["sample_id"]) == set(both.loc[fixed, "sample_id"])
    reverse = flips(both, "better", "sim")
    assert set(reverse["direction"]) == {"down"}
    assert reverse["output_a"].tolist() == changed["output_b"].tolist()


def test_only_shared_samples_are_paired(df: pd.DataFrame) -> None:
    both = twin(df, "sim", "half")
    drop = both[(both["arm"] == "half") & (both["sample_id"].str.endswith(("1", "3", "5")))]
    diff = paired_diff(both.drop(drop.index), "sim", "half", by=None)
    assert diff["n"].iloc[0] == 3 * 40 - len(drop)


def test_paired_diff_of_two_targets_matches_the_means(df: pd.DataFrame) -> None:
    diff = paired_diff(df, "sim", "sim-strong").set_index("suite")
    for suite in ("chat", "tools"):
        rows = df[df["suite"] == suite]
        scores = rows["score"].where(rows["status"] == "ok").fillna(0)
        mean_a = scores[rows["arm"] == "sim"].mean()
        mean_b = scores[rows["arm"] == "sim-strong"].mean()
        assert diff.loc[suite, "diff"] == pytest.approx(mean_b - mean_a)
    assert diff.loc["needle", "clustered"] and not diff.loc["chat", "clustered"]
    assert (diff["n_flip_up"] > diff["n_flip_down"]).all()  # sim-strong is the stronger


def test_error_counts_as_failure_in_flips(df: pd.DataFrame) -> None:
    both = twin(df, "sim", "broken")
    target = both[(both["arm"] == "broken") & both["passed"]].index[0]
    both["error_type"] = both["error_type"].astype(str)
    both.loc[target, ["status", "passed", "score", "error_type", "error_message"]] = [
        "error",
        False,
        float("nan"),
        "timeout",
        "no answer in 120 s",
    ]
    changed = flips(both, "sim", "broken")
    assert len(changed) == 1
    row = changed.iloc[0]
    assert row["direction"] == "down" and row["status_b"] == "error"
    assert row["explanation_b"] == "timeout: no answer in 120 s"


def test_unknown_arm(df: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="no records for arm 'nope'"):
        paired_diff(df, "sim", "nope")


def test_needle_grid(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=8, targets=("sim",), error_rate=0)
    path = run / "samples" / "needle.jsonl"
    samples = [json.loads(line) for line in path.read_text().splitlines()]
    for i, s in enumerate(samples):
        s["metadata"] = {"context_length": [1000, 4000][i % 2], "depth": [0.0, 100.0][i // 4]}
    path.write_text("".join(json.dumps(s) + "\n" for s in samples))
    df = load_run(run)
    grid = needle_grid(df)
    assert len(grid) == 4 and (grid["n"] == 2).all()
    needle = df[df["suite"] == "needle"]
    cell = needle[(needle["context_length"] == 4000) & (needle["depth"] == 100.0)]
    row = grid[(grid["context_length"] == 4000) & (grid["depth"] == 100.0)].iloc[0]
    assert row["score"] == pytest.approx(cell["score"].mean())
    assert needle_grid(load_run(make_run(tmp_path / "plain", n_samples=3))).empty


def test_timeline_counts_every_record(df: pd.DataFrame) -> None:
    shifted = df.copy()
    shifted["started_at"] = shifted["started_at"] + pd.to_timedelta(range(len(shifted)), unit="s")
    line = timeline(shifted, freq="10s")
    assert line["completed"].sum() == (df["status"] == "ok").sum()
    assert line["errors"].sum() == (df["status"] == "error").sum()
    assert line["retries"].sum() == (df["attempts"] - 1).sum()
    assert line["output_tokens"].sum() == df.loc[df["status"] == "ok", "completion_tokens"].sum()
    assert (line["output_tps"] == line["output_tokens"] / 10).all()
    assert line["time"].is_monotonic_increasing
    per_arm = timeline(shifted, freq="10s", by="arm")
    assert set(per_arm["arm"]) == {"sim", "sim-strong"}
    assert per_arm["completed"].sum() == line["completed"].sum()
