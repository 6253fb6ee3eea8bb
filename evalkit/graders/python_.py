"""The ``python`` grader: a user function, named by its import path, scores the output.

Options: ``function`` (required) is ``package.module:function`` or
``package.module.function`` (a nested attribute such as ``mod:Class.method``
works too); it is imported when the suite loads, so a bad path fails the
load, not the run. ``pass_threshold`` (default 0.5) applies to numbers.

The function's contract:

- It is called once per output with one argument, a ``GradeItem``
  (``from evalkit.graders import GradeItem``): ``item.sample`` (the
  validated ``Sample``: ``id``, ``messages``, ``expected``, ``metadata``,
  ``tags``, ...), ``item.output`` (the reply's text), ``item.tool_calls``
  (``ToolCall`` records: ``id``, ``name``, ``arguments`` as raw text),
  ``item.finish_reason`` and ``item.complete`` (the judge completion
  function, or None).
- It returns a ``Score`` (used as is), a ``bool`` (1.0 and passed, or 0.0
  and failed), or a finite number in [0, 1] (that value, passed when it is
  at least ``pass_threshold``); or an awaitable of one of those, which is
  awaited. Anything else scores 0 with ``details.reason = "bad_return"``.
- An exception it raises does not stop the run: it is recorded as a 0,
  failed score whose explanation names the exception, with
  ``details.reason = "grader_error"`` (and ``details.error_type``).
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable
from typing import Any

from evalkit.graders._options import Fraction, Text
from evalkit.graders.base import GradeItem, Grader, Score, grader


def _resolve(module_name: str, attr: str) -> Any:
    target: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        target = getattr(target, part)
    return target


def load_function(path: str) -> Callable[..., Any]:
    """Import ``pkg.mod:fn`` or ``pkg.mod.fn``; ``ValueError`` names what failed."""
    if ":" in path:
        module_name, _, attr = path.partition(":")
        candidates = [(module_name, attr)]
    else:
        # "pkg.mod.Class.method": the longest prefix that imports is the module.
        parts = path.split(".")
        candidates = [
            (".".join(parts[:i]), ".".join(parts[i:])) for i in range(len(parts) - 1, 0, -1)
        ]
    if not candidates or not all(candidates[0]):
        raise ValueError(
            f"option 'function' must look like 'package.module:function', not {path!r}"
        )
    error: Exception | None = None
    for module_name, attr in candidates:
        try:
            target = _resolve(module_name, attr)
        except ModuleNotFoundError as exc:
            error = exc
            missing = exc.name or ""
            # Only the module itself being absent means "try a shorter prefix";
            # a module that imports a missing dependency is a real error.
            if missing == module_name or module_name.startswith(missing + "."):
                continue
            break
        except (ImportError, AttributeError) as exc:
            error = exc
            break
        if not callable(target):
            raise ValueError(f"option 'function': {path!r} is not callable")
        return target  # type: ignore[no-any-return]
    raise ValueError(f"option 'function': cannot import {path!r}: {error}")


def _to_score(result: Any, path: str, threshold: float) -> Score:
    if isinstance(result, Score):
        return result
    if isinstance(result, bool):
        return Score(float(result), result, f"{path} returned {result}")
    if isinstance(result, int | float) and math.isfinite(result) and 0 <= result <= 1:
        value = float(result)
        return Score(value, value >= threshold, f"{path} returned {value:g}")
    what = f"{type(result).__name__} {result!r}"[:80]
    why = f"{path} returned {what}; expected a Score, a bool or a number in [0, 1]"
    return Score(0.0, False, why, {"reason": "bad_return"})


@grader("python")
def python(*, function: Text, pass_threshold: Fraction = 0.5) -> Grader:
    """Scores with a Python function named by its import path."""
    fn = load_function(function)

    async def grade(item: GradeItem) -> Score:
        result = fn(item)
        # The user's function may be plain or async (its documented contract),
        # so this is the one grader that looks at what came back.
        if inspect.isawaitable(result):
            result = await result
        return _to_score(result, function, pass_threshold)

    return grade


__all__ = ["load_function", "python"]
