"""Every known grader: the built-in families and the entry points; building and grading.

This module imports the families (their ``@grader`` decorators fill
``base.FACTORIES``); the families import only ``base``, so the registry and
its members do not import each other.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from importlib.metadata import entry_points
from typing import cast

from evalkit.errors import GraderError
from evalkit.graders import choice, json_, judge, needle, numeric, python_, text, tool_call
from evalkit.graders.base import (
    FACTORIES,
    AsyncScoreFn,
    BuildContext,
    BuiltGrader,
    Checked,
    GradeItem,
    GraderFactory,
    SampleCheck,
    Score,
    ScoreFn,
    is_async,
    json_safe,
)
from evalkit.runfolder import ScoreRecord
from evalkit.suite.schema import GraderSpec, Sample

ENTRY_POINT_GROUP = "evalkit.graders"
FAMILIES = (choice, json_, judge, needle, numeric, python_, text, tool_call)
"""The built-in grader modules (imported for their registrations)."""

_PLUGIN_ERRORS: dict[str, str] = {}  # entry point name -> why it did not load
_entry_points_loaded = False
_MAX_EXPLANATION = 300


def _load_plugins() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
        except Exception as exc:  # one broken plugin must not hide every other grader
            _PLUGIN_ERRORS[ep.name] = f"{ep.value}: {type(exc).__name__}: {exc}"


def registered() -> dict[str, GraderFactory]:
    """Every known grader name, built-in and from entry points."""
    _load_plugins()
    return dict(FACTORIES)


def _awaitable(fn: ScoreFn | AsyncScoreFn) -> AsyncScoreFn:
    if is_async(fn):
        return cast(AsyncScoreFn, fn)
    sync = cast(ScoreFn, fn)

    async def score(item: GradeItem) -> Score:
        return sync(item)

    return score


def _reporting(check: SampleCheck) -> SampleCheck:
    def checked(sample: Sample) -> None:
        try:
            check(sample)
        except ValueError:
            raise
        except Exception as exc:  # a plugin's bug: a problem on this line, not a traceback
            raise ValueError(f"the grader's check failed: {type(exc).__name__}: {exc}") from exc

    return checked


def build(spec: GraderSpec, context: BuildContext | None = None) -> BuiltGrader:
    """A ready grader for ``spec``; ``ValueError`` names what is wrong with it."""
    _load_plugins()
    factory = FACTORIES.get(spec.type)
    if factory is None:
        known = ", ".join(sorted(FACTORIES))
        broken = "".join(f"; plugin {k} failed to load ({v})" for k, v in _PLUGIN_ERRORS.items())
        raise ValueError(f"unknown grader {spec.type!r} (known: {known}){broken}")
    try:
        made = factory(context or BuildContext(), **spec.options)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"grader {spec.type!r}: bad options: {exc}") from None
    fn, check = (made.score, made.check) if isinstance(made, Checked) else (made, None)
    if not callable(fn) or (check is not None and not callable(check)):
        raise ValueError(f"grader {spec.type!r}: its factory returned {made!r}, not a callable")
    if check is None:
        return BuiltGrader(spec, _awaitable(fn))
    return BuiltGrader(spec, _awaitable(fn), _reporting(check))


def _failed(exc: BaseException) -> Score:
    # A python grader's exception comes back from its worker with the type's name.
    kind = getattr(exc, "error_type", None) or type(exc).__name__
    why = f"grader error: {exc}" if isinstance(exc, GraderError) else f"grader error: {kind}: {exc}"
    return Score(0.0, False, why, {"reason": "grader_error", "error_type": kind})


def _record(spec: GraderSpec, score: Score) -> ScoreRecord:
    """``score`` as a record holds it: plain types throughout, explanation clipped.

    A plugin's Score may carry numpy values (or anything else): the record
    must still serialise, so the values are made plain here, in one place.
    """
    explanation = str(score.explanation)
    if len(explanation) > _MAX_EXPLANATION:
        explanation = explanation[: _MAX_EXPLANATION - 3] + "..."
    details = json_safe(score.details) if score.details is not None else None
    if details is not None and not isinstance(details, dict):
        details = {"value": details}
    return ScoreRecord(
        grader=spec.type,
        score=float(score.value),
        passed=bool(score.passed),
        explanation=explanation,
        details=details,
    )


async def grade(graders: Sequence[BuiltGrader], item: GradeItem) -> list[ScoreRecord]:
    """Run every grader on one output; a grader that raises scores 0 with the reason.

    ``SystemExit`` from a grader is recorded like any exception (a plugin
    must not end the run); ``KeyboardInterrupt`` and cancellation go
    through, so that Ctrl-C still stops the run.
    """
    out: list[ScoreRecord] = []
    for g in graders:
        try:
            score = await g.score(item)
            if not isinstance(score, Score):
                if inspect.iscoroutine(score):
                    score.close()  # a plain function returned one: it should be async def
                raise TypeError(f"the grader returned {type(score).__name__}, not a Score")
            record = _record(g.spec, score)
        except (Exception, SystemExit) as exc:  # a plugin's bug must not kill the run
            record = _record(g.spec, _failed(exc))
        out.append(record)
    return out


__all__ = ["ENTRY_POINT_GROUP", "FAMILIES", "build", "grade", "registered"]
