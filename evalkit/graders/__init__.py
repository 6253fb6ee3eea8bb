"""Graders: score a model's output against a sample's expected answer.

Built-in names: ``exact``, ``normalized``, ``includes``, ``regex``,
``numeric``, ``choice``, ``json``, ``tool_call``, ``needle``, ``llm_judge``,
``python``; third-party graders register through the ``evalkit.graders``
entry point group. See ``base`` for the contract. A grader's options are
checked when its suite loads, names first: an unknown option is reported as
``unknown option 'x' (known: ...)``, then missing required ones.

The ``python`` grader runs your own function (``function =
"package.module:name"``). It receives a ``GradeItem`` with fields
``sample`` (the ``Sample``: ``expected``, ``metadata``, ``messages``, ...),
``output`` (the reply text), ``tool_calls`` (``ToolCall``: ``id``, ``name``,
raw ``arguments``), ``finish_reason`` and ``complete`` (the judge
completion function or None). It returns a ``Score``, a ``bool``, or a
number in [0, 1] (passing at ``pass_threshold``, default 0.5), or an
awaitable of one of those. An exception it raises is recorded as a 0,
failed score with ``details.reason = "grader_error"``; any other return
value scores 0 with ``details.reason = "bad_return"``. See ``python_``.
"""

from evalkit.graders.base import (
    ENTRY_POINT_GROUP,
    CompleteFn,
    GradeItem,
    Grader,
    GraderFactory,
    JudgeReply,
    Score,
    build,
    grade,
    grader,
    registered,
)

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
