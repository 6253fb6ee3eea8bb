"""An endpoint that misbehaves on purpose: one mode per fault, chosen by the URL.

A target points at a mode with ``base_url = http://127.0.0.1:PORT/<mode>/v1``;
each mode answers ``POST /<mode>/v1/chat/completions`` in its own wrong way,
streamed or not as the request asks (unless the mode says otherwise). The
app keeps every request it saw (``SEEN``: mode, headers, query, body), so a
test can count attempts or look at what was sent.

Serve it in the test's event loop with pytest-aiohttp's ``aiohttp_server``
(``make_app()``), or in a thread of its own (``serve_in_thread``) for tests
that run the ``evalkit`` command, whose event loop is not the test's.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

MODEL = "adversary-1"
DEEP = 100_000  # nesting far past any JSON parser's recursion limit


@dataclass(frozen=True)
class Seen:
    """One request as the endpoint received it."""

    mode: str
    headers: dict[str, str]
    query: str
    body: dict[str, Any]


SEEN = web.AppKey("seen", list[Seen])
Handler = Callable[[web.Request, dict[str, Any]], Awaitable[web.StreamResponse]]


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None) -> dict[str, Any]:
    """A chat.completion.chunk with one choice."""
    return {
        "id": "adv",
        "object": "chat.completion.chunk",
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}],
    }


def event(obj: Any) -> bytes:
    """One SSE event: ``obj`` as JSON with every non-ASCII character escaped, or raw text."""
    text = obj if isinstance(obj, str) else json.dumps(obj)  # ensure_ascii: \\ud83d stays escaped
    return f"data: {text}\n\n".encode()


DONE = event("[DONE]")


def usage(prompt: Any = 10, completion: Any = 2) -> dict[str, Any]:
    return {"prompt_tokens": prompt, "completion_tokens": completion}


async def answer(
    request: web.Request,
    body: dict[str, Any],
    *,
    pieces: list[str] | None = None,
    message: dict[str, Any] | None = None,
    tokens: dict[str, Any] | None = None,
) -> web.StreamResponse:
    """A well-formed answer: ``pieces`` of text (or one ``message``), streamed if asked."""
    pieces = ["ok"] if pieces is None and message is None else pieces or []
    message = message or {"role": "assistant", "content": "".join(pieces)}
    tokens = tokens or usage()
    if not body.get("stream"):
        return json_body(
            {
                "id": "adv",
                "object": "chat.completion",
                "model": MODEL,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": tokens,
            }
        )
    events = [event(chunk({"role": "assistant", "content": ""}))]
    events += [event(chunk({"content": p})) for p in pieces]
    if "tool_calls" in message:
        calls = [{"index": i, **call} for i, call in enumerate(message["tool_calls"])]
        events.append(event(chunk({"tool_calls": calls})))
    events += [event(chunk({}, "stop")), event({**chunk(), "choices": [], "usage": tokens})]
    return await play(request, [*events, DONE])


def json_body(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(obj).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


async def play(
    request: web.Request, events: list[bytes | float], status: int = 200
) -> web.StreamResponse:
    """An event stream: bytes are written and flushed, floats are pauses in seconds."""
    resp = web.StreamResponse(status=status)
    resp.content_type = "text/event-stream"
    await resp.prepare(request)
    for item in events:
        if isinstance(item, float):
            await asyncio.sleep(item)
        else:
            await resp.write(item)
    await resp.write_eof()
    return resp


async def endless(
    request: web.Request, block: bytes, *, status: int = 200, content_type: str
) -> web.StreamResponse:
    """``block`` written again and again until the client goes away."""
    resp = web.StreamResponse(status=status)
    resp.content_type = content_type
    await resp.prepare(request)
    try:
        while True:
            await resp.write(block)
    except (ConnectionError, RuntimeError):  # the client hung up: what it was meant to do
        pass
    return resp


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- the modes ---------------------------------------------------------------


async def ok(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    return await answer(request, body)


async def slow(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """A token every 0.1 s for 2 s: a run against it is still going when it is stopped."""
    events: list[bytes | float] = [event(chunk({"role": "assistant", "content": ""}))]
    for _ in range(20):
        events += [0.1, event(chunk({"content": "x"}))]
    try:
        return await play(request, [*events, event(chunk({}, "stop")), DONE])
    except ConnectionError:
        return web.Response()


async def chatty(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """A one-token chunk every millisecond or so for 20 s: the client is busy all along."""
    resp = web.StreamResponse()
    resp.content_type = "text/event-stream"
    await resp.prepare(request)
    token = event(chunk({"content": "x"}))
    try:
        for _ in range(20_000):
            await resp.write(token)
            await asyncio.sleep(0.001)
        await resp.write(event(chunk({}, "stop")) + DONE)
    except (ConnectionError, RuntimeError):
        pass
    return resp


async def stall(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """No answer for a minute: a request in flight, before any byte of the response."""
    await asyncio.sleep(60)
    return await answer(request, body)


async def split_surrogate(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """An emoji (U+1F600) as a UTF-16 surrogate pair, one half per chunk."""
    return await answer(request, body, pieces=["a", "\ud83d", "\ude00", "b"])


async def lone_surrogate(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    return await answer(request, body, pieces=["x", "\ud83d", "y"])


async def lone_surrogate_json(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """JSON mode: the answer is JSON text whose string escapes a lone surrogate."""
    return await answer(request, body, pieces=['{"answer": "\\ud83d", "raw": "\ud83d"}'])


async def lone_surrogate_tool(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    arguments = '{"city": "\ud83d", "note": "\\udead"}'
    call = {"id": "c\ud83d", "type": "function", "function": {"name": "get_weather"}}
    call["function"]["arguments"] = arguments
    return await answer(request, body, message={"role": "assistant", "tool_calls": [call]})


async def choices_dict(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    return await _bad_chunk(request, body, '{"choices": {"a": 1}}')


async def choices_null(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    return await _bad_chunk(request, body, '{"choices": [null]}')


async def deep_chunk(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    return await _bad_chunk(request, body, f'{{"choices": [], "x": {nested(DEEP)}}}')


async def huge_int(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """An integer longer than Python parses by default (4,300 digits)."""
    return await _bad_chunk(request, body, f'{{"choices": [], "created": {"9" * 5000}}}')


async def _bad_chunk(request: web.Request, body: dict[str, Any], bad: str) -> web.StreamResponse:
    if not body.get("stream"):
        return web.Response(body=bad.encode(), content_type="application/json")
    return await play(request, [event(chunk({"content": "ok"})), event(bad), DONE])


async def deep_error(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    return web.Response(
        status=400, body=f'{{"error": {nested(DEEP)}}}'.encode(), content_type="application/json"
    )


async def giant_usage(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """Usage counts of 4,000 digits: valid JSON, no token count."""
    big = int("9" * 4000)
    return await answer(request, body, tokens=usage(big, big))


async def negative_usage(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    return await answer(request, body, tokens=usage(-1000, -7))


def _throttled(status: int, headers: dict[str, str]) -> Handler:
    async def handler(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        error = {"error": {"message": "slow down", "type": "rate_limit_error"}}
        return json_body(error, status=status, headers=headers)

    return handler


async def first_429_for_an_hour(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """The run's first request gets a 429 asking for an hour; every other one is answered."""
    if sum(seen.mode == "first-429-for-an-hour" for seen in request.app[SEEN]) == 1:
        return await _throttled(429, {"Retry-After": "3600"})(request, body)
    return await answer(request, body)


