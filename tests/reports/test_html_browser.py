"""The HTML report in a real browser (headless Chromium driven over the DevTools protocol).

The page loads from one file with no console error and no request beyond the file itself
(figures, fonts and the sort script are inline, the CSP forbids everything else); every
table-of-contents link resolves to an element of the page; a number's source link opens its
audit entry (file:line and quote); a study table sorts; a screenshot of the first screen is
written to the test's output folder. Skipped, with one line, when Chromium is not installed
(Debian package ``chromium``; CI installs it).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--remote-debugging-port=0", "--window-size=1280,900")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt install chromium)"),
]


class Page:
    """A minimal DevTools-protocol client for one page target."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, e in enumerate(self.events):
                if e.get("method") == event:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(event)

    def js(self, expression: str) -> Any:
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"].get("value")


@pytest.fixture(scope="module")
def browser(bundled_report, tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = Page(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.call(f"{domain}.enable")
        page.call("Page.navigate", url=bundled_report[0].html.resolve().as_uri())
        page.wait_for("Page.loadEventFired")
        yield page
        page.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_page_loads_without_console_errors_or_requests(browser, bundled_report):
    browser.js("new Promise(r => setTimeout(r, 200))")  # let late messages arrive
    browser.call("Runtime.evaluate", expression="1")
    errors = [e for e in browser.events
              if (e.get("method") == "Runtime.consoleAPICalled"
                  and e["params"]["type"] in ("error", "assert"))
              or e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Log.entryAdded"
                  and e["params"]["entry"]["level"] == "error")]
    assert errors == []
    urls = [e["params"]["request"]["url"] for e in browser.events
            if e.get("method") == "Network.requestWillBeSent"]
    page = bundled_report[0].html.resolve().as_uri()
    assert [u for u in urls if u != page and not u.startswith("data:")] == []
    assert browser.js("document.title")
    # figures are inline SVG and rendered with a size
    sizes = browser.js("Array.from(document.querySelectorAll('figure svg.fig'))"
                       ".map(s => s.getBoundingClientRect().width)")
    assert len(sizes) >= 5 and min(sizes) > 100


def test_table_of_contents_links_resolve(browser):
    hashes = browser.js("Array.from(document.querySelectorAll('#toc a')).map(a => a.hash)")
    assert len(hashes) >= 10
    missing = browser.js("Array.from(document.querySelectorAll('#toc a'))"
                         ".filter(a => !document.getElementById("
                         "decodeURIComponent(a.hash.slice(1)))).map(a => a.hash)")
    assert missing == []
    ids = browser.js("Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
    assert len(ids) == len(set(ids))  # anchors are unique, inline SVG ids included


def test_contents_are_collapsed_to_sections_and_open_on_demand(browser):
    # the contents list was 70 lines long; now its sections (h2) show, each with subsections
    # a closed <details> whose summary is the section's own link
    state = browser.js("""(() => {
        window.scrollTo(0, 0);
        const toc = document.querySelector('#toc');
        const details = Array.from(toc.querySelectorAll('details'));
        const visible = a => a.checkVisibility ? a.checkVisibility() : a.offsetParent !== null;
        const shown = Array.from(toc.querySelectorAll('a')).filter(visible).length;
        const height = toc.getBoundingClientRect().height;
        const results = details.find(d => d.querySelector('summary a').hash === '#results');
        results.open = true;
        const opened = Array.from(results.querySelectorAll('a')).filter(visible).length;
        results.open = false;
        return {n: details.length, open: details.filter(d => d.open).length, shown: shown,
                height: height, opened: opened, total: toc.querySelectorAll('a').length};
    })()""")
    assert state["n"] >= 5 and state["open"] == 0
    assert state["shown"] == 8  # the eight sections
    assert state["height"] < 400  # px: one screen, not a 70-line list
    assert state["opened"] > 10 and state["total"] > 40  # nothing dropped, only folded


def test_sticky_section_bar_stays_on_screen_and_headings_clear_it(browser):
    assert browser.js("location.hash") != "#sensitivity"  # else no hashchange to wait for
    got = browser.js("""(async () => {
        // the fragment navigation scrolls, then queues hashchange: wait for it, not for a time
        const moved = new Promise(r => window.addEventListener('hashchange', r, {once: true}));
        location.hash = '#sensitivity';
        await moved;
        const bar = document.querySelector('nav#jump').getBoundingClientRect();
        const h = document.getElementById('sensitivity').getBoundingClientRect();
        const links = Array.from(document.querySelectorAll('nav#jump a'))
            .filter(a => !document.getElementById(a.hash.slice(1))).length;
        return {scrolled: window.scrollY, barTop: bar.top, barBottom: bar.bottom,
                headingTop: h.top, broken: links};
    })()""")
    assert got["scrolled"] > 1000 and got["broken"] == 0
    assert got["barTop"] == 0  # still at the top of the window after a long jump
    assert got["headingTop"] >= got["barBottom"] - 1  # the heading is not under the bar


def test_a_numbers_source_link_opens_its_audit_entry(browser):
    link = browser.js("""(async () => {
        const a = document.querySelector('#results ~ * a.src:not(.derived)')
               || document.querySelector('a.src:not(.derived)');
        const before = location.hash;
        const moved = new Promise(r => window.addEventListener('hashchange', r, {once: true}));
        a.scrollIntoView(); a.click();
        if (a.hash !== before) await moved;  // scrolled to the entry, then hashchange
        return {hash: a.hash, text: a.textContent, before: before};
    })()""")
    assert link["hash"].startswith("#src-") and link["before"] != link["hash"]
    target = browser.js("""(() => {
        const t = document.querySelector(':target');
        const r = t.getBoundingClientRect();
        return {id: t.id, text: t.textContent, row: t.closest('tr').textContent,
                top: r.top, height: window.innerHeight};
    })()""")
    assert "#" + target["id"] == link["hash"] == browser.js("location.hash")
    assert link["text"] in target["text"]  # the entry shows the number ...
    assert ".yaml:" in target["text"]  # ... its file:line ...
    assert "“" in target["row"]  # ... and its row the quote
    assert 0 <= target["top"] < target["height"]  # scrolled into view


def test_studies_table_sorts_by_a_column(browser):
    order = browser.js("""(() => {
        const t = document.querySelector('table.sortable');
        const col = () => Array.from(t.tBodies[0].rows).map(r => r.cells[0].textContent);
        const before = col();
        t.querySelectorAll('th')[0].click();
        const up = col();
        t.querySelectorAll('th')[0].click();
        return {before: before, up: up, down: col()};
    })()""")
    collate = sorted(order["before"], key=str.lower)
    assert order["up"] == collate
    assert order["down"] == collate[::-1]


def test_first_screen_screenshot(browser, tmp_path):
    browser.js("window.scrollTo(0, 0)")
    shot = browser.call("Page.captureScreenshot", format="png")
    path = tmp_path / "first_screen.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") >= 800
    print(f"screenshot: {path}")


def test_report_html_is_one_file_with_no_external_reference(bundled_report):
    text = Path(bundled_report[0].html).read_text(encoding="utf-8")
    assert "<img" not in text  # figures are inline SVG
    for bad in ('src="http', "src='http", 'src="//', "@import", "<link", "url(http"):
        assert bad not in text
    assert text.count("<script>") == 1  # the sort script only
