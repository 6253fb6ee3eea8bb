"""Imports every built-in grader family so that their @grader decorators run."""

from evalkit.graders import text  # noqa: F401
