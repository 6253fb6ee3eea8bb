"""A streaming endpoint with a true TTFT and inter-token gap, in a process of its own.

For the timing benchmarks: every request gets a role-only chunk at once, the
first content token ``ttft`` seconds after the request arrived, then one
token every ``gap`` seconds (``tokens`` in all, each due at an absolute time,
so one late write does not push the rest back), a usage chunk and
``[DONE]``. The chunks are encoded once. The server notes how late it was:
``GET /stats`` gives the medians and p99 of its own TTFT and gaps as written,
so that a benchmark can tell the endpoint's lateness from the client's.

    python -m benchmarks.paced_endpoint --ttft 0.2 --gap 0.02 --tokens 16 --port 8001
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import socket
import statistics
import time
from typing import Any

from aiohttp import web

MODEL = "paced"


def _event(obj: Any) -> bytes:
    text = obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":"))
    return b"data: " + text.encode() + b"\n\n"


def _chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    return _event(
        {
            "id": "chatcmpl-paced",
            "object": "chat.completion.chunk",
            "created": 1776947082,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )


def make_app(ttft: float, gap: float, tokens: int) -> web.Application:
    """The paced endpoint as an aiohttp application."""
    role = _chunk({"role": "assistant", "content": ""})
    pieces = [_chunk({"content": f" tok{i}"}) for i in range(tokens)]
    usage = {"prompt_tokens": 16, "completion_tokens": tokens, "total_tokens": 16 + tokens}
    tail = (
        _chunk({}, "stop") + _event({"id": "x", "choices": [], "usage": usage}) + _event("[DONE]")
    )
    ttfts: list[float] = []
    gaps: list[float] = []

    async def chat(request: web.Request) -> web.StreamResponse:
        arrival = time.perf_counter()
        await request.read()
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(role)
        last = 0.0
        for i, piece in enumerate(pieces):
            due = arrival + ttft + i * gap
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await resp.write(piece)
            now = time.perf_counter()
            if i == 0:
                ttfts.append(now - arrival)
            else:
                gaps.append(now - last)
            last = now
        await resp.write(tail)
        await resp.write_eof()
        return resp

    async def stats(request: web.Request) -> web.Response:
        def summary(values: list[float]) -> dict[str, float | int]:
            if not values:
                return {"n": 0}
            ordered = sorted(values)
            return {
                "n": len(ordered),
                "median_ms": statistics.median(ordered) * 1000,
                "p99_ms": ordered[int(0.99 * (len(ordered) - 1))] * 1000,
            }

        body = {"ttft": summary(ttfts), "gap": summary(gaps)}
        if request.query.get("reset"):
            ttfts.clear()
            gaps.clear()
        return web.json_response(body)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/stats", stats)
    return app


def serve(sock: socket.socket, ttft: float, gap: float, tokens: int) -> None:
    """The server process: serve on the inherited socket until terminated."""

    async def main() -> None:
        runner = web.AppRunner(make_app(ttft, gap, tokens), access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock, backlog=4096).start()
        await asyncio.Event().wait()

    asyncio.run(main())


def start(ttft: float, gap: float, tokens: int) -> tuple[mp.process.BaseProcess, str]:
    """Start the endpoint in a spawned process; (process, base URL ending in /v1)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    proc = mp.get_context("spawn").Process(
        target=serve, args=(sock, ttft, gap, tokens), daemon=True
    )
    proc.start()
    sock.close()
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline:
                proc.terminate()
                raise
            time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port}/v1"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ttft", type=float, default=0.2)
    ap.add_argument("--gap", type=float, default=0.02)
    ap.add_argument("--tokens", type=int, default=16)
    ap.add_argument("--port", type=int, default=8001)
    args = ap.parse_args()
    sock = socket.socket()
    sock.bind(("127.0.0.1", args.port))
    print(f"paced endpoint at http://127.0.0.1:{args.port}/v1", flush=True)
    serve(sock, args.ttft, args.gap, args.tokens)


if __name__ == "__main__":
    main()
