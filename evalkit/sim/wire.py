"""The gateway's wire format, encoded: response bodies, SSE chunks and error bodies.

JSON is compact (``{"a":1}``) like the gateway's. A stream's chunks share
their ``id``/``object``/``created``/``model`` head, so ``ChunkEncoder``
encodes that head once and each chunk costs one small ``json.dumps`` of its
delta.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

from evalkit.sim.reply import Planned

DONE = b"data: [DONE]\n\n"
SSE_CONTENT_TYPE = "text/event-stream"

ERROR_TYPES: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("authentication_error", "invalid_api_key"),
    402: ("insufficient_credits", "insufficient_credits"),
    404: ("not_found", "not_found"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    500: ("server_error", "server_error"),
    503: ("service_unavailable", "service_unavailable"),
}
"""HTTP status -> (error type, error code) as the gateway card lists them."""

ERROR_MESSAGES: dict[int, str] = {
    401: "Invalid or missing API key",
    402: "Wallet empty: add credits to continue",
    404: "Unknown model or endpoint",
    429: "Over per-minute limit: see Retry-After header",
    500: "Upstream provider failed",
    503: "Upstream saturated",
}


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_NOT_DONE = ',"finish_reason":null}]}\n\n'


def error_body(status: int, message: str | None = None, code: str | None = None) -> bytes:
    """``{"error": {"message", "type", "code"}}`` for an HTTP error status."""
    err_type, default_code = ERROR_TYPES.get(status, ("server_error", "server_error"))
    body = {
        "error": {
            "message": message or ERROR_MESSAGES.get(status, "Error"),
            "type": err_type,
            "code": code or default_code,
        }
    }
    return _dumps(body).encode()


def format_retry_after(seconds: float) -> str:
    """A Retry-After value: an integer when whole, else up to three decimals."""
    if seconds == int(seconds):
        return str(int(seconds))
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


def usage_dict(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    """The ``usage`` object."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def completion_body(
    completion_id: str,
    created: int,
    model: str,
    planned: Planned,
    usage: dict[str, int] | None,
) -> bytes:
    """The non-streamed response JSON."""
    message: dict[str, Any] = {"role": "assistant", "content": planned.content}
    if planned.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in planned.tool_calls
        ]
    body: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": planned.finish_reason}],
    }
    if usage is not None:
        body["usage"] = usage
    return _dumps(body).encode()


class ChunkEncoder:
    """Encodes the ``data: {...}\\n\\n`` events of one streamed completion."""

    def __init__(self, completion_id: str, created: int, model: str) -> None:
        head = _dumps(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
            }
        )[:-1]
        self._head = "data: " + head
        self._open = self._head + ',"choices":[{"index":0,"delta":'
        self._content = self._open + '{"content":'

    def delta(self, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        """One chunk carrying ``delta`` (and ``finish_reason``, null unless given)."""
        finish = "null" if finish_reason is None else _dumps(finish_reason)
        return f'{self._open}{_dumps(delta)},"finish_reason":{finish}}}]}}\n\n'.encode()

    def role(self) -> bytes:
        """The first chunk: ``{"role":"assistant"}``."""
        return self.delta({"role": "assistant"})

    def content(self, piece: str) -> bytes:
        """A content chunk carrying one token piece (the hot path: no dict, no dumps)."""
        return f"{self._content}{encode_basestring(piece)}}}{_NOT_DONE}".encode()

    def contents(self, pieces: list[str]) -> bytes:
        """The content chunks of all ``pieces`` as one buffer (zero-latency fast path)."""
        if not pieces:
            return b""
        between = "}" + _NOT_DONE + self._content
        return (
            f"{self._content}{between.join(map(encode_basestring, pieces))}}}{_NOT_DONE}".encode()
        )

    def tool_start(self, index: int, call_id: str, name: str) -> bytes:
        """The first chunk of a tool call: index, id, type, name and empty arguments."""
        return self.delta(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": ""},
                    }
                ]
            }
        )

    def tool_arguments(self, index: int, fragment: str) -> bytes:
        """A fragment of a tool call's arguments."""
        return (
            f'{self._open}{{"tool_calls":[{{"index":{index},"function":{{"arguments":'
            f"{encode_basestring(fragment)}}}}}]}}{_NOT_DONE}"
        ).encode()

    def finish(self, finish_reason: str) -> bytes:
        """The finish chunk: an empty delta and the finish reason."""
        return self.delta({}, finish_reason)

    def usage(self, usage: dict[str, int]) -> bytes:
        """The usage chunk sent after the finish chunk: empty ``choices`` and ``usage``."""
        return f'{self._head},"choices":[],"usage":{_dumps(usage)}}}\n\n'.encode()

    def malformed(self) -> bytes:
        """A chunk whose data is not JSON (cut inside a string)."""
        return (self._open + '{"content":"\\u00\n\n').encode()


def token_events(encoder: ChunkEncoder, planned: Planned) -> list[bytes]:
    """The token-bearing chunks of a planned output, in order."""
    events = [encoder.content(piece) for piece in planned.content_pieces]
    for index, call in enumerate(planned.tool_calls):
        events.append(encoder.tool_start(index, call.id, call.name))
        events.extend(encoder.tool_arguments(index, frag) for frag in call.argument_pieces)
    return events


__all__ = [
    "DONE",
    "ERROR_MESSAGES",
    "ERROR_TYPES",
    "SSE_CONTENT_TYPE",
    "ChunkEncoder",
    "completion_body",
    "error_body",
    "format_retry_after",
    "token_events",
    "usage_dict",
]
