"""An endpoint's answer, parsed: stream chunks or a JSON body into a ``Completion``.

Pure and I/O-free (chat.py does the reading), so it is fuzzed directly: the
server's output is untrusted, and whatever it sends, these functions return
a ``Completion`` or raise a ``RequestError``, never anything else:

- a chunk or body that is not JSON (a proxy's page, a torn chunk):
  ``StreamError``, retryable;
- valid JSON that is not a chat completion (``"choices": {...}``, a
  ``null`` choice, nesting too deep for the parser, an integer past
  Python's 4,300 digits): ``BadResponseError``, final;
- an error object in the answer: the error it stands for (http_errors.py).

Text is made valid Unicode once, at the end: JSON escapes can carry UTF-16
surrogates, and a character outside the BMP may arrive as a pair split
across two chunks (``"\\ud83d"`` then ``"\\ude00"``). Joined, the pair is the
one character it encodes; a surrogate with no partner becomes U+FFFD.
Usage counts that are not plausible token counts (negative, absurdly large,
not integers) are treated as missing: estimated, and marked so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

from evalkit.client.completion import Completion
from evalkit.client.http_errors import error_for_payload
from evalkit.client.tokens import estimate_prompt_tokens, estimate_tokens
from evalkit.errors import BadResponseError, StreamError
from evalkit.types import ItlStats, ToolCall, percentile

SHOWN_PAYLOAD = 200  # characters of an unusable chunk or body quoted in an error
# More tokens than any context window holds: a usage count past it is garbage.
MAX_TOKEN_COUNT = 1 << 31

# What valid JSON of the wrong shape raises when read as a completion: a
# missing key or index, a method of the wrong type, a value that does not
# convert, nesting deeper than the parser's (or repr's) recursion limit.
_SHAPE_ERRORS = (LookupError, TypeError, AttributeError, ValueError, RecursionError)


def _bad_shape(exc: BaseException, what: str) -> BadResponseError:
    """The error for ``what`` (a chunk, a body) that raised ``exc`` while being read."""
    if isinstance(exc, RecursionError):
        return BadResponseError(f"{what} is nested too deeply to read")
    detail = str(exc)[:SHOWN_PAYLOAD]
    return BadResponseError(f"{what} is not a chat completion ({type(exc).__name__}: {detail})")


def _load_body(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        shown = raw[:SHOWN_PAYLOAD].decode("utf-8", "replace")
        raise StreamError(f"body is not JSON: {shown!r}") from None
    except (ValueError, RecursionError) as exc:  # valid JSON the parser will not hold
        raise _bad_shape(exc, "body") from None


@dataclass(slots=True)
class _ToolCallParts:
    """One tool call as its deltas arrive: the id and name once, the arguments in pieces."""

    id: str | None = None
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def add(self, delta: dict[str, Any]) -> None:
        """Absorb one ``tool_calls`` delta of this call's index."""
        call_id = delta.get("id")
        if call_id:
            self.id = str(call_id)
        fn = delta.get("function")
        if fn:
            name = fn.get("name")
            if name and not self.name:
                self.name = str(name)
            args = fn.get("arguments")
            if args:
                self.arguments.append(args if isinstance(args, str) else json.dumps(args))

    def call(self) -> ToolCall:
        return ToolCall(
            id=_valid_or_none(self.id),
            name=valid_text(self.name),
            arguments=valid_text("".join(self.arguments)),
        )


