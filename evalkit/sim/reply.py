"""What the simulated model says, and how it is cut into token pieces for the wire.

A ``Reply`` is the model's intended output (text or tool calls); ``plan``
turns it into the pieces actually sent, applying the request's token limit
(``finish_reason`` "length" when cut) and the vLLM-style ``ignore_eos`` /
``min_tokens`` extensions that benchmarks use to ask for a fixed output length.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

from evalkit.sim.tokens import pieces


@dataclass(frozen=True, slots=True)
class SimToolCall:
    """One function call: its name and its arguments as JSON text."""

    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Reply:
    """The model's intended output: text, tool calls, or both."""

    text: str | None
    tool_calls: tuple[SimToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """A tool call as sent: its id, name and argument pieces."""

    id: str
    name: str
    argument_pieces: list[str]

    @property
    def arguments(self) -> str:
        return "".join(self.argument_pieces)


@dataclass(frozen=True, slots=True)
class Planned:
    """The output as sent: content pieces or tool calls, the finish reason, the token count."""

    content_pieces: list[str]
    tool_calls: list[PlannedCall]
    finish_reason: str
    completion_tokens: int

    @property
    def content(self) -> str | None:
        if not self.content_pieces and self.tool_calls:
            return None
        return "".join(self.content_pieces)


_FILLER_TEXT = (
    " The simulated model keeps writing so that a benchmark gets the output length it"
    " asked for. Each sentence is ordinary prose with short and longer words, numbers"
    " like 42 and 1,024, and punctuation, so that the pieces look like real tokens."
)
_FILLER = pieces(_FILLER_TEXT)


def filler(n: int) -> list[str]:
    """``n`` pieces of neutral prose (one token each)."""
    return list(itertools.islice(itertools.cycle(_FILLER), n))


def new_call_id() -> str:
    """A fresh tool-call id in the gateway's ``call_…`` form."""
    return "call_" + uuid.uuid4().hex[:24]


def _plan_calls(calls: tuple[SimToolCall, ...], limit: int | None) -> tuple[list[PlannedCall], int]:
    planned: list[PlannedCall] = []
    used = 0
    for call in calls:
        cost = len(pieces(call.name))
        if limit is not None and used + cost > limit:
            break
        used += cost
        args = pieces(call.arguments)
        if limit is not None and used + len(args) > limit:
            args = args[: limit - used]
        used += len(args)
        planned.append(PlannedCall(new_call_id(), call.name, args))
    return planned, used


def plan(
    reply: Reply,
    limit: int | None,
    *,
    ignore_eos: bool = False,
    min_tokens: int = 0,
) -> Planned:
    """Cut ``reply`` into the pieces sent, honouring ``limit`` (the request's max tokens)."""
    text_pieces = pieces(reply.text) if reply.text else []
    if ignore_eos and limit is not None:
        min_tokens = limit
    if not reply.tool_calls and len(text_pieces) < min_tokens:
        text_pieces += filler(min_tokens - len(text_pieces))
    cut = limit is not None and len(text_pieces) > limit
    if cut:
        text_pieces = text_pieces[: limit or 0]
    used = len(text_pieces)
    calls: list[PlannedCall] = []
    if reply.tool_calls:
        remaining = None if limit is None else max(0, limit - used)
        calls, call_tokens = _plan_calls(reply.tool_calls, remaining)
        used += call_tokens
        total = sum(len(pieces(c.name)) + len(pieces(c.arguments)) for c in reply.tool_calls)
        cut = cut or call_tokens < total
    if cut or (ignore_eos and limit is not None and used >= limit):
        finish = "length"
    elif calls:
        finish = "tool_calls"
    else:
        finish = "stop"
    return Planned(text_pieces, calls, finish, used)


__all__ = ["Planned", "PlannedCall", "Reply", "SimToolCall", "filler", "new_call_id", "plan"]
