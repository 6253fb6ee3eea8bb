"""The suite contracts: one sample per JSONL line, and the manifest beside it.

A sample is validated once, when its suite is loaded; after that its
``messages`` are plain wire-format dicts so that building a request costs
nothing but a dict copy.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from evalkit.errors import Problem
from evalkit.types import RESERVED_REQUEST_FIELDS

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
KINDS = ("chat", "vision", "tools", "json", "needle")
Kind = Literal["chat", "vision", "tools", "json", "needle"]

RESERVED_PARAM = "reserved_param"
"""The pydantic error type of a reserved key in ``params`` (its ``ctx`` names the key)."""

_RESERVED_KEYS = frozenset(RESERVED_REQUEST_FIELDS)


def check_params(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` if it sets no field of ``RESERVED_REQUEST_FIELDS`` (else a
    ``RESERVED_PARAM`` error naming the key)."""
    if not _RESERVED_KEYS.isdisjoint(params):
        key = next(k for k in params if k in _RESERVED_KEYS)
        why = RESERVED_REQUEST_FIELDS[key]
        raise PydanticCustomError(RESERVED_PARAM, "reserved: {why}", {"key": key, "why": why})
    return params


def _check_finite(value: Any) -> None:
    """Raise ValueError if a number in ``value`` is NaN or infinite.

    A TOML manifest can say ``nan`` or ``inf``; a JSON line cannot (see
    ``suite.jsonl``), so only the manifest's defaults are walked.
    """
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    if isinstance(value, dict):
        for item in value.values():
            _check_finite(item)
    elif isinstance(value, list):
        for item in value:
            _check_finite(item)


