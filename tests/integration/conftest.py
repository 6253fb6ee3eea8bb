"""One real llama-cpp-python server (SmolLM2-135M-Instruct) for every test marked ``llama``.

The server starts once per session, on a free loopback port, with the flags
of the built-in ``local`` target, and stops at the end. When llama-cpp-python
or the weights are not installed every ``llama`` test is skipped with the
install line as its reason, and the end of the test run says so in one line.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from evalkit.config import builtin_local
from evalkit.errors import ConfigError
from evalkit.runner.local_server import LocalServer, check_local, free_port

STARTUP_S = 120.0
_skipped: list[str] = []  # why the llama tests were skipped (for the summary line)


def _unavailable() -> str | None:
    try:
        check_local(builtin_local())
    except ConfigError as exc:
        return str(exc)
    return None


@pytest.fixture(scope="session")
def llama_installed() -> None:
    """Skips the test, saying what to install, unless the server and weights are there."""
    why = _unavailable()
    if why is not None:
        _skipped.append(why)
        pytest.skip(why)


@pytest.fixture(scope="session")
def llama_url(llama_installed: None) -> Iterator[str]:
    """The base URL (…/v1) of the session's llama-cpp-python server."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    with tempfile.TemporaryFile(prefix="evalkit-llama-tests-") as log:
        proc = subprocess.Popen(
            LocalServer(builtin_local()).command(port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_ready(proc, url, log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: IO[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_S
    while True:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"llama-cpp-python's server exited: {log.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise RuntimeError("llama-cpp-python's server did not start") from None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def llama_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One probe cache for the session: the server is probed once, its findings reused."""
    return tmp_path_factory.mktemp("llama-probe-cache")


@pytest.fixture(autouse=True)
def _own_probe_cache(llama_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(llama_cache))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped:
        terminalreporter.write_line(
            f"llama integration tests SKIPPED: {_skipped[0]}", yellow=True, bold=True
        )
