"""The real client against each fault: a valid completion or one classified RequestError."""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import pytest

from adversarial.app import MODEL, Endpoint
from evalkit.client import ChatClient, Completion
from evalkit.config import TargetConfig
from evalkit.errors import (
    BadRequestError,
    BadResponseError,
    RateLimitError,
    RequestError,
    ResponseTooLargeError,
    ServerError,
    TargetFatalError,
)
from evalkit.suite.schema import Sample

STREAMS = pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])


def target(url: str, **fields: Any) -> TargetConfig:
    return TargetConfig.model_validate(
        {"name": "adv", "base_url": url, "model": MODEL, "timeout_s": 20.0, **fields}
    )


async def ask(endpoint: Endpoint, mode: str, *, stream: bool = True, **fields: Any) -> Completion:
    async with ChatClient(target(endpoint.url(mode), stream=stream, **fields)) as client:
        return await client.complete(client.build_body(Sample(id="s", prompt="hi")))


async def refused(
    endpoint: Endpoint, mode: str, *, stream: bool = True, **fields: Any
) -> RequestError:
    with pytest.raises(RequestError) as err:
        await ask(endpoint, mode, stream=stream, **fields)
    return err.value


def utf8(text: str) -> str:
    text.encode("utf-8")  # raises on a lone surrogate: records and reports need valid UTF-8
    return text


# --- UTF-16 surrogates -----------------------------------------------------------


@STREAMS
async def test_a_surrogate_pair_split_across_chunks_is_one_emoji(
    adversary_here: Endpoint, stream: bool
) -> None:
    done = await ask(adversary_here, "split-surrogate", stream=stream)
    assert utf8(done.text) == "a\U0001f600b"


@STREAMS
async def test_a_lone_surrogate_becomes_the_replacement_character(
    adversary_here: Endpoint, stream: bool
) -> None:
    done = await ask(adversary_here, "lone-surrogate", stream=stream)
    assert utf8(done.text) == "x\ufffdy"


@STREAMS
async def test_a_json_mode_answer_keeps_its_escapes_and_loses_its_lone_surrogates(
    adversary_here: Endpoint, stream: bool
) -> None:
    done = await ask(adversary_here, "lone-surrogate-json", stream=stream)
    # The escape is the model's JSON text, kept as sent; the raw surrogate is not text.
    assert utf8(done.text) == '{"answer": "\\ud83d", "raw": "\ufffd"}'


@STREAMS
async def test_a_tool_call_with_lone_surrogates_is_valid_text(
    adversary_here: Endpoint, stream: bool
) -> None:
    done = await ask(adversary_here, "lone-surrogate-tool", stream=stream)
    (call,) = done.tool_calls
    assert call.name == "get_weather" and utf8(call.id or "") == "c\ufffd"
    assert utf8(call.arguments) == '{"city": "\ufffd", "note": "\\udead"}'


# --- answers that are JSON but no completion ------------------------------------------


@STREAMS
@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("choices-dict", "KeyError"),
        ("choices-null", "AttributeError"),
        ("deep-chunk", "nested too deeply"),
        ("huge-int", "digits"),
    ],
)
async def test_json_of_the_wrong_shape_is_a_bad_response(
    adversary_here: Endpoint, stream: bool, mode: str, says: str
) -> None:
    err = await refused(adversary_here, mode, stream=stream)
    assert type(err) is BadResponseError and err.kind == "bad_response"
    assert err.http_status == 200
    if stream or mode not in ("choices-dict", "choices-null"):  # a body just has no choices
        assert says in err.message, err.message
    assert len(err.message) < 1000


async def test_an_error_body_nested_too_deeply_is_still_the_statuses_error(
    adversary_here: Endpoint,
) -> None:
    err = await refused(adversary_here, "deep-error")
    assert type(err) is BadRequestError and err.http_status == 400
    assert err.message.startswith("HTTP 400 Bad Request: {") and len(err.message) < 1000


@STREAMS
@pytest.mark.parametrize("mode", ["giant-usage", "negative-usage"])
async def test_implausible_usage_is_estimated_instead(
    adversary_here: Endpoint, stream: bool, mode: str
) -> None:
    done = await ask(adversary_here, mode, stream=stream)
    assert done.tokens_source == "estimated"
    assert 0 < done.prompt_tokens < 100 and done.completion_tokens == 1  # "ok"


# --- Retry-After as the server says it -------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "cls", "seconds"),
    [
        ("retry-after-3600", RateLimitError, 3600.0),
        ("retry-after-1e12", RateLimitError, 1e12),
        ("retry-after-ms", RateLimitError, 99999.999),
        ("unavailable-3600", ServerError, 3600.0),
        ("retry-after-nan", RateLimitError, None),
        ("retry-after-negative", RateLimitError, 0.0),
    ],
)
async def test_retry_after_is_read_whatever_its_value(
    adversary_here: Endpoint, mode: str, cls: type[RequestError], seconds: float | None
) -> None:
    err = await refused(adversary_here, mode)
    assert type(err) is cls
    assert getattr(err, "retry_after", "missing") == seconds


