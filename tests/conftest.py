"""Shared fixtures: a clean environment, small suites, the simulator in its own process."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import write_suite
from support.cli import free_port, popen

# Names that look like credentials: a developer's real key must never reach a
# test's requests, records or reports (and a test must not pass only because
# one happens to be set).
_SECRET_NAME = re.compile(r"(API_?KEY|_TOKEN|_SECRET)$|^(OPENAI|ANTHROPIC|AIGATEWAY|HF)_", re.I)


@pytest.fixture(autouse=True)
def _no_credentials_from_the_environment(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clear every credential-like variable, except for opt-in live tests."""
    if request.node.get_closest_marker("live") is not None:
        return
    for name in list(os.environ):
        if _SECRET_NAME.search(name):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _own_probe_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test's probe cache is its own, never the user's ~/.cache/evalkit."""
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path_factory.mktemp("probe-cache")))


@pytest.fixture
def mini_suite(tmp_path: Path) -> Path:
    return write_suite(tmp_path / "suite", 20)


@pytest.fixture
def standalone_sim(tmp_path: Path) -> Iterator[str]:
    """`evalkit sim` in its own process; yields its base URL."""
    port = free_port()
    proc = popen(
        "sim",
        "--port",
        str(port),
        "--ttft",
        "0",
        "--tps",
        "0",
        "--model",
        "evalkit-sim",
        "--api-key-env",
        "EK_SIM_KEY",
        cwd=tmp_path,
        env={"EK_SIM_KEY": "sk-test-SECRET-4242"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        proc.communicate()
        raise RuntimeError(f"sim did not start: {proc.stderr.read() if proc.stderr else ''}")
    yield url
    proc.send_signal(signal.SIGINT)
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
