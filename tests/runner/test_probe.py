"""The capability probe against an endpoint with a local server's gaps (tests/runner/gappy_app)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from gappy_app import LOG, Gaps, gappy_app

from evalkit.client.capabilities import FEATURES, Capabilities
from evalkit.config import TargetConfig
from evalkit.errors import ContextLengthError
from evalkit.runfolder import utc_now
from evalkit.runner import probe_cache
from evalkit.runner.probe import learn_from_error, probe_runtime
from evalkit.runner.probe_checks import solid_png
from evalkit.runner.targets import TargetRuntime, open_target

AiohttpServer = Any


def gappy_target(url: str, **fields: Any) -> TargetConfig:
    return TargetConfig(
        name="gappy",
        base_url=url,
        model="gappy",
        max_attempts=3,
        backoff_initial_s=0.01,
        backoff_max_s=0.02,
        timeout_s=10,
        **fields,
    )


@contextlib.asynccontextmanager
async def runtime(target: TargetConfig) -> AsyncIterator[TargetRuntime]:
    async with contextlib.AsyncExitStack() as stack:
        yield await open_target(stack, target, ())


async def probe_app(
    aiohttp_server: AiohttpServer, gaps: Gaps, **fields: Any
) -> tuple[Capabilities, list[tuple[str, dict[str, Any]]]]:
    server = await aiohttp_server(gappy_app(gaps))
    async with runtime(gappy_target(str(server.make_url("/v1")), **fields)) as rt:
        caps = await probe_runtime(rt, FEATURES, refresh=True)
    return caps, server.app[LOG]


async def test_probe_finds_each_gap_and_says_why(aiohttp_server: AiohttpServer) -> None:
    headers = {"x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "59"}
    caps, log = await probe_app(aiohttp_server, Gaps(rate_headers=headers))
    v = caps.verdicts
    assert v["stream"].supported is True
    assert v["stream_usage"].supported is False
    assert "tokens are estimated" in v["stream_usage"].detail
    assert v["tools_forced"].supported is True
    assert "called get_weather" in v["tools_forced"].detail
    assert v["json_object"].supported is True
    # Streamed auto tool calls break off, unstreamed they work: sent unstreamed, not skipped.
    assert (v["tools_auto"].supported, v["tools_auto"].unstreamed_ok) == (False, True)
    assert "stream ended without [DONE]" in v["tools_auto"].detail
    # json_schema: llama-cpp-python's HTTP 500 validation error is a refusal, asked once.
    assert v["json_schema"].supported is False
    assert "1 validation error" in v["json_schema"].detail
    assert [k for k, _ in log].count("json_schema") == 1
    # The endpoint answered the image question without seeing the image.
    assert v["image_input"].supported is False
    assert "blue" in v["image_input"].detail and "drops images" in v["image_input"].detail
    assert caps.rate_limits == headers
    assert caps.models == ["gappy"]
    assert caps.context_window is None
    assert any("1,000,000 was accepted" in note for note in caps.notes)


async def test_an_endpoint_without_the_gaps_supports_everything(
    aiohttp_server: AiohttpServer,
) -> None:
    gaps = Gaps(refuse_schema=False, drop_images=False, broken_streamed_auto_tools=False)
    caps, _ = await probe_app(aiohttp_server, gaps)
    unsupported = {f: v.detail for f, v in caps.verdicts.items() if not v.supported}
    assert unsupported.keys() == {"stream_usage"}, unsupported
    assert "named the colour of a solid green image" in caps.verdicts["image_input"].detail


async def test_tools_that_never_reach_the_model_are_unsupported(
    aiohttp_server: AiohttpServer,
) -> None:
    caps, _ = await probe_app(aiohttp_server, Gaps(ignore_tools=True), stream=False)
    verdict = caps.verdicts["tools_auto"]
    assert verdict.supported is False
    assert "tools are dropped" in verdict.detail
    # Asked for every feature, a target that does not stream is asked about streaming too.
    assert caps.verdicts["stream"].supported is True
    assert caps.verdicts["stream"].detail == "3 chunks, [DONE]"  # role, "42 ", finish


async def test_usage_that_does_not_count_prompts_leaves_tools_undecided(
    aiohttp_server: AiohttpServer,
) -> None:
    gaps = Gaps(ignore_tools=True, flat_usage=10)
    caps, _ = await probe_app(aiohttp_server, gaps, stream=False)
    verdict = caps.verdicts["tools_auto"]
    assert verdict.supported is None
    assert "usage does not say whether the tools reached the model" in verdict.detail


async def test_context_window_from_models_metadata(aiohttp_server: AiohttpServer) -> None:
    caps, _ = await probe_app(aiohttp_server, Gaps(models_window=4096))
    assert (caps.context_window, caps.context_window_source) == (4096, "/models")


async def test_context_window_from_the_refusal_of_a_huge_cap(
    aiohttp_server: AiohttpServer,
) -> None:
    caps, log = await probe_app(aiohttp_server, Gaps(refusal_window=8192))
    assert (caps.context_window, caps.context_window_source) == (8192, "refusal of a huge cap")
    assert [k for k, _ in log].count("huge") == 1  # a refusal is final: asked once


async def test_a_configured_window_wins(aiohttp_server: AiohttpServer) -> None:
    caps, _ = await probe_app(aiohttp_server, Gaps(refusal_window=8192), context_window=2048)
    assert (caps.context_window, caps.context_window_source) == (2048, "config")


async def test_findings_are_cached_for_a_day(aiohttp_server: AiohttpServer) -> None:
    server = await aiohttp_server(gappy_app(Gaps()))
    target = gappy_target(str(server.make_url("/v1")))
    async with runtime(target) as rt:
        first = await probe_runtime(rt, FEATURES)
        sent = len(server.app[LOG])
        again = await probe_runtime(rt, FEATURES)
        assert len(server.app[LOG]) == sent, "a fresh cache sends nothing"
        assert again.verdicts == first.verdicts
        cached = probe_cache.load(probe_cache.endpoint_of(target), "gappy")
        assert cached is not None and cached.verdicts == first.verdicts
        # A day later the cache is stale: asked again.
        stale = cached.model_copy(update={"probed_at": "2000-01-01T00:00:00.000Z"})
        for verdict in stale.verdicts.values():
            verdict.checked_at = "2000-01-01T00:00:00.000Z"
        probe_cache.save(stale)
        await probe_runtime(rt, FEATURES)
        assert len(server.app[LOG]) > sent
        sent = len(server.app[LOG])
        await probe_runtime(rt, FEATURES, refresh=True)
        assert len(server.app[LOG]) > sent


async def test_only_the_features_asked_for_are_probed(aiohttp_server: AiohttpServer) -> None:
    server = await aiohttp_server(gappy_app(Gaps()))
    async with runtime(gappy_target(str(server.make_url("/v1")), stream=False)) as rt:
        caps = await probe_runtime(rt, {"json_object"})
    assert set(caps.verdicts) == {"json_object"}
    kinds = {k for k, _ in server.app[LOG]}
    assert kinds == {"plain", "huge", "json_object"}


def test_the_cache_holds_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    caps = Capabilities(endpoint="https://api.example.test/v1", model="m", probed_at=utc_now())
    path = probe_cache.save(caps)
    assert path is not None and path.is_relative_to(probe_cache.cache_dir())
    assert set(json.loads(path.read_text())) == set(Capabilities.model_fields)


def test_an_overflow_error_teaches_the_window() -> None:
    caps = Capabilities(endpoint="x", model="m", probed_at=utc_now())
    err = ContextLengthError(
        "HTTP 400 Bad Request exceed_context_size_error: request (9000 tokens) exceeds the "
        "available context size (8192 tokens), try increasing it",
        http_status=400,
    )
    assert learn_from_error(caps, err) is True
    assert (caps.context_window, caps.context_window_source) == (8192, "an overflow error")
    assert learn_from_error(caps, err) is False  # known already


def test_the_probe_image_is_a_valid_png() -> None:
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(solid_png((0, 170, 0), size=8)))
    assert image.size == (8, 8)
    assert image.getpixel((3, 5)) == (0, 170, 0)
