"""What a resume checks before it touches the run folder: same endpoints, same suites."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.config import TargetConfig
from evalkit.errors import ConfigError
from evalkit.runfolder import RunManifest, TargetInfo
from evalkit.runner.setup import check_targets_unchanged

BASE: dict[str, Any] = {
    "name": "gw",
    "base_url": "https://gw.example/v1",
    "model": "mistral-small",
    "params": {"temperature": 0},
}


def manifest(*targets: TargetConfig) -> RunManifest:
    return RunManifest(
        run_id="r1",
        created_at="",
        evalkit_version="",
        python_version="",
        targets=[TargetInfo.of(t) for t in targets],
    )


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"model": "llama-3"}, "model 'mistral-small' -> 'llama-3'"),
        ({"base_url": "https://other.example/v1"}, "base_url 'https://gw.example/v1' -> 'https"),
        ({"params": {"temperature": 1}}, "params {'temperature': 0} -> {'temperature': 1}"),
    ],
)
def test_a_resume_refuses_another_endpoint_under_the_same_name(
    change: dict[str, Any], said: str
) -> None:
    started = manifest(TargetConfig(**BASE))
    with pytest.raises(ConfigError, match="target 'gw' changed since run r1 started") as err:
        check_targets_unchanged(started, [TargetConfig(**{**BASE, **change})])
    assert said in str(err.value)


def test_limits_timeouts_and_credentials_may_change() -> None:
    started = manifest(TargetConfig(**BASE, api_key_env="OLD_KEY", headers={"X-Key": "a"}))
    now = TargetConfig(
        **BASE,
        api_key_env="NEW_KEY",
        headers={"X-Key": "b"},
        max_concurrency=4,
        timeout_s=30,
        max_attempts=2,
        rpm=60,
        price_input_per_mtok=1.0,
    )
    check_targets_unchanged(started, [now])


def test_a_simulated_target_is_its_skill_and_seed() -> None:
    sim = {"name": "s", "simulated": True, "model": "sim/m"}
    started = manifest(TargetConfig(**sim, sim={"skill": 0.5, "seed": 1, "ttft_s": 0.1}))
    check_targets_unchanged(started, [TargetConfig(**sim, sim={"skill": 0.5, "seed": 1})])
    with pytest.raises(ConfigError, match=r"sim.skill 0.5 -> 0.9"):
        check_targets_unchanged(started, [TargetConfig(**sim, sim={"skill": 0.9, "seed": 1})])


def test_a_run_json_from_before_a_field_existed_is_not_refused() -> None:
    started = manifest(TargetConfig(**BASE))
    data = started.model_dump()
    del data["targets"][0]["params"]  # an older run.json without it
    check_targets_unchanged(
        RunManifest.model_validate(data), [TargetConfig(**{**BASE, "params": {"x": 1}})]
    )
