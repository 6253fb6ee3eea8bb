"""Running the simulator: an async context manager for tests and runs, and a serve-forever loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType

from aiohttp import web

from evalkit.config import SimConfig
from evalkit.sim.app import SIM_STATE, make_app
from evalkit.sim.stats import SimStats
from evalkit.suite.loader import Suite, load_suites
from evalkit.suite.schema import Sample

SHUTDOWN_TIMEOUT_S = 1.0
"""How long stop() lets in-flight responses finish before cancelling them."""


class SimServer:
    """The simulator on a real socket (127.0.0.1, an ephemeral port by default).

    ``async with SimServer(config, samples) as sim:`` then point a client at
    ``sim.base_url``; ``sim.stats`` counts what it received.
    """

    def __init__(
        self,
        config: SimConfig,
        samples: Iterable[Sample | Suite] = (),
        *,
        model: str = "evalkit-sim",
        context_window: int | None = 128_000,
        max_output_tokens: int | None = 4096,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.config = config
        self.model = model
        self.host = host
        self.port = port
        self.app = make_app(
            config,
            samples,
            model=model,
            context_window=context_window,
            max_output_tokens=max_output_tokens,
            api_key=api_key,
        )
        self.stats: SimStats = self.app[SIM_STATE].stats
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    @property
    def n_samples(self) -> int:
        """How many distinct prompts the answer key knows."""
        return len(self.app[SIM_STATE].key)

    async def start(self) -> SimServer:
        """Bind and start serving; ``base_url`` is valid afterwards."""
        if self._runner is not None:
            return self
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.port = port
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown}:{port}/v1"
        return self

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> SimServer:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


async def serve_forever(
    config: SimConfig,
    suites: Sequence[str | Path] = (),
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    model: str = "evalkit-sim",
    context_window: int | None = 128_000,
    max_output_tokens: int | None = 4096,
    api_key: str | None = None,
    on_ready: Callable[[SimServer], None] | None = None,
) -> None:
    """Load the suites' answer keys and serve until cancelled (used by ``evalkit sim``).

    Raises ``SuiteError`` for bad suites and ``OSError`` when the port is taken.
    """
    loaded = load_suites(suites, context_window=context_window) if suites else []
    server = SimServer(
        config,
        loaded,
        model=model,
        context_window=context_window,
        max_output_tokens=max_output_tokens,
        api_key=api_key,
        host=host,
        port=port,
    )
    async with server:
        if on_ready is not None:
            on_ready(server)
        await asyncio.Event().wait()


__all__ = ["SHUTDOWN_TIMEOUT_S", "SimServer", "serve_forever"]
