"""The simulator's verdicts agree with evalkit's graders on the shipped suites.

At skill 1.0 every answer it sends must pass the sample's primary grader,
and at skill 0.0 every answer must fail it: this is what makes a demo run's
scores mean what the skill says.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from evalkit.config import SimConfig
from evalkit.graders import GradeItem, build, grade
from evalkit.suite import Suite, load_suites
from evalkit.suite.schema import Sample
from evalkit.types import ToolCall

from .simcases import SimFactory, body_for, chat_url

SUITES = Path(__file__).resolve().parents[2] / "suites"


@pytest.fixture(scope="module")
def shipped() -> list[Suite]:
    paths = sorted(p for p in SUITES.iterdir() if (p / "manifest.toml").exists())
    if not paths:
        pytest.skip("no shipped suites")
    return load_suites(paths, context_window=128_000)


async def _passes(http: aiohttp.ClientSession, url: str, sample: Sample) -> tuple[bool, Any]:
    async with http.post(url, json=body_for(sample)) as resp:
        body = await resp.json()
    assert resp.status == 200, body
    choice = body["choices"][0]
    message = choice["message"]
    calls = [
        ToolCall(id=c["id"], name=c["function"]["name"], arguments=c["function"]["arguments"])
        for c in message.get("tool_calls") or []
    ]
    item = GradeItem(
        sample=sample,
        output=message["content"] or "",
        tool_calls=calls,
        finish_reason=choice["finish_reason"],
    )
    scores = await grade([build(spec) for spec in sample.grader], item)
    return scores[0].passed, message


@pytest.mark.parametrize("skill", [1.0, 0.0])
async def test_graders_agree_with_the_skill(
    start_sim: SimFactory, http: aiohttp.ClientSession, shipped: list[Suite], skill: float
) -> None:
    config = SimConfig(skill=skill, seed=3, ttft_s=0, tokens_per_s=0)
    sim = await start_sim(config, shipped)
    samples = [
        s
        for suite in shipped
        for s in suite.samples
        if all(g.type != "llm_judge" for g in s.grader)
    ]
    sem = asyncio.Semaphore(16)

    async def one(sample: Sample) -> tuple[str, bool, Any]:
        async with sem:
            passed, message = await _passes(http, chat_url(sim.base_url), sample)
            return sample.id, passed, message

    results = await asyncio.gather(*(one(s) for s in samples))
    disagree = [(sid, msg) for sid, passed, msg in results if passed != (skill == 1.0)]
    assert not disagree, disagree[:5]
    assert len(results) >= 50
