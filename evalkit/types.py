"""Plain in-memory values shared by the client, the graders and the run folder.

They sit below every package (beside ``errors``) so that the client can hand
a tool call or its timing to a grader or a record without importing either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

RESERVED_REQUEST_FIELDS: Mapping[str, str] = {
    "model": "the target's model is sent (set it in evalkit.toml)",
    "messages": "the sample's own messages are sent (give 'messages' or 'prompt')",
    "stream": "streaming is the target's choice (set 'stream' in evalkit.toml)",
}
"""Request fields no ``params`` (a sample's, a manifest's, a target's) may set, and why:
the record would show one request while another was sent. ``stream_options``
may be set: the client keeps ``include_usage`` on whatever it says."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCall:
    """One function call the model made; ``arguments`` is the raw JSON text it sent."""

    id: str | None = None
    name: str
    arguments: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ItlStats:
    """Inter-token latency of one request: gaps between token-bearing chunks, in seconds."""

    n: int
    mean: float
    p50: float
    p90: float
    p99: float
    max: float


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) of sorted values, linear between order statistics.

    numpy's default method, written once: the client's ITL, the metrics'
    latency tables and the gate must agree on what "p90" means.
    """
    if not ordered:
        raise ValueError("percentile of no values")
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


__all__ = ["RESERVED_REQUEST_FIELDS", "ItlStats", "ToolCall", "percentile"]
