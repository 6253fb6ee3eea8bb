"""The suites shipped in suites/: they load, have their sizes, kinds and defaults, and
their JSONL files are exactly what their build scripts write."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from suite_files import SUITES, build_module

from evalkit.suite import Suite, load_suite

MIN_SIZE = {"chat": 150, "vision": 60, "tools": 80, "json": 60, "needle": 20}


@pytest.fixture(scope="module")
def shipped() -> dict[str, Suite]:
    return {name: load_suite(SUITES / name) for name in MIN_SIZE}


@pytest.mark.parametrize("name", sorted(MIN_SIZE))
def test_suite_loads_with_its_kind_and_size(shipped: dict[str, Suite], name: str) -> None:
    suite = shipped[name]
    assert suite.name == name
    assert suite.kind == name
    assert len(suite.samples) >= MIN_SIZE[name]
    assert suite.description
    for sample in suite.samples:
        assert sample.grader, sample.id
        assert sample.params.get("temperature") == 0, sample.id
        assert 16 <= sample.params.get("max_tokens", 0) <= 256, sample.id


def test_chat_defaults_and_categories(shipped: dict[str, Suite]) -> None:
    samples = shipped["chat"].samples
    tags = Counter(t for s in samples for t in s.tags)
    assert tags["chat"] == len(samples)
    for category in ("factual", "arithmetic", "units", "format", "choice", "reasoning"):
        assert tags[category] >= 15, category
    by_type = Counter(s.grader[0].type for s in samples)
    assert {"normalized", "numeric", "regex", "choice"} <= set(by_type)
    for s in samples:
        if "choice" in s.tags:
            assert s.grader[0].type == "choice" and s.expected in ("A", "B", "C", "D")
            assert f"{s.expected}. " in s.messages[-1]["content"]
        if s.grader[0].type == "normalized":
            assert s.grader[0].options == {}  # from the manifest default
        if s.grader[0].type == "regex":
            assert isinstance(s.metadata.get("reference"), str), s.id


def test_chat_choice_answers_are_spread(shipped: dict[str, Suite]) -> None:
    letters = Counter(s.expected for s in shipped["chat"].samples if "choice" in s.tags)
    assert set(letters) == {"A", "B", "C", "D"}
    assert max(letters.values()) - min(letters.values()) <= 3


def _props(tool: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    params = tool["function"]["parameters"]
    return params["properties"], params.get("required", [])


def test_tools_items_match_their_schemas(shipped: dict[str, Suite]) -> None:
    samples = shipped["tools"].samples
    tags = Counter(t for s in samples for t in s.tags)
    for category in ("simple", "multiple", "parallel", "nested", "optional", "relevance"):
        assert tags[category] >= 8, category
    for s in samples:
        assert s.tool_choice == "auto" and s.tools, s.id
        assert s.grader[0].type == "tool_call"
        offered = {t["function"]["name"]: t for t in s.tools}
        calls = s.expected["tool_calls"]
        if "relevance" in s.tags:
            assert calls == [] and s.metadata["reference"]
            continue
        assert calls, s.id
        if "parallel" in s.tags:
            assert len(calls) >= 2 and s.parallel_tool_calls is True
        if "multiple" in s.tags:
            assert len(offered) >= 3
        for call in calls:
            props, required = _props(offered[call["name"]])
            args = call["arguments"]
            assert set(args) <= set(props), (s.id, set(args) - set(props))
            assert set(required) <= set(args), (s.id, set(required) - set(args))
            for name, value in args.items():
                enum = props[name].get("enum")
                values = value["$any"] if isinstance(value, dict) and "$any" in value else [value]
                if enum:
                    assert set(values) - {"$absent"} <= set(enum), (s.id, name)
                if name in required:
                    assert "$absent" not in values, (s.id, name)


def test_json_items_have_schema_and_full_reference(shipped: dict[str, Suite]) -> None:
    samples = shipped["json"].samples
    kinds = Counter(s.response_format["type"] for s in samples if s.response_format)
    assert kinds["json_object"] >= 30 and kinds["json_schema"] >= 10
    for s in samples:
        spec = s.grader[0]
        assert spec.type == "json" and spec.options["schema"]["type"] == "object"
        assert "json" in s.messages[-1]["content"].lower(), s.id
        ref = s.metadata["reference"]
        assert isinstance(ref, dict) and isinstance(s.expected, dict)
        assert {k: ref[k] for k in s.expected} == s.expected, s.id
        assert set(spec.options["schema"]["required"]) <= set(ref), s.id
        assert s.response_format is not None
        if s.response_format["type"] == "json_schema":
            inner = s.response_format["json_schema"]
            assert inner["strict"] is True and inner["schema"] == spec.options["schema"]
            assert inner["schema"]["additionalProperties"] is False


def test_needle_suite_is_a_generated_grid(shipped: dict[str, Suite]) -> None:
    samples = shipped["needle"].samples
    cells = Counter(s.cluster for s in samples)
    assert len(cells) == 4 * 5 and set(cells.values()) == {2}
    assert {s.metadata["context_length"] for s in samples} == {1000, 4000, 16000, 32000}
    assert all(s.grader[0].type == "needle" for s in samples)


@pytest.mark.parametrize("name", ["chat", "tools", "json"])
def test_jsonl_is_what_the_build_script_writes(name: str, tmp_path: Path) -> None:
    written = build_module(name).write(tmp_path)
    committed = SUITES / name / "samples.jsonl"
    assert written.read_bytes() == committed.read_bytes(), (
        f"suites/{name}/samples.jsonl differs from build.py's output: "
        f"run python suites/{name}/build.py"
    )
    ids = [json.loads(line)["id"] for line in written.read_text("utf-8").splitlines()]
    assert len(ids) == len(set(ids))


def test_needle_128k_follows_the_targets_context_window() -> None:
    suite = load_suite(SUITES / "needle-128k", context_window=128_000)
    assert suite.name == "needle-128k" and suite.kind == "needle" and suite.description
    samples = suite.samples
    lengths = sorted({s.metadata["context_length"] for s in samples})
    assert lengths == [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000]
    cells = Counter(s.cluster for s in samples)
    assert len(cells) == len(lengths) * 5 and set(cells.values()) == {1}
    longest = max(s.metadata["estimated_prompt_tokens"] for s in samples)
    assert 127_000 < longest <= 128_000 - 200
    for s in samples:
        assert s.grader[0].type == "needle", s.id
        assert s.params == {"temperature": 0, "max_tokens": 64}, s.id


def test_needle_128k_without_a_window_stops_at_32k() -> None:
    # What `evalkit suites list` loads: no target, so the 32k default grid.
    samples = load_suite(SUITES / "needle-128k").samples
    assert max(s.metadata["context_length"] for s in samples) == 32000
    assert len(samples) == 6 * 5


def test_the_quick_needle_suite_ignores_the_window() -> None:
    samples = load_suite(SUITES / "needle", context_window=128_000).samples
    assert {s.metadata["context_length"] for s in samples} == {1000, 4000, 16000, 32000}
