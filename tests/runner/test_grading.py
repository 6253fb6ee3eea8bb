"""A run's graders: built once per spec, every spec and sample vetted at load, no name known."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.config import Config, parse_config
from evalkit.errors import SuiteError
from evalkit.graders import GradeItem
from evalkit.runner import grading
from evalkit.runner.grading import GraderCache, load_checked
from evalkit.suite.schema import GraderSpec

REPO = Path(__file__).resolve().parents[2]


def _suite(tmp_path: Path, lines: list[dict[str, Any] | str]) -> Path:
    path = tmp_path / "s.jsonl"
    text = (line if isinstance(line, str) else json.dumps(line) for line in lines)
    path.write_text("\n".join(text) + "\n")
    return path


def _problems(config: Config, path: Path) -> list[str]:
    with pytest.raises(SuiteError) as info:
        load_checked(config, [str(path)], None)
    return [str(p) for p in info.value.problems]


def test_bad_expected_values_are_file_line_problems_with_the_others(tmp_path: Path) -> None:
    path = _suite(
        tmp_path,
        [
            {"id": "ok", "prompt": "x", "expected": "a+", "grader": "regex"},
            {"id": "re", "prompt": "x", "expected": "(a", "grader": "regex"},
            {"id": "role", "messages": [{"role": "robot", "content": "x"}], "grader": "exact"},
            {"id": "two", "prompt": "x", "expected": "abc", "grader": ["exact", "numeric"]},
            # A spec that does not build is reported once, as a grader problem.
            {"id": "spec", "prompt": "x", "expected": None, "grader": {"type": "regex", "x": 1}},
        ],
    )
    problems = _problems(Config(), path)
    assert problems.pop(1).startswith(f"{path}:3: messages[0].role: 'robot'")
    assert problems == [
        f"{path}:2: [expected] regex: expected pattern '(a' does not compile: "
        "missing ) at position 2",
        f"{path}:4: [expected] numeric: 'expected' must be a number, not 'abc'",
        f"{path}:5: [grader.regex] grader 'regex': bad options: "
        "unknown option 'x' (known: pattern, flags, fullmatch)",
    ]


def test_the_judge_checks_its_own_target(tmp_path: Path) -> None:
    config = parse_config({"targets": {"judge": {"simulated": True, "model": "j"}}}, "evalkit.toml")
    path = _suite(
        tmp_path,
        [
            {"id": "a", "prompt": "x", "grader": {"type": "llm_judge", "target": "judge"}},
            {"id": "b", "prompt": "x", "grader": {"type": "llm_judge", "target": "sim"}},
            {"id": "c", "prompt": "x", "grader": {"type": "llm_judge", "target": "nope"}},
        ],
    )
    assert _problems(config, path) == [
        f"{path}:3: [grader.llm_judge] grader 'llm_judge': bad options: "
        "option 'target': unknown target 'nope' (configured: judge, local, sim)"
    ]


def test_the_runner_names_no_grader() -> None:
    for module in (REPO / "evalkit" / "runner").glob("*.py"):
        assert "llm_judge" not in module.read_text(encoding="utf-8"), module.name


def test_a_spec_is_built_once_however_many_lines_use_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    real = grading.build

    def counting(spec: GraderSpec, context: Any = None) -> Any:
        built.append(spec.type)
        return real(spec, context)

    monkeypatch.setattr(grading, "build", counting)
    lines: list[dict[str, Any] | str] = [
        {"id": f"q{i}", "prompt": "x", "expected": str(i), "grader": ["exact", "numeric"]}
        for i in range(30)
    ]
    lines.append({"id": "bad", "prompt": "x", "grader": {"type": "numeric", "pick": "middle"}})
    lines.append({"id": "bad2", "prompt": "x", "grader": {"type": "numeric", "pick": "middle"}})
    path = _suite(tmp_path, lines)
    problems = _problems(Config(), path)
    assert len(problems) == 2 and all("[grader.numeric]" in p for p in problems)
    assert sorted(built) == ["exact", "numeric", "numeric"]  # a failure is cached too


async def test_assigned_graders_are_awaited_in_the_samples_order(tmp_path: Path) -> None:
    path = _suite(
        tmp_path, [{"id": "a", "prompt": "x", "expected": "42", "grader": ["numeric", "exact"]}]
    )
    [suite], graders = load_checked(Config(), [str(path)], None)
    [sample] = suite.samples
    assigned = graders.for_sample(sample)
    assert [g.spec.type for g in assigned] == ["numeric", "exact"]
    scores = [await g.score(GradeItem(sample, "It is 42.")) for g in assigned]
    assert [s.passed for s in scores] == [True, False]


def test_a_sample_check_is_skipped_for_a_spec_that_does_not_build() -> None:
    from evalkit.suite.schema import Sample

    cache = GraderCache(Config())
    spec = GraderSpec(type="numeric", options={"pick": "middle"})
    with pytest.raises(ValueError, match="option 'pick'"):
        cache.check_spec(spec)
    cache.check_sample(spec, Sample(id="a", prompt="x", expected="not a number"))


def test_every_shipped_suite_passes_its_load_time_checks() -> None:
    # The checks must not cry wolf: 485 real samples of every family load clean.
    names = ("chat", "vision", "tools", "json", "needle", "needle-128k")
    suites, graders = load_checked(Config(), [str(REPO / "suites" / n) for n in names], 128_000)
    samples = [sample for s in suites for sample in s.samples]
    assert len(samples) > 400
    assert all(len(graders.for_sample(s)) == len(s.grader) for s in samples)
