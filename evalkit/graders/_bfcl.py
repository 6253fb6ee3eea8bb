"""One expected function call against one call a model made, with BFCL's rules.

Expected argument values are literals or ``{"$any": [v1, v2, ...]}``; the
string ``"$absent"`` in that list lets the parameter be omitted (BFCL's
``""``). Markers may also appear inside expected objects. A check stops at
the first failure, in BFCL's order: name, JSON, required parameters, then
each emitted parameter (unexpected, type, enum and value), then expected
parameters that were not emitted; ``diff`` holds every parameter either way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

ANY = "$any"
ABSENT = "$absent"
_BFCL_STRIP = re.compile(r"[\s,./\-_*^]")
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "float": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "tuple": (list,),
    "object": (dict,),
    "dict": (dict,),
    "null": (type(None),),
}


@dataclass(frozen=True)
class ExpectedCall:
    """A call the sample expects: a name and argument patterns."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class GotCall:
    """A call the model made; ``arguments`` is None when its JSON did not decode."""

    name: str
    arguments: dict[str, Any] | None
    raw: str = ""
    error: str | None = None


@dataclass(frozen=True)
class Failure:
    """Why a pair does not match: a reason code and a readable message."""

    reason: str
    message: str


@dataclass
class CallCheck:
    """The verdict on one (expected, got) pair and its per-parameter diff."""

    failure: Failure | None = None
    diff: dict[str, dict[str, Any]] = field(default_factory=dict)


def same_name(a: str, b: str) -> bool:
    """Function names match, dots and underscores alike (APIs forbid '.' in names)."""
    return a == b or a.replace(".", "_") == b.replace(".", "_")


