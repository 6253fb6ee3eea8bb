"""The simulator's aiohttp application: routes, request handling, faults and pacing.

Routes: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /sim/stats``
(``?log=1`` adds the per-request log); any other path is a 404 in the
gateway's error shape. A chat request goes: fault header -> auth (401) ->
body (400) -> model (404) -> fault draw (429/500/503/reset) -> limits (400)
-> answer -> response (where cut, malformed and slow act).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import math
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiohttp import web

from evalkit.config import SimConfig
from evalkit.sim.answers import Answer, AnswerKey, messages_key
from evalkit.sim.faults import ERROR_FAULTS, FAULT_HEADER, FaultPicker, UnknownFault, forced_fault
from evalkit.sim.judge import judge_reply
from evalkit.sim.latency import LatencyModel
from evalkit.sim.ratelimit import RateLimiter
from evalkit.sim.reply import Planned, Reply, plan
from evalkit.sim.request import ChatRequest, SimHTTPError, bad_request, parse_chat_request
from evalkit.sim.stats import NO_STATUS, SimRequestLog, SimStats
from evalkit.sim.tokens import messages_tokens, tools_tokens
from evalkit.sim.wire import (
    DONE,
    SSE_CONTENT_TYPE,
    ChunkEncoder,
    completion_body,
    error_body,
    format_retry_after,
    token_events,
    usage_dict,
)
from evalkit.suite.loader import Suite
from evalkit.suite.schema import Sample

MAX_BODY_BYTES = 256 * 2**20  # long-context prompts and inline images are large
_PROMPT_CACHE_SIZE = 4096


@dataclass
class SimState:
    """Everything the handlers share: configuration, answer key, RNGs and counters."""

    config: SimConfig
    model: str
    context_window: int | None
    max_output_tokens: int | None
    api_key: str | None
    key: AnswerKey
    faults: FaultPicker
    latency: LatencyModel
    limiter: RateLimiter
    stats: SimStats = field(default_factory=SimStats)
    _prompt_cache: dict[str, int] = field(default_factory=dict)

    def prompt_tokens(self, key: str, req: ChatRequest) -> int:
        """Prompt tokens of a request; the messages' count is cached by their key."""
        count = self._prompt_cache.get(key)
        if count is None:
            if len(self._prompt_cache) >= _PROMPT_CACHE_SIZE:
                self._prompt_cache.clear()
            count = self._prompt_cache[key] = messages_tokens(req.messages)
        return count + tools_tokens(req.tools)

    def output_limit(self, req: ChatRequest, prompt: int) -> int | None:
        """The completion-token limit of a request, or the 400 it deserves."""
        cap = self.max_output_tokens
        if req.max_tokens is not None and cap is not None and req.max_tokens > cap:
            raise bad_request(
                f"max_tokens is too large: {req.max_tokens}. "
                f"This model supports at most {cap} completion tokens."
            )
        window = self.context_window
        completion = req.max_tokens or 0
        if window is not None and prompt + completion > window:
            raise SimHTTPError(
                400,
                f"This model's maximum context length is {window} tokens. However, you "
                f"requested {prompt + completion} tokens ({prompt} in the messages, "
                f"{completion} in the completion).",
                code="context_length_exceeded",
            )
        limit = req.max_tokens or cap
        if window is not None:
            limit = window - prompt if limit is None else min(limit, window - prompt)
        return limit

    def check_auth(self, request: web.Request) -> None:
        """Raise a 401 unless the request carries the configured Bearer key."""
        if self.api_key is None:
            return
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.api_key.encode()
        )
        if not ok:
            raise SimHTTPError(401)


SIM_STATE = web.AppKey("evalkit_sim_state", SimState)


def _json_response(status: int, body: bytes, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=body, content_type="application/json", headers=headers)


def _error(
    state: SimState, arrival: float, sample_id: str | None, exc: SimHTTPError
) -> web.Response:
    retry_after = exc.retry_after
    if retry_after is None and exc.status == 429:
        retry_after = state.config.retry_after_s
    headers = dict(exc.headers)
    if retry_after is not None:
        headers["Retry-After"] = format_retry_after(retry_after)
    state.stats.add(SimRequestLog(arrival, sample_id, exc.status, exc.fault, retry_after))
    return _json_response(exc.status, error_body(exc.status, exc.message, exc.code), headers)


