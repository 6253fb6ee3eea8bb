"""Reading suite JSONL: line breaks, strict JSON, limits; any bytes give samples or a SuiteError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.errors import SuiteError
from evalkit.suite import load_suite
from evalkit.suite.jsonl import MAX_DEPTH, read_lines


def _sample(sid: str, prompt: str = "Hi?") -> dict[str, Any]:
    return {"id": sid, "prompt": prompt, "expected": "hi", "grader": "exact"}


def _load(tmp_path: Path, data: bytes) -> list[str]:
    """The suite's sample ids, or the problems as 'line: [field] message' strings."""
    path = tmp_path / "s.jsonl"
    path.write_bytes(data)
    try:
        return [s.id for s in load_suite(path).samples]
    except SuiteError as exc:
        return [f"{p.line}: [{p.field}] {p.message}" for p in exc.problems]


def _lines(*objs: Any) -> bytes:
    return b"".join(json.dumps(o, ensure_ascii=False).encode() + b"\n" for o in objs)


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85", "\x0b", "\x1c", "\x1e"])
def test_line_separators_inside_strings_are_characters(tmp_path: Path, char: str) -> None:
    # str.splitlines() breaks at these; JSONL lines end at \n only.
    data = _lines(_sample("a", f"one{char}two"), _sample("b"))
    assert _load(tmp_path, data) == ["a", "b"]
    assert load_suite(tmp_path / "s.jsonl").samples[0].messages[0]["content"] == f"one{char}two"


def test_crlf_line_ends_and_blank_lines_are_fine(tmp_path: Path) -> None:
    data = _lines(_sample("a")).replace(b"\n", b"\r\n") + b"\r\n  \t\n" + _lines(_sample("b"))
    assert _load(tmp_path, data) == ["a", "b"]


def test_a_form_feed_between_two_objects_is_an_error_not_two_samples(tmp_path: Path) -> None:
    one = json.dumps(_sample("a")).encode()
    two = json.dumps(_sample("b")).encode()
    [problem] = _load(tmp_path, one + b"\x0c" + two + b"\n")
    assert problem.startswith("1: [None] invalid JSON: unexpected content after document")


def test_a_utf8_byte_order_mark_at_the_start_is_accepted(tmp_path: Path) -> None:
    assert _load(tmp_path, b"\xef\xbb\xbf" + _lines(_sample("a"), _sample("b"))) == ["a", "b"]
    # Anywhere else it is a stray character.
    [problem] = _load(tmp_path, _lines(_sample("a")) + b"\xef\xbb\xbf" + _lines(_sample("b")))
    assert problem.startswith("2: [None] invalid JSON")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (b"NaN", "NaN is not JSON (numbers must be finite)"),
        (b"Infinity", "Infinity is not JSON (numbers must be finite)"),
        (b"-Infinity", "-Infinity is not JSON (numbers must be finite)"),
        (b"1e400", "a number is too large for a float"),
        (b"9" * 5000, "an integer has more than 4,300 digits"),
        (b"[" * 100_000 + b"]" * 100_000, f"nested more than {MAX_DEPTH} levels deep"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested more than"),
        (b'"\\ud83d"', "a string holds a lone UTF-16 surrogate escape"),
        (b'"\xff"', "not UTF-8 text"),
    ],
    ids=[
        "nan",
        "inf",
        "-inf",
        "huge-float",
        "5000-digits",
        "100k-deep",
        "65-deep",
        "surrogate",
        "latin1",
    ],
)
def test_values_no_serialiser_downstream_can_take_are_refused(
    tmp_path: Path, value: bytes, message: str
) -> None:
    line = b'{"id": "x", "prompt": "p", "grader": "exact", "metadata": {"v": ' + value + b"}}\n"
    [problem] = _load(tmp_path, _lines(_sample("a")) + line)
    assert problem.startswith(f"2: [None] invalid JSON: {message}"), problem


@pytest.mark.parametrize(
    "value",
    [
        "123456789012345678901234567890",
        "-9223372036854775809",
        "18446744073709551616",
        "1" * 4300,
    ],
)
def test_integers_beyond_64_bits_stay_exact(tmp_path: Path, value: str) -> None:
    line = f'{{"id": "a", "prompt": "p", "expected": {value}, "grader": "numeric"}}\n'
    (tmp_path / "s.jsonl").write_text(line)
    assert load_suite(tmp_path / "s.jsonl").samples[0].expected == int(value)


def test_nesting_up_to_the_limit_loads(tmp_path: Path) -> None:
    deep: Any = 1
    for _ in range(MAX_DEPTH - 2):  # inside {"metadata": {"v": ...}}
        deep = [deep]
    assert _load(tmp_path, _lines({**_sample("a"), "metadata": {"v": deep}})) == ["a"]


def test_every_bad_line_is_reported_with_its_number(tmp_path: Path) -> None:
    data = _lines(_sample("a")) + b"{\n" + _lines(_sample("b")) + b"NaN\n[1]\n"
    assert _load(tmp_path, data) == [
        "2: [None] invalid JSON: unexpected end of data (column 2)",
        "4: [None] invalid JSON: NaN is not JSON (numbers must be finite) (column 1)",
        "5: [None] a sample must be a JSON object",
    ]


def test_read_lines_numbers_lines_from_one_and_skips_blank_ones() -> None:
    got = list(read_lines(b'\n{"a": 1}\r\n\n  \n[2]'))
    assert got == [(2, {"a": 1}, None), (5, [2], None)]


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.lists(
            st.one_of(
                st.just(json.dumps(_sample("a")).encode()),
                st.just(b"\xef\xbb\xbf"),
                st.sampled_from([b"\n", b"\r", b"\x0c", b"\xe2\x80\xa8", b"\xc2\x85", b" "]),
                st.sampled_from([b"NaN", b"[" * 70, b"]", b"{", b'"\\ud800"', b"9" * 30]),
                st.sampled_from([b"[" * 5000, b"9" * 5000, b'{"a":' * 3000, b"1e999"]),
                st.text(max_size=20).map(lambda t: json.dumps(t).encode()),
                st.binary(max_size=10),
            ),
            max_size=12,
        ).map(b"".join),
    )
)
def test_any_bytes_give_samples_or_a_suite_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(data)
    try:
        suite = load_suite(path)
    except SuiteError as exc:
        assert exc.problems and all(p.file == str(path) for p in exc.problems)
    else:
        assert suite.samples and all(s.id for s in suite.samples)
