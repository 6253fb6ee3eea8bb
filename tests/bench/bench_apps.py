"""Small endpoints with exact timings for the benchmark's tests (served by aiohttp_server).

``paced_app`` answers every request with a role-only chunk at once, the first
content token after ``ttft`` seconds, then one token every ``gap`` seconds,
a usage chunk and ``[DONE]``; it notes when each request arrived
(``time.perf_counter``, the client's clock when served in the test's loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

from aiohttp import web

MODEL = "bench-model"
ARRIVALS = web.AppKey("arrivals", list[float])
BODIES = web.AppKey("bodies", list[dict[str, Any]])


def _event(obj: Any) -> bytes:
    text = obj if isinstance(obj, str) else json.dumps(obj)
    return f"data: {text}\n\n".encode()


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "x",
        "object": "chat.completion.chunk",
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def paced_app(
    *,
    ttft: float = 0.0,
    gap: float = 0.0,
    tokens: int = 4,
    status: int = 200,
    refuse: tuple[str, ...] = (),
) -> web.Application:
    """An endpoint with a true TTFT and inter-token gap (see the module docstring).

    A request carrying a field named in ``refuse`` gets a 400, as OpenAI's API
    answers ``ignore_eos``.
    """

    async def handler(request: web.Request) -> web.StreamResponse:
        request.app[ARRIVALS].append(time.perf_counter())
        body = await request.json()
        request.app[BODIES].append(body)
        refused = [k for k in refuse if k in body]
        if refused:
            message = f"Unrecognized request argument supplied: {refused[0]}"
            return web.json_response(
                {"error": {"message": message, "type": "invalid_request_error"}}, status=400
            )
        if status != 200:
            return web.json_response(
                {"error": {"message": "busy", "type": "server_error"}}, status=status
            )
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(_event(_chunk({"role": "assistant", "content": ""})))
        await asyncio.sleep(ttft)
        for i in range(tokens):
            if i:
                await asyncio.sleep(gap)
            await resp.write(_event(_chunk({"content": f" t{i}"})))
        await resp.write(_event(_chunk({}, "stop")))
        usage = {"prompt_tokens": 7, "completion_tokens": tokens, "total_tokens": 7 + tokens}
        await resp.write(_event({"id": "x", "choices": [], "usage": usage}))
        await resp.write(_event("[DONE]"))
        await resp.write_eof()
        return resp

    app = web.Application()
    app[ARRIVALS] = []
    app[BODIES] = []
    app.router.add_post("/v1/chat/completions", handler)
    return app


@contextlib.contextmanager
def served(app: web.Application) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 from a thread with its own loop; yields its /v1 base URL.

    For code that runs its own event loop (``evalkit.bench.bench``).
    """
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
