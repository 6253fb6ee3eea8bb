"""The grader contract: a registry of factories that build async-or-sync callables.

A grader is registered by name with ``@grader("name")`` on a factory. The
factory takes the spec's options as keyword arguments and raises
``ValueError``/``TypeError`` for bad ones (checked when the suite loads,
before any request); it returns a callable that takes a ``GradeItem`` and
returns a ``Score`` or an awaitable of one (the LLM judge). Third-party
graders register through the ``evalkit.graders`` entry point group: each
entry point names a module (or object) whose import runs its ``@grader``
decorators.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol

from evalkit.errors import GraderError
from evalkit.graders._options import check_names
from evalkit.runfolder import ScoreRecord
from evalkit.suite.schema import GraderSpec, Sample
from evalkit.types import ToolCall

ENTRY_POINT_GROUP = "evalkit.graders"


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


class Grader(Protocol):
    """Scores one output; may be sync or async (return an awaitable)."""

    def __call__(self, item: GradeItem) -> Score | Awaitable[Score]: ...


GraderFactory = Callable[..., Grader]

_REGISTRY: dict[str, GraderFactory] = {}
_PLUGIN_ERRORS: dict[str, str] = {}  # entry point name -> why it did not load
_entry_points_loaded = False
_MAX_EXPLANATION = 300


def grader(name: str) -> Callable[[GraderFactory], GraderFactory]:
    """Register a grader factory under ``name`` (a later registration wins).

    The registered (and returned) factory first checks the option names
    against the factory's signature: unknown options, then missing required
    ones, are reported before any option's value is looked at.
    """

    def register(factory: GraderFactory) -> GraderFactory:
        @functools.wraps(factory)
        def checked(**options: Any) -> Grader:
            check_names(factory, options)
            return factory(**options)

        _REGISTRY[name] = checked
        return checked

    return register


def _load_plugins() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    # Importing the built-in families runs their @grader decorators.
    from evalkit.graders import _builtin  # noqa: F401

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
        except Exception as exc:  # one broken plugin must not hide every other grader
            _PLUGIN_ERRORS[ep.name] = f"{ep.value}: {type(exc).__name__}: {exc}"


def registered() -> dict[str, GraderFactory]:
    """Every known grader name, built-in and from entry points."""
    _load_plugins()
    return dict(_REGISTRY)


def build(spec: GraderSpec) -> Grader:
    """A ready grader for ``spec``; ``ValueError`` names what is wrong with it."""
    _load_plugins()
    factory = _REGISTRY.get(spec.type)
    if factory is None:
        known = ", ".join(sorted(_REGISTRY))
        broken = "".join(f"; plugin {k} failed to load ({v})" for k, v in _PLUGIN_ERRORS.items())
        raise ValueError(f"unknown grader {spec.type!r} (known: {known}){broken}")
    try:
        built = factory(**spec.options)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"grader {spec.type!r}: bad options: {exc}") from None
    if not callable(built):
        raise ValueError(f"grader {spec.type!r}: its factory returned {built!r}, not a callable")
    return built


def _failed(exc: Exception) -> Score:
    if isinstance(exc, GraderError):
        why = f"grader error: {exc}"
    else:
        why = f"grader error: {type(exc).__name__}: {exc}"
    return Score(0.0, False, why, {"reason": "grader_error", "error_type": type(exc).__name__})


async def grade(graders: list[tuple[GraderSpec, Grader]], item: GradeItem) -> list[ScoreRecord]:
    """Run every grader on one output; a grader that raises scores 0 with the reason."""
    out: list[ScoreRecord] = []
    for spec, fn in graders:
        try:
            result = fn(item)
            score = await result if inspect.isawaitable(result) else result
            if not isinstance(score, Score):
                raise TypeError(f"the grader returned {type(score).__name__}, not a Score")
        except Exception as exc:  # a plugin's bug must not kill the run; it is recorded
            score = _failed(exc)
        explanation = score.explanation
        if len(explanation) > _MAX_EXPLANATION:
            explanation = explanation[: _MAX_EXPLANATION - 3] + "..."
        out.append(
            ScoreRecord(
                grader=spec.type,
                score=score.value,
                passed=score.passed,
                explanation=explanation,
                details=score.details,
            )
        )
    return out


__all__ = [
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
