"""A run against an endpoint with gaps: what it cannot take is skipped, explained, never sent."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from gappy_app import LOG, Gaps, gappy_app

from evalkit.config import parse_config
from evalkit.lifecycle import run_async
from evalkit.metrics import accuracy_table, load_run
from evalkit.runfolder import read_manifest, read_records
from evalkit.runner.probe_checks import GREEN_IMAGE

AiohttpServer = Any
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def mixed_suite(path: Path) -> Path:
    """2 plain, 2 json_schema, 2 json_object, 2 image and 2 auto-tool items."""
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    lines: list[dict[str, Any]] = []
    for i in range(2):
        lines += [
            {"id": f"plain{i}", "prompt": "What is 6 x 7?", "expected": "42", "grader": "exact"},
            {
                "id": f"schema{i}",
                "prompt": "JSON please",
                "response_format": schema,
                "grader": "json",
            },
            {
                "id": f"object{i}",
                "prompt": "JSON please",
                "response_format": {"type": "json_object"},
                "grader": "json",
            },
            {
                "id": f"image{i}",
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "Colour?"},
                            {"type": "image_url", "image_url": {"url": GREEN_IMAGE}},
                        ],
                    }
                ],
                "expected": "green",
                "grader": "includes",
            },
            {
                "id": f"tools{i}",
                "prompt": "Weather in Paris?",
                "tools": [WEATHER],
                "tool_choice": "auto",
                "expected": {
                    "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]
                },
                "grader": "tool_call",
            },
        ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def config_for(url: str) -> Any:
    body = {
        "base_url": url,
        "model": "gappy",
        "max_attempts": 6,
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.02,
        "timeout_s": 10,
    }
    return parse_config({"targets": {"gappy": body}}, "test.toml")


async def test_unsupported_items_are_skipped_with_the_probes_reason(
    aiohttp_server: AiohttpServer, tmp_path: Path
) -> None:
    server = await aiohttp_server(gappy_app(Gaps()))
    suite = mixed_suite(tmp_path / "mixed.jsonl")
    result = await run_async(
        [suite],
        ["gappy"],
        out=tmp_path / "res",
        config=config_for(str(server.make_url("/v1"))),
        progress=False,
        echo=None,
    )
    assert result.exit_code == 0
    records = {r.sample_id: r for r in read_records(result.run_dir)}
    skipped = {k: r for k, r in records.items() if r.status == "skipped"}
    assert sorted(skipped) == ["image0", "image1", "schema0", "schema1"]
    for key, rec in skipped.items():
        assert rec.attempts == 0 and rec.output is None and rec.http_status is None
        want = "image input" if key.startswith("image") else "structured output (json_schema)"
        assert rec.skip_reason is not None and rec.skip_reason.startswith(want), rec.skip_reason
    assert "it answered 'The image is blue.'" in str(skipped["image0"].skip_reason)
    assert all(r.status == "ok" for k, r in records.items() if k not in skipped)
    assert records["tools0"].passed and records["tools1"].passed

    # Never sent: the only json_schema and image requests are the probe's one each.
    log = server.app[LOG]
    kinds = [k for k, _ in log]
    assert kinds.count("json_schema") == 1 and kinds.count("image") == 1
    # The auto-tool items went unstreamed (streamed, this endpoint breaks them off).
    sent = [
        b for k, b in log if k == "tools" and b["messages"][0]["content"] == "Weather in Paris?"
    ]
    assert len(sent) == 2 and all(b["stream"] is False for b in sent)

    # Accuracy is over the answered items; the skipped count is beside it.
    table = accuracy_table(load_run(result.run_dir), by="arm")
    row = table.iloc[0]
    assert (row["n"], row["n_skipped"], row["n_error"]) == (6, 4, 0)
    assert set(row["skipped_by_reason"].values()) == {2}
    assert row["accuracy"] == 1.0

    # run.json keeps the probe's findings; JUnit, summary and report say what was skipped.
    probes = read_manifest(result.run_dir).probes
    assert probes["gappy"]["verdicts"]["json_schema"]["supported"] is False
    root = ET.parse(result.run_dir / "junit.xml").getroot()
    assert root.get("errors") == "0"
    assert sum(int(suite.get("skipped", "0")) for suite in root.iter("testsuite")) == 4
    messages = [s.get("message", "") for s in root.iter("skipped")]
    assert sum(m.startswith("image input not supported") for m in messages) == 2
    summary = (result.run_dir / "summary.md").read_text()
    assert "### Skipped (4)" in summary and "· 4 skipped" in summary
    assert "structured output (json_schema) not supported by this endpoint" in summary
    html = (result.run_dir / "report.html").read_text()
    assert 'id="skipped"' in html and "Probe of gappy" in html


async def test_no_probe_sends_everything_and_a_refusal_is_not_retried(
    aiohttp_server: AiohttpServer, tmp_path: Path
) -> None:
    server = await aiohttp_server(gappy_app(Gaps(broken_streamed_auto_tools=False)))
    suite = mixed_suite(tmp_path / "mixed.jsonl")
    result = await run_async(
        [suite],
        ["gappy"],
        out=tmp_path / "res",
        config=config_for(str(server.make_url("/v1"))),
        progress=False,
        echo=None,
        probe=False,
    )
    records = {r.sample_id: r for r in read_records(result.run_dir)}
    assert not [r for r in records.values() if r.status == "skipped"]
    assert read_manifest(result.run_dir).probes == {}
    for key in ("schema0", "schema1"):
        rec = records[key]
        assert rec.status == "error" and rec.error is not None
        # llama-cpp-python's 500 validation error is final: one attempt, not six.
        assert (rec.error.type, rec.attempts, rec.http_status) == ("bad_request", 1, 500)
    kinds = [k for k, _ in server.app[LOG]]
    assert kinds.count("json_schema") == 2 and kinds.count("huge") == 0
    assert records["image0"].status == "ok" and not records["image0"].passed  # answered blind
