"""Imports every built-in grader family so that their @grader decorators run."""

from evalkit.graders import (  # noqa: F401
    choice,
    json_,
    judge,
    needle,
    numeric,
    python_,
    text,
    tool_call,
)
