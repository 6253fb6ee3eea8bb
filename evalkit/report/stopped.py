"""Targets the runner stopped, from run.json's ``aborted``: why, and how much they left undone.

A target is stopped at its first fatal error (HTTP 401, 402, 404: a bad
key, no credit, a wrong model name); its remaining items are never sent.
Every output says so, with the reason, since a run whose records simply
end looks like a short run, not a broken one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evalkit.runfolder import RunManifest

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class StoppedTarget:
    """A target the runner stopped: its name, the reason, and its item counts."""

    target: str
    reason: str
    n_done: int  # records it has
    n_planned: int | None  # items the run meant it to do; None when unknown (a shard)

    @property
    def n_not_run(self) -> int | None:
        """Items the target never ran, when the plan is known."""
        return None if self.n_planned is None else max(self.n_planned - self.n_done, 0)

    def not_run_text(self) -> str:
        """ "37 of 40 items not run", or "" when the plan is unknown."""
        if self.n_planned is None:
            return ""
        return f"{self.n_not_run} of {self.n_planned} items not run"


def records_per_target(df: pd.DataFrame | None) -> dict[str, int]:
    """How many records each target has in ``df`` (a load_run frame); {} for None."""
    if df is None or df.empty:
        return {}
    return {str(k): int(v) for k, v in df["target"].astype(str).value_counts().items()}


def stopped_targets(
    manifest: RunManifest | None, records_per_target: Mapping[str, int]
) -> list[StoppedTarget]:
    """The run's stopped targets (run.json ``aborted``), in the order run.json lists them.

    None (a folder without run.json) has none.
    """
    if manifest is None:
        return []
    planned = manifest.planned_items()
    return [
        StoppedTarget(t, reason, int(records_per_target.get(t, 0)), planned)
        for t, reason in manifest.aborted.items()
    ]


__all__ = [
    "StoppedTarget",
    "records_per_target",
    "stopped_targets",
]
