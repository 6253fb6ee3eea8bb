"""Admission: the rpm bucket spaces requests; a cooldown holds the whole target."""

from __future__ import annotations

import asyncio
import math
import time

from evalkit.runner.limits import Admission


async def test_rpm_spaces_requests_after_the_burst() -> None:
    adm = Admission(rpm=600)  # 10 per second, burst of 600 available at once
    t0 = time.monotonic()
    for _ in range(5):
        await adm.admit(0)
    assert time.monotonic() - t0 < 1.0  # no wait at all, with room for a loaded machine
    adm._rpm.level = 0  # type: ignore[union-attr]  # an exhausted minute
    t0 = time.monotonic()
    await adm.admit(0)
    assert 0.08 <= time.monotonic() - t0 < 2.0


async def test_tpm_waits_for_tokens() -> None:
    adm = Admission(tpm=60_000)  # 1,000 tokens a second
    adm._tpm.level = 0  # type: ignore[union-attr]
    t0 = time.monotonic()
    await adm.admit(200)
    assert 0.18 <= time.monotonic() - t0 < 2.0


async def test_cooldown_holds_requests() -> None:
    adm = Admission()
    adm.cool_down(0.2)
    t0 = time.monotonic()
    await adm.admit(0)
    assert time.monotonic() - t0 >= 0.19


async def test_a_cooldown_from_nowhere_is_ignored() -> None:
    adm = Admission()
    for seconds in (math.inf, math.nan, -5.0, 0.0):
        adm.cool_down(seconds)
    t0 = time.monotonic()
    await asyncio.wait_for(adm.admit(0), 1)
    assert time.monotonic() - t0 < 0.5
