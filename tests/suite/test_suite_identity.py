"""What identifies a suite in a run: a name that can be a file name, a hash over all its inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.errors import SuiteError
from evalkit.suite import load_suite


def vision_suite(folder: Path, name: str | None = None) -> Path:
    (folder / "images").mkdir(parents=True, exist_ok=True)
    (folder / "images" / "a.png").write_bytes(b"\x89PNG one")
    part = {"type": "image_url", "image_url": {"url": "images/a.png"}}
    line = {"id": "a", "messages": [{"role": "user", "content": [part]}], "expected": "x"}
    (folder / "s.jsonl").write_text(json.dumps(line) + "\n")
    named = f'name = "{name}"\n' if name is not None else ""
    (folder / "manifest.toml").write_text(
        f'{named}samples = "s.jsonl"\n[defaults]\ngrader = "exact"\n'
    )
    return folder


def test_an_edited_image_changes_the_suite_hash(tmp_path: Path) -> None:
    folder = vision_suite(tmp_path / "v")
    first = load_suite(folder).sha256
    assert load_suite(folder).sha256 == first  # nothing changed
    (folder / "images" / "a.png").write_bytes(b"\x89PNG two")
    assert load_suite(folder).sha256 != first


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../../x/records", "must be a plain file name"),
        ("a\\\\b", "must be a plain file name"),
        (".hidden", "no leading '.'"),
        ("bell\\u0007", "has control characters"),
        ("n" * 201, "is longer than a file name can be"),
    ],
)
def test_a_suite_name_must_be_a_file_name(tmp_path: Path, name: str, reason: str) -> None:
    folder = vision_suite(tmp_path / "v", name)
    with pytest.raises(SuiteError) as err:
        load_suite(folder)
    (problem,) = err.value.problems
    assert (problem.file, problem.field) == (str(folder / "manifest.toml"), "name")
    assert reason in problem.message


def test_a_folder_given_as_dot_is_named_after_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(vision_suite(tmp_path / "pictures"))
    assert load_suite(".").name == "pictures"


def test_the_hash_is_the_whole_suites_whatever_a_run_covers(tmp_path: Path) -> None:
    # Shards of one suite must agree on its hash (merge checks it), so every
    # line's image counts, covered or not.
    from evalkit.runner.plan import selection
    from evalkit.suite import load_suites

    folder = vision_suite(tmp_path / "v")
    (folder / "images" / "b.png").write_bytes(b"\x89PNG bee")
    part = {"type": "image_url", "image_url": {"url": "images/b.png"}}
    line = {"id": "b", "messages": [{"role": "user", "content": [part]}], "expected": "y"}
    with (folder / "s.jsonl").open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    whole = load_suite(folder).sha256
    firsts = [load_suites([folder], select=selection(None, (k, 2)))[0] for k in (1, 2)]
    assert {s.sha256 for s in firsts} == {whole}
    (folder / "images" / "b.png").write_bytes(b"\x89PNG changed")
    assert load_suites([folder], select=selection(1, None))[0].sha256 != whole
