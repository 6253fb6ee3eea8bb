"""One writer per run folder: an OS lock on its run.lock, held while a process writes it.

Two resumes of one run at once would both send the remaining requests and
both append their records. A run, a resume and a re-grade therefore take an
exclusive ``flock`` on run.lock first; a second one is refused with
``RunFolderBusy`` naming the holder (pid, host, since when), which the holder
wrote into the file. The OS drops the lock when its process ends, however it
ends, so a killed run never leaves a stale lock: the file's text alone means
nothing, only a held lock does. Readers (``evalkit report``) only ask
``lock_holder`` whether someone is writing.

POSIX only (``fcntl``); on NFS the lock is as good as the server's.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from pathlib import Path
from typing import IO

from evalkit.errors import ConfigError, RunFolderBusy
from evalkit.runfolder.layout import lock_path
from evalkit.runfolder.models import utc_now


def _describe(text: str) -> str:
    """The holder's line from run.lock's text ("pid 12 on host h since T: evalkit run ...")."""
    try:
        info = json.loads(text)
        return (
            f"pid {info['pid']} on host {info['host']} since {info['since']}: "
            f"evalkit {info['command']}"
        )
    except (ValueError, KeyError, TypeError):
        return "a process that has not said who it is"  # caught between its lock and its write


class RunLock:
    """The exclusive lock of one run folder; ``acquire`` it, ``release`` it (or exit)."""

    def __init__(self, command: str = "run") -> None:
        self.command = command
        self._fh: IO[str] | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds a lock now."""
        return self._fh is not None

    def acquire(self, run_dir: Path) -> RunLock:
        """Lock ``run_dir``; ``RunFolderBusy`` names the holder if another process has it."""
        assert self._fh is None, "already held"
        path = lock_path(run_dir)
        try:
            fh = path.open("a+", encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot lock the run folder: {exc.strerror}") from None
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = _describe(fh.read())
            fh.close()
            raise RunFolderBusy(
                f"run folder {run_dir} is being written by {holder}; "
                "wait for it to end, or stop it (it stays resumable)"
            ) from None
        except BaseException:
            fh.close()
            raise
        # Who holds it, for the message of whoever is refused next. Best effort:
        # a full disk must not stop a run from starting just because of this.
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(
                json.dumps(
                    {
                        "pid": os.getpid(),
                        "host": socket.gethostname(),
                        "since": utc_now(),
                        "command": self.command,
                    }
                )
            )
            fh.flush()
        except OSError:
            pass
        self._fh = fh
        return self

    def release(self) -> None:
        """Let go of the lock (closing the file releases it); no-op when not held."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_holder(run_dir: Path) -> str | None:
    """Who is writing ``run_dir`` ("pid 12 on host h since T: evalkit run"), or None."""
    try:
        fh = lock_path(run_dir).open("r", encoding="utf-8")
    except OSError:
        return None  # no lock file: no evalkit has written the folder since locks exist
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _describe(fh.read())
        fcntl.flock(fh, fcntl.LOCK_UN)
        return None


__all__ = ["RunLock", "lock_holder"]
