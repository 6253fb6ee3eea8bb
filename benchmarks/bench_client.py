"""Client hot-path budget: ChatClient's CPU per streamed request vs a bare aiohttp loop.

A local aiohttp SSE server runs in a separate process and answers every
request at once with the same pre-encoded stream (role chunk, ``--chunks``
content chunks, finish chunk, usage chunk, ``[DONE]``), so its cost stays out
of this process's CPU clock. Here, ``--requests`` requests run with
``--concurrency`` workers twice per round: once with a bare aiohttp loop
(post, iterate ``resp.content``, split lines, ``json.loads`` each data line,
concatenate the content) and once with ``ChatClient.complete``. The figure
that matters is this process's CPU time per request (``time.process_time``);
the budget is ChatClient <= 1.5 x bare.

    python -m benchmarks.bench_client [--requests 2000] [--concurrency 32] [--chunks 64]

The two clients run in alternating slices inside one process, so that load
from anything else on the machine falls on both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import multiprocessing as mp
import pstats
import socket
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from evalkit.client import ChatClient
from evalkit.config import TargetConfig

MODEL = "bench/mistral-small-3.1-24b-instruct"
PATH = "/v1/chat/completions"


def encode_stream(chunks: int) -> bytes:
    """The whole SSE answer, shaped like the gateway's, encoded once."""
    head = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1776947082}

    def event(choices: list[Any], **extra: Any) -> bytes:
        obj = {**head, "model": MODEL, "choices": choices, **extra}
        return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"

    def delta(d: dict[str, Any], finish: str | None = None) -> list[Any]:
        return [{"index": 0, "delta": d, "logprobs": None, "finish_reason": finish}]

    parts = [event(delta({"role": "assistant", "content": ""}))]
    parts += [event(delta({"content": f" token{i}"})) for i in range(chunks)]
    parts.append(event(delta({}, "stop")))
    usage = {"prompt_tokens": 24, "completion_tokens": chunks, "total_tokens": 24 + chunks}
    parts.append(event([], usage=usage))
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def expected_text(chunks: int) -> str:
    return "".join(f" token{i}" for i in range(chunks))


def serve(sock: socket.socket, chunks: int) -> None:
    """The server process: answer every POST with the pre-encoded stream."""
    payload = encode_stream(chunks)

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(payload)
        await resp.write_eof()
        return resp

    async def main() -> None:
        app = web.Application()
        app.router.add_post(PATH, handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock, backlog=1024).start()
        await asyncio.Event().wait()

    asyncio.run(main())


async def bare_request(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> str:
    """The baseline: the least a streaming client can do."""
    parts: list[str] = []
    buf = b""
    async with session.post(url, json=body) as resp:
        async for data in resp.content.iter_any():
            lines = (buf + data).split(b"\n")
            buf = lines.pop()
            for line in lines:
                if line.startswith(b"data: "):
                    raw = line[6:]
                    if raw == b"[DONE]":
                        continue
                    choices = json.loads(raw.decode())["choices"]
                    if choices:
                        text = choices[0]["delta"].get("content")
                        if text:
                            parts.append(text)
    return "".join(parts)


@dataclass
class Tally:
    """What one client spent over all its slices."""

    name: str
    requests: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0

    def row(self) -> str:
        return (
            f"{self.name:<14}{self.requests:>9}{self.wall_s:>9.2f}"
            f"{self.requests / self.wall_s:>9.0f}{self.cpu_s:>9.2f}"
            f"{self.cpu_s / self.requests * 1000:>12.3f}"
        )


async def drive(n: int, concurrency: int, one: Callable[[], Awaitable[str]], want: str) -> None:
    """Run ``n`` requests with ``concurrency`` workers, checking every answer."""
    left = n

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            text = await one()
            if text != want:
                raise SystemExit(f"wrong answer: {text[:60]!r}")

    async with asyncio.TaskGroup() as tg:
        for _ in range(concurrency):
            tg.create_task(worker())


async def timed(
    tally: Tally, n: int, concurrency: int, one: Callable[[], Awaitable[str]], want: str
) -> float:
    wall, cpu = time.perf_counter(), time.process_time()
    await drive(n, concurrency, one, want)
    spent = time.process_time() - cpu
    tally.wall_s += time.perf_counter() - wall
    tally.cpu_s += spent
    tally.requests += n
    return spent


async def compare(args: argparse.Namespace, base_url: str) -> tuple[Tally, Tally, list[float]]:
    """Both clients, in alternating slices so that background load hits both alike."""
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "Count for me."}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    want = expected_text(args.chunks)
    url = base_url + "/chat/completions"
    target = TargetConfig(
        name="bench", base_url=base_url, model=MODEL, max_concurrency=args.concurrency
    )
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session, ChatClient(target) as client:

        async def bare() -> str:
            return await bare_request(session, url, body)

        async def ours() -> str:
            return (await client.complete(body)).text

        warm = min(200, args.requests)
        await drive(warm, args.concurrency, bare, want)
        await drive(warm, args.concurrency, ours, want)
        tallies = Tally("bare aiohttp"), Tally("ChatClient")
        sides = (bare, ours)
        per_slice = max(1, args.requests // args.slices)
        ratios = []
        for i in range(args.slices):
            order = (0, 1) if i % 2 == 0 else (1, 0)
            cpu = [0.0, 0.0]
            for side in order:
                cpu[side] = await timed(
                    tallies[side], per_slice, args.concurrency, sides[side], want
                )
            ratios.append(cpu[1] / cpu[0])
    return tallies[0], tallies[1], ratios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", "-n", type=int, default=2000, help="per client")
    parser.add_argument("--concurrency", "-c", type=int, default=32)
    parser.add_argument("--chunks", type=int, default=64, help="content chunks per response")
    parser.add_argument("--slices", type=int, default=10, help="alternations of the two clients")
    parser.add_argument("--budget", type=float, default=1.5, help="exit 1 above this ratio")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the run")
    args = parser.parse_args(argv)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = mp.get_context("spawn").Process(target=serve, args=(sock, args.chunks), daemon=True)
    server.start()
    sock.close()
    base_url = f"http://127.0.0.1:{port}/v1"
    prof = cProfile.Profile() if args.profile else None
    try:
        _wait_for(port)
        if prof is not None:
            prof.enable()
        bare, chat, ratios = asyncio.run(compare(args, base_url))
        if prof is not None:
            prof.disable()
    finally:
        server.terminate()
        server.join()
    if prof is not None:
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)

    print(
        f"{bare.requests} requests per client, {args.chunks} content chunks each, "
        f"concurrency {args.concurrency}, {args.slices} alternating slices"
    )
    print(f"{'client':<14}{'requests':>9}{'wall s':>9}{'req/s':>9}{'CPU s':>9}{'CPU ms/req':>12}")
    print(bare.row())
    print(chat.row())
    ratio = chat.cpu_s / bare.cpu_s
    print(
        f"CPU per request, ChatClient / bare: {ratio:.2f}x "
        f"(slice median {statistics.median(ratios):.2f}x, "
        f"range {min(ratios):.2f}-{max(ratios):.2f}; budget {args.budget}x)"
    )
    return 0 if ratio <= args.budget else 1


def _wait_for(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
