"""Failed answers turned into evalkit's error classes: status, provider text, Retry-After.

The client classifies every failure once; this module does it for the ones
that came with an answer (a status, or an error object in a 200 body or
stream). Connection failures and broken streams are classified in chat.py.

    429                              RateLimitError      retryable
    500, 502, 503, 504, other 5xx    ServerError         retryable
    5xx whose text is a validation   BadRequestError     llama-cpp-python reports a request it
      error; 501 Not Implemented                         cannot take as 500 (json_schema...)
    408                              TimeoutError_       retryable: the server gave up waiting
    400 speaking of context length   ContextLengthError  (each local server's own words)
    401, 402, 404                    TargetFatalError    stop the target
    400 naming an unknown model      TargetFatalError    LM Studio's model_not_found is a 400
    400, 413, 422, other 4xx         BadRequestError
    anything else >= 300             BadRequestError     a redirect loop, an odd status

The wordings come from each server's source or real replies; the tests in
tests/client/test_server_wordings.py quote them and say where each is from.

Messages name the status and quote the provider's own error text from the
``{"error": {"message", "type", "code"}}`` body (bounded in length; a body
that is not JSON is quoted as text). A retryable error carries the server's
``Retry-After`` (or ``retry-after-ms``) in seconds.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

from evalkit.errors import (
    BadRequestError,
    ContextLengthError,
    RateLimitError,
    RequestError,
    RetryableError,
    ServerError,
    TargetFatalError,
    TimeoutError_,
)

MAX_ERROR_TEXT = 500  # characters of the provider's text kept in a message
MAX_TAG_TEXT = 100  # characters of the provider's error type or code kept

_CONTEXT = re.compile(
    r"context[ _-]?length|maximum context|context window|too many tokens"
    r"|prompt is too long|input is too long"
    r"|context[ _-]size|maximum model length",  # llama.cpp's llama-server; vLLM
    re.IGNORECASE,
)
# A model the server does not have, said with a 400 (LM Studio) rather than a 404.
_UNKNOWN_MODEL = re.compile(
    r"model_not_found|invalid model identifier|no models loaded", re.IGNORECASE
)
# pydantic's "1 validation error" / "2 validation errors": the request was refused
# as it is, whatever the status says (llama-cpp-python answers these with a 500).
_VALIDATION = re.compile(r"\bvalidation errors?\b", re.IGNORECASE)
# The number each server puts beside an overflow: the context window, in tokens.
_WINDOW = re.compile(
    r"maximum context length is (\d+)"  # OpenAI, vLLM, llama-cpp-python
    r"|available context size \((\d+) tokens\)"  # llama-server
    r"|context size \((\d+) tokens\)"  # llama-server, older builds
    r"|maximum model length of (\d+)"  # vLLM, a prompt alone too long
    r"|context length of only (\d+)"  # LM Studio
    r"|n_ctx: (\d+)"  # LM Studio (n_keep >= n_ctx)
    r"|context window of (\d+)",  # llama-cpp-python's engine
    re.IGNORECASE,
)
_MAX_OUTPUT = re.compile(
    r"at most (\d+) (?:completion|output) tokens"  # OpenAI
    r"|max_tokens\D{0,40}?(?:less than or equal to|at most|<=) (\d+)",
    re.IGNORECASE,
)

# In-stream errors carry no HTTP status of their own; their type or code says it.
_NAMED_STATUS = {
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "too_many_requests": 429,
    "server_error": 500,
    "internal_error": 500,
    "api_error": 500,
    "service_unavailable": 503,
    "overloaded_error": 503,
    "authentication_error": 401,
    "invalid_api_key": 401,
    "insufficient_credits": 402,
    "insufficient_quota": 402,
    "not_found": 404,
    "not_found_error": 404,
    "model_not_found": 404,
    "context_length_exceeded": 400,
    "invalid_request_error": 400,
    "bad_request": 400,
}


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP-date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            value = float(ms) / 1000
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            return max(0.0, value)
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return max(0.0, value) if math.isfinite(value) else None


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_TEXT else text[: MAX_ERROR_TEXT - 3] + "..."


def describe_error(obj: Any) -> tuple[str, str | None, Any]:
    """(message, type, code) of a provider's error object, whatever its shape.

    The code is kept when it is a number or a string; anything else is
    shown as JSON text. Nothing here raises on a strange shape.
    """
    err = obj.get("error", obj) if isinstance(obj, dict) else obj
    if isinstance(err, str):
        return err, None, None
    if not isinstance(err, dict):
        return _json_text(err), None, None
    message = err.get("message") or err.get("detail") or err.get("msg")
    if not isinstance(message, str):
        message = _json_text(message) if message is not None else ""
    kind = err.get("type")
    code = err.get("code")
    if code is not None and not isinstance(code, int | str):
        code = _json_text(code)
    return message, kind if isinstance(kind, str) else None, code


def _json_text(value: Any) -> str:
    try:
        return json.dumps(value)[: MAX_ERROR_TEXT * 2]
    except (ValueError, RecursionError):  # nested too deeply to print
        return "(unprintable)"


def _provider_text(body: bytes) -> tuple[str, str | None, Any]:
    try:
        obj = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or JSON too deep or long to hold
        return body.decode("utf-8", "replace"), None, None
    return describe_error(obj)


def _error_class(status: int, said: str) -> type[RequestError]:
    if status == 429:
        return RateLimitError
    if status == 501 or (status >= 500 and _VALIDATION.search(said)):
        return BadRequestError  # deterministic: the same request is refused every time
    if status >= 500:
        return ServerError
    if status == 408:
        return TimeoutError_
    if status in (401, 402, 404):
        return TargetFatalError
    if status == 400 and _UNKNOWN_MODEL.search(said):
        return TargetFatalError
    if status == 400 and _CONTEXT.search(said):
        return ContextLengthError
    return BadRequestError


def _first_number(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    if match is None:
        return None
    return next(int(g) for g in match.groups() if g is not None)


def context_window_in(text: str) -> int | None:
    """The context window (tokens) an overflow error states, e.g. 8192; None if it says none."""
    return _first_number(_WINDOW, text)


def max_output_in(text: str) -> int | None:
    """The output-token cap an error about ``max_tokens`` states; None if it says none."""
    return _first_number(_MAX_OUTPUT, text)


def _build(
    cls: type[RequestError], message: str, status: int | None, headers: Mapping[str, str]
) -> RequestError:
    if issubclass(cls, RetryableError):
        return cls(message, http_status=status, retry_after=parse_retry_after(headers))
    return cls(message, http_status=status)


def _label(message: str, kind: str | None, code: Any) -> str:
    tags = [t[:MAX_TAG_TEXT] for t in (kind, None if code is None else str(code)) if t]
    if len(tags) == 2 and tags[0] == tags[1]:
        tags.pop()
    head = f" {' / '.join(tags)}" if tags else ""
    text = _clip(message)
    return f"{head}: {text}" if text else head


def error_for_status(status: int, body: bytes, headers: Mapping[str, str]) -> RequestError:
    """The error for a response with a non-success ``status`` and its ``body``."""
    message, kind, code = _provider_text(body)
    said = f"{message} {kind or ''} {code or ''}"
    try:
        phrase = f" {HTTPStatus(status).phrase}"
    except ValueError:
        phrase = ""
    text = f"HTTP {status}{phrase}{_label(message, kind, code)}"
    return _build(_error_class(status, said), text, status, headers)


def _status_of(kind: str | None, code: Any) -> int | None:
    if isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599:
        return code
    if isinstance(code, str) and len(code) == 3 and code.isascii() and code.isdigit():
        return int(code) if 100 <= int(code) <= 599 else None
    for name in (code, kind):
        if isinstance(name, str) and name.lower() in _NAMED_STATUS:
            return _NAMED_STATUS[name.lower()]
    return None


def error_for_payload(obj: Any, status: int, headers: Mapping[str, str]) -> RequestError:
    """The error for an error object sent with a success status (inside a stream or body).

    Its ``code`` (a number, or a name like ``rate_limit_error``) picks the
    class as an HTTP status would; an error that names nothing known is
    taken for an upstream failure (``ServerError``, retryable).
    """
    message, kind, code = describe_error(obj)
    said = f"{message} {kind or ''} {code or ''}"
    as_status = _status_of(kind, code) or 500
    text = f"HTTP {status}, error in the response (as {as_status}){_label(message, kind, code)}"
    return _build(_error_class(as_status, said), text, as_status, headers)


__all__ = [
    "MAX_ERROR_TEXT",
    "context_window_in",
    "describe_error",
    "error_for_payload",
    "error_for_status",
    "max_output_in",
    "parse_retry_after",
]
