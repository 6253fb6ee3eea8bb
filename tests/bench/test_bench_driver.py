"""Sending and timing a level: what TTFT counts, when requests go out, what queueing shows."""

from __future__ import annotations

import time

import pytest
from aiohttp.pytest_plugin import AiohttpServer
from bench_apps import ARRIVALS, MODEL, paced_app

from evalkit.bench.driver import Job, closed_loop, drive, open_loop
from evalkit.bench.schedule import Level
from evalkit.client import ChatClient
from evalkit.config import TargetConfig


def jobs(n: int, at: list[float] | None = None) -> list[Job]:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    times = at or [0.0] * n
    return [Job(i, "s", f"q{i}", body, times[i]) for i in range(n)]


def target(server: AiohttpServer, concurrency: int = 8) -> TargetConfig:
    return TargetConfig(
        name="t",
        base_url=str(server.make_url("/v1")),
        model=MODEL,
        max_concurrency=concurrency,
        timeout_s=10,
    )


async def test_ttft_waits_for_content_not_the_role_chunk(aiohttp_server: AiohttpServer) -> None:
    server = await aiohttp_server(paced_app(ttft=0.15, gap=0.03, tokens=4))
    async with ChatClient(target(server)) as client:
        (o,) = await drive(client, jobs(1), Level(concurrency=1), time.perf_counter())
    assert o.ok and o.completion_tokens == 4
    assert o.ttft is not None and 0.15 <= o.ttft < 0.3
    assert len(o.gaps) == 3 and all(0.025 <= g < 0.1 for g in o.gaps)
    assert o.e2el is not None and o.e2el >= 0.15 + 3 * 0.03
    assert o.tpot == pytest.approx((o.e2el - o.ttft) / 3)
    assert o.done == pytest.approx(o.sent + o.e2el)


async def test_closed_loop_keeps_the_slots_busy_and_no_more(aiohttp_server: AiohttpServer) -> None:
    server = await aiohttp_server(paced_app(ttft=0.05, tokens=1))
    async with ChatClient(target(server)) as client:
        out = await closed_loop(client, jobs(12), slots=3, start=time.perf_counter())
    assert sorted(o.seq for o in out) == list(range(12))
    # 12 requests of ~50 ms, 3 at a time: four rounds, each request sent as its slot frees.
    sends = sorted(o.sent for o in out)
    assert sends[3] >= 0.05 and sends[-1] >= 0.15
    in_flight = max(sum(1 for o in out if o.sent <= t < o.done) for t in sends)
    assert in_flight == 3
    assert all(o.queued < 0.05 for o in out)


async def test_open_loop_sends_on_schedule_whatever_the_endpoint(
    aiohttp_server: AiohttpServer,
) -> None:
    app = paced_app(ttft=0.2, tokens=1)
    server = await aiohttp_server(app)
    at = [0.0, 0.05, 0.1, 0.15]
    async with ChatClient(target(server)) as client:
        start = time.perf_counter() + 0.02
        out = await open_loop(client, jobs(4, at), cap=None, start=start)
    arrived = sorted(t - start for t in app[ARRIVALS])
    # Each request left on time although the previous ones were still in flight.
    for planned, got in zip(at, arrived, strict=True):
        assert planned <= got < planned + 0.03
    assert all(o.queued < 0.03 for o in out)


async def test_a_concurrency_cap_shows_as_client_queueing(aiohttp_server: AiohttpServer) -> None:
    server = await aiohttp_server(paced_app(ttft=0.1, tokens=1))
    async with ChatClient(target(server)) as client:
        out = await open_loop(client, jobs(3), cap=1, start=time.perf_counter())
    queued = sorted(o.queued for o in sorted(out, key=lambda o: o.seq))
    # All three were due at 0; one slot: the 2nd waited ~0.1 s, the 3rd ~0.2 s.
    assert queued[0] < 0.03
    assert 0.09 <= queued[1] < 0.2
    assert 0.19 <= queued[2] < 0.35
    # Their own latencies do not include that wait.
    assert all(o.ttft is not None and o.ttft < 0.2 for o in out)


async def test_failures_are_kept_with_their_kind(aiohttp_server: AiohttpServer) -> None:
    server = await aiohttp_server(paced_app(status=503))
    async with ChatClient(target(server)) as client:
        out = await drive(client, jobs(2), Level(concurrency=2), time.perf_counter())
    assert [o.ok for o in out] == [False, False]
    assert {o.error_kind for o in out} == {"server_error"}
    assert {o.http_status for o in out} == {503}
