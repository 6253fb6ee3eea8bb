"""The simulator on its own event loop in a background thread.

The built-in ``sim`` target runs in the evalkit process. Sharing the run's
event loop, its latency model would be at the mercy of the client's work
(a TTFT of 20 ms measured as 70 ms under load); on its own loop its timers
fire on time, so what a run measures is the simulated endpoint, not the
harness waiting on itself.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Any

from evalkit.sim.server import SimServer
from evalkit.sim.stats import SimStats


class SimThread:
    """``async with SimThread(...)``: a SimServer (same arguments) served from a thread."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args = args
        self._kwargs = kwargs
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="evalkit-sim", daemon=True
        )
        self._server: SimServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the SimThread first"
        return self._server.base_url

    @property
    def stats(self) -> SimStats:
        assert self._server is not None, "start the SimThread first"
        return self._server.stats

    async def _start(self) -> SimServer:
        # Built on the thread's loop: aiohttp binds an app to the loop that creates it.
        server = SimServer(*self._args, **self._kwargs)
        return await server.start()

    async def __aenter__(self) -> SimThread:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self._server = await asyncio.wrap_future(future)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            future = asyncio.run_coroutine_threadsafe(self._server.stop(), self._loop)
            await asyncio.wrap_future(future)
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.to_thread(self._thread.join)
        self._loop.close()


__all__ = ["SimThread"]
