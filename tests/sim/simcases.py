"""Inline samples and request helpers shared by the simulator's tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from evalkit.config import SimConfig
from evalkit.sim import SimServer
from evalkit.suite.schema import Sample

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["city"],
        },
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"timezone": {"type": "string"}},
            "required": ["timezone"],
        },
    },
}

SimFactory = Callable[..., Awaitable[SimServer]]
"""``await start_sim(config, samples, **SimServer kwargs)``."""

FAST = SimConfig(ttft_s=0, tokens_per_s=0, skill=1.0)
"""Zero latency, always right: the default of these tests."""


def make_samples() -> list[Sample]:
    """One sample of each answer form the simulator knows."""
    return [
        Sample(
            id="capital", prompt="Capital of France? One word.", expected="Paris", grader="exact"
        ),
        Sample(
            id="essay",
            prompt="Describe the sea in a few sentences.",
            expected=(
                "The sea is wide and restless. Waves roll in from far away, grey under "
                "clouds and blue under the sun, and the salt wind never quite stops."
            ),
            grader="llm_judge",
            metadata={"reference": "The sea is wide and restless; waves roll in, grey then blue."},
        ),
        Sample(
            id="weather",
            prompt="What's the weather in Tokyo?",
            expected={
                "tool_calls": [
                    {
                        "name": "get_weather",
                        "arguments": {"city": "Tokyo", "unit": {"$any": ["$absent", "celsius"]}},
                    }
                ]
            },
            grader="tool_call",
            tools=[WEATHER_TOOL, TIME_TOOL],
        ),
        Sample(
            id="no-call",
            prompt="Say hello.",
            expected={"tool_calls": []},
            grader="tool_call",
            tools=[WEATHER_TOOL],
        ),
        Sample(
            id="person",
            prompt="Give Ada Lovelace's name and birth year as JSON.",
            expected={"name": "Ada Lovelace", "born": 1815},
            grader="json",
            response_format={"type": "json_object"},
        ),
        Sample(id="sum", prompt="What is 19 + 23?", expected=42, grader="numeric"),
        Sample(
            id="mcq",
            prompt="Pick one: A) 1 B) 2 C) 3 D) 4. Which is 2?",
            expected="B",
            grader="choice",
        ),
    ]


def by_id(samples: Iterable[Sample], sample_id: str) -> Sample:
    return next(s for s in samples if s.id == sample_id)


def body_for(sample: Sample, model: str = "evalkit-sim", **extra: Any) -> dict[str, Any]:
    """The request body a client sends for ``sample``."""
    return {"model": model, "messages": sample.messages, **sample.request_fields(), **extra}


def sse_data(body: bytes) -> list[str]:
    """The ``data:`` payloads of an SSE body, in order (framing checked on the way)."""
    assert body.endswith(b"\n\n"), body[-40:]
    events = body[:-2].split(b"\n\n")
    out = []
    for event in events:
        assert event.startswith(b"data: "), event[:40]
        assert b"\n" not in event, event
        out.append(event[len(b"data: ") :].decode())
    return out


def sdk_messages(sample: Sample) -> Any:
    """A sample's messages, typed loosely for the SDK's TypedDict parameters."""
    return sample.messages


def chat_url(base_url: str) -> str:
    return base_url + "/chat/completions"
