"""Haystack text for needle suites: sentences, seeded filling, insertion at a boundary.

The built-in text (``data/haystack.txt``) is original prose written for
evalkit; a suite may bring its own plain-text file instead. Either way the
text is cut into sentences, and a haystack of a given size is built by
shuffling those sentences (seeded) and taking them until the size is reached,
so that the same seed gives the same haystack byte for byte.
"""

from __future__ import annotations

import random
import re
from importlib import resources
from pathlib import Path

BUILTIN = "builtin"
"""The ``haystack`` option value that selects the shipped text."""

MIN_SENTENCES = 5

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SPACE = re.compile(r"\s+")


def load_text(source: str, base_dir: Path) -> str:
    """The haystack source text: the built-in one, or a file inside ``base_dir``."""
    if source == BUILTIN:
        return resources.files("evalkit.suite").joinpath("data/haystack.txt").read_text("utf-8")
    target = (base_dir / source).resolve()
    if not target.is_relative_to(base_dir.resolve()):
        raise ValueError(f"haystack {source!r} is outside the suite's folder")
    return read_text_file(target, source)


def read_text_file(path: Path, shown: str) -> str:
    """Read a UTF-8 haystack file; errors name it as ``shown``."""
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise ValueError(f"haystack file {shown!r} not found") from None
    except IsADirectoryError:
        raise ValueError(f"haystack {shown!r} is a folder, not a text file") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"haystack file {shown!r} is not UTF-8 text ({exc.reason})") from None


def split_sentences(text: str) -> list[str]:
    """Cut text into sentences at '.', '!' or '?' followed by white space."""
    flat = _SPACE.sub(" ", text).strip()
    sentences = [s for s in _SENTENCE_END.split(flat) if s]
    if len(sentences) < MIN_SENTENCES:
        raise ValueError(
            f"the haystack text has {len(sentences)} sentences; at least {MIN_SENTENCES} are needed"
        )
    return sentences


def joined_length(sentences: list[str]) -> int:
    """Length of the sentences joined by single spaces."""
    return sum(len(s) for s in sentences) + max(len(sentences) - 1, 0)


def fill(sentences: list[str], max_chars: int, rng: random.Random) -> list[str]:
    """Shuffled passes over ``sentences`` taking every one that still fits in ``max_chars``.

    A pass that can add nothing ends the filling, so the result is within one
    sentence of ``max_chars`` and never over it.
    """
    out: list[str] = []
    used = -1  # the joining space before the first sentence does not exist
    while True:
        order = list(sentences)
        rng.shuffle(order)
        added = False
        for s in order:
            if used + 1 + len(s) <= max_chars:
                out.append(s)
                used += 1 + len(s)
                added = True
        if not added:
            return out


def boundary_index(sentences: list[str], depth: float) -> int:
    """Index of the last sentence boundary at or before ``depth`` percent of the text.

    Boundary ``i`` is the start of sentence ``i``; boundary ``len(sentences)``
    is the end of the text, so depth 100 appends.
    """
    total = joined_length(sentences)
    target = depth / 100.0 * total
    start = 0
    best = 0
    for i, s in enumerate(sentences):
        if start > target:
            return best
        best = i
        start += len(s) + 1
    return len(sentences) if total <= target else best


__all__ = [
    "BUILTIN",
    "boundary_index",
    "fill",
    "joined_length",
    "load_text",
    "read_text_file",
    "split_sentences",
]
