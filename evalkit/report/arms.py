"""Which arms a comparison sets against which, and the check that there are two to compare."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.errors import InputError
from evalkit.report.gate import match_targets

if TYPE_CHECKING:
    import pandas as pd


def run_column(df: pd.DataFrame) -> str:
    """The column naming each record's run: concat_runs' ``run_label``, else ``run_id``."""
    return "run_label" if "run_label" in df.columns else "run_id"


def run_labels(df: pd.DataFrame) -> list[str]:
    """The runs of ``df`` in order, those without a record included (concat_runs keeps them)."""
    labels = [str(x) for x in df.attrs.get("runs") or []]
    seen = [str(r) for r in dict.fromkeys(df[run_column(df)].astype(str))] if len(df) else []
    return labels + [r for r in seen if r not in labels]


def arms_in_order(df: pd.DataFrame) -> list[str]:
    """Every arm of ``df``, in order of first appearance."""
    return [str(a) for a in dict.fromkeys(df["arm"].astype(str))] if len(df) else []


def require_comparable(df: pd.DataFrame, what: str | None = None) -> None:
    """Raise InputError unless ``df`` holds two arms or comes from two runs.

    ``what`` names the input in the message (default: the run's label).
    """
    arms = arms_in_order(df)
    runs = run_labels(df)
    if len(arms) >= 2 or len(runs) >= 2:
        return
    name = what or (runs[0] if runs else str(df.attrs.get("run_id") or "the run"))
    has = f"one: {arms[0]}" if arms else "no records"
    raise InputError(f"compare needs at least two targets or runs; {name} has {has}")


def arm_pairs(df: pd.DataFrame) -> list[tuple[str, str]]:
    """Which arms to compare: (reference, other) pairs, so that every arm but the first is in one.

    One run: its first target against each other one. Several runs (as
    concat_runs labels them): each later run's targets against the first
    run's, matched as the gate matches them (by name, or one to one); a
    target that matches none is compared with each of the first run's
    targets that ran one of its suites (with none, it is in no pair). A run
    without records takes no part; the first run with records is the reference.
    """
    if df.empty:
        return []
    column = run_column(df)
    runs = [r for r in run_labels(df) if r in set(df[column].astype(str))]
    arm_of: dict[tuple[str, str], str] = {}
    suites_of: dict[tuple[str, str], set[str]] = {}
    for run, target, arm, suite in zip(
        df[column].astype(str),
        df["target"].astype(str),
        df["arm"].astype(str),
        df["suite"].astype(str),
        strict=True,
    ):
        arm_of.setdefault((run, target), arm)
        suites_of.setdefault((run, target), set()).add(suite)
    targets = {run: [t for (r, t) in arm_of if r == run] for run in runs}
    first = runs[0]
    if len(runs) == 1:
        arms = [arm_of[(first, t)] for t in targets[first]]
        return [(arms[0], other) for other in arms[1:]]
    ref = first
    pairs: list[tuple[str, str]] = []
    for run in runs[1:]:
        matched, _ = match_targets(targets[run], targets[ref])
        pairs += [(arm_of[(ref, bt)], arm_of[(run, ct)]) for bt, ct in matched]
        done = {ct for _, ct in matched}
        for target in targets[run]:
            if target in done:
                continue
            pairs += [
                (arm_of[(ref, bt)], arm_of[(run, target)])
                for bt in targets[ref]
                if suites_of[(ref, bt)] & suites_of[(run, target)]
            ]
    return pairs


__all__ = ["arm_pairs", "arms_in_order", "require_comparable", "run_column", "run_labels"]
