"""A small OpenAI-compatible app with a local server's gaps, for the probe and skip tests.

Like llama-cpp-python serving a text-only model: ``json_schema`` is refused
with its real HTTP 500 validation error, image parts are dropped (the answer
never names the image's colour), streamed ``tool_choice: "auto"`` breaks
off without [DONE] while the same request unstreamed works, and streams
carry no usage. Each gap can be switched off; every request is logged with
its kind, so tests can count what was sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

VALIDATION_500 = {
    "error": {
        "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', "
        "'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", "
        "'input': 'json_schema'}\n\n  File \"llama_cpp/server/app.py\", line 376",
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
}


@dataclass
class Gaps:
    """Which features the app lacks, and the limits it states."""

    refuse_schema: bool = True
    drop_images: bool = True
    broken_streamed_auto_tools: bool = True
    ignore_tools: bool = False  # tools never reach the model (an answer in text, same prompt)
    flat_usage: int | None = None  # usage states this prompt size whatever the prompt
    models_window: int | None = None  # /v1/models max_model_len, vLLM style
    refusal_window: int | None = None  # a 400 in vLLM's words for a huge max_tokens
    rate_headers: dict[str, str] = field(default_factory=dict)
    answer: str = "42"  # what plain prompts get


LOG = web.AppKey("log", list[tuple[str, dict[str, Any]]])
GAPS = web.AppKey("gaps", Gaps)


def kind_of(body: dict[str, Any]) -> str:
    """A short name for what a request asks (the log's first column)."""
    rf = body.get("response_format") or {}
    if rf.get("type") in ("json_object", "json_schema"):
        return str(rf["type"])
    content = body.get("messages", [{}])[-1].get("content")
    if isinstance(content, list):
        return "image"
    if body.get("tools"):
        return "tools"
    if (body.get("max_tokens") or 0) >= 1_000_000:
        return "huge"
    return "plain"


def _sse(obj: Any) -> bytes:
    return f"data: {json.dumps(obj)}\n\n".encode()


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "model": "gappy",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


async def _stream(
    request: web.Request, text: str, calls: list[dict[str, Any]] | None, finish: str
) -> web.StreamResponse:
    resp = web.StreamResponse(headers=request.app[GAPS].rate_headers)
    resp.content_type = "text/event-stream"
    await resp.prepare(request)
    await resp.write(_sse(_chunk({"role": "assistant"})))
    if text:
        for word in text.split(" "):
            await resp.write(_sse(_chunk({"content": word + " "})))
    for i, call in enumerate(calls or ()):
        await resp.write(_sse(_chunk({"tool_calls": [{"index": i, **call}]})))
    await resp.write(_sse(_chunk({}, finish)))
    await resp.write(b"data: [DONE]\n\n")
    await resp.write_eof()
    return resp


async def chat(request: web.Request) -> web.StreamResponse:
    """POST /v1/chat/completions with the gaps above."""
    body = await request.json()
    gaps = request.app[GAPS]
    kind = kind_of(body)
    request.app[LOG].append((kind, body))
    stream = bool(body.get("stream"))
    if kind == "json_schema" and gaps.refuse_schema:
        return web.json_response(VALIDATION_500, status=500)
    if kind == "huge" and gaps.refusal_window:
        message = (
            f"This model's maximum context length is {gaps.refusal_window} tokens. However, you "
            f"requested {body['max_tokens'] + 12} tokens (12 in the messages, "
            f"{body['max_tokens']} in the completion). Please reduce the length of the messages "
            "or completion."
        )
        err = {"message": message, "type": "BadRequestError", "param": None, "code": 400}
        return web.json_response({"object": "error", **err}, status=400)
    text, calls, finish = gaps.answer, None, "stop"
    if kind == "image":
        text = "The image is blue." if gaps.drop_images else "Green."
    elif kind in ("json_object", "json_schema"):
        text = '{"ok": true}'
    elif kind == "tools" and gaps.ignore_tools:
        text = "I cannot check the weather."
    elif kind == "tools":
        if stream and body.get("tool_choice") == "auto" and gaps.broken_streamed_auto_tools:
            resp = web.StreamResponse()  # llama-cpp-python: 200, then the stream just ends
            resp.content_type = "text/event-stream"
            await resp.prepare(request)
            await resp.write_eof()
            return resp
        fn = {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})}
        calls = [{"id": "call_1", "type": "function", "function": fn}]
        text, finish = "", "tool_calls"
    if stream:
        return await _stream(request, text, calls, finish)
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    tools = "" if gaps.ignore_tools else json.dumps(body.get("tools") or "")
    prompt = len(json.dumps(body.get("messages"))) // 4 + len(tools) // 4
    prompt = gaps.flat_usage or prompt
    return web.json_response(
        {
            "id": "c",
            "object": "chat.completion",
            "model": "gappy",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": 3, "total_tokens": prompt + 3},
        },
        headers=gaps.rate_headers,
    )


async def models(request: web.Request) -> web.Response:
    """GET /v1/models: one model, with max_model_len when the gaps say so."""
    entry: dict[str, Any] = {"id": "gappy", "object": "model"}
    window = request.app[GAPS].models_window
    if window:
        entry["max_model_len"] = window
    return web.json_response({"object": "list", "data": [entry]})


def gappy_app(gaps: Gaps | None = None) -> web.Application:
    """The app; ``app[LOG]`` lists (kind, body) of every chat request."""
    app = web.Application()
    app[LOG] = []
    app[GAPS] = gaps or Gaps()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/v1/models", models)
    return app
