"""Live counters of a simulator: every request it received, its status and its fault."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

NO_STATUS = 0
"""The status logged for a connection dropped before any response (fault ``reset``)."""


@dataclass(frozen=True, slots=True)
class SimRequestLog:
    """One request as the simulator saw it.

    ``arrival`` is ``time.monotonic()`` when the handler started; ``status``
    is the HTTP status sent (``NO_STATUS`` for a reset); ``correct`` says
    whether the answer was the right one (None when no answer was given or
    the prompt was not in the key).
    """

    arrival: float
    sample_id: str | None
    status: int
    fault: str | None
    retry_after: float | None
    correct: bool | None = None


@dataclass
class SimStats:
    """Counters over every request received (``/sim/stats`` serves them as JSON)."""

    requests: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    log: list[SimRequestLog] = field(default_factory=list)

    def add(self, entry: SimRequestLog) -> None:
        """Count one request."""
        self.requests += 1
        self.by_status[entry.status] += 1
        if entry.fault is not None:
            self.faults[entry.fault] += 1
        self.log.append(entry)

    def to_json(self, *, include_log: bool = False) -> dict[str, Any]:
        """The counters as JSON-ready data (status keys become strings)."""
        data: dict[str, Any] = {
            "requests": self.requests,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "faults": dict(sorted(self.faults.items())),
        }
        if include_log:
            data["log"] = [asdict(entry) for entry in self.log]
        return data


__all__ = ["NO_STATUS", "SimRequestLog", "SimStats"]
