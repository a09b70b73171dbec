"""A small headless-Chromium harness for testing the HTML maps as an inspector opens them.

Inspectors open the Folium maps *offline*, straight from disk, so the maps are tested in a
real browser (Debian's ``chromium`` driven by Debian's ``chromium-driver`` through Selenium)
with every network request blocked at the browser level.

Typical use in a test module (import ``browser_fixture``, not ``browser``: a test argument
named like an imported name trips ruff's F811)::

    from .browser import browser_fixture  # noqa: F401  (the module-scoped ``browser`` fixture)
    from .browser import skip_unless_browser

    pytestmark = skip_unless_browser()

    def test_map_works_offline(browser, tmp_path):
        seconds = browser.load(tmp_path / "map.html", wait_js="document.querySelector('svg')")
        assert browser.requests() == []
        assert browser.console_errors() == []
        assert browser.alert_text() is None

The ``browser`` fixture skips (with the reason) on a machine without Chromium, ChromeDriver or
Selenium, except in CI (``LANDPLAN_CI=1``, which ``.ci/run`` exports, or ``CI=true``), where it
fails instead, so CI cannot pass silently.

Limitations:

* Uncaught exceptions and ``console.error`` calls are read from Chromium's own browser log
  (``goog:loggingPrefs``), not from an injected ``window.onerror``: plain WebDriver cannot run
  a script before the page's own scripts. The log keeps the message text only (with the
  source URL and line), not the stack.
* A sub-resource that fails (a missing local file, a request the proxy switch refused) is
  also logged as a SEVERE ``Failed to load resource`` entry (``include_network=False`` in
  :meth:`Browser.console_errors` leaves those out), but one stopped by the DevTools block is
  not logged at all: :meth:`Browser.requests` is the one place to look for network use.
* :meth:`Browser.requests` lists what the page *requested* (``Network.requestWillBeSent``):
  it does not see DNS prefetches or preconnects (``<link rel=preconnect>``), which the
  switches stop all the same.
* Dialogs (``alert()``, ``confirm()``, ``prompt()``) are seen through WebDriver alone
  (``unhandledPromptBehavior: ignore`` keeps them open): the harness records and accepts an
  open dialog whenever it meets one (while :meth:`Browser.load` waits, when a command finds
  one in the way, and in :meth:`Browser.alert_text`), so ``confirm()`` returns true there.
  A page that opens one while loading is timed including the moments the dialog stood open.
* :meth:`Browser.load` with ``wait_js`` polls the expression inside the page every 10 ms,
  starting once the ``load`` event has fired, so the time it returns is the first moment the
  expression was *seen* truthy: exact to ~10 ms plus one WebDriver round-trip (a few ms).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

#: Command-line switches of every browser the harness starts.
BASE_ARGS: tuple[str, ...] = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--window-size=1280,900",
)

#: Extra switches with ``block_network``: no host name resolves, and every request, loopback
#: included (``<-loopback>`` removes Chromium's implicit proxy bypass for it), goes to a proxy
#: on the discard port of 127.0.0.1, where nothing listens.
BLOCK_ARGS: tuple[str, ...] = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)

#: URL patterns blocked through the DevTools protocol in the harness's tab, with
#: ``block_network`` (a second, independent layer; popups and workers rely on the switches).
BLOCKED_URL_PATTERNS: tuple[str, ...] = ("http://*", "https://*", "ws://*", "wss://*")

_POLL_MS = 10


def chromium_available() -> str | None:
    """Return ``None`` when the browser tests can run here, else the reason they cannot."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"no chromium at {CHROMIUM} (apt-get install -y chromium)"
    if not os.access(CHROMEDRIVER, os.X_OK):
        return f"no chromedriver at {CHROMEDRIVER} (apt-get install -y chromium-driver)"
    if importlib.util.find_spec("selenium") is None:
        return "no selenium in this Python (pip install selenium)"
    return None


