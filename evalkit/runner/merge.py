"""Join the shards of one run (``evalkit run --shard i/n``) into a single run folder.

A CI matrix runs each shard as its own job; merging gives one run folder
that loads, reports and gates like an unsharded run. The shards must come
from the same job: same suites (by sha256), same targets, distinct shard
indices of the same n. Records are concatenated (a key found in two shards
is an error, not a silent pick); the sample snapshots are joined (by sample
id, first shard first); run.json keeps the first shard's settings minus
``shard`` and notes what it was merged from.
Reports are not written here: the caller renders them afterwards.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from evalkit.errors import InputError
from evalkit.runfolder import (
    MANIFEST_FILE,
    Key,
    Record,
    RunManifest,
    is_run_dir,
    read_manifest,
    read_records,
    read_samples,
    rewrite_records,
    write_manifest,
    write_snapshot,
)
from evalkit.suite.schema import Sample

# A merged run is only as finished as its least finished shard.
_STATUS_RANK = {"finished": 0, "running": 1, "interrupted": 2, "aborted": 3}


def _parse_shard(value: str, where: Path) -> tuple[int, int]:
    """(i, n) from a shard setting "i/n"; InputError naming the run when it is not one."""
    try:
        i_text, n_text = str(value).split("/")
        i, n = int(i_text), int(n_text)
    except ValueError:
        raise InputError(f"{where}: settings.shard {value!r} is not 'i/n'") from None
    if n < 1:
        raise InputError(f"{where}: settings.shard {value!r} has n < 1")
    return i, n


def _manifests(run_dirs: list[Path]) -> list[RunManifest]:
    out = []
    for d in run_dirs:
        if not is_run_dir(d):
            raise InputError(f"{d}: not a run folder (no {MANIFEST_FILE})")
        out.append(read_manifest(d))
    return out


def _check_compatible(run_dirs: list[Path], manifests: list[RunManifest]) -> list[str]:
    """Raise InputError unless the runs are shards of one job; returns their shard labels."""
    first_dir, first = run_dirs[0], manifests[0]
    suites = sorted((s.name, s.sha256) for s in first.suites)
    targets = sorted((t.name, t.model) for t in first.targets)
    seen: dict[tuple[int, int], Path] = {}
    total: int | None = None
    for d, m in zip(run_dirs, manifests, strict=True):
        if m.settings.shard is None:
            raise InputError(f"{d}: not a shard run (run.json settings.shard is not set)")
        i, n = _parse_shard(m.settings.shard, d)
        if total is not None and n != total:
            raise InputError(f"{d}: shard {i}/{n} does not belong with shards of {total}")
        total = n
        if (i, n) in seen:
            raise InputError(f"{d}: shard {i}/{n} is also {seen[(i, n)]}")
        seen[(i, n)] = d
        these = sorted((s.name, s.sha256) for s in m.suites)
        if these != suites:
            raise InputError(
                f"{d}: its suites differ from {first_dir}'s (names or sha256): "
                f"{[s for s, _ in these]} vs {[s for s, _ in suites]}; "
                "shards must run the same suite files"
            )
        for key in ("epochs", "limit"):
            mine, theirs = getattr(m.settings, key), getattr(first.settings, key)
            if mine != theirs:
                raise InputError(
                    f"{d}: {key} = {mine!r} but {first_dir} has {theirs!r}; "
                    f"shards must run the same {key}"
                )
        these_t = sorted((t.name, t.model) for t in m.targets)
        if these_t != targets:
            raise InputError(
                f"{d}: its targets {these_t} differ from {first_dir}'s {targets}; "
                "shards must run the same targets"
            )
    assert total is not None
    if len(seen) != total:
        have = ", ".join(f"{i}/{n}" for i, n in sorted(seen))
        raise InputError(f"only {len(seen)} of {total} shards given ({have}): merge them all")
    return [f"{i}/{n}" for i, n in sorted(seen)]


def _merge_records(run_dirs: list[Path], out_dir: Path, run_id: str) -> int:
    origin: dict[Key, Path] = {}

    def merged() -> Iterator[Record]:
        for d in run_dirs:
            for rec in read_records(d):
                if rec.key in origin:
                    raise InputError(
                        f"record {rec.key} is in two shards: {origin[rec.key]} and {d}; "
                        "shards must not overlap"
                    )
                origin[rec.key] = d
                yield rec.model_copy(update={"run_id": run_id})

    return rewrite_records(out_dir, merged())


def _merge_samples(run_dirs: list[Path], out_dir: Path) -> None:
    """Join the shards' snapshots: each suite's samples by id, in first-seen order."""
    suites: dict[str, dict[str, Sample]] = {}
    for d in run_dirs:
        for (suite, sample_id), sample in read_samples(d).items():
            suites.setdefault(suite, {}).setdefault(sample_id, sample)
    write_snapshot(out_dir, {suite: by_id.values() for suite, by_id in suites.items()})


def merge_runs(run_dirs: list[Path], out_dir: Path) -> Path:
    """Merge the shard runs ``run_dirs`` into the new run folder ``out_dir``; returns it.

    ``out_dir`` must not exist or be empty; its name becomes the run id.
    InputError (exit code 2) when the runs are not the complete set of shards
    of one job, or when two shards hold the same record key.
    """
    run_dirs = [Path(d) for d in run_dirs]
    out_dir = Path(out_dir)
    if not run_dirs:
        raise InputError("merge needs at least one shard run")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise InputError(f"{out_dir}: already exists and is not empty")
    manifests = _manifests(run_dirs)
    shards = _check_compatible(run_dirs, manifests)
    out_dir.mkdir(parents=True, exist_ok=True)
    run_id = out_dir.name
    try:
        n_records = _merge_records(run_dirs, out_dir, run_id)
        _merge_samples(run_dirs, out_dir)
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    first = manifests[0]
    finished = [m.finished_at for m in manifests]
    status = max((m.status for m in manifests), key=lambda s: _STATUS_RANK.get(s, 3))
    merged = first.model_copy(
        update={
            "run_id": run_id,
            "status": status,
            "created_at": min(m.created_at for m in manifests),
            "finished_at": None if None in finished else max(f for f in finished if f),
            "settings": first.settings.model_copy(update={"shard": None}),
            "notes": [
                *dict.fromkeys(note for m in manifests for note in m.notes),
                f"merged from {len(run_dirs)} shards ({', '.join(shards)}): "
                + ", ".join(str(d) for d in run_dirs)
                + f"; {n_records} records",
            ],
        }
    )
    write_manifest(out_dir, merged)
    return out_dir


__all__ = ["merge_runs"]