def _field_of(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problems_of(exc: ValidationError, file: str, line: int | None, unknown: str) -> list[Problem]:
    """A validation error of these models as ``file:line: [field] reason`` problems.

    ``unknown`` words a key the model does not have ("unknown field").
    """
    out = []
    for err in exc.errors():
        where = _field_of(tuple(err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = unknown
        elif err["type"] == RESERVED_PARAM:
            # The offending key, not the whole params object, is the field.
            where = f"{where}.{err.get('ctx', {}).get('key')}"
        out.append(Problem(file, line, where or None, msg))
    return out


class GraderSpec(BaseModel):
    """A grader by name plus its options: the record of how a score was made."""

    model_config = ConfigDict(frozen=True)

    type: str
    options: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Any) -> GraderSpec:
        """From ``"exact"`` or ``{"type": "exact", "normalize": true}``."""
        if isinstance(raw, str):
            return cls(type=raw)
        if isinstance(raw, GraderSpec):
            return raw
        if isinstance(raw, dict):
            if "type" not in raw or not isinstance(raw["type"], str):
                raise ValueError("a grader object needs a string 'type'")
            opts = {k: v for k, v in raw.items() if k != "type"}
            return cls(type=raw["type"], options=opts)
        raise ValueError("a grader is a name, an object with 'type', or a list of them")

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, **self.options}

    @model_serializer
    def _flat(self) -> dict[str, Any]:
        # Serialised as written in a suite line, so a run's sample snapshot
        # loads back through the same parser.
        return self.to_json()


def parse_grader_list(raw: Any) -> list[GraderSpec]:
    """Normalise the ``grader`` field: one spec or a list, the first primary."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [GraderSpec.parse(item) for item in items]


def _check_content(content: Any, role: str) -> None:
    if content is None:
        if role in ("assistant",):
            return
        raise ValueError(f"a {role} message needs content")
    if isinstance(content, str):
        return
    if not isinstance(content, list) or not content:
        raise ValueError("content must be a string or a non-empty list of parts")
    for i, part in enumerate(content):
        if not isinstance(part, dict):
            raise ValueError(f"content part {i} must be an object")
        kind = part.get("type")
        if kind == "text":
            if not isinstance(part.get("text"), str):
                raise ValueError(f"content part {i}: a text part needs a string 'text'")
        elif kind == "image_url":
            img = part.get("image_url")
            url = img.get("url") if isinstance(img, dict) else None
            if not isinstance(url, str) or not url:
                raise ValueError(f"content part {i}: an image_url part needs image_url.url")
            if role != "user":
                raise ValueError(f"content part {i}: images are only allowed in user messages")
        else:
            raise ValueError(f"content part {i}: unknown part type {kind!r}")


class Sample(BaseModel):
    """One item of a suite, after shorthand expansion and manifest defaults."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    messages: list[dict[str, Any]] = Field(default_factory=list)
    prompt: str | None = Field(None, exclude=True)
    system: str | None = Field(None, exclude=True)
    expected: Any = None
    grader: list[GraderSpec] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    tools: list[dict[str, Any]] | None = None
    tool_choice: Any = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    cluster: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            return str(v)
        return v

    @field_validator("grader", mode="before")
    @classmethod
    def _graders(cls, v: Any) -> list[GraderSpec]:
        return parse_grader_list(v)

    @field_validator("params")
    @classmethod
    def _params(cls, v: dict[str, Any]) -> dict[str, Any]:
        return check_params(v)

    @model_validator(mode="after")
    def _messages(self) -> Sample:
        if self.prompt is not None:
            if self.messages:
                raise ValueError("give either 'messages' or 'prompt', not both")
            msgs: list[dict[str, Any]] = []
            if self.system is not None:
                msgs.append({"role": "system", "content": self.system})
            msgs.append({"role": "user", "content": self.prompt})
            self.messages = msgs
            self.prompt = None
            self.system = None
        elif self.system is not None:
            raise ValueError("'system' goes with 'prompt'; put it in 'messages' instead")
        if not self.messages:
            raise ValueError("a sample needs 'messages' or 'prompt'")
        for i, msg in enumerate(self.messages):
            if not isinstance(msg, dict):
                raise ValueError(f"messages[{i}] must be an object")
            role = msg.get("role")
            if role not in ROLES:
                raise ValueError(f"messages[{i}].role: {role!r} is not one of {sorted(ROLES)}")
            try:
                if not (role == "assistant" and msg.get("tool_calls")):
                    _check_content(msg.get("content"), role)
            except ValueError as exc:
                raise ValueError(f"messages[{i}].content: {exc}") from None
            if role == "tool" and not msg.get("tool_call_id"):
                raise ValueError(f"messages[{i}]: a tool message needs tool_call_id")
        return self

    def request_fields(self) -> dict[str, Any]:
        """What this sample adds to the request body besides ``messages``."""
        body: dict[str, Any] = dict(self.params)
        if self.tools is not None:
            body["tools"] = self.tools
        if self.tool_choice is not None:
            body["tool_choice"] = self.tool_choice
        if self.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = self.parallel_tool_calls
        if self.response_format is not None:
            body["response_format"] = self.response_format
        return body


class SuiteDefaults(BaseModel):
    """Defaults a manifest applies to every sample that does not set its own."""

    model_config = ConfigDict(extra="forbid")

    grader: list[GraderSpec] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)

    @field_validator("grader", mode="before")
    @classmethod
    def _graders(cls, v: Any) -> list[GraderSpec]:
        return parse_grader_list(v)

    @field_validator("params")
    @classmethod
    def _params(cls, v: dict[str, Any]) -> dict[str, Any]:
        _check_finite(v)
        return check_params(v)


class SuiteManifest(BaseModel):
    """manifest.toml beside a suite's JSONL: its name, kind, defaults, or a generator."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    kind: Kind = "chat"
    description: str = ""
    samples: str | None = None  # JSONL file relative to the manifest
    defaults: SuiteDefaults = Field(default_factory=SuiteDefaults)
    generator: dict[str, Any] | None = None  # {"type": "needle", ...options}

    @model_validator(mode="after")
    def _source(self) -> SuiteManifest:
        if (self.samples is None) == (self.generator is None):
            raise ValueError("a manifest needs exactly one of 'samples' or [generator]")
        return self


__all__ = [
    "KINDS",
    "RESERVED_PARAM",
    "ROLES",
    "GraderSpec",
    "Kind",
    "Sample",
    "SuiteDefaults",
    "SuiteManifest",
    "check_params",
    "parse_grader_list",
    "problems_of",
]
