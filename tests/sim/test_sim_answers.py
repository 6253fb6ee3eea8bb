"""The answer key: right answers from expected values, plausible wrong ones, seeded skill."""

from __future__ import annotations

import contextlib
import json
import string

import pytest

from evalkit.sim.answers import (
    GENERIC_ANSWER,
    AnswerKey,
    correct_probability,
    messages_key,
)
from evalkit.sim.reply import Reply
from evalkit.suite.schema import Sample

from .simcases import by_id, make_samples


def reply_of(key: AnswerKey, sample: Sample) -> Reply:
    return key.answer(messages_key(sample.messages)).reply


def test_key_is_the_sha256_of_the_sorted_messages_json() -> None:
    a = [{"role": "user", "content": "hi", "name": "x"}]
    b = [{"name": "x", "content": "hi", "role": "user"}]
    assert messages_key(a) == messages_key(b)
    assert messages_key(a) != messages_key([{"role": "user", "content": "hi!"}])
    key = AnswerKey(make_samples())
    assert key.sample_for(messages_key(a)) is None
    capital = by_id(make_samples(), "capital")
    found = key.sample_for(messages_key(capital.messages))
    assert found is not None and found.id == "capital"


def test_right_answers_follow_the_expected_value() -> None:
    samples = make_samples()
    key = AnswerKey(samples, skill=1.0)
    assert reply_of(key, by_id(samples, "capital")) == Reply("Paris")
    # A reference, when given, is the answer verbatim.
    essay = by_id(samples, "essay")
    assert reply_of(key, essay).text == essay.metadata["reference"]
    assert reply_of(key, by_id(samples, "sum")).text == "42"
    assert reply_of(key, by_id(samples, "mcq")).text == "B"
    person = reply_of(key, by_id(samples, "person"))
    assert person.text is not None and json.loads(person.text) == by_id(samples, "person").expected
    weather = reply_of(key, by_id(samples, "weather"))
    assert weather.text is None
    assert [(c.name, json.loads(c.arguments)) for c in weather.tool_calls] == [
        ("get_weather", {"city": "Tokyo"})  # "$absent" first: the optional unit is left out
    ]
    no_call = reply_of(key, by_id(samples, "no-call"))
    assert no_call.tool_calls == () and no_call.text


def test_any_alternatives_take_the_first_value_and_lists_their_first_item() -> None:
    samples = [
        Sample(
            id="t",
            prompt="Weather in Paris in celsius?",
            expected={
                "tool_calls": [
                    {"name": "get_weather", "arguments": {"city": {"$any": ["Paris", "paris"]}}}
                ]
            },
            grader="tool_call",
        ),
        Sample(id="l", prompt="Name a primary colour.", expected=["red", "blue"], grader="exact"),
        Sample(id="f", prompt="Pi to two decimals?", expected=3.14, grader="numeric"),
    ]
    key = AnswerKey(samples, skill=1.0)
    assert json.loads(reply_of(key, samples[0]).tool_calls[0].arguments) == {"city": "Paris"}
    assert reply_of(key, samples[1]).text == "red"
    assert reply_of(key, samples[2]).text == "3.14"


def test_free_text_is_sometimes_put_in_a_sentence_when_graders_allow_it() -> None:
    sample = Sample(id="q", prompt="Capital of Italy?", expected="Rome", grader="includes")
    texts = {reply_of(AnswerKey([sample], seed=s, skill=1.0), sample).text for s in range(30)}
    assert all(t is not None and "Rome" in t for t in texts)
    assert "Rome" in texts and len(texts) > 1
    exact = Sample(id="q", prompt="Capital of Italy?", expected="Rome", grader="exact")
    assert {reply_of(AnswerKey([exact], seed=s, skill=1.0), exact).text for s in range(30)} == {
        "Rome"
    }


def test_unknown_prompts_get_a_generic_answer() -> None:
    key = AnswerKey(make_samples())
    unknown = messages_key([{"role": "user", "content": "never seen"}])
    answer = key.answer(unknown)
    assert answer.reply.text == GENERIC_ANSWER and answer.sample_id is None
    assert answer.correct is None
    assert json.loads(key.answer(unknown, json_mode=True).reply.text or "") == {
        "answer": GENERIC_ANSWER
    }


