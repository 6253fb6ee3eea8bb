"""Running the evalkit command as a user does: subprocesses, a free port, config files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from support import REPO

__all__ = ["evalkit", "free_port", "popen", "sim_requests", "write_config"]


def evalkit(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )


def popen(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "evalkit", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sim_requests(url: str) -> int:
    import urllib.request

    with urllib.request.urlopen(f"{url}/sim/stats", timeout=5) as resp:
        return int(json.load(resp)["requests"])


def write_config(path: Path, body: str) -> Path:
    path.write_text(body)
    return path
