"""summary.md and compare_markdown: content, escaping of untrusted text, gate verdicts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fakerun import make_run

from evalkit.config import GateConfig
from evalkit.metrics import accuracy_table, load_run, load_runs, paired_diff
from evalkit.report.gate import Breach, evaluate_gate
from evalkit.report.markdown import (
    compare_markdown,
    fmt_seconds,
    fmt_usd,
    md_cell,
    write_summary_md,
)


def table_rows(text: str) -> list[list[str]]:
    """Cells of every Markdown table row, split on unescaped pipes."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            rows.append([c.strip() for c in cells])
    return rows


def test_summary_of_a_run(tmp_path: Path) -> None:
    run = make_run(tmp_path / "nightly-1", n_samples=20, error_rate=0.1, seed=3)
    text = write_summary_md(run).read_text()
    assert text.startswith("## evalkit run `nightly-1`")
    assert "**Simulated:** `sim`, `sim-strong`" in text
    rows = table_rows(text)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["target", "suite", "n", "accuracy [95% CI]"]
    assert len(body) == 6 and all(len(r) == len(header) for r in body)
    acc = accuracy_table(load_run(run))
    first = acc.iloc[0]
    assert body[0][0] == "sim †" and body[0][1] == first["suite"]
    low, high = max(first["ci_low"], 0), min(first["ci_high"], 1)
    expected = f"{first['accuracy']:.3f} [{low:.3f}, {high:.3f}]"
    assert body[0][3].startswith(expected)
    assert body[0][4].startswith(str(first["n_error"]))
    needle = next(r for r in body if r[1] == "needle")
    assert needle[3].endswith("ᶜ")
    assert "Accuracy counts a request error as 0" in text
    assert "Gate" not in text  # no baseline, no gate section


def test_ci_bounds_are_clipped_for_display(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=8, targets=("sim",), skill={"sim": 0.95})
    acc = accuracy_table(load_run(run))
    assert (acc["ci_high"] > 1).any()  # the normal interval leaves [0, 1] near 1
    body = table_rows(write_summary_md(run).read_text())[1:]
    assert all(", 1.000]" in r[3] for r, hi in zip(body, acc["ci_high"], strict=True) if hi > 1)


def test_gate_verdicts(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=5, targets=("sim",))
    passed = write_summary_md(run, breaches=[]).read_text()
    assert "### Gate: passed ✅" in passed
    breach = Breach("accuracy", "sim", "chat", "sim/chat: accuracy fell 0.8 -> 0.7 | x")
    failed = write_summary_md(run, out=tmp_path / "s.md", breaches=[breach]).read_text()
    assert "### Gate: FAILED ❌" in failed
    assert "- **accuracy** sim/chat: accuracy fell 0.8 -&gt; 0.7 \\| x" in failed


def test_estimated_cost_is_marked(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=3, targets=("sim",), error_rate=0)
    path = run / "records.jsonl"
    recs = [json.loads(line) for line in path.read_text().splitlines()]
    recs[0]["tokens_source"] = "estimated"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    body = table_rows(write_summary_md(run).read_text())[1:]
    chat = next(r for r in body if r[1] == "chat")
    assert chat[-1].endswith("(est.)") and chat[-2].endswith("(est.)")
    assert not next(r for r in body if r[1] == "tools")[-1].endswith("(est.)")


@pytest.mark.parametrize(
    "text",
    ["a | b", "line1\nline2\r\n|", "<script>alert(1)</script>", "`code` *b* _i_ [l](x) # h"],
)
def test_md_cell_escapes_untrusted_text(text: str) -> None:
    cell = md_cell(text, limit=200)
    assert "\n" not in cell and "\r" not in cell
    assert not re.search(r"(?<!\\)\|", cell)
    assert "<" not in cell and ">" not in cell
    assert not re.search(r"(?<!\\)[`*_\[\]#]", cell)


def test_md_cell_truncates_and_handles_nulls() -> None:
    assert md_cell("x" * 100, limit=10) == "x" * 9 + "…"
    assert md_cell(None) == md_cell(float("nan")) == ""
    assert md_cell("a\x00b\x1b") == "ab"


def test_formatting() -> None:
    assert fmt_seconds(0.4321) == "432 ms"
    assert fmt_seconds(2.5) == "2.50 s"
    assert fmt_seconds(None) == "–"
    assert fmt_usd(12.345) == "$12.35"
    assert fmt_usd(0.0495) == "$0.0495"
    assert fmt_usd(0.0000513) == "$0.0000513"
    assert fmt_usd(0) == "$0.00"


def test_compare_two_runs(tmp_path: Path) -> None:
    base = make_run(tmp_path / "base", n_samples=30, targets=("sim",), error_rate=0)
    cur = make_run(
        tmp_path / "cur", n_samples=30, targets=("sim",), skill={"sim": 0.3}, error_rate=0
    )
    for rec_path in (cur / "records.jsonl",):
        recs = [json.loads(line) for line in rec_path.read_text().splitlines()]
        for r in recs:
            if not r["passed"]:
                r["output"] = "pipe | and\nnewline <b>x</b>"
        rec_path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    breaches = evaluate_gate(load_run(cur), load_run(base), GateConfig())
    text = compare_markdown([base, cur], breaches=breaches)
    assert "### `cur/sim` (B) vs `base/sim` (A)" in text
    rows = table_rows(text)
    assert rows[0][0] == "suite" and len(rows) == 4
    diff = paired_diff(load_runs([base, cur]), "base/sim", "cur/sim").set_index("suite")
    chat = next(r for r in rows if r[0] == "chat")
    assert chat[4].startswith(f"{diff.loc['chat', 'diff']:+.3f} [")
    assert chat[5] == "**yes**"
    assert chat[6] == f"{diff.loc['chat', 'n_flip_up']} / {diff.loc['chat', 'n_flip_down']}"
    assert "<details><summary>Flips (examples)</summary>" in text
    flips_block = text.split("<details>")[1].split("</details>")[0]
    assert len([ln for ln in flips_block.splitlines() if ln.startswith("- ↓")]) == 3
    assert "pipe \\| and ⏎ newline &lt;b&gt;x&lt;/b&gt;" in flips_block
    assert "<b>" not in text
    assert "### Gate: FAILED ❌" in text


def test_compare_targets_within_one_run(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=10, targets=("a", "b", "c"))
    text = compare_markdown(load_run(run), max_examples=1)
    assert "### `b` (B) vs `a` (A)" in text and "### `c` (B) vs `a` (A)" in text
    assert "Gate" not in text
    single = make_run(tmp_path / "s", n_samples=3, targets=("a",))
    assert "Nothing to compare" in compare_markdown([single])


def test_summary_with_comparison_appended(tmp_path: Path) -> None:
    base = make_run(tmp_path / "base", n_samples=10)
    cur = make_run(tmp_path / "cur", n_samples=10, seed=1)
    comparison = compare_markdown([base, cur])
    text = write_summary_md(cur, comparison=comparison, breaches=[]).read_text()
    assert text.index("### Gate: passed") < text.index("(B) vs")