def _pids_with(marker: str) -> list[int]:
    """PIDs of the processes whose command line contains ``marker``."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            pids.append(int(proc.name))
    return pids


def _as_url(path_or_url: str | os.PathLike[str]) -> str:
    """A ``file://`` URI for a path; a string that already has a scheme is kept as it is."""
    text = os.fspath(path_or_url)
    if "://" in text or text.startswith(("about:", "data:")):
        return text
    return Path(text).resolve().as_uri()


class Browser:
    """A thin wrapper around one Selenium Chrome driver; a fresh document per :meth:`load`."""

    def __init__(self, driver: WebDriver, block_network: bool, root: str | None = None,
                 blocked_patterns: tuple[str, ...] = BLOCKED_URL_PATTERNS) -> None:
        """Wrap ``driver``; with ``block_network`` also block requests over DevTools.

        ``root`` is the temporary folder holding the browser's profile (see :func:`open_browser`);
        ``blocked_patterns`` the URL patterns blocked over DevTools.
        """
        self.driver = driver
        self.block_network = block_network
        self.blocked_patterns = blocked_patterns
        self.root = root
        self.url: str | None = None
        self._blocking_set = False
        self._console: list[dict[str, Any]] = []
        self._requests: list[str] = []
        self._alerts: list[str] = []

    # -- dialogs ---------------------------------------------------------------------------

    def _take_alert(self) -> bool:
        """Record and accept an open ``alert``/``confirm``/``prompt``; True if there was one."""
        from selenium.common.exceptions import NoAlertPresentException

        try:
            alert = self.driver.switch_to.alert
            text = alert.text
        except NoAlertPresentException:
            return False
        self._alerts.append(text)
        with contextlib.suppress(NoAlertPresentException):
            alert.accept()
        return True

    def _call(self, fn: Any, *args: Any) -> Any:
        """Run a driver command; an open dialog in the way is recorded and accepted first."""
        from selenium.common.exceptions import UnexpectedAlertPresentException

        for _ in range(20):
            try:
                return fn(*args)
            except UnexpectedAlertPresentException:
                if not self._take_alert():
                    raise
        raise RuntimeError("the page keeps opening dialogs")

    def alert_text(self) -> str | None:
        """Text of the first dialog (``alert`` etc.) the current page opened, else ``None``."""
        while self._take_alert():
            pass
        return self._alerts[0] if self._alerts else None

    def alerts(self) -> list[str]:
        """Texts of all dialogs the current page opened so far."""
        self.alert_text()
        return list(self._alerts)

    # -- logs ------------------------------------------------------------------------------

    def _drain_logs(self) -> None:
        """Move the driver's buffered browser and performance log entries into this page's."""
        self._console.extend(self._call(self.driver.get_log, "browser"))
        for entry in self._call(self.driver.get_log, "performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") != "Network.requestWillBeSent":
                continue
            url = message["params"]["request"]["url"]
            if url.startswith("data:") or url.split("#")[0] == (self.url or "").split("#")[0]:
                continue
            self._requests.append(url)

    def console_errors(self, include_network: bool = True) -> list[str]:
        """SEVERE browser-log messages of the current page (console.error, uncaught errors).

        ``include_network=False`` leaves out Chromium's ``Failed to load resource`` entries.
        """
        self._drain_logs()
        return [
            e["message"]
            for e in self._console
            if e.get("level") == "SEVERE"
            and (include_network or e.get("source") != "network")
        ]

    def requests(self) -> list[str]:
        """Every URL the current page requested, except its own URL and ``data:`` URLs."""
        self._drain_logs()
        return list(self._requests)

    # -- navigation ------------------------------------------------------------------------

    def _blank(self) -> None:
        """Unload the current page (a fresh document per load) and drop what it logged."""
        if not self._blocking_set and self.block_network and self.blocked_patterns:
            self.driver.execute_cdp_cmd("Network.enable", {})
            self.driver.execute_cdp_cmd(
                "Network.setBlockedURLs", {"urls": list(self.blocked_patterns)}
            )
            self._blocking_set = True
        self._call(self.driver.get, "about:blank")
        while self._take_alert():
            pass
        self._drain_logs()
        self._console, self._requests, self._alerts = [], [], []

    def load(
        self,
        path_or_url: str | os.PathLike[str],
        wait_js: str | None = None,
        timeout: float = 30,
    ) -> float:
        """Open a file (as a ``file://`` URI) or URL as a fresh page and wait for it.

        The previous page is unloaded first (via ``about:blank``), and what it logged, requested
        or alerted is dropped, so the other methods report on this page only. Waits until
        ``document.readyState == 'complete'`` and then, if given, until the JavaScript
        expression ``wait_js`` is truthy (an expression that throws counts as false). Returns
        the seconds from navigation start to that point, measured by the browser's own clock
        (navigation timing's ``loadEventEnd``, or ``performance.now()`` with ``wait_js``). Raises
        ``TimeoutError`` after ``timeout`` seconds (the browser stays usable), and Selenium's
        ``JavascriptException`` when ``wait_js`` is not valid JavaScript.
        """
        from selenium.common.exceptions import TimeoutException, UnexpectedAlertPresentException

        deadline = time.monotonic() + timeout
        self.url = None
        self._blank()
        self.url = _as_url(path_or_url)
        self.driver.set_page_load_timeout(max(timeout, 0.1))
        try:
            self.driver.get(self.url)  # not retried: a dialog is taken by the wait below
        except UnexpectedAlertPresentException:
            self._take_alert()
        except TimeoutException as exc:
            raise TimeoutError(f"{self.url} did not load within {timeout} s") from exc
        check = "true" if wait_js is None else f"!!({wait_js})"
        # Without wait_js the answer is the load event's end; with it, when it was seen true.
        use_nav = "true" if wait_js is None else "false"
        script = f"""
            const done = arguments[arguments.length - 1];
            const check = () => {{
                try {{ return {check}; }} catch (e) {{ return false; }}
            }};
            const tick = () => {{
                if (document.readyState === 'complete' && check()) {{
                    const nav = performance.getEntriesByType('navigation')[0];
                    const loaded = nav && nav.loadEventEnd > 0 ? nav.loadEventEnd : 0;
                    done({use_nav} && loaded ? loaded : performance.now());
                }} else {{
                    setTimeout(tick, {_POLL_MS});
                }}
            }};
            tick();
        """
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"{self.url}: readyState complete"
                    + (f" and ({wait_js}) truthy" if wait_js else "")
                    + f" not reached within {timeout} s"
                )
            self.driver.set_script_timeout(remaining)
            try:
                ms = self._call(self.driver.execute_async_script, script)
            except TimeoutException:
                continue
            if ms is None:  # a dialog opened while the script waited: it was cut short
                self.alert_text()  # take the dialog (recorded), then wait again
                continue
            return float(ms) / 1000.0

    # -- page interaction ------------------------------------------------------------------

    def eval(self, js: str) -> Any:
        """Evaluate JavaScript in the page's global scope, like the devtools console.

        Returns the value of the last expression statement, converted by WebDriver
        (numbers, strings, lists, dicts, elements; ``undefined`` becomes ``None``).
        """
        return self._call(self.driver.execute_script, "return (0, eval)(arguments[0]);", js)

    def count(self, css_selector: str) -> int:
        """How many elements match ``css_selector`` in the current page."""
        from selenium.webdriver.common.by import By

        return len(self._call(self.driver.find_elements, By.CSS_SELECTOR, css_selector))

    def click(self, css_selector: str) -> None:
        """Click the first element matching ``css_selector`` (NoSuchElementException if none)."""
        from selenium.webdriver.common.by import By

        element = self._call(self.driver.find_element, By.CSS_SELECTOR, css_selector)
        self._call(element.click)

    def screenshot(self, path: str | os.PathLike[str]) -> Path:
        """Save a PNG of the viewport to ``path`` and return the path."""
        path = Path(path)
        if not self._call(self.driver.save_screenshot, os.fspath(path)):
            raise OSError(f"screenshot to {path} failed")
        return path


