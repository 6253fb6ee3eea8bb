"""The HTTP client of OpenAI-compatible chat endpoints: one attempt, timed and classified.

``ChatClient`` sends a request and returns a ``Completion`` (text, tool calls,
tokens, TTFT/ITL/TPOT) or raises one ``evalkit.errors.RequestError``
subclass; ``SSEDecoder`` is its pure event-stream decoder; the token
estimators stand in when an endpoint sends no usage.
"""

from __future__ import annotations

from evalkit.client.chat import ChatClient
from evalkit.client.completion import Completion
from evalkit.client.sse import SSEDecoder
from evalkit.client.tokens import estimate_prompt_tokens, estimate_tokens

__all__ = [
    "ChatClient",
    "Completion",
    "SSEDecoder",
    "estimate_prompt_tokens",
    "estimate_tokens",
]
