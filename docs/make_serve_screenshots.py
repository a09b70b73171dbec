"""Screenshots of the web page of ``landplan serve`` for docs/serve.md (docs/img/serve_*.png).

Serves the demo app (the sample district) with uvicorn on a free loopback port and drives
headless Chromium (``tests/browser.py``, every request off loopback blocked) through the page:
the page itself, a parcel looked up and pre-checked, and the printable slip (print media).

    python docs/make_serve_screenshots.py [OUT_DIR]

``tests/test_serve_page.py`` calls :func:`make_screenshots` with its own server and browser.
"""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
#: The parcel the screenshots look up and pre-check (the sample district).
PARCEL = {"sheet": "244", "parcel_no": "1", "unit": "10822"}
PRECHECK = {"kind": "allocation", "land_use": "TMD", "decision_date": "2024-03-15"}


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free 127.0.0.1 port in a thread; yield its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def wait(browser: Any, js: str, timeout: float = 20) -> Any:
    """Wait until the expression ``js`` is truthy in the page; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = browser.eval(js)
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"({js}) not truthy within {timeout} s")


def open_page(browser: Any, url: str) -> None:
    """Load the page and wait for its plan map's zones."""
    browser.load(url, wait_js="document.body.dataset.zones > 0")


def search(browser: Any, sheet: str, parcel_no: str, unit: str = "") -> None:
    """Type a sheet/parcel (and unit) in the search box, submit it, wait for the panel."""
    browser.eval("document.getElementById('panel').dataset.ready = ''")
    for field, value in (("sheet", sheet), ("parcel_no", parcel_no), ("unit", unit)):
        browser.driver.execute_script(
            "document.getElementById(arguments[0]).value = arguments[1]", field, value)
    browser.click("#find")
    wait(browser, "document.getElementById('panel').dataset.ready === '1'")


def precheck(browser: Any, kind: str, land_use: str, decision_date: str = "") -> str:
    """Fill the pre-check form, submit it and return the verdict shown."""
    browser.eval("delete document.getElementById('verdict').dataset.verdict")
    browser.driver.execute_script(
        "document.getElementById('kind').value = arguments[0];"
        "document.getElementById('land_use').value = arguments[1];"
        "document.getElementById('decision_date').value = arguments[2];",
        kind, land_use, decision_date)
    browser.click("#run-precheck")
    return wait(browser, "document.getElementById('verdict').dataset.verdict")


def print_media(browser: Any, on: bool) -> None:
    """Emulate (or stop emulating) print media in the browser's tab."""
    browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print" if on else ""})


def make_screenshots(browser: Any, base_url: str, out_dir: Path = OUT) -> list[Path]:
    """Save the page, a lookup with its pre-check and the slip as ``out_dir/serve_*.png``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shots = []
    open_page(browser, base_url + "/")
    time.sleep(0.3)
    shots.append(browser.screenshot(out_dir / "serve_page.png"))
    search(browser, **PARCEL)
    precheck(browser, **PRECHECK)
    time.sleep(1.0)  # the map's flight to the parcel
    browser.driver.execute_script("window.scrollTo(0, 0);"
                                  "document.getElementById('side').scrollTop = 0")
    shots.append(browser.screenshot(out_dir / "serve_lookup.png"))
    print_media(browser, True)
    try:
        browser.driver.execute_script("window.scrollTo(0, 0)")
        shots.append(browser.screenshot(out_dir / "serve_slip.png"))
    finally:
        print_media(browser, False)
    return shots


def _browser_module() -> Any:
    spec = importlib.util.spec_from_file_location("landplan_tests_browser",
                                                  ROOT / "tests" / "browser.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    """Serve the demo, take the screenshots; 1 on a console error or an outside request."""
    import warnings

    sys.path.insert(0, str(ROOT))
    from landplan.serve import demo_app

    out_dir = Path(argv[0]) if argv else OUT
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = demo_app()
    browser_mod = _browser_module()
    with serving(app) as url, browser_mod.open_browser(allow_loopback=True) as browser:
        for path in make_screenshots(browser, url, out_dir):
            print(path)
        outside = [u for u in browser.requests() if not u.startswith(url)]
        if outside or browser.console_errors():
            print("outside requests:", outside, "console errors:", browser.console_errors())
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