@contextlib.contextmanager
def open_browser(block_network: bool = True, allow_loopback: bool = False) -> Iterator[Browser]:
    """Start headless Chromium in a fresh temporary profile and yield a :class:`Browser`.

    With ``block_network`` no request can leave the browser: host names do not resolve,
    everything goes to a dead proxy on 127.0.0.1:9, and ``http(s)://``/``ws(s)://`` URLs are
    blocked over DevTools as well. ``allow_loopback`` (for a page served by a test server on
    127.0.0.1) lets loopback addresses bypass the dead proxy and blocks only ``https://`` and
    ``ws(s)://`` over DevTools (its patterns cannot except one host): a request anywhere else
    still fails, and :meth:`Browser.requests` lists it. The driver is always quit, the
    temporary folder removed, and any process still running on it killed by PID.
    """
    reason = chromium_available()
    if reason is not None:
        raise RuntimeError(f"cannot start the browser: {reason}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # Everything the browser writes stays under one temporary folder whose path is in the
    # command line of every process it starts (crashpad's database follows XDG_CONFIG_HOME),
    # so that leftovers can be found, and killed by PID, afterwards.
    root = tempfile.mkdtemp(prefix="landplan-chromium-")
    env = {**os.environ, "XDG_CONFIG_HOME": os.path.join(root, "config")}
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (*BASE_ARGS, f"--user-data-dir={os.path.join(root, 'profile')}"):
        options.add_argument(arg)
    if block_network:
        for arg in BLOCK_ARGS:
            if allow_loopback and arg.startswith("--proxy-bypass-list"):
                continue
            if allow_loopback and arg.startswith("--host-resolver-rules"):
                arg += ", EXCLUDE 127.0.0.1"
            options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # Leave dialogs open so that the harness can read them instead of WebDriver dismissing.
    options.set_capability("unhandledPromptBehavior", "ignore")
    driver = None
    try:
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER, env=env))
        patterns = (tuple(p for p in BLOCKED_URL_PATTERNS if not p.startswith("http://"))
                    if allow_loopback else BLOCKED_URL_PATTERNS)
        yield Browser(driver, block_network, root, patterns)
    finally:
        try:
            if driver is not None:
                driver.quit()
        finally:
            for _ in range(50):  # quit() returns before the browser's helpers have exited
                if not _pids_with(root):
                    break
                time.sleep(0.1)
            for pid in _pids_with(root):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            shutil.rmtree(root, ignore_errors=True)