def _drop(request: web.Request, *, hard: bool) -> None:
    transport = request.transport
    if transport is not None:
        if hard:
            transport.abort()  # RST: the client sees a reset, not a clean close
        else:
            transport.close()  # flush what was written, then FIN


async def _chat(request: web.Request) -> web.StreamResponse:
    arrival = time.monotonic()
    state = request.app[SIM_STATE]
    sample_id: str | None = None
    try:
        try:
            forced = forced_fault(request.headers.get(FAULT_HEADER))
        except UnknownFault as exc:
            raise bad_request(str(exc)) from None
        state.check_auth(request)
        req = parse_chat_request(await request.read())
        if req.model != state.model:
            raise SimHTTPError(
                404, f"Unknown model {req.model!r} (this endpoint serves {state.model!r})"
            )
        key = messages_key(req.messages)
        sample = state.key.sample_for(key)
        sample_id = sample.id if sample is not None else None
        fault = forced if forced is not None else state.faults.pick()
        if fault in ERROR_FAULTS:
            raise SimHTTPError(int(fault or 0), fault=fault)
        if fault == "reset":
            state.stats.add(SimRequestLog(arrival, sample_id, NO_STATUS, fault, None))
            _drop(request, hard=True)
            return web.Response()
        prompt = state.prompt_tokens(key, req)
        limit = state.output_limit(req, prompt)
        quota_headers = _admit(state, prompt + (req.max_tokens or 0))
    except SimHTTPError as exc:
        return _error(state, arrival, sample_id, exc)
    answer = state.key.answer(key, json_mode=req.json_mode)
    if sample is None and (verdict := judge_reply(req.messages)) is not None:
        answer = Answer(Reply(verdict))
    planned = plan(answer.reply, limit, ignore_eos=req.ignore_eos, min_tokens=req.min_tokens)
    state.stats.add(SimRequestLog(arrival, sample_id, 200, fault, None, answer.correct))
    if fault == "slow":
        await asyncio.sleep(state.config.slow_s)
    completion_id = "chatcmpl-" + uuid.uuid4().hex[:24]
    if req.stream:
        return await _stream(
            request, state, req, planned, prompt, completion_id, fault, quota_headers
        )
    return await _respond(request, state, planned, prompt, completion_id, fault, quota_headers)


def _admit(state: SimState, tokens: int) -> dict[str, str]:
    """Charge the request to the enforced quotas: their headers, or the 429 it earns."""
    if not state.limiter.active:
        return {}
    verdict = state.limiter.admit(tokens)
    if verdict.retry_after > 0:
        # Whole milliseconds, rounded up: a client that waits exactly this long fits.
        wait = math.ceil(verdict.retry_after * 1000) / 1000
        raise SimHTTPError(
            429,
            f"Rate limit reached for {verdict.which} per minute. Please try again in {wait:g}s.",
            code="rate_limit_exceeded",
            fault="quota",
            retry_after=wait,
            headers=verdict.headers,
        )
    return verdict.headers


