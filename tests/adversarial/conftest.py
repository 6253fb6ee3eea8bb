"""Fixtures: the adversarial endpoint, in a thread (for the CLI) or in the test's loop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adversarial.app import Endpoint, make_app, serve_in_thread


@pytest.fixture
def adversary() -> Iterator[Endpoint]:
    """The adversarial endpoint on 127.0.0.1, served from a thread of its own."""
    with serve_in_thread() as endpoint:
        yield endpoint


@pytest.fixture
async def adversary_here(aiohttp_server: Any) -> Endpoint:
    """The adversarial endpoint served in the test's own event loop."""
    server = await aiohttp_server(make_app())
    return Endpoint(server.app, server.port)
