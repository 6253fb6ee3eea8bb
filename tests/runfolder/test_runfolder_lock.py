"""run.lock: one writer per run folder, named when it refuses another, never stale."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evalkit.errors import RunFolderBusy
from evalkit.runfolder import LOCK_FILE, RunLock, lock_holder


def test_a_second_lock_is_refused_naming_the_holder(tmp_path: Path) -> None:
    assert lock_holder(tmp_path) is None  # no lock file yet
    first = RunLock("run").acquire(tmp_path)
    holder = lock_holder(tmp_path)
    assert holder is not None
    assert f"pid {os.getpid()} on host {socket.gethostname()} since 20" in holder
    assert holder.endswith("evalkit run")
    with pytest.raises(RunFolderBusy, match=rf"being written by pid {os.getpid()} on host"):
        RunLock("grade").acquire(tmp_path)
    assert first.held
    first.release()
    assert not first.held and lock_holder(tmp_path) is None
    with RunLock("grade").acquire(tmp_path) as second:
        assert second.held and (lock_holder(tmp_path) or "").endswith("evalkit grade")
    assert lock_holder(tmp_path) is None


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys, time
        from evalkit.runfolder import RunLock
        lock = RunLock("run").acquire(__import__("pathlib").Path({str(tmp_path)!r}))
        print("locked", flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        holder = lock_holder(tmp_path)
        assert holder is not None and f"pid {proc.pid} " in holder
        with pytest.raises(RunFolderBusy, match=f"pid {proc.pid} "):
            RunLock().acquire(tmp_path)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    # The file still names the dead process; only a held lock counts.
    assert json.loads((tmp_path / LOCK_FILE).read_text())["pid"] == proc.pid
    assert lock_holder(tmp_path) is None
    with RunLock().acquire(tmp_path):
        pass


def test_a_lock_file_without_a_holder_text_still_refuses(tmp_path: Path) -> None:
    with RunLock().acquire(tmp_path):
        (tmp_path / LOCK_FILE).write_text("")  # caught between its lock and its write
        with pytest.raises(RunFolderBusy, match="has not said who it is"):
            RunLock().acquire(tmp_path)
