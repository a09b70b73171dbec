"""The maps in a real browser (headless Chromium): they load without errors, show every
feature, treat hostile attribute text as text, and work with the network blocked."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from shapely.geometry import box

import landplan
from landplan.cli import main

from .browser import browser  # noqa: F401  (module-scoped fixture)
from .conftest import at

HOSTILE = "<img src=x onerror=alert(1)></script>`${alert(2)}`"
ARTIFACTS = Path(os.environ.get("LANDPLAN_ARTIFACTS",
                                Path(__file__).resolve().parents[1] / "test-artifacts"))


@pytest.fixture(scope="module")
def sample_map(demo_output) -> Path:
    """The demo's folder (conftest, one run per session): its map.html is offline (the CLI
    default) with every sample layer."""
    return demo_output


def _run(browser, body: str):  # noqa: F811
    """Run a block of JavaScript statements (with ``return``) in the page."""
    return browser.eval(f"(() => {{ {body} }})()")


def _counts(browser) -> dict[str, int]:  # noqa: F811
    return _run(browser, """
        const out = {};
        for (const [k, layer] of Object.entries(LANDPLAN.layers)) {
            out[k] = layer.getLayers().length; }
        return out;""")


def test_sample_map_loads_offline_with_every_feature_and_no_request(browser, sample_map):  # noqa: F811
    # Render time is measured in benchmarks/bench_map.py; here only a generous wait.
    browser.load(sample_map / "map.html", wait_js="window.LANDPLAN_READY", timeout=180)
    assert browser.console_errors() == []
    assert browser.requests() == []
    assert browser.alert_text() is None
    import pandas as pd
    decisions = pd.read_csv(sample_map / "decisions.csv", encoding="utf-8-sig")
    findings = pd.read_csv(sample_map / "findings.csv", encoding="utf-8-sig")
    counts = _counts(browser)
    shown = decisions["status"].isin(["violation", "unchecked"]) & (
        decisions["geometry_status"] != "unusable")
    assert counts["decisions"] == int(shown.sum())
    compliance = findings[(findings["category"] == "compliance")
                          & (findings["layer"] == "decisions")]
    assert counts["findings"] == len(compliance)
    assert counts["plan:v1"] == counts["plan:v2"] == 464
    assert counts["projects"] == 20 and counts["corridors"] == 4
    assert counts["changes"] >= 6
    assert browser.count(".leaflet-control-layers") == 1
    assert browser.count(".leaflet-control-search") == 1
    assert browser.count(".leaflet-control-minimap") == 1
    assert browser.count(".leaflet-control-scale") == 1
    assert browser.count(".landplan-summary") == 1 and browser.count(".landplan-legend") == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = browser.screenshot(ARTIFACTS / "sample_map.png")
    assert shot.stat().st_size > 20_000


def test_search_finds_a_decision_and_opens_its_popup(browser, sample_map):  # noqa: F811
    import pandas as pd
    decisions = pd.read_csv(sample_map / "decisions.csv", encoding="utf-8-sig")
    wanted = decisions.loc[decisions["status"] == "violation", "decision_no"].iloc[0]
    browser.load(sample_map / "map.html", wait_js="window.LANDPLAN_READY")
    found = _run(browser, f"""
        const layer = LANDPLAN.layers.decisions; let hit = null;
        layer.eachLayer(l => {{ if (l.feature.properties.n === {wanted!r}) hit = l; }});
        hit.openPopup();
        return document.querySelector('.leaflet-popup-content').textContent;""")
    assert wanted in found


@pytest.fixture(scope="module")
def hostile_map(tmp_path_factory) -> Path:
    import geopandas as gpd
    plan = gpd.GeoDataFrame({"maloaidat": ["LUC", "ONT"]},
                            geometry=[at(box(0, 0, 100, 100)), at(box(100, 0, 200, 100))],
                            crs="EPSG:9209")
    decisions = gpd.GeoDataFrame({
        "so_qd": [HOSTILE], "kyhieumucd": ["ONT"], "hinh_thuc": [HOSTILE],
        "shbando": [HOSTILE], "shthua": ["`${document.title='pwned'}`"],
        "ngay_qd": ["01/02/2023"]},
        geometry=[at(box(20, 20, 40, 40))], crs="EPSG:9209")
    result = landplan.check(plan, decisions)
    path = tmp_path_factory.mktemp("hostile") / "map.html"
    landplan.make_map(result, offline=True).save(str(path))
    return path


def test_hostile_attribute_text_is_shown_as_text_and_runs_nothing(browser, hostile_map):  # noqa: F811
    browser.load(hostile_map, wait_js="window.LANDPLAN_READY")
    text = _run(browser, """
        let out = null;
        LANDPLAN.layers.decisions.eachLayer(l => { l.openPopup();
            out = document.querySelector('.leaflet-popup-content').textContent; });
        return out;""")
    assert HOSTILE in text
    assert "`${document.title='pwned'}`" in text
    assert browser.count(".leaflet-popup-content img") == 0
    assert browser.eval("document.title") != "pwned"
    assert browser.alert_text() is None
    assert browser.console_errors() == []
    assert browser.requests() == []  # the <img src=x> was never created, so never fetched


@pytest.mark.slow  # plan-diff of the sample district
def test_plan_diff_map_and_online_map_render(browser, tmp_path):  # noqa: F811
    out = tmp_path / "diff"
    sample = landplan.sample_dir()
    assert main(["plan-diff", str(sample / "plan.gpkg"), str(sample / "plan_2023.gpkg"),
                 "--out", str(out), "-q"]) == 0
    browser.load(out / "plan_diff.html", wait_js="window.LANDPLAN && LANDPLAN.layers.changes")
    assert browser.console_errors() == []
    assert browser.requests() == []


# --- a map split by unit: the index, its links, the units' maps ---------------------------

@pytest.fixture(scope="module")
def split_map(tmp_path_factory) -> Path:
    """400 overlapping parcels in 12 communes and a pile of 30 identical parcels in one of
    them, 300 features a file: an index and the units' maps (offline, the default); the
    pile's map cannot draw everything."""
    import pandas as pd

    from landplan.maps import MapBudget

    from .stress import district
    from .test_maps_split import pile

    plan, spread = district(400)
    _, heap = pile(30, unit=spread["ma_xa"].dropna().iloc[0])
    heap = heap.set_geometry(heap.geometry.translate(0, -8_000))  # into the district
    result = landplan.check(plan, pd.concat([spread, heap], ignore_index=True))
    out = tmp_path_factory.mktemp("split")
    landplan.write_outputs(result, out, map_budget=MapBudget(1, 300))
    return out


