"""One OpenAI-compatible chat-completions client: one attempt, timed and classified.

``ChatClient.complete`` sends one request and returns a ``Completion`` or
raises exactly one ``RequestError`` subclass; whether it is worth retrying is
decided here, once, by the class (see ``evalkit.errors``). Retries, rate
limits and concurrency caps are the runner's business.

Streaming is the hot path: each network read goes through the pure
``SSEDecoder`` and each payload through one ``json.loads``; the deltas are
read straight out of the parsed dicts (no model objects per chunk), and the
timing statistics are computed once per request.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from itertools import pairwise
from types import TracebackType
from typing import Any, Literal

import aiohttp

from evalkit.client.completion import Completion
from evalkit.client.http_errors import (
    error_for_payload,
    error_for_status,
)
from evalkit.client.sse import SSEDecoder
from evalkit.client.tokens import estimate_prompt_tokens, estimate_tokens
from evalkit.config import TargetConfig
from evalkit.errors import (
    ConnectError,
    RequestError,
    StreamError,
    TargetFatalError,
    TimeoutError_,
    TruncatedStreamError,
)
from evalkit.suite.schema import Sample
from evalkit.types import ItlStats, ToolCall, percentile

_DRAIN_S = 1.0  # how long to wait for the end of the body after [DONE]
_SHOWN_PAYLOAD = 200  # characters of a malformed chunk quoted in an error


class ChatClient:
    """Sends chat-completion requests to one target over one pooled aiohttp session.

    Use as ``async with ChatClient(target) as client: await client.complete(body)``.
    The connection pool holds up to ``target.max_concurrency`` connections
    (not aiohttp's default 100) and each request is bounded by
    ``target.timeout_s``. The API key is read from the environment when the
    session opens, sent only in the ``Authorization`` header, and scrubbed
    from every error message.
    """

    def __init__(self, target: TargetConfig, *, base_url: str | None = None) -> None:
        self.target = target
        base = base_url if base_url is not None else target.base_url
        self.url = base.rstrip("/") + "/chat/completions"
        self._session: aiohttp.ClientSession | None = None
        self._key: str | None = None

    def __repr__(self) -> str:
        return f"ChatClient(target={self.target.name!r}, url={self.url!r})"

    async def __aenter__(self) -> ChatClient:
        key = self.target.api_key()
        self._key = key or None
        headers: dict[str, str] = {}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        headers.update(self.target.headers)
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
        if self._session is not None:
            await self._session.close()
            self._session = None

    def build_body(self, sample: Sample) -> dict[str, Any]:
        """The JSON request body for ``sample``: target params, then the sample's own fields."""
        target = self.target
        stream = target.stream
        body: dict[str, Any] = {
            "model": target.model,
            "messages": sample.messages,  # shared, not copied: bodies are never mutated
            **target.params,
            **sample.request_fields(),
            "stream": stream,
        }
        options = body.pop("stream_options", None)
        if stream:
            extra = options if isinstance(options, dict) else {}
            body["stream_options"] = {**extra, "include_usage": True}
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
                    raw = await _read_error_body(resp)
                    raise error_for_status(status, raw, resp.headers)
                try:
                    if body.get("stream") and resp.content_type != "application/json":
                        return await self._read_stream(resp, t0, body)
                    return await self._read_json(resp, t0, body)
                except TimeoutError:
                    raise
                except aiohttp.ClientError as exc:
                    raise StreamError(f"connection lost mid-response: {exc}") from exc
                except (AttributeError, TypeError, ValueError) as exc:
                    # Valid JSON of the wrong shape (a string where an object belongs).
                    raise StreamError(f"unexpected response shape: {exc}") from exc
        except RequestError as exc:
            if exc.http_status is None and status is not None:
                # Raised while reading a success response: say which one.
                exc.http_status = status
                exc.message = f"HTTP {status}: {exc.message}"
                exc.args = (exc.message,)
            self._scrub_error(exc)
            raise
        except TimeoutError:
            stage = "before a response" if status is None else f"mid-response (HTTP {status})"
            raise TimeoutError_(
                f"timed out {stage}: no complete answer within {self.target.timeout_s:g} s",
                http_status=status,
            ) from None
        except aiohttp.InvalidURL as exc:
            raise TargetFatalError(self._scrub(f"invalid URL: {exc}")) from None
        except aiohttp.ClientError as exc:
            raise ConnectError(self._scrub(f"cannot reach {self.url}: {exc}")) from exc

    async def _read_stream(
        self, resp: aiohttp.ClientResponse, t0: float, body: dict[str, Any]
    ) -> Completion:
        state = _StreamState()
        done = False
        async for raw in resp.content.iter_any():
            if state.take(state.decoder.feed(raw), time.perf_counter()):
                done = True
                break
        if done:
            if state.error is None:
                await _drain(resp.content)
        elif not state.take(state.decoder.close(), time.perf_counter()):
            raise StreamError("stream ended without [DONE]")
        if state.error is not None:
            raise error_for_payload(state.error, resp.status, resp.headers)
        if state.finish is None:
            # A complete answer always says why it stopped; llama.cpp cuts an
            # interrupted stream with [DONE] and no reason at all.
            raise TruncatedStreamError(
                f"stream ended after {len(state.times)} token chunk(s) without a finish_reason"
            )
        times = state.times
        return _completion(
            body,
            text="".join(state.parts),
            calls=[state.calls[index].call() for index in sorted(state.calls)],
            finish=state.finish,
            model=state.model,
            status=resp.status,
            usage=state.usage,
            ttft=times[0] - t0 if times else None,
            e2e=(times[-1] if times else state.last) - t0,
            itl=itl_stats(times),
            chunks=state.chunks,
        )

    async def _read_json(
        self, resp: aiohttp.ClientResponse, t0: float, body: dict[str, Any]
    ) -> Completion:
        raw = await resp.read()
        e2e = time.perf_counter() - t0
        status = resp.status
        try:
            obj = json.loads(raw)
        except ValueError:
            shown = raw[:_SHOWN_PAYLOAD].decode("utf-8", "replace")
            raise StreamError(f"body is not JSON: {shown!r}") from None
        if not isinstance(obj, dict):
            raise StreamError("body is not a JSON object")
        choices = obj.get("choices")
        if not choices or not isinstance(choices, list) or not isinstance(choices[0], dict):
            if obj.get("error") or obj.get("object") == "error":
                raise error_for_payload(obj, status, resp.headers)
            raise StreamError("response has no choices")
        choice = choices[0]
        message = choice.get("message") or {}
        return _completion(
            body,
            text=_message_text(message.get("content")),
            calls=[_tool_call(c) for c in message.get("tool_calls") or () if isinstance(c, dict)],
            finish=_text_or_none(choice.get("finish_reason")),
            model=_text_or_none(obj.get("model")),
            status=status,
            usage=obj.get("usage"),
            ttft=None,
            e2e=e2e,
            itl=None,
            chunks=0,
        )

    def _scrub(self, message: str) -> str:
        key = self._key
        return message.replace(key, "***") if key and key in message else message

    def _scrub_error(self, exc: RequestError) -> None:
        key = self._key
        if key and key in exc.message:
            exc.message = self._scrub(exc.message)
            exc.args = (exc.message,)


@dataclass(slots=True)
class _ToolCallParts:
    """One tool call as its deltas arrive: the id and name once, the arguments in pieces."""

    id: str | None = None
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def add(self, delta: dict[str, Any]) -> None:
        """Absorb one ``tool_calls`` delta of this call's index."""
        call_id = delta.get("id")
        if call_id:
            self.id = str(call_id)
        fn = delta.get("function")
        if fn:
            name = fn.get("name")
            if name and not self.name:
                self.name = str(name)
            args = fn.get("arguments")
            if args:
                self.arguments.append(args)

    def call(self) -> ToolCall:
        return ToolCall(id=self.id, name=self.name, arguments="".join(self.arguments))


@dataclass(slots=True)
class _StreamState:
    """What a stream has said so far; ``take`` is called once per network read."""

    decoder: SSEDecoder = field(default_factory=SSEDecoder)
    parts: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # arrival of each token-bearing chunk
    calls: dict[int, _ToolCallParts] = field(default_factory=dict)  # by the deltas' index
    finish: str | None = None
    model: str | None = None
    usage: Any = None
    error: dict[str, Any] | None = None
    chunks: int = 0  # data payloads before [DONE]
    last: float = 0.0  # arrival of the last read

    def take(self, payloads: list[str], t: float) -> bool:
        """Absorb the payloads of one read (arrived at ``t``); True once [DONE] or an error."""
        self.last = t
        for payload in payloads:
            if payload == "[DONE]":
                return True
            self.chunks += 1
            try:
                obj = json.loads(payload)
            except ValueError:
                shown = payload[:_SHOWN_PAYLOAD]
                raise StreamError(f"malformed stream chunk: {shown!r}") from None
            if not isinstance(obj, dict):
                raise StreamError(f"stream chunk is not a JSON object: {payload[:80]!r}")
            choices = obj.get("choices")
            if choices:
                choice = choices[0]
                delta = choice.get("delta")
                if delta and self._take_delta(delta):
                    self.times.append(t)
                finish = choice.get("finish_reason")
                if finish:
                    self.finish = str(finish)
            elif obj.get("error") or obj.get("object") == "error":
                self.error = obj
                return True  # nothing after an error is worth reading
            usage = obj.get("usage")
            if usage:
                self.usage = usage
            if self.model is None:
                self.model = _text_or_none(obj.get("model"))
        return False

    def _take_delta(self, delta: dict[str, Any]) -> bool:
        """Absorb one choice's delta; True if it carried a token (text, reasoning or a call)."""
        token = False
        text = delta.get("content")
        if text:
            self.parts.append(text)
            token = True
        elif delta.get("reasoning_content") or delta.get("reasoning"):
            token = True
        tool_calls = delta.get("tool_calls")
        if tool_calls:
            for position, call in enumerate(tool_calls):
                index = call.get("index", position)
                parts = self.calls.get(index)
                if parts is None:
                    parts = self.calls[index] = _ToolCallParts()
                parts.add(call)
            token = True
        return token


async def _drain(content: aiohttp.StreamReader) -> None:
    """Read what follows [DONE] so the connection can go back to the pool."""
    if content.is_eof():
        return
    try:
        async with asyncio.timeout(_DRAIN_S):
            while await content.readany():
                pass
    except (TimeoutError, aiohttp.ClientError):
        pass  # the answer is complete; the pool just drops this connection


async def _read_error_body(resp: aiohttp.ClientResponse) -> bytes:
    try:
        return await resp.read()
    except aiohttp.ClientError:
        return b""


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # some servers answer with content parts
        return "".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def _tool_call(call: dict[str, Any]) -> ToolCall:
    fn = call.get("function") or {}
    args = fn.get("arguments", "")
    if not isinstance(args, str):  # a few servers send the object, not its JSON text
        args = json.dumps(args)
    return ToolCall(
        id=_text_or_none(call.get("id")), name=_text_or_none(fn.get("name")) or "", arguments=args
    )


def _text_or_none(value: Any) -> str | None:
    """A server's JSON value where a string belongs, as one: records are typed."""
    return None if value is None else str(value)


def _completion(
    body: dict[str, Any],
    *,
    text: str,
    calls: list[ToolCall],
    finish: str | None,
    model: str | None,
    status: int,
    usage: Any,
    ttft: float | None,
    e2e: float,
    itl: ItlStats | None,
    chunks: int,
) -> Completion:
    prompt = completion = None
    if isinstance(usage, dict):
        prompt = usage.get("prompt_tokens")
        completion = usage.get("completion_tokens")
    source: Literal["usage", "estimated"] = "usage"
    if not isinstance(prompt, int) or isinstance(prompt, bool):
        prompt = estimate_prompt_tokens(body.get("messages") or [])
        tools = body.get("tools")
        if tools:
            prompt += estimate_tokens(json.dumps(tools))
        source = "estimated"
    if not isinstance(completion, int) or isinstance(completion, bool):
        completion = estimate_tokens(text) + sum(
            estimate_tokens(c.name) + estimate_tokens(c.arguments) for c in calls
        )
        source = "estimated"
    tpot = (e2e - ttft) / (completion - 1) if ttft is not None and completion > 1 else None
    return Completion(
        text=text,
        tool_calls=calls,
        finish_reason=finish,
        model=model,
        http_status=status,
        prompt_tokens=prompt,
        completion_tokens=completion,
        tokens_source=source,
        ttft_s=ttft,
        e2e_s=e2e,
        tpot_s=tpot,
        itl=itl,
        chunks=chunks,
    )


def itl_stats(times: list[float]) -> ItlStats | None:
    """Inter-token latency from chunk arrival times; None below two token chunks.

    Percentiles interpolate linearly between order statistics (numpy's default).
    """
    if len(times) < 2:
        return None
    gaps = sorted([b - a for a, b in pairwise(times)])
    return ItlStats(
        n=len(gaps),
        mean=sum(gaps) / len(gaps),
        p50=percentile(gaps, 0.5),
        p90=percentile(gaps, 0.9),
        p99=percentile(gaps, 0.99),
        max=gaps[-1],
    )


__all__ = ["ChatClient", "itl_stats"]
