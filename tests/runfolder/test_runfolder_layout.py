"""Run folder names: run ids, and finding a run by path or by id."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.errors import ConfigError
from evalkit.runfolder import MANIFEST_FILE, is_run_dir, new_run_id, resolve_run_dir
from evalkit.runfolder.layout import check_run_id


def test_new_run_ids_sort_by_time_and_are_plain_folder_names() -> None:
    a, b = new_run_id(), new_run_id()
    assert check_run_id(a) == a and len(a) == len("20260101-000000-abcd")
    assert a[:15] <= b[:15]


@pytest.mark.parametrize("bad", ["", ".hidden", "..", "a/b", "a\\b", "x y"])
def test_a_run_id_must_be_a_plain_folder_name(bad: str) -> None:
    with pytest.raises(ConfigError, match="must be a plain folder name"):
        check_run_id(bad)


def test_a_run_is_found_by_path_or_by_id_under_out(tmp_path: Path) -> None:
    run = tmp_path / "out" / "r1"
    run.mkdir(parents=True)
    assert not is_run_dir(run)
    with pytest.raises(ConfigError, match=rf"no run 'r1' \(looked for r1/{MANIFEST_FILE} and"):
        resolve_run_dir("r1", tmp_path / "out")
    (run / MANIFEST_FILE).write_text("{}")
    assert is_run_dir(run)
    assert resolve_run_dir("r1", tmp_path / "out") == run
    assert resolve_run_dir(str(run), tmp_path / "elsewhere") == run
