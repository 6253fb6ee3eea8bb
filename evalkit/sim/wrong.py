"""Plausible wrong answers: the mistakes a real model makes, not random noise.

Every function takes the decision RNG of the request (seeded by the sample),
so a wrong answer is as reproducible as a right one.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Sequence
from typing import Any

from evalkit.sim.reply import Reply, SimToolCall

UNSURE = "I'm not sure."
NO_CALL_TEXT = "I can answer that without calling a tool: I do not have enough information."

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_HEX = re.compile(r"[0-9a-fA-F-]+")
ABSENT = "$absent"


def normalize(text: str) -> str:
    """Case- and space-insensitive form used to tell a wrong answer from a right one."""
    return " ".join(text.casefold().split()).strip(" .!?\"'")


def is_number(text: str) -> bool:
    """True when ``text`` is a plain integer or decimal."""
    return _NUMBER.fullmatch(text.strip()) is not None


def perturb_number(text: str, rng: random.Random) -> str:
    """A different number of the same form, off by 5-30 % (at least 1)."""
    text = text.strip()
    if "." in text:
        decimals = len(text.split(".")[1])
        x = float(text)
        factor = rng.uniform(0.1, 0.5) * rng.choice((-1, 1))
        y = x * (1 + factor) if x else rng.choice((1.0, -1.0))
        out = f"{y:.{decimals}f}"
        return out if float(out) != x else f"{x + 1:.{decimals}f}"
    n = int(text)
    delta = max(1, round(abs(n) * rng.uniform(0.05, 0.3)))
    return str(n + delta * rng.choice((-1, 1)))


def scramble(value: str, rng: random.Random) -> str:
    """A different random value of the same shape (digits stay digits, hex stays hex)."""
    hexlike = _HEX.fullmatch(value) is not None and any(c.isdigit() for c in value)
    for _ in range(8):
        out = []
        for c in value:
            if c.isdigit():
                out.append(rng.choice(string.digits))
            elif hexlike and c in "abcdef":
                out.append(rng.choice("0123456789abcdef"))
            elif hexlike and c in "ABCDEF":
                out.append(rng.choice("0123456789ABCDEF"))
            elif c.islower():
                out.append(rng.choice(string.ascii_lowercase))
            elif c.isupper():
                out.append(rng.choice(string.ascii_uppercase))
            else:
                out.append(c)
        candidate = "".join(out)
        if normalize(candidate) != normalize(value):
            return candidate
    return value + "0"


def wrong_choice(letter: str, n_choices: int, rng: random.Random) -> str:
    """Another option letter among the first ``n_choices``."""
    letters = string.ascii_uppercase[: max(n_choices, 2, ord(letter.upper()) - 64)]
    others = [c for c in letters if c != letter.upper()]
    choice = rng.choice(others)
    return choice if letter.isupper() else choice.lower()


def pick_other(pool: Sequence[str], avoid: set[str], rng: random.Random) -> str | None:
    """Another sample's answer that is not acceptable here, or None when there is none."""
    if not pool:
        return None
    for _ in range(12):
        candidate = rng.choice(pool)
        norm = normalize(candidate)
        if norm and norm not in avoid and not any(a and a in norm for a in avoid):
            return candidate
    return None


def _perturb_value(
    value: Any, acceptable: list[Any], pool: Sequence[str], rng: random.Random
) -> Any:
    avoid = {normalize(str(v)) for v in acceptable}
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return int(perturb_number(str(value), rng))
    if isinstance(value, float):
        return value * (1 + rng.uniform(0.1, 0.5) * rng.choice((-1, 1))) if value else 1.0
    if isinstance(value, str):
        if is_number(value):
            return perturb_number(value, rng)
        other = pick_other(pool, avoid, rng)
        return other if other is not None else scramble(value, rng)
    if isinstance(value, list):
        return value[:-1] if value else ["?"]
    return {}


