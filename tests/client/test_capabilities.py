"""What a request needs of an endpoint, and what is sent (or skipped) given the probe's findings."""

from __future__ import annotations

from typing import Any

from evalkit.client.capabilities import Capabilities, Verdict, needed_features, plan_request

NOW = "2026-12-01T00:00:00.000Z"
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}


def caps(**verdicts: Verdict) -> Capabilities:
    return Capabilities(endpoint="http://x/v1", model="m", probed_at=NOW, verdicts=verdicts)


def no(detail: str = "refused", unstreamed_ok: bool | None = None) -> Verdict:
    return Verdict(supported=False, detail=detail, checked_at=NOW, unstreamed_ok=unstreamed_ok)


def body(**fields: Any) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": "hi"}], **fields}


def test_needed_features_read_the_body() -> None:
    assert needed_features(body(stream=False)) == set()
    assert needed_features(body(stream=True)) == {"stream"}
    tools = [{"type": "function", "function": {"name": "f"}}]
    assert needed_features(body(tools=tools)) == {"tools_auto"}
    assert needed_features(body(tools=tools, tool_choice="none")) == set()
    assert needed_features(body(tools=tools, tool_choice="required")) == {"tools_forced"}
    forced = {"type": "function", "function": {"name": "f"}}
    assert needed_features(body(tools=tools, tool_choice=forced, parallel_tool_calls=True)) == {
        "tools_forced",
        "tools_parallel",
    }
    assert needed_features(body(response_format={"type": "json_object"})) == {"json_object"}
    assert needed_features(body(response_format={"type": "json_schema"})) == {"json_schema"}
    assert needed_features(body(response_format={"type": "text"})) == set()
    image = {"role": "user", "content": [{"type": "text", "text": "?"}, IMAGE]}
    assert needed_features({"messages": [image]}) == {"image_input"}


def test_an_unsupported_feature_skips_with_the_probes_words() -> None:
    sent, why = plan_request(
        caps(json_schema=no("HTTP 500: 1 validation error")),
        body(response_format={"type": "json_schema"}),
    )
    assert sent is None
    assert why == (
        "structured output (json_schema) not supported by this endpoint: "
        "HTTP 500: 1 validation error"
    )


def test_unknown_and_supported_features_go_as_they_are() -> None:
    request = body(stream=True, response_format={"type": "json_object"})
    yes = Verdict(supported=True, detail="ok", checked_at=NOW)
    unknown = Verdict(supported=None, detail="kept failing", checked_at=NOW)
    for found in (caps(), caps(json_object=yes), caps(json_object=unknown)):
        sent, why = plan_request(found, request)
        assert sent is request and why is None


def test_a_feature_that_works_unstreamed_turns_streaming_off() -> None:
    request = body(stream=True, stream_options={"include_usage": True}, tools=[{}])
    sent, why = plan_request(caps(tools_auto=no(unstreamed_ok=True)), request)
    assert why is None and sent is not None
    assert sent["stream"] is False and "stream_options" not in sent
    assert request["stream"] is True  # never mutated
    # Unstreamed requests have nothing to turn off.
    plain = body(stream=False, tools=[{}])
    assert plan_request(caps(tools_auto=no(unstreamed_ok=True)), plain) == (plain, None)


def test_broken_streaming_skips_only_streamed_items() -> None:
    found = caps(stream=no("stream ended without [DONE]"))
    assert plan_request(found, body(stream=True))[0] is None
    assert plan_request(found, body(stream=False))[0] is not None


def test_prompts_longer_than_the_window_are_skipped() -> None:
    found = caps().model_copy(update={"context_window": 100, "context_window_source": "/models"})
    short = body(stream=False)
    assert plan_request(found, short) == (short, None)
    long = body(messages=[{"role": "user", "content": "word " * 2000}])
    sent, why = plan_request(found, long)
    assert sent is None and why is not None
    assert why.endswith("exceeds the context window of 100 tokens (/models)")


def test_max_tokens_is_clamped_to_the_probed_cap_unless_configured() -> None:
    found = caps().model_copy(update={"max_output_tokens": 64})
    sent, _ = plan_request(found, body(max_tokens=512))
    assert sent is not None and sent["max_tokens"] == 64
    sent, _ = plan_request(found, body(max_tokens=512), clamp_output=False)
    assert sent is not None and sent["max_tokens"] == 512


def test_lines_say_what_was_found() -> None:
    found = caps(stream=Verdict(supported=True, detail="9 chunks", checked_at=NOW)).model_copy(
        update={"models": ["m", "n"], "rate_limits": {"x-ratelimit-limit-requests": "60"}}
    )
    found.verdicts["tools_auto"] = no("breaks streamed", unstreamed_ok=True)
    assert found.lines() == [
        "model 'm': listed at /models (m, n)",
        "streaming: yes: 9 chunks",
        "tool calls (tool_choice auto): unstreamed only: breaks streamed",
        "context window: unknown",
        "max output: unknown",
        "rate-limit headers: x-ratelimit-limit-requests=60",
    ]
