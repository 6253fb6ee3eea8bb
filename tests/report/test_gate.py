"""The regression gate on synthetic baseline/current runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from support.fakerun import make_run

from evalkit.config import GateConfig
from evalkit.metrics import load_run
from evalkit.report.gate import Breach, evaluate_gate, match_targets

N = 60


def run(tmp_path: Path, name: str, skill: float, seed: int = 0, **kw: object) -> pd.DataFrame:
    targets = kw.pop("targets", ("sim",))
    assert isinstance(targets, tuple)
    return load_run(
        make_run(
            tmp_path / name,
            n_samples=N,
            targets=targets,
            skill=dict.fromkeys(targets, skill),
            seed=seed,
            error_rate=0.0,
        )
    )


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return run(tmp_path_factory.mktemp("gate"), "base", 0.7)


@pytest.fixture(scope="module")
def worse(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return run(tmp_path_factory.mktemp("gate"), "worse", 0.45)


def test_no_change_passes(tmp_path: Path, baseline: pd.DataFrame) -> None:
    assert evaluate_gate(run(tmp_path, "same", 0.7), baseline, GateConfig()) == []


def test_improvement_passes(tmp_path: Path, baseline: pd.DataFrame) -> None:
    better = run(tmp_path, "better", 0.9)  # same seed: every baseline pass still passes
    assert better["score"].mean() > baseline["score"].mean()
    assert evaluate_gate(better, baseline, GateConfig()) == []


def test_regression_fails_with_a_readable_message(
    baseline: pd.DataFrame, worse: pd.DataFrame
) -> None:
    breaches = evaluate_gate(worse, baseline, GateConfig())
    assert {b.kind for b in breaches} == {"accuracy"}
    assert sorted(b.suite for b in breaches) == ["chat", "needle", "tools"]
    chat = next(b for b in breaches if b.suite == "chat")
    assert chat.arm == "sim"
    base_acc = baseline.loc[baseline["suite"] == "chat", "score"].mean()
    cur_acc = worse.loc[worse["suite"] == "chat", "score"].mean()
    drop = (cur_acc - base_acc) * 100
    assert chat.message.startswith(
        f"sim/chat: accuracy fell {base_acc:.1%} -> {cur_acc:.1%} ({drop:+.1f} pp, 95% CI ["
    )
    assert "95% CI [" in chat.message and chat.message.endswith("> allowed 2.0 pp")
    assert str(chat) == chat.message


def test_drop_within_noise_passes_only_when_significance_is_required(
    tmp_path: Path, baseline: pd.DataFrame
) -> None:
    # Same skill, another seed: needle and tools fall by 0.083 and 0.067 by chance,
    # both more than the allowed 0.02, with paired CIs that include 0.
    noisy = run(tmp_path, "noisy", 0.7, seed=2)
    gate = GateConfig(max_p90_latency_rise=None, max_cost_rise=None)
    assert evaluate_gate(noisy, baseline, gate) == []
    strict = gate.model_copy(update={"require_significant": False})
    breaches = evaluate_gate(noisy, baseline, strict)
    assert sorted(b.suite for b in breaches) == ["needle", "tools"]
    assert all(b.kind == "accuracy" for b in breaches)


def test_allowed_drop_is_respected(baseline: pd.DataFrame, worse: pd.DataFrame) -> None:
    assert evaluate_gate(worse, baseline, GateConfig(max_accuracy_drop=0.5)) == []


def test_latency_rise(baseline: pd.DataFrame) -> None:
    slower = baseline.copy()
    chat = slower["suite"] == "chat"
    slower.loc[chat, "e2e_s"] = slower.loc[chat, "e2e_s"] * 1.5
    breaches = evaluate_gate(slower, baseline, GateConfig())
    assert [(b.kind, b.suite) for b in breaches] == [("latency", "chat")]
    assert "p90 latency rose" in breaches[0].message and "(+50.0%)" in breaches[0].message
    assert evaluate_gate(slower, baseline, GateConfig(max_p90_latency_rise=0.6)) == []
    assert evaluate_gate(slower, baseline, GateConfig(max_p90_latency_rise=None)) == []


def test_cost_rise(baseline: pd.DataFrame) -> None:
    dearer = baseline.copy()
    dearer["cost_usd"] = dearer["cost_usd"] * 1.3
    breaches = evaluate_gate(dearer, baseline, GateConfig())
    assert {(b.kind, b.suite) for b in breaches} == {
        ("cost", "chat"),
        ("cost", "needle"),
        ("cost", "tools"),
    }
    assert "(+30.0%) > allowed +10.0%" in breaches[0].message
    assert evaluate_gate(dearer, baseline, GateConfig(max_cost_rise=0.5)) == []


def test_missing_suite_and_target(tmp_path: Path) -> None:
    base = run(tmp_path, "base2", 0.7, targets=("sim", "sim-strong"))
    cur = run(tmp_path, "cur2", 0.7, targets=("sim",))
    cur = cur[cur["suite"] != "needle"]
    breaches = evaluate_gate(cur, base, GateConfig())
    assert {(b.kind, b.arm, b.suite) for b in breaches} == {
        ("missing", "sim-strong", "*"),
        ("missing", "sim", "needle"),
    }


def test_single_targets_match_across_names(tmp_path: Path, baseline: pd.DataFrame) -> None:
    renamed = run(tmp_path, "renamed", 0.45, targets=("mistral",))
    breaches = evaluate_gate(renamed, baseline, GateConfig())
    assert breaches and all(isinstance(b, Breach) for b in breaches)
    assert {b.arm for b in breaches} == {"mistral"}
    assert breaches[0].message.startswith("mistral (vs sim)/")


def test_unpaired_fallback_when_no_sample_is_shared(baseline: pd.DataFrame) -> None:
    other = baseline.copy()
    other["sample_id"] = "new-" + other["sample_id"].astype(str)
    other["score"] = 0.0
    other["passed"] = False
    breaches = evaluate_gate(other, baseline, GateConfig())
    assert {b.kind for b in breaches} == {"accuracy"} and len(breaches) == 3


def test_match_targets() -> None:
    assert match_targets(["a"], ["b"]) == ([("b", "a")], [])
    assert match_targets(["a", "c"], ["a", "b"]) == ([("a", "a")], ["b"])


def test_a_three_item_drop_is_not_significant(tmp_path: Path) -> None:
    # Three samples per suite that all passed and now all fail: the normal paired CI is
    # [-1, -1] (SD 0), but an exact sign test on 3 flips gives p = 0.25.
    def tiny(name: str, skill: float) -> pd.DataFrame:
        run_dir = make_run(
            tmp_path / name, n_samples=3, targets=("sim",), skill={"sim": skill}, error_rate=0
        )
        return load_run(run_dir)

    base, cur = tiny("base", 1.0), tiny("cur", 0.0)
    gate = GateConfig(max_p90_latency_rise=None, max_cost_rise=None)
    assert evaluate_gate(cur, base, gate) == []
    loose = gate.model_copy(update={"require_significant": False})
    assert sorted(b.suite for b in evaluate_gate(cur, base, loose)) == ["chat", "needle", "tools"]
