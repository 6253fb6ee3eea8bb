"""Answer text as graders compare and show it: normalisation and short quotes."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from evalkit.errors import GraderError

_PUNCT = re.compile(r"[^\w\s]|_")
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_SPACE = re.compile(r"\s+")


def normalize_answer(text: str) -> str:
    """SQuAD-style: NFKC, casefold, drop punctuation and a/an/the, collapse spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _PUNCT.sub("", text)
    text = _ARTICLES.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to at most ``limit`` characters, marked with "..." when cut."""
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."


def clip(value: Any, limit: int = 60) -> str:
    """``repr``-style quote of ``value`` cut to about ``limit`` characters."""
    return shorten(repr(value) if isinstance(value, str) else _compact(value), limit)


def _compact(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    except (TypeError, ValueError):
        return repr(value)


def expected_texts(expected: Any) -> list[str]:
    """The acceptable answers of a sample: a string, a number, or a list of them."""
    items = expected if isinstance(expected, list) else [expected]
    if not items or expected is None:
        raise GraderError("the sample has no 'expected' answer")
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            out.append(str(item))
        else:
            raise GraderError(f"'expected' must be a string or a list of strings, not {item!r}")
    return out


def describe_expected(texts: list[str]) -> str:
    """``'Paris'`` or ``one of ['Paris', 'paris']`` for an explanation."""
    if len(texts) == 1:
        return clip(texts[0])
    return "one of " + clip(texts, 80)


__all__ = ["clip", "describe_expected", "expected_texts", "normalize_answer", "shorten"]
