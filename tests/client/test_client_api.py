"""The client package's public names are pinned."""

from __future__ import annotations

import evalkit.client


def test_public_names() -> None:
    assert sorted(evalkit.client.__all__) == [
        "ChatClient",
        "Completion",
        "SSEDecoder",
        "estimate_prompt_tokens",
        "estimate_tokens",
    ]
    for name in evalkit.client.__all__:
        assert getattr(evalkit.client, name) is not None
