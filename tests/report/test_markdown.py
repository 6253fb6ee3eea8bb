"""summary.md and compare_markdown: content, escaping of untrusted text, gate verdicts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.fakerun import make_run

from evalkit.config import GateConfig
from evalkit.errors import InputError
from evalkit.metrics import accuracy_table, load_run, load_runs, paired_diff
from evalkit.report.comparison import compare_markdown
from evalkit.report.gate import Breach, evaluate_gate
from evalkit.report.markdown import write_summary_md
from evalkit.report.mdtext import md_cell, md_code


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
    rows = table_rows(text.split("<details>")[0])
    header, body = rows[0], rows[1:]
    assert header[:4] == ["target", "suite", "n", "accuracy [95% CI]"]
    assert len(body) == 6 and all(len(r) == len(header) for r in body)
    acc = accuracy_table(load_run(run))
    first = acc.iloc[0]
    assert body[0][0] == "sim †" and body[0][1] == first["suite"]
    low, high = max(first["ci_low"], 0), min(first["ci_high"], 1)
    expected = f"{first['accuracy']:.1%} [{low:.1%}, {high:.1%}]"
    assert body[0][3].startswith(expected)
    assert body[0][4].startswith(str(first["n_error"]))
    needle = next(r for r in body if r[1] == "needle")
    assert needle[3].endswith("ᶜ")
    assert "Accuracy counts a request error as 0" in text
    assert "Gate" not in text  # no baseline, no gate section


def test_ci_bounds_are_clipped_for_display(tmp_path: Path) -> None:
    # n >= 30 with some spread: the normal interval (which leaves [0, 1] near 1) is used
    run = make_run(tmp_path / "r", n_samples=30, targets=("sim",), skill={"sim": 0.95})
    acc = accuracy_table(load_run(run))
    assert (acc["ci_high"] > 1).any() and (acc["ci_method"] == "normal").all()
    body = table_rows(write_summary_md(run).read_text().split("<details>")[0])[1:]
    assert all(", 100.0%]" in r[3] for r, hi in zip(body, acc["ci_high"], strict=True) if hi > 1)


def test_gate_verdicts(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=5, targets=("sim",))
    passed = write_summary_md(run, breaches=[]).read_text()
    assert "### Gate: passed ✅" in passed
    breach = Breach("accuracy", "sim", "chat", "sim/chat: accuracy fell 0.8 -> 0.7 | x")
    failed = write_summary_md(run, out=tmp_path / "s.md", breaches=[breach]).read_text()
    assert "### Gate: FAILED ❌" in failed
    assert "- **accuracy** sim/chat: accuracy fell 0.8 -&gt; 0.7 \\| x" in failed


def test_the_gate_verdict_comes_before_the_table_and_the_failures(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=30, targets=("sim",), error_rate=0.2, seed=5)
    breach = Breach("accuracy", "sim", "chat", "sim/chat: accuracy fell 0.8 -> 0.7")
    text = write_summary_md(run, breaches=[breach]).read_text()
    verdict = text.index("### Gate: FAILED ❌")
    assert verdict < text.index("| target | suite |") < text.index("<summary>Failures")
    assert text.index("records\n") < verdict  # right after the run's header line


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
    assert not re.search(r"(?<!\\)[`*\[]", cell)  # an escaped [ opens no link
    assert not re.search(r"(?<![\\A-Za-z0-9])_|(?<!\\)_(?![A-Za-z0-9])", cell)


def test_md_cell_stays_readable() -> None:
    # Underscores inside words are not emphasis on GitHub; # only heads a line.
    assert md_cell("chat_01 # 2") == "chat_01 # 2"
    assert md_cell("a < b & c; &amp;") == "a &lt; b & c; &amp;amp;"


@pytest.mark.parametrize("text", ["<b>x</b> & y", "a | b", "it's `x`", "two\nlines"])
def test_code_spans_hold_no_entities_or_escapes(text: str) -> None:
    # Renderers show a code span's content literally: entities would show as "&lt;".
    span = md_code(text)
    assert span.startswith("`") and span.endswith("`") and span.count("`") == 2
    inner = span[1:-1]
    assert "&lt;" not in inner and "&amp;" not in inner and "\\" not in inner
    assert inner == text.replace("`", "'").replace("\n", " ")
    assert md_code("a | b", table=True) == "`a \\| b`"


def test_md_cell_truncates_and_handles_nulls() -> None:
    assert md_cell("x" * 100, limit=10) == "x" * 9 + "…"
    assert md_cell(None) == md_cell(float("nan")) == ""
    assert md_cell("a\x00b\x1b") == "ab"


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
    rows = table_rows(text.split("### `cur/sim` (B)")[1])
    assert rows[0][0] == "suite" and len(rows) == 4
    diff = paired_diff(load_runs([base, cur]), "base/sim", "cur/sim").set_index("suite")
    chat = next(r for r in rows if r[0] == "chat")
    assert chat[4].startswith(f"{diff.loc['chat', 'diff'] * 100:+.1f} pp [")
    # chat: 5 flips, all down; the exact sign test gives p = 2/32, not significant
    assert (diff.loc["chat", "n_flip_up"], diff.loc["chat", "n_flip_down"]) == (0, 5)
    assert chat[5] == "no (p = 0.062)"
    tools = next(r for r in rows if r[0] == "tools")
    assert tools[5] == f"**yes** (p = {diff.loc['tools', 'p_value']:.3f})"
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
    with pytest.raises(
        InputError, match=r"^compare needs at least two targets or runs; s has one: a$"
    ):
        compare_markdown([single])


def test_summary_with_comparison_appended(tmp_path: Path) -> None:
    base = make_run(tmp_path / "base", n_samples=10)
    cur = make_run(tmp_path / "cur", n_samples=10, seed=1)
    comparison = compare_markdown([base, cur])
    text = write_summary_md(cur, comparison=comparison, breaches=[]).read_text()
    assert text.index("### Gate: passed") < text.index("(B) vs")


def test_compare_shows_every_arm(tmp_path: Path) -> None:
    a = make_run(tmp_path / "A", n_samples=10, targets=("sim",), error_rate=0)
    ab = make_run(tmp_path / "AB", n_samples=10, targets=("sim", "sim-strong"), error_rate=0)
    text = compare_markdown([a, ab])
    side = table_rows(text.split("### Side by side")[1].split("(B) vs")[0])
    assert side[0][:4] == ["suite", "arm", "n", "accuracy [95% CI]"]
    arms = {r[1] for r in side[1:]}
    assert arms == {"`A/sim`", "`AB/sim`", "`sim-strong`"}
    assert len(side) - 1 == 3 * 3  # three arms x three suites
    # The matched pair, and the new target against the baseline's (its suites are shared).
    assert "### `AB/sim` (B) vs `A/sim` (A)" in text
    assert "### `sim-strong` (B) vs `A/sim` (A)" in text
    df = load_runs([a, ab])
    diff = paired_diff(df, "A/sim", "sim-strong").set_index("suite")
    block = table_rows(text.split("### `sim-strong` (B) vs `A/sim` (A)")[1])
    chat = next(r for r in block if r[0] == "chat")
    assert chat[4].startswith(f"{diff.loc['chat', 'diff'] * 100:+.1f} pp")
    # A target of the baseline that the later run lacks still shows, side by side.
    back = compare_markdown([ab, a])
    assert "`sim-strong`" in back.split("(B) vs")[0]
    assert "In no pair (side by side only): `sim-strong`." in back


def test_compare_headings_are_readable_code_spans(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=3, targets=("a<b>", "c|d_e"), error_rate=0)
    text = compare_markdown(load_run(run))
    assert "### `c|d_e` (B) vs `a<b>` (A)" in text  # no entity, no escape inside backticks
    assert "| `a<b>` |" in text and "| `c\\|d_e` |" in text  # in a table, only the pipe


def test_summary_lists_failures(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=30, targets=("sim",), error_rate=0.1, seed=4)
    path = run / "records.jsonl"
    recs = [json.loads(line) for line in path.read_text().splitlines()]
    for r in recs:
        if r["scores"] and not r["passed"]:
            r["scores"][0]["explanation"] = "wanted <b>42</b> | got\n`x`"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    df = load_run(run)
    text = write_summary_md(run, df).read_text()
    failed = df[(df["status"] != "ok") | ~df["passed"]]
    assert f"<details><summary>Failures ({len(failed)})</summary>" in text
    block = text.split("<details><summary>Failures")[1].split("</details>")[0]
    rows = table_rows(block)
    assert rows[0] == ["target", "suite", "sample", "why"]
    for suite, g in failed.groupby("suite", observed=True):
        listed = [r for r in rows[1:] if r[1] == f"`{suite}`"]
        assert len(listed) == min(len(g), 20)
        assert {r[2] for r in listed} == {f"`{s}`" for s in g["sample_id"].head(20)}
        if len(g) > 20:
            assert f"`sim` / `{suite}`: {len(g) - 20} more" in block
    errored = df[df["status"] == "error"].iloc[0]
    assert f"| `{errored['sample_id']}` | error: server_error: HTTP 503 |" in block
    assert "wanted &lt;b&gt;42&lt;/b&gt; \\| got ⏎ \\`x\\`" in block
    assert "<b>" not in text
    clean = make_run(tmp_path / "clean", n_samples=2, targets=("sim",), skill={"sim": 1.0})
    assert "Failures" not in write_summary_md(clean).read_text()
