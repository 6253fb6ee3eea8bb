"""Tiny hand-written aiohttp apps that answer like the gateway, byte for byte.

A stream app plays a script: ``bytes`` items are written as they are (and
flushed), ``float`` items are pauses in seconds. The tests serve them with
pytest-aiohttp's ``aiohttp_server`` on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from evalkit.config import TargetConfig

MODEL = "mistralai/mistral-small-3.1-24b-instruct"
RECORDED = Path(__file__).parent / "data" / "gateway_stream.sse"

Script = list[bytes | float]
BODIES = web.AppKey("bodies", list[dict[str, Any]])  # what each request sent
HEADERS = web.AppKey("headers", list[dict[str, str]])


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None) -> dict[str, Any]:
    """A streamed chat.completion.chunk with one choice."""
    return {
        "id": "gen-test",
        "object": "chat.completion.chunk",
        "created": 1776947082,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}],
    }


def usage_chunk(prompt: int, completion: int) -> dict[str, Any]:
    """The trailing chunk of ``stream_options.include_usage``: no choices, only usage."""
    return {
        "id": "gen-test",
        "object": "chat.completion.chunk",
        "created": 1776947082,
        "model": MODEL,
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def sse(obj: Any) -> bytes:
    """One SSE event carrying ``obj`` as JSON (or a raw string such as ``[DONE]``)."""
    text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)
    return f"data: {text}\n\n".encode()


DONE = sse("[DONE]")


def text_script(pieces: list[str], *, usage: tuple[int, int] | None = (10, 5)) -> Script:
    """Role chunk, one content chunk per piece, finish chunk, optional usage, [DONE]."""
    script: Script = [sse(chunk({"role": "assistant", "content": ""}))]
    script += [sse(chunk({"content": p})) for p in pieces]
    script.append(sse(chunk({}, "stop")))
    if usage is not None:
        script.append(sse(usage_chunk(*usage)))
    script.append(DONE)
    return script


def stream_app(
    script: Script, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Application:
    """An app whose /v1/chat/completions plays ``script`` as an event stream."""

    async def handler(request: web.Request) -> web.StreamResponse:
        request.app[BODIES].append(await request.json())
        request.app[HEADERS].append(dict(request.headers))
        resp = web.StreamResponse(status=status, headers=headers)
        resp.content_type = "text/event-stream"
        await resp.prepare(request)
        for item in script:
            if isinstance(item, float):
                await asyncio.sleep(item)
            else:
                await resp.write(item)
        await resp.write_eof()
        return resp

    return _app(handler)


def json_app(
    obj: Any, *, status: int = 200, headers: dict[str, str] | None = None, raw: bytes | None = None
) -> web.Application:
    """An app that answers every request with ``obj`` as JSON (or ``raw`` bytes)."""

    async def handler(request: web.Request) -> web.Response:
        request.app[BODIES].append(await request.json())
        request.app[HEADERS].append(dict(request.headers))
        if raw is not None:
            return web.Response(body=raw, status=status, headers=headers)
        return web.json_response(obj, status=status, headers=headers)

    return _app(handler)


def _app(handler: Any) -> web.Application:
    app = web.Application()
    app[BODIES] = []
    app[HEADERS] = []
    app.router.add_post("/v1/chat/completions", handler)
    return app


def target_for(server: TestServer, **overrides: Any) -> TargetConfig:
    """A target pointing at ``server``'s /v1 (streaming unless told otherwise)."""
    fields: dict[str, Any] = {
        "name": "local",
        "base_url": str(server.make_url("/v1")),
        "model": MODEL,
        "timeout_s": 10.0,
    }
    fields.update(overrides)
    return TargetConfig(**fields)


def body(messages: list[dict[str, Any]] | None = None, *, stream: bool = True) -> dict[str, Any]:
    """A minimal request body."""
    return {
        "model": MODEL,
        "messages": messages or [{"role": "user", "content": "What is the weather in Tokyo?"}],
        "stream": stream,
    }
