"""What a load covers: every line's JSON and id always, full checks for the samples a run sends.

Also the request fields a sample's (or a manifest's) ``params`` may not set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.config import Config
from evalkit.errors import SuiteError
from evalkit.runner.grading import load_checked
from evalkit.runner.plan import in_shard, selection
from evalkit.suite import load_suite, load_suites


def _ok(i: int) -> dict[str, Any]:
    return {"id": f"s{i}", "prompt": f"q{i}", "expected": "a", "grader": {"type": "exact"}}


def _write(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


def _problems(paths: list[Path], **kwargs: Any) -> list[str]:
    with pytest.raises(SuiteError) as info:
        load_suites(paths, **kwargs)
    return [f"{p.line}: [{p.field}] {p.message}" for p in info.value.problems]


ROBOT = {"id": "robot", "messages": [{"role": "robot", "content": "x"}], "grader": "exact"}


def test_a_run_validates_in_full_only_the_samples_it_covers(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl", [_ok(0), _ok(1), ROBOT, _ok(3)])
    [suite] = load_suites([path], select=selection(2, None))
    assert [s.id for s in suite.samples] == ["s0", "s1"]
    assert suite.size == 4 and suite.lines == {"s0": 1, "s1": 2}
    # Covered by a larger limit (or by no limit at all), the same line is an error.
    assert _problems([path], select=selection(3, None)) == [
        "3: [None] messages[0].role: 'robot' is not one of "
        "['assistant', 'developer', 'system', 'tool', 'user']"
    ]
    assert len(_problems([path])) == 1


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{oops", "4: [None] invalid JSON"),
        ('"a string"', "4: [None] a sample must be a JSON object"),
        (_ok(0), "4: [id] duplicate id 's0' (first at line 1)"),
    ],
)
def test_every_line_is_parsed_and_its_id_checked_whatever_the_selection(
    tmp_path: Path, line: Any, problem: str
) -> None:
    path = _write(tmp_path / "s.jsonl", [_ok(0), _ok(1), _ok(2), line])
    [found] = _problems([path], select=selection(1, None))
    assert found.startswith(problem)


def test_a_line_without_a_valid_id_is_checked_in_full_since_no_shard_can_skip_it(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path / "s.jsonl", [_ok(0), {"prompt": "no id", "grader": "exact"}])
    assert _problems([path], select=selection(None, (1, 2))) == ["2: [id] Field required"]


def test_a_shard_covers_the_samples_its_ids_hash_to(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl", [_ok(i) for i in range(40)])
    parts = [load_suites([path], select=selection(None, (k, 3)))[0] for k in (1, 2, 3)]
    for k, part in enumerate(parts, start=1):
        assert all(in_shard("s", s.id, (k, 3)) for s in part.samples)
        assert part.size == 40
    assert sorted(s.id for p in parts for s in p.samples) == sorted(f"s{i}" for i in range(40))


def test_the_suite_hash_covers_every_line_whatever_the_selection(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl", [_ok(i) for i in range(5)])
    before = load_suites([path], select=selection(1, None))[0].sha256
    _write(path, [*[_ok(i) for i in range(4)], {**_ok(4), "expected": "b"}])
    assert load_suites([path], select=selection(1, None))[0].sha256 != before


def test_suites_validate_checks_every_sample(tmp_path: Path) -> None:
    # load_checked without a selection is what `evalkit suites validate` does.
    path = _write(tmp_path / "s.jsonl", [_ok(0), *[_ok(i) for i in range(1, 5)], ROBOT])
    with pytest.raises(SuiteError, match="robot"):
        load_checked(Config(), [str(path)], None)


def test_lines_repeating_a_grader_share_its_spec_and_its_built_grader(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl", [_ok(i) for i in range(3)])
    [suite], graders = load_checked(Config(), [str(path)], None)
    a, b, c = (s.grader[0] for s in suite.samples)
    assert a is b is c
    assert graders.for_sample(suite.samples[0])[0] is graders.for_sample(suite.samples[2])[0]


@pytest.mark.parametrize("key", ["model", "messages", "stream"])
def test_params_may_not_set_a_reserved_request_field(tmp_path: Path, key: str) -> None:
    line = {**_ok(1), "params": {"temperature": 0, key: "x"}}
    path = _write(tmp_path / "s.jsonl", [_ok(0), line])
    [problem] = _problems([path])
    assert problem.startswith(f"2: [params.{key}] reserved: ")


def test_stream_options_may_be_set_the_client_keeps_usage_on(tmp_path: Path) -> None:
    line = {**_ok(0), "params": {"stream_options": {"continuous_usage_stats": True}}}
    sample = load_suite(_write(tmp_path / "s.jsonl", [line])).samples[0]
    assert sample.params == {"stream_options": {"continuous_usage_stats": True}}


@pytest.mark.parametrize(
    ("defaults", "problem"),
    [
        ('params = { model = "other" }', "[defaults.params.model] reserved: "),
        ("params = { temperature = nan }", "[defaults.params] nan is not a finite number"),
        ("params = { top_p = [1.0, inf] }", "[defaults.params] inf is not a finite number"),
    ],
)
def test_a_manifest_is_held_to_the_same_rules(tmp_path: Path, defaults: str, problem: str) -> None:
    _write(tmp_path / "s.jsonl", [_ok(0)])
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(f'samples = "s.jsonl"\n[defaults]\n{defaults}\n')
    with pytest.raises(SuiteError) as info:
        load_suite(tmp_path)
    [found] = info.value.problems
    assert str(found).startswith(f"{manifest}: {problem}")