def test_skill_zero_is_always_wrong_in_plausible_ways() -> None:
    samples = make_samples()
    key = AnswerKey(samples, skill=0.0)
    for sample in samples:
        assert key.answer(messages_key(sample.messages)).correct is False
    sum_text = reply_of(key, by_id(samples, "sum")).text or ""
    assert sum_text.lstrip("-").isdigit() and int(sum_text) != 42
    letter = reply_of(key, by_id(samples, "mcq")).text
    assert letter in {"A", "C", "D"}
    person = reply_of(key, by_id(samples, "person")).text or ""
    # Either a field is missing, or the JSON is fenced or truncated (not parseable).
    with contextlib.suppress(ValueError):
        assert json.loads(person) != by_id(samples, "person").expected
    # A call where none was wanted.
    assert reply_of(key, by_id(samples, "no-call")).tool_calls


def test_wrong_free_text_borrows_another_samples_answer() -> None:
    capitals = {"France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Japan": "Tokyo"}
    samples = [
        Sample(id=c, prompt=f"Capital of {c}?", expected=v, grader="exact")
        for c, v in capitals.items()
    ]
    key = AnswerKey(samples, skill=0.0)
    for sample in samples:
        text = reply_of(key, sample).text
        assert text in capitals.values() and text != sample.expected


def test_wrong_tool_calls_mix_failure_kinds() -> None:
    kinds = set()
    for seed in range(60):
        samples = make_samples()
        weather = by_id(samples, "weather")
        reply = reply_of(AnswerKey(samples, seed=seed, skill=0.0), weather)
        if not reply.tool_calls:
            kinds.add("no_call")
            continue
        (call,) = reply.tool_calls
        args = json.loads(call.arguments)
        if call.name != "get_weather":
            assert call.name == "get_time"  # another offered tool
            kinds.add("wrong_name")
        elif "city" not in args:
            kinds.add("missing_arg")
        else:
            assert args["city"] != "Tokyo"
            kinds.add("wrong_value")
    assert kinds == {"no_call", "wrong_name", "missing_arg", "wrong_value"}


def test_needle_values_are_replaced_by_a_value_of_the_same_shape() -> None:
    needle = Sample(
        id="n",
        prompt="... haystack ... What is the magic number?",
        expected="7046125",
        grader="needle",
        metadata={"context_length": 4000, "depth": 0.5},
    )
    for seed in range(10):
        text = reply_of(AnswerKey([needle], seed=seed, skill=0.0), needle).text or ""
        digits = "".join(c for c in text if c in string.digits)
        assert len(digits) == 7 and digits != "7046125"


def test_same_seed_same_answers_and_skill_sets_the_rate() -> None:
    samples = [
        Sample(id=f"q{i}", prompt=f"Code word {i}?", expected=f"word{i}", grader="exact")
        for i in range(1000)
    ]
    first = AnswerKey(samples, seed=3, skill=0.7)
    again = AnswerKey(samples, seed=3, skill=0.7)
    other = AnswerKey(samples, seed=4, skill=0.7)
    keys = [messages_key(s.messages) for s in samples]
    assert [first.answer(k) for k in keys] == [again.answer(k) for k in keys]
    assert [first.answer(k) for k in keys] != [other.answer(k) for k in keys]
    right = sum(bool(first.answer(k).correct) for k in keys)
    assert 0.65 <= right / 1000 <= 0.75
    for k, s in zip(keys, samples, strict=True):
        answer = first.answer(k)
        assert (answer.reply.text == s.expected) == answer.correct


def test_long_contexts_and_middle_depths_are_harder() -> None:
    def needle(length: int, depth: float) -> Sample:
        return Sample(
            id="n",
            prompt="q",
            expected="1",
            grader="needle",
            metadata={"context_length": length, "depth": depth},
        )

    short, long_ = needle(1000, 0.0), needle(128_000, 0.0)
    assert correct_probability(long_, 0.8) < correct_probability(short, 0.8) <= 0.8
    assert correct_probability(needle(1000, 0.5), 0.8) < correct_probability(short, 0.8)
    # Depth as a percentage means the same as a fraction.
    assert correct_probability(needle(1000, 50), 0.8) == correct_probability(needle(1000, 0.5), 0.8)
    assert correct_probability(long_, 1.0) == 1.0  # skill 1.0 is an oracle


@pytest.mark.parametrize("skill", [0.0, 1.0])
def test_extreme_skills_are_exact(skill: float) -> None:
    samples = make_samples()
    key = AnswerKey(samples, skill=skill, seed=11)
    outcomes = {key.answer(messages_key(s.messages)).correct for s in samples}
    assert outcomes == {skill == 1.0}