@dataclass(slots=True)
class StreamState:
    """What a stream has said so far; ``take`` is called once per network read."""

    parts: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # arrival of each token-bearing chunk
    calls: dict[Any, _ToolCallParts] = field(default_factory=dict)  # by the deltas' index
    finish: str | None = None
    model: str | None = None
    usage: Any = None
    error: dict[str, Any] | None = None
    chunks: int = 0  # data payloads before [DONE]
    last: float = 0.0  # arrival of the last read

    def take(self, payloads: list[str], t: float) -> bool:
        """Absorb the payloads of one read (arrived at ``t``); True once [DONE] or an error.

        Raises ``StreamError`` for a chunk that is not JSON and
        ``BadResponseError`` for one that is not a completion chunk.
        """
        self.last = t
        try:
            for payload in payloads:
                if payload == "[DONE]":
                    return True
                self.chunks += 1
                try:
                    obj = json.loads(payload)
                except json.JSONDecodeError:
                    shown = payload[:SHOWN_PAYLOAD]
                    raise StreamError(f"malformed stream chunk: {shown!r}") from None
                if type(obj) is not dict:
                    raise BadResponseError(
                        f"stream chunk is not a JSON object: {payload[:SHOWN_PAYLOAD]!r}"
                    )
                choices = obj.get("choices")
                if choices:
                    choice = choices[0]
                    delta = choice.get("delta")
                    if delta and self._take_delta(delta):
                        self.times.append(t)
                    finish = choice.get("finish_reason")
                    if finish:
                        self.finish = str(finish)
                elif obj.get("error") or obj.get("object") == "error":
                    self.error = obj
                    return True  # nothing after an error is worth reading
                usage = obj.get("usage")
                if usage:
                    self.usage = usage
                if self.model is None:
                    self.model = _text_or_none(obj.get("model"))
        except _SHAPE_ERRORS as exc:
            raise _bad_shape(exc, "stream chunk") from None
        return False

    def _take_delta(self, delta: dict[str, Any]) -> bool:
        """Absorb one choice's delta; True if it carried a token (text, reasoning or a call)."""
        token = False
        text = delta.get("content")
        if text:
            if type(text) is not str:
                raise TypeError(f"delta.content is a {type(text).__name__}, not a string")
            self.parts.append(text)
            token = True
        elif delta.get("reasoning_content") or delta.get("reasoning"):
            token = True
        tool_calls = delta.get("tool_calls")
        if tool_calls:
            for position, call in enumerate(tool_calls):
                index = call.get("index", position)
                parts = self.calls.get(index)
                if parts is None:
                    parts = self.calls[index] = _ToolCallParts()
                parts.add(call)
            token = True
        return token

    def result(
        self, body: dict[str, Any], t0: float, status: int, headers: Mapping[str, str]
    ) -> Completion:
        """The finished stream as a completion (the request started at ``t0``).

        Raises the error the stream sent, if it sent one.
        """
        if self.error is not None:
            raise error_for_payload(self.error, status, headers)
        times = self.times
        try:
            order = sorted(self.calls, key=_index_order)
            calls = [self.calls[index].call() for index in order]
        except _SHAPE_ERRORS as exc:
            raise _bad_shape(exc, "stream's tool calls") from None
        return completion(
            body,
            text=valid_text("".join(self.parts)),
            calls=calls,
            finish=_valid_or_none(self.finish),
            model=_valid_or_none(self.model),
            status=status,
            usage=self.usage,
            ttft=times[0] - t0 if times else None,
            e2e=(times[-1] if times else self.last) - t0,
            itl=itl_stats(times),
            chunks=self.chunks,
        )


def _index_order(index: Any) -> tuple[int, int, str]:
    """Tool-call indexes in order: integers first, then anything else a server sent."""
    if type(index) is int:
        return (0, index, "")
    return (1, 0, repr(index))


def parse_body(
    raw: bytes, body: dict[str, Any], e2e: float, status: int, headers: Mapping[str, str]
) -> Completion:
    """A non-streamed answer's completion, or the error its body stands for."""
    obj = _load_body(raw)
    if type(obj) is not dict:
        shown = raw[:SHOWN_PAYLOAD].decode("utf-8", "replace")
        raise BadResponseError(f"body is not a JSON object: {shown!r}")
    try:
        choices = obj.get("choices")
        if not choices or not isinstance(choices, list) or not isinstance(choices[0], dict):
            if obj.get("error") or obj.get("object") == "error":
                raise error_for_payload(obj, status, headers)
            raise BadResponseError("response has no choices")
        choice = choices[0]
        message = choice.get("message") or {}
        calls = [_tool_call(c) for c in message.get("tool_calls") or () if isinstance(c, dict)]
        return completion(
            body,
            text=valid_text(_message_text(message.get("content"))),
            calls=calls,
            finish=_valid_or_none(_text_or_none(choice.get("finish_reason"))),
            model=_valid_or_none(_text_or_none(obj.get("model"))),
            status=status,
            usage=obj.get("usage"),
            ttft=None,
            e2e=e2e,
            itl=None,
            chunks=0,
        )
    except _SHAPE_ERRORS as exc:
        raise _bad_shape(exc, "body") from None


