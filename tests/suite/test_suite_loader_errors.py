"""Loader errors: every problem of every suite file, each with file:line and field, at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.errors import Problem, SuiteError
from evalkit.suite import load_suites

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def _line(obj: Any) -> str:
    return obj if isinstance(obj, str) else json.dumps(obj)


def _jsonl(path: Path, *lines: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(_line(x) + "\n" for x in lines), "utf-8")
    return path


def _ok(i: int) -> dict[str, Any]:
    return {"id": f"ok{i}", "prompt": "Hi?", "expected": "hi", "grader": "exact"}


def _image(url: str, sid: str) -> dict[str, Any]:
    content = [
        {"type": "text", "text": "What is it?"},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    return {"id": sid, "messages": [{"role": "user", "content": content}], "grader": "exact"}


@pytest.fixture
def broken(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "vision" / "images").mkdir(parents=True)
    (tmp_path / "vision" / "images" / "dot.png").write_bytes(PNG)
    (tmp_path / "secret.png").write_bytes(PNG)
    files = {
        "syntax": _jsonl(tmp_path / "syntax.jsonl", _ok(1), '{"id": "x", "prompt": ', _ok(2)),
        "missing": _jsonl(tmp_path / "missing.jsonl", _ok(1), {"id": "m", "grader": "exact"}),
        "duplicate": _jsonl(tmp_path / "dup.jsonl", _ok(1), _ok(2), _ok(1)),
        "role": _jsonl(
            tmp_path / "role.jsonl",
            {"id": "r", "messages": [{"role": "robot", "content": "hi"}], "grader": "exact"},
        ),
        "images": _jsonl(
            tmp_path / "vision" / "v.jsonl",
            _image("images/dot.png", "fine"),
            _image("../secret.png", "outside"),
            _image("images/nope.png", "absent"),
        ),
        "empty": _jsonl(tmp_path / "empty.jsonl"),
    }
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(json.dumps(_ok(1)).encode() + b"\n" + '{"id": "é"}'.encode("latin-1"))
    files["latin"] = latin
    return files


def _problems(paths: list[Path]) -> list[Problem]:
    with pytest.raises(SuiteError) as err:
        load_suites(paths)
    text = str(err.value)
    for p in err.value.problems:
        assert str(p) in text
    return err.value.problems


def _of(problems: list[Problem], path: Path) -> list[Problem]:
    return [p for p in problems if p.file == str(path)]


def test_every_problem_is_reported_at_once(broken: dict[str, Path]) -> None:
    problems = _problems(list(broken.values()))
    assert {p.file for p in problems} == {str(p) for p in broken.values()}

    (syntax,) = _of(problems, broken["syntax"])
    assert syntax.line == 2 and "invalid JSON" in syntax.message
    assert str(syntax).startswith(f"{broken['syntax']}:2:")

    missing = _of(problems, broken["missing"])
    assert [p.line for p in missing] == [2]
    assert "messages" in missing[0].message and "prompt" in missing[0].message

    (dup,) = _of(problems, broken["duplicate"])
    assert (dup.line, dup.field) == (3, "id") and "first at line 1" in dup.message

    (role,) = _of(problems, broken["role"])
    assert role.line == 1 and "messages[0].role" in role.message and "robot" in role.message

    outside, absent = _of(problems, broken["images"])
    assert outside.line == 2 and "outside the suite's folder" in outside.message
    assert absent.line == 3 and "not found" in absent.message
    for p in (outside, absent):
        assert p.field == "messages[0].content[1].image_url.url"
        assert "[messages[0].content[1].image_url.url]" in str(p)

    (empty,) = _of(problems, broken["empty"])
    assert "no samples" in empty.message

    (latin,) = _of(problems, broken["latin"])
    assert "UTF-8" in latin.message


def test_field_errors_name_the_field(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "fields.jsonl",
        {**_ok(1), "tags": "not-a-list"},
        {**_ok(2), "colour": "red"},
        {**_ok(3), "grader": {"normalize": True}},
        {"id": "nog", "prompt": "Hi?"},
    )
    problems = _problems([path])
    found = {(p.line, p.field) for p in problems}
    assert (1, "tags") in found
    assert (2, "colour") in found and "unknown field" in str(problems)
    assert (3, "grader") in found
    assert (4, "grader") in found


def test_a_clean_suite_beside_broken_ones_is_not_reported(
    broken: dict[str, Path], tmp_path: Path
) -> None:
    good = _jsonl(tmp_path / "good.jsonl", _ok(1), _ok(2))
    problems = _problems([good, broken["duplicate"]])
    assert {p.file for p in problems} == {str(broken["duplicate"])}
    assert len(load_suites([good])[0].samples) == 2
