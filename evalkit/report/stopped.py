"""Targets the runner stopped, from run.json's ``aborted``: why, and how much they left undone.

A target is stopped at its first fatal error (HTTP 401, 402, 404: a bad
key, no credit, a wrong model name); its remaining items are never sent.
Every output says so, with the reason, since a run whose records simply
end looks like a short run, not a broken one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.records import MANIFEST_FILE

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


def read_manifest_dict(run_dir: Path) -> dict[str, Any]:
    """run.json as a plain dict ({} when absent or not an object): tolerant of older runs."""
    path = Path(run_dir) / MANIFEST_FILE
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def planned_items(manifest: Mapping[str, Any]) -> int | None:
    """Items each target was to run: sum over suites of min(samples, limit) x epochs.

    None for a sharded run (which samples fall in a shard depends on a hash
    the report does not repeat) or a run.json without suites.
    """
    settings = manifest.get("settings") or {}
    suites = manifest.get("suites") or []
    if not isinstance(settings, Mapping) or settings.get("shard") or not suites:
        return None
    limit = settings.get("limit")
    epochs = settings.get("epochs") or 1
    total = 0
    for suite in suites:
        n = int(suite.get("n_samples", 0)) if isinstance(suite, Mapping) else 0
        total += min(n, int(limit)) if limit is not None else n
    return total * int(epochs)


def records_per_target(df: pd.DataFrame | None) -> dict[str, int]:
    """How many records each target has in ``df`` (a load_run frame); {} for None."""
    if df is None or df.empty:
        return {}
    return {str(k): int(v) for k, v in df["target"].astype(str).value_counts().items()}


def stopped_targets(
    manifest: Mapping[str, Any], records_per_target: Mapping[str, int]
) -> list[StoppedTarget]:
    """The run's stopped targets (run.json ``aborted``), in the order run.json lists them."""
    aborted = manifest.get("aborted") or {}
    if not isinstance(aborted, Mapping):
        return []
    planned = planned_items(manifest)
    return [
        StoppedTarget(str(t), str(reason), int(records_per_target.get(str(t), 0)), planned)
        for t, reason in aborted.items()
    ]


__all__ = [
    "StoppedTarget",
    "planned_items",
    "read_manifest_dict",
    "records_per_target",
    "stopped_targets",
]
