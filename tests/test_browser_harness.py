"""Pins the headless-browser harness in ``tests/browser.py`` on tiny hand-written pages.

These tests check the harness itself, not landplan's maps: that it reports console errors,
requests and dialogs, that nothing leaves the machine with the network blocked, that load
times come from the browser's clock, and that no browser process outlives it.
"""

from __future__ import annotations

import http.server
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import browser as harness
from .browser import Browser, browser_fixture  # noqa: F401  (the module-scoped `browser`)

pytestmark = harness.skip_unless_browser()


def page(tmp_path: Path, body: str, name: str = "page.html") -> Path:
    """Write a minimal HTML page with ``body`` into ``tmp_path`` and return its path."""
    path = tmp_path / name
    path.write_text(f"<!doctype html><html><head><meta charset=utf-8></head><body>{body}</body>")
    return path


# -- the module's browser, one fresh page per load -------------------------------------------


def test_chromium_available_here() -> None:
    """Where these tests run (always in CI), the harness finds everything it needs."""
    assert harness.chromium_available() is None


def test_console_error_and_uncaught_exception_are_reported(browser: Browser, tmp_path) -> None:
    browser.load(page(tmp_path, "<script>console.error('boom-1'); throw Error('boom-2');</script>"))
    errors = browser.console_errors()
    assert len(errors) == 2, errors
    assert "boom-1" in errors[0]
    assert "Uncaught Error: boom-2" in errors[1]
    assert browser.console_errors() == errors  # reading does not consume


def test_external_script_is_requested_but_blocked(browser: Browser, tmp_path) -> None:
    path = page(
        tmp_path,
        '<script src="https://example.com/x.js"></script>'
        "<script>document.title = typeof window.fromX;</script>",
    )
    browser.load(path)
    assert browser.requests() == ["https://example.com/x.js"]
    assert browser.eval("document.title") == "undefined"  # the page went on without it


def test_page_without_requests(browser: Browser, tmp_path) -> None:
    browser.load(page(tmp_path, "<p>nothing to fetch</p><img src='data:image/gif;base64,"
                                "R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=='>"))
    assert browser.requests() == []  # neither the page itself nor data: URLs count
    assert browser.console_errors() == []
    assert browser.alert_text() is None


def test_local_files_are_requests_too(browser: Browser, tmp_path) -> None:
    (tmp_path / "helper.js").write_text("window.helped = 42;")
    path = page(tmp_path, '<script src="helper.js"></script><img src="missing.png">')
    browser.load(path)
    assert browser.requests() == [
        (tmp_path / "helper.js").as_uri(),
        (tmp_path / "missing.png").as_uri(),
    ]
    assert browser.eval("window.helped") == 42
    errors = browser.console_errors()
    assert len(errors) == 1 and "ERR_FILE_NOT_FOUND" in errors[0], errors
    assert browser.console_errors(include_network=False) == []


def test_alert_is_detected(browser: Browser, tmp_path) -> None:
    browser.load(page(tmp_path, "<img src=x onerror=\"alert(1)\"><p>after</p>"))
    assert browser.alert_text() == "1"
    assert browser.count("p") == 1  # the page is usable once the dialog was taken


def test_later_dialogs_are_detected_too(browser: Browser, tmp_path) -> None:
    path = page(tmp_path, "<script>alert('a'); setTimeout(() => confirm('b'), 50);</script>")
    browser.load(path, wait_js="true")
    time.sleep(0.3)
    assert browser.alerts() == ["a", "b"]
    assert browser.alert_text() == "a"


def test_each_load_is_a_fresh_page(browser: Browser, tmp_path) -> None:
    dirty = page(tmp_path, "<script>window.leftover = 1; console.error('old');</script>"
                           "<img src=x onerror=\"alert('old')\">", name="dirty.html")
    browser.load(dirty)
    browser.load(page(tmp_path, "<p>clean</p>"))
    assert browser.eval("typeof window.leftover") == "undefined"
    assert browser.console_errors() == []
    assert browser.requests() == []
    assert browser.alert_text() is None


def test_load_time_comes_from_the_browser_clock(browser: Browser, tmp_path) -> None:
    # No speed is asserted: the page's own clock starts at its navigation, after load() was
    # called, so it can never exceed the wall time around load(), and with wait_js it
    # includes the 300 ms the page took to become ready.
    start = time.monotonic()
    quick = browser.load(page(tmp_path, "<p>quick</p>"))
    assert 0 < quick <= time.monotonic() - start
    path = page(tmp_path, "<script>setTimeout(() => { window.ready = true; }, 300);</script>")
    start = time.monotonic()
    waited = browser.load(path, wait_js="window.ready === true")
    assert 0.3 <= waited <= time.monotonic() - start
    assert browser.eval("window.ready") is True


