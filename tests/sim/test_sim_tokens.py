"""The simulator's tokenizer: lossless pieces, realistic counts, fixed costs."""

from __future__ import annotations

from evalkit.sim.tokens import (
    IMAGE_TOKENS,
    MESSAGE_OVERHEAD,
    REPLY_OVERHEAD,
    count_tokens,
    pieces,
    prompt_tokens,
)

ENGLISH = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was "
    "the age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it "
    "was the season of Light, it was the season of Darkness. Building upon Mistral Small 3, "
    "Mistral Small 3.1 adds state-of-the-art vision understanding and enhances long context "
    "capabilities up to 128k tokens without compromising text performance."
)


def test_pieces_concatenate_back_to_the_text() -> None:
    for text in [ENGLISH, '{"city":"Tokyo"}', "a\n\n  b  ", "naïve café 東京 ½ x_y\t1234567", ""]:
        assert "".join(pieces(text)) == text
        assert count_tokens(text) == len(pieces(text))


def test_english_is_about_three_quarters_of_a_word_per_token() -> None:
    ratio = len(ENGLISH.split()) / count_tokens(ENGLISH)
    assert 0.65 <= ratio <= 0.85, ratio


def test_numbers_split_in_groups_of_three_digits() -> None:
    assert pieces("1234567") == ["123", "456", "7"]


def test_prompt_tokens_add_message_overheads_images_and_tools() -> None:
    text = [{"role": "user", "content": "Hello there"}]
    assert prompt_tokens(text) == REPLY_OVERHEAD + MESSAGE_OVERHEAD + 2
    image = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Hello there"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA" * 100}},
            ],
        }
    ]
    # An image costs the same whatever its size.
    assert prompt_tokens(image) == prompt_tokens(text) + IMAGE_TOKENS
    tools = [{"type": "function", "function": {"name": "get_weather"}}]
    assert prompt_tokens(text, tools) > prompt_tokens(text)
    two = [*text, {"role": "assistant", "content": "Hi"}]
    assert prompt_tokens(two) == prompt_tokens(text) + MESSAGE_OVERHEAD + 1
