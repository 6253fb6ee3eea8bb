"""What an endpoint says about itself: its model list, its limits, its rate-limit headers.

The capability probe's raw requests, each one attempt classified like the
chat client's (a ``RequestError`` subclass; the caller retries): ``GET
/models`` (the model ids and, where the server gives them, the context
window and output cap), one plain chat request read with its headers, and a
streamed request with a huge ``max_tokens`` that is dropped after its first
event (an endpoint that enforces a cap refuses it at once and says the cap;
one that does not has spent a token or two). The API key goes in the
``Authorization`` header only and never into a message.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from evalkit.client.answer import valid_text
from evalkit.client.chat import ERROR_BODY_BYTES, chat_url
from evalkit.client.http_errors import error_for_status
from evalkit.config import TargetConfig
from evalkit.errors import (
    BadResponseError,
    ConnectError,
    RequestError,
    ResponseTooLargeError,
    TimeoutError_,
)
from evalkit.secrets import Scrubber, redact_url

# /models fields that state the serving context window (vLLM, OpenRouter, LM Studio...).
_WINDOW_KEYS = ("max_model_len", "context_length", "context_window", "max_context_length", "n_ctx")
_OUTPUT_KEYS = ("max_output_tokens", "max_completion_tokens")
_RATE_PREFIXES = ("x-ratelimit-", "ratelimit", "anthropic-ratelimit-")
_MAX_IDS = 1000
_ID_CHARS = 200


@dataclass(frozen=True)
class ModelList:
    """``GET /models``: the ids (None when the endpoint has no list) and stated limits."""

    ids: list[str] | None
    context_window: int | None = None
    max_output_tokens: int | None = None
    rate_limits: dict[str, str] = field(default_factory=dict)


def rate_limit_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The rate-limit headers among ``headers`` (OpenAI's x-ratelimit-*, IETF RateLimit-*...)."""
    return {
        k.lower(): v
        for k, v in headers.items()
        if k.lower().startswith(_RATE_PREFIXES) or k.lower() == "retry-after"
    }


def _models_url(base_url: str) -> str:
    """The model list under ``base_url``: path joined, query kept (it may hold the key)."""
    parts = urlsplit(base_url)
    return urlunsplit(
        (parts.scheme, parts.netloc, parts.path.rstrip("/") + "/models", parts.query, "")
    )


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _limits(entry: dict[str, Any]) -> tuple[int | None, int | None]:
    """(context window, output cap) an entry of /models states, if any."""
    nested = (entry.get("meta"), entry.get("top_provider"))
    places = [entry, *(p for p in nested if isinstance(p, dict))]
    window = next((_int(p.get(k)) for p in places for k in _WINDOW_KEYS if _int(p.get(k))), None)
    cap = next((_int(p.get(k)) for p in places for k in _OUTPUT_KEYS if _int(p.get(k))), None)
    return window, cap


def _headers(target: TargetConfig) -> dict[str, str]:
    headers: dict[str, str] = {}
    key = target.api_key()
    if key:
        headers["Authorization"] = f"Bearer {key}"
    headers.update(target.headers)
    return headers


@asynccontextmanager
async def _session(target: TargetConfig, timeout_s: float) -> AsyncIterator[aiohttp.ClientSession]:
    timeout = aiohttp.ClientTimeout(total=min(timeout_s, target.timeout_s))
    scrub = Scrubber(target.credentials())
    async with aiohttp.ClientSession(headers=_headers(target), timeout=timeout) as session:
        try:
            yield session
        except TimeoutError:
            raise TimeoutError_(f"no answer within {timeout_s:g} s") from None
        except aiohttp.ClientError as exc:
            where = redact_url(target.base_url) or "the endpoint"
            raise ConnectError(scrub(f"cannot reach {where}: {exc}")) from None
        except RequestError as exc:
            # An error body may quote what it was sent, the key included.
            exc.message = scrub(exc.message)
            exc.args = (exc.message,)
            raise


async def _read_capped(resp: aiohttp.ClientResponse, cap: int, *, cut: bool = False) -> bytes:
    """The body up to ``cap`` bytes: past it, cut there (``cut``) or ResponseTooLargeError."""
    parts: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_any():
        parts.append(chunk)
        size += len(chunk)
        if size > cap:
            if cut:
                return b"".join(parts)[:cap]
            raise ResponseTooLargeError(f"answer larger than max_response_bytes = {cap:,}")
    return b"".join(parts)


async def _body_or_error(resp: aiohttp.ClientResponse, target: TargetConfig) -> bytes:
    """A success's body (capped), or the classified error of a failure's (its head only)."""
    if resp.status >= 300:
        cap = min(target.max_response_bytes, ERROR_BODY_BYTES)
        raise error_for_status(resp.status, await _read_capped(resp, cap, cut=True), resp.headers)
    return await _read_capped(resp, target.max_response_bytes)


def _json(raw: bytes, status: int) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        raise BadResponseError(f"HTTP {status}: body is not JSON that can be read") from None


async def list_models(target: TargetConfig, base_url: str, *, timeout_s: float = 30.0) -> ModelList:
    """``GET {base_url}/models``; an endpoint without the route (404, 405) has no list."""
    async with (
        _session(target, timeout_s) as session,
        session.get(_models_url(base_url)) as resp,
    ):
        if resp.status in (404, 405):
            return ModelList(ids=None, rate_limits=rate_limit_headers(resp.headers))
        obj = _json(await _body_or_error(resp, target), resp.status)
        rates = rate_limit_headers(resp.headers)
    entries = obj.get("data") if isinstance(obj, dict) else obj
    if not isinstance(entries, list):
        return ModelList(ids=None, rate_limits=rates)
    entries = [e for e in entries if isinstance(e, dict)]
    # Kept in run.json and the cache: text JSON can hold, and not too much of it.
    ids = [valid_text(str(e["id"]))[:_ID_CHARS] for e in entries if e.get("id") is not None]
    ids = ids[:_MAX_IDS]
    mine = [e for e in entries if e.get("id") == target.model] or entries[:1]
    window, cap = _limits(mine[0]) if mine else (None, None)
    return ModelList(ids=ids, context_window=window, max_output_tokens=cap, rate_limits=rates)


async def post_chat(
    target: TargetConfig, base_url: str, body: dict[str, Any], *, timeout_s: float = 60.0
) -> dict[str, str]:
    """The rate-limit headers of one non-streamed chat request (its answer is not read)."""
    async with (
        _session(target, timeout_s) as session,
        session.post(chat_url(base_url), json=body) as resp,
    ):
        await _body_or_error(resp, target)
        return rate_limit_headers(resp.headers)


async def accepts_stream_start(
    target: TargetConfig, base_url: str, body: dict[str, Any], *, timeout_s: float = 60.0
) -> bool:
    """Send a streamed ``body`` and hang up at its first event; True once one came.

    Raises the classified error when the endpoint refuses the request (the
    point of asking: its refusal states its limit).
    """
    async with (
        _session(target, timeout_s) as session,
        session.post(chat_url(base_url), json=body) as resp,
    ):
        if resp.status >= 300:
            await _body_or_error(resp, target)
        async for chunk in resp.content.iter_any():
            if chunk.strip():
                return True  # closing the response now tells the server to stop
    return False


__all__ = [
    "ModelList",
    "accepts_stream_start",
    "list_models",
    "post_chat",
    "rate_limit_headers",
]
