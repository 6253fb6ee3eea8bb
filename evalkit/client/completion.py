"""What one successful request returns: the answer, its token counts and its timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from evalkit.client.ratelimit import RateLimitHint
from evalkit.types import ItlStats, ToolCall


@dataclass(frozen=True, slots=True)
class Completion:
    """One finished chat completion, timed on the client's clock.

    ``ttft_s`` runs from just before the request is written to the first chunk
    that carries content or a tool-call delta (a role-only chunk does not
    count); ``e2e_s`` to the last such chunk; ``tpot_s`` is
    (e2e - ttft) / (completion_tokens - 1). Non-streamed responses have
    ``ttft_s`` None and ``e2e_s`` to the end of the body.
    """

    text: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    model: str | None = None
    http_status: int = 200
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tokens_source: Literal["usage", "estimated"] = "usage"
    ttft_s: float | None = None
    e2e_s: float = 0.0
    tpot_s: float | None = None
    itl: ItlStats | None = None
    chunks: int = 0
    rate_limit: RateLimitHint | None = None  # what the answer headers announced


__all__ = ["Completion"]
