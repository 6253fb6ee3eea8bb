"""Where things are in a run folder, and what a run folder may be called.

    results/<run_id>/
        run.json          how the run was made (``RunManifest``), rewritten atomically
        records.jsonl     one final record per item, appended as each finishes
        samples/<suite>.jsonl
                          the samples as the run saw them (grading and reports read these,
                          never the suite files, which may have changed since)
        run.lock          locked (flock) by the process writing the folder; holds its pid

Every path here stays inside the run folder: a name that comes from input
(a suite's name) must be one plain file name, or ``samples_path`` refuses it.

The report files (report.html, junit.xml, summary.md) also land here; they are
the report's outputs and are named there. Only this package names the files
above: everything else reads and writes them through its functions.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from evalkit.errors import ConfigError, RunFolderError

RECORDS_FILE = "records.jsonl"
MANIFEST_FILE = "run.json"
SAMPLES_DIR = "samples"
LOCK_FILE = "run.lock"
_SNAPSHOT_SUFFIX = ".jsonl"
# A run id is a folder name: no separator, no leading dot (no "..", no hidden folder).
_RUN_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def records_path(run_dir: Path) -> Path:
    """The run's records.jsonl."""
    return Path(run_dir) / RECORDS_FILE


def manifest_path(run_dir: Path) -> Path:
    """The run's run.json."""
    return Path(run_dir) / MANIFEST_FILE


def samples_dir(run_dir: Path) -> Path:
    """The folder of the run's sample snapshot."""
    return Path(run_dir) / SAMPLES_DIR


def lock_path(run_dir: Path) -> Path:
    """The run's lock file."""
    return Path(run_dir) / LOCK_FILE


def samples_path(run_dir: Path, suite: str) -> Path:
    """The snapshot file of one suite; RunFolderError if ``suite`` is not a plain file name.

    A suite's name comes from its manifest, so it is input: "../x" or "/tmp/x"
    would put the file outside the run folder.
    """
    if not suite or suite.startswith(".") or any(c in suite for c in "/\\\0"):
        raise RunFolderError(f"suite name {suite!r} cannot name a file in the run folder")
    return samples_dir(run_dir) / f"{suite}{_SNAPSHOT_SUFFIX}"


def snapshot_suites(run_dir: Path) -> list[str]:
    """Names of the suites the run's snapshot holds, sorted; [] without a snapshot."""
    return sorted(p.stem for p in samples_dir(run_dir).glob(f"*{_SNAPSHOT_SUFFIX}"))


def is_run_dir(path: Path) -> bool:
    """Whether ``path`` is a run folder (it has a run.json)."""
    return manifest_path(path).is_file()


def new_run_id() -> str:
    """A sortable, collision-resistant run id: UTC time plus 4 random hex digits."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def check_run_id(run_id: str) -> str:
    """``run_id`` if it is a plain folder name; ConfigError (naming --run-id) if not."""
    if not _RUN_ID.fullmatch(run_id):
        raise ConfigError(
            f"--run-id: {run_id!r} must be a plain folder name "
            "(letters, digits, '.', '_', '-'; not starting with '.')"
        )
    return run_id


def resolve_run_dir(run: str, out: Path) -> Path:
    """A run given as a folder path or as a run id under ``out``; ConfigError if neither."""
    as_path = Path(run)
    for candidate in (as_path, Path(out) / run):
        if is_run_dir(candidate):
            return candidate
    raise ConfigError(
        f"no run {run!r} (looked for {manifest_path(as_path)} and {manifest_path(Path(out) / run)})"
    )


__all__ = [
    "LOCK_FILE",
    "MANIFEST_FILE",
    "RECORDS_FILE",
    "SAMPLES_DIR",
    "check_run_id",
    "is_run_dir",
    "lock_path",
    "manifest_path",
    "new_run_id",
    "records_path",
    "resolve_run_dir",
    "samples_dir",
    "samples_path",
    "snapshot_suites",
]
