"""junit.xml: one testsuite per target x suite, one testcase per record, for CI.

A graded failure (the model answered, the grader said no) is a
``<failure type="<primary grader>">``; a request that failed (HTTP error,
timeout, broken stream) is an ``<error type="<error type>">``: CI dashboards
keep the two apart, as promptfoo's JUnit output does. A prompt longer than
the target's context window (error type ``context_length``) is
``<skipped>``: the target cannot be asked that question at all, which says
nothing about its answers. (accuracy_table still counts it as 0.) So is a
record of status ``skipped`` (never sent: the capability probe found the
endpoint lacks a feature the sample needs), with the probe's reason as its
message. A record no grader scored passes: nothing was asserted about it.

A target the runner stopped at a fatal error (run.json ``aborted``: a bad
key, no credit, an unknown model) gets a testsuite named after it holding
one ``<testcase name="(target stopped)">`` with an ``<error
type="target_fatal">`` that carries the reason, so that a CI dashboard shows
why the target's results are missing.

Model output is untrusted text: ElementTree escapes markup, and characters
XML 1.0 forbids (most control characters, lone surrogates) are stripped.

The file follows the Jenkins xUnit plugin's ``junit-10.xsd`` (a test validates
it): the root ``<testsuites>`` carries name, tests, failures, errors and time
only; each ``<testsuite>`` adds skipped, ``timestamp`` (when its first request
started, UTC, ``YYYY-MM-DDTHH:MM:SS``) and ``hostname`` (the machine the run
started on, from run.json; this machine for runs written before it was
recorded). A testcase's ``time`` is its end-to-end latency; a testsuite's (and
the root's) is wall time: how long at least one of its requests was under
way, each request counted from its start through its retry waits to the end
of its last attempt, so that concurrent requests are not added up.
"""

from __future__ import annotations

import json
import os
import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit.metrics import load_run
from evalkit.report import format as fmt
from evalkit.report.stopped import StoppedTarget, records_per_target, stopped_targets
from evalkit.runfolder import read_manifest_if_any, read_sample_dicts

if TYPE_CHECKING:
    from evalkit.report.gate import Breach

JUNIT_FILE = "junit.xml"
SKIPPED_ERRORS = frozenset({"context_length"})
STOPPED_CASE = "(target stopped)"
GATE_SUITE = "evalkit gate"
MESSAGE_CHARS = 200
TEXT_CHARS = 2000
_CASE_FIELDS = (
    "sample_id",
    "epoch",
    "e2e_s",
    "status",
    "skip_reason",
    "error_type",
    "error_message",
    "http_status",
    "attempts",
    "scores",
    "score",
    "passed",
    "explanation",
    "output",
    "tool_calls",
)
_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: Any, limit: int | None = None) -> str:
    """``value`` as text XML 1.0 can hold: forbidden characters removed, cut to ``limit``."""
    text = _FORBIDDEN.sub("", "" if value is None else str(value))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _first_line(text: Any) -> str:
    lines = str(text or "").strip().splitlines()
    return lines[0] if lines else ""


def _expected_by_id(run_dir: Path, suite: str) -> dict[str, str]:
    """sample id -> expected answer as text, from the run's snapshot (empty if absent)."""
    out: dict[str, str] = {}
    for sample in read_sample_dicts(run_dir, suite):
        expected = sample.get("expected")
        if isinstance(expected, str):
            out[str(sample.get("id"))] = expected
        elif expected is not None:
            out[str(sample.get("id"))] = json.dumps(expected, ensure_ascii=False)
    return out


def _failure(case: ET.Element, rec: Mapping[Any, Any], expected: str | None) -> None:
    scores = rec.get("scores") or []
    grader = str(scores[0].get("grader")) if scores else "grader"
    explanation = str(rec.get("explanation") or "")
    message = _first_line(explanation) or f"score {fmt.score(rec.get('score'))} did not pass"
    parts = [explanation] if explanation else []
    if expected is not None:
        parts.append(f"expected: {xml_text(expected, TEXT_CHARS)}")
    parts.append(f"output: {xml_text(rec.get('output'), TEXT_CHARS)}")
    calls = rec.get("tool_calls")
    if calls:
        text = json.dumps(calls, ensure_ascii=False, default=str)
        parts.append(f"tool_calls: {xml_text(text, TEXT_CHARS)}")
    for sc in scores[1:]:
        verdict = "passed" if sc.get("passed") else "failed"
        score = fmt.score(sc.get("score"))
        parts.append(f"{sc.get('grader')}: {verdict} ({score}) {sc.get('explanation')}")
    element = ET.SubElement(
        case, "failure", {"message": xml_text(message, MESSAGE_CHARS), "type": xml_text(grader)}
    )
    element.text = xml_text("\n".join(parts))


