"""The run folder's files: records.jsonl (one final record per item) and run.json.

A record is appended and flushed the moment its item finishes, through one
file handle kept open for the whole run (never reopened per record). A run
killed mid-write leaves at most one torn last line; ``RecordWriter.open``
cuts it off so that resume redoes that item and the file stays one JSON
object per line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evalkit.types import ItlStats, ToolCall

RECORDS_FILE = "records.jsonl"
MANIFEST_FILE = "run.json"
SCHEMA_VERSION = 1

Key = tuple[str, str, str, int]
"""(target, suite, sample_id, epoch): what makes a record unique in a run."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorInfo(_Model):
    """Why an item failed: a stable ``type`` (errors.py ``kind``) and the message."""

    type: str
    message: str


class ScoreRecord(_Model):
    """One grader's verdict on one output."""

    grader: str
    score: float
    passed: bool
    explanation: str = ""
    details: dict[str, Any] | None = None


class Record(_Model):
    """The final outcome of one (target, suite, sample, epoch)."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    target: str
    model: str
    suite: str
    sample_id: str
    epoch: int = 0
    status: Literal["ok", "error"]
    error: ErrorInfo | None = None
    http_status: int | None = None
    attempts: int = 1
    started_at: str
    queue_s: float | None = None
    retry_wait_s: float = 0.0
    ttft_s: float | None = None
    e2e_s: float | None = None
    tpot_s: float | None = None
    itl_s: ItlStats | None = None
    output_tps: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tokens_source: Literal["usage", "estimated"] | None = None
    cost_usd: float | None = None
    output: str | None = None
    tool_calls: list[ToolCall] | None = None
    finish_reason: str | None = None
    scores: list[ScoreRecord] = Field(default_factory=list)
    score: float | None = None
    passed: bool = False
    tags: list[str] = Field(default_factory=list)
    cluster: str | None = None

    @property
    def key(self) -> Key:
        return (self.target, self.suite, self.sample_id, self.epoch)


class SuiteInfo(_Model):
    """A suite as it was when the run started (``sha256`` detects edits on resume)."""

    name: str
    path: str
    sha256: str
    n_samples: int
    kind: str = "chat"


class RunManifest(_Model):
    """run.json: how the run was made. Holds no secret (targets name env vars only)."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    status: Literal["running", "finished", "interrupted", "aborted"] = "running"
    created_at: str
    finished_at: str | None = None
    evalkit_version: str
    python_version: str
    argv: list[str] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)
    targets: list[dict[str, Any]] = Field(default_factory=list)
    suites: list[SuiteInfo] = Field(default_factory=list)
    baseline: str | None = None
    notes: list[str] = Field(default_factory=list)
    aborted: dict[str, str] = Field(default_factory=dict)  # target -> why it was stopped


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string (the format of every timestamp here)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _good_prefix_length(path: Path) -> int:
    """Bytes of ``path`` up to and including its last complete, parseable line."""
    data = path.read_bytes()
    if not data:
        return 0
    end = len(data) if data.endswith(b"\n") else data.rfind(b"\n") + 1
    if end < len(data):
        return end  # torn tail without newline
    # A kill can also land after a partial line that happens to end the buffer
    # cleanly; the last line must parse or it is dropped too.
    start = data.rfind(b"\n", 0, end - 1) + 1
    try:
        json.loads(data[start:end])
    except ValueError:
        return start
    return end


class RecordWriter:
    """Appends records to records.jsonl, flushing each one; one handle per run."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / RECORDS_FILE
        self._fh: IO[str] | None = None

    def open(self) -> RecordWriter:
        if self.path.exists():
            keep = _good_prefix_length(self.path)
            if keep < self.path.stat().st_size:
                with self.path.open("r+b") as fh:
                    fh.truncate(keep)
        self._fh = self.path.open("a", encoding="utf-8")
        return self

    def write(self, record: Record) -> None:
        assert self._fh is not None, "RecordWriter.open() first"
        self._fh.write(record.model_dump_json(exclude_none=False) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None

    def __enter__(self) -> RecordWriter:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_record_dicts(run_dir: Path) -> Iterator[dict[str, Any]]:
    """Every record of a run as a plain dict; a torn last line is skipped."""
    path = Path(run_dir) / RECORDS_FILE
    if not path.exists():
        return
    with path.open("rb") as fh:
        lines = fh.readlines()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except ValueError:
            if i == len(lines) - 1:
                return  # torn by a kill; resume redoes it
            raise ValueError(f"{path}:{i + 1}: not a JSON record") from None


def read_records(run_dir: Path) -> list[Record]:
    """Every record of a run, validated."""
    return [Record.model_validate(d) for d in iter_record_dicts(run_dir)]


def done_keys(run_dir: Path, *, include_errors: bool = True) -> set[Key]:
    """Keys that already have a final record (what resume skips)."""
    keys: set[Key] = set()
    for d in iter_record_dicts(run_dir):
        if include_errors or d.get("status") == "ok":
            keys.add((d["target"], d["suite"], d["sample_id"], int(d.get("epoch", 0))))
    return keys


def drop_error_records(run_dir: Path) -> int:
    """Rewrite records.jsonl without its error records (for --retry-errors); returns how many."""
    path = Path(run_dir) / RECORDS_FILE
    kept, dropped = [], 0
    for d in iter_record_dicts(run_dir):
        if d.get("status") == "error":
            dropped += 1
        else:
            kept.append(json.dumps(d, ensure_ascii=False))
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    os.replace(tmp, path)
    return dropped


def write_manifest(run_dir: Path, manifest: RunManifest) -> None:
    """Write run.json atomically (a kill never leaves it half-written)."""
    tmp = run_dir / (MANIFEST_FILE + ".tmp")
    tmp.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    os.replace(tmp, run_dir / MANIFEST_FILE)


def read_manifest(run_dir: Path) -> RunManifest:
    """run.json of a run folder."""
    return RunManifest.model_validate_json((Path(run_dir) / MANIFEST_FILE).read_text("utf-8"))


__all__ = [
    "MANIFEST_FILE",
    "RECORDS_FILE",
    "ErrorInfo",
    "Key",
    "Record",
    "RecordWriter",
    "RunManifest",
    "ScoreRecord",
    "SuiteInfo",
    "done_keys",
    "drop_error_records",
    "iter_record_dicts",
    "read_manifest",
    "read_records",
    "utc_now",
    "write_manifest",
]