async def endless_stream(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    block = event(chunk({"content": "x" * 200})) * 256  # about 100 KB a write, forever
    return await endless(request, block, content_type="text/event-stream")


async def endless_line(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """One SSE line that never ends."""
    resp = web.StreamResponse()
    resp.content_type = "text/event-stream"
    await resp.prepare(request)
    await resp.write(b'data: {"choices": [{"delta": {"content": "')
    try:
        while True:
            await resp.write(b"x" * 65536)
    except (ConnectionError, RuntimeError):
        pass
    return resp


async def endless_body(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """A JSON answer with no Content-Length that never ends."""
    return await endless(request, b" " * 65536, content_type="application/json")


async def huge_length(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """A JSON answer announcing a terabyte."""
    resp = web.StreamResponse(headers={"Content-Length": str(10**12)})
    resp.content_type = "application/json"
    await resp.prepare(request)
    try:
        await resp.write(b"{" + b" " * 1000)
        await asyncio.sleep(5)
    except ConnectionError:
        pass
    return resp


async def endless_error(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """A 503 whose error body never ends."""
    return await endless(request, b"overloaded " * 6000, status=503, content_type="text/plain")


async def echo(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """A 400 whose error text quotes the request's URL and every header (as some proxies do)."""
    said = f"bad request to {request.path_qs}; headers: {dict(request.headers)}"
    return json_body({"error": {"message": said, "type": "invalid_request_error"}}, status=400)


async def echo_401(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    said = f"key rejected: {request.headers.get('Authorization')} at {request.path_qs}"
    return json_body({"error": {"message": said, "type": "authentication_error"}}, status=401)


MODES: dict[str, Handler] = {
    "ok": ok,
    "slow": slow,
    "stall": stall,
    "chatty": chatty,
    "split-surrogate": split_surrogate,
    "lone-surrogate": lone_surrogate,
    "lone-surrogate-json": lone_surrogate_json,
    "lone-surrogate-tool": lone_surrogate_tool,
    "choices-dict": choices_dict,
    "choices-null": choices_null,
    "deep-chunk": deep_chunk,
    "huge-int": huge_int,
    "deep-error": deep_error,
    "giant-usage": giant_usage,
    "negative-usage": negative_usage,
    "retry-after-3600": _throttled(429, {"Retry-After": "3600"}),
    "retry-after-1e12": _throttled(429, {"Retry-After": "1e12"}),
    "retry-after-ms": _throttled(429, {"retry-after-ms": "99999999"}),
    "unavailable-3600": _throttled(503, {"Retry-After": "3600"}),
    "retry-after-nan": _throttled(429, {"Retry-After": "nan"}),
    "retry-after-negative": _throttled(429, {"Retry-After": "-30"}),
    "first-429-for-an-hour": first_429_for_an_hour,
    "endless-stream": endless_stream,
    "endless-line": endless_line,
    "endless-body": endless_body,
    "huge-length": huge_length,
    "endless-error": endless_error,
    "echo": echo,
    "echo-401": echo_401,
}


async def _dispatch(request: web.Request) -> web.StreamResponse:
    mode = request.match_info["mode"]
    body = await request.json()
    request.app[SEEN].append(Seen(mode, dict(request.headers), request.query_string, body))
    handler = MODES.get(mode)
    if handler is None:
        return json_body({"error": {"message": f"no mode {mode!r}"}}, status=404)
    return await handler(request, body)


def make_app() -> web.Application:
    """The adversarial endpoint: every mode under ``/<mode>/v1/chat/completions``."""
    app = web.Application()
    app[SEEN] = []
    app.router.add_post("/{mode}/v1/chat/completions", _dispatch)
    return app


@dataclass(frozen=True)
class Endpoint:
    """A served app: the base_url of each mode, and the requests it has seen."""

    app: web.Application
    port: int

    def url(self, mode: str) -> str:
        """The base_url of ``mode``."""
        return f"http://127.0.0.1:{self.port}/{mode}/v1"

    def seen(self, mode: str | None = None) -> list[Seen]:
        """The requests received so far (of ``mode``, if given)."""
        return [s for s in list(self.app[SEEN]) if mode is None or s.mode == mode]


class ThreadServer:
    """The app served on 127.0.0.1 from a thread with its own event loop."""

    def __init__(self) -> None:
        self.app = make_app()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._runner: web.AppRunner | None = None

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._stop())
        self._loop.close()

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.app, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def start(self) -> Endpoint:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the adversarial endpoint did not start")
        return Endpoint(self.app, self.port)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@contextmanager
def serve_in_thread() -> Iterator[Endpoint]:
    """The adversarial endpoint in a thread of its own, for as long as the block lasts."""
    server = ThreadServer()
    endpoint = server.start()
    try:
        yield endpoint
    finally:
        server.stop()