def _error(case: ET.Element, rec: Mapping[Any, Any]) -> str:
    """Add an <error> or a <skipped> to ``case``; returns which."""
    if str(rec.get("status")) == "skipped":  # never sent: the probe found a feature missing
        reason = str(rec.get("skip_reason") or "skipped")
        ET.SubElement(case, "skipped", {"message": xml_text(reason, MESSAGE_CHARS)})
        return "skipped"
    kind = str(rec.get("error_type") or "error")
    message = str(rec.get("error_message") or "")
    if kind in SKIPPED_ERRORS:
        attrs = {"message": xml_text(f"{kind}: {message}", MESSAGE_CHARS)}
        ET.SubElement(case, "skipped", attrs)
        return "skipped"
    attrs = {"message": xml_text(_first_line(message) or kind, MESSAGE_CHARS), "type": kind}
    element = ET.SubElement(case, "error", attrs)
    element.text = xml_text(
        f"{message}\nhttp_status: {rec.get('http_status')}\nattempts: {rec.get('attempts')}"
    )
    return "error"


def _stopped_suite(root: ET.Element, stopped: StoppedTarget, run_id: str, hostname: str) -> None:
    counts = {"tests": "1", "failures": "0", "errors": "1", "skipped": "0", "time": "0.000"}
    attrs = {"name": xml_text(stopped.target), **counts, "hostname": hostname}
    element = ET.SubElement(root, "testsuite", attrs)
    props = ET.SubElement(element, "properties")
    ET.SubElement(props, "property", {"name": "run_id", "value": xml_text(run_id)})
    case = ET.SubElement(
        element,
        "testcase",
        {
            "classname": xml_text(f"evalkit.{stopped.target}"),
            "name": STOPPED_CASE,
            "time": "0.000",
        },
    )
    error = ET.SubElement(
        case,
        "error",
        {"message": xml_text(_first_line(stopped.reason), MESSAGE_CHARS), "type": "target_fatal"},
    )
    details = [stopped.reason, f"records: {stopped.n_done}"]
    if stopped.not_run_text():
        details.append(stopped.not_run_text())
    error.text = xml_text("\n".join(details))


def busy_seconds(rows: pd.DataFrame) -> float:
    """Wall time during which at least one of ``rows``' requests was under way, in seconds.

    A request spans ``started_at`` to ``started_at + retry_wait_s + e2e_s``;
    overlapping spans count once (sixteen concurrent 5 s requests take 5 s).
    """
    if rows.empty or "started_at" not in rows:
        return 0.0
    started = rows["started_at"]
    known = started.notna().to_numpy()
    if not known.any():
        return 0.0
    epoch = pd.Timestamp(0, tz="UTC")
    starts = (started[known] - epoch).dt.total_seconds().to_numpy()
    spans = rows["retry_wait_s"].fillna(0.0) + rows["e2e_s"].fillna(0.0)
    order = np.argsort(starts, kind="stable")
    starts = starts[order]
    ends = np.maximum.accumulate(starts + spans[known].to_numpy()[order])
    # A span opens a new stretch of busy time when it starts after all before it ended.
    opens = np.concatenate(([True], starts[1:] > ends[:-1]))
    last = np.concatenate((np.flatnonzero(opens)[1:] - 1, [len(starts) - 1]))
    return float((ends[last] - starts[opens]).sum())


def _timestamp(rows: pd.DataFrame) -> str | None:
    """When the first of ``rows``' requests started, as junit's UTC ``YYYY-MM-DDTHH:MM:SS``."""
    if rows.empty or "started_at" not in rows:
        return None
    first = rows["started_at"].min()
    return None if pd.isna(first) else str(first.strftime("%Y-%m-%dT%H:%M:%S"))


def _gate_suite(root: ET.Element, breaches: list[Breach], run_id: str, hostname: str) -> None:
    """One testsuite holding a failed testcase per breach of the gate (errors, regressions)."""
    counts = {"tests": str(len(breaches)), "failures": str(len(breaches)), "errors": "0"}
    attrs = {"name": GATE_SUITE, **counts, "skipped": "0", "time": "0.000", "hostname": hostname}
    element = ET.SubElement(root, "testsuite", attrs)
    props = ET.SubElement(element, "properties")
    ET.SubElement(props, "property", {"name": "run_id", "value": xml_text(run_id)})
    for b in breaches:
        case = ET.SubElement(
            element,
            "testcase",
            {
                "classname": xml_text(f"evalkit.gate.{b.arm}"),
                "name": xml_text(f"{b.kind}: {b.arm}/{b.suite}"),
                "time": "0.000",
            },
        )
        failure = ET.SubElement(
            case, "failure", {"message": xml_text(b.message, MESSAGE_CHARS), "type": b.kind}
        )
        failure.text = xml_text(b.message)


