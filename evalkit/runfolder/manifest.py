"""run.json: written when a run folder is created, updated on resume and at the end.

Every write is atomic (a temporary file, then a rename), so a kill never
leaves run.json half-written. ``create_run_folder`` makes the whole folder
at once: the folder, the sample snapshot and run.json; ``reopen_run_folder``
is resume's side of it.
"""

from __future__ import annotations

import platform
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from evalkit import __version__
from evalkit.config import TargetConfig
from evalkit.errors import ConfigError, RunFolderError
from evalkit.runfolder.jsonl import invalid, write_lines_atomic
from evalkit.runfolder.layout import check_run_id, manifest_path, new_run_id
from evalkit.runfolder.models import RunManifest, RunSettings, SuiteInfo, TargetInfo, utc_now
from evalkit.runfolder.snapshot import write_snapshot
from evalkit.suite.loader import Suite


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
) -> tuple[Path, RunManifest]:
    """Make ``out``/<run id> with its snapshot and run.json; ConfigError if it exists.

    ``run_id`` must be a plain folder name (a new sortable id when None);
    ``argv`` defaults to this process's arguments.
    """
    run_id = check_run_id(run_id) if run_id is not None else new_run_id()
    run_dir = Path(out) / run_id
    if run_dir.exists():
        raise ConfigError(f"run folder {run_dir} already exists (use --resume {run_id})")
    run_dir.mkdir(parents=True)
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
            SuiteInfo(
                name=s.name, path=s.path, sha256=s.sha256, n_samples=len(s.samples), kind=s.kind
            )
            for s in suites
        ],
    )
    write_snapshot(run_dir, {s.name: s.samples for s in suites})
    write_manifest(run_dir, manifest)
    return run_dir, manifest


def reopen_run_folder(run_dir: Path, suites: Sequence[Suite]) -> RunManifest:
    """Mark a run running again for resume; ConfigError if a suite changed since it started.

    ``suites`` are the run's suites as loaded now; resuming across an edit
    would mix two versions of a suite in one run.
    """
    manifest = read_manifest(run_dir)
    recorded = {s.name: s.sha256 for s in manifest.suites}
    for suite in suites:
        if recorded.get(suite.name) != suite.sha256:
            raise ConfigError(
                f"suite {suite.name!r} ({suite.path}) changed since run {manifest.run_id} started; "
                "results would mix two versions: start a new run instead"
            )
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
