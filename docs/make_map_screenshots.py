"""Screenshots of the demo's violation map for the README and docs/maps.md (docs/img/).

Runs ``landplan demo`` into a temporary folder (so the pictures show the current demo's
numbers), opens its ``map.html`` offline in headless Chromium (``tests/browser.py``: every
request blocked) in a 1366×768 window — the field laptop — and saves:

- ``sample_map.png``: the map as it opens;
- ``inspector_map.png``: the first violation of the list opened (its popup in view).

    python docs/make_map_screenshots.py [OUT_DIR]

Exits 1 when the page logs a console error or makes a request.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
WINDOW = (1366, 768)


def _serve_script() -> Any:
    """Return the serve page's screenshot script (its browser loader and wait are shared)."""
    spec = importlib.util.spec_from_file_location("make_serve_screenshots",
                                                  ROOT / "docs" / "make_serve_screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_screenshots(browser: Any, map_html: Path, out_dir: Path = OUT) -> list[Path]:
    """Save the two pictures of ``map_html`` into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    browser.driver.set_window_size(*WINDOW)
    browser.load(map_html, wait_js="window.LANDPLAN_READY", timeout=120)
    shots = [browser.screenshot(out_dir / "sample_map.png")]
    browser.eval("(document.querySelector('.landplan-list-items li') || {click() {}}).click()"
                 " || 1")
    _serve_script().wait(browser, "document.querySelector('.leaflet-popup-content')")
    time.sleep(1.0)  # the fly-to animation
    shots.append(browser.screenshot(out_dir / "inspector_map.png"))
    return shots


def main(argv: list[str]) -> int:
    """Run the demo, then take the screenshots (into ``argv[0]`` or docs/img)."""
    from landplan.cli import main as landplan

    out_dir = Path(argv[0]) if argv else OUT
    with tempfile.TemporaryDirectory() as tmp:
        if landplan(["demo", "--out", str(Path(tmp) / "demo"), "-q"]) != 0:
            return 1
        with _serve_script()._browser_module().open_browser() as browser:
            shots = make_screenshots(browser, Path(tmp) / "demo" / "map.html", out_dir)
            problems = browser.console_errors() + browser.requests()
    for path in shots:
        print(path)
    for problem in problems:
        print("problem:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
