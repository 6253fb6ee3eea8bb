"""Join the shards of one run (``evalkit run --shard i/n``) into a single run folder.

A CI matrix runs each shard as its own job; merging gives one run folder
that loads, reports and gates like an unsharded run. The shards must come
from the same job: same suites (by sha256), same targets, distinct shard
indices of the same n. Records are concatenated (a key found in two shards
is an error, not a silent pick); samples/ files are joined; run.json keeps
the first shard's settings minus ``shard`` and notes what it was merged from.
Reports are not written here: the caller renders them afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from evalkit.errors import InputError
from evalkit.records import (
    MANIFEST_FILE,
    RECORDS_FILE,
    RunManifest,
    iter_record_dicts,
    read_manifest,
    write_manifest,
)
from evalkit.runner.setup import SAMPLES_DIR

# A merged run is only as finished as its least finished shard.
_STATUS_RANK = {"finished": 0, "running": 1, "interrupted": 2, "aborted": 3}


def _parse_shard(value: Any, where: Path) -> tuple[int, int]:
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
        if not (d / MANIFEST_FILE).exists():
            raise InputError(f"{d}: not a run folder (no {MANIFEST_FILE})")
        out.append(read_manifest(d))
    return out


def _check_compatible(run_dirs: list[Path], manifests: list[RunManifest]) -> list[str]:
    """Raise InputError unless the runs are shards of one job; returns their shard labels."""
    first_dir, first = run_dirs[0], manifests[0]
    suites = sorted((s.name, s.sha256) for s in first.suites)
    targets = sorted((str(t.get("name")), str(t.get("model"))) for t in first.targets)
    seen: dict[tuple[int, int], Path] = {}
    total: int | None = None
    for d, m in zip(run_dirs, manifests, strict=True):
        if m.settings.get("shard") is None:
            raise InputError(f"{d}: not a shard run (run.json settings.shard is not set)")
        i, n = _parse_shard(m.settings["shard"], d)
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
            if m.settings.get(key) != first.settings.get(key):
                raise InputError(
                    f"{d}: {key} = {m.settings.get(key)!r} but {first_dir} has "
                    f"{first.settings.get(key)!r}; shards must run the same {key}"
                )
        these_t = sorted((str(t.get("name")), str(t.get("model"))) for t in m.targets)
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
    origin: dict[tuple[str, str, str, int], Path] = {}
    tmp = out_dir / (RECORDS_FILE + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for d in run_dirs:
            for rec in iter_record_dicts(d):
                key = (rec["target"], rec["suite"], rec["sample_id"], int(rec.get("epoch", 0)))
                if key in origin:
                    raise InputError(
                        f"record {key} is in two shards: {origin[key]} and {d}; "
                        "shards must not overlap"
                    )
                origin[key] = d
                rec["run_id"] = run_id
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    os.replace(tmp, out_dir / RECORDS_FILE)
    return len(origin)


def _merge_samples(run_dirs: list[Path], out_dir: Path) -> None:
    """Join samples/<suite>.jsonl across shards: identical files copied once, else unioned by id."""
    target = out_dir / SAMPLES_DIR
    target.mkdir(exist_ok=True)
    names = sorted({p.name for d in run_dirs for p in (d / SAMPLES_DIR).glob("*.jsonl")})
    for name in names:
        sources = [d / SAMPLES_DIR / name for d in run_dirs if (d / SAMPLES_DIR / name).exists()]
        contents = [p.read_bytes() for p in sources]
        if all(c == contents[0] for c in contents):
            shutil.copyfile(sources[0], target / name)
            continue
        seen: set[str] = set()
        with (target / name).open("wb") as fh:
            for data in contents:
                for line in data.splitlines(keepends=True):
                    if not line.strip():
                        continue
                    sample_id = str(json.loads(line).get("id"))
                    if sample_id not in seen:
                        seen.add(sample_id)
                        fh.write(line if line.endswith(b"\n") else line + b"\n")


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
            "settings": {k: v for k, v in first.settings.items() if k != "shard"},
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
