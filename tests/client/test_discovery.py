"""The probe's raw requests (client/discovery.py): bodies capped, errors classified, no secret out.

Each endpoint is a small aiohttp app on 127.0.0.1 that misbehaves in one way.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from aiohttp import web

from evalkit.client.discovery import accepts_stream_start, list_models, post_chat
from evalkit.config import TargetConfig
from evalkit.errors import (
    BadRequestError,
    BadResponseError,
    ConnectError,
    RequestError,
    ResponseTooLargeError,
)

AiohttpServer = Any
KEY = "sk-discovery-SECRET-9876"
BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def target(url: str, **fields: Any) -> TargetConfig:
    return TargetConfig(name="t", base_url=url, model="m", timeout_s=10, **fields)


async def serve(aiohttp_server: AiohttpServer, models: Any = None, chat: Any = None) -> str:
    app = web.Application()
    if models is not None:
        app.router.add_get("/v1/models", models)
    if chat is not None:
        app.router.add_post("/v1/chat/completions", chat)
    server = await aiohttp_server(app)
    return str(server.make_url("/v1"))


async def echo_the_key(request: web.Request) -> web.Response:
    said = request.headers.get("Authorization", "")
    return web.json_response({"error": {"message": f"invalid key {said}"}}, status=401)


async def test_an_error_that_echoes_the_key_is_scrubbed(
    aiohttp_server: AiohttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EK_DISCOVERY_KEY", KEY)
    url = await serve(aiohttp_server, models=echo_the_key, chat=echo_the_key)
    t = target(url, api_key_env="EK_DISCOVERY_KEY")
    for call in (
        lambda: list_models(t, url),
        lambda: post_chat(t, url, BODY),
        lambda: accepts_stream_start(t, url, {**BODY, "stream": True}),
    ):
        with pytest.raises(RequestError) as info:
            await call()
        assert "invalid key" in str(info.value) and KEY not in str(info.value)


async def test_an_unreachable_url_is_named_without_its_credentials() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://alice:pa55word@127.0.0.1:{port}/v1?api_key=qs-SECRET-1"
    with pytest.raises(ConnectError) as info:
        await list_models(target(url), url)
    message = str(info.value)
    assert f"127.0.0.1:{port}/v1" in message
    assert "pa55word" not in message and "alice" not in message and "qs-SECRET-1" not in message


async def test_a_models_list_larger_than_the_cap_is_refused(aiohttp_server: AiohttpServer) -> None:
    async def huge(request: web.Request) -> web.Response:
        data = [{"id": f"model-{i}", "object": "model"} for i in range(20_000)]
        return web.json_response({"data": data})

    url = await serve(aiohttp_server, models=huge)
    with pytest.raises(ResponseTooLargeError, match="max_response_bytes"):
        await list_models(target(url, max_response_bytes=64 * 1024), url)


async def test_a_models_list_that_is_not_json_is_a_bad_response(
    aiohttp_server: AiohttpServer,
) -> None:
    async def html(request: web.Request) -> web.Response:
        return web.Response(text="<html>proxy login</html>", content_type="text/html")

    async def deep(request: web.Request) -> web.Response:
        return web.Response(text="[" * 100_000 + "]" * 100_000, content_type="application/json")

    for handler in (html, deep):
        url = await serve(aiohttp_server, models=handler)
        with pytest.raises(BadResponseError, match="not JSON"):
            await list_models(target(url), url)


async def test_model_ids_are_kept_short_valid_and_few(aiohttp_server: AiohttpServer) -> None:
    ids = ["x" * 5000, "bad-\ud800-surrogate", *(f"m{i}" for i in range(3000))]

    async def many(request: web.Request) -> web.Response:
        entries = [{"id": i, "context_length": 4096, "top_provider": "n/a"} for i in ids]
        return web.Response(text=json.dumps({"data": entries}), content_type="application/json")

    url = await serve(aiohttp_server, models=many)
    found = await list_models(target(url), url)
    assert found.ids is not None and len(found.ids) == 1000
    assert found.ids[0] == "x" * 200
    assert found.ids[1] == "bad-\ufffd-surrogate"
    json.dumps(found.ids).encode("utf-8")  # storable as it is
    assert found.context_window == 4096  # a non-object top_provider is passed over


async def test_a_refused_stream_start_reads_only_the_head_of_the_error(
    aiohttp_server: AiohttpServer,
) -> None:
    async def long_error(request: web.Request) -> web.Response:
        text = json.dumps({"error": {"message": "bad request " + "x" * 5_000_000}})
        return web.Response(status=400, text=text, content_type="application/json")

    url = await serve(aiohttp_server, chat=long_error)
    with pytest.raises(BadRequestError, match="bad request") as info:
        await accepts_stream_start(target(url), url, {**BODY, "stream": True})
    assert len(str(info.value)) < 100_000
