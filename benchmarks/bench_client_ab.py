"""Client before/after: another checkout's ChatClient against this one's, in one process.

``bench_client`` compares ChatClient with a bare aiohttp loop, one process
per run, so a before/after is two runs under whatever load each one met.
This script loads the ChatClient of another checkout (the path of its
``evalkit/client/chat.py``, e.g. from ``git archive main``) beside this
one's and drives both against the same server in alternating slices, so
that load falls on both alike; the figure is this process's CPU per
request, new / old. The other chat.py is imported against this checkout's
package, so it must only use names that still exist here.

    python -m benchmarks.bench_client_ab /tmp/old/evalkit/client/chat.py [-n 4000]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import multiprocessing as mp
import socket
import statistics
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks import bench_client as bc
from evalkit.client import ChatClient
from evalkit.config import TargetConfig


def load_old(path: Path) -> ModuleType:
    """The other checkout's chat module, under a name of its own."""
    spec = importlib.util.spec_from_file_location("evalkit_old_chat", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


async def compare(
    old: ModuleType, args: argparse.Namespace, base_url: str
) -> tuple[bc.Tally, bc.Tally, list[float]]:
    body = {
        "model": bc.MODEL,
        "messages": [{"role": "user", "content": "Count for me."}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    want = bc.expected_text(args.chunks)
    target = TargetConfig(
        name="bench", base_url=base_url, model=bc.MODEL, max_concurrency=args.concurrency
    )
    async with old.ChatClient(target) as before, ChatClient(target) as after:

        def one(client: Any) -> Callable[[], Awaitable[str]]:
            async def request() -> str:
                return str((await client.complete(body)).text)

            return request

        sides = (one(before), one(after))
        for side in sides:
            await bc.drive(min(200, args.requests), args.concurrency, side, want)
        tallies = bc.Tally("old ChatClient"), bc.Tally("new ChatClient")
        per_slice = max(1, args.requests // args.slices)
        ratios = []
        for i in range(args.slices):
            cpu = [0.0, 0.0]
            for side in (0, 1) if i % 2 == 0 else (1, 0):
                cpu[side] = await bc.timed(
                    tallies[side], per_slice, args.concurrency, sides[side], want
                )
            ratios.append(cpu[1] / cpu[0])
    return tallies[0], tallies[1], ratios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the other checkout's evalkit/client/chat.py")
    parser.add_argument("--requests", "-n", type=int, default=4000, help="per client")
    parser.add_argument("--concurrency", "-c", type=int, default=32)
    parser.add_argument("--chunks", type=int, default=64, help="content chunks per response")
    parser.add_argument("--slices", type=int, default=20, help="alternations of the two clients")
    args = parser.parse_args(argv)
    old = load_old(args.old)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = mp.get_context("spawn").Process(target=bc.serve, args=(sock, args.chunks), daemon=True)
    server.start()
    sock.close()
    try:
        bc._wait_for(port)
        before, after, ratios = asyncio.run(compare(old, args, f"http://127.0.0.1:{port}/v1"))
    finally:
        server.terminate()
        server.join()
    print(f"{'client':<14}{'requests':>9}{'wall s':>9}{'req/s':>9}{'CPU s':>9}{'CPU ms/req':>12}")
    print(f"{before.row()}\n{after.row()}")
    print(
        f"CPU per request, new / old: {after.cpu_s / before.cpu_s:.3f}x "
        f"(slice median {statistics.median(ratios):.3f}x, "
        f"range {min(ratios):.2f}-{max(ratios):.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
