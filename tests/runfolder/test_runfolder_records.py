"""records.jsonl: append + flush, torn tails cut on reopen, the fast and typed readers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalkit.errors import EvalkitWarning, RunFolderError
from evalkit.runfolder import (
    RECORDS_FILE,
    Record,
    RecordWriter,
    ScoreRecord,
    done_keys,
    drop_error_records,
    iter_record_chunks,
    read_record_dicts,
    read_records,
    rewrite_records,
)


def rec(i: int, status: str = "ok", **fields: object) -> Record:
    return Record(
        run_id="r",
        target="t",
        model="m",
        suite="s",
        sample_id=f"id{i}",
        status=status,  # type: ignore[arg-type]
        started_at="2026-01-01T00:00:00Z",
        **fields,  # type: ignore[arg-type]
    )


def write(run_dir: Path, *records: Record) -> Path:
    with RecordWriter(run_dir) as w:
        for r in records:
            w.write(r)
    return run_dir / RECORDS_FILE


def test_each_record_is_on_disk_as_soon_as_it_is_written(tmp_path: Path) -> None:
    with RecordWriter(tmp_path) as w:
        w.write(rec(1))
        # Another reader sees it before the writer closes: it was flushed.
        assert [d["sample_id"] for d in read_record_dicts(tmp_path)] == ["id1"]


def test_torn_last_line_is_skipped_and_cut_before_appending(tmp_path: Path) -> None:
    path = write(tmp_path, rec(1), rec(2))
    path.write_bytes(path.read_bytes() + b'{"run_id": "r", "targ')
    assert len(read_record_dicts(tmp_path)) == 2
    assert len(read_records(tmp_path)) == 2
    write(tmp_path, rec(3))
    assert [r.sample_id for r in read_records(tmp_path)] == ["id1", "id2", "id3"]


def test_a_complete_but_unparseable_last_line_is_cut_too(tmp_path: Path) -> None:
    path = write(tmp_path, rec(1))
    path.write_bytes(path.read_bytes() + b'{"run_id": \n')
    write(tmp_path, rec(2))
    assert [r.sample_id for r in read_records(tmp_path)] == ["id1", "id2"]


@pytest.mark.parametrize("bad", [b"{not json", b"[1, 2]", b"17"])
def test_a_bad_line_in_the_middle_names_file_and_line(tmp_path: Path, bad: bytes) -> None:
    path = write(tmp_path, rec(1), rec(2))
    first, second = path.read_bytes().splitlines()
    path.write_bytes(b"\n".join([first, b"", bad, second]) + b"\n")
    with pytest.raises(RunFolderError, match=rf"{RECORDS_FILE}:3: not a JSON record"):
        read_record_dicts(tmp_path)
    with pytest.raises(ValueError, match=rf"{RECORDS_FILE}:3"):  # it is a ValueError too
        read_records(tmp_path)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 100])
def test_chunked_reads_keep_the_rules_across_chunk_boundaries(tmp_path: Path, size: int) -> None:
    path = write(tmp_path, *(rec(i) for i in range(4)))
    good = path.read_bytes()
    path.write_bytes(good + b'{"run_id": "r", "targ')  # torn last line: skipped
    chunks = list(iter_record_chunks(tmp_path, size))
    assert all(0 < len(c) <= size for c in chunks)
    assert [d["sample_id"] for c in chunks for d in c] == [f"id{i}" for i in range(4)]
    lines = good.splitlines()
    path.write_bytes(b"\n".join([*lines[:2], b"{not json", b"", *lines[2:]]) + b"\n")
    with pytest.raises(RunFolderError, match=rf"{RECORDS_FILE}:3: not a JSON record"):
        list(iter_record_chunks(tmp_path, size))


def test_a_record_that_does_not_validate_names_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, rec(1), rec(2))
    lines = path.read_text().splitlines()
    bad = json.loads(lines[1]) | {"epoch": "second"}
    path.write_text(f"{lines[0]}\n\n{json.dumps(bad)}\n")
    assert len(read_record_dicts(tmp_path)) == 2  # the dict path does not validate
    with pytest.raises(RunFolderError, match=rf"{RECORDS_FILE}:3: \[epoch\]"):
        read_records(tmp_path)


def test_no_file_is_no_records(tmp_path: Path) -> None:
    assert read_record_dicts(tmp_path) == [] and read_records(tmp_path) == []


def test_lone_surrogates_are_written_as_valid_utf8_and_read_scrubbed(tmp_path: Path) -> None:
    # A model's output can hold a lone surrogate (json.loads of "\ud800"); UTF-8 cannot.
    path = write(tmp_path, rec(1, output="bad \ud800 pair 🎉"))
    path.read_bytes().decode("utf-8")  # strict: the file is valid UTF-8
    assert read_records(tmp_path)[0].output == "bad ? pair 🎉"
    # Escaped in the file (as json.dumps writes it): both readers scrub it.
    data = json.loads(path.read_text()) | {"output": "x \udfff y"}
    path.write_text(json.dumps(data) + "\n" + json.dumps(data | {"sample_id": "id2"}) + "\n")
    assert [d["output"] for d in read_record_dicts(tmp_path)] == ["x ? y", "x ? y"]
    assert read_records(tmp_path)[1].output == "x ? y"


def test_extra_fields_survive_a_typed_rewrite(tmp_path: Path) -> None:
    path = write(tmp_path, rec(1))
    data = json.loads(path.read_text()) | {"custom": {"kept": [1, 2]}}
    path.write_text(json.dumps(data) + "\n")
    scored = [
        r.with_scores([ScoreRecord(grader="g", score=1.0, passed=True)])
        for r in read_records(tmp_path)
    ]
    assert rewrite_records(tmp_path, scored) == 1
    [again] = read_record_dicts(tmp_path)
    assert again["custom"] == {"kept": [1, 2]}
    assert again["score"] == 1.0 and again["passed"] is True and again["scores"][0]["grader"] == "g"


def test_a_failed_rewrite_leaves_the_old_records(tmp_path: Path) -> None:
    path = write(tmp_path, rec(1), rec(2))
    before = path.read_bytes()

    def failing() -> Iterator[Record]:
        yield rec(3)
        raise RuntimeError("halfway")

    with pytest.raises(RuntimeError):
        rewrite_records(tmp_path, failing())
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [RECORDS_FILE]


def test_done_keys_and_dropping_errors(tmp_path: Path) -> None:
    write(tmp_path, rec(1), rec(2, "error"))
    assert done_keys(tmp_path) == {("t", "s", "id1", 0), ("t", "s", "id2", 0)}
    assert done_keys(tmp_path, include_errors=False) == {("t", "s", "id1", 0)}
    assert drop_error_records(tmp_path) == 1
    assert done_keys(tmp_path) == {("t", "s", "id1", 0)}


def test_duplicate_keys_are_counted_once_and_reported(tmp_path: Path) -> None:
    # Two writers without a lock (an evalkit before it, or files joined by hand).
    write(tmp_path, rec(1), rec(2), rec(1, "error"), rec(2), rec(3))
    with pytest.warns(EvalkitWarning, match=r"2 duplicate record\(s\) ignored"):
        dicts = read_record_dicts(tmp_path)
    assert [(d["sample_id"], d["status"]) for d in dicts] == [
        ("id1", "ok"),
        ("id2", "ok"),
        ("id3", "ok"),
    ]
    with pytest.warns(EvalkitWarning, match=r"2 duplicate record\(s\) ignored"):
        assert [r.sample_id for r in read_records(tmp_path)] == ["id1", "id2", "id3"]
    # Another epoch of the same sample is another item, not a duplicate.
    (tmp_path / "epochs").mkdir()
    write(tmp_path / "epochs", rec(1), rec(1, epoch=1))
    assert len(read_record_dicts(tmp_path / "epochs")) == 2


_FILL_UP = """
import resource, signal, sys
from pathlib import Path
from evalkit.errors import StorageError
from evalkit.runfolder import Record, RecordWriter

def rec(i, output):
    return Record(run_id="r", target="t", model="m", suite="s", sample_id=f"id{i}",
                  status="ok", started_at="2026-01-01T00:00:00Z", output=output)

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the limit is then an error, EFBIG
with RecordWriter(Path(sys.argv[1])) as w:
    for i in range(3):
        w.write(rec(i, "short"))
    size = (Path(sys.argv[1]) / "records.jsonl").stat().st_size
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 500, size + 500))
    try:
        w.write(rec(3, "x" * 5000))  # half of it fits: the file would end torn
    except StorageError as exc:
        print("StorageError:", exc)
    try:
        w.write(rec(4, "y" * 5000))
    except StorageError as exc:
        print("StorageError:", exc)
"""


def test_a_write_the_disk_refuses_is_cut_off_and_raises(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _FILL_UP, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.count("StorageError: could not append a record to") == 2, out
    assert "File too large" in out
    lines = (tmp_path / RECORDS_FILE).read_bytes().split(b"\n")
    assert lines[-1] == b""  # ends with a whole line
    assert [json.loads(line)["sample_id"] for line in lines[:-1]] == ["id0", "id1", "id2"]
