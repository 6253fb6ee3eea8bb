"""Token counts estimated without a tokenizer, for endpoints that send no usage.

The numbers are a documented heuristic, not a tokenizer: records mark them
``tokens_source = "estimated"`` so that reports can say so. The rules:

- text: about 4 characters per token (the usual rule of thumb for English
  with BPE vocabularies such as Mistral's Tekken), rounded up, so any
  non-empty text costs at least 1 token;
- an image part: a flat ``IMAGE_TOKENS`` (a mid-sized picture, about
  450 x 450 px at 28 px per token after the vision encoder's patch merge;
  real cost grows with resolution);
- each message: ``MESSAGE_OVERHEAD`` tokens for its role and delimiters,
  plus ``REPLY_PRIMING`` once for the assistant turn the request opens.
"""

from __future__ import annotations

from typing import Any

CHARS_PER_TOKEN = 4
IMAGE_TOKENS = 256
MESSAGE_OVERHEAD = 4
REPLY_PRIMING = 3


def estimate_tokens(text: str) -> int:
    """Estimated tokens in ``text``: ceil(len / 4), so 0 only for empty text."""
    return -(-len(text) // CHARS_PER_TOKEN)


def _content_tokens(content: Any) -> int:
    if isinstance(content, str):
        return estimate_tokens(content)
    if not isinstance(content, list):
        return 0
    total = 0
    for part in content:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text":
            text = part.get("text")
            if isinstance(text, str):
                total += estimate_tokens(text)
        elif kind == "image_url":
            total += IMAGE_TOKENS
    return total


def _tool_call_tokens(tool_calls: Any) -> int:
    if not isinstance(tool_calls, list):
        return 0
    total = 0
    for call in tool_calls:
        fn = call.get("function") if isinstance(call, dict) else None
        if isinstance(fn, dict):
            for key in ("name", "arguments"):
                value = fn.get(key)
                if isinstance(value, str):
                    total += estimate_tokens(value)
    return total


def estimate_prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """Estimated prompt tokens of a chat request: text, images and per-message overhead."""
    total = REPLY_PRIMING
    for msg in messages:
        total += MESSAGE_OVERHEAD + _content_tokens(msg.get("content"))
        total += _tool_call_tokens(msg.get("tool_calls"))
        name = msg.get("name")
        if isinstance(name, str):
            total += estimate_tokens(name)
    return total


__all__ = [
    "CHARS_PER_TOKEN",
    "IMAGE_TOKENS",
    "MESSAGE_OVERHEAD",
    "REPLY_PRIMING",
    "estimate_prompt_tokens",
    "estimate_tokens",
]
