"""The token heuristics: documented rules, monotone, images and messages counted."""

from __future__ import annotations

from typing import Any

from evalkit.client import estimate_prompt_tokens, estimate_tokens
from evalkit.client.tokens import CHARS_PER_TOKEN, IMAGE_TOKENS, MESSAGE_OVERHEAD, REPLY_PRIMING


def test_text_estimate() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("a") == 1
    assert estimate_tokens("x" * CHARS_PER_TOKEN) == 1
    assert estimate_tokens("x" * (CHARS_PER_TOKEN + 1)) == 2
    assert estimate_tokens("word " * 400) == 2000 // CHARS_PER_TOKEN


def test_estimate_grows_with_text() -> None:
    sizes = [estimate_tokens("lorem ipsum " * k) for k in range(0, 50)]
    assert sizes == sorted(sizes)
    assert sizes[-1] > sizes[1] > 0


def test_prompt_estimate_counts_text_images_and_overhead() -> None:
    text_only = [{"role": "user", "content": "Describe the picture in one line."}]
    with_image = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe the picture in one line."},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            ],
        }
    ]
    base = estimate_prompt_tokens(text_only)
    assert base == REPLY_PRIMING + MESSAGE_OVERHEAD + estimate_tokens(text_only[0]["content"])
    assert estimate_prompt_tokens(with_image) == base + IMAGE_TOKENS
    two = [{"role": "system", "content": ""}, *text_only]
    assert estimate_prompt_tokens(two) == base + MESSAGE_OVERHEAD


def test_prompt_estimate_counts_tool_turns() -> None:
    args = '{"city": "Tokyo", "unit": "celsius"}'
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": args},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": '{"temp_c": 18}'},
    ]
    without_call = estimate_prompt_tokens(
        [messages[0], {"role": "assistant", "content": None}, messages[2]]
    )
    assert estimate_prompt_tokens(messages) == (
        without_call + estimate_tokens("get_weather") + estimate_tokens(args)
    )
