"""evalkit.toml validation: errors name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.config import Config, load_config, parse_config
from evalkit.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "evalkit.toml"
    path.write_text(text)
    return path


def test_repository_config_loads_and_ships_the_seed_target() -> None:
    config = load_config(Path(__file__).parent.parent / "evalkit.toml")
    seed = config.target("mistral-small-3.1")
    assert seed.base_url == "https://api.aigateway.sh/v1"
    assert seed.model == "mistralai/mistral-small-3.1-24b-instruct"
    assert (seed.price_input_per_mtok, seed.price_output_per_mtok) == (0.35, 0.55)
    assert (seed.context_window, seed.max_output_tokens) == (128000, 4096)
    assert seed.api_key_env == "AIGATEWAY_API_KEY"


def test_builtin_sim_needs_no_configuration() -> None:
    sim = Config().target("sim")
    assert sim.simulated and sim.context_window == 128_000


def test_sim_table_overrides_builtin_defaults_and_keeps_the_rest() -> None:
    config = parse_config({"targets": {"sim": {"sim": {"skill": 0.5}}}}, "x.toml")
    sim = config.target("sim")
    assert sim.sim.skill == 0.5 and sim.simulated and sim.price_input_per_mtok == 0.35


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[targets.a]\nmodel = 'm'\n", "[targets.a]: base_url is required"),
        (
            "[targets.a]\nbase_url = 'http://x'\nmodel = 'm'\nmax_concurrency = 'many'\n",
            "[targets.a] max_concurrency",
        ),
        (
            "[targets.a]\nbase_url = 'http://x'\nmodel = 'm'\nprice_input_per_mtok = -1\n",
            "price_input_per_mtok",
        ),
        (
            "[targets.a]\nbase_url = 'http://x'\nmodel = 'm'\nbase_ulr = 'typo'\n",
            "base_ulr: unknown key",
        ),
        ("[run]\nepochs = 0\n", "run.epochs"),
        ("[targets\n", "invalid TOML"),
        ("[gate]\nmax_accuracy_drop = 'x'\n", "gate.max_accuracy_drop"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_unknown_target_lists_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown target 'nope'.*sim"):
        Config().target("nope")


def test_missing_config_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_api_key_is_read_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse_config(
        {"targets": {"a": {"base_url": "http://x", "model": "m", "api_key_env": "EK_TEST_KEY"}}},
        "x",
    )
    monkeypatch.setenv("EK_TEST_KEY", "sk-secret-123")
    target = config.target("a")
    assert target.api_key() == "sk-secret-123"
    assert "sk-secret-123" not in target.model_dump_json()


def test_smallest_context_window_of_the_named_targets() -> None:
    config = parse_config(
        {
            "targets": {
                "small": {"base_url": "http://x", "model": "m", "context_window": 8192},
                "open": {"base_url": "http://x", "model": "m"},  # sets no window
            }
        },
        "test.toml",
    )
    assert config.smallest_context_window(["small", "sim"]) == 8192
    assert config.smallest_context_window(["sim"]) == 128_000
    assert config.smallest_context_window(["open"]) is None
    assert config.smallest_context_window([]) is None
    with pytest.raises(ConfigError, match="unknown target"):
        config.smallest_context_window(["nope"])
