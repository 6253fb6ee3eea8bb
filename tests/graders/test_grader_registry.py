"""The registry: names, option checks at build time, and grade()'s error handling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from grader_items import make_item

import evalkit.graders as graders
from evalkit.errors import GraderError
from evalkit.graders import GradeItem, Score, build, grade, grader, registered
from evalkit.suite.schema import GraderSpec

BUILTIN = {
    "exact",
    "normalized",
    "includes",
    "regex",
    "numeric",
    "choice",
    "json",
    "tool_call",
    "needle",
    "llm_judge",
    "python",
}


def test_public_names() -> None:
    assert sorted(graders.__all__) == sorted(
        [
            "ENTRY_POINT_GROUP",
            "CompleteFn",
            "GradeItem",
            "Grader",
            "GraderFactory",
            "JudgeReply",
            "Score",
            "build",
            "grade",
            "grader",
            "registered",
        ]
    )
    assert graders.ENTRY_POINT_GROUP == "evalkit.graders"


def test_every_builtin_is_registered() -> None:
    assert set(registered()) >= BUILTIN


@pytest.mark.parametrize("name", sorted(BUILTIN - {"llm_judge", "python"}))
def test_builtins_build_with_defaults(name: str) -> None:
    assert callable(build(GraderSpec(type=name)))


BAD_OPTIONS = [
    # (spec, words the error must contain)
    ({"type": "no_such_grader"}, "unknown grader 'no_such_grader'"),
    ({"type": "exact", "casesensitive": False}, "casesensitive"),
    ({"type": "exact", "normalize": "yes"}, "'normalize' must be true or false"),
    ({"type": "regex", "pattern": "(unclosed"}, "'pattern' does not compile"),
    ({"type": "regex", "pattern": "a", "flags": "iq"}, "unknown flag 'q'"),
    ({"type": "numeric", "pick": "middle"}, "'pick' must be one of"),
    ({"type": "numeric", "rel_tol": -1}, "'rel_tol' must be within"),
    ({"type": "numeric", "abs_tol": "0.1"}, "'abs_tol' must be a number"),
    ({"type": "choice", "choices": "AB1"}, "distinct ASCII letters"),
    ({"type": "choice", "choices": "ABA"}, "distinct ASCII letters"),
    ({"type": "json", "schema": {"type": "objekt"}}, "not a valid JSON Schema"),
    (
        {"type": "json", "schema": {"properties": {"a": {"minimum": "0"}}}},
        "not a valid JSON Schema",
    ),
    ({"type": "json", "schema": "object"}, "'schema' must be an object"),
    ({"type": "json", "expected": []}, "'expected' must be a non-empty object"),
    ({"type": "json", "strict": 1}, "'strict' must be true or false"),
    ({"type": "tool_call", "order_matters": "no"}, "'order_matters'"),
    ({"type": "needle", "mode": "some"}, "'mode' must be one of"),
    ({"type": "llm_judge"}, "target"),
    ({"type": "llm_judge", "target": ""}, "'target' must not be empty"),
    ({"type": "llm_judge", "target": "j", "pass_threshold": 2}, "'pass_threshold' must be within"),
    ({"type": "llm_judge", "target": "j", "rubric": "{{ answer }} {{ secret }}"}, "['secret']"),
    ({"type": "llm_judge", "target": "j", "rubric": "{{ answer "}, "template error"),
    ({"type": "llm_judge", "target": "j", "rubric": "Is it right?"}, "never shows the judge"),
    ({"type": "llm_judge", "target": "j", "rubric": "nope/rubric.jinja"}, "not found"),
    ({"type": "python"}, "function"),
    (
        {"type": "python", "function": "no_such_module_xyz:f"},
        "cannot import 'no_such_module_xyz:f'",
    ),
    (
        {"type": "python", "function": "json:no_such_function"},
        "cannot import 'json:no_such_function'",
    ),
    ({"type": "python", "function": "json.JSONDecodeError.nope"}, "cannot import"),
    ({"type": "python", "function": "nodots"}, "must look like"),
    ({"type": "python", "function": "json:__doc__"}, "is not callable"),
]


@pytest.mark.parametrize(("spec", "words"), BAD_OPTIONS)
def test_bad_options_rejected_at_build(spec: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError) as info:
        build(GraderSpec.parse(spec))
    assert words in str(info.value)
    if spec["type"] in registered():
        assert str(info.value).startswith(f"grader {spec['type']!r}: ")


def test_rubric_file_path_is_read(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    path.write_text("{{ answer }} GRADE", encoding="utf-8")
    assert callable(
        build(GraderSpec(type="llm_judge", options={"target": "j", "rubric": str(path)}))
    )


@grader("_test_raises")
def _raises() -> Any:
    def fn(item: GradeItem) -> Score:
        raise KeyError("boom")

    return fn


@grader("_test_grader_error")
def _grader_error() -> Any:
    def fn(item: GradeItem) -> Score:
        raise GraderError("the sample has no 'expected' answer")

    return fn


@grader("_test_async_raises")
def _async_raises() -> Any:
    async def fn(item: GradeItem) -> Score:
        raise RuntimeError("judge exploded")

    return fn


@grader("_test_not_a_score")
def _not_a_score() -> Any:
    return lambda item: 1.0


@grader("_test_long")
def _long() -> Any:
    return lambda item: Score(1.0, True, "x" * 10_000)


@grader("_test_not_callable")
def _not_callable() -> Any:
    return 42


async def test_grade_turns_exceptions_into_zero_scores() -> None:
    names = [
        "_test_raises",
        "_test_grader_error",
        "_test_async_raises",
        "_test_not_a_score",
        "exact",
    ]
    specs = [GraderSpec(type=n) for n in names]
    records = await grade([(s, build(s)) for s in specs], make_item("Paris", "Paris"))
    assert [r.grader for r in records] == names
    boom, no_expected, async_boom, not_score, exact = records
    assert (boom.score, boom.passed) == (0.0, False)
    assert boom.explanation == "grader error: KeyError: 'boom'"
    assert boom.details == {"reason": "grader_error", "error_type": "KeyError"}
    assert no_expected.explanation == "grader error: the sample has no 'expected' answer"
    assert async_boom.explanation == "grader error: RuntimeError: judge exploded"
    assert (
        not_score.explanation == "grader error: TypeError: the grader returned float, not a Score"
    )
    assert exact.passed and exact.score == 1.0


async def test_grade_bounds_explanations() -> None:
    spec = GraderSpec(type="_test_long")
    [record] = await grade([(spec, build(spec))], make_item("x", "x"))
    assert len(record.explanation) <= 300
    assert record.explanation.endswith("...")


def test_factory_must_return_a_callable() -> None:
    with pytest.raises(ValueError, match="not a callable"):
        build(GraderSpec(type="_test_not_callable"))


def test_score_range_is_enforced() -> None:
    with pytest.raises(ValueError):
        Score(1.5, True)