def valid_text(text: str) -> str:
    """``text`` as valid Unicode: surrogate pairs joined, lone surrogates as U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # UTF-16 is where surrogates mean something: a pair decodes to its
        # character, a lone one to the replacement character.
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def _valid_or_none(text: str | None) -> str | None:
    return None if text is None else valid_text(text)


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    texts: list[str] = []
    if isinstance(content, list):  # some servers answer with content parts
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                text = part.get("text")
                if isinstance(text, str):
                    texts.append(text)
    return "".join(texts)


def _tool_call(call: dict[str, Any]) -> ToolCall:
    fn = call.get("function") or {}
    args = fn.get("arguments", "")
    if not isinstance(args, str):  # a few servers send the object, not its JSON text
        args = json.dumps(args)
    return ToolCall(
        id=_valid_or_none(_text_or_none(call.get("id"))),
        name=valid_text(_text_or_none(fn.get("name")) or ""),
        arguments=valid_text(args),
    )


def _text_or_none(value: Any) -> str | None:
    """A server's JSON value where a string belongs, as one: records are typed."""
    return None if value is None else str(value)


def _token_count(usage: Any, key: str) -> int | None:
    """``usage[key]`` if it is a plausible token count, else None (to be estimated)."""
    value = usage.get(key) if isinstance(usage, dict) else None
    if type(value) is int and 0 <= value <= MAX_TOKEN_COUNT:
        return value
    return None


def completion(
    body: dict[str, Any],
    *,
    text: str,
    calls: list[ToolCall],
    finish: str | None,
    model: str | None,
    status: int,
    usage: Any,
    ttft: float | None,
    e2e: float,
    itl: ItlStats | None,
    chunks: int,
) -> Completion:
    """A ``Completion`` from an answer's parts; token counts estimated where usage is unusable."""
    prompt = _token_count(usage, "prompt_tokens")
    completion_tokens = _token_count(usage, "completion_tokens")
    source: Literal["usage", "estimated"] = "usage"
    if prompt is None:
        prompt = estimate_prompt_tokens(body.get("messages") or [])
        tools = body.get("tools")
        if tools:
            prompt += estimate_tokens(json.dumps(tools))
        source = "estimated"
    if completion_tokens is None:
        completion_tokens = estimate_tokens(text) + sum(
            estimate_tokens(c.name) + estimate_tokens(c.arguments) for c in calls
        )
        source = "estimated"
    tpot = (
        (e2e - ttft) / (completion_tokens - 1)
        if ttft is not None and completion_tokens > 1
        else None
    )
    return Completion(
        text=text,
        tool_calls=calls,
        finish_reason=finish,
        model=model,
        http_status=status,
        prompt_tokens=prompt,
        completion_tokens=completion_tokens,
        tokens_source=source,
        ttft_s=ttft,
        e2e_s=e2e,
        tpot_s=tpot,
        itl=itl,
        chunks=chunks,
    )


def itl_stats(times: list[float]) -> ItlStats | None:
    """Inter-token latency from chunk arrival times; None below two token chunks.

    Percentiles interpolate linearly between order statistics (numpy's default).
    """
    if len(times) < 2:
        return None
    gaps = sorted([b - a for a, b in pairwise(times)])
    return ItlStats(
        n=len(gaps),
        mean=sum(gaps) / len(gaps),
        p50=percentile(gaps, 0.5),
        p90=percentile(gaps, 0.9),
        p99=percentile(gaps, 0.99),
        max=gaps[-1],
    )


__all__ = ["MAX_TOKEN_COUNT", "StreamState", "completion", "itl_stats", "parse_body", "valid_text"]
