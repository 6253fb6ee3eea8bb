"""Reading a chat-completions request body, with the gateway's 400s for bad ones."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})


class SimHTTPError(Exception):
    """An error response the simulator sends: status, message and optional error code."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        code: str | None = None,
        fault: str | None = None,
        retry_after: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or str(status))
        self.status = status
        self.message = message
        self.code = code
        self.fault = fault
        self.retry_after = retry_after
        self.headers = headers or {}


def bad_request(message: str) -> SimHTTPError:
    """A 400 invalid_request_error."""
    return SimHTTPError(400, message)


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """The fields of a chat-completions request the simulator acts on."""

    model: str
    messages: list[dict[str, Any]]
    stream: bool = False
    include_usage: bool = False
    max_tokens: int | None = None
    tools: list[dict[str, Any]] | None = None
    json_mode: bool = False
    ignore_eos: bool = False
    min_tokens: int = 0


def _check_messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise bad_request("'messages' must be a non-empty array")
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise bad_request(f"messages[{i}] must be an object")
        role = msg.get("role")
        if role not in ROLES:
            raise bad_request(f"messages[{i}].role: {role!r} is not one of {sorted(ROLES)}")
        content = msg.get("content")
        if content is None:
            if role == "assistant" and msg.get("tool_calls"):
                continue
            raise bad_request(f"messages[{i}].content is required")
        if isinstance(content, str):
            continue
        if not isinstance(content, list):
            raise bad_request(f"messages[{i}].content must be a string or an array of parts")
        for j, part in enumerate(content):
            kind = part.get("type") if isinstance(part, dict) else None
            if kind not in ("text", "image_url"):
                raise bad_request(f"messages[{i}].content[{j}]: unknown part type {kind!r}")
    return messages


def _check_tools(tools: Any) -> list[dict[str, Any]] | None:
    if tools is None:
        return None
    if not isinstance(tools, list):
        raise bad_request("'tools' must be an array")
    for i, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if tool.get("type") != "function" or not isinstance(fn, dict):
            raise bad_request(f"tools[{i}] must be {{'type': 'function', 'function': {{...}}}}")
        if not isinstance(fn.get("name"), str) or not fn["name"]:
            raise bad_request(f"tools[{i}].function.name is required")
    return tools


def _positive_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise bad_request(f"'{name}' must be a positive integer")
    return value


def parse_chat_request(raw: bytes) -> ChatRequest:
    """Validate a request body; ``SimHTTPError(400)`` names what is wrong."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad_request("'model' is required")
    messages = _check_messages(body.get("messages"))
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise bad_request("'stream' must be a boolean")
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise bad_request("'stream_options' must be an object")
    if body.get("n") not in (None, 1):
        raise bad_request("only n = 1 is supported")
    max_tokens = _positive_int(body, "max_completion_tokens") or _positive_int(body, "max_tokens")
    response_format = body.get("response_format")
    json_mode = isinstance(response_format, dict) and response_format.get("type") in (
        "json_object",
        "json_schema",
    )
    return ChatRequest(
        model=model,
        messages=messages,
        stream=stream,
        include_usage=stream and options.get("include_usage") is True,
        max_tokens=max_tokens,
        tools=_check_tools(body.get("tools")),
        json_mode=json_mode,
        ignore_eos=body.get("ignore_eos") is True,
        min_tokens=_positive_int(body, "min_tokens") or 0,
    )


__all__ = ["ROLES", "ChatRequest", "SimHTTPError", "bad_request", "parse_chat_request"]
