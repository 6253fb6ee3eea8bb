"""The capability probe: a few cheap requests that find what an endpoint can do.

``probe_endpoint`` checks what a run's requests need (see
``evalkit.client.capabilities.needed_features``): streaming and whether a
stream carries usage, tool calls (auto, forced, parallel), ``json_object``,
``json_schema``, image input (a solid green image whose colour must come
back, so that an endpoint that drops images is caught), and the limits: the
context window and output cap from ``/models`` where the server states them,
else from a refusal (a ``max_tokens`` of a million, dropped after the first
event when accepted), else from the first overflow error of a run
(``learn_from_error``). The rate-limit headers of a plain request are kept.

Every request is retried like any other (the target's policy), and a
refusal is taken at its word: only a refusal or a silent drop makes a
feature unsupported; a request the endpoint takes and answers badly is the
model's business. A feature that fails streamed is tried once unstreamed:
the run then sends those items unstreamed instead of skipping them.
Results are cached for a day (``probe_cache``).
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from evalkit.client import ChatClient, Completion
from evalkit.client.capabilities import (
    Capabilities,
    Feature,
    Verdict,
    needed_features,
    plan_request,
)
from evalkit.client.discovery import accepts_stream_start, list_models, post_chat
from evalkit.client.http_errors import context_window_in, max_output_in
from evalkit.config import TargetConfig
from evalkit.errors import ContextLengthError, RequestError
from evalkit.runfolder import utc_now
from evalkit.runner import probe_cache
from evalkit.runner.retry import Failed, RetryPolicy, call_with_retries
from evalkit.runner.targets import TargetRuntime
from evalkit.suite.schema import Sample

T = TypeVar("T")
TTL = timedelta(days=1)
HUGE_MAX_TOKENS = 1_000_000
_WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
_ASK_WEATHER = "What is the weather in Paris?"
_ASK_TWO = "What is the weather in Paris and in Tokyo? Call the tool once for each city."
_JSON_ASK = 'Answer with a JSON object with one key "ok" whose value is true.'
_SCHEMA = {
    "type": "json_schema",
    "json_schema": {
        "name": "probe",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"ok": {"type": "boolean"}},
            "required": ["ok"],
            "additionalProperties": False,
        },
    },
}
_COLOUR_ASK = "What single colour fills this image? Answer with one word."


def solid_png(rgb: tuple[int, int, int], size: int = 64) -> bytes:
    """A ``size`` x ``size`` PNG of one colour (the known answer of the image check)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


GREEN_IMAGE = "data:image/png;base64," + base64.b64encode(solid_png((0, 170, 0))).decode()


def _first_line(text: str, limit: int = 160) -> str:
    line = (text.strip().splitlines() or [""])[0]
    return line if len(line) <= limit else line[: limit - 3] + "..."


