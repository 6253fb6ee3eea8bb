"""Read a suite's JSONL strictly: one JSON value per line, every fault a line's message.

The rules, each one a way a file once went wrong:

- A line ends at ``\\n`` only (a ``\\r`` before it is dropped). U+2028, U+0085
  or a form feed inside a string is a character of that string, as JSON
  says, not a line break; between two values it is trailing content.
- A UTF-8 byte order mark at the very start (Windows editors write one) is
  skipped; anywhere else it is an error like any other stray character.
- Strict JSON: ``NaN`` and ``Infinity`` (and numbers too large for a
  float), invalid UTF-8, lone surrogates and anything after the value are
  errors. So are integers of more than 4,300 digits and values nested more
  than ``MAX_DEPTH`` levels deep: every serialiser downstream (the request
  body, the records, the snapshot) gives up long before a parser does.

orjson parses the lines (about twice as fast as ``json``). It reads an
integer beyond 64 bits as a float, so a line holding a run of 19 or more
digits goes through ``json`` instead, which keeps such integers exact.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import orjson

MAX_DEPTH = 64
"""How deeply arrays and objects may nest in a suite line (a sample needs a handful)."""

_BOM = b"\xef\xbb\xbf"
_JSON_SPACE = b" \t\r"
# A run of 19 digits may be an integer beyond 64 bits. Mapping every digit to
# "0" and looking for 19 of them is some ten times faster than a regex.
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_DIGITS = b"0" * 19
_CHUNK = 1 << 20  # translated a megabyte at a time, not as one copy of the whole file


def _has_long_digits(data: bytes) -> bool:
    overlap = len(_LONG_DIGITS) - 1
    return any(
        _LONG_DIGITS in data[i : i + _CHUNK + overlap].translate(_DIGITS_AS_ZERO)
        for i in range(0, len(data), _CHUNK)
    )


def _depth(value: Any) -> int:
    """How deeply ``value`` nests (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        level += 1
        if level > deepest:
            deepest = level
            if deepest > MAX_DEPTH:
                return deepest
        stack.extend((child, level) for child in node)
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (numbers must be finite)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is too large for a float")
    return value


def _parse_exact(line: bytes) -> Any:
    """``json``'s reading of a line, as strict as orjson's; ValueError says what is wrong."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text ({exc.reason} at byte {exc.start + 1})") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} (column {exc.colno})") from None
    except ValueError as exc:
        if "digits" in str(exc):  # the interpreter's 4,300-digit limit on int()
            raise ValueError("an integer has more than 4,300 digits") from None
        raise
    try:
        # json accepts a lone surrogate escape ("\ud83d"); no encoder downstream will.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a string holds a lone UTF-16 surrogate escape") from None
    return value


def _orjson_message(exc: orjson.JSONDecodeError, line: bytes) -> str:
    msg = exc.msg
    if "depth limit" in msg:
        return f"nested more than {MAX_DEPTH} levels deep"
    if "infinity" in msg:
        return "a number is too large for a float"
    at = exc.pos - 1 if line[exc.pos - 1 : exc.pos] == b"-" else exc.pos
    for name in (b"NaN", b"Infinity", b"-Infinity"):
        if line.startswith(name, at):
            return f"{name.decode()} is not JSON (numbers must be finite) (column {at + 1})"
    return f"{msg} (column {exc.colno})"


def parse_line(line: bytes, exact: bool) -> Any:
    """One line's JSON value; ValueError says what is wrong with it.

    ``exact`` sends the line through ``json`` (see the module docstring).
    """
    if exact:
        value = _parse_exact(line)
    else:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            if "UTF-8" in exc.msg or "surrogate" in exc.msg:
                return _parse_exact(line)  # json words encoding faults better
            raise ValueError(_orjson_message(exc, line)) from None
    # Counting brackets is cheap; only a line with many of them is walked.
    if line.count(b"[") + line.count(b"{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    return value


def _split(data: bytes) -> Iterator[bytes]:
    """The lines of ``data``, each made only when it is reached (no list of them all)."""
    start = len(_BOM) if data.startswith(_BOM) else 0
    size = len(data)
    while start < size:
        end = data.find(b"\n", start)
        if end < 0:
            end = size
        yield data[start:end]
        start = end + 1


def read_lines(data: bytes) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, value, None) for each non-blank line, or (line number, None, error)."""
    long_digits = _has_long_digits(data)
    for lineno, line in enumerate(_split(data), start=1):
        if not line.strip(_JSON_SPACE):
            continue
        if line.endswith(b"\r"):
            line = line[:-1]
        exact = long_digits and _has_long_digits(line)
        try:
            yield lineno, parse_line(line, exact), None
        except ValueError as exc:
            yield lineno, None, f"invalid JSON: {exc}"


__all__ = ["MAX_DEPTH", "parse_line", "read_lines"]
