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


def _target(**body: object) -> dict[str, object]:
    return {"targets": {"a": {"base_url": "http://x/v1", "model": "m", **body}}}


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        ("timeout_s = inf", "timeout_s", "finite"),
        ("timeout_s = nan", "timeout_s", "finite"),
        ("max_retry_time_s = -inf", "max_retry_time_s", ""),
        ("price_input_per_mtok = inf", "price_input_per_mtok", "finite"),
        ("rpm = inf", "rpm", "finite"),
        ('max_concurrency = "8"', "max_concurrency", "valid integer"),
        ("max_concurrency = 1e9", "max_concurrency", "valid integer"),
        ("max_concurrency = 8.0", "max_concurrency", "valid integer"),
        ("max_concurrency = 1000000000", "max_concurrency", "less than or equal to 4096"),
        ("max_concurrency = true", "max_concurrency", "valid integer"),
        ('timeout_s = "30"', "timeout_s", "valid number"),
        ('stream = "false"', "stream", "valid boolean"),
        ("max_response_bytes = 1e12", "max_response_bytes", "valid integer"),
        ("max_response_bytes = 10000000000", "max_response_bytes", "less than or equal"),
        ("sim = { ttft_s = inf }", "sim.ttft_s", "finite"),
        ("context_window = 1000000000000", "context_window", "less than or equal"),
        ("headers = { X-Num = 1 }", "headers.X-Num", "valid string"),
        ('headers = { "Bad Name" = "v" }', "headers", "not a valid header name"),
        ('headers = { X-A = "v\\r\\nX-Injected: 1" }', "headers", "line break"),
    ],
)
def test_target_numbers_and_types_are_strict(
    tmp_path: Path, text: str, key: str, says: str
) -> None:
    path = write(tmp_path, f"[targets.a]\nbase_url = 'http://x/v1'\nmodel = 'm'\n{text}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert f"{path}: [targets.a] {key}" in message
    assert says in message


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http:///v1", "no host"),
        ("http://:8000/v1", "no host"),
        ("https://", "no host"),
        ("ftp://host/v1", "http:// or https://"),
        ("localhost:8000/v1", "http:// or https://"),
        ("http://host:99999/v1", "not a valid URL"),
        ("http://host:0/v1", "port 0"),
        ("http://host/v1#frag", "fragment"),
        ("http://host /v1", "spaces"),
        ("http://[::1/v1", "not a valid URL"),
    ],
)
def test_base_url_needs_a_scheme_and_a_host(url: str, says: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(_target(base_url=url), "x.toml")
    assert "x.toml: [targets.a]" in str(info.value) and says in str(info.value)


def test_base_url_errors_never_show_its_credentials() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(_target(base_url="ftp://bob:hunter2-pw@host/v1?api_key=sk-QUERY"), "x.toml")
    assert "hunter2-pw" not in str(info.value) and "sk-QUERY" not in str(info.value)
    assert "ftp://***@host/v1?api_key=***" in str(info.value)


def test_a_scheme_in_capitals_is_a_scheme() -> None:
    # URL schemes are case-insensitive (RFC 3986); aiohttp sends to it as to http://.
    t = parse_config(_target(base_url="HTTP://host:8000/v1"), "x.toml").target("a")
    assert t.public_url == "http://host:8000/v1"


def test_base_url_credentials_and_a_key_are_one_too_many() -> None:
    with pytest.raises(ConfigError, match="keep one"):
        parse_config(_target(base_url="http://u:p@host/v1", api_key_env="K"), "x.toml")
    parse_config(_target(base_url="http://u:p@host/v1"), "x.toml")  # alone it is fine


def test_valid_strict_values_still_load() -> None:
    config = parse_config(
        _target(timeout_s=30, max_concurrency=4096, price_input_per_mtok=1, rpm=60.5),
        "x.toml",
    )
    t = config.target("a")
    assert (t.timeout_s, t.max_concurrency, t.price_input_per_mtok) == (30.0, 4096, 1.0)
    assert t.max_response_bytes == 16 << 20


def test_public_url_and_credentials_of_a_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EK_KEY", "sk-from-env")
    config = parse_config(
        {
            "targets": {
                "a": {
                    "base_url": "https://gw.example/v1?api_key=sk-in-query&region=eu",
                    "model": "m",
                    "api_key_env": "EK_KEY",
                    "headers": {"X-Token": "Bearer tok-header-value", "X-Tier": "2"},
                },
                "b": {"base_url": "http://alice:s3cret%21@h:8080/v1", "model": "m"},
            }
        },
        "x.toml",
    )
    a, b = config.target("a"), config.target("b")
    assert a.public_url == "https://gw.example/v1?api_key=***&region=***"
    assert b.public_url == "http://***@h:8080/v1"
    assert {"sk-from-env", "Bearer tok-header-value", "tok-header-value", "sk-in-query"} <= set(
        a.credentials()
    )
    assert {"s3cret%21", "s3cret!", "alice"} <= set(b.credentials())