def show(value: Any, limit: int = 60) -> str:
    """A short Python-style rendering of a value for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_marker(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(ANY), list)


def absent_ok(expected: Any) -> bool:
    """Whether a parameter expected to be ``expected`` may be left out."""
    return is_marker(expected) and ABSENT in expected[ANY]


def _json_type(value: Any) -> str:
    for name in ("boolean", "integer", "number", "string", "array", "object", "null"):
        types = _JSON_TYPES[name]
        if isinstance(value, types) and not (
            name in ("integer", "number") and isinstance(value, bool)
        ):
            return name
    return type(value).__name__


def _type_ok(value: Any, type_name: str) -> bool:
    types = _JSON_TYPES.get(type_name)
    if types is None:
        return True  # "any" or a type we do not know: not ours to reject
    if isinstance(value, bool) and type_name in ("integer", "number", "float"):
        return False
    return isinstance(value, types)


def type_problem(value: Any, prop: Any, path: str) -> str | None:
    """Why ``value`` does not have the type ``prop`` declares (nested objects too)."""
    if not isinstance(prop, dict):
        return None
    declared = prop.get("type")
    if declared is not None:
        if isinstance(declared, str):  # the common case, without a generator
            ok = _type_ok(value, declared)
        else:
            ok = any(_type_ok(value, str(t)) for t in _as_list(declared))
        if not ok:
            want = " or ".join(str(t) for t in _as_list(declared))
            return f"{path}: expected {want}, got {_json_type(value)} {show(value)}"
    items = prop.get("items")
    if isinstance(value, list) and isinstance(items, dict) and "type" in items:
        for i, element in enumerate(value):
            if not any(_type_ok(element, str(t)) for t in _as_list(items["type"])):
                got = f"{_json_type(element)} {show(element)}"
                return f"{path}[{i}]: expected {items['type']}, got {got}"
    props = prop.get("properties")
    if isinstance(value, dict) and isinstance(props, dict):
        for key, sub in value.items():
            if key in props and (problem := type_problem(sub, props[key], f"{path}.{key}")):
                return problem
    return None


def enum_problem(value: Any, prop: Any, path: str) -> str | None:
    """Why ``value`` (or a nested property or item) is outside its schema ``enum``."""
    if not isinstance(prop, dict):
        return None
    enum = prop.get("enum")
    if isinstance(enum, list) and value not in enum:
        return f"{path}: {show(value)} is not one of the allowed {show(enum, 80)}"
    if isinstance(value, list) and isinstance(prop.get("items"), dict):
        for i, element in enumerate(value):
            if problem := enum_problem(element, prop["items"], f"{path}[{i}]"):
                return problem
    props = prop.get("properties")
    if isinstance(value, dict) and isinstance(props, dict):
        for key, sub in value.items():
            if key in props and (problem := enum_problem(sub, props[key], f"{path}.{key}")):
                return problem
    return None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _norm(text: str) -> str:
    return _BFCL_STRIP.sub("", text).casefold().replace("'", '"')


def value_problem(expected: Any, got: Any, path: str) -> str | None:
    """Why ``got`` does not match the expected pattern, or None when it does."""
    if is_marker(expected):
        options = [v for v in expected[ANY] if v != ABSENT]
        if any(value_problem(option, got, path) is None for option in options):
            return None
        return f"{path}: expected one of {show(options, 80)}, got {show(got)}"
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{path}: expected an object, got {show(got)}"
        for key, want in expected.items():
            if key not in got:
                if not absent_ok(want):
                    return f"{path}.{key}: missing"
            elif problem := value_problem(want, got[key], f"{path}.{key}"):
                return problem
        extra = [k for k in got if k not in expected]
        return f"{path}.{extra[0]}: unexpected key" if extra else None
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"{path}: expected {show(expected)}, got {show(got)}"
        for i, (want, element) in enumerate(zip(expected, got, strict=True)):
            if problem := value_problem(want, element, f"{path}[{i}]"):
                return problem
        return None
    if isinstance(expected, str):
        ok = isinstance(got, str) and _norm(expected) == _norm(got)
    elif isinstance(expected, int | float) and not isinstance(expected, bool):
        ok = (
            isinstance(got, int | float)
            and not isinstance(got, bool)
            and math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-12)
        )
    else:
        ok = got is expected or (type(got) is type(expected) and got == expected)
    return None if ok else f"{path}: expected {show(expected)}, got {show(got)}"


def _param_failure(
    name: str, param: str, value: Any, expected: ExpectedCall, props: dict[str, Any] | None
) -> Failure | None:
    path = f"{name}.{param}"
    if props is not None and param not in props:
        return Failure("unexpected_param", f"{path}: not a parameter of the function")
    if param not in expected.arguments:
        return Failure("unexpected_param", f"{path}: not expected (got {show(value)})")
    if props is not None and (problem := type_problem(value, props[param], path)):
        return Failure("type_error", problem)
    problem = (props is not None and enum_problem(value, props[param], path)) or value_problem(
        expected.arguments[param], value, path
    )
    return Failure("value_error", problem) if problem else None


def _marker_problem(value: Any, path: str) -> str | None:
    if isinstance(value, dict):
        if ANY in value and not is_marker(value):
            return f"{path}: {ANY} needs a list of allowed values and no other key"
        found = (_marker_problem(v, f"{path}.{k}") for k, v in value.items())
    elif isinstance(value, list):
        found = (_marker_problem(v, f"{path}[{i}]") for i, v in enumerate(value))
    else:
        return None
    return next((p for p in found if p is not None), None)


def _has_marker(value: Any) -> bool:
    if isinstance(value, dict):
        return is_marker(value) or any(_has_marker(v) for v in value.values())
    return isinstance(value, list) and any(_has_marker(v) for v in value)


def _unmatchable(want: Any, prop: Any, path: str) -> str | None:
    """Why no value the schema allows can match ``want``: each is outside its type or enum.

    An ``$any`` with one good option still has a way to pass, so it is not
    reported; nor is a nested pattern (the schema speaks of values).
    """
    options = [v for v in want[ANY] if v != ABSENT] if is_marker(want) else [want]
    problems: list[str] = []
    for option in options:
        if _has_marker(option):
            return None
        problem = type_problem(option, prop, path) or enum_problem(option, prop, path)
        if problem is None:
            return None
        problems.append(problem)
    return problems[0] if problems else None


def expectation_problem(expected: ExpectedCall, schema: dict[str, Any] | None) -> str | None:
    """Why ``expected`` can never be matched under the function's ``schema``, or None.

    Found when a suite loads: a malformed ``$any`` marker, an argument that is
    not a parameter, a value outside its declared type or enum, a required
    parameter left out.
    """
    name = expected.name
    for param, want in expected.arguments.items():
        if problem := _marker_problem(want, f"{name}.{param}"):
            return problem
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return None
    for param, want in expected.arguments.items():
        if param not in props:
            known = ", ".join(props) or "none"
            return f"{name}.{param}: not a parameter of the function (parameters: {known})"
        if problem := _unmatchable(want, props[param], f"{name}.{param}"):
            return f"{problem} (no call can match it)"
    required = schema.get("required", []) if isinstance(schema, dict) else []
    for param in required if isinstance(required, list) else []:
        if param not in expected.arguments:
            return f"{name}.{param}: a required parameter the expected call leaves out"
    return None


def check_call(expected: ExpectedCall, got: GotCall, schema: dict[str, Any] | None) -> CallCheck:
    """Check one model call against one expected call and the function's schema."""
    out = CallCheck()
    if not same_name(expected.name, got.name):
        out.failure = Failure("wrong_name", f"expected a call to {expected.name}, got {got.name}")
        return out
    name = expected.name
    if got.arguments is None:
        message = f"{name}: arguments are not valid JSON ({got.error}): {show(got.raw)}"
        out.failure = Failure("bad_json", message)
        return out
    args = got.arguments
    props = schema.get("properties") if isinstance(schema, dict) else None
    props = props if isinstance(props, dict) else None
    required = schema.get("required", []) if isinstance(schema, dict) else []
    failures: list[Failure] = []
    for param in required:
        if param not in args:
            message = f"{name}.{param}: required parameter missing"
            failures.append(Failure("missing_required", message))
    for param, value in args.items():
        failure = _param_failure(name, param, value, expected, props)
        want = expected.arguments.get(param, ABSENT)
        out.diff[param] = {"expected": want, "got": value, "ok": failure is None}
        if failure is not None:
            failures.append(failure)
    for param, want in expected.arguments.items():
        if param in args:
            continue
        out.diff[param] = {"expected": want, "got": ABSENT, "ok": absent_ok(want)}
        if not absent_ok(want) and param not in required:  # required ones are reported above
            message = f"{name}.{param}: expected parameter missing"
            failures.append(Failure("missing_param", message))
    for param in required:
        if param not in args and param not in out.diff:
            out.diff[param] = {"expected": "<required>", "got": ABSENT, "ok": False}
    if failures:
        out.failure = failures[0]
    return out


__all__ = [
    "ABSENT",
    "ANY",
    "CallCheck",
    "ExpectedCall",
    "Failure",
    "GotCall",
    "absent_ok",
    "check_call",
    "enum_problem",
    "expectation_problem",
    "is_marker",
    "same_name",
    "show",
    "type_problem",
    "value_problem",
]
