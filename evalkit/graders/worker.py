"""Worker processes that run a suite's own grading functions, each call under a time limit.

A ``python`` grader runs code from the suite's author. In the run's own
process, an endless loop would hold its thread for good, and a long call
into C that keeps the GIL (a catastrophic ``re`` match, a large numpy
operation) would stop the event loop and with it every request in flight.
A thread can be abandoned but not stopped; a process can be killed. So each
call goes to an idle worker process of a small pool. The function's module
is imported there by its path (the parent's ``sys.path`` travels with each
call); a call that outlives its limit kills its worker, which is replaced on
demand, and becomes a ``GraderError``.

The worker runs ``target(*args)`` for a target named ``"module:function"``,
so this module knows nothing of graders (``python_`` names its own entry
point). Anything the function raises, ``SystemExit`` and
``KeyboardInterrupt`` included, comes back as a ``WorkerCallError`` naming
its type; it never ends the worker or the run.

A worker is a plain ``python -c`` child talking pickles over two pipes of
its own, not a ``multiprocessing`` process: those re-run the parent's main
script on start, and a user's script that calls ``evalkit.run`` without an
``if __name__ == "__main__"`` guard would run again in every worker. A
worker ignores SIGINT (Ctrl-C is the run's to handle) and ends when its
pipe closes, which the parent's exit does.

What a call costs: the message is pickled both ways and a thread waits on
the pipe; about 0.13 ms of the run's CPU and 0.5 ms of wall time per call
(``benchmarks/README.md``). Starting a worker costs an interpreter start and
the import of the graders (most of a second), paid on first use.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from evalkit.errors import GraderError

POOL_SIZE = max(1, min(4, os.cpu_count() or 1))
"""Worker processes at most: grading functions are CPU-bound, more would only queue."""


class WorkerCallError(Exception):
    """The function raised in its worker; ``error_type`` names what it raised."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _resolve(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _orphaned(parent: int) -> None:
    # A runaway call must not outlive a parent that was killed outright.
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def serve(read_fd: int, write_fd: int) -> None:
    """A worker's life: receive (sys.path, target, args), send back what the call gave."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_orphaned, args=(os.getppid(),), daemon=True).start()
    requests, replies = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    while True:
        try:
            path, target, args = requests.recv()
        except (EOFError, OSError):
            return  # the pool is gone
        sys.path[:] = path
        try:
            reply: tuple[Any, ...] = ("ok", _resolve(target)(*args))
        except BaseException as exc:  # the function's own SystemExit too: reported, not obeyed
            reply = ("error", type(exc).__name__, str(exc))
        try:
            try:
                replies.send(reply)
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                why = f"its result cannot be sent back: {exc}"
                replies.send(("error", type(exc).__name__, why))
        except OSError:
            return  # the pool is gone (the call was stopped, or the run ended)


_HOME = str(Path(__file__).resolve().parents[2])  # where this evalkit package is found


class _Worker:
    """One worker process and the parent's ends of its two pipes."""

    def __init__(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        code = (
            f"import sys; sys.path.insert(0, {_HOME!r}); "
            f"from evalkit.graders.worker import serve; serve({to_child_r}, {from_child_w})"
        )
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.requests = Connection(to_child_w, readable=False)
        self.replies = Connection(from_child_r, writable=False)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Stop the process now and close its pipes."""
        self.process.kill()
        self.process.wait()
        self.requests.close()
        self.replies.close()


class _Call:
    """One call in progress, so that a cancelled caller can kill the worker it is using."""

    def __init__(self) -> None:
        self.worker: _Worker | None = None
        self.abandoned = False


class WorkerPool:
    """Up to ``size`` worker processes, started on first use; ``await pool.call(...)``."""

    def __init__(self, size: int = POOL_SIZE) -> None:
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        # One thread per worker waits on its pipe; calls beyond that queue here,
        # not in the loop's default executor (which other graders use).
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="evalkit-grader")

    def _checkout(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.kill()
        return _Worker()

    def _run(self, call: _Call, target: str, args: tuple[Any, ...], limit_s: float) -> Any:
        worker = call.worker = self._checkout()
        if call.abandoned:  # cancelled while this thread waited for its turn
            worker.kill()
            raise GraderError("cancelled")
        try:
            worker.requests.send((list(sys.path), target, args))
            if not worker.replies.poll(limit_s):
                worker.kill()
                raise GraderError(f"took more than {limit_s:g} s; stopped")
            reply = worker.replies.recv()
        except (EOFError, OSError) as exc:
            worker.kill()
            if call.abandoned:
                raise GraderError("cancelled") from None
            raise GraderError(f"its worker process died ({type(exc).__name__})") from None
        with self._lock:
            self._idle.append(worker)
        if reply[0] == "ok":
            return reply[1]
        raise WorkerCallError(reply[1], reply[2])

    def close(self) -> None:
        """Stop the idle workers (calls still running end with their own)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()
        self._threads.shutdown(wait=False)

    async def call(self, target: str, args: tuple[Any, ...], limit_s: float) -> Any:
        """``target(*args)`` in a worker; GraderError after ``limit_s`` seconds,
        WorkerCallError if it raised. ``args`` and the result must pickle.

        (A time limit, not asyncio's ``timeout``: the worker must be killed, not
        just left behind.)
        """
        call = _Call()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._threads, self._run, call, target, args, limit_s)
        except asyncio.CancelledError:
            # The thread would wait out the limit; killing its worker's process ends
            # the wait now (the thread sees the pipe close and cleans up).
            call.abandoned = True
            if call.worker is not None:
                call.worker.process.kill()
            raise


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def shared_pool() -> WorkerPool:
    """The process's pool (made on first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkerPool()
            # The workers would end when their pipes close anyway; closing them
            # first reaps them, without "still running" warnings at exit.
            atexit.register(_pool.close)
        return _pool


__all__ = ["POOL_SIZE", "WorkerCallError", "WorkerPool", "shared_pool"]
