"""samples/: the snapshot written at the start, read back typed or as plain dicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.errors import ConfigError, RunFolderError
from evalkit.runfolder import (
    SAMPLES_DIR,
    read_sample_dicts,
    read_samples,
    snapshot_suites,
    write_snapshot,
)
from evalkit.suite.schema import Sample


def samples(suite: str, n: int) -> list[Sample]:
    return [
        Sample(id=f"{suite}-{i}", prompt=f"q{i}", expected=str(i), metadata={"depth": i * 10.0})
        for i in range(n)
    ]


def test_the_snapshot_reads_back_as_written(tmp_path: Path) -> None:
    write_snapshot(tmp_path, {"chat": samples("chat", 3), "needle": samples("needle", 2)})
    assert snapshot_suites(tmp_path) == ["chat", "needle"]
    typed = read_samples(tmp_path)
    assert list(typed) == [("chat", "chat-0"), ("chat", "chat-1"), ("chat", "chat-2"),
                           ("needle", "needle-0"), ("needle", "needle-1")]  # fmt: skip
    assert typed[("needle", "needle-1")] == samples("needle", 2)[1]
    dicts = read_sample_dicts(tmp_path, "needle")
    assert [d["metadata"]["depth"] for d in dicts] == [0.0, 10.0]
    assert read_sample_dicts(tmp_path, "absent") == []


def test_a_run_without_a_snapshot(tmp_path: Path) -> None:
    assert snapshot_suites(tmp_path) == []
    with pytest.raises(ConfigError, match=f"has no {SAMPLES_DIR}/ snapshot"):
        read_samples(tmp_path)


def test_a_bad_sample_line_names_file_line_and_field(tmp_path: Path) -> None:
    write_snapshot(tmp_path, {"chat": samples("chat", 3)})
    path = tmp_path / SAMPLES_DIR / "chat.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], "{oops", lines[2]]) + "\n")
    with pytest.raises(RunFolderError, match=r"chat.jsonl:2: not a JSON sample"):
        read_sample_dicts(tmp_path, "chat")
    path.write_text("\n".join([lines[0], '{"id": "x", "messages": "hi"}', lines[2]]) + "\n")
    with pytest.raises(RunFolderError, match=r"chat.jsonl:2: \[messages\]"):
        read_samples(tmp_path)
