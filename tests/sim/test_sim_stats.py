"""SimStats: one log entry per request, counters by status and fault, served at /sim/stats."""

from __future__ import annotations

import time

import aiohttp

from evalkit.sim.stats import NO_STATUS
from evalkit.suite.schema import Sample

from .simcases import FAST, SimFactory, body_for, by_id, chat_url


async def test_counters_match_what_was_sent(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    sim = await start_sim(FAST, samples, api_key="sk-k")
    url = chat_url(sim.base_url)
    auth = {"Authorization": "Bearer sk-k"}
    capital, weather = by_id(samples, "capital"), by_id(samples, "weather")
    before = time.monotonic()
    plan: list[tuple[dict[str, object], dict[str, str]]] = [
        (body_for(capital), auth),
        (body_for(weather, stream=True), auth),
        (body_for(capital), {}),  # 401
        (body_for(capital, model="nope"), auth),  # 404
        (body_for(weather), {**auth, "X-Sim-Fault": "429"}),
        (body_for(capital), {**auth, "X-Sim-Fault": "cut"}),
    ]
    for body, headers in plan:
        try:
            async with http.post(url, json=body, headers=headers) as resp:
                await resp.read()
        except aiohttp.ClientPayloadError:
            pass  # the cut one
    try:
        async with http.post(url, json=body_for(weather), headers={**auth, "X-Sim-Fault": "reset"}):
            pass
    except aiohttp.ClientConnectionError:
        pass
    async with http.get(sim.base_url + "/models", headers=auth) as resp:
        await resp.read()

    stats = sim.stats
    assert stats.requests == len(stats.log) == 8
    assert stats.by_status == {200: 4, 401: 1, 404: 1, 429: 1, NO_STATUS: 1}
    assert stats.faults == {"429": 1, "cut": 1, "reset": 1}
    ids = [entry.sample_id for entry in stats.log]
    assert ids == ["capital", "weather", None, None, "weather", "capital", "weather", None]
    assert [e.retry_after for e in stats.log].count(1.0) == 1
    arrivals = [e.arrival for e in stats.log]
    assert arrivals == sorted(arrivals) and before <= arrivals[0] <= time.monotonic()
    assert stats.log[0].correct is True and stats.log[2].correct is None

    async with http.get(sim.base_url.removesuffix("/v1") + "/sim/stats") as resp:
        served = await resp.json()
    assert served == {
        "requests": 8,
        "by_status": {"0": 1, "200": 4, "401": 1, "404": 1, "429": 1},
        "faults": {"429": 1, "cut": 1, "reset": 1},
    }
    async with http.get(sim.base_url.removesuffix("/v1") + "/sim/stats?log=1") as resp:
        log = (await resp.json())["log"]
    assert [entry["sample_id"] for entry in log] == ids
    assert sim.stats.requests == 8  # reading the stats is not a request
