"""The registry: names, option checks at build time, and grade()'s error handling."""

from __future__ import annotations

import inspect
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
            "BuildContext",
            "BuiltGrader",
            "Checked",
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
    built = build(GraderSpec(type=name))
    assert inspect.iscoroutinefunction(built.score) and callable(built.check)


BAD_OPTIONS = [
    # (spec, words the error must contain)
    ({"type": "no_such_grader"}, "unknown grader 'no_such_grader'"),
    ({"type": "exact", "casesensitive": False}, "casesensitive"),
    ({"type": "exact", "normalize": "yes"}, "option 'normalize': input should be a valid boolean"),
    ({"type": "exact", "normalize": 1}, "'normalize': input should be a valid boolean, not 1"),
    ({"type": "regex", "pattern": "(unclosed"}, "'pattern' does not compile"),
    ({"type": "regex", "pattern": "a", "flags": "iq"}, "unknown flag 'q'"),
    ({"type": "numeric", "pick": "middle"}, "option 'pick': input should be 'last', 'first' or"),
    ({"type": "numeric", "rel_tol": -1}, "option 'rel_tol': input should be greater than or equal"),
    ({"type": "numeric", "abs_tol": "0.1"}, "option 'abs_tol': input should be a valid number"),
    ({"type": "numeric", "abs_tol": True}, "option 'abs_tol': input should be a valid number"),
    ({"type": "numeric", "abs_tol": float("nan")}, "option 'abs_tol': input should be a finite"),
    ({"type": "choice", "choices": "AB1"}, "distinct ASCII letters"),
    ({"type": "choice", "choices": "ABA"}, "distinct ASCII letters"),
    ({"type": "json", "schema": {"type": "objekt"}}, "not a valid JSON Schema"),
    (
        {"type": "json", "schema": {"properties": {"a": {"minimum": "0"}}}},
        "not a valid JSON Schema",
    ),
    ({"type": "json", "schema": "object"}, "option 'schema': input should be a valid dictionary"),
    ({"type": "json", "expected": []}, "option 'expected': input should be a valid dictionary"),
    ({"type": "json", "expected": {}}, "option 'expected': dictionary should have at least 1"),
    ({"type": "json", "expected": {"a..b": 1}}, "option 'expected': bad field path 'a..b'"),
    ({"type": "json", "strict": 1}, "option 'strict': input should be a valid boolean, not 1"),
    ({"type": "tool_call", "order_matters": "no"}, "option 'order_matters': input should be"),
    ({"type": "needle", "mode": "some"}, "option 'mode': input should be 'all' or 'any'"),
    ({"type": "choice", "choices": ""}, "option 'choices': string should have at least 1"),
    ({"type": "llm_judge"}, "target"),
    ({"type": "llm_judge", "target": ""}, "option 'target': string should have at least 1"),
    ({"type": "llm_judge", "target": "j", "pass_threshold": 2}, "option 'pass_threshold': input"),
    ({"type": "llm_judge", "target": "j", "criteria": 3}, "option 'criteria': input should be a"),
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
    ({"type": "python", "function": "m:f", "pass_threshold": "0.5"}, "'pass_threshold': input"),
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
    build(GraderSpec(type="llm_judge", options={"target": "j", "rubric": str(path)}))


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
    records = await grade([build(s) for s in specs], make_item("Paris", "Paris"))
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
    [record] = await grade([build(spec)], make_item("x", "x"))
    assert len(record.explanation) <= 300
    assert record.explanation.endswith("...")


def test_factory_must_return_a_callable() -> None:
    with pytest.raises(ValueError, match="not a callable"):
        build(GraderSpec(type="_test_not_callable"))


def test_score_range_is_enforced() -> None:
    with pytest.raises(ValueError):
        Score(1.5, True)


UNKNOWN_OPTIONS = [
    # (spec, the whole message after "grader 'type': bad options: ")
    (
        {"type": "llm_judge", "judge": "sim-strong"},
        "unknown option 'judge' (known: target, rubric, pass_threshold, criteria); "
        "option 'target' is required",
    ),
    (
        {"type": "llm_judge", "target": "j", "judge": "x", "rubrik": "y"},
        "unknown options 'judge', 'rubrik' (known: target, rubric, pass_threshold, criteria)",
    ),
    # The name is checked before any value: a bad value does not hide a misspelt option.
    (
        {"type": "llm_judge", "target": "", "pass_treshold": 2},
        "unknown option 'pass_treshold' (known: target, rubric, pass_threshold, criteria)",
    ),
    ({"type": "llm_judge"}, "option 'target' is required"),
    (
        {"type": "python", "fn": "m:f"},
        "unknown option 'fn' (known: function, pass_threshold, timeout_s); "
        "option 'function' is required",
    ),
    ({"type": "python"}, "option 'function' is required"),
    (
        {"type": "exact", "casesensitive": False},
        "unknown option 'casesensitive' (known: normalize, case_sensitive, strip)",
    ),
    ({"type": "normalized", "strip": True}, "unknown option 'strip' (known: none)"),
    ({"type": "needle", "modes": "all"}, "unknown option 'modes' (known: mode)"),
    (
        {"type": "numeric", "tol": 0.1},
        "unknown option 'tol' (known: abs_tol, rel_tol, pick)",
    ),
    ({"type": "choice", "letters": "AB"}, "unknown option 'letters' (known: choices)"),
    (
        {"type": "includes", "any": True},
        "unknown option 'any' (known: case_sensitive, all)",
    ),
    (
        {"type": "regex", "regex": "a"},
        "unknown option 'regex' (known: pattern, flags, fullmatch)",
    ),
    (
        {"type": "tool_call", "ordered": True},
        "unknown option 'ordered' (known: order_matters, partial_credit)",
    ),
]


@pytest.mark.parametrize(("spec", "message"), UNKNOWN_OPTIONS)
def test_option_names_are_checked_first_in_every_factory(
    spec: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as info:
        build(GraderSpec.parse(spec))
    assert str(info.value) == f"grader {spec['type']!r}: bad options: {message}"


def test_json_grader_names_its_options() -> None:
    with pytest.raises(ValueError, match=r"unknown option 'schemas' \(known: .*schema"):
        build(GraderSpec.parse({"type": "json", "schemas": {}}))


@grader("_test_any_options")
def _any_options(**options: Any) -> Any:
    return lambda item: Score(1.0, True, ",".join(sorted(options)))


async def test_a_factory_taking_kwargs_accepts_any_option_name() -> None:
    built = build(GraderSpec.parse({"type": "_test_any_options", "whatever": 1}))
    result = await built.score(make_item("x", "x"))
    assert isinstance(result, Score) and result.explanation == "whatever"


def test_the_registered_factory_checks_names_when_called_directly() -> None:
    from evalkit.graders.judge import llm_judge

    with pytest.raises(TypeError, match=r"^unknown option 'judge' \(known: target"):
        llm_judge(judge="sim-strong")