def wrong_tool_reply(
    expected: list[tuple[str, dict[str, Any]]],
    tools: Sequence[dict[str, Any]],
    arg_pool: Sequence[str],
    rng: random.Random,
) -> Reply:
    """A wrong set of calls: a wrong name, a missing or wrong argument, a dropped call, or none.

    ``expected`` holds (name, raw arguments) with ``{"$any": [...]}`` alternatives kept.
    """
    calls = [(name, resolve_arguments(raw)) for name, raw in expected]
    i = rng.randrange(len(calls))
    name, raw = expected[i]
    required = [k for k, v in raw.items() if not _optional(v)]
    kinds = ["wrong_name", "no_call"]
    if required:
        kinds += ["missing_arg", "wrong_value", "wrong_value"]
    if len(calls) > 1:
        kinds.append("drop_call")
    kind = rng.choice(kinds)
    if kind == "no_call":
        return Reply(NO_CALL_TEXT)
    if kind == "drop_call":
        del calls[i]
    elif kind == "wrong_name":
        names = [n for n in _tool_names(tools) if n != name]
        calls[i] = (rng.choice(names) if names else f"{name}_v2", calls[i][1])
    elif kind == "missing_arg":
        key = rng.choice(required)
        calls[i][1].pop(key, None)
    else:
        key = rng.choice(required)
        spec = raw[key]
        acceptable = spec["$any"] if _is_any(spec) else [spec]
        calls[i][1][key] = _perturb_value(calls[i][1].get(key), acceptable, arg_pool, rng)
    return Reply(None, tuple(SimToolCall(n, dump_arguments(a)) for n, a in calls))


def unwanted_call_reply(tools: Sequence[dict[str, Any]], prompt: str, rng: random.Random) -> Reply:
    """A call where none was wanted: one of the offered tools, arguments made up from its schema."""
    offered = [t["function"] for t in tools if isinstance(t.get("function"), dict)]
    if not offered:
        return Reply(None, (SimToolCall("search", dump_arguments({"query": prompt[:60]})),))
    fn = rng.choice(offered)
    params = fn.get("parameters") or {}
    props: dict[str, Any] = params.get("properties") or {}
    wanted = params.get("required") or list(props)[:1]
    args = {k: _placeholder(props.get(k) or {}, prompt) for k in wanted}
    return Reply(None, (SimToolCall(str(fn.get("name", "tool")), dump_arguments(args)),))


def _placeholder(schema: dict[str, Any], prompt: str) -> Any:
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return {}
    words = prompt.split()
    return " ".join(words[-3:]).strip("?.!") or "example"


def wrong_json(expected: dict[str, Any], rng: random.Random) -> str:
    """JSON that fails: a field missing, a fenced block with a wrong value, or truncated text."""
    text = json.dumps(expected, ensure_ascii=False)
    kind = rng.choice(("missing_field", "fenced", "truncated")) if expected else "truncated"
    if kind == "truncated":
        return text[: max(1, len(text) * 3 // 5)]
    broken = dict(expected)
    key = rng.choice(list(broken))
    if kind == "missing_field":
        del broken[key]
        return json.dumps(broken, ensure_ascii=False)
    broken[key] = _perturb_value(broken[key], [broken[key]], (), rng)
    return "```json\n" + json.dumps(broken, ensure_ascii=False, indent=2) + "\n```"


def _is_any(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"$any"} and isinstance(value["$any"], list)


def _optional(value: Any) -> bool:
    return _is_any(value) and ABSENT in value["$any"]


def resolve_arguments(raw: dict[str, Any]) -> dict[str, Any]:
    """Concrete arguments from expected ones: ``{"$any": [v1, ...]}`` becomes v1.

    When v1 is ``"$absent"`` the argument is left out.
    """
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if _is_any(value):
            if not value["$any"] or value["$any"][0] == ABSENT:
                continue
            value = value["$any"][0]
        out[key] = resolve_arguments(value) if isinstance(value, dict) else value
    return out


def dump_arguments(args: dict[str, Any]) -> str:
    """Arguments as the compact JSON text the gateway sends."""
    return json.dumps(args, separators=(",", ":"), ensure_ascii=False)


def _tool_names(tools: Sequence[dict[str, Any]]) -> list[str]:
    return [
        str(t["function"]["name"])
        for t in tools
        if isinstance(t.get("function"), dict) and "name" in t["function"]
    ]


__all__ = [
    "NO_CALL_TEXT",
    "UNSURE",
    "dump_arguments",
    "is_number",
    "normalize",
    "perturb_number",
    "pick_other",
    "resolve_arguments",
    "scramble",
    "unwanted_call_reply",
    "wrong_choice",
    "wrong_json",
    "wrong_tool_reply",
]
