"""The grader contract: one way to call a built grader, options from the signature, contexts."""

from __future__ import annotations

import inspect
from typing import Any, Literal

import pytest
from grader_items import make_item
from pydantic import BaseModel

from evalkit.graders import BuildContext, Checked, GradeItem, Score, build, grade, grader
from evalkit.graders.base import FACTORIES
from evalkit.suite.schema import GraderSpec, Sample


@grader("_base_plain")
def _plain() -> Any:
    def fn(item: GradeItem) -> Score:
        return Score(1.0, True, "plain")

    return fn


@grader("_base_async")
def _async() -> Any:
    async def fn(item: GradeItem) -> Score:
        return Score(1.0, True, "async")

    return fn


class _AsyncCallable:
    async def __call__(self, item: GradeItem) -> Score:
        return Score(1.0, True, "async object")


@grader("_base_async_object")
def _async_object() -> Any:
    return _AsyncCallable()


@grader("_base_returns_coroutine")
def _returns_coroutine() -> Any:
    async def later() -> Score:
        return Score(1.0, True)

    return lambda item: later()  # a plain function handing back a coroutine


@grader("_base_checked")
def _checked(*, word: str = "ok") -> Any:
    def check(sample: Sample) -> None:
        if sample.expected != word:
            raise ValueError(f"expected must be {word!r}")

    return Checked(lambda item: Score(1.0, True), check)


@grader("_base_buggy_check")
def _buggy_check() -> Any:
    def check(sample: Sample) -> None:
        raise KeyError("oops")

    return Checked(lambda item: Score(1.0, True), check)


@grader("_base_bad_check")
def _bad_check() -> Any:
    return Checked(lambda item: Score(1.0, True), "not a function")  # type: ignore[arg-type]


@grader("_base_typed")
def _typed(*, n: int = 1, mode: Literal["a", "b"] = "a", names: list[str] | None = None) -> Any:
    return lambda item: Score(1.0, True, f"{n} {mode} {names}")


@grader("_base_context")
def _with_context(context: BuildContext, /, *, target: str) -> Any:
    context.check_target(target)
    return lambda item: Score(1.0, True, target)


class _Inner(BaseModel):
    a: int


@grader("_base_inner_validation")
def _inner_validation() -> Any:
    _Inner.model_validate({"a": "not a number"})  # the factory's own bug, not an option
    return lambda item: Score(1.0, True)


@grader("_base_unresolvable")
def _unresolvable(*, x: NoSuchType = None) -> Any:  # type: ignore[name-defined]  # noqa: F821
    return lambda item: Score(1.0, True)


@grader("_base_return_annotation")
def _return_annotation(*, n: int = 1) -> OnlyForTypeCheckers:  # type: ignore[name-defined]  # noqa: F821
    # A plugin may annotate its return with a name imported under TYPE_CHECKING.
    return lambda item: Score(1.0, True, str(n))


@pytest.mark.parametrize(
    ("name", "explanation"),
    [
        ("_base_plain", "plain"),
        ("_base_async", "async"),
        ("_base_async_object", "async object"),
    ],
)
async def test_every_built_grader_is_awaited(name: str, explanation: str) -> None:
    built = build(GraderSpec(type=name))
    assert inspect.iscoroutinefunction(built.score) or inspect.iscoroutinefunction(
        built.score.__call__
    )
    result = await built.score(make_item("x", "x"))
    assert result.explanation == explanation


async def test_an_async_object_is_not_wrapped_again() -> None:
    built = build(GraderSpec(type="_base_async_object"))
    assert isinstance(built.score, _AsyncCallable)


async def test_a_plain_function_returning_a_coroutine_is_a_recorded_error() -> None:
    [record] = await grade([build(GraderSpec(type="_base_returns_coroutine"))], make_item("x"))
    assert record.details == {"reason": "grader_error", "error_type": "TypeError"}
    assert "returned coroutine, not a Score" in record.explanation


