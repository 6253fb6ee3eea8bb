"""report.html and compare.html: self-contained, escaped, and faithful to the metrics."""

from __future__ import annotations

import base64
import json
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from support.fakerun import make_run
from support.report_payloads import (
    EVIL_IMAGE_URLS,
    PAYLOAD_OUTPUT,
    PWN_IMG,
    PWN_SCRIPT,
    TINY_PNG,
    inject_payloads,
    rewrite_jsonl,
)

from evalkit import metrics
from evalkit.errors import InputError
from evalkit.report import format as fmt
from evalkit.report.html import write_compare_report, write_report
from evalkit.report.payload import CHUNK, MAX_MESSAGE_CHARS


def add_needle_metadata(run_dir: Path, haystack_chars: int = 0) -> None:
    """Give the needle suite's samples a context length and depth (and a long haystack)."""

    def edit(s: dict[str, Any]) -> dict[str, Any]:
        i = int(s["id"].rsplit("-", 1)[1])
        s["metadata"] = {
            "context_length": [1000, 4000, 16000][i % 3],
            "depth": [0, 50, 100][i % 5 % 3],
        }
        if haystack_chars:
            s["messages"][0]["content"] = "hay " * (haystack_chars // 4) + "the needle is 42"
        return s

    rewrite_jsonl(run_dir / "samples" / "needle.jsonl", edit)


def set_manifest(run_dir: Path, **fields: Any) -> None:
    path = run_dir / "run.json"
    data = json.loads(path.read_text("utf-8"))
    data.update(fields)
    path.write_text(json.dumps(data), encoding="utf-8")


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script> element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    p.close()
    return p


def data_block(html: str, block_id: str) -> Any:
    """A data block of the page, decoded: base64 of deflated JSON, and nothing else."""
    for attrs, text in parse(html).scripts:
        if attrs.get("id") == block_id:
            assert attrs.get("type") == "application/octet-stream"
            assert re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text), "not plain base64"
            return json.loads(zlib.decompress(base64.b64decode(text)))
    raise AssertionError(f"no #{block_id} block")


def rows(html: str) -> dict[str, Any]:
    """The table's rows block: ``cols`` column by column, ``labels`` of the coded ones."""
    data = data_block(html, "ek-rows")
    assert all(len(v) == data["n"] for v in data["cols"].values())
    return data


def blocks(html: str, prefix: str) -> list[Any]:
    """The entries of the numbered blocks ek-r0, ek-r1... (records) or ek-s0... (samples)."""
    out: list[Any] = []
    ids = [a.get("id") for a, _ in parse(html).scripts]
    k = 0
    while f"{prefix}{k}" in ids:
        out.extend(data_block(html, f"{prefix}{k}"))
        k += 1
    return out


def sample_view(html: str, suite: str, sample_id: str) -> Any:
    """The transcript view of one sample, found through the rows' sample index."""
    data = rows(html)
    cols, labels = data["cols"], data["labels"]
    i = next(
        i
        for i in range(data["n"])
        if labels["suite"][cols["suite"][i]] == suite and cols["sample_id"][i] == sample_id
    )
    return blocks(html, "ek-s")[cols["s"][i]]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return inject_payloads(make_run(tmp_path_factory.mktemp("runs") / "r1", n_samples=40))


@pytest.fixture(scope="module")
def html(run_dir: Path) -> str:
    return write_report(run_dir).read_text("utf-8")


def test_report_is_written_in_the_run_folder(run_dir: Path, html: str) -> None:
    assert (run_dir / "report.html").read_text("utf-8") == html
    assert html.startswith("<!doctype html>")


