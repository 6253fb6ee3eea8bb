"""What an opened row of the sample table shows: the prompt's messages, the answer, the graders.

Every string here is untrusted and goes to the page as data (the page
places it with ``textContent``). Texts are cut to bounds that keep a page
of 100,000 records within its size (the page says what was cut and where
the full text is); an inline image is embedded only as a ``data:`` URI of
a known image type, anything else is named, never loaded.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from evalkit.report.packing import clip_middle, json_safe

MAX_IMAGE_CHARS = 400_000  # a larger inline image is named, not embedded
MAX_EXPECTED_CHARS = 4_000
_IMAGE_URI = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}")


def as_list(value: Any) -> list[Any]:
    """A list column's cell (list, JSON text, an array after parquet, or missing) as a list."""
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.startswith("["):
        loaded = json.loads(value)
        return loaded if isinstance(loaded, list) else []
    if value is not None and hasattr(value, "tolist"):
        out = value.tolist()
        return out if isinstance(out, list) else []
    return []


def pretty(text: Any) -> str:
    """JSON text indented for reading; anything that is not JSON is returned as it is."""
    if not isinstance(text, str):
        return json.dumps(text, indent=2, ensure_ascii=False, default=str)
    if not text.lstrip().startswith(("{", "[")):
        return text  # a plain answer (most expected values): no parse attempt, no exception
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def _parts(content: Any, limit: int) -> list[dict[str, str]]:
    """A message's content as typed parts: text, an embeddable image, or a named reference."""
    if content is None:
        return []
    if isinstance(content, str):
        text, note = clip_middle(content, limit)
        return [{"t": "text", "v": text}] + ([{"t": "note", "v": note}] if note else [])
    if not isinstance(content, list):
        return [{"t": "text", "v": pretty(content)}]
    parts: list[dict[str, str]] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            parts.extend(_parts(str(part.get("text", "")), limit))
        elif kind == "image_url":
            img = part.get("image_url")
            url = str(img.get("url", "")) if isinstance(img, dict) else str(img)
            if _IMAGE_URI.fullmatch(url) and len(url) <= MAX_IMAGE_CHARS:
                parts.append({"t": "img", "v": url})
            else:
                shown = url if len(url) <= 200 else f"{url[:120]}… ({len(url):,} characters)"
                parts.append({"t": "ref", "v": f"image: {shown}"})
        else:
            parts.append({"t": "text", "v": pretty(part)})
    return parts


def call(c: Mapping[str, Any]) -> dict[str, str]:
    """A tool call as name and raw argument text (the page pretty-prints it when opened)."""
    return {"name": str(c.get("name", "")), "args": str(c.get("arguments", ""))}


def _message(msg: Mapping[str, Any], limit: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "role": str(msg.get("role", "?")),
        "parts": _parts(msg.get("content"), limit),
    }
    calls = msg.get("tool_calls")
    if isinstance(calls, list) and calls:
        out["calls"] = [call(c.get("function", c)) for c in calls if isinstance(c, dict)]
    if msg.get("tool_call_id"):
        out["tool_call_id"] = str(msg["tool_call_id"])
    return out


def sample_view(sample: Mapping[str, Any], message_chars: int) -> dict[str, Any]:
    """A snapshot sample as the page shows it: its messages (each cut to ``message_chars``)
    and its expected answer."""
    expected = sample.get("expected")
    if expected is not None:
        expected = clip_middle(pretty(expected), MAX_EXPECTED_CHARS)[0]
    messages = sample.get("messages")
    return {
        "messages": [_message(m, message_chars) for m in messages or [] if isinstance(m, Mapping)],
        "expected": expected,
    }


def scores_view(raw: Any) -> list[dict[str, Any]]:
    """A record's scores for the page: verdict and explanation, the details as JSON text.

    The details stay the text the frame holds (the page parses them when
    the row is opened, showing a ``diff`` apart): parsing and re-printing
    them here cost more than the rest of a record's transcript.
    """
    out = []
    for sc in as_list(raw):
        if not isinstance(sc, dict):
            continue
        score = sc.get("score")
        details = sc.get("details")
        if details is not None and not isinstance(details, str):
            details = _json(details)  # a frame built by hand: the same JSON text
        out.append(
            {
                "grader": str(sc.get("grader", "")),
                "score": score if isinstance(score, int | float) and math.isfinite(score) else None,
                "passed": bool(sc.get("passed")),
                "explanation": str(sc.get("explanation") or ""),
                "details": details,
            }
        )
    return out


def _json(value: Any) -> str:
    return json.dumps(json_safe(value), ensure_ascii=False, default=str)


__all__ = ["MAX_IMAGE_CHARS", "as_list", "call", "pretty", "sample_view", "scores_view"]
