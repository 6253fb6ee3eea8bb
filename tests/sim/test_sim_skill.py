"""Seeded skill through the server: the right fraction, reproducible, exact at 0 and 1."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from evalkit.config import SimConfig
from evalkit.suite.schema import Sample

from .simcases import SimFactory, body_for, chat_url

ANIMALS = ["otter", "heron", "badger", "lynx", "falcon", "marten", "bison", "ibex"]
SAMPLES = [
    Sample(
        id=f"code-{i}",
        prompt=f"Item {i}: which animal is on card {i}? One word.",
        expected=f"{ANIMALS[i % len(ANIMALS)]}-{i}",
        grader="exact",
    )
    for i in range(400)
]


async def _answers(
    http: aiohttp.ClientSession, base_url: str, samples: list[Sample] = SAMPLES
) -> list[str]:
    sem = asyncio.Semaphore(32)

    async def one(sample: Sample) -> str:
        async with sem, http.post(chat_url(base_url), json=body_for(sample)) as resp:
            return str((await resp.json())["choices"][0]["message"]["content"])

    return await asyncio.gather(*(one(s) for s in samples))


async def test_skill_sets_the_right_fraction_and_the_seed_fixes_the_answers(
    start_sim: SimFactory, http: aiohttp.ClientSession
) -> None:
    config = SimConfig(skill=0.7, seed=21, ttft_s=0, tokens_per_s=0)
    sim = await start_sim(config, SAMPLES)
    answers = await _answers(http, sim.base_url)
    right = [a == s.expected for a, s in zip(answers, SAMPLES, strict=True)]
    assert 0.62 <= sum(right) / len(SAMPLES) <= 0.78
    # Wrong answers are plausible: another item's answer, never noise.
    expected = {s.expected for s in SAMPLES}
    assert all(a in expected for a in answers)
    # The simulator's own verdicts agree with the comparison.
    verdicts = {e.sample_id: e.correct for e in sim.stats.log}
    assert all(verdicts[s.id] == r for s, r in zip(SAMPLES, right, strict=True))

    again = await start_sim(config, SAMPLES)
    assert await _answers(http, again.base_url) == answers
    other = await start_sim(config.model_copy(update={"seed": 22}), SAMPLES)
    assert await _answers(http, other.base_url) != answers


@pytest.mark.parametrize("skill", [0.0, 1.0])
async def test_extreme_skills(
    start_sim: SimFactory, http: aiohttp.ClientSession, skill: float
) -> None:
    sim = await start_sim(SimConfig(skill=skill, ttft_s=0, tokens_per_s=0), SAMPLES[:100])
    answers = await _answers(http, sim.base_url, SAMPLES[:100])
    right = {a == s.expected for a, s in zip(answers, SAMPLES[:100], strict=True)}
    assert right == {skill == 1.0}
