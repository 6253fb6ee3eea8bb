"""The report in a real headless Chromium: no requests, no injected script, a working table.

Chromium is driven over the DevTools protocol by the helpers of ``cdp.py``
(no Playwright: it downloads its own browser), started once per module;
each test opens its own tab. ``benchmarks/bench_report.py`` and
``bench_scale.py`` drive the browser with the same helpers to time the page;
timings are measured there, never asserted here.
"""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cdp import CHROMIUM, Tab, launch_chromium, open_tab
from PIL import Image
from support.fakerun import make_run
from support.report_payloads import PAYLOAD_OUTPUT, PWN_IMG, PWN_SCRIPT, TINY_PNG, inject_payloads

from evalkit.metrics import load_run
from evalkit.report import format as fmt
from evalkit.report.html import write_report

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A headless Chromium for the module; yields its DevTools port."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"chromium not found at {CHROMIUM} (CI must install the chromium package)")
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    with launch_chromium(tmp_path_factory.mktemp("chromium-profile")) as port:
        yield port


@pytest.fixture
async def tab(chromium: int) -> AsyncIterator[Tab]:
    async with open_tab(chromium) as t:
        yield t


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = make_run(tmp_path_factory.mktemp("browser") / "run", n_samples=60)
    return write_report(inject_payloads(run))


VISIBLE_ROWS = "document.querySelectorAll('#ek-tbody tr.row').length"
CELLS = "[...document.querySelectorAll('#ek-tbody tr.row')].map(r => r.cells[{}].textContent)"


async def test_page_loads_offline_without_errors_or_injected_script(tab: Tab, report: Path) -> None:
    await tab.open(report)
    assert await tab.js(VISIBLE_ROWS) == 100  # a page of the 360 records
    assert await tab.js("document.getElementById('ek-count').textContent") == "360 of 360 records"
    assert await tab.js("window.__pwned") is None
    assert await tab.js("document.querySelectorAll('svg.chart').length") >= 3
    assert await tab.js("!!document.getElementById('simulated-banner')")
    assert [u for u in tab.requests() if not u.startswith(("file://", "data:"))] == []
    assert tab.errors() == []
    # The page records its own first-render time, where bench_report reads it (not timed here).
    render_ms = await tab.js("window.__evalkitRenderMs")
    assert isinstance(render_ms, int | float) and render_ms >= 0
    shown = await tab.js("document.documentElement.getAttribute('data-render-ms')")
    assert shown == f"{render_ms:.1f}"


async def test_filters_and_search_change_the_visible_rows(tab: Tab, report: Path) -> None:
    await tab.open(report)
    await tab.choose("#ek-f-suite", "tools")
    assert await tab.js("document.getElementById('ek-count').textContent") == "120 of 360 records"
    assert set(await tab.js(CELLS.format(2))) == {"tools"}
    await tab.choose("#ek-f-arm", "sim-strong")
    assert await tab.js(VISIBLE_ROWS) == 60
    await tab.choose("#ek-f-result", "fail")
    failed = await tab.js(VISIBLE_ROWS)
    assert 0 < failed < 60 and set(await tab.js(CELLS.format(4))) == {"fail"}
    await tab.choose("#ek-f-result", "")
    await tab.choose("#ek-f-arm", "")
    await tab.choose("#ek-f-suite", "")
    await tab.type_into("#ek-q", "chat-5")  # chat-5 and chat-50..59, both targets
    await tab.wait_for(f"{VISIBLE_ROWS} === 22")
    assert all(s.startswith("chat-5") for s in await tab.js(CELLS.format(3)))
    await tab.type_into("#ek-q", "no such text anywhere")
    await tab.wait_for("document.querySelector('#ek-tbody td.empty') !== null")
    await tab.type_into("#ek-q", "")
    await tab.wait_for(f"{VISIBLE_ROWS} === 100")
    await tab.click("#ek-next")
    assert (await tab.js(CELLS.format(0)))[0] == "101"
    assert "page 2 of 4" in await tab.js("document.getElementById('ek-page').textContent")


async def test_table_writes_figures_as_the_other_outputs_do(tab: Tab, report: Path) -> None:
    # report.js writes the rows' figures itself: the same style as format.py.
    await tab.open(report)
    df = load_run(report.parent)
    by_key = {(str(r["arm"]), str(r["suite"]), str(r["sample_id"])): r for _, r in df.iterrows()}
    shown = await tab.js(
        "[...document.querySelectorAll('#ek-tbody tr.row')]"
        ".map(r => [1, 2, 3, 7, 8, 10].map(i => r.cells[i].textContent))"
    )
    assert len(shown) == 100
    for arm, suite, sample, e2e, ttft, cost in shown:
        rec = by_key[(arm, suite, sample)]
        assert (e2e, ttft, cost) == (
            fmt.seconds(rec["e2e_s"]),
            fmt.seconds(rec["ttft_s"]),
            fmt.usd(rec["cost_usd"]),
        )


