"""The simulator's child process: ``python -m evalkit.sim.child`` (started by ``SimProcess``).

It reads one JSON line from stdin (``evalkit.sim.process.sim_spec``), loads
the answer key from the run folder's sample snapshot, listens on an
ephemeral port of 127.0.0.1, writes ``{"base_url": ...}`` as one line to
stdout, and serves until stdin reaches its end. Ctrl-C in a terminal reaches
the whole process group: the child ignores it and lets the parent decide
when to stop, so that an interrupted run's requests in flight are not cut
by their own endpoint.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

from evalkit.config import SimConfig
from evalkit.runfolder import read_samples
from evalkit.sim.server import SimServer


async def serve(spec: dict[str, Any]) -> None:
    """Serve the simulator ``spec`` describes until stdin closes."""
    run_dir = spec.get("run_dir")
    samples = list(read_samples(Path(run_dir)).values()) if run_dir else []
    server = SimServer(
        SimConfig.model_validate(spec["config"]),
        samples,
        model=spec["model"],
        context_window=spec["context_window"],
        max_output_tokens=spec["max_output_tokens"],
    )
    async with server:
        sys.stdout.write(json.dumps({"base_url": server.base_url}) + "\n")
        sys.stdout.flush()
        # The lifeline: read() returns at end of file, when the parent closes
        # its end or dies.
        await asyncio.to_thread(sys.stdin.buffer.read)


def main() -> None:
    """Read the spec, serve, exit when the parent lets go."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    line = sys.stdin.buffer.readline()
    if not line.strip():
        return  # the parent went away before saying what to serve
    asyncio.run(serve(json.loads(line)))


if __name__ == "__main__":
    main()
