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


def _target_order(df: pd.DataFrame, run: str) -> list[str]:
    """``run``'s targets as it ordered them (``load_run``'s ``targets``: the reference first)."""
    per_run = df.attrs.get("run_targets")
    if isinstance(per_run, dict):
        return [str(t) for t in per_run.get(run) or []]
    return [str(t) for t in df.attrs.get("targets") or []]


def _arm_of(df: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(run, target) -> arm, for every pair in ``df``."""
    column = run_column(df)
    arm_of: dict[tuple[str, str], str] = {}
    for run, target, arm in zip(
        df[column].astype(str), df["target"].astype(str), df["arm"].astype(str), strict=True
    ):
        arm_of.setdefault((run, target), arm)
    return arm_of


def arms_in_order(df: pd.DataFrame) -> list[str]:
    """Every arm of ``df``: run by run, each run's targets in its order (the reference first).

    Never the order in which records happened to finish: a target the run
    does not order comes after the others, sorted by name.
    """
    if not len(df):
        return []
    arm_of = _arm_of(df)
    out: list[str] = []
    for run in run_labels(df):
        mine = {t for (r, t) in arm_of if r == run}
        order = [t for t in _target_order(df, run) if t in mine]
        out += [arm_of[(run, t)] for t in [*order, *sorted(mine - set(order))]]
    return list(dict.fromkeys(out))


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


def _reference(df: pd.DataFrame, reference: str, arms: list[str], runs: list[str]) -> str:
    """The arm or run that ``reference`` names; InputError listing the choices otherwise."""
    if reference in arms or reference in runs:
        return reference
    targets = {t: a for (_, t), a in _arm_of(df).items()}
    matching = [a for t, a in targets.items() if t == reference]
    if len(matching) == 1 and len(runs) == 1:
        return matching[0]
    raise InputError(
        f"--reference {reference!r}: no such arm (arms: {', '.join(arms)}; runs: {', '.join(runs)})"
    )


def arm_pairs(df: pd.DataFrame, reference: str | None = None) -> list[tuple[str, str]]:
    """Which arms to compare: (reference, other) pairs, so that every arm but the first is in one.

    One run: its reference target (run.json ``settings.reference``, the first
    ``--target``) against each other one. Several runs (as concat_runs labels
    them): each later run's targets against the first run's, matched as the
    gate matches them (by name, or one to one); a target that matches none is
    compared with each of the first run's targets that ran one of its suites
    (with none, it is in no pair). A run without records takes no part; the
    first run with records is the reference.

    ``reference`` overrides that choice: an arm (every other arm is compared
    with it), a run label (that run becomes the reference run), or in a
    one-run comparison a target name. InputError when it names none of them.
    """
    if df.empty:
        return []
    arms = arms_in_order(df)
    column = run_column(df)
    runs = [r for r in run_labels(df) if r in set(df[column].astype(str))]
    if reference is not None:
        ref = _reference(df, reference, arms, runs)
        if ref in arms:
            return [(ref, other) for other in arms if other != ref]
        runs = [ref, *(r for r in runs if r != ref)]
    arm_of = _arm_of(df)
    suites_of: dict[tuple[str, str], set[str]] = {}
    for run, target, suite in zip(
        df[column].astype(str), df["target"].astype(str), df["suite"].astype(str), strict=True
    ):
        suites_of.setdefault((run, target), set()).add(suite)
    # Each run's targets in the order of arms_in_order: the run's reference first.
    target_of = {a: (r, t) for (r, t), a in arm_of.items()}
    targets = {run: [target_of[a][1] for a in arms if target_of[a][0] == run] for run in runs}
    first = runs[0]
    if len(runs) == 1:
        ordered = [arm_of[(first, t)] for t in targets[first]]
        return [(ordered[0], other) for other in ordered[1:]]
    ref_run = first
    pairs: list[tuple[str, str]] = []
    for run in runs[1:]:
        matched, _ = match_targets(targets[run], targets[ref_run])
        pairs += [(arm_of[(ref_run, bt)], arm_of[(run, ct)]) for bt, ct in matched]
        done = {ct for _, ct in matched}
        for target in targets[run]:
            if target in done:
                continue
            pairs += [
                (arm_of[(ref_run, bt)], arm_of[(run, target)])
                for bt in targets[ref_run]
                if suites_of[(ref_run, bt)] & suites_of[(run, target)]
            ]
    return pairs


__all__ = ["arm_pairs", "arms_in_order", "require_comparable", "run_column", "run_labels"]
