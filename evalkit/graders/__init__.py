"""Graders: score a model's output against a sample's expected answer.

Built-in names: ``exact``, ``normalized``, ``includes``, ``regex``,
``numeric``, ``choice``, ``json``, ``tool_call``, ``needle``, ``llm_judge``,
``python``; third-party graders register through the ``evalkit.graders``
entry point group. See ``base`` for the contract.
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
