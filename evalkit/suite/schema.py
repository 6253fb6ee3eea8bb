"""The suite contracts: one sample per JSONL line, and the manifest beside it.

A sample is validated once, when its suite is loaded; after that its
``messages`` are plain wire-format dicts so that building a request costs
nothing but a dict copy.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_serializer,
    model_validator,
)

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
KINDS = ("chat", "vision", "tools", "json", "needle")
Kind = Literal["chat", "vision", "tools", "json", "needle"]


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
    "ROLES",
    "GraderSpec",
    "Kind",
    "Sample",
    "SuiteDefaults",
    "SuiteManifest",
    "parse_grader_list",
]