def test_a_grader_without_a_check_accepts_every_sample() -> None:
    build(GraderSpec(type="_base_plain")).check(Sample(id="s", prompt="p", expected=None))


def test_a_checked_grader_checks_samples() -> None:
    built = build(GraderSpec(type="_base_checked", options={"word": "yes"}))
    built.check(Sample(id="s", prompt="p", expected="yes"))
    with pytest.raises(ValueError, match="expected must be 'yes'"):
        built.check(Sample(id="s", prompt="p", expected="no"))


def test_a_check_that_crashes_is_a_problem_with_the_sample_not_a_traceback() -> None:
    built = build(GraderSpec(type="_base_buggy_check"))
    with pytest.raises(ValueError, match="the grader's check failed: KeyError: 'oops'"):
        built.check(Sample(id="s", prompt="p"))


def test_a_check_must_be_callable() -> None:
    with pytest.raises(ValueError, match="not a callable"):
        build(GraderSpec(type="_base_bad_check"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n": "3"}, "option 'n': input should be a valid integer, not '3'"),
        ({"n": 2.5}, "option 'n': input should be a valid integer, not 2.5"),
        ({"mode": "c"}, "option 'mode': input should be 'a' or 'b', not 'c'"),
        ({"names": ["a", 1]}, "option 'names.1': input should be a valid string, not 1"),
        (
            {"n": "3", "mode": "c"},
            "option 'n': input should be a valid integer, not '3'; "
            "option 'mode': input should be 'a' or 'b', not 'c'",
        ),
        # Names first: a misspelt option hides the bad values until it is fixed.
        ({"n": "3", "nn": 1}, "unknown option 'nn' (known: n, mode, names)"),
    ],
)
def test_option_values_are_checked_from_the_signature(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as info:
        build(GraderSpec(type="_base_typed", options=options))
    assert str(info.value) == f"grader '_base_typed': bad options: {message}"


async def test_checked_values_reach_the_factory() -> None:
    built = build(GraderSpec(type="_base_typed", options={"n": 3, "names": ["x"]}))
    assert (await built.score(make_item("x"))).explanation == "3 a ['x']"


def test_the_context_is_positional_only_and_never_an_option() -> None:
    with pytest.raises(ValueError, match=r"unknown option 'context' \(known: target\)"):
        build(GraderSpec(type="_base_context", options={"target": "a", "context": None}))


def test_a_factory_learns_the_configured_targets_from_the_context() -> None:
    spec = GraderSpec(type="_base_context", options={"target": "judge"})
    build(spec)  # no context: target names are not known, so not checked
    build(spec, BuildContext(targets=frozenset({"judge", "sim"})))
    with pytest.raises(ValueError) as info:
        build(spec, BuildContext(targets=frozenset({"sim", "other"})))
    assert str(info.value) == (
        "grader '_base_context': bad options: "
        "option 'target': unknown target 'judge' (configured: other, sim)"
    )


def test_a_validation_error_inside_the_factory_is_not_blamed_on_options() -> None:
    with pytest.raises(ValueError) as info:
        build(GraderSpec(type="_base_inner_validation"))
    assert "bad options: 1 validation error for _Inner" in str(info.value)
    assert "option 'a'" not in str(info.value)


def test_a_signature_pydantic_cannot_read_is_reported() -> None:
    with pytest.raises(ValueError, match="signature cannot be checked: name 'NoSuchType'"):
        build(GraderSpec(type="_base_unresolvable"))


async def test_only_the_options_annotations_are_read() -> None:
    built = build(GraderSpec(type="_base_return_annotation", options={"n": 2}))
    assert (await built.score(make_item("x"))).explanation == "2"


def test_the_registered_factory_is_the_checked_one() -> None:
    assert FACTORIES["_base_typed"] is _typed
    with pytest.raises(TypeError, match="option 'n': input should be a valid integer"):
        _typed(n="x")
