"""The ``tool_call`` grader: the calls a model made against the expected ones (BFCL).

``expected = {"tool_calls": [{"name": ..., "arguments": {...}}]}``; an empty
list means no call is right. Each (expected, made) pair is checked by
``_bfcl.check_call`` against the function's schema from ``sample.tools``;
parallel calls are paired by a maximum bipartite matching, so a correct set
passes in any order (unless ``order_matters``).

``details``: ``reason`` (None, or wrong_count, wrong_name, missing_required,
missing_param, unexpected_param, type_error, value_error, bad_json),
``function`` and ``diff`` (per parameter: expected, got, ok) of the first
failing call, ``expected_calls``, ``got_calls``, ``matched_calls``, and
``calls`` (one entry per expected call: the made call it was paired with).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from evalkit.errors import GraderError
from evalkit.graders._bfcl import (
    CallCheck,
    ExpectedCall,
    GotCall,
    check_call,
    expectation_problem,
    same_name,
)
from evalkit.graders.base import Checked, GradeItem, Grader, Score, grader
from evalkit.suite.schema import Sample
from evalkit.types import ToolCall

_RANK = {"wrong_name": 0, "bad_json": 1}  # other failures rank 2, a match 3


def _expected_calls(expected: Any) -> list[ExpectedCall]:
    calls = expected.get("tool_calls") if isinstance(expected, dict) else None
    if not isinstance(calls, list):
        raise GraderError(
            '\'expected\' must be {"tool_calls": [{"name": ..., "arguments": {...}}]}'
        )
    out: list[ExpectedCall] = []
    for i, call in enumerate(calls):
        args = call.get("arguments", {}) if isinstance(call, dict) else None
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except ValueError:
                raise GraderError(f"expected.tool_calls[{i}].arguments is not JSON") from None
        if (
            not isinstance(call, dict)
            or not isinstance(call.get("name"), str)
            or not isinstance(args, dict)
        ):
            raise GraderError(
                f"expected.tool_calls[{i}] needs a string 'name' and 'arguments' object"
            )
        out.append(ExpectedCall(call["name"], args))
    return out


def _got_call(call: ToolCall) -> GotCall:
    raw = call.arguments or ""
    if not raw.strip():
        return GotCall(call.name, {}, raw)  # some servers send "" for a call without arguments
    try:
        args = json.loads(raw)
    except ValueError as exc:
        return GotCall(call.name, None, raw, str(exc))
    if not isinstance(args, dict):
        return GotCall(call.name, None, raw, "not a JSON object")
    return GotCall(call.name, args, raw)


def _schemas(tools: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Each offered function's parameter schema, by name with dots as underscores."""
    out: dict[str, dict[str, Any]] = {}
    for tool in tools or ():
        fn = tool.get("function", tool) if isinstance(tool, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            params = fn.get("parameters")
            out[fn["name"].replace(".", "_")] = params if isinstance(params, dict) else {}
    return out


def _max_matching(ok: list[list[bool]], n_got: int) -> list[int | None]:
    """Kuhn's augmenting paths: for each expected call, the made call paired with it."""
    owner: list[int | None] = [None] * n_got

    def place(i: int, seen: set[int]) -> bool:
        for j in range(n_got):
            if ok[i][j] and j not in seen:
                seen.add(j)
                holder = owner[j]
                if holder is None or place(holder, seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(ok)):
        place(i, set())
    pair: list[int | None] = [None] * len(ok)
    for j, holder in enumerate(owner):
        if holder is not None:
            pair[holder] = j
    return pair


def _names(calls: list[Any]) -> str:
    return ", ".join(c.name for c in calls)


def _count_message(expected: list[ExpectedCall], got: list[GotCall]) -> str:
    want = f"{len(expected)} call{'s' * (len(expected) != 1)} ({_names(expected)})"
    if not expected:
        want = "no call"
    have = f"{len(got)} ({_names(got)})" if got else "none"
    return f"expected {want}, got {have}"


def _progress(check: CallCheck | None) -> int:
    """How far a pair got before failing: a wrong name least, a full match most."""
    if check is None:
        return -1
    if check.failure is None:
        return 3
    return _RANK.get(check.failure.reason, 2)


def _partner(row: list[CallCheck | None], free: list[int]) -> int | None:
    """The unpaired made call that came nearest to matching (first among equals)."""
    best: int | None = None
    for j in free:
        if row[j] is not None and (best is None or _progress(row[j]) > _progress(row[best])):
            best = j
    return best


@dataclass(frozen=True)
class _Miss:
    """The first expected call left unpaired, and the nearest made call's check."""

    reason: str
    message: str
    function: str
    check: CallCheck | None


def _explain_pairs(
    expected: list[ExpectedCall],
    got: list[GotCall],
    checks: list[list[CallCheck | None]],
    pair: list[int | None],
) -> tuple[list[dict[str, Any]], _Miss | None]:
    free = [j for j in range(len(got)) if j not in pair]
    calls: list[dict[str, Any]] = []
    first: _Miss | None = None
    for i, e in enumerate(expected):
        j = pair[i] if pair[i] is not None else _partner(checks[i], free)
        entry: dict[str, Any] = {"expected": e.name, "got": got[j].name if j is not None else None}
        if pair[i] is None:
            check = checks[i][j] if j is not None else None
            if check is not None and check.failure is not None:
                miss = _Miss(check.failure.reason, check.failure.message, e.name, check)
            else:
                miss = _Miss("wrong_count", f"{e.name}: no call made", e.name, None)
            entry.update(reason=miss.reason, message=miss.message)
            first = first or miss
        calls.append(entry)
    return calls, first


@grader("tool_call")
def tool_call(*, order_matters: bool = False, partial_credit: bool = False) -> Grader:
    """Passes when the model made exactly the expected calls (BFCL's AST rules)."""

    def grade(item: GradeItem) -> Score:
        expected = _expected_calls(item.sample.expected)
        got = [_got_call(c) for c in item.tool_calls]
        schemas = _schemas(item.sample.tools)
        # With order_matters only the i-th made call may answer the i-th expected one.
        checks = [
            [
                check_call(e, g, schemas.get(e.name.replace(".", "_")))
                if not order_matters or i == j
                else None
                for j, g in enumerate(got)
            ]
            for i, e in enumerate(expected)
        ]
        ok = [[c is not None and c.failure is None for c in row] for row in checks]
        pair = _max_matching(ok, len(got))
        matched = sum(p is not None for p in pair)
        calls, first = _explain_pairs(expected, got, checks, pair)
        details: dict[str, Any] = {
            "reason": None,
            "expected_calls": len(expected),
            "got_calls": len(got),
            "matched_calls": matched,
            "calls": calls,
        }
        if len(got) == len(expected) and first is None:
            return Score(1.0, True, f"calls match: {_names(expected) or 'no call'}", details)
        if len(got) != len(expected):
            details["reason"] = "wrong_count"
            message = _count_message(expected, got)
        else:
            assert first is not None
            details["reason"] = first.reason
            message = first.message
        if first is not None and first.check is not None:
            details.update(function=first.function, diff=first.check.diff)
        total = max(len(expected), len(got))
        return Score(matched / total if partial_credit else 0.0, False, message, details)

    return Checked(grade, check_expected)


def check_expected(sample: Sample) -> None:
    """The load-time check: ``expected`` has the tool_calls shape and fits the offered tools."""
    try:
        expected = _expected_calls(sample.expected)
    except GraderError as exc:
        raise ValueError(str(exc)) from None
    schemas = _schemas(sample.tools)
    for i, call in enumerate(expected):
        where = f"expected.tool_calls[{i}]"
        if sample.tools and not any(same_name(call.name, name) for name in schemas):
            offered = ", ".join(schemas) or "none"
            raise ValueError(f"{where}: {call.name!r} is not among the sample's tools ({offered})")
        problem = expectation_problem(call, schemas.get(call.name.replace(".", "_")))
        if problem:
            raise ValueError(f"{where}: {problem}")


__all__ = ["tool_call"]
