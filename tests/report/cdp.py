"""Headless Chromium over the DevTools protocol (aiohttp; no pytest, no Playwright).

The browser tests (``test_browser.py``) and the report benchmarks
(``benchmarks/bench_report.py``, ``benchmarks/bench_scale.py``) drive the
report pages through these helpers. Chromium is started with
``--remote-debugging-port=0`` and writes the port it picked to
``DevToolsActivePort`` in its profile folder; each page gets its own tab.
``EVALKIT_CHROMIUM`` names the browser, else ``chromium`` on the PATH, else
``/usr/bin/chromium``.
"""

from __future__ import annotations

import asyncio
import contextlib
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

    async def open(self, path: Path, *, table: bool = True) -> None:
        """Navigate to a file (by absolute path) and wait for its load event.

        With ``table``, also wait until the page's table has rendered its first
        page (it inflates its rows after the load: ``data-render-ms`` is set).
        """
        seen = len(self.events)
        await self.send("Page.navigate", url=path.as_uri())
        deadline = time.monotonic() + 30
        while not any(e["method"] == "Page.loadEventFired" for e in self.events[seen:]):
            assert time.monotonic() < deadline, "page did not load"
            await asyncio.sleep(0.02)
        if table:
            await self.wait_for(
                "document.documentElement.hasAttribute('data-render-ms')", within_s=60
            )

    async def click(self, selector: str) -> None:
        """A real mouse click (pressed and released) at the middle of the element.

        The element is scrolled into view and measured until it is what lies at
        that point (the page scrolls smoothly, and a layout may still settle).
        """
        measure = (
            f"(async () => {{ const e = document.querySelector({json.dumps(selector)});"
            " document.documentElement.style.scrollBehavior = 'auto';"
            " e.scrollIntoView({block: 'center', behavior: 'instant'});"
            " await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));"
            " const r = e.getBoundingClientRect();"
            " const x = r.x + Math.min(r.width / 2, 40), y = r.y + r.height / 2;"
            " return [x, y, e.contains(document.elementFromPoint(x, y))]; })()"
        )
        for _ in range(50):
            x, y, hit = await self.js(measure)
            if hit:
                break
        assert hit, f"{selector} is not what lies at its own middle"
        for kind in ("mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1
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
            # In front: a background tab's frames are throttled (no paint, no animation frames).
            await t.send("Page.bringToFront")
            try:
                yield t
            finally:
                t.reader.cancel()
        async with http.get(f"http://127.0.0.1:{port}/json/close/{target['id']}"):
            pass


__all__ = ["CHROMIUM", "FLAGS", "Tab", "launch_chromium", "open_tab"]
