"""The ``python`` grader: a user function, named by its import path, scores the output.

Options: ``function`` (required) is ``package.module:function`` or
``package.module.function`` (a nested attribute such as ``mod:Class.method``
works too); it is imported when the suite loads, so a bad path fails the
load, not the run. ``pass_threshold`` (default 0.5) applies to numbers.
``timeout_s`` (default 30) limits each call.

A suite with a ``python`` grader runs its author's code. A plain function
runs in a worker process (see ``worker``): the run's event loop never waits
on it, a call past ``timeout_s`` is stopped (its worker killed), and
whatever it does, ``sys.exit()`` included, ends nothing but its own call.
It is imported there again, by its path, with the run's ``sys.path``; it
gets a copy of the item whose ``complete`` is None. An ``async def``
function runs on the run's event loop (it may await ``item.complete``, the
judge), so it must not block: past ``timeout_s`` it is cancelled.

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
  ``details.reason = "grader_error"`` (and ``details.error_type``); so is a
  call that runs out of time. ``details`` may hold numpy values: they are
  stored as plain numbers and lists.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import inspect
import math
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field

from evalkit.errors import GraderError
from evalkit.graders._options import Fraction, Text
from evalkit.graders.base import GradeItem, Grader, Score, grader, is_async, json_safe
from evalkit.graders.worker import shared_pool

Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
_IN_WORKER = f"{__name__}:call_in_worker"
_loaded: dict[str, Callable[..., Any]] = {}  # in a worker: functions imported so far


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
    if not isinstance(result, bool | int | float) and callable(getattr(result, "item", None)):
        with contextlib.suppress(TypeError, ValueError):
            result = result.item()  # a numpy scalar: its plain Python value
    if isinstance(result, bool):
        return Score(float(result), result, f"{path} returned {result}")
    if isinstance(result, int | float) and math.isfinite(result) and 0 <= result <= 1:
        value = float(result)
        return Score(value, value >= threshold, f"{path} returned {value:g}")
    what = f"{type(result).__name__} {result!r}"[:80]
    why = f"{path} returned {what}; expected a Score, a bool or a number in [0, 1]"
    return Score(0.0, False, why, {"reason": "bad_return"})


async def _awaited(result: Any) -> Any:
    return await result


def call_in_worker(function: str, threshold: float, item: GradeItem) -> Score:
    """In a worker process: ``function`` on ``item``, as a Score with plain ``details``."""
    fn = _loaded.get(function)
    if fn is None:
        fn = _loaded[function] = load_function(function)
    result = fn(item)
    # The contract allows a plain function to return an awaitable (of a result).
    if inspect.isawaitable(result):
        result = asyncio.run(_awaited(result))
    score = _to_score(result, function, threshold)
    # Made plain here so that the score pickles back whatever the function put in it.
    details = json_safe(score.details) if score.details is not None else None
    return dataclasses.replace(score, details=details)


@grader("python")
def python(*, function: Text, pass_threshold: Fraction = 0.5, timeout_s: Seconds = 30.0) -> Grader:
    """Scores with a Python function named by its import path."""
    fn = load_function(function)

    if is_async(fn):

        async def on_loop(item: GradeItem) -> Score:
            try:
                result = await asyncio.wait_for(fn(item), timeout_s)
            except TimeoutError:
                raise GraderError(f"{function} took more than {timeout_s:g} s; cancelled") from None
            return _to_score(result, function, pass_threshold)

        return on_loop

    async def in_worker(item: GradeItem) -> Score:
        # The judge's completion function belongs to this process: not sent.
        sent = dataclasses.replace(item, complete=None)
        try:
            score = await shared_pool().call(
                _IN_WORKER, (function, pass_threshold, sent), timeout_s
            )
        except GraderError as exc:
            raise GraderError(f"{function} {exc}") from None
        if not isinstance(score, Score):  # cannot happen: call_in_worker returns one
            raise GraderError(f"{function}: its worker returned {type(score).__name__}")
        return score

    return in_worker


__all__ = ["call_in_worker", "load_function", "python"]
