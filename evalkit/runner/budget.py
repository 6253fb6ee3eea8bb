"""A run's cost limit (``--max-cost``, ``[run] max_cost``): no request may take it past it.

Before a request is sent, its estimate (``estimate.py``: prompt tokens by
the 4-characters rule, output tokens at their ``max_tokens`` ceiling) is
reserved; the request is refused when what was spent (the records' real
``cost_usd``, including those of earlier sessions of a resumed run) plus
what is in flight plus this estimate would pass the limit. From the first
refusal on, nothing more is sent: the run ends as ``cost_limit`` and a
``--resume`` with a higher limit sends the rest. When a request ends, its
reservation is replaced by its real cost. The limit therefore holds to the
accuracy of the prompt-token estimate, and a run stops up to the estimated
cost of its in-flight requests short of it.

All of this runs on the event loop, between awaits: no lock is needed.
"""

from __future__ import annotations

from dataclasses import dataclass


class CostLimitReached(Exception):
    """The next request would take the run past its cost limit."""


@dataclass
class CostBudget:
    """Spent, reserved and the limit of one run, in US dollars."""

    limit: float
    spent: float = 0.0
    in_flight: float = 0.0
    reached: bool = False

    def reserve(self, estimate: float) -> float:
        """Reserve ``estimate`` for a request about to be sent; CostLimitReached if it won't fit."""
        if self.reached or self.spent + self.in_flight + estimate > self.limit:
            self.reached = True
            raise CostLimitReached
        self.in_flight += estimate
        return estimate

    def settle(self, reserved: float, cost: float | None) -> None:
        """A request ended: its reservation becomes its real cost (None: it cost nothing)."""
        self.in_flight = max(0.0, self.in_flight - reserved)
        self.spent += cost or 0.0


__all__ = ["CostBudget", "CostLimitReached"]
