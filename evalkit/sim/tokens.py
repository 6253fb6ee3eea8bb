"""The simulator's own tokenizer: the "truth" that clients' token estimates are checked against.

It is deliberately independent of any client-side estimate and deterministic.
A text splits into pieces that concatenate back to the text exactly (so the
pieces double as the streamed content chunks):

- a run of up to 6 letters, with any spaces or tabs before it (longer words split);
- a run of up to 3 digits (numbers split in groups of three, as BPE vocabularies do);
- a run of up to 3 punctuation marks (``":"`` or ``").`` are one piece);
- a run of whitespace that holds a newline (or trails the text).

On ordinary English prose this gives about 0.75 words (4.3 characters) per
token, close to real BPE tokenizers; technical text costs more. A prompt also
costs ``MESSAGE_OVERHEAD`` per message, ``REPLY_OVERHEAD`` once,
``IMAGE_TOKENS`` per image part, and the tokens of the compact JSON of
``tools`` when they are sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

_PIECE = re.compile(r"[ \t]*(?:[^\W\d_]{1,6}|\d{1,3}|[^\w\s]{1,3}|_)|\s+")

MESSAGE_OVERHEAD = 4
"""Role and delimiter tokens around every message."""

REPLY_OVERHEAD = 3
"""The tokens that prime the assistant's reply."""

IMAGE_TOKENS = 512
"""Fixed cost of one image part, whatever its size (a mid-size image on a patch-based encoder)."""


def pieces(text: str) -> list[str]:
    """Split ``text`` into token pieces whose concatenation is ``text``."""
    return _PIECE.findall(text)


def count_tokens(text: str) -> int:
    """Number of tokens in ``text``."""
    return len(_PIECE.findall(text))


def _content_tokens(content: Any) -> int:
    if isinstance(content, str):
        return count_tokens(content)
    if isinstance(content, list):
        total = 0
        for part in content:
            if not isinstance(part, dict):
                continue
            if part.get("type") == "image_url":
                total += IMAGE_TOKENS
            elif isinstance(part.get("text"), str):
                total += count_tokens(part["text"])
        return total
    return 0


def _message_tokens(message: dict[str, Any]) -> int:
    total = MESSAGE_OVERHEAD + _content_tokens(message.get("content"))
    name = message.get("name")
    if isinstance(name, str):
        total += count_tokens(name)
    for call in message.get("tool_calls") or ():
        fn = call.get("function") if isinstance(call, dict) else None
        if isinstance(fn, dict):
            total += count_tokens(str(fn.get("name", ""))) + count_tokens(
                str(fn.get("arguments", ""))
            )
    return total


def messages_tokens(messages: Sequence[dict[str, Any]]) -> int:
    """Tokens of a request's messages, reply priming included."""
    return REPLY_OVERHEAD + sum(_message_tokens(m) for m in messages)


def tools_tokens(tools: Sequence[dict[str, Any]] | None) -> int:
    """Tokens of a request's tool definitions (their compact JSON)."""
    if not tools:
        return 0
    return count_tokens(json.dumps(list(tools), separators=(",", ":"), ensure_ascii=False))


def prompt_tokens(
    messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]] | None = None
) -> int:
    """Tokens of a request's prompt: its messages, the reply priming, and its tools."""
    return messages_tokens(messages) + tools_tokens(tools)


__all__ = [
    "IMAGE_TOKENS",
    "MESSAGE_OVERHEAD",
    "REPLY_OVERHEAD",
    "count_tokens",
    "messages_tokens",
    "pieces",
    "prompt_tokens",
    "tools_tokens",
]
