"""The grader contract: what a factory is given and returns, and what callers await.

A grader is registered by name with ``@grader("name")`` on a factory. The
factory's keyword parameters are the grader's options, and their
annotations are the options' types: names, then values, are checked from
the signature (see ``_options``) before the factory runs, so a factory
raises ``ValueError`` only for what a type cannot state (a pattern that
must compile). A factory that needs to know about the run (the judge: which
targets exist) takes a ``BuildContext`` as its one positional-only
parameter. All of this runs when the suite loads, before any request.

A factory returns a ``Grader``: a function of a ``GradeItem`` returning a
``Score``, plain or ``async def``, or a ``Checked`` that pairs such a
function with a load-time check of each sample (its ``expected``, and the
options against it) raising ``ValueError``. ``registry.build`` turns it
into a ``BuiltGrader``, whose ``score`` every caller awaits: whether the
function is async is decided there, once per spec, not per call.

Third-party graders register through the ``evalkit.graders`` entry point
group: each entry point names a module (or object) whose import runs its
``@grader`` decorators.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from evalkit.errors import GraderError
from evalkit.graders._options import check_options
from evalkit.suite.schema import GraderSpec, Sample
from evalkit.types import ToolCall


@dataclass(frozen=True)
class Score:
    """A verdict: ``value`` in [0, 1], whether it passes, and why."""

    value: float
    passed: bool
    explanation: str = ""
    details: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.value <= 1.0:
            raise ValueError(f"score {self.value} is outside [0, 1]")


@dataclass(frozen=True)
class JudgeReply:
    """What a judge's completion function returns: the text and what it cost."""

    text: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    latency_s: float | None = None


CompleteFn = Callable[[str, list[dict[str, Any]]], Awaitable[JudgeReply]]
"""(target name, messages) -> the judge's reply; the runner supplies it."""


@dataclass(frozen=True)
class GradeItem:
    """Everything a grader may look at for one output."""

    sample: Sample
    output: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    complete: CompleteFn | None = None


ScoreFn = Callable[[GradeItem], Score]
"""A plain grading function."""

AsyncScoreFn = Callable[[GradeItem], Awaitable[Score]]
"""An ``async def`` grading function (one that waits on a judge, say)."""

SampleCheck = Callable[[Sample], None]
"""A load-time check of one sample; ``ValueError`` says what is wrong with it."""


@dataclass(frozen=True)
class Checked:
    """A grading function with its load-time check of each sample."""

    score: ScoreFn | AsyncScoreFn
    check: SampleCheck


Grader = ScoreFn | AsyncScoreFn | Checked
"""What a factory returns."""

GraderFactory = Callable[..., Grader]


@dataclass(frozen=True)
class BuildContext:
    """What a factory may know about the run it builds for.

    ``targets`` holds the configured target names; None means none are
    known (a grader built outside a run), so target names are not checked.
    """

    targets: frozenset[str] | None = None

    def check_target(self, name: str, option: str = "target") -> None:
        """Raise ``ValueError`` if ``name`` is not a configured target."""
        if self.targets is not None and name not in self.targets:
            known = ", ".join(sorted(self.targets))
            raise ValueError(f"option {option!r}: unknown target {name!r} (configured: {known})")


def expected_check(parse: Callable[[Any], object]) -> SampleCheck:
    """A sample check that runs ``parse`` on ``expected``, as grading will.

    ``parse``'s ``GraderError`` (what grading would record as a grader error)
    becomes the check's ``ValueError``.
    """

    def check(sample: Sample) -> None:
        try:
            parse(sample.expected)
        except GraderError as exc:
            raise ValueError(str(exc)) from None

    return check


def _no_check(sample: Sample) -> None:
    return None


def is_async(fn: object) -> bool:
    """Whether calling ``fn`` gives a coroutine: an ``async def``, or an object whose
    ``__call__`` is one."""
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004
    )


_MAX_DEPTH = 32
_MAX_REPR = 200


def json_safe(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON can hold it: what a grader puts in ``Score.details`` may be anything.

    numpy scalars and arrays (anything with ``tolist``) become numbers and
    lists; tuples and sets lists; keys strings; subclasses of str, int and
    float their base value; NaN and infinities, and whatever else is left,
    their ``repr`` (clipped), as does nesting deeper than 32 levels.
    """
    if value is None or type(value) in (str, int, bool):
        return value
    if isinstance(value, int):  # an IntEnum, say (bool cannot be subclassed)
        return int(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else repr(float(value))
    if depth >= _MAX_DEPTH:
        return repr(value)[:_MAX_REPR]
    if isinstance(value, dict):
        return {str(k): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v, depth + 1) for v in value]
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        try:
            return json_safe(tolist(), depth + 1)
        except Exception:  # not numpy's after all: its repr will do
            pass
    return repr(value)[:_MAX_REPR]


@dataclass(frozen=True)
class BuiltGrader:
    """A grader ready for use: its spec, the score to await, and the sample check."""

    spec: GraderSpec
    score: AsyncScoreFn
    check: SampleCheck = _no_check


FACTORIES: dict[str, GraderFactory] = {}
"""Registered factories by name; ``registry.registered()`` is the complete view."""


def _takes_context(factory: Callable[..., Any]) -> bool:
    params = list(inspect.signature(factory).parameters.values())
    return bool(params) and params[0].kind is inspect.Parameter.POSITIONAL_ONLY


def grader(name: str) -> Callable[[GraderFactory], GraderFactory]:
    """Register a grader factory under ``name`` (a later registration wins).

    The registered (and returned) factory takes an optional ``BuildContext``
    positionally and the options as keywords, and checks the options against
    the factory's signature before calling it (see ``_options``).
    """

    def register(factory: GraderFactory) -> GraderFactory:
        takes_context = _takes_context(factory)

        @functools.wraps(factory)
        def checked(context: BuildContext | None = None, /, **options: Any) -> Grader:
            args = (context or BuildContext(),) if takes_context else ()
            return factory(*args, **check_options(factory, options))

        FACTORIES[name] = checked
        return checked

    return register


__all__ = [
    "FACTORIES",
    "AsyncScoreFn",
    "BuildContext",
    "BuiltGrader",
    "Checked",
    "CompleteFn",
    "GradeItem",
    "Grader",
    "GraderFactory",
    "JudgeReply",
    "SampleCheck",
    "Score",
    "ScoreFn",
    "expected_check",
    "grader",
    "is_async",
    "json_safe",
]
