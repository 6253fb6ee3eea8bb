"""The connection pool is as wide as ``max_concurrency``, not aiohttp's default 100."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiohttp import web
from chat_apps import body, target_for

from evalkit.client import ChatClient

AiohttpServer = Any

ANSWER = {"choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}]}


async def test_150_requests_are_in_flight_at_once(aiohttp_server: AiohttpServer) -> None:
    n = 150
    in_flight = 0
    peak = 0
    everyone_in = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight == n:
            everyone_in.set()
        # Hold every answer until all n are inside (or give up after a while,
        # so that a capped pool fails the assertion instead of hanging).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(everyone_in.wait(), timeout=3)
        in_flight -= 1
        return web.json_response(ANSWER)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    server = await aiohttp_server(app)
    target = target_for(server, stream=False, max_concurrency=n)
    async with ChatClient(target) as client:
        done = await asyncio.gather(*(client.complete(body(stream=False)) for _ in range(n)))
    assert peak == n
    assert everyone_in.is_set()
    assert all(d.text == "ok" for d in done)
