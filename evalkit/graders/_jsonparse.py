"""Finding a JSON value in model output: strictly, then leniently, and by path.

The lenient parse accepts what chat models wrap around JSON: a ``` fence
(with or without a language tag) and prose before or after it. It takes the
first fenced block that parses, else the longest JSON value that decodes
from a ``{`` or ``[`` in the text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_FENCE = re.compile(r"```[\w+-]*[ \t]*\n?(.*?)```", re.DOTALL)
_OPENERS = re.compile(r"[{\[]")
_PATH_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")
_MAX_STARTS = 64  # a page of brackets that never parse must not cost O(n^2)
_DECODER = json.JSONDecoder()

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Parsed:
    """The outcome of parsing: which levels succeeded, the value and the error."""

    strict: bool
    lenient: bool
    value: Any = None
    error: str | None = None


def parse_output(text: str) -> Parsed:
    """Strict ``json.loads`` of the whole text, else the lenient extraction."""
    try:
        return Parsed(True, True, json.loads(text))
    except ValueError as exc:
        error = (
            f"{exc.msg} at line {exc.lineno} column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else str(exc)
        )
    for block in _FENCE.findall(text):
        try:
            return Parsed(False, True, json.loads(block), error)
        except ValueError:
            continue
    # The largest value wins, so that a citation like "[1]" in the prose
    # before the answer is not taken for it.
    best: tuple[int, Any] | None = None
    covered = attempts = 0
    for m in _OPENERS.finditer(text):
        if m.start() < covered:
            continue  # inside a value already decoded
        if attempts >= _MAX_STARTS:
            break
        attempts += 1
        try:
            value, end = _DECODER.raw_decode(text, m.start())
        except ValueError:
            continue
        covered = end
        if best is None or end - m.start() > best[0]:
            best = (end - m.start(), value)
    if best is not None:
        return Parsed(False, True, best[1], error)
    return Parsed(False, False, None, error)


def parse_path(path: str) -> JsonPath:
    """``"$.items[2].price"`` or ``"items[2].price"`` -> ``("items", 2, "price")``."""
    rest = path[1:] if path.startswith("$") else path
    out: list[str | int] = []
    pos = 0
    while pos < len(rest):
        m = _PATH_TOKEN.match(rest, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"bad field path {path!r}")
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    if not out:
        raise ValueError(f"bad field path {path!r}")
    return tuple(out)


def format_path(path: JsonPath) -> str:
    """``("items", 2, "price")`` -> ``"$.items[2].price"`` (jsonschema's notation)."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


MISSING = object()
"""What ``lookup`` returns for a path that does not exist (distinct from null)."""


def lookup(value: Any, path: JsonPath) -> Any:
    """The value at ``path``, or ``MISSING`` when a step does not exist."""
    for step in path:
        in_list = isinstance(step, int) and isinstance(value, list) and step < len(value)
        in_dict = isinstance(step, str) and isinstance(value, dict) and step in value
        if not (in_list or in_dict):
            return MISSING
        value = value[step]
    return value


__all__ = ["MISSING", "JsonPath", "Parsed", "format_path", "lookup", "parse_output", "parse_path"]
