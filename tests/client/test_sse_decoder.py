"""SSEDecoder: the same payloads whatever the byte boundaries and line endings."""

from __future__ import annotations

import json
import random
import re

import pytest
from chat_apps import RECORDED

from evalkit.client.sse import SSEDecoder

ENDINGS = {"lf": b"\n", "crlf": b"\r\n", "cr": b"\r"}


def recorded(ending: str) -> bytes:
    return RECORDED.read_bytes().replace(b"\n", ENDINGS[ending])


def oracle(data: bytes) -> list[str]:
    """An independent, slow reading of a whole stream: blocks split on blank lines."""
    text = data.decode("utf-8")
    out = []
    for block in re.split(r"(?:\r\n|\r|\n){2}", text):
        lines = [ln for ln in re.split(r"\r\n|\r|\n", block) if ln.startswith("data:")]
        if lines:
            out.append("\n".join(ln[5:].removeprefix(" ") for ln in lines))
    return out


def decode(*pieces: bytes) -> list[str]:
    dec = SSEDecoder()
    out: list[str] = []
    for piece in pieces:
        out += dec.feed(piece)
    return out + dec.close()


@pytest.mark.parametrize("ending", ENDINGS)
def test_recorded_stream_whole(ending: str) -> None:
    data = recorded(ending)
    payloads = decode(data)
    assert payloads == oracle(data)
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 189
    assert any("Tōkyō" in c["choices"][0]["delta"].get("content", "") for c in chunks[:-1])


@pytest.mark.parametrize("ending", ENDINGS)
def test_recorded_stream_every_split(ending: str) -> None:
    data = recorded(ending)
    expected = decode(data)
    for i in range(len(data) + 1):
        dec = SSEDecoder()
        got = dec.feed(data[:i]) + dec.feed(data[i:]) + dec.close()
        assert got == expected, f"split at byte {i}: {data[max(0, i - 8) : i + 8]!r}"


@pytest.mark.parametrize("ending", ENDINGS)
def test_recorded_stream_byte_by_byte(ending: str) -> None:
    data = recorded(ending)
    dec = SSEDecoder()
    got: list[str] = []
    for i in range(len(data)):
        got += dec.feed(data[i : i + 1])
    assert got + dec.close() == decode(data)


def test_recorded_stream_random_three_way_splits() -> None:
    data = recorded("crlf")
    expected = decode(data)
    rng = random.Random(7)
    for _ in range(300):
        i, j = sorted(rng.sample(range(len(data) + 1), 2))
        assert decode(data[:i], data[i:j], data[j:]) == expected


def test_events_are_returned_by_the_feed_that_completes_them() -> None:
    dec = SSEDecoder()
    assert dec.feed(b"data: one\n\ndata: two\n\ndata: thr") == ["one", "two"]
    assert dec.feed(b"ee\n") == []
    assert dec.feed(b"\n") == ["three"]


def test_multi_line_data_comments_and_fields() -> None:
    stream = (
        b": keep-alive\n"
        b"event: message\n"
        b"id: 42\n"
        b"retry: 1500\n"
        b"data: first\n"
        b": a comment between data lines\n"
        b"data:second, no space\n"
        b"data:  two spaces keep one\n"
        b"data\n"
        b"unknown: field\n"
        b"\n"
    )
    dec = SSEDecoder()
    assert dec.feed(stream) == ["first\nsecond, no space\n two spaces keep one\n"]
    assert dec.last_event_id == "42"
    assert dec.last_event_type == "message"
    assert dec.retry_ms == 1500


def test_bad_id_and_retry_are_ignored() -> None:
    dec = SSEDecoder()
    dec.feed(b"id: 7\nretry: 10\ndata: x\n\nid: a\x00b\nretry: soon\ndata: y\n\n")
    assert dec.last_event_id == "7"
    assert dec.retry_ms == 10


def test_blank_lines_without_data_dispatch_nothing() -> None:
    assert decode(b"\n\n\r\n: ping\n\nevent: noop\n\n") == []


def test_empty_data_line_is_an_empty_payload() -> None:
    assert decode(b"data:\n\n") == [""]


def test_cr_then_lf_in_the_next_chunk_is_one_line_end() -> None:
    assert decode(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n") == ["a\nb"]


def test_multibyte_character_split_across_reads() -> None:
    data = "data: Tōkyō ☀️\n\n".encode()
    cut = data.index("ō".encode()) + 1  # inside the two-byte ō
    assert decode(data[:cut], data[cut:]) == ["Tōkyō ☀️"]


def test_close_flushes_an_unterminated_event() -> None:
    dec = SSEDecoder()
    assert dec.feed(b"data: a\n\ndata: tail") == ["a"]
    assert dec.close() == ["tail"]
    assert dec.close() == []
    dec.feed(b"data: pending\n")
    assert dec.close() == ["pending"]


def test_utf8_bom_is_skipped_even_when_split() -> None:
    assert decode(b"\xef", b"\xbb", b"\xbfdata: x\n\n") == ["x"]
    assert decode(b"\xef\xbb\xbfdata: y\n\n") == ["y"]


def test_invalid_utf8_is_replaced_not_raised() -> None:
    assert decode(b"data: \xff\n\n") == ["\ufffd"]
