"""run.json: written when a run folder is created, updated on resume and at the end.

Every write is atomic (a temporary file, then a rename), so a kill never
leaves run.json half-written. ``create_run_folder`` makes the whole folder
at once: the folder, the sample snapshot and run.json, under a temporary
name renamed when complete; ``reopen_run_folder`` is resume's side of it.
"""

from __future__ import annotations

import errno
import platform
import secrets
import shutil
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from evalkit import __version__
from evalkit.config import TargetConfig
from evalkit.errors import ConfigError, RunFolderError, StorageError
from evalkit.runfolder.jsonl import invalid, write_lines_atomic
from evalkit.runfolder.layout import check_run_id, manifest_path, new_run_id, samples_path
from evalkit.runfolder.lock import RunLock
from evalkit.runfolder.models import RunManifest, RunSettings, SuiteInfo, TargetInfo, utc_now
from evalkit.runfolder.snapshot import write_snapshot
from evalkit.suite.loader import Suite

# errnos that say "no room", as opposed to "no such place" or "not allowed"
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def write_manifest(run_dir: Path, manifest: RunManifest) -> None:
    """Write run.json atomically."""
    write_lines_atomic(manifest_path(run_dir), [manifest.model_dump_json(indent=2)])


def read_manifest(run_dir: Path) -> RunManifest:
    """run.json of a run folder: FileNotFoundError if absent, RunFolderError if not valid."""
    path = manifest_path(run_dir)
    try:
        return RunManifest.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        if exc.errors()[0]["type"] == "json_invalid":
            raise RunFolderError(f"{path}: not valid JSON ({exc.errors()[0]['msg']})") from None
        raise invalid(str(path), exc) from None


def read_manifest_if_any(run_dir: Path) -> RunManifest | None:
    """run.json of a run folder, or None when it has none (a bare folder of records)."""
    try:
        return read_manifest(run_dir)
    except FileNotFoundError:
        return None


def create_run_folder(
    out: Path,
    settings: RunSettings,
    targets: Sequence[TargetConfig],
    suites: Sequence[Suite],
    *,
    run_id: str | None = None,
    argv: Sequence[str] | None = None,
    lock: RunLock | None = None,
) -> tuple[Path, RunManifest]:
    """Make ``out``/<run id> with its snapshot and run.json, all at once.

    The folder is made under a temporary name and renamed when complete, so
    a failure or a kill halfway leaves no half-made run behind. ``lock`` is
    acquired on it before anything is written. ``run_id`` must be a plain
    folder name (a new sortable id when None); ``argv`` defaults to this
    process's arguments. ConfigError if the run exists or ``out`` cannot
    hold folders (a file, a read-only place); StorageError if the disk is full.
    """
    run_id = check_run_id(run_id) if run_id is not None else new_run_id()
    out = Path(out)
    run_dir = out / run_id
    if run_dir.exists():
        raise ConfigError(f"run folder {run_dir} already exists (use --resume {run_id})")
    manifest = RunManifest(
        run_id=run_id,
        created_at=utc_now(),
        evalkit_version=__version__,
        python_version=f"{platform.python_implementation()} {platform.python_version()}",
        hostname=socket.gethostname(),
        argv=list(argv if argv is not None else sys.argv[1:]),
        settings=settings,
        targets=[TargetInfo.of(t) for t in targets],
        suites=[
            SuiteInfo(name=s.name, path=s.path, sha256=s.sha256, n_samples=s.size, kind=s.kind)
            for s in suites
        ],
    )
    for s in suites:
        samples_path(run_dir, s.name)  # every file name is checked before anything is made
    try:
        out.mkdir(parents=True, exist_ok=True)
        # Hidden until complete; mkdir (not mkdtemp) so that the umask sets its mode.
        tmp = out / f".{run_id}.{secrets.token_hex(4)}.new"
        tmp.mkdir()
    except OSError as exc:
        if exc.errno in _DISK_FULL:
            raise StorageError(f"cannot create a run folder in {out}: {exc.strerror}") from None
        why = "it is not a folder" if out.exists() and not out.is_dir() else exc.strerror or exc
        raise ConfigError(f"cannot create a run folder in {out} (the out folder): {why}") from None
    try:
        if lock is not None:
            lock.acquire(tmp)
        write_snapshot(tmp, {s.name: s.samples for s in suites})
        write_manifest(tmp, manifest)
        try:
            tmp.rename(run_dir)
        except OSError:
            if run_dir.exists():  # made by another process since the check above
                raise ConfigError(f"run folder {run_dir} already exists") from None
            raise
    except BaseException:
        if lock is not None:
            lock.release()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return run_dir, manifest


def reopen_run_folder(run_dir: Path) -> RunManifest:
    """Mark a run running again for resume (the caller has checked that it may be resumed)."""
    manifest = read_manifest(run_dir)
    manifest = manifest.model_copy(
        update={
            "status": "running",
            "finished_at": None,
            "aborted": {},
            "notes": [*manifest.notes, f"resumed at {utc_now()}"],
        }
    )
    write_manifest(run_dir, manifest)
    return manifest


__all__ = [
    "create_run_folder",
    "read_manifest",
    "read_manifest_if_any",
    "reopen_run_folder",
    "write_manifest",
]