async def _respond(
    request: web.Request,
    state: SimState,
    planned: Planned,
    prompt: int,
    completion_id: str,
    fault: str | None,
    headers: dict[str, str],
) -> web.StreamResponse:
    delay = state.latency.total(prompt, planned.completion_tokens)
    if delay > 0:
        await asyncio.sleep(delay)
    usage = usage_dict(prompt, planned.completion_tokens) if state.config.send_usage else None
    body = completion_body(completion_id, int(time.time()), state.model, planned, usage)
    if fault == "malformed":
        return _json_response(200, body[: len(body) // 2], headers)
    if fault != "cut":
        return _json_response(200, body, headers)
    resp = web.StreamResponse(status=200, headers=headers)
    resp.content_type = "application/json"
    resp.content_length = len(body)
    await resp.prepare(request)
    try:
        await resp.write(body[: len(body) // 2])
    except ConnectionError:
        return resp
    _drop(request, hard=False)
    return resp


async def _pace(
    resp: web.StreamResponse, events: list[bytes], ttft: float, interval: float
) -> None:
    """Write token events: the first after ``ttft``, then one per ``interval``.

    Events that fall due together (a busy loop, or a tiny interval) go out in
    one write, as a real server's coalescing would send them.
    """
    loop = asyncio.get_running_loop()
    start = loop.time() + ttft
    i, n = 0, len(events)
    while i < n:
        now = loop.time()
        if now >= start:
            due = n if interval <= 0 else min(n, int((now - start) / interval) + 1)
            if due > i:
                await resp.write(events[i] if due == i + 1 else b"".join(events[i:due]))
                i = due
                continue
        await asyncio.sleep(start + i * interval - now)


def _sse_response(headers: dict[str, str]) -> web.StreamResponse:
    return web.StreamResponse(
        status=200,
        headers={"Content-Type": SSE_CONTENT_TYPE, "Cache-Control": "no-cache", **headers},
    )


async def _send_at_once(
    request: web.Request, body: bytes, headers: dict[str, str]
) -> web.StreamResponse:
    resp = _sse_response(headers)
    await resp.prepare(request)
    try:
        await resp.write(body)
        await resp.write_eof()
    except ConnectionError:
        pass  # the client went away; nothing left to tell it
    return resp


async def _stream(
    request: web.Request,
    state: SimState,
    req: ChatRequest,
    planned: Planned,
    prompt: int,
    completion_id: str,
    fault: str | None,
    headers: dict[str, str],
) -> web.StreamResponse:
    enc = ChunkEncoder(completion_id, int(time.time()), state.model)
    tail = [enc.finish(planned.finish_reason)]
    if req.include_usage and state.config.send_usage:
        tail.append(enc.usage(usage_dict(prompt, planned.completion_tokens)))
    tail.append(DONE)
    latency = state.latency
    if latency.zero and fault is None and not planned.tool_calls:
        body = b"".join([enc.role(), enc.contents(planned.content_pieces), *tail])
        return await _send_at_once(request, body, headers)
    events = token_events(enc, planned)
    if fault == "malformed":
        events.insert(len(events) // 2, enc.malformed())
    elif fault == "cut":
        events = events[: max(1, len(events) // 2)]
        tail = []
    resp = _sse_response(headers)
    await resp.prepare(request)
    try:
        if latency.zero:
            await resp.write(b"".join([enc.role(), *events, *tail]))
        else:
            await resp.write(enc.role())
            await _pace(resp, events, latency.ttft(prompt), latency.interval)
            if tail:
                await resp.write(b"".join(tail))
        if fault == "cut":
            _drop(request, hard=False)
            return resp
        await resp.write_eof()
    except ConnectionError:
        pass  # the client went away mid-stream; nothing left to tell it
    return resp


async def _models(request: web.Request) -> web.Response:
    arrival = time.monotonic()
    state = request.app[SIM_STATE]
    try:
        state.check_auth(request)
    except SimHTTPError as exc:
        return _error(state, arrival, None, exc)
    state.stats.add(SimRequestLog(arrival, None, 200, None, None))
    body = {
        "object": "list",
        "data": [{"id": state.model, "object": "model", "created": 0, "owned_by": "evalkit-sim"}],
    }
    return _json_response(200, json.dumps(body).encode())


async def _stats(request: web.Request) -> web.Response:
    state = request.app[SIM_STATE]
    include_log = request.query.get("log") in ("1", "true")
    return web.json_response(state.stats.to_json(include_log=include_log))


async def _not_found(request: web.Request) -> web.Response:
    state = request.app[SIM_STATE]
    message = f"Unknown endpoint: {request.method} {request.path}"
    return _error(state, time.monotonic(), None, SimHTTPError(404, message))


def make_app(
    config: SimConfig,
    samples: Iterable[Sample | Suite] = (),
    *,
    model: str = "evalkit-sim",
    context_window: int | None = 128_000,
    max_output_tokens: int | None = 4096,
    api_key: str | None = None,
) -> web.Application:
    """The simulator as an aiohttp application answering from ``samples``."""
    state = SimState(
        config=config,
        model=model,
        context_window=context_window,
        max_output_tokens=max_output_tokens,
        api_key=api_key,
        key=AnswerKey(samples, seed=config.seed, skill=config.skill),
        faults=FaultPicker(config),
        latency=LatencyModel(config),
        limiter=RateLimiter(
            config.limit_rpm,
            config.limit_tpm,
            window_s=config.limit_window_s,
            headers=config.limit_headers,
        ),
    )
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SIM_STATE] = state
    app.router.add_post("/v1/chat/completions", _chat)
    app.router.add_get("/v1/models", _models)
    app.router.add_get("/sim/stats", _stats)
    app.router.add_route("*", "/{tail:.*}", _not_found)
    return app


__all__ = ["MAX_BODY_BYTES", "SIM_STATE", "SimState", "make_app"]
