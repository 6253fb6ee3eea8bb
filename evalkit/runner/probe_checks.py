"""The probe's checks: one cheap request (retried) per feature, judged on what came back.

``Prober`` sends each check as the run would send its items (streamed when
the target streams) through the run's own client, so the probe sees what the
items will see. A refusal is the verdict; a feature that fails streamed is
tried once unstreamed; any other failure (a broken answer, a timeout) leaves
the feature undecided, and its items are sent. The image check asks the colour of a solid green PNG
made here (``solid_png``): an endpoint that drops images cannot answer it.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from evalkit.client import ChatClient, Completion
from evalkit.client.capabilities import Capabilities, Verdict
from evalkit.client.discovery import accepts_stream_start
from evalkit.client.http_errors import context_window_in, max_output_in
from evalkit.config import TargetConfig
from evalkit.errors import BadRequestError, RequestError, RetryableError, ServerError, StreamError
from evalkit.runfolder import utc_now
from evalkit.runner.retry import Failed, RetryPolicy, call_with_retries

T = TypeVar("T")
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
SCHEMA_FORMAT = {
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


# What the endpoint answers to a request it will not serve: a 4xx, or a server
# error or a broken stream that persisted through the retries (llama-cpp-python's
# streamed auto tool calls).
_REFUSALS = (BadRequestError, ServerError, StreamError)


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
        if not isinstance(refusal, _REFUSALS):
            # A broken answer, a timeout, a quota: the endpoint's state, not its word on
            # the feature. Its items go as they are and are recorded as what they get.
            return Verdict(supported=None, detail=f"could not tell: {detail}", checked_at=utc_now())
        # A refusal of what was asked (a 4xx, a validation error) would come unstreamed
        # too; a stream that broke or a server that failed may be about streaming alone.
        if body.get("stream") and isinstance(refusal, RetryableError):
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

        body = self.request("Say OK.") | {"stream": True, "stream_options": {"include_usage": True}}
        verdict = await self._check(body, judge)
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
        """No call came: were the tools even shown to the model? Same prompt size says no.

        Only when the endpoint's usage counts prompts at all: a longer prompt
        must come out longer, else its usage tells nothing either way.
        """

        def plain(content: str, **fields: Any) -> dict[str, Any]:
            body = self.request(content, max_tokens=1, **fields) | {"stream": False}
            body.pop("stream_options", None)
            return body

        with_tools = plain(_ASK_WEATHER, tools=[_WEATHER], tool_choice="auto")
        without = plain(_ASK_WEATHER)
        longer = plain(_ASK_WEATHER + " Answer in one short sentence, please." * 8)
        a = await self.retried(lambda: self.client.complete(with_tools))
        b = await self.retried(lambda: self.client.complete(without))
        if a.tokens_source == b.tokens_source == "usage" and a.prompt_tokens == b.prompt_tokens:
            c = await self.retried(lambda: self.client.complete(longer))
            if c.tokens_source == "usage" and c.prompt_tokens > b.prompt_tokens:
                return Verdict(
                    supported=False,
                    detail=f"tools are dropped: the prompt is {a.prompt_tokens} tokens with and "
                    "without them",
                    checked_at=utc_now(),
                )
            return Verdict(
                supported=None,
                detail="accepted; no call came, and this endpoint's usage does not say whether "
                "the tools reached the model",
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
            except (ValueError, RecursionError):
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
        """Context window and output cap, when /models did not state them: a refusal's words.

        What evalkit.toml says is laid over the findings later (``with_config``):
        the cache keeps only what the endpoint said.
        """
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


__all__ = ["GREEN_IMAGE", "HUGE_MAX_TOKENS", "SCHEMA_FORMAT", "Prober", "solid_png"]