def _case_fields(group: pd.DataFrame) -> Iterator[dict[Any, Any]]:
    """The group's records as dicts of the fields a test case reads, a slice at a time.

    to_dict of every column was most of the time, and of every row at once
    the peak memory of a 100,000-record run.
    """
    fields = group[[c for c in _CASE_FIELDS if c in group.columns]]
    for start in range(0, len(fields), 2000):
        yield from fields.iloc[start : start + 2000].to_dict("records")


def _seconds(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if number != number else number  # NaN -> 0


def write_junit(
    run_dir: Path,
    df: pd.DataFrame | None = None,
    out: Path | None = None,
    *,
    breaches: list[Breach] | None = None,
) -> Path:
    """Write the run's JUnit XML (``run_dir/junit.xml`` unless ``out``); returns its path.

    Each of the gate's ``breaches`` (too many errors, a target with no
    answer, a regression) is a failed testcase of a testsuite "evalkit gate".
    """
    run_dir = Path(run_dir)
    frame = load_run(run_dir) if df is None else df
    out = run_dir / JUNIT_FILE if out is None else Path(out)
    run_id = str(frame.attrs.get("run_id") or run_dir.name)
    with_epoch = bool((frame["epoch"] > 0).any())
    manifest = read_manifest_if_any(run_dir)
    hostname = xml_text((manifest.hostname if manifest else None) or socket.gethostname())
    root = ET.Element("testsuites", {"name": xml_text(f"evalkit {run_id}")})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    expected_cache: dict[str, dict[str, str]] = {}
    for (target, suite), group in frame.groupby(["target", "suite"], observed=True, sort=True):
        target, suite = str(target), str(suite)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        attrs = {"name": xml_text(f"{target}/{suite}"), "hostname": hostname}
        timestamp = _timestamp(group)
        if timestamp is not None:
            attrs["timestamp"] = timestamp
        element = ET.SubElement(root, "testsuite", attrs)
        props = ET.SubElement(element, "properties")
        first = group.iloc[0]
        for name, value in (
            ("run_id", run_id),
            ("model", first.get("model")),
            ("simulated", str(bool(first.get("simulated", False))).lower()),
        ):
            ET.SubElement(props, "property", {"name": name, "value": xml_text(value)})
        for rec in _case_fields(group):
            name = str(rec["sample_id"])
            if with_epoch:
                name = f"{name}#{rec['epoch']}"
            seconds = _seconds(rec.get("e2e_s"))
            case = ET.SubElement(
                element,
                "testcase",
                {
                    "classname": xml_text(f"evalkit.{target}.{suite}"),
                    "name": xml_text(name),
                    "time": f"{seconds:.3f}",
                },
            )
            counts["tests"] += 1
            if str(rec.get("status")) != "ok":
                counts["errors" if _error(case, rec) == "error" else "skipped"] += 1
            elif rec.get("scores") and not rec.get("passed"):
                if suite not in expected_cache:
                    expected_cache[suite] = _expected_by_id(run_dir, suite)
                _failure(case, rec, expected_cache[suite].get(str(rec["sample_id"])))
                counts["failures"] += 1
        for key, value in counts.items():
            element.set(key, str(value))
            if key in totals:
                totals[key] += value
        element.set("time", f"{busy_seconds(group):.3f}")
    counts_by_target = records_per_target(frame)
    for stopped in stopped_targets(manifest, counts_by_target):
        _stopped_suite(root, stopped, run_id, hostname)
        totals["tests"] += 1
        totals["errors"] += 1
    if breaches:
        _gate_suite(root, breaches, run_id, hostname)
        totals["tests"] += len(breaches)
        totals["failures"] += len(breaches)
    # Jenkins' schema allows no `skipped` here: skipped cases are counted per testsuite.
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{busy_seconds(frame):.3f}")
    ET.indent(root)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
    os.replace(tmp, out)
    return out


__all__ = [
    "JUNIT_FILE",
    "SKIPPED_ERRORS",
    "STOPPED_CASE",
    "busy_seconds",
    "write_junit",
    "xml_text",
]