async def test_error_type_filter(tab: Tab, report: Path) -> None:
    await tab.open(report)
    options = await tab.js("[...document.querySelectorAll('#ek-f-etype option')].map(o => o.value)")
    assert options == ["", "server_error"]
    await tab.choose("#ek-f-etype", "server_error")
    n = await tab.js(VISIBLE_ROWS)
    assert n > 0 and set(await tab.js(CELLS.format(4))) == {"error"}


async def test_expanded_transcript_shows_untrusted_content_as_text(tab: Tab, report: Path) -> None:
    await tab.open(report)
    await tab.choose("#ek-f-suite", "chat")
    await tab.type_into("#ek-q", "__pwned")
    await tab.wait_for(f"{VISIBLE_ROWS} === 2")
    await tab.click("#ek-tbody tr.row")
    await tab.wait_for("document.querySelector('#ek-tbody tr.detail') !== null")
    detail = "document.querySelector('#ek-tbody tr.detail')"
    pres = await tab.js(f"[...{detail}.querySelectorAll('pre')].map(p => p.textContent)")
    assert PAYLOAD_OUTPUT in pres  # the output, character for character
    assert f"Describe {PWN_IMG}" in pres and f"system {PWN_SCRIPT}" in pres
    assert f"-answer 1\n+{PWN_SCRIPT}\n" in pres  # the grader's diff
    text = await tab.js(f"{detail}.textContent")
    assert "image: javascript:window.__pwned=1" in text
    assert "image: http://example.invalid/pixel.png" in text
    assert "TTFT" in text and "Attempts" in text and "exact" in text
    # Only the one data-URI thumbnail became an image; no markup became elements.
    assert await tab.js(f"[...{detail}.querySelectorAll('img')].map(i => i.src)") == [TINY_PNG]
    assert await tab.js("document.querySelectorAll('#ek-tbody script, #ek-tbody b').length") == 0
    assert await tab.js("document.querySelectorAll('[onerror]').length") == 0
    assert await tab.js("window.__pwned") is None
    assert (
        await tab.js("document.querySelector('#ek-tbody tr.row').getAttribute('aria-expanded')")
        == "true"
    )
    await tab.click("#ek-tbody tr.row")  # and closes again
    await tab.wait_for("document.querySelector('#ek-tbody tr.detail') === null")
    assert [u for u in tab.requests() if not u.startswith(("file://", "data:"))] == []
    assert tab.errors() == []


async def test_tool_call_arguments_are_pretty_printed(tab: Tab, report: Path) -> None:
    await tab.open(report)
    await tab.choose("#ek-f-suite", "tools")
    await tab.type_into("#ek-q", "tools-0 ")
    await tab.wait_for(f"{VISIBLE_ROWS} >= 1")
    await tab.click("#ek-tbody tr.row")
    args = await tab.wait_for(
        "[...document.querySelectorAll('#ek-tbody tr.detail .msg.tool pre')]"
        ".map(p => p.textContent)"
    )
    assert args[0] in ('{\n  "city": "Tokyo"\n}', json.dumps({"city": PWN_SCRIPT}, indent=2))