@pytest.mark.timeout(120)  # a wait that ignored its timeout would hang here
def test_load_times_out_and_the_browser_stays_usable(browser: Browser, tmp_path) -> None:
    with pytest.raises(TimeoutError, match=r"\(window\.never\.deeper\) truthy not reached "
                                           r"within 1 s"):
        browser.load(page(tmp_path, "<p>x</p>"), wait_js="window.never.deeper", timeout=1)
    browser.load(page(tmp_path, "<p>y</p>"), timeout=60)
    assert browser.count("p") == 1


def test_count_click_eval(browser: Browser, tmp_path) -> None:
    path = page(
        tmp_path,
        "<ul><li>a</li><li>b</li><li>c</li></ul>"
        "<button id=go onclick=\"document.body.dataset.clicked = 'yes'\">go</button>",
    )
    browser.load(path)
    assert browser.count("li") == 3
    assert browser.count(".absent") == 0
    browser.click("#go")
    assert browser.eval("document.body.dataset.clicked") == "yes"
    assert browser.eval("var n = 20; n + 1") == 21  # statements, like the devtools console
    assert browser.eval("[1, {a: 'b'}]") == [1, {"a": "b"}]
    assert browser.eval("undefined") is None


def test_screenshot_is_written(browser: Browser, tmp_path) -> None:
    browser.load(page(tmp_path, "<h1 style='color:red'>shot</h1>"))
    out = browser.screenshot(tmp_path / "shot.png")
    assert out.stat().st_size > 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- separate browsers: the network block, layer by layer, and clean shutdown -----------------


@pytest.fixture
def loopback_server() -> Iterator[tuple[int, list[str]]]:
    """An HTTP server on 127.0.0.1 that serves a script and records the paths it was asked."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.end_headers()
            self.wfile.write(b"window.fromServer = true;")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.slow  # a browser of its own for each case
@pytest.mark.parametrize(
    ("layers", "block_network", "expect_hits"),
    [
        ("switches and devtools", True, False),
        ("switches only", True, False),
        ("devtools only", True, False),
        ("none (control)", False, True),
    ],
)
def test_network_block_holds_even_for_loopback(
    layers: str,
    block_network: bool,
    expect_hits: bool,
    loopback_server: tuple[int, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each layer of the block alone stops a request to a server on this very machine."""
    harness.require_browser()
    if layers == "switches only":
        monkeypatch.setattr(harness, "BLOCKED_URL_PATTERNS", ())
    elif layers == "devtools only":
        monkeypatch.setattr(harness, "BLOCK_ARGS", ())
    port, hits = loopback_server
    urls = [f"http://127.0.0.1:{port}/a.js", f"http://localhost:{port}/b.js"]
    body = "".join(f'<script src="{u}"></script>' for u in urls)
    with harness.open_browser(block_network=block_network) as b:
        root = b.root
        driver_process = b.driver.service.process
        assert root and harness._pids_with(root), "the browser should run on its temp folder"
        b.load(page(tmp_path, body + "<script>document.title = !!window.fromServer;</script>"))
        assert b.requests() == urls
        assert b.eval("document.title") == str(expect_hits).lower()
    assert (len(hits) == 2) is expect_hits, hits
    # Nothing outlives the context manager: no process on its folder, chromedriver gone.
    assert harness._pids_with(root) == []
    assert not os.path.exists(root)
    assert driver_process.poll() is not None


# -- skip or fail --------------------------------------------------------------------------


@pytest.mark.parametrize("name, value", [("CI", "true"), ("LANDPLAN_CI", "1")])
def test_without_browser_ci_fails_and_developers_skip(name: str, value: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harness, "chromium_available", lambda: "no chromium at /usr/bin/chromium")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("LANDPLAN_CI", raising=False)
    monkeypatch.setenv(name, value)
    with pytest.raises(pytest.fail.Exception, match="cannot run in CI"):
        harness.require_browser()
    assert not harness.skip_unless_browser().args[0]  # CI: the module mark does not skip
    monkeypatch.delenv(name)
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        harness.require_browser()
    assert harness.skip_unless_browser().args[0]
