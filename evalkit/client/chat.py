"""One OpenAI-compatible chat-completions client: one attempt, timed and classified.

``ChatClient.complete`` sends one request and returns a ``Completion`` or
raises exactly one ``RequestError`` subclass; whether it is worth retrying is
decided here, once, by the class (see ``evalkit.errors``). Retries, rate
limits and concurrency caps are the runner's business.

Streaming is the hot path: each network read goes through the pure
``SSEDecoder`` and each payload through one ``json.loads``; the deltas are
read straight out of the parsed dicts (no model objects per chunk, see
answer.py), and the timing statistics are computed once per request.

Nothing the server sends is trusted: an answer is read only up to the
target's ``max_response_bytes`` (``ResponseTooLargeError`` past it), an error
body only up to ``ERROR_BODY_BYTES``, and every message the client produces
passes through one scrubber that removes the target's secrets.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from evalkit.client.answer import StreamState, parse_body, valid_text
from evalkit.client.completion import Completion
from evalkit.client.http_errors import error_for_status
from evalkit.client.ratelimit import rate_limit_hint
from evalkit.client.sse import SSEDecoder
from evalkit.config import TargetConfig
from evalkit.errors import (
    ConnectError,
    RequestError,
    ResponseTooLargeError,
    StreamError,
    TargetFatalError,
    TimeoutError_,
    TruncatedStreamError,
)
from evalkit.secrets import Scrubber, redact_url
from evalkit.suite.schema import Sample

_DRAIN_S = 1.0  # how long to wait for the end of the body after [DONE]
_DRAIN_BYTES = 1 << 16  # and how much of it to read: more is not an end, drop the connection
# Of an error body: a provider's error text is a few hundred bytes, and only
# MAX_ERROR_TEXT characters of it are quoted. The rest is not read.
ERROR_BODY_BYTES = 1 << 16


def chat_url(base_url: str) -> str:
    """The chat-completions endpoint under ``base_url``: path joined, query kept."""
    parts = urlsplit(base_url)
    path = parts.path.rstrip("/") + "/chat/completions"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


class ChatClient:
    """Sends chat-completion requests to one target over one pooled aiohttp session.

    Use as ``async with ChatClient(target) as client: await client.complete(body)``.
    The connection pool holds up to ``target.max_concurrency`` connections
    (not aiohttp's default 100) and each request is bounded by
    ``target.timeout_s``. The API key is read from the environment when the
    session opens and sent only in the ``Authorization`` header; it, the
    header values and base_url's credentials are scrubbed from every error
    message (``scrub``).
    """

    def __init__(self, target: TargetConfig, *, base_url: str | None = None) -> None:
        self.target = target
        self.url = chat_url(base_url if base_url is not None else target.base_url)
        self._session: aiohttp.ClientSession | None = None
        self._scrubber = Scrubber(target.credentials())

    def __repr__(self) -> str:
        return f"ChatClient(target={self.target.name!r}, url={redact_url(self.url)!r})"

    async def __aenter__(self) -> ChatClient:
        key = self.target.api_key()
        headers: dict[str, str] = {}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        headers.update(self.target.headers)
        # The key as it is now: the one the requests will carry.
        self._scrubber = Scrubber([*self.target.credentials(), key])
        limit = self.target.max_concurrency
        connector = aiohttp.TCPConnector(
            limit=limit, limit_per_host=limit, ttl_dns_cache=300, keepalive_timeout=30.0
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=self.target.timeout_s),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def scrub(self, message: str) -> str:
        """``message`` fit to record or print: no secret of the target, valid Unicode."""
        return valid_text(self._scrubber(message))

    def build_body(self, sample: Sample) -> dict[str, Any]:
        """The JSON request body for ``sample``: target params, then the sample's own fields.

        ``model``, ``messages`` and ``stream`` are evalkit's: no params may
        override them (the record would show one request while another was sent).
        """
        target = self.target
        stream = target.stream
        extra = {**target.params, **sample.request_fields()}
        body: dict[str, Any] = {
            "model": target.model,
            "messages": sample.messages,  # shared, not copied: bodies are never mutated
            **extra,
            "stream": stream,
        }
        if "model" in extra or "messages" in extra:
            body["model"] = target.model
            body["messages"] = sample.messages
        options = body.pop("stream_options", None)
        if stream:
            more = options if isinstance(options, dict) else {}
            body["stream_options"] = {**more, "include_usage": True}
        cap = target.max_output_tokens
        if cap is not None:
            for key in ("max_tokens", "max_completion_tokens"):
                value = body.get(key)
                if isinstance(value, int) and value > cap:
                    body[key] = cap
        return body

    async def complete(self, body: dict[str, Any]) -> Completion:
        """Send one request with ``body`` and return its completion (one attempt, no retry).

        Raises a ``RequestError`` subclass: ``RetryableError`` ones (429, 5xx,
        connection, timeout, broken stream) carry ``retry_after`` when the
        server sent one; ``FinalError`` ones are not worth repeating.
        """
        session = self._session
        if session is None:
            raise RuntimeError("ChatClient is not open: use 'async with ChatClient(...)'")
        status: int | None = None
        try:
            t0 = time.perf_counter()
            async with session.post(self.url, json=body) as resp:
                status = resp.status
                if status >= 300:
                    raw = await _read_error_body(resp, self.target.max_response_bytes)
                    raise error_for_status(status, raw, resp.headers)
                if body.get("stream") and resp.content_type != "application/json":
                    comp = await self._read_stream(resp, t0, body)
                else:
                    comp = await self._read_json(resp, t0, body)
                hint = rate_limit_hint(resp.headers)
                return comp if hint is None else replace(comp, rate_limit=hint)
        except RequestError as exc:
            if exc.http_status is None and status is not None:
                # Raised while reading a success response: say which one.
                exc.http_status = status
                exc.message = f"HTTP {status}: {exc.message}"
            exc.message = self.scrub(exc.message)
            exc.args = (exc.message,)
            raise
        except TimeoutError:
            stage = "before a response" if status is None else f"mid-response (HTTP {status})"
            raise TimeoutError_(
                f"timed out {stage}: no complete answer within {self.target.timeout_s:g} s",
                http_status=status,
            ) from None
        # aiohttp's own exceptions may quote the URL: only their scrubbed text goes on.
        except aiohttp.InvalidURL as exc:
            raise TargetFatalError(self.scrub(f"invalid URL: {exc}")) from None
        except aiohttp.ClientError as exc:
            if status is None:
                shown = redact_url(self.url)
                raise ConnectError(self.scrub(f"cannot reach {shown}: {exc}")) from None
            raise StreamError(
                self.scrub(f"HTTP {status}: connection lost mid-response: {exc}"),
                http_status=status,
            ) from None

    async def _read_stream(
        self, resp: aiohttp.ClientResponse, t0: float, body: dict[str, Any]
    ) -> Completion:
        state = StreamState()
        decoder = SSEDecoder()
        cap = self.target.max_response_bytes
        size = 0
        done = False
        async for raw in resp.content.iter_any():
            size += len(raw)
            if size > cap:
                raise _too_large(cap, "the stream")
            if state.take(decoder.feed(raw), time.perf_counter()):
                done = True
                break
        if done:
            if state.error is None:
                await _drain(resp.content)
        elif not state.take(decoder.close(), time.perf_counter()):
            raise StreamError("stream ended without [DONE]")
        if state.error is None and state.finish is None:
            # A complete answer always says why it stopped; llama.cpp cuts an
            # interrupted stream with [DONE] and no reason at all.
            raise TruncatedStreamError(
                f"stream ended after {len(state.times)} token chunk(s) without a finish_reason"
            )
        return state.result(body, t0, resp.status, resp.headers)

    async def _read_json(
        self, resp: aiohttp.ClientResponse, t0: float, body: dict[str, Any]
    ) -> Completion:
        cap = self.target.max_response_bytes
        length = resp.content_length
        if length is not None and length > cap:
            raise _too_large(cap, f"Content-Length {length:,}")
        pieces: list[bytes] = []
        size = 0
        async for piece in resp.content.iter_any():
            size += len(piece)
            if size > cap:
                raise _too_large(cap, "the body")
            pieces.append(piece)
        e2e = time.perf_counter() - t0
        return parse_body(b"".join(pieces), body, e2e, resp.status, resp.headers, t0)


def _too_large(cap: int, what: str) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"answer larger than max_response_bytes = {cap:,} ({what}); reading stopped there"
    )


async def _drain(content: aiohttp.StreamReader) -> None:
    """Read what follows [DONE] so the connection can go back to the pool."""
    if content.is_eof():
        return
    size = 0
    try:
        async with asyncio.timeout(_DRAIN_S):
            while size <= _DRAIN_BYTES and (piece := await content.readany()):
                size += len(piece)
    except (TimeoutError, aiohttp.ClientError):
        pass  # the answer is complete; the pool just drops this connection


async def _read_error_body(resp: aiohttp.ClientResponse, cap: int) -> bytes:
    """The start of an error response's body: enough for the provider's error text."""
    limit = min(cap, ERROR_BODY_BYTES)
    pieces: list[bytes] = []
    size = 0
    try:
        async for piece in resp.content.iter_any():
            pieces.append(piece)
            size += len(piece)
            if size > limit:
                break  # the rest is never read; the connection is dropped
    except aiohttp.ClientError:
        pass  # the status says enough
    return b"".join(pieces)[:limit]


__all__ = ["ERROR_BODY_BYTES", "ChatClient", "chat_url"]
