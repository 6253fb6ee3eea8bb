"""The answer key: which sample a request is, and whether the simulated model gets it right.

A request is matched to a sample by ``messages_key``: the sha256 of
``json.dumps(messages, sort_keys=True, ensure_ascii=False)`` (clients send a
sample's messages unchanged). Whether the answer is right is drawn from
``random.Random(sha256(seed, sample id, key))``, so the same seed gives the
same answers on every run and every epoch, with P(right) = ``skill``.

Long-context samples (``metadata.context_length``, ``metadata.depth``) are
harder: P(right) = skill × (1 − 0.3 × length / 128,000) × (1 − 0.15 ×
exp(−((depth − 0.5) / 0.2)²)), i.e. accuracy falls with length and dips when
the needle sits mid-context (depth is a fraction, or a percentage when > 1).
Skill 1.0 is an oracle: always right, whatever the length.

The right answer is ``metadata["reference"]`` when the suite gives one, else
derived from ``expected`` (see ``_reply_for``); free-text answers are
sometimes put in a short sentence when every grader tolerates that.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from evalkit.sim.reply import Reply, SimToolCall
from evalkit.sim.wrong import (
    NO_CALL_TEXT,
    UNSURE,
    dump_arguments,
    is_number,
    normalize,
    perturb_number,
    pick_other,
    resolve_arguments,
    scramble,
    unwanted_call_reply,
    wrong_choice,
    wrong_json,
    wrong_tool_reply,
)
from evalkit.suite.loader import Suite
from evalkit.suite.schema import Sample

GENERIC_ANSWER = "This is a simulated reply: the prompt is not in the simulator's answer key."
WRAP_OK = frozenset({"includes", "needle", "llm_judge"})
"""Graders that accept the answer inside a sentence."""
_WRAPS = ("{}", "The answer is {}.", "{}.", "Answer: {}")
IGNORED_FORMAT = (
    "Sure! Let me explain. Here is my answer, with more detail than you asked for: {} "
    "I hope this helps."
)


def messages_key(messages: Any) -> str:
    """The answer-key lookup key of a request's ``messages``."""
    data = json.dumps(messages, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Answer:
    """The simulated model's reply to one request, and which sample it answered."""

    reply: Reply
    sample_id: str | None = None
    correct: bool | None = None  # None: the prompt was not in the key


def correct_probability(sample: Sample, skill: float) -> float:
    """P(right answer) for ``sample`` at ``skill`` (long contexts and mid depths are harder)."""
    if skill >= 1.0:
        return 1.0
    p = skill
    length = sample.metadata.get("context_length")
    if isinstance(length, int | float) and length > 0:
        p *= max(0.0, 1.0 - 0.3 * length / 128_000)
    depth = sample.metadata.get("depth")
    if isinstance(depth, int | float):
        d = depth / 100 if depth > 1 else depth
        p *= 1.0 - 0.15 * math.exp(-(((d - 0.5) / 0.2) ** 2))
    return min(1.0, max(0.0, p))


def _expected_calls(raw: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    calls = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        inner = item.get("function")
        fn: dict[str, Any] = inner if isinstance(inner, dict) else item
        args = fn.get("arguments") or {}
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except ValueError:
                args = {}
        calls.append((str(fn.get("name", "")), args if isinstance(args, dict) else {}))
    return calls


def _is_tool_sample(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("tool_calls"), list)


def _bare_text(value: Any) -> str | None:
    """The plain-text answer a value stands for, or None when it is not text-like."""
    if value is None or _is_tool_sample(value) or isinstance(value, dict):
        return None
    if isinstance(value, list):
        return _bare_text(value[0]) if value else None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _reply_for(value: Any) -> Reply:
    """The right reply for an expected (or reference) value, before any wrapping."""
    if _is_tool_sample(value):
        calls = _expected_calls(value["tool_calls"])
        if not calls:
            return Reply(value.get("content") or NO_CALL_TEXT)
        return Reply(
            None, tuple(SimToolCall(n, dump_arguments(resolve_arguments(a))) for n, a in calls)
        )
    if isinstance(value, dict):
        return Reply(json.dumps(value, ensure_ascii=False))
    text = _bare_text(value)
    return Reply(text if text is not None else GENERIC_ANSWER)


@dataclass(frozen=True)
class _Entry:
    sample: Sample
    group: str
    right: Reply  # unwrapped
    value: str | None  # the bare text answer, for text-like samples


def _group(sample: Sample, suite: str | None) -> str:
    expected = sample.expected
    if _is_tool_sample(expected):
        kind = "tools"
    elif isinstance(expected, dict):
        kind = "json"
    else:
        text = _bare_text(expected)
        kind = "number" if text is not None and is_number(text) else "text"
    grader = sample.grader[0].type if sample.grader else ""
    return f"{suite or ''}|{grader}|{kind}"


class AnswerKey:
    """Answers requests from the samples it was built with, at a seeded skill.

    ``samples`` may mix Samples and loaded Suites; wrong answers borrow other
    samples' answers of the same suite (or, for bare Samples, of the same
    grader and answer type).
    """

    def __init__(
        self, samples: Iterable[Sample | Suite] = (), *, seed: int = 0, skill: float = 0.75
    ) -> None:
        self.seed = seed
        self.skill = skill
        self._entries: dict[str, _Entry] = {}
        self._pools: dict[str, list[str]] = {}
        self._arg_pools: dict[str, list[str]] = {}
        self._cache: dict[str, Answer] = {}
        for item in samples:
            if isinstance(item, Suite):
                for sample in item.samples:
                    self._add(sample, item.name)
            else:
                self._add(item, None)

    def _add(self, sample: Sample, suite: str | None) -> None:
        key = messages_key(sample.messages)
        if key in self._entries:
            return  # identical prompts answer as the first such sample
        reference = sample.metadata.get("reference")
        source = reference if reference is not None else sample.expected
        group = _group(sample, suite)
        entry = _Entry(sample, group, _reply_for(source), _bare_text(source))
        self._entries[key] = entry
        if entry.value is not None:
            self._pools.setdefault(group, []).append(entry.value)
        if _is_tool_sample(sample.expected):
            pool = self._arg_pools.setdefault(group, [])
            for _, args in _expected_calls(sample.expected["tool_calls"]):
                pool.extend(v for v in resolve_arguments(args).values() if isinstance(v, str))

    def __len__(self) -> int:
        return len(self._entries)

    def sample_for(self, key: str) -> Sample | None:
        """The sample whose messages have this key, if any."""
        entry = self._entries.get(key)
        return entry.sample if entry else None

    def answer(self, key: str, *, json_mode: bool = False) -> Answer:
        """The reply to the request whose messages have ``key`` (a generic one if unknown)."""
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        entry = self._entries.get(key)
        if entry is None:
            text = json.dumps({"answer": GENERIC_ANSWER}) if json_mode else GENERIC_ANSWER
            return Answer(Reply(text))
        sample = entry.sample
        digest = hashlib.sha256(f"{self.seed}\x00{sample.id}\x00{key}".encode()).digest()
        rng = random.Random(int.from_bytes(digest[:8], "big"))
        correct = rng.random() < correct_probability(sample, self.skill)
        reply = entry.right if correct else self._wrong(entry, rng)
        if reply.text is not None and not reply.tool_calls and self._wrappable(entry):
            reply = Reply(rng.choice(_WRAPS).format(reply.text))
        answer = Answer(reply, sample.id, correct)
        self._cache[key] = answer
        return answer

    def _wrappable(self, entry: _Entry) -> bool:
        graders = entry.sample.grader
        return (
            entry.value is not None
            and "reference" not in entry.sample.metadata
            and bool(graders)
            and all(g.type in WRAP_OK for g in graders)
        )

    def _wrong(self, entry: _Entry, rng: random.Random) -> Reply:
        sample = entry.sample
        expected = sample.expected
        tools: Sequence[dict[str, Any]] = sample.tools or ()
        if _is_tool_sample(expected):
            calls = _expected_calls(expected["tool_calls"])
            if calls:
                pool = self._arg_pools.get(entry.group, [])
                return wrong_tool_reply(calls, tools, pool, rng)
            return unwanted_call_reply(tools, last_user_text(sample.messages), rng)
        if entry.right.tool_calls:
            return Reply(NO_CALL_TEXT)
        if isinstance(expected, dict):
            return Reply(wrong_json(expected, rng))
        if entry.value is None:
            return Reply(UNSURE)
        return Reply(self._wrong_text(entry, rng))

    def _wrong_text(self, entry: _Entry, rng: random.Random) -> str:
        sample, value = entry.sample, entry.value or ""
        accepted = [sample.expected] if not isinstance(sample.expected, list) else sample.expected
        avoid = {normalize(str(v)) for v in [*accepted, value] if v is not None}
        graders = {g.type for g in sample.grader}
        needle = "needle" in graders or "context_length" in sample.metadata
        letter = value.strip()
        choices = _choice_count(sample)
        if len(letter) == 1 and letter.isalpha() and (choices or letter.isupper()):
            wrong = wrong_choice(letter, choices or 4, rng)
        elif is_number(value):
            wrong = perturb_number(value, rng)
        elif needle and any(c.isdigit() for c in value):
            wrong = scramble(value, rng)
        else:
            pool = self._pools.get(entry.group, [])
            other = pick_other(pool, avoid, rng)
            wrong = other if other is not None else (scramble(value, rng) if needle else UNSURE)
        norm = normalize(wrong)
        if norm in avoid or any(a and a in norm for a in avoid):
            wrong = UNSURE
        if sample.grader and sample.grader[0].type == "regex":
            # Format-constrained items: the typical miss ignores the format too.
            return IGNORED_FORMAT.format(wrong.rstrip("?"))
        return wrong


def _choice_count(sample: Sample) -> int:
    """How many options a multiple-choice sample has (0 when it is not one)."""
    for source in (sample.metadata, *(g.options for g in sample.grader)):
        for name in ("choices", "options"):
            if isinstance(source.get(name), list) and source[name]:
                return len(source[name])
    is_choice = any(g.type == "choice" for g in sample.grader)
    return 4 if is_choice else 0


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """The text of the last user message (text parts joined)."""
    for msg in reversed(messages):
        if msg.get("role") == "user":
            content = msg.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


__all__ = [
    "GENERIC_ANSWER",
    "WRAP_OK",
    "Answer",
    "AnswerKey",
    "correct_probability",
    "last_user_text",
    "messages_key",
]