async def test_screenshot_is_a_real_page(tab: Tab, report: Path, tmp_path: Path) -> None:
    await tab.open(report)
    shot = await tab.send("Page.captureScreenshot", format="png")
    png = base64.b64decode(shot["data"])
    (tmp_path / "report.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size[0] >= 1000 and image.size[1] >= 700
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 100  # text, tables and banner, not a blank page


@pytest.mark.slow
async def test_ten_thousand_rows_render_and_filter(tab: Tab, tmp_path: Path) -> None:
    run = make_run(tmp_path / "big", n_samples=1667)  # 10,002 records
    df = load_run(run)
    assert len(df) == 10_002
    errors = int((df["status"] == "error").sum())
    passes = int(((df["status"] != "error") & df["passed"]).sum())
    page = write_report(run, df=df)
    await tab.open(page)
    count = "document.getElementById('ek-count').textContent"
    assert await tab.js(count) == "10,002 of 10,002 records"
    assert await tab.js(VISIBLE_ROWS) == 100
    seen: dict[str, int] = {}
    for result in ("error", "pass", "fail"):
        await tab.choose("#ek-f-result", result)
        shown = await tab.js(count)
        assert shown.endswith(" of 10,002 records"), shown
        seen[result] = int(shown.split()[0].replace(",", ""))
        assert await tab.js(VISIBLE_ROWS) == min(100, seen[result])
        assert set(await tab.js(CELLS.format(4))) == {result}
    assert seen == {"error": errors, "pass": passes, "fail": 10_002 - errors - passes}
    assert min(seen.values()) > 0
    await tab.choose("#ek-f-result", "")
    assert await tab.js(count) == "10,002 of 10,002 records"
    await tab.click("#ek-tbody tr.row")
    await tab.wait_for("document.querySelector('#ek-tbody tr.detail') !== null")
    assert tab.errors() == []


HEADERS = "[...document.querySelectorAll('#ek-thead th')].map(th => th.textContent)"


async def sort_by(tab: Tab, label: str) -> None:
    """Click the table's header ``label`` (a real click) and wait for the table to follow."""
    index = (await tab.js(HEADERS)).index(label)
    before = await tab.js(f"document.querySelectorAll('#ek-thead th')[{index}].ariaSort")
    await tab.click(f"#ek-thead th:nth-child({index + 1})")
    await tab.wait_for(
        f"document.querySelectorAll('#ek-thead th')[{index}].ariaSort !== {json.dumps(before)}"
    )


async def test_columns_sort_numerically_and_back(tab: Tab, report: Path) -> None:
    await tab.open(report)
    df = load_run(report.parent)
    await tab.choose("#ek-f-result", "")
    await sort_by(tab, "E2E")
    shown = await tab.js(CELLS.format(7))
    e2e = sorted(df["e2e_s"].dropna())
    # Numeric, not by text ("1,020 ms" would sort before "900 ms"); missing last.
    assert shown == [fmt.seconds(v) for v in e2e[:100]]
    assert await tab.js("document.querySelectorAll('#ek-thead th')[7].ariaSort") == "ascending"
    await sort_by(tab, "E2E")
    assert await tab.js(CELLS.format(7)) == [fmt.seconds(v) for v in e2e[::-1][:100]]
    assert await tab.js("document.querySelectorAll('#ek-thead th')[7].ariaSort") == "descending"
    await tab.choose("#ek-f-result", "error")  # errors have no latency: all "–"
    assert set(await tab.js(CELLS.format(7))) == {"–"}
    await tab.choose("#ek-f-result", "")
    await tab.click("#ek-next")  # the sort holds across pages
    await tab.click("#ek-next")
    await tab.click("#ek-next")
    last = await tab.js(CELLS.format(7))
    assert last[-1] == "–" and last[0] != "–"  # missing values last in either direction
    await sort_by(tab, "Sample")  # natural order: chat-2 before chat-10
    samples = await tab.js(CELLS.format(3))
    assert samples[:4] == ["chat-0", "chat-0", "chat-1", "chat-1"]
    assert samples.index("chat-2") < samples.index("chat-10")
    assert tab.errors() == []


async def test_one_row_per_sample_puts_the_targets_side_by_side(tab: Tab, report: Path) -> None:
    await tab.open(report)
    df = load_run(report.parent)
    assert await tab.js("!document.getElementById('ek-view-wrap').hidden")
    await tab.choose("#ek-view", "samples")
    n_samples = df.groupby(["suite", "sample_id", "epoch"], observed=True).ngroups
    count = "document.getElementById('ek-count').textContent"
    assert await tab.js(count) == f"{n_samples} of {n_samples} samples"
    assert (await tab.js(HEADERS))[3:] == ["sim", "sim-strong"]
    answers = await tab.js(
        "[...document.querySelectorAll('#ek-tbody tr.row')]"
        ".map(r => [...r.querySelectorAll('td.answer')].map(c => c.dataset.arm))"
    )
    assert len(answers) == 100 and all(a == ["sim", "sim-strong"] for a in answers)
    # The targets' results differ on exactly the samples the metrics call flips (or errors).
    res = df.assign(res=df["status"].astype(str).where(df["status"] == "error", df["passed"]))
    per = res.groupby(["suite", "sample_id"], observed=True)["res"].agg(lambda s: s.nunique())
    await tab.choose("#ek-f-result", "split")
    assert await tab.js(count) == f"{int((per > 1).sum())} of {n_samples} samples"
    await tab.choose("#ek-f-result", "")
    # The payload sample: both answers, opened side by side, as text.
    await tab.type_into("#ek-q", "__pwned")
    await tab.wait_for(f"{VISIBLE_ROWS} === 1")  # chat-1, whose two records both match
    await tab.click("#ek-tbody tr.row")
    detail = "document.querySelector('#ek-tbody tr.detail')"
    await tab.wait_for(f"{detail} !== null")
    cards = await tab.js(f"[...{detail}.querySelectorAll('.card')].map(c => c.dataset.arm)")
    assert cards == ["sim", "sim-strong"]
    outputs = await tab.js(
        f"[...{detail}.querySelectorAll('.card .msg.output pre')].map(p => p.textContent)"
    )
    assert outputs == [PAYLOAD_OUTPUT, PAYLOAD_OUTPUT]
    text = await tab.js(f"{detail}.textContent")
    assert text.count("Messages") == 1 and f"Describe {PWN_IMG}" in text  # the prompt, once
    assert await tab.js(f"[...{detail}.querySelectorAll('img')].map(i => i.src)") == [TINY_PNG]
    assert await tab.js("document.querySelectorAll('#ek-tbody script, [onerror]').length") == 0
    assert await tab.js("window.__pwned") is None
    await tab.choose("#ek-view", "records")  # back: one row per record again
    assert await tab.js(count) == "2 of 360 records"
    assert tab.errors() == []


async def test_side_by_side_view_escapes_target_names(tab: Tab, tmp_path: Path) -> None:
    evil = '<img src=x onerror="window.__pwned=1">'
    page = write_report(make_run(tmp_path / "evil", n_samples=5, targets=("sim", evil)))
    await tab.open(page)
    await tab.choose("#ek-view", "samples")
    assert (await tab.js(HEADERS))[3:] == ["sim", evil]
    await tab.click("#ek-tbody tr.row")
    await tab.wait_for("document.querySelector('#ek-tbody tr.detail') !== null")
    heads = await tab.js(
        "[...document.querySelectorAll('.card .cardhead strong')].map(h => h.textContent)"
    )
    assert heads == ["sim", evil]
    assert await tab.js("document.querySelectorAll('img, [onerror]').length") == 0
    assert await tab.js("window.__pwned") is None
    assert tab.errors() == []


async def test_one_target_has_no_side_by_side_view(tab: Tab, tmp_path: Path) -> None:
    page = write_report(make_run(tmp_path / "solo", n_samples=5, targets=("sim",)))
    await tab.open(page)
    assert await tab.js("document.getElementById('ek-view-wrap').hidden")
    assert "split" not in await tab.js(
        "[...document.querySelectorAll('#ek-f-result option')].map(o => o.value)"
    )


async def test_a_record_whose_sample_is_missing_still_opens(tab: Tab, tmp_path: Path) -> None:
    run = make_run(tmp_path / "gone", n_samples=3, targets=("sim",))
    snapshot = run / "samples" / "chat.jsonl"
    snapshot.write_text(
        "".join(line + "\n" for line in snapshot.read_text().splitlines() if '"chat-0"' not in line)
    )
    await tab.open(write_report(run))
    await tab.type_into("#ek-q", "chat-0")
    await tab.wait_for(f"{VISIBLE_ROWS} === 1")
    await tab.click("#ek-tbody tr.row")
    text = await tab.wait_for("document.querySelector('#ek-tbody tr.detail')?.textContent")
    assert "Sample not found in the run's samples/ folder." in text and "Output" in text
    assert tab.errors() == []


async def test_grader_details_show_a_structured_diff_and_the_rest(tab: Tab, tmp_path: Path) -> None:
    run = make_run(tmp_path / "diff", n_samples=2, targets=("sim",), error_rate=0)
    path = run / "records.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    records[0]["scores"][0]["details"] = {
        "diff": {"city": {"expected": "Tokyo", "got": PWN_IMG, "ok": False}},
        "note": PWN_SCRIPT,
    }
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    await tab.open(write_report(run))
    await tab.click("#ek-tbody tr.row")
    score = "document.querySelector('#ek-tbody tr.detail .score')"
    await tab.wait_for(f"{score} !== null")
    cells = await tab.js(f"[...{score}.querySelectorAll('table.diff td')].map(c => c.textContent)")
    assert cells == ["city", '"Tokyo"', json.dumps(PWN_IMG), "✗"]
    assert await tab.js(f"[...{score}.querySelectorAll('pre')].map(p => p.textContent)") == [
        json.dumps({"note": PWN_SCRIPT}, indent=2)
    ]
    assert await tab.js("document.querySelectorAll('[onerror], #ek-tbody script').length") == 0
    assert tab.errors() == []
