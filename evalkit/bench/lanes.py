"""Where a level's requests are sent from: this process, or ``--workers N`` processes.

One Python process streams responses on one core: past that, its own event
loop is the bottleneck and every latency it reads is late. guidellm and
AIPerf spread requests over worker processes; so does ``--workers N``. Each
worker has its own event loop, connection pool and load monitor; a level's
jobs are dealt out round-robin (an open-loop schedule stays a schedule in
each worker) and its concurrency split between them.

A level runs in two steps on every lane: warm up (connections opened, not
measured), then, once every lane is warm, start together at one wall-clock
instant; each lane measures from that instant on its own ``perf_counter``.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from evalkit.bench.driver import Job, Outcome, drive, warm_up
from evalkit.bench.schedule import Level
from evalkit.client import ChatClient
from evalkit.clientload import ClientLoad, ClientLoadMonitor, merge_loads
from evalkit.config import TargetConfig
from evalkit.errors import TargetFatalError

START_MARGIN_S = 0.05
"""From the go signal to the level's start: time for every lane to get the message."""


@dataclass(frozen=True, slots=True)
class Share:
    """One lane's part of a level: its jobs, its warm-up jobs and its concurrency."""

    jobs: list[Job]
    warm: list[Job]
    level: Level
    warm_slots: int


def split(
    jobs: list[Job], warm: list[Job], level: Level, lanes: int, warm_slots: int
) -> list[Share]:
    """Deal a level out to ``lanes``: jobs round-robin, concurrency (or its cap) split evenly."""
    shares = []
    for k in range(lanes):

        def part(total: int, k: int = k) -> int:
            return total // lanes + (1 if k < total % lanes else 0)

        conc = level.concurrency
        shares.append(
            Share(
                jobs=jobs[k::lanes],
                warm=warm[k::lanes],
                level=replace(level, concurrency=max(1, part(conc)) if conc else None),
                warm_slots=max(1, part(warm_slots)),
            )
        )
    return shares


class _LocalLane:
    """A lane in this process: the run's own client and monitor."""

    def __init__(self, client: ChatClient, monitor: ClientLoadMonitor) -> None:
        self.client = client
        self.monitor = monitor
        self.share: Share | None = None

    async def warm(self, share: Share) -> None:
        self.share = share
        if share.warm:
            await warm_up(self.client, share.warm, share.warm_slots)

    async def go(self, start_wall: float) -> tuple[list[Outcome], ClientLoad]:
        assert self.share is not None
        mark = self.monitor.mark()
        start = time.perf_counter() + (start_wall - time.time())
        outcomes = await drive(self.client, self.share.jobs, self.share.level, start)
        return outcomes, self.monitor.since(mark)


def _worker_main(conn: Connection, target: dict[str, Any], base_url: str) -> None:
    """A worker process: serve ``warm`` / ``go`` messages until ``stop``."""
    asyncio.run(_worker(conn, TargetConfig.model_validate(target), base_url))


async def _worker(conn: Connection, target: TargetConfig, base_url: str) -> None:
    monitor = ClientLoadMonitor()
    monitor.start()
    async with ChatClient(target, base_url=base_url) as client:
        lane = _LocalLane(client, monitor)
        conn.send(("ready", None))
        while True:
            kind, payload = await asyncio.to_thread(conn.recv)
            try:
                if kind == "warm":
                    await lane.warm(payload)
                    conn.send(("warm", None))
                elif kind == "go":
                    conn.send(("done", await lane.go(payload)))
                else:
                    break
            except TargetFatalError as exc:
                conn.send(("fatal", exc.message))
    await monitor.stop()


class _ProcessLane:
    """A lane in a worker process, driven over a pipe."""

    def __init__(self, conn: Connection, proc: multiprocessing.process.BaseProcess) -> None:
        self.conn = conn
        self.proc = proc

    async def _call(self, kind: str, payload: Any) -> Any:
        self.conn.send((kind, payload))
        reply, value = await asyncio.to_thread(self.conn.recv)
        if reply == "fatal":
            raise TargetFatalError(str(value))
        return value

    async def warm(self, share: Share) -> None:
        await self._call("warm", share)

    async def go(self, start_wall: float) -> tuple[list[Outcome], ClientLoad]:
        result: tuple[list[Outcome], ClientLoad] = await self._call("go", start_wall)
        return result


class Lanes:
    """``async with Lanes(client, monitor, workers)``: the lanes a target's levels run on.

    ``workers`` 1 sends from this process (with ``client``); more start that
    many worker processes, each with its own client to ``client``'s URL.
    """

    def __init__(self, client: ChatClient, monitor: ClientLoadMonitor, workers: int = 1) -> None:
        self.client = client
        self.monitor = monitor
        self.workers = workers
        self._lanes: list[_LocalLane | _ProcessLane] = []

    async def __aenter__(self) -> Lanes:
        if self.workers <= 1:
            self._lanes = [_LocalLane(self.client, self.monitor)]
            return self
        ctx = multiprocessing.get_context("spawn")
        base_url = self.client.url.removesuffix("/chat/completions")
        target = self.client.target.model_dump()
        try:
            for _ in range(self.workers):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=_worker_main, args=(child, target, base_url), daemon=True)
                proc.start()
                child.close()
                self._lanes.append(_ProcessLane(parent, proc))
            for lane in self._lanes:
                assert isinstance(lane, _ProcessLane)
                await asyncio.to_thread(lane.conn.recv)  # "ready": imported, client open
        except BaseException:
            await self._close()
            raise
        return self

    async def run(
        self, jobs: list[Job], warm: list[Job], level: Level, warm_slots: int
    ) -> tuple[list[Outcome], ClientLoad, float]:
        """Warm every lane, start them together; the level's outcomes, load and start (wall)."""
        shares = split(jobs, warm, level, len(self._lanes), warm_slots)
        await asyncio.gather(*(lane.warm(s) for lane, s in zip(self._lanes, shares, strict=True)))
        start_wall = time.time() + START_MARGIN_S
        results = await asyncio.gather(*(lane.go(start_wall) for lane in self._lanes))
        outcomes = [o for part, _ in results for o in part]
        outcomes.sort(key=lambda o: o.seq)
        return outcomes, merge_loads([load for _, load in results]), start_wall

    async def _close(self) -> None:
        for lane in self._lanes:
            if isinstance(lane, _ProcessLane):
                with contextlib.suppress(OSError):
                    lane.conn.send(("stop", None))
                await asyncio.to_thread(lane.proc.join, 5.0)
                if lane.proc.is_alive():
                    lane.proc.kill()
                    await asyncio.to_thread(lane.proc.join)
                lane.conn.close()
        self._lanes = []

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()


__all__ = ["START_MARGIN_S", "Lanes", "Share", "split"]
