"""The gateway's error responses: 401, 404, 400 (bad bodies, limits, context length)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import aiohttp
import openai
import pytest

from evalkit.suite.schema import Sample

from .simcases import FAST, SimFactory, body_for, by_id, chat_url, sdk_messages

SDK = Callable[[str, str], openai.AsyncOpenAI]
CONTEXT_RE = re.compile(
    r"This model's maximum context length is (\d+) tokens\. However, you requested (\d+) "
    r"tokens \((\d+) in the messages, (\d+) in the completion\)\."
)


async def _error(
    http: aiohttp.ClientSession, url: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    kwargs: dict[str, Any] = {"data": body} if isinstance(body, bytes) else {"json": body}
    async with http.post(url, headers=headers, **kwargs) as resp:
        assert resp.headers["Content-Type"] == "application/json"
        data = await resp.json()
        assert set(data) == {"error"} and set(data["error"]) == {"message", "type", "code"}
        return resp.status, data["error"]


async def test_wrong_or_missing_key_is_401(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    sim = await start_sim(FAST, samples, api_key="sk-right-123")
    url = chat_url(sim.base_url)
    for headers in [None, {"Authorization": "Bearer sk-wrong"}, {"Authorization": "sk-right-123"}]:
        status, error = await _error(http, url, body_for(samples[0]), headers)
        assert status == 401 and error["type"] == "authentication_error"
        assert "sk-right-123" not in error["message"]
    async with http.post(
        url, json=body_for(samples[0]), headers={"Authorization": "Bearer sk-right-123"}
    ) as resp:
        assert resp.status == 200
    async with http.get(sim.base_url + "/models") as resp:
        assert resp.status == 401


async def test_sdk_maps_the_errors_to_its_classes(
    start_sim: SimFactory, sdk: SDK, samples: list[Sample]
) -> None:
    sim = await start_sim(FAST, samples, api_key="sk-right-123", context_window=20)
    with pytest.raises(openai.AuthenticationError):
        await sdk(sim.base_url, "sk-wrong").chat.completions.create(
            model="evalkit-sim", messages=sdk_messages(samples[0])
        )
    client = sdk(sim.base_url, "sk-right-123")
    with pytest.raises(openai.NotFoundError):
        await client.chat.completions.create(model="gpt-4o", messages=sdk_messages(samples[0]))
    with pytest.raises(openai.BadRequestError) as info:
        await client.chat.completions.create(
            model="evalkit-sim", messages=sdk_messages(by_id(samples, "essay")), max_tokens=16
        )
    assert info.value.code == "context_length_exceeded"
    with pytest.raises(openai.RateLimitError):
        await client.chat.completions.create(
            model="evalkit-sim",
            messages=sdk_messages(samples[0]),
            extra_headers={"X-Sim-Fault": "429"},
        )


async def test_unknown_model_and_unknown_path_are_404(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    sim = await start_sim(FAST, samples)
    status, error = await _error(
        http, chat_url(sim.base_url), body_for(samples[0], model="no-such-model")
    )
    assert status == 404 and error["type"] == "not_found"
    assert "no-such-model" in error["message"]
    status, error = await _error(http, sim.base_url + "/completions", {"prompt": "x"})
    assert status == 404 and error["type"] == "not_found"


async def test_context_length_400_states_the_numbers(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    sim = await start_sim(FAST, samples, context_window=60)
    essay = by_id(samples, "essay")
    status, error = await _error(http, chat_url(sim.base_url), body_for(essay, max_tokens=50))
    assert status == 400 and error["type"] == "invalid_request_error"
    assert error["code"] == "context_length_exceeded"
    match = CONTEXT_RE.fullmatch(error["message"])
    assert match, error["message"]
    window, requested, prompt, completion = map(int, match.groups())
    assert window == 60 and completion == 50 and requested == prompt + completion
    # The prompt count is the one usage reports when the request fits.
    async with http.post(chat_url(sim.base_url), json=body_for(essay, max_tokens=1)) as resp:
        assert (await resp.json())["usage"]["prompt_tokens"] == prompt


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        ({"model": "evalkit-sim"}, "messages"),
        ({"model": "evalkit-sim", "messages": []}, "messages"),
        ({"model": "evalkit-sim", "messages": [{"role": "wizard", "content": "x"}]}, "role"),
        ({"model": "evalkit-sim", "messages": [{"role": "user"}]}, "content"),
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
        (
            {
                "model": "evalkit-sim",
                "messages": [{"role": "user", "content": "x"}],
                "max_tokens": 0,
            },
            "max_tokens",
        ),
        (
            {"model": "evalkit-sim", "messages": [{"role": "user", "content": "x"}], "tools": [{}]},
            "tools[0]",
        ),
        (
            {
                "model": "evalkit-sim",
                "messages": [{"role": "user", "content": "x"}],
                "stream": "yes",
            },
            "stream",
        ),
    ],
)
async def test_malformed_bodies_are_400(
    start_sim: SimFactory, http: aiohttp.ClientSession, body: Any, fragment: str
) -> None:
    sim = await start_sim(FAST)
    status, error = await _error(http, chat_url(sim.base_url), body)
    assert status == 400 and error["type"] == "invalid_request_error"
    assert fragment in error["message"]


async def test_max_tokens_above_the_output_limit_is_400(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    sim = await start_sim(FAST, samples, max_output_tokens=4096)
    status, error = await _error(
        http, chat_url(sim.base_url), body_for(samples[0], max_tokens=4097)
    )
    assert status == 400 and "4096" in error["message"]
    async with http.post(
        chat_url(sim.base_url), json=body_for(samples[0], max_tokens=4096)
    ) as resp:
        assert resp.status == 200