def test_report_is_one_file_that_fetches_nothing(html: str) -> None:
    low = html.lower()
    for pattern in ('src="http', "src='http", 'href="http', "href='http", "@import", "url(http"):
        assert pattern not in low, pattern
    assert 'src="//' not in low and "<link" not in low and "<iframe" not in low
    tags = parse(html)
    # CSS, script and charts are inline: no element references another file.
    for tag, attrs in tags.tags:
        for name in ("src", "href", "xlink:href", "data", "srcset", "action"):
            value = attrs.get(name)
            inline = value is None or value.startswith(("#", "data:image/png;base64,"))
            assert inline, (tag, name, value)
    kinds = [a.get("type") for a, _ in tags.scripts]
    assert kinds == ["application/octet-stream"] * 3 + [None]  # rows, records, samples; code
    assert all("src" not in a for a, _ in tags.scripts)
    assert len(re.findall(r"<svg\b", html)) >= 3
    csp = next(a for t, a in tags.tags if t == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in (csp["content"] or "")


def test_untrusted_markup_appears_only_escaped(html: str) -> None:
    tags = parse(html)
    # The only scripts are evalkit's; no element carries an event handler or an img.
    assert sum(1 for t, _ in tags.tags if t == "script") == 4
    assert not [(t, a) for t, a in tags.tags for k in a if k.startswith("on")]
    assert "img" not in {t for t, _ in tags.tags}
    for raw in ("<script>alert(", PWN_SCRIPT, PWN_IMG, "<b>bold</b>", "\u2028", "alert("):
        assert raw not in html, raw
    # fakerun's wrong outputs are there, as data
    assert "<script>alert(3)</script> wrong" in rows(html)["cols"]["output"]


def test_payloads_survive_the_data_blocks_intact(html: str) -> None:
    data = rows(html)
    records = blocks(html, "ek-r")
    assert len(records) == data["n"] == 240
    outputs = [d["output"] for d in records]
    assert outputs.count(PAYLOAD_OUTPUT) == 2  # one per target
    assert data["cols"]["output"].count(PAYLOAD_OUTPUT) == 2
    rec = next(d for d in records if d["output"] == PAYLOAD_OUTPUT)
    assert rec["scores"][0]["explanation"].endswith(PWN_IMG)
    details = json.loads(rec["scores"][0]["details"])  # the record's JSON text, as it was
    assert details == {"diff": f"-answer 1\n+{PWN_SCRIPT}", "why": PWN_IMG}
    calls = [c for d in records for c in d["calls"]]
    assert json.dumps({"city": PWN_SCRIPT}) in [c["args"] for c in calls]


def test_sample_images_only_embed_data_uris(html: str) -> None:
    sample = sample_view(html, "chat", "chat-1")
    parts = [p for m in sample["messages"] for p in m["parts"]]
    assert {"t": "img", "v": TINY_PNG} in parts
    refs = [p["v"] for p in parts if p["t"] == "ref"]
    assert refs == [f"image: {u}" for u in EVIL_IMAGE_URLS]
    assert sample["messages"][0] == {
        "role": "system",
        "parts": [{"t": "text", "v": f"system {PWN_SCRIPT}"}],
    }


def test_rows_are_grouped_by_sample_and_sorted_naturally(html: str) -> None:
    data = rows(html)
    cols, labels = data["cols"], data["labels"]
    assert labels["arm"] == ["sim", "sim-strong"] and labels["res"] == [
        "pass",
        "fail",
        "error",
        "skipped",
    ]
    by_group: dict[int, set[tuple[str, str]]] = {}
    for i in range(data["n"]):
        key = (labels["suite"][cols["suite"][i]], cols["sample_id"][i])
        by_group.setdefault(cols["g"][i], set()).add(key)
        assert cols["res"][i] == (2 if cols["error_type"][i] >= 0 else 0 if cols["score"][i] else 1)
    assert all(len(keys) == 1 for keys in by_group.values())  # one sample per group
    order = [next(iter(by_group[g])) for g in sorted(by_group)]
    assert order[:3] == [("chat", "chat-0"), ("chat", "chat-1"), ("chat", "chat-2")]
    assert order[9:11] == [("chat", "chat-9"), ("chat", "chat-10")]  # not chat-1, chat-10, ...
    # Each group holds one record per target: both targets' answers side by side.
    arms_of: dict[int, list[int]] = {}
    for i in range(data["n"]):
        arms_of.setdefault(cols["g"][i], []).append(cols["arm"][i])
    assert all(sorted(a) == [0, 1] for a in arms_of.values())


def test_transcripts_come_in_blocks_of_chunk_records(tmp_path: Path) -> None:
    run = make_run(tmp_path / "chunks", n_samples=CHUNK // 2 + 1, targets=("sim",))
    page = write_report(run).read_text("utf-8")
    n = 3 * (CHUNK // 2 + 1)
    ids = [a.get("id") for a, _ in parse(page).scripts]
    assert [i for i in ids if i and i.startswith("ek-r")] == ["ek-rows", "ek-r0", "ek-r1"]
    assert [i for i in ids if i and i.startswith("ek-s")] == ["ek-s0", "ek-s1"]
    assert [len(data_block(page, b)) for b in ("ek-r0", "ek-r1")] == [CHUNK, n - CHUNK]


def test_a_sample_missing_from_the_snapshot_has_no_transcript_index(tmp_path: Path) -> None:
    run = make_run(tmp_path / "gone", n_samples=3, targets=("sim",))
    snapshot = run / "samples" / "chat.jsonl"
    lines = [line for line in snapshot.read_text().splitlines() if '"chat-0"' not in line]
    snapshot.write_text("".join(line + "\n" for line in lines))
    page = write_report(run).read_text("utf-8")
    data = rows(page)
    missing = [
        data["cols"]["s"][i] for i, sid in enumerate(data["cols"]["sample_id"]) if sid == "chat-0"
    ]
    assert missing == [-1]
    assert len(blocks(page, "ek-s")) == 3 * 3 - 1  # every other sample, once


def test_long_outputs_are_cut_with_a_note_saying_where_the_full_text_is(tmp_path: Path) -> None:
    run = make_run(tmp_path / "long", n_samples=2, targets=("sim",), error_rate=0)
    long = "word " * 40_000  # 200,000 characters

    def edit(rec: dict[str, Any]) -> dict[str, Any]:
        rec["output"] = long
        return rec

    rewrite_jsonl(run / "records.jsonl", edit)
    page = write_report(run).read_text("utf-8")
    record = blocks(page, "ek-r")[0]
    assert len(record["output"]) < 51_000 and record["output"].startswith("word word")
    assert "omitted" in record["output_note"] and "records.jsonl" in record["output_note"]
    assert len(rows(page)["cols"]["output"][0]) == 500  # the searchable preview


def test_a_big_run_shares_a_bounded_text_budget() -> None:
    from evalkit.report.payload import MESSAGE_BUDGET, OUTPUT_BUDGET, OUTPUT_CHARS, share

    assert share(OUTPUT_BUDGET, 10, OUTPUT_CHARS) == OUTPUT_CHARS[1]
    assert share(OUTPUT_BUDGET, 100_000, OUTPUT_CHARS) == OUTPUT_CHARS[0]
    assert 100_000 * share(MESSAGE_BUDGET, 100_000, (1, 6_000)) <= MESSAGE_BUDGET


def test_simulated_banner_names_the_simulated_targets(run_dir: Path, html: str) -> None:
    banner = re.search(r'<div class="banner sim" id="simulated-banner".*?</div>', html, re.S)
    assert banner is not None
    assert "sim, sim-strong" in banner.group()


def test_no_simulated_banner_for_real_targets(tmp_path: Path) -> None:
    run = make_run(tmp_path / "real", n_samples=5)
    data = json.loads((run / "run.json").read_text("utf-8"))
    set_manifest(run, targets=[{**t, "simulated": False} for t in data["targets"]])
    assert 'id="simulated-banner"' not in write_report(run).read_text("utf-8")


def _overview_rows(html: str) -> dict[tuple[str, str], dict[str, str | None]]:
    rows = {}
    for tag, attrs in parse(html).tags:
        if tag == "tr" and "data-accuracy" in attrs and attrs.get("data-suite"):
            rows[(str(attrs["data-arm"]), str(attrs["data-suite"]))] = attrs
    return rows


def test_overview_numbers_match_the_accuracy_table(run_dir: Path, html: str) -> None:
    expected = metrics.accuracy_table(metrics.load_run(run_dir), by=("arm", "suite"))
    shown = _overview_rows(html)
    assert len(shown) == len(expected) == 6
    for row in expected.to_dict("records"):
        attrs = shown[(row["arm"], row["suite"])]
        assert float(str(attrs["data-accuracy"])) == row["accuracy"]
        assert float(str(attrs["data-ci-low"])) == row["ci_low"]
        assert float(str(attrs["data-ci-high"])) == row["ci_high"]
        assert int(str(attrs["data-n"])) == row["n"]
        cells = re.search(
            rf'<tr data-arm="{re.escape(row["arm"])}" data-suite="{row["suite"]}".*?</tr>',
            html,
            re.S,
        )
        assert cells is not None
        assert f"{row['accuracy'] * 100:.1f}%" in cells.group()
        low, high = max(row["ci_low"], 0), min(row["ci_high"], 1)
        assert f"[{low * 100:.1f}%, {high * 100:.1f}%]" in cells.group()
    # Needle items share clusters: their CI is labelled clustered, the others not.
    needle = re.search(r'<tr data-arm="sim" data-suite="needle".*?</tr>', html, re.S)
    chat = re.search(r'<tr data-arm="sim" data-suite="chat".*?</tr>', html, re.S)
    assert needle is not None and chat is not None
    assert "clustered" in needle.group() and "clustered" not in chat.group()


def test_latency_and_cost_tables_show_each_group(run_dir: Path, html: str) -> None:
    df = metrics.load_run(run_dir)
    lat = metrics.latency_table(df).set_index(["arm", "suite"])
    cost = metrics.cost_table(df).set_index(["arm", "suite"])
    section = html[html.index('id="latency"') : html.index('id="cost"')]
    p90 = lat.loc[("sim-strong", "tools"), "e2e_p90"]
    assert f">{fmt.seconds(p90)}<" in section
    section = html[html.index('id="cost"') : html.index('id="charts"')]
    total = cost.loc[("sim", "chat"), "cost_total"]
    assert f">{fmt.usd(total)}<" in section
    assert "</b> = (E2E − TTFT) / (N − 1) per request" in html
    assert "an error counts as a wrong answer" in html


def test_estimated_cost_is_marked(tmp_path: Path) -> None:
    run = make_run(tmp_path / "est", n_samples=5, targets=("sim",))
    rewrite_jsonl(run / "records.jsonl", lambda r: {**r, "tokens_source": "estimated"})
    section = write_report(run).read_text("utf-8").split('id="cost"')[1].split("</table>")[0]
    assert section.count(">estimated</span>") == 4  # 3 suites + the total


def test_needle_heatmap_only_with_needle_records(tmp_path: Path, html: str) -> None:
    assert 'id="chart-needle"' not in html  # fakerun's needle samples carry no grid metadata
    run = make_run(tmp_path / "needle", n_samples=30)
    add_needle_metadata(run)
    page = write_report(run).read_text("utf-8")
    figure = re.search(r'<figure id="chart-needle".*?</figure>', page, re.S)
    assert figure is not None and "<svg" in figure.group()


def add_needle_estimates(run_dir: Path, slope: dict[str, float]) -> None:
    """Needle grid metadata with estimated_prompt_tokens; each target reports slope x that."""
    add_needle_metadata(run_dir)
    estimate: dict[str, int] = {}

    def edit(s: dict[str, Any]) -> None:
        meta = s["metadata"]
        meta.update(estimated_prompt_tokens=meta["context_length"] - 150, chars_per_token=4.0)
        estimate[s["id"]] = meta["estimated_prompt_tokens"]

    rewrite_jsonl(run_dir / "samples" / "needle.jsonl", edit)

    def report(r: dict[str, Any]) -> None:
        if r["suite"] == "needle":
            r["prompt_tokens"] = round(slope[r["target"]] * estimate[r["sample_id"]])

    rewrite_jsonl(run_dir / "records.jsonl", report)


def _calibration_rows(page: str) -> list[dict[str, str | None]]:
    return [a for tag, a in parse(page).tags if tag == "tr" and "data-ratio" in a]


def test_needle_calibration_table_only_with_needle_records(tmp_path: Path, html: str) -> None:
    assert 'id="needle-calibration"' not in html
    run = make_run(tmp_path / "needle", n_samples=30)
    add_needle_metadata(run)  # a grid without length estimates: heatmap, but nothing to calibrate
    assert 'id="needle-calibration"' not in write_report(run).read_text("utf-8")
    add_needle_estimates(run, {"sim": 0.9, "sim-strong": 1.05})
    page = write_report(run).read_text("utf-8")
    block = page.split('id="needle-calibration"')[1].split("</table>")[0]
    assert "<h3>Needle length calibration</h3>" in block
    assert "suites/needle/manifest.toml" in block and "--chars-per-token" in block
    table = metrics.needle_calibration(metrics.load_run(run))
    rows = _calibration_rows(page)
    assert len(rows) == len(table) == 2 * 3
    by_key = {(r["arm"], r["context_length"]): r for r in table.to_dict("records")}
    for attrs in rows:
        want = by_key[(attrs["data-arm"], int(attrs["data-length"] or 0))]
        assert float(attrs["data-ratio"] or "nan") == pytest.approx(want["ratio"])
    suggested = [a for tag, a in parse(block).tags if tag == "td" and "data-suggested" in a]
    assert [float(a["data-suggested"] or "nan") for a in suggested] == pytest.approx(
        [4.0 / 0.9, 4.0 / 1.05]
    )
    assert f"{4.0 / 0.9:.2f}" in block and "generated with 4.00" in block


def test_needle_calibration_escapes_target_names(tmp_path: Path) -> None:
    evil = '<img src=x onerror="window.__pwned=1">'
    run = make_run(tmp_path / "evil", n_samples=6, targets=(evil,), error_rate=0)
    add_needle_estimates(run, {evil: 0.95})
    page = write_report(run).read_text("utf-8")
    block = page.split('id="needle-calibration"')[1].split("</table>")[0]
    assert evil not in page and "<img" not in block
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in block


def test_summary_md_carries_the_calibration_line(tmp_path: Path) -> None:
    from evalkit.report.markdown import write_summary_md

    run = make_run(tmp_path / "md", n_samples=6, targets=("sim",), error_rate=0)
    assert "calibration" not in write_summary_md(run).read_text("utf-8")
    add_needle_estimates(run, {"sim": 0.8})
    text = write_summary_md(run).read_text("utf-8")
    line = next(x for x in text.splitlines() if x.startswith("Needle length calibration"))
    assert "0.800" in line and f"`chars_per_token` {4.0 / 0.8:.2f}" in line


def test_long_messages_are_cut_to_head_and_tail(tmp_path: Path) -> None:
    run = make_run(tmp_path / "hay", n_samples=3, targets=("sim",))
    add_needle_metadata(run, haystack_chars=200_000)
    page = write_report(run).read_text("utf-8")
    assert len(page) < 1_000_000
    parts = sample_view(page, "needle", "needle-0")["messages"][0]["parts"]
    text, note = parts[0]["v"], parts[1]
    assert len(text) < MAX_MESSAGE_CHARS + 100
    assert text.startswith("hay hay") and text.endswith("the needle is 42")
    assert note["t"] == "note" and "omitted" in note["v"]


@pytest.mark.parametrize("status", ["running", "interrupted"])
def test_partial_runs_are_flagged(tmp_path: Path, status: str) -> None:
    run = make_run(tmp_path / status, n_samples=4)
    set_manifest(run, status=status, finished_at=None)
    page = write_report(run).read_text("utf-8")
    assert 'id="partial-banner"' in page and f'"{status}"' in page


def test_finished_run_is_not_flagged(html: str) -> None:
    assert 'id="partial-banner"' not in html


def test_header_shows_run_suites_and_targets_but_no_secrets(tmp_path: Path) -> None:
    run = make_run(tmp_path / "hdr", n_samples=4)
    data = json.loads((run / "run.json").read_text("utf-8"))
    targets = [
        {**t, "headers": {"Authorization": "Bearer sk-SECRET123"}, "api_key_env": "MY_KEY_VAR"}
        for t in data["targets"]
    ]
    targets[0]["base_url"] = "https://api.example.test/v1"
    targets[1]["base_url"] = "https://user:pw-SECRET123@gw.example.test:8443/v1?key=SECRET123#x"
    suites = [{**s, "sha256": "abcdef0123456789" * 4} for s in data["suites"]]
    set_manifest(run, targets=targets, suites=suites)
    page = write_report(run).read_text("utf-8")
    assert "SECRET123" not in page and "Authorization" not in page and "MY_KEY_VAR" not in page
    assert "abcdef012345<" in page and "abcdef0123456789abcdef" not in page
    assert "https://api.example.test/v1" in page  # as text, never as a link
    assert "https://***@gw.example.test:8443/v1?key=***<" in page  # as run.json shows it
    assert "evalkit-sim/mistral-small-3.1-24b-instruct" in page
    assert f"Run {run.name}" in page and "2026-11-25T17:01:00.000Z" in page


def test_hostile_target_names_are_escaped_everywhere(tmp_path: Path) -> None:
    evil = 'x"--><script>window.__pwned=1</script>'
    run = make_run(tmp_path / "names", n_samples=6, targets=("sim", evil))
    page = write_report(run).read_text("utf-8")
    assert evil not in page and "<script>window" not in page
    assert "x&#34;--&gt;&lt;script&gt;" in page
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert svgs and not any("<script" in s or "<!--" in s for s in svgs)


def test_df_and_out_arguments(run_dir: Path, tmp_path: Path) -> None:
    df = metrics.load_run(run_dir)
    only = df[df["suite"] == "tools"]
    out = write_report(run_dir, tmp_path / "sub" / "tools.html", df=only)
    assert out == tmp_path / "sub" / "tools.html"
    data = rows(out.read_text("utf-8"))
    assert data["n"] == len(only) and data["labels"]["suite"] == ["tools"]


def test_an_empty_running_run_still_renders(tmp_path: Path) -> None:
    run = make_run(tmp_path / "empty", n_samples=2)
    (run / "records.jsonl").write_text("", encoding="utf-8")
    set_manifest(run, status="running", finished_at=None)
    page = write_report(run).read_text("utf-8")
    assert "No records yet." in page and 'id="partial-banner"' in page
    assert rows(page)["n"] == 0 and blocks(page, "ek-r") == []


# --- the comparison page -------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    base = tmp_path_factory.mktemp("cmp")
    a = make_run(base / "base", n_samples=40, targets=("sim",), skill={"sim": 0.6}, seed=1)
    b = inject_payloads(
        make_run(base / "new", n_samples=40, targets=("sim",), skill={"sim": 0.8}, seed=2)
    )
    # chat-1 (whose output is the payload) flips down, so the flips list shows it.
    force_result(a, "chat-1", passed=True)
    force_result(b, "chat-1", passed=False)
    return [a, b]


def force_result(run_dir: Path, sample_id: str, *, passed: bool) -> None:
    def edit(rec: dict[str, Any]) -> dict[str, Any]:
        if rec["sample_id"] == sample_id:
            score = float(passed)
            rec.update(status="ok", error=None, passed=passed, score=score)
            rec["output"] = rec["output"] or "answer 1"
            rec["scores"] = [{"grader": "exact", "score": score, "passed": passed}]
        return rec

    rewrite_jsonl(run_dir / "records.jsonl", edit)


class Breach:
    """Stands in for the gate's breach objects: the page needs only ``message``."""

    def __init__(self, message: str) -> None:
        self.message = message


def test_compare_report_pairs_runs(two_runs: list[Path], tmp_path: Path) -> None:
    out = write_compare_report(two_runs, tmp_path / "compare.html", gate_breaches=[])
    page = out.read_text("utf-8")
    df = metrics.load_runs(two_runs)
    a, b = "base/sim", "new/sim"
    assert sorted(df["arm"].astype(str).unique()) == [a, b]
    diffs = metrics.paired_diff(df, a, b).set_index("suite")
    shown = {
        str(attrs["data-suite"]): float(str(attrs["data-diff"]))
        for tag, attrs in parse(page).tags
        if tag == "tr" and "data-diff" in attrs
    }
    assert shown == pytest.approx(diffs["diff"].to_dict(), rel=0, abs=0)
    flips = metrics.flips(df, a, b)
    n_up = int((flips["direction"] == "up").sum())
    n_down = int((flips["direction"] == "down").sum())
    assert n_up > n_down > 0
    assert f"{b} passed ({n_up})" in page and f"{b} failed ({n_down})" in page
    assert page.count('<details class="flip"') == n_up + n_down
    assert 'id="gate" class="banner good"' in page
    assert PWN_SCRIPT not in page and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    for pattern in ('src="http', 'href="http', "@import", "url(http"):
        assert pattern not in page


def test_compare_report_lists_gate_breaches_escaped(two_runs: list[Path], tmp_path: Path) -> None:
    breaches = [Breach("chat: accuracy fell 12.0 pp <script>x</script>")]
    page = write_compare_report(two_runs, tmp_path / "c.html", gate_breaches=breaches).read_text(
        "utf-8"
    )
    assert 'id="gate" class="banner bad"' in page
    assert "chat: accuracy fell 12.0 pp &lt;script&gt;x&lt;/script&gt;" in page


def test_compare_report_of_one_run_with_two_targets(run_dir: Path, tmp_path: Path) -> None:
    page = write_compare_report([run_dir], tmp_path / "c1.html").read_text("utf-8")
    assert "<h3>sim-strong − sim</h3>" in page
    assert 'id="gate"' not in page  # no gate was evaluated
    assert page.count('<tr data-suite="') >= 6  # side-by-side and paired rows per suite


def test_compare_report_of_a_single_arm_is_refused(tmp_path: Path) -> None:
    run = make_run(tmp_path / "solo", n_samples=2, targets=("sim",))
    out = tmp_path / "out" / "compare.html"
    with pytest.raises(InputError, match="compare needs at least two targets or runs; solo has"):
        write_compare_report([run], out)
    assert not out.parent.exists()