# --- size ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "stream"),
    [
        ("endless-stream", True),
        ("endless-line", True),
        ("endless-body", False),
        ("huge-length", False),
    ],
)
async def test_an_answer_past_the_size_cap_is_cut_off_without_growing_memory(
    adversary_here: Endpoint, mode: str, stream: bool
) -> None:
    cap = 4 << 20
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        err = await refused(adversary_here, mode, stream=stream, max_response_bytes=cap)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert type(err) is ResponseTooLargeError and err.kind == "response_too_large"
    assert "max_response_bytes = 4,194,304" in err.message and err.http_status == 200
    assert time.monotonic() - t0 < 15  # long before timeout_s (20 s)
    # What this process held at most: a few times the cap, not what the server sent.
    assert peak < 4 * cap, peak


async def test_an_endless_error_body_is_read_only_as_far_as_its_text(
    adversary_here: Endpoint,
) -> None:
    t0 = time.monotonic()
    err = await refused(adversary_here, "endless-error")
    assert type(err) is ServerError and err.http_status == 503
    assert "overloaded overloaded" in err.message and len(err.message) < 1000
    assert time.monotonic() - t0 < 10


# --- secrets and URLs ------------------------------------------------------------------


async def test_secrets_a_server_echoes_are_scrubbed_from_the_error(
    adversary_here: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADV_KEY", "sk-adv-KEY-0001")
    base = adversary_here.url("echo") + "?api_key=sk-QUERY-0002&v=3"
    headers = {"X-Team-Token": "Bearer tok-HEADER-0003"}
    with pytest.raises(BadRequestError) as info:
        async with ChatClient(target(base, api_key_env="ADV_KEY", headers=headers)) as client:
            await client.complete(client.build_body(Sample(id="s", prompt="hi")))
    # The server did receive (and echo) every one of them...
    seen = adversary_here.seen("echo")[-1]
    assert seen.headers["Authorization"] == "Bearer sk-adv-KEY-0001"
    assert seen.query == "api_key=sk-QUERY-0002&v=3"
    # ...and none of them is in what the client made of its answer.
    said = info.value.message
    assert "bad request to /echo/v1/chat/completions?api_key=" in said
    for secret in ("sk-adv-KEY-0001", "sk-QUERY-0002", "tok-HEADER-0003"):
        assert secret not in said and secret not in str(info.value)
    assert said.count("***") >= 3


async def test_userinfo_in_base_url_is_sent_and_scrubbed(adversary_here: Endpoint) -> None:
    base = adversary_here.url("echo-401").replace("http://", "http://alice:pw-USERINFO-9@")
    with pytest.raises(TargetFatalError) as info:
        async with ChatClient(target(base)) as client:
            assert "pw-USERINFO-9" not in repr(client)
            await client.complete(client.build_body(Sample(id="s", prompt="hi")))
    # aiohttp turned the userinfo into Basic auth, which the server echoed (base64).
    assert adversary_here.seen("echo-401")[-1].headers["Authorization"].startswith("Basic ")
    assert "Basic ***" in info.value.message


async def test_a_query_in_base_url_stays_after_the_path(adversary_here: Endpoint) -> None:
    base = adversary_here.url("ok") + "?api-version=2024-06&x=1"
    async with ChatClient(target(base)) as client:
        assert client.url.endswith("/ok/v1/chat/completions?api-version=2024-06&x=1")
        done = await client.complete(client.build_body(Sample(id="s", prompt="hi")))
    assert done.text == "ok"
    assert adversary_here.seen("ok")[-1].query == "api-version=2024-06&x=1"


async def test_params_never_override_model_messages_or_stream(adversary_here: Endpoint) -> None:
    sample = Sample(id="s", prompt="the real prompt")
    # Validation may refuse these at load; a sample that slipped through still cannot.
    sneaky = sample.model_copy(
        update={
            "params": {
                "model": "bogus",
                "messages": [{"role": "user", "content": "another prompt"}],
                "stream": False,
                "temperature": 0,
            }
        }
    )
    async with ChatClient(target(adversary_here.url("ok"))) as client:
        body = client.build_body(sneaky)
        done = await client.complete(body)
    sent = adversary_here.seen("ok")[-1].body
    assert (sent["model"], sent["stream"], sent["temperature"]) == (MODEL, True, 0)
    assert sent["messages"] == [{"role": "user", "content": "the real prompt"}]
    assert done.text == "ok" and done.ttft_s is not None  # streamed, as the target says
