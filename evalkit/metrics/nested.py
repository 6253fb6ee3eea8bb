"""The nested record fields as uniform values, so that a run's DataFrame writes to parquet as is.

pyarrow infers one type per column: a ``scores`` column whose ``details``
are a dict of strings in one record and of lists of numbers in another
cannot be written ("cannot mix struct and non-struct"). So each score
becomes a dict with fixed keys and typed values, its free-form ``details``
JSON text; each tool call has fixed keys with string values; a record field
this module does not know is kept only when its values share one scalar
type, and is JSON text otherwise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

SCORE_KEYS = ("grader", "score", "passed", "explanation", "details")
TOOL_CALL_KEYS = ("id", "name", "arguments")


def json_text(value: Any) -> str | None:
    """``value`` as JSON text (None stays None); what JSON cannot hold becomes its str()."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str)


def _float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def score_entries(raw: Any) -> list[dict[str, Any]]:
    """A record's ``scores`` as dicts with exactly SCORE_KEYS; ``details`` is JSON text.

    Keys a grader added beyond the schema are folded into ``details`` rather
    than dropped.
    """
    out: list[dict[str, Any]] = []
    for sc in raw if isinstance(raw, list) else []:
        if not isinstance(sc, dict):
            continue
        details = sc.get("details")
        extra = {str(k): v for k, v in sc.items() if k not in SCORE_KEYS}
        if extra:
            base = details if isinstance(details, dict) else {}
            if details is not None and not isinstance(details, dict):
                base = {"details": details}
            details = {**base, **extra}
        passed = sc.get("passed")
        out.append(
            {
                "grader": str(sc.get("grader", "")),
                "score": _float(sc.get("score")),
                "passed": None if passed is None else bool(passed),
                "explanation": _text(sc.get("explanation")),
                "details": json_text(details),
            }
        )
    return out


def tool_call_entries(raw: Any) -> list[dict[str, str | None]] | None:
    """A record's ``tool_calls`` as dicts with exactly TOOL_CALL_KEYS (None stays None).

    ``arguments`` is the raw JSON text the model sent; one that arrived as an
    object is serialised back to text.
    """
    if raw is None:
        return None
    out: list[dict[str, str | None]] = []
    for call in raw if isinstance(raw, list) else []:
        if not isinstance(call, dict):
            continue
        args = call.get("arguments", "")
        out.append(
            {
                "id": _text(call.get("id")),
                "name": str(call.get("name", "")),
                "arguments": args if isinstance(args, str) else json_text(args),
            }
        )
    return out


def tags(raw: Any) -> list[str] | None:
    """A record's ``tags`` as a list of strings (None when absent)."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        return [str(raw)]
    try:
        "".join(raw)  # all strings already (the usual case): the list is kept as it is
    except TypeError:
        return [str(t) for t in raw]
    return raw


def uniform(values: Sequence[Any]) -> list[Any]:
    """A column of unknown record field, kept when its values share one scalar type.

    Strings, booleans and numbers (ints and floats together) are kept as they
    are; any other mix, or a list or dict anywhere, makes every non-null
    value JSON text.
    """
    kinds = set()
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            kinds.add("bool")
        elif isinstance(v, int | float):
            kinds.add("number")
        elif isinstance(v, str):
            kinds.add("str")
        else:
            kinds.add("other")
    if len(kinds) <= 1 and "other" not in kinds:
        return list(values)
    return [json_text(v) for v in values]


def parsed(value: Any) -> Any:
    """A JSON-text cell (a score's ``details``) parsed back; anything else as it is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


__all__ = [
    "SCORE_KEYS",
    "TOOL_CALL_KEYS",
    "json_text",
    "parsed",
    "score_entries",
    "tags",
    "tool_call_entries",
    "uniform",
]