class Prober:
    """Runs the checks against one endpoint through ``client`` (its session and limits)."""

    def __init__(self, target: TargetConfig, client: ChatClient, base_url: str) -> None:
        self.target = target
        self.client = client
        self.base_url = base_url
        self.policy = RetryPolicy(target)

    async def retried(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call()`` under the target's retry policy; raises the last error if all failed."""
        outcome = await call_with_retries(call, self.policy)
        if isinstance(outcome, Failed):
            raise outcome.error
        return outcome.value

    def request(self, content: Any, *, max_tokens: int = 16, **fields: Any) -> dict[str, Any]:
        """A probe request body: one user message, sent as the run would (streamed or not)."""
        body: dict[str, Any] = {
            "model": self.target.model,
            "messages": [{"role": "user", "content": content}],
            "temperature": 0,
            "max_tokens": max_tokens,
            **fields,
            "stream": self.target.stream,
        }
        if self.target.stream:
            body["stream_options"] = {"include_usage": True}
        return body

    async def _check(
        self, body: dict[str, Any], judge: Callable[[Completion], Awaitable[Verdict]]
    ) -> Verdict:
        """Send ``body`` (retried); judge the answer, or give the refusal as the verdict."""
        try:
            return await judge(await self.retried(lambda: self.client.complete(body)))
        except RequestError as exc:
            refusal = exc
        detail = _first_line(refusal.message)
        if body.get("stream"):
            plain = {k: v for k, v in body.items() if k != "stream_options"} | {"stream": False}
            try:
                verdict = await judge(await self.retried(lambda: self.client.complete(plain)))
            except RequestError:
                pass
            else:
                if verdict.supported:
                    return Verdict(
                        supported=False,
                        detail=f"fails streamed ({detail}); works unstreamed, so these "
                        "items are sent unstreamed",
                        checked_at=utc_now(),
                        unstreamed_ok=True,
                    )
        return Verdict(supported=False, detail=detail, checked_at=utc_now(), unstreamed_ok=False)

    async def stream(self) -> tuple[Verdict, Verdict]:
        """Streaming, and whether the stream carries usage."""
        usage: list[Verdict] = []

        async def judge(done: Completion) -> Verdict:
            has = done.tokens_source == "usage"
            usage.append(
                Verdict(
                    supported=has,
                    detail="the stream ends with a usage chunk"
                    if has
                    else "no usage in the stream: tokens are estimated (and marked so)",
                    checked_at=utc_now(),
                )
            )
            return Verdict(
                supported=True, detail=f"{done.chunks} chunks, [DONE]", checked_at=utc_now()
            )

        verdict = await self._check(self.request("Say OK."), judge)
        if not usage:
            usage.append(Verdict(supported=None, detail="streaming failed", checked_at=utc_now()))
        return verdict, usage[0]

    async def tools_auto(self) -> Verdict:
        body = self.request(_ASK_WEATHER, max_tokens=48, tools=[_WEATHER], tool_choice="auto")

        async def judge(done: Completion) -> Verdict:
            if done.tool_calls:
                call = done.tool_calls[0]
                return Verdict(
                    supported=True,
                    detail=f"called {call.name}({_first_line(call.arguments, 60)})",
                    checked_at=utc_now(),
                )
            return await self._tools_ignored(done)

        return await self._check(body, judge)

    async def _tools_ignored(self, done: Completion) -> Verdict:
        """No call came: were the tools even shown to the model? Same prompt size says no."""
        with_tools = self.request(
            _ASK_WEATHER, max_tokens=1, tools=[_WEATHER], tool_choice="auto"
        ) | {"stream": False}
        without = self.request(_ASK_WEATHER, max_tokens=1) | {"stream": False}
        with_tools.pop("stream_options", None)
        without.pop("stream_options", None)
        a = await self.retried(lambda: self.client.complete(with_tools))
        b = await self.retried(lambda: self.client.complete(without))
        if a.tokens_source == b.tokens_source == "usage" and a.prompt_tokens == b.prompt_tokens:
            return Verdict(
                supported=False,
                detail=f"tools are dropped: the prompt is {a.prompt_tokens} tokens with and "
                "without them",
                checked_at=utc_now(),
            )
        return Verdict(
            supported=True,
            detail="accepted; the model answered in text, not with a call",
            checked_at=utc_now(),
        )

    async def tools_forced(self) -> Verdict:
        choice = {"type": "function", "function": {"name": "get_weather"}}
        body = self.request(_ASK_WEATHER, max_tokens=48, tools=[_WEATHER], tool_choice=choice)

        async def judge(done: Completion) -> Verdict:
            if done.tool_calls:
                call = done.tool_calls[0]
                return Verdict(
                    supported=True,
                    detail=f"called {call.name}({_first_line(call.arguments, 60)})",
                    checked_at=utc_now(),
                )
            return Verdict(
                supported=False,
                detail="tool_choice naming get_weather came back without a call",
                checked_at=utc_now(),
            )

        return await self._check(body, judge)

    async def tools_parallel(self) -> Verdict:
        body = self.request(
            _ASK_TWO, max_tokens=96, tools=[_WEATHER], tool_choice="auto", parallel_tool_calls=True
        )

        async def judge(done: Completion) -> Verdict:
            n = len(done.tool_calls)
            return Verdict(
                supported=True,
                detail=f"accepted; {n} call(s) for two cities",
                checked_at=utc_now(),
            )

        return await self._check(body, judge)

    async def json_mode(self, response_format: dict[str, Any]) -> Verdict:
        body = self.request(_JSON_ASK, max_tokens=48, response_format=response_format)

        async def judge(done: Completion) -> Verdict:
            try:
                json.loads(done.text)
                said = "answered valid JSON"
            except ValueError:
                said = f"accepted; the output was not JSON (finish_reason {done.finish_reason})"
            return Verdict(supported=True, detail=said, checked_at=utc_now())

        return await self._check(body, judge)

    async def image_input(self) -> Verdict:
        content = [
            {"type": "text", "text": _COLOUR_ASK},
            {"type": "image_url", "image_url": {"url": GREEN_IMAGE}},
        ]
        body = self.request(content, max_tokens=8)

        async def judge(done: Completion) -> Verdict:
            said = _first_line(done.text, 60)
            if "green" in done.text.lower():
                return Verdict(
                    supported=True,
                    detail=f"named the colour of a solid green image ({said!r})",
                    checked_at=utc_now(),
                )
            return Verdict(
                supported=False,
                detail=f"asked the colour of a solid green image, it answered {said!r}: the "
                "endpoint drops images or the model cannot see them",
                checked_at=utc_now(),
            )

        return await self._check(body, judge)

    async def limits(self, caps: Capabilities) -> None:
        """Context window and output cap: config, else /models, else a refusal of a huge cap."""
        if self.target.context_window:
            caps.context_window, caps.context_window_source = self.target.context_window, "config"
        if self.target.max_output_tokens:
            caps.max_output_tokens, caps.max_output_source = (
                self.target.max_output_tokens,
                "config",
            )
        if caps.context_window and caps.max_output_tokens:
            return
        body = {
            "model": self.target.model,
            "messages": [{"role": "user", "content": "Say OK."}],
            "max_tokens": HUGE_MAX_TOKENS,
            "stream": True,
        }
        try:
            await self.retried(lambda: accepts_stream_start(self.target, self.base_url, body))
        except RequestError as exc:
            window = context_window_in(exc.message)
            cap = max_output_in(exc.message)
            if window and not caps.context_window:
                caps.context_window, caps.context_window_source = window, "refusal of a huge cap"
            if cap and not caps.max_output_tokens:
                caps.max_output_tokens, caps.max_output_source = cap, "refusal of a huge cap"
            if not (window or cap):
                caps.notes.append(f"max_tokens {HUGE_MAX_TOKENS:,}: {_first_line(exc.message)}")
            return
        caps.notes.append(
            f"max_tokens {HUGE_MAX_TOKENS:,} was accepted: the endpoint enforces no output cap "
            "of its own"
        )


def _fresh(verdict: Verdict | None, now: datetime) -> bool:
    if verdict is None:
        return False
    try:
        checked = datetime.fromisoformat(verdict.checked_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    return now - checked < TTL


def is_fresh(caps: Capabilities, now: datetime | None = None) -> bool:
    """Whether ``caps`` (its basics: models, limits, rate limits) is less than a day old."""
    now = now or datetime.now(UTC)
    probe = Verdict(supported=True, detail="", checked_at=caps.probed_at)
    return _fresh(probe, now)


async def probe_endpoint(
    target: TargetConfig,
    client: ChatClient,
    base_url: str,
    endpoint: str,
    features: Iterable[Feature],
    *,
    previous: Capabilities | None = None,
) -> Capabilities:
    """Probe ``features`` (and the basics) of ``target`` at ``base_url``; reuse fresh findings.

    ``endpoint`` names the endpoint in the cache and run.json; ``previous``
    is what an earlier probe found (its fresh verdicts are kept, nothing is
    asked again). Raises the ``RequestError`` of the basic request when the
    endpoint cannot be used at all (no key, unreachable, an unknown model).
    """
    now = datetime.now(UTC)
    wanted = set(features)
    if target.stream:
        wanted |= {"stream", "stream_usage"}
    prober = Prober(target, client, base_url)
    if previous is not None and previous.model == target.model and is_fresh(previous, now):
        caps = previous.model_copy(deep=True)
    else:
        models = await prober.retried(lambda: list_models(target, base_url))
        basic = prober.request("Say OK.", max_tokens=4) | {"stream": False}
        basic.pop("stream_options", None)
        reply = await prober.retried(lambda: post_chat(target, base_url, basic))
        caps = Capabilities(
            endpoint=endpoint,
            model=target.model,
            probed_at=utc_now(),
            models=models.ids,
            context_window=models.context_window,
            context_window_source="/models" if models.context_window else None,
            max_output_tokens=models.max_output_tokens,
            max_output_source="/models" if models.max_output_tokens else None,
            rate_limits={**models.rate_limits, **reply.rate_limits},
        )
        await prober.limits(caps)
    checks: dict[str, Callable[[], Awaitable[Verdict]]] = {
        "tools_auto": prober.tools_auto,
        "tools_forced": prober.tools_forced,
        "tools_parallel": prober.tools_parallel,
        "json_object": lambda: prober.json_mode({"type": "json_object"}),
        "json_schema": lambda: prober.json_mode(_SCHEMA),
        "image_input": prober.image_input,
    }
    if "stream" in wanted and not _fresh(caps.verdicts.get("stream"), now):
        caps.verdicts["stream"], caps.verdicts["stream_usage"] = await prober.stream()
    for feature, check in checks.items():
        if feature in wanted and not _fresh(caps.verdicts.get(feature), now):
            caps.verdicts[feature] = await check()
    return caps


def learn_from_error(caps: Capabilities, exc: RequestError) -> bool:
    """Take the context window from a run's overflow error; True if ``caps`` learnt it."""
    if caps.context_window or not isinstance(exc, ContextLengthError):
        return False
    window = context_window_in(exc.message)
    if window is None:
        return False
    caps.context_window, caps.context_window_source = window, "an overflow error"
    return True


def features_of(bodies: Iterable[dict[str, Any]]) -> set[Feature]:
    """Every feature some request body of ``bodies`` needs."""
    features: set[Feature] = set()
    for body in bodies:
        features |= needed_features(body)
    return features


async def probe_runtime(
    rt: TargetRuntime, features: Iterable[Feature], *, refresh: bool = False
) -> Capabilities:
    """Probe an open target for ``features`` (and the basics), through the day-long cache.

    ``refresh`` ignores what the cache holds. Raises the ``RequestError`` of
    a target that cannot be used at all.
    """
    endpoint = probe_cache.endpoint_of(rt.target)
    previous = None if refresh else probe_cache.load(endpoint, rt.target.model)
    caps = await probe_endpoint(
        rt.target, rt.client, rt.base_url, endpoint, features, previous=previous
    )
    probe_cache.save(caps)
    return caps


def request_for(rt: TargetRuntime, sample: Sample) -> tuple[dict[str, Any] | None, str | None]:
    """The body to send for ``sample`` at ``rt`` (None and why, when it is to be skipped)."""
    body = rt.client.build_body(sample)
    if rt.capabilities is None:
        return body, None
    return plan_request(rt.capabilities, body, clamp_output=rt.target.max_output_tokens is None)


__all__ = [
    "GREEN_IMAGE",
    "TTL",
    "Prober",
    "features_of",
    "is_fresh",
    "learn_from_error",
    "probe_endpoint",
    "probe_runtime",
    "request_for",
    "solid_png",
]
