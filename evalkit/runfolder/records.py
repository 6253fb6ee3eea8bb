"""records.jsonl: one final record per item, appended and flushed as each finishes.

A record is appended through one file handle kept open for the whole run
(never reopened per record), in one unbuffered write. A run killed mid-write
leaves at most one torn last line; ``RecordWriter.open`` cuts it off so that
resume redoes that item and the file stays one JSON object per line. A write
the disk refuses is cut off at once (``StorageError``). Whole-file rewrites (re-grading,
dropping errors, merging shards) go through a temporary file, so a failure
halfway leaves the old records intact.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from evalkit.errors import EvalkitWarning, StorageError
from evalkit.runfolder.jsonl import (
    iter_object_chunks,
    model_line,
    read_models,
    read_objects,
    write_lines_atomic,
)
from evalkit.runfolder.layout import records_path
from evalkit.runfolder.models import Key, Record

T = TypeVar("T")


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
    """Appends records to records.jsonl, each in one write; one handle per run.

    A write that fails (disk full, quota, file size limit) is cut off again,
    so the file keeps whole lines only, and raises ``StorageError``: the
    records already written stay, and a resume redoes the rest.
    """

    def __init__(self, run_dir: Path) -> None:
        self.path = records_path(run_dir)
        self._fh: IO[bytes] | None = None
        self._size = 0  # bytes of whole records: where a failed write is cut back to
        self._failed = False

    def open(self) -> RecordWriter:
        """Open for appending, first cutting a torn last line left by a kill."""
        try:
            if self.path.exists():
                keep = _good_prefix_length(self.path)
                if keep < self.path.stat().st_size:
                    with self.path.open("r+b") as fh:
                        fh.truncate(keep)
            # Unbuffered: a record reaches the file in one write, or is cut off.
            self._fh = self.path.open("ab", buffering=0)
            self._size = self._fh.seek(0, os.SEEK_END)
        except OSError as exc:
            raise StorageError(f"cannot open {self.path}: {exc.strerror or exc}") from None
        return self

    def write(self, record: Record) -> None:
        """Append ``record``: another reader sees it at once. ``StorageError`` if it can't."""
        assert self._fh is not None, "RecordWriter.open() first"
        data = model_line(record).encode("utf-8")
        try:
            view = memoryview(data)
            while view:  # a write near a size limit can be short: the rest goes next
                view = view[self._fh.write(view) or 0 :]
        except OSError as exc:
            self._failed = True
            with contextlib.suppress(OSError):
                # Truncating frees space, so it works on a full disk too.
                os.ftruncate(self._fh.fileno(), self._size)
            raise StorageError(
                f"could not append a record to {self.path}: {exc.strerror or exc}"
            ) from None
        self._size += len(data)

    def close(self) -> None:
        """Flush to disk and close (``StorageError`` if the disk refuses)."""
        if self._fh is None:
            return
        fh, self._fh = self._fh, None
        try:
            if not self._failed:
                os.fsync(fh.fileno())
        except OSError as exc:
            raise StorageError(f"could not flush {self.path}: {exc.strerror or exc}") from None
        finally:
            fh.close()

    def __enter__(self) -> RecordWriter:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unique(items: list[T], key: Callable[[T], Hashable], path: Path) -> list[T]:
    """``items`` with each key's first record only; a warning says how many were dropped.

    evalkit writes one record per key, under a lock; duplicates mean two
    writers without one (an evalkit before the lock, or files joined by hand),
    and counting them twice would double every total.
    """
    seen: set[Hashable] = set()
    keys = [key(item) for item in items]
    if len(set(keys)) == len(keys):
        return items
    out = []
    for item, k in zip(items, keys, strict=True):
        if k not in seen:
            seen.add(k)
            out.append(item)
    _warn_duplicates(path, len(items) - len(out))
    return out


def _warn_duplicates(path: Path, n: int) -> None:
    warnings.warn(
        f"{path}: {n} duplicate record(s) ignored (same target, suite, "
        "sample and epoch as an earlier line); each item is counted once",
        EvalkitWarning,
        stacklevel=4,
    )


def _dict_key_parts(d: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    return (d.get("target"), d.get("suite"), d.get("sample_id"), d.get("epoch", 0))


def _dict_key(d: dict[str, Any]) -> Hashable:
    return _dict_key_parts(d)


def read_record_dicts(run_dir: Path) -> list[dict[str, Any]]:
    """Every record of a run as a plain dict, fast (for bulk reads: the DataFrame loader).

    A torn last line is skipped; a bad line elsewhere is a RunFolderError
    naming ``file:line``; lone surrogates become "?"; a repeated key is
    counted once (a ``EvalkitWarning`` says so). No file: [].
    """
    path = records_path(run_dir)
    return _unique(read_objects(path, "record"), _dict_key, path)


def iter_record_chunks(run_dir: Path, size: int = 1000) -> Iterator[list[dict[str, Any]]]:
    """The records of a run as plain dicts, ``size`` at a time: a bulk read in bounded memory.

    The rules of ``read_record_dicts``, which holds the same records at once.
    """
    path = records_path(run_dir)
    seen: set[str] = set()  # keys as compact strings: a 100,000-record run holds 100,000
    dropped = 0
    for chunk in iter_object_chunks(path, "record", size):
        kept = []
        for d in chunk:
            key = "\x1f".join(map(str, _dict_key_parts(d)))
            if key in seen:
                dropped += 1
                continue
            seen.add(key)
            kept.append(d)
        if kept:
            yield kept
    if dropped:
        _warn_duplicates(path, dropped)


def read_records(run_dir: Path) -> list[Record]:
    """Every record of a run, validated, each key once (as ``read_record_dicts``).

    RunFolderError names the line and field at fault.
    """
    path = records_path(run_dir)
    return _unique(read_models(path, Record, "record"), _record_key, path)


def _record_key(record: Record) -> Key:
    return record.key


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
