"""Fixtures for the simulator's tests: a few inline samples and real servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import aiohttp
import openai
import pytest

from evalkit.config import SimConfig
from evalkit.sim import SimServer
from evalkit.suite.schema import Sample

from .simcases import FAST, SimFactory, make_samples


@pytest.fixture
def samples() -> list[Sample]:
    return make_samples()


@pytest.fixture
async def start_sim() -> AsyncIterator[SimFactory]:
    """Start simulators (stopped at teardown): ``await start_sim(config, samples, **kw)``."""
    servers: list[SimServer] = []

    async def start(
        config: SimConfig = FAST, samples: Iterable[Sample] = (), **kwargs: Any
    ) -> SimServer:
        server = SimServer(config, samples, **kwargs)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def sdk() -> AsyncIterator[Callable[[str], openai.AsyncOpenAI]]:
    """The official SDK against a base URL, with retries off; closed at teardown."""
    clients: list[openai.AsyncOpenAI] = []

    def make(base_url: str, api_key: str = "x") -> openai.AsyncOpenAI:
        client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()
