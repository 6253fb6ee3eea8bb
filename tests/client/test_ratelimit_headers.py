"""Rate-limit headers read from answers: OpenAI's x-ratelimit-* and the IETF draft's."""

from __future__ import annotations

import pytest

from evalkit.client import ChatClient
from evalkit.client.ratelimit import RateLimitHint, parse_duration, rate_limit_hint
from evalkit.config import SimConfig, TargetConfig
from evalkit.sim import SimServer
from evalkit.suite.schema import Sample


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("250ms", 0.25),
        ("1h2m3.5s", 3723.5),
        ("0.5", 0.5),
        ("17", 17.0),
        (" 2s ", 2.0),
        ("soon", None),
        ("1s2x", None),
        ("-3", None),
        ("nan", None),
        ("99999999999", 86400.0),  # capped: a reset a day away is a server's mistake
    ],
)
def test_durations(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


def test_openai_headers() -> None:
    hint = rate_limit_hint(
        {
            "x-ratelimit-remaining-requests": "59",
            "x-ratelimit-reset-requests": "1s",
            "x-ratelimit-remaining-tokens": "149984",
            "x-ratelimit-reset-tokens": "6m0s",
            "x-ratelimit-limit-requests": "60",
            "x-ratelimit-limit-tokens": "150000",
        }
    )
    assert hint == RateLimitHint(59, 1.0, 149984, 360.0, 60, 150000)


def test_ietf_draft_headers_are_the_requests_quota() -> None:
    assert rate_limit_hint({"ratelimit-remaining": "3", "ratelimit-reset": "12"}) == RateLimitHint(
        3, 12.0
    )


def test_garbage_is_unknown_not_an_error() -> None:
    hint = rate_limit_hint(
        {"x-ratelimit-remaining-requests": "lots", "x-ratelimit-reset-requests": "?"}
    )
    assert hint == RateLimitHint(None, None, None, None)
    assert rate_limit_hint({"content-type": "application/json"}) is None


async def test_the_client_hands_on_what_a_real_answer_announced() -> None:
    sample = Sample(id="a", prompt="Capital of France? One word.", expected="Paris")
    config = SimConfig(ttft_s=0, tokens_per_s=0, limit_rpm=600, limit_tpm=60000, limit_headers=True)
    sim = SimServer(config, [sample], model="m")
    await sim.start()
    try:
        target = TargetConfig(name="t", base_url=sim.base_url, model="m", stream=True)
        async with ChatClient(target) as client:
            first = await client.complete(client.build_body(sample))
            second = await client.complete(client.build_body(sample))
    finally:
        await sim.stop()
    assert first.rate_limit is not None and second.rate_limit is not None
    assert first.rate_limit.remaining_requests == 9  # 10 at once, one spent
    assert second.rate_limit.remaining_requests == 8
    assert first.rate_limit.remaining_tokens is not None
    assert first.rate_limit.reset_requests_s is not None and first.rate_limit.reset_requests_s > 0
