"""The report in a real headless Chromium: no requests, no injected script, a working table.

Chromium is driven over the DevTools protocol with a few lines of aiohttp
websocket code (no Playwright: it downloads its own browser). The browser is
started once per module with ``--remote-debugging-port=0``; it writes the
port it picked to ``DevToolsActivePort`` in its profile folder. Each test
opens its own tab. ``benchmarks/bench_report.py`` drives the browser with the
same helpers (``launch_chromium``, ``open_tab``, ``Tab``) to time the page;
timings are measured there, never asserted here.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image
from support.fakerun import make_run
from support.report_payloads import PAYLOAD_OUTPUT, PWN_IMG, PWN_SCRIPT, TINY_PNG, inject_payloads

from evalkit.metrics import load_run
from evalkit.report import format as fmt
from evalkit.report.html import write_report

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("EVALKIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--window-size=1400,1000",
)


@contextlib.contextmanager
def launch_chromium(profile: Path, chromium: str = CHROMIUM) -> Iterator[int]:
    """Start a headless Chromium with its profile in ``profile``; yield its DevTools port."""
    log = (profile / "chromium.log").open("wb")
    proc = subprocess.Popen(
        [
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"chromium did not start: {(profile / 'chromium.log').read_text()}"
                )
            time.sleep(0.05)
        yield int(port_file.read_text().split()[0])
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A headless Chromium for the module; yields its DevTools port."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"chromium not found at {CHROMIUM} (CI must install the chromium package)")
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    with launch_chromium(tmp_path_factory.mktemp("chromium-profile")) as port:
        yield port


class Tab:
    """One browser tab over CDP: commands by id, events collected as they come."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            data = json.loads(msg.data)
            if "id" in data:
                fut = self.pending.pop(data["id"], None)
                if fut is not None and not fut.done():
                    fut.set_result(data)
            else:
                self.events.append(data)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        msg_id = next(self.ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = fut
        await self.ws.send_json({"id": msg_id, "method": method, "params": params})
        reply = await asyncio.wait_for(fut, 30)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply["result"]
        return result

    async def js(self, expression: str) -> Any:
        """Evaluate ``expression`` in the page (awaiting promises) and return its value."""
        res = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression}: {res['exceptionDetails']}")
        return res["result"].get("value")

    async def wait_for(self, expression: str, within_s: float = 10) -> Any:
        deadline = time.monotonic() + within_s
        while True:
            value = await self.js(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}")
            await asyncio.sleep(0.05)

    async def open(self, path: Path) -> None:
        """Navigate to a file (by absolute path) and wait for its load event."""
        seen = len(self.events)
        await self.send("Page.navigate", url=path.as_uri())
        deadline = time.monotonic() + 30
        while not any(e["method"] == "Page.loadEventFired" for e in self.events[seen:]):
            assert time.monotonic() < deadline, "page did not load"
            await asyncio.sleep(0.02)

    async def click(self, selector: str) -> None:
        """A real mouse click (pressed and released) at the middle of the element."""
        box = await self.js(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center', behavior: 'instant'});"
            " const r = e.getBoundingClientRect();"
            " return [r.x + Math.min(r.width / 2, 40), r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent",
                type=kind,
                x=box[0],
                y=box[1],
                button="left",
                clickCount=1,
            )

    async def type_into(self, selector: str, text: str) -> None:
        """Focus a field, select its text and type over it, as a user would."""
        await self.js(f"document.querySelector({json.dumps(selector)}).select()")
        await self.send("Input.insertText", text=text)

    async def choose(self, selector: str, value: str) -> None:
        await self.js(
            f"(() => {{ const s = document.querySelector({json.dumps(selector)});"
            f" s.value = {json.dumps(value)}; s.dispatchEvent(new Event('change')); }})()"
        )

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        ]

    def errors(self) -> list[Any]:
        return [
            e["params"]
            for e in self.events
            if e["method"] == "Runtime.exceptionThrown"
            or (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")
            or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
        ]


@contextlib.asynccontextmanager
async def open_tab(port: int) -> AsyncIterator[Tab]:
    """A new tab in the Chromium at DevTools ``port``, with its event domains on; closed after."""
    async with aiohttp.ClientSession() as http:
        async with http.put(f"http://127.0.0.1:{port}/json/new?about:blank") as resp:
            target = await resp.json()
        async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            t = Tab(ws)
            for domain in ("Page", "Runtime", "Network", "Log"):
                await t.send(f"{domain}.enable")
            try:
                yield t
            finally:
                t.reader.cancel()
        async with http.get(f"http://127.0.0.1:{port}/json/close/{target['id']}"):
            pass


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
