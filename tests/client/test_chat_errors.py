"""Every failure becomes exactly one classified RequestError, with status and provider text."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from aiohttp import web
from chat_apps import body, json_app, target_for

from evalkit.client import ChatClient
from evalkit.client.http_errors import MAX_ERROR_TEXT, parse_retry_after
from evalkit.config import TargetConfig
from evalkit.errors import (
    BadRequestError,
    ConnectError,
    ContextLengthError,
    RateLimitError,
    RequestError,
    RetryableError,
    ServerError,
    TargetFatalError,
    TimeoutError_,
)

AiohttpServer = Any


async def fail(
    aiohttp_server: AiohttpServer,
    status: int,
    error: Any = None,
    *,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> RequestError:
    server = await aiohttp_server(json_app(error, status=status, headers=headers, raw=raw))
    async with ChatClient(target_for(server)) as client:
        with pytest.raises(RequestError) as err:
            await client.complete(body())
    return err.value


def gateway_error(message: str, kind: str, code: Any = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code}}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, TargetFatalError),
        (402, TargetFatalError),
        (404, TargetFatalError),
        (408, TimeoutError_),
        (409, BadRequestError),
        (413, BadRequestError),
        (422, BadRequestError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
        (529, ServerError),
    ],
)
async def test_status_maps_to_its_class(
    aiohttp_server: AiohttpServer, status: int, cls: type[RequestError]
) -> None:
    err = await fail(aiohttp_server, status, gateway_error(f"provider says {status}", "some_type"))
    assert type(err) is cls
    assert err.http_status == status
    assert f"HTTP {status}" in str(err)
    assert f"provider says {status}" in str(err) and "some_type" in str(err)


async def test_gateway_401_body_shape(aiohttp_server: AiohttpServer) -> None:
    err = await fail(
        aiohttp_server, 401, gateway_error("Invalid or missing API key", "authentication_error")
    )
    assert isinstance(err, TargetFatalError)
    assert str(err) == "HTTP 401 Unauthorized authentication_error: Invalid or missing API key"


@pytest.mark.parametrize(
    "message",
    [
        "This model's maximum context length is 128000 tokens. You requested 130512 tokens.",
        "Prompt contains too many tokens for this model",
        "prompt is too long: 140000 tokens > 128000 maximum",
    ],
)
async def test_context_length_400(aiohttp_server: AiohttpServer, message: str) -> None:
    err = await fail(aiohttp_server, 400, gateway_error(message, "invalid_request_error"))
    assert type(err) is ContextLengthError
    assert err.http_status == 400


async def test_context_length_named_by_code_only(aiohttp_server: AiohttpServer) -> None:
    error = gateway_error("Request rejected", "invalid_request_error", "context_length_exceeded")
    assert type(await fail(aiohttp_server, 400, error)) is ContextLengthError


async def test_plain_400_is_a_bad_request(aiohttp_server: AiohttpServer) -> None:
    error = gateway_error("temperature must be <= 2", "invalid_request_error")
    assert type(await fail(aiohttp_server, 400, error)) is BadRequestError


async def test_non_json_and_long_bodies_are_quoted_and_clipped(
    aiohttp_server: AiohttpServer,
) -> None:
    err = await fail(aiohttp_server, 502, raw=b"<html>Bad gateway</html>")
    assert type(err) is ServerError and "<html>Bad gateway</html>" in str(err)
    long = ("upstream exploded " * 200).encode()
    err = await fail(aiohttp_server, 500, raw=long)
    assert "upstream exploded" in str(err)
    assert len(str(err)) < MAX_ERROR_TEXT + 60


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
async def test_retry_after(
    aiohttp_server: AiohttpServer, headers: dict[str, str], expected: float | None
) -> None:
    err = await fail(
        aiohttp_server, 429, gateway_error("slow down", "rate_limit_error"), headers=headers
    )
    assert isinstance(err, RateLimitError)
    assert err.retry_after == expected


async def test_retry_after_as_http_date(aiohttp_server: AiohttpServer) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    headers = {"Retry-After": format_datetime(when, usegmt=True)}
    err = await fail(
        aiohttp_server, 503, gateway_error("saturated", "service_unavailable"), headers=headers
    )
    assert isinstance(err, ServerError) and err.retry_after is not None
    assert 27 <= err.retry_after <= 30


def test_retry_after_date_in_the_past_is_zero() -> None:
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert parse_retry_after({"retry-after": past}) == 0.0
    assert parse_retry_after({"retry-after": "Wed, 99 Foo 2025 00:00:00 GMT"}) is None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_connection_refused_is_a_connect_error() -> None:
    target = TargetConfig(name="gone", base_url=f"http://127.0.0.1:{closed_port()}/v1", model="m")
    async with ChatClient(target) as client:
        with pytest.raises(ConnectError) as err:
            await client.complete(body())
    assert err.value.http_status is None
    assert isinstance(err.value, RetryableError)


async def test_slow_server_is_a_timeout(aiohttp_server: AiohttpServer) -> None:
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    server = await aiohttp_server(app)
    async with ChatClient(target_for(server, timeout_s=0.2)) as client:
        with pytest.raises(TimeoutError_, match="before a response"):
            await client.complete(body())


async def test_stalled_stream_is_a_timeout(aiohttp_server: AiohttpServer) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.content_type = "text/event-stream"
        await resp.prepare(request)
        await resp.write(b'data: {"choices":[{"delta":{"content":"Pa"}}]}\n\n')
        await asyncio.sleep(2)
        return resp

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    server = await aiohttp_server(app)
    async with ChatClient(target_for(server, timeout_s=0.3)) as client:
        with pytest.raises(TimeoutError_) as err:
            await client.complete(body())
    assert err.value.http_status == 200


async def test_api_key_is_sent_but_never_shown(
    aiohttp_server: AiohttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-aig-test-7f3a9c1e5b"
    monkeypatch.setenv("EVALKIT_TEST_KEY", key)

    async def handler(request: web.Request) -> web.Response:
        # A careless server that echoes the credentials it was given.
        auth = request.headers.get("Authorization", "")
        error = gateway_error(f"Invalid API key: {auth}", "authentication_error")
        return web.json_response(error, status=401)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    server = await aiohttp_server(app)
    async with ChatClient(target_for(server, api_key_env="EVALKIT_TEST_KEY")) as client:
        with pytest.raises(TargetFatalError) as err:
            await client.complete(body())
        shown = [str(err.value), repr(err.value), err.value.message, repr(client)]
    assert "Invalid API key: Bearer ***" in str(err.value)  # the server did see it
    assert all(key not in text for text in shown)


async def test_top_level_error_shape(aiohttp_server: AiohttpServer) -> None:
    # vLLM's shape: no "error" wrapper, the fields at the top level.
    error = {
        "object": "error",
        "message": "This model's maximum context length is 32768 tokens.",
        "type": "BadRequestError",
        "code": 400,
    }
    err = await fail(aiohttp_server, 400, error)
    assert type(err) is ContextLengthError
    assert "maximum context length is 32768" in str(err)


async def test_string_error_shape(aiohttp_server: AiohttpServer) -> None:
    err = await fail(aiohttp_server, 503, {"error": "upstream busy"})
    assert type(err) is ServerError and "upstream busy" in str(err)
