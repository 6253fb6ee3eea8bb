"""records.jsonl: one final record per item, appended and flushed as each finishes.

A record is appended through one file handle kept open for the whole run
(never reopened per record). A run killed mid-write leaves at most one torn
last line; ``RecordWriter.open`` cuts it off so that resume redoes that item
and the file stays one JSON object per line. Whole-file rewrites (re-grading,
dropping errors, merging shards) go through a temporary file, so a failure
halfway leaves the old records intact.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from evalkit.runfolder.jsonl import (
    iter_object_chunks,
    model_line,
    read_models,
    read_objects,
    write_lines_atomic,
)
from evalkit.runfolder.layout import records_path
from evalkit.runfolder.models import Key, Record


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
        self.path = records_path(run_dir)
        self._fh: IO[str] | None = None

    def open(self) -> RecordWriter:
        """Open for appending, first cutting a torn last line left by a kill."""
        if self.path.exists():
            keep = _good_prefix_length(self.path)
            if keep < self.path.stat().st_size:
                with self.path.open("r+b") as fh:
                    fh.truncate(keep)
        self._fh = self.path.open("a", encoding="utf-8")
        return self

    def write(self, record: Record) -> None:
        """Append ``record`` and flush it: another reader sees it at once."""
        assert self._fh is not None, "RecordWriter.open() first"
        self._fh.write(model_line(record))
        self._fh.flush()

    def close(self) -> None:
        """Flush to disk and close."""
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None

    def __enter__(self) -> RecordWriter:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_record_dicts(run_dir: Path) -> list[dict[str, Any]]:
    """Every record of a run as a plain dict, fast (for bulk reads: the DataFrame loader).

    A torn last line is skipped; a bad line elsewhere is a RunFolderError
    naming ``file:line``; lone surrogates become "?". No file: [].
    """
    return read_objects(records_path(run_dir), "record")


def iter_record_chunks(run_dir: Path, size: int = 1000) -> Iterator[list[dict[str, Any]]]:
    """The records of a run as plain dicts, ``size`` at a time: a bulk read in bounded memory.

    The rules of ``read_record_dicts``, which is these chunks joined.
    """
    return iter_object_chunks(records_path(run_dir), "record", size)


def read_records(run_dir: Path) -> list[Record]:
    """Every record of a run, validated; RunFolderError names the line and field at fault."""
    return read_models(records_path(run_dir), Record, "record")


def rewrite_records(run_dir: Path, records: Iterable[Record]) -> int:
    """Replace records.jsonl by ``records``, atomically; returns how many were written.

    ``records`` may be a generator: if it raises, the old file stays as it was.
    """
    return write_lines_atomic(records_path(run_dir), (model_line(r) for r in records))


def done_keys(run_dir: Path, *, include_errors: bool = True) -> set[Key]:
    """Keys that already have a final record (what resume skips)."""
    return {r.key for r in read_records(run_dir) if include_errors or r.status == "ok"}


def drop_error_records(run_dir: Path) -> int:
    """Rewrite records.jsonl without its error records (for --retry-errors); returns how many."""
    records = read_records(run_dir)
    kept = [r for r in records if r.status != "error"]
    rewrite_records(run_dir, kept)
    return len(records) - len(kept)


__all__ = [
    "RecordWriter",
    "done_keys",
    "drop_error_records",
    "iter_record_chunks",
    "read_record_dicts",
    "read_records",
    "rewrite_records",
]
