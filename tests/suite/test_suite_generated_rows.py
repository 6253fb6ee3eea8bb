"""Problems in generated samples name the row they came from, not a fake line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.config import Config
from evalkit.errors import SuiteError
from evalkit.runner.grading import load_checked


def test_hf_rows_that_fail_grader_checks_are_named_by_row(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("qid,question,answer\nq1,Two plus two?,4\nq2,Three?,3\n")
    (tmp_path / "manifest.toml").write_text(
        'name = "csvsuite"\n'
        "[generator]\n"
        'type = "hf"\n'
        'path = "data.csv"\n'
        'columns = { id = "qid", prompt = "question", expected = "answer" }\n'
        "[defaults]\n"
        'grader = { type = "regex", pattern = "(" }\n'
    )
    with pytest.raises(SuiteError) as info:
        load_checked(Config(), [str(tmp_path)], None)
    text = str(info.value)
    assert "manifest.toml: row 1 of data.csv: [grader.regex]" in text
    assert "manifest.toml: row 2 of data.csv: [grader.regex]" in text


def test_hf_rows_with_a_bad_expected_are_named_by_row(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("qid,question,answer\nq1,Two plus two?,4\nq2,Three?,three\n")
    (tmp_path / "manifest.toml").write_text(
        'name = "csvsuite"\n'
        "[generator]\n"
        'type = "hf"\n'
        'path = "data.csv"\n'
        'columns = { id = "qid", prompt = "question", expected = "answer" }\n'
        "[defaults]\n"
        'grader = "numeric"\n'
    )
    with pytest.raises(SuiteError) as info:
        load_checked(Config(), [str(tmp_path)], None)
    [problem] = info.value.problems
    assert str(problem) == (
        f"{tmp_path / 'manifest.toml'}: row 2 of data.csv: "
        "[expected] numeric: 'expected' must be a number, not 'three'"
    )
