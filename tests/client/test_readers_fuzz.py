"""Property-based fuzzing of the readers of untrusted bytes: SSE, answers, error bodies.

Whatever an endpoint sends, in whatever pieces, the client's pure readers
return a completion or raise a ``RequestError``; never anything else (a
KeyError, a RecursionError, an OverflowError would stop the run).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.client.answer import StreamState, parse_body
from evalkit.client.completion import Completion
from evalkit.client.http_errors import error_for_status, parse_retry_after
from evalkit.client.sse import SSEDecoder
from evalkit.errors import RequestError

FUZZ = settings(
    max_examples=300,
    deadline=None,  # a loaded CI machine is no failure
    database=None,  # no .hypothesis folder in the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The keys a chat answer uses, so that random shapes reach the code that reads them.
KEYS = [
    "choices", "delta", "message", "content", "tool_calls", "index", "id", "function",
    "name", "arguments", "finish_reason", "usage", "prompt_tokens", "completion_tokens",
    "model", "error", "object", "type", "code", "reasoning_content", "text",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["\ud83d", "\ude00", "[DONE]", "stop", "error", "text"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=5)
    ),
    max_leaves=30,
)
# Shapes close to a real chunk, with any value in any place.
chunks = st.fixed_dictionaries(
    {},
    optional={
        "choices": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "delta": st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4),
                    "finish_reason": json_values,
                    "index": json_values,
                },
            )
            | json_values,
            max_size=2,
        )
        | json_values,
        "usage": st.dictionaries(st.sampled_from(KEYS), json_values, max_size=3) | json_values,
        "model": json_values,
        "error": json_values,
        "object": json_values,
    },
)
payloads = st.one_of(
    chunks.map(json.dumps),
    json_values.map(json.dumps),
    st.sampled_from(["[DONE]", "{", '{"choices": [', "[" * 5000 + "]" * 5000, "9" * 5000]),
    st.text(max_size=20),
)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def _decode(pieces: list[bytes]) -> list[str]:
    decoder = SSEDecoder()
    out: list[str] = []
    for piece in pieces:
        out += decoder.feed(piece)
    return out + decoder.close()


sse_bytes = st.lists(
    st.sampled_from(
        [b"data:", b"data: ", b"event: x", b"id: 1", b"retry: ", b"9" * 30, b":", b" ",
         b"\n", b"\r", b"\r\n", b"\xef\xbb\xbf", b"\xff", b"{}", b"[DONE]", b"\x00"]
    )
    | st.binary(max_size=12),
    max_size=40,
).map(b"".join)  # fmt: skip


@FUZZ
@given(data=sse_bytes, cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_sse_decoder_never_raises_and_ignores_where_the_bytes_are_cut(
    data: bytes, cuts: list[int]
) -> None:
    whole = _decode([data])
    assert _decode(_split(data, cuts)) == whole
    assert all(isinstance(p, str) for p in whole)


def _read_stream(events: list[str], cuts: list[int]) -> Completion:
    wire = b"".join(f"data: {e}\n\n".encode("utf-8", "surrogatepass") for e in events)
    state = StreamState()
    decoder = SSEDecoder()
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    for t, piece in enumerate(_split(wire, cuts)):
        if state.take(decoder.feed(piece), float(t)):
            break
    else:
        state.take(decoder.close(), 1e6)
    return state.result(body, 0.0, 200, {})


def _valid(done: Completion) -> None:
    done.text.encode("utf-8")  # no lone surrogate reaches a record
    for call in done.tool_calls:
        (call.name + call.arguments + (call.id or "")).encode("utf-8")
    assert done.prompt_tokens >= 0 and done.completion_tokens >= 0


@FUZZ
@given(events=st.lists(payloads, max_size=6), cuts=st.lists(st.integers(min_value=0), max_size=6))
def test_stream_reader_returns_a_completion_or_a_request_error(
    events: list[str], cuts: list[int]
) -> None:
    try:
        done = _read_stream([*events, "[DONE]"], cuts)
    except RequestError as exc:
        assert exc.message and isinstance(exc.message, str)
    else:
        _valid(done)


@FUZZ
@given(answer=json_values | chunks)
def test_body_reader_returns_a_completion_or_a_request_error(answer: Any) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    raw = json.dumps({"choices": [{"message": answer}]} if isinstance(answer, dict) else answer)
    for data in (raw.encode("utf-8", "surrogatepass"), json.dumps(answer).encode()):
        try:
            done = parse_body(data, body, 0.1, 200, {})
        except RequestError:
            continue
        _valid(done)


@FUZZ
@given(
    status=st.integers(min_value=300, max_value=999),
    body=st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode()),
    retry_after=st.text(max_size=30)
    | st.sampled_from(
        ["3600", "1e12", "-1", "nan", "inf", "9" * 400, "Wed, 21 Oct 2015 07:28:00 GMT"]
    ),
)
def test_error_responses_always_become_request_errors(
    status: int, body: bytes, retry_after: str
) -> None:
    headers = {"retry-after": retry_after, "retry-after-ms": retry_after}
    err = error_for_status(status, body, headers)
    assert isinstance(err, RequestError) and err.http_status == status
    wait = parse_retry_after(headers)
    assert wait is None or 0 <= wait < float("inf")
