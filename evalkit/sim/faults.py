"""Which fault, if any, a request gets: drawn at the configured rates, or forced by a header.

Fault kinds (the keys of ``SimStats.faults``):

- ``"429"``, ``"500"``, ``"503"``: the gateway's error responses (429 with Retry-After);
- ``"401"``, ``"402"``, ``"404"``: final errors, only ever forced by the header;
- ``"reset"``: the connection is dropped before any response byte;
- ``"cut"``: the response stops half-way and the connection closes (no ``[DONE]``);
- ``"malformed"``: one SSE chunk (or the JSON body) is not valid JSON;
- ``"slow"``: the first byte is delayed by ``slow_s``.

Rated faults are exclusive: one uniform draw per request from a RNG seeded
with ``SimConfig.seed`` picks at most one kind, so each kind occurs at its
own rate (when the rates add up to more than 1 they are scaled down to sum to 1).

Test hook: a request header ``X-Sim-Fault: <kind>`` forces that fault for
that request, whatever the rates.
"""

from __future__ import annotations

import random

from evalkit.config import SimConfig

FAULT_HEADER = "X-Sim-Fault"
ERROR_FAULTS = frozenset({"401", "402", "404", "429", "500", "503"})
FAULT_KINDS = frozenset({*ERROR_FAULTS, "reset", "cut", "malformed", "slow"})


class UnknownFault(ValueError):
    """The X-Sim-Fault header names no fault kind."""


def forced_fault(header: str | None) -> str | None:
    """The fault kind an ``X-Sim-Fault`` header value forces, or None when absent."""
    if header is None:
        return None
    kind = header.strip().lower()
    if kind not in FAULT_KINDS:
        known = ", ".join(sorted(FAULT_KINDS))
        raise UnknownFault(f"unknown {FAULT_HEADER} value {header!r} (known: {known})")
    return kind


class FaultPicker:
    """Draws at most one fault kind per request at the configured rates."""

    def __init__(self, config: SimConfig) -> None:
        rates = [
            ("429", config.rate_429),
            ("503", config.rate_503),
            ("500", config.rate_500),
            ("reset", config.rate_reset),
            ("cut", config.rate_cut),
            ("malformed", config.rate_malformed),
            ("slow", config.rate_slow),
        ]
        total = sum(rate for _, rate in rates)
        scale = 1.0 / total if total > 1.0 else 1.0
        self._table: list[tuple[float, str]] = []
        edge = 0.0
        for kind, rate in rates:
            if rate > 0:
                edge += rate * scale
                self._table.append((edge, kind))
        self._rng = random.Random(f"faults:{config.seed}")

    def pick(self) -> str | None:
        """The fault for the next request, or None (no RNG draw when no rate is set)."""
        if not self._table:
            return None
        u = self._rng.random()
        for edge, kind in self._table:
            if u < edge:
                return kind
        return None


__all__ = [
    "ERROR_FAULTS",
    "FAULT_HEADER",
    "FAULT_KINDS",
    "FaultPicker",
    "UnknownFault",
    "forced_fault",
]
