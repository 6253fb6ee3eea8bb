"""Untrusted text with markup and script, put into a stored run's every shown field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = [
    "EVIL_IMAGE_URLS",
    "PAYLOAD_OUTPUT",
    "PWN_IMG",
    "PWN_SCRIPT",
    "TINY_PNG",
    "inject_payloads",
]

PWN_SCRIPT = "<script>window.__pwned=1</script>"
PWN_IMG = '<img src=x onerror="window.__pwned=1">'
# Tries to close the JSON block, open a comment and break a JS string at once.
PWN_BREAKOUT = "</script><!--<script>window.__pwned=1</script>\u2028&amp;"
PAYLOAD_OUTPUT = f"{PWN_SCRIPT} {PWN_IMG} {PWN_BREAKOUT}"
TINY_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
    "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
EVIL_IMAGE_URLS = ("javascript:window.__pwned=1", "http://example.invalid/pixel.png")


def rewrite_jsonl(path: Path, edit: Any) -> None:
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    path.write_text("".join(json.dumps(edit(d) or d) + "\n" for d in lines), encoding="utf-8")


def inject_payloads(run_dir: Path) -> Path:
    """Put markup and script in every untrusted field the report shows; returns run_dir.

    Each target's chat-1 record gets PAYLOAD_OUTPUT as its output and markup in
    its grader explanation and diff; its tools-0 record gets script in its
    tool-call arguments; sample chat-1's prompt carries markup, a real PNG
    thumbnail and two image URLs that must never be loaded.
    """

    def edit(rec: dict[str, Any]) -> dict[str, Any]:
        if rec["sample_id"] == "chat-1":
            rec.update(status="ok", error=None, http_status=200, output=PAYLOAD_OUTPUT)
            rec["scores"] = [
                {
                    "grader": "exact",
                    "score": 0.0,
                    "passed": False,
                    "explanation": f"expected <b>bold</b> {PWN_IMG}",
                    "details": {"diff": f"-answer 1\n+{PWN_SCRIPT}", "why": PWN_IMG},
                }
            ]
            rec.update(score=0.0, passed=False)
        elif rec["sample_id"] == "tools-0":
            rec["tool_calls"] = [
                {"id": "c1", "name": "get_weather", "arguments": json.dumps({"city": PWN_SCRIPT})}
            ]
        return rec

    rewrite_jsonl(run_dir / "records.jsonl", edit)

    def edit_sample(s: dict[str, Any]) -> dict[str, Any]:
        if s["id"] == "chat-1":
            s["messages"] = [
                {"role": "system", "content": f"system {PWN_SCRIPT}"},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": f"Describe {PWN_IMG}"},
                        {"type": "image_url", "image_url": {"url": TINY_PNG}},
                        *({"type": "image_url", "image_url": {"url": u}} for u in EVIL_IMAGE_URLS),
                    ],
                },
            ]
        return s

    rewrite_jsonl(run_dir / "samples" / "chat.jsonl", edit_sample)
    return run_dir
