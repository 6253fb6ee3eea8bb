"""The simulator in a child process of its own: what the built-in ``sim`` target runs.

Served from the harness's own process (even from a thread of it), the
simulator's timers fire when the harness lets them: a 20 ms time to first
token read 90-390 ms under a busy client. In a process of its own it has its
own interpreter lock and event loop, and what a run measures is the
simulated endpoint, not the harness waiting on itself.

The protocol with the child (``python -m evalkit.sim.child``) is three
things on its standard streams: the parent writes one JSON line (the
``SimSpec``: configuration, model, limits, and the run folder whose sample
snapshot is the answer key); the child answers one JSON line with its base
URL once it is listening; the parent's end of stdin is the child's lifeline:
when it closes (the run ends, or the parent dies) the child stops.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from evalkit.config import SimConfig

START_TIMEOUT_S = 60.0
"""How long the child may take to load its answer key and listen (a large suite on a busy box)."""
STOP_TIMEOUT_S = 5.0
"""How long the child may take to stop after its lifeline closes, before it is killed."""


_CHILD = [sys.executable, "-m", "evalkit.sim.child"]
_spares: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []
_reapers: list[threading.Thread] = []


def _spawn_child() -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    # stderr goes to a file, not a pipe: nobody drains a pipe during the run,
    # and a full one would block the server mid-response.
    stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed when the child is stopped)
    proc = subprocess.Popen(_CHILD, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
    return proc, stderr


def prespawn(count: int = 1) -> None:
    """Start ``count`` simulator processes now, for ``SimProcess`` to take later.

    A child spends most of its start-up importing; started as soon as a
    command knows it will need a simulator, that overlaps with the command's
    own imports and suite loading. Spares left untaken exit with this process.
    """
    if not _spares:
        atexit.register(_drop_spares)
    _spares.extend(_spawn_child() for _ in range(count))


def _drop_spares() -> None:
    # A spare has been told nothing and holds nothing: no need to wait for its imports.
    while _spares:
        proc, stderr = _spares.pop()
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, stderr):
            if stream is not None:
                stream.close()


def _reap(proc: subprocess.Popen[bytes], stderr: IO[bytes] | None) -> None:
    """Wait for a child whose lifeline is closed (killed if it hangs), then close its files."""
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    finally:
        for stream in (proc.stdout, stderr):
            if stream is not None:
                stream.close()


def _join_reapers() -> None:
    # At exit: every child stopped during the process has exited (or is killed).
    # A second Ctrl-C here leaves the rest to exit on their own: their
    # lifelines are closed.
    with contextlib.suppress(KeyboardInterrupt):
        while _reapers:
            _reapers[-1].join()
            _reapers.pop()


class SimStartError(RuntimeError):
    """The simulator's process did not start: its last words are in the message."""


def sim_spec(
    config: SimConfig,
    *,
    run_dir: Path | None,
    model: str,
    context_window: int | None,
    max_output_tokens: int | None,
) -> dict[str, Any]:
    """The JSON line the child reads: everything it needs to serve like ``SimServer``."""
    return {
        "config": config.model_dump(),
        "run_dir": str(run_dir) if run_dir is not None else None,
        "model": model,
        "context_window": context_window,
        "max_output_tokens": max_output_tokens,
    }


class SimProcess:
    """``async with SimProcess(config, run_dir=...) as sim``: a simulator in a child process.

    ``run_dir`` is a run folder whose sample snapshot (``samples/*.jsonl``)
    is the answer key; None serves no samples (a judge, a synthetic
    benchmark). ``sim.base_url`` is valid inside the block.
    """

    def __init__(
        self,
        config: SimConfig,
        *,
        run_dir: Path | None = None,
        model: str = "evalkit-sim",
        context_window: int | None = 128_000,
        max_output_tokens: int | None = 4096,
    ) -> None:
        self.spec = sim_spec(
            config,
            run_dir=run_dir,
            model=model,
            context_window=context_window,
            max_output_tokens=max_output_tokens,
        )
        self.base_url = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    def spawn(self) -> None:
        """Start the child (it begins importing at once); ``__aenter__`` waits for it."""
        if self._proc is not None:
            return
        self._proc, self._stderr = _spares.pop() if _spares else _spawn_child()

    async def __aenter__(self) -> SimProcess:
        self.spawn()
        await self.ready()
        return self

    async def ready(self) -> None:
        """Hand the child its spec and wait until it listens (``spawn`` first).

        ``SimStartError`` with the child's last words if it fails; the child
        is stopped then.
        """
        if self.base_url:
            return
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        try:
            try:
                proc.stdin.write(json.dumps(self.spec).encode() + b"\n")
                proc.stdin.flush()
            except OSError:
                line = b""  # it died before reading its spec: say why below
            else:
                async with asyncio.timeout(START_TIMEOUT_S):
                    line = await asyncio.to_thread(proc.stdout.readline)
            ready = json.loads(line) if line.startswith(b"{") else {}
            if "base_url" not in ready:
                raise SimStartError(f"the simulator did not start: {self._last_words()}")
        except BaseException:
            await self._stop()
            raise
        self.base_url = str(ready["base_url"])

    def _last_words(self) -> str:
        proc, err = self._proc, self._stderr
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=2.0)
        text = ""
        if err is not None:
            err.seek(0)
            text = err.read().decode("utf-8", "replace").strip()
        last = text.splitlines()[-1] if text else "no error output"
        code = proc.returncode if proc is not None else None
        return f"{last} (exit code {code})"

    async def stop(self) -> None:
        """Close the child's lifeline: it exits by itself (reaped in a thread; killed if hung)."""
        await self._stop()

    async def _stop(self) -> None:
        # The child's interpreter takes a few tenths of a second to exit; the
        # run does not wait for that (its records are all written, its status
        # and outputs come next): a thread reaps the child, and the process
        # waits for the reapers only when it exits.
        proc, self._proc = self._proc, None
        stderr, self._stderr = self._stderr, None
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()  # the lifeline: the child stops serving and exits
        if not _reapers:
            atexit.register(_join_reapers)
        reaper = threading.Thread(
            target=_reap, args=(proc, stderr), name="evalkit-sim-reaper", daemon=True
        )
        _reapers.append(reaper)
        reaper.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stop()


__all__ = [
    "START_TIMEOUT_S",
    "STOP_TIMEOUT_S",
    "SimProcess",
    "SimStartError",
    "prespawn",
    "sim_spec",
]