def in_ci() -> bool:
    """Whether this is a CI run: ``LANDPLAN_CI=1`` (``.ci/run``) or ``CI=true``. The same rule
    as ``tests/conftest.py``'s ``ci_strict`` (this module is also loaded on its own, by
    ``benchmarks/bench_map.py``, so it does not import the test package)."""
    return os.environ.get("LANDPLAN_CI") == "1" or os.environ.get("CI") == "true"


def require_browser() -> None:
    """Skip the calling test when no browser can run here, or fail in CI (:func:`in_ci`).

    CI must never pass by skipping the browser tests, so there a missing Chromium,
    ChromeDriver or Selenium is an error.
    """
    reason = chromium_available()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests need a browser: {reason}")


def skip_unless_browser() -> pytest.MarkDecorator:
    """A ``pytestmark`` for browser test modules: skip without a browser, except in CI."""
    reason = chromium_available()
    return pytest.mark.skipif(
        reason is not None and not in_ci(),
        reason=f"browser tests need a browser: {reason}",
    )


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Browser]:
    """One network-blocked browser per test module; each :meth:`Browser.load` a fresh page.

    Skips when Chromium, ChromeDriver or Selenium is missing, except in CI (:func:`in_ci`),
    where it fails so that a CI without a browser cannot pass silently.
    """
    require_browser()
    with open_browser(block_network=True) as b:
        yield b


#: The same fixture under its fixture name. Importing it works, but then every test taking a
#: ``browser`` argument trips ruff's F811 (redefinition), so import ``browser_fixture``.
browser = browser_fixture