def _ready_after_click(browser, name: str) -> None:  # noqa: F811
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser.driver, 60, poll_frequency=0.05).until(lambda d: d.execute_script(
        f"return location.href.endsWith({name!r}) && !!window.LANDPLAN_READY;"))


def test_index_links_to_unit_maps_that_render_offline(browser, split_map):  # noqa: F811
    seconds = browser.load(split_map / "map.html", wait_js="window.LANDPLAN_READY")
    assert browser.console_errors() == [] and browser.requests() == []
    assert seconds < 5
    links = _run(browser, "return [...document.querySelectorAll('.landplan-units a')]"
                          ".map(a => a.getAttribute('href'));")
    files = sorted(f"maps/{p.name}" for p in (split_map / "maps").iterdir())
    assert sorted(links) == files and len(files) > 12
    # the units layer's popups link to the same maps
    hrefs = _run(browser, """
        const out = [];
        LANDPLAN.layers.units.eachLayer(l => { l.openPopup();
            const a = l.getPopup().getElement().querySelector('a');
            out.push(a && a.getAttribute('href')); l.closePopup(); });
        return out;""")
    assert sorted(hrefs) == files
    # an inspector clicks a unit in the list: its map opens and draws, from the disk alone
    browser.click(f'.landplan-units a[href="{links[0]}"]')
    _ready_after_click(browser, links[0])
    assert _counts(browser)["decisions"] > 0
    assert [u for u in browser.requests() if not u.startswith("file://")] == []
    assert browser.console_errors() == []
    for name in files:
        seconds = browser.load(split_map / name, wait_js="window.LANDPLAN_READY")
        assert browser.console_errors() == [] and browser.requests() == [], name
        assert seconds < 5, name
        assert browser.count(".landplan-page a[href='../map.html']") == 1


def test_a_unit_map_that_cannot_hold_everything_says_so_as_text(browser, split_map):  # noqa: F811
    crowded = [p for p in (split_map / "maps").iterdir()
               if "landplan-notice" in p.read_text(encoding="utf-8")]
    assert len(crowded) == 1
    browser.load(crowded[0], wait_js="window.LANDPLAN_READY")
    notice = _run(browser, "return document.querySelector('.landplan-notice').innerText;")
    assert re.search(r"còn [\d,]+ vi phạm và [\d,]+ quyết định chưa vẽ", notice), notice
    assert "findings.gpkg" in notice and "findings.csv" in notice
    drawn = sum(_counts(browser).values())
    assert drawn <= 300
    assert browser.console_errors() == [] and browser.requests() == []
