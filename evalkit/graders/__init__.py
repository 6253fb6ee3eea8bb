"""Graders: score a model's output against a sample's expected answer.

Built-in names: ``exact``, ``normalized``, ``includes``, ``regex``,
``numeric``, ``choice``, ``json``, ``tool_call``, ``needle``, ``llm_judge``,
``python``; third-party graders register through the ``evalkit.graders``
entry point group. See ``base`` for the contract: a factory's signature
states its options (checked when the suite loads, names first: an unknown
option is reported as ``unknown option 'x' (known: ...)``, then missing
required ones, then bad values), it returns a plain or ``async def``
grading function (optionally with a load-time check of each sample), and
``build`` makes of it a ``BuiltGrader`` whose ``score`` is always awaited.

The ``python`` grader runs your own function (``function =
"package.module:name"``). It receives a ``GradeItem`` with fields
``sample`` (the ``Sample``: ``expected``, ``metadata``, ``messages``, ...),
``output`` (the reply text), ``tool_calls`` (``ToolCall``: ``id``, ``name``,
raw ``arguments``), ``finish_reason`` and ``complete`` (the judge
completion function or None). It returns a ``Score``, a ``bool``, or a
number in [0, 1] (passing at ``pass_threshold``, default 0.5), or an
awaitable of one of those. An exception it raises is recorded as a 0,
failed score with ``details.reason = "grader_error"``; any other return
value scores 0 with ``details.reason = "bad_return"``. A plain function
runs in a worker process under a time limit (``worker``); see ``python_``.
A suite's regexes run under a time limit too (``_patterns``).
"""

from evalkit.graders.base import (
    BuildContext,
    BuiltGrader,
    Checked,
    CompleteFn,
    GradeItem,
    Grader,
    GraderFactory,
    JudgeReply,
    Score,
    grader,
)
from evalkit.graders.registry import ENTRY_POINT_GROUP, build, grade, registered

__all__ = [
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
