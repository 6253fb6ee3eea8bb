"""records.jsonl: append + flush, torn tails cut on reopen, run.json atomic."""

from __future__ import annotations

from pathlib import Path

from evalkit.records import (
    RECORDS_FILE,
    Record,
    RecordWriter,
    done_keys,
    drop_error_records,
    iter_record_dicts,
    read_records,
)


def rec(i: int, status: str = "ok") -> Record:
    return Record(
        run_id="r",
        target="t",
        model="m",
        suite="s",
        sample_id=f"id{i}",
        status=status,  # type: ignore[arg-type]
        started_at="2026-01-01T00:00:00Z",
    )


def test_each_record_is_on_disk_as_soon_as_it_is_written(tmp_path: Path) -> None:
    with RecordWriter(tmp_path) as w:
        w.write(rec(1))
        # Another reader sees it before the writer closes: it was flushed.
        assert [d["sample_id"] for d in iter_record_dicts(tmp_path)] == ["id1"]


def test_torn_last_line_is_skipped_and_cut_before_appending(tmp_path: Path) -> None:
    with RecordWriter(tmp_path) as w:
        w.write(rec(1))
        w.write(rec(2))
    path = tmp_path / RECORDS_FILE
    path.write_bytes(path.read_bytes() + b'{"run_id": "r", "targ')
    assert len(list(iter_record_dicts(tmp_path))) == 2
    with RecordWriter(tmp_path) as w:
        w.write(rec(3))
    assert [r.sample_id for r in read_records(tmp_path)] == ["id1", "id2", "id3"]


def test_a_complete_but_unparseable_last_line_is_cut_too(tmp_path: Path) -> None:
    with RecordWriter(tmp_path) as w:
        w.write(rec(1))
    path = tmp_path / RECORDS_FILE
    path.write_bytes(path.read_bytes() + b'{"run_id": \n')
    with RecordWriter(tmp_path) as w:
        w.write(rec(2))
    assert [r.sample_id for r in read_records(tmp_path)] == ["id1", "id2"]


def test_done_keys_and_dropping_errors(tmp_path: Path) -> None:
    with RecordWriter(tmp_path) as w:
        w.write(rec(1))
        w.write(rec(2, "error"))
    assert done_keys(tmp_path) == {("t", "s", "id1", 0), ("t", "s", "id2", 0)}
    assert done_keys(tmp_path, include_errors=False) == {("t", "s", "id1", 0)}
    assert drop_error_records(tmp_path) == 1
    assert done_keys(tmp_path) == {("t", "s", "id1", 0)}
