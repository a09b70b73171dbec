"""Hostile text in a real browser (headless Chromium): every path from data, file names,
column names and options into ``map.html`` shows the text as text and runs nothing.

The inputs are built as an official could have them — GeoPackages and a GeoTIFF whose *file
names*, *column names* and *every text field* (decision number, sheet and parcel number,
kind, date, owner, extra columns, plan version name ``phien_ban``, project, corridor, land-use
codes) carry a payload — and go through the CLI (``landplan check``, ``landplan plan-diff``)
or the library. Each test then does what an inspector does: loads the page, opens the layer
control, types in the search box and picks a tip, opens every popup and tooltip, reads the
legend and the summary panel.

A payload is ``<img src=x alt=TAG onerror=window.__xss=this.alt>TAG``: parsed as HTML it
would set ``window.__xss`` to its tag (which names the leaking field); shown as text it is
those characters. Land-use codes are upper-cased by the loader, so theirs is written with
upper-case HTML character references (``<IMG/SRC=X/ONERROR=&#X77;…>``), which an HTML parser
decodes back into the same script.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from shapely.geometry import box

import landplan
from landplan.cli import main

from .browser import (
    browser_fixture,  # noqa: F401  (the module-scoped ``browser`` fixture)
    skip_unless_browser,
)
from .conftest import X0, Y0, at

pytestmark = skip_unless_browser()

WAIT = 60  # seconds: generous, for a loaded machine; nothing here is timed


def payload(tag: str) -> str:
    """Markup that sets ``window.__xss = tag`` if it is ever parsed as HTML."""
    return f"<img src=x alt={tag} onerror=window.__xss=this.alt>{tag}"


def code_payload(tag: str) -> str:
    """The same for a land-use code: upper case, no spaces (``normalize_code`` keeps it)."""
    script = "".join(f"&#X{ord(c):X};" for c in f"window.__xss='{tag}'")
    return f"<IMG/SRC=X/ONERROR={script}>{tag.upper()}"


SCRIPT_CLOSE = "</script><script>window.__xss='script-close'</script>"
TEMPLATE = "${window.__xss='template'}`"
COLUMN = payload("column")


def _run(browser, body: str):
    """Run a block of JavaScript statements (with ``return``) in the page."""
    return browser.eval(f"(() => {{ {body} }})()")


def _assert_ran_nothing(browser) -> None:
    assert browser.eval("window.__xss") is None, browser.eval("window.__xss")
    assert browser.count("[onerror], [onload]") == 0
    assert browser.alert_text() is None
    assert browser.requests() == []  # an <img src=x> that was created would be requested
    assert browser.console_errors() == []


def _wait(browser, js: str) -> None:
    """Wait (generously) until the expression ``js`` is truthy in the current page."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser.driver, WAIT, poll_frequency=0.05).until(
        lambda d: d.execute_script(f"try {{ return !!({js}); }} catch (e) {{ return false; }}"))


# --- the hostile district -------------------------------------------------------------------

def _write_inputs(root: Path) -> dict[str, Path]:
    import geopandas as gpd
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    root.mkdir(parents=True, exist_ok=True)
    zones = [at(box(0, 0, 100, 100)), at(box(100, 0, 200, 100)), at(box(0, 100, 200, 200))]
    v1 = gpd.GeoDataFrame({"maloaidat": ["LUC", "ONT", "LUC"],
                           "phien_ban": [payload("version1")] * 3},
                          geometry=zones, crs="EPSG:9209")
    v2 = v1.assign(phien_ban=payload("version2"),
                   maloaidat=["LUC", "ONT", code_payload("plancode")])
    paths = {"plan1": root / f"{payload('planfile1')}.gpkg",
             "plan2": root / f"{payload('planfile2')}.gpkg",
             "decisions": root / f"{payload('decisionsfile')}.gpkg",
             "projects": root / f"{payload('projectsfile')}.gpkg",
             "corridors": root / f"{payload('corridorsfile')}.gpkg",
             "raster": root / f"{payload('rasterfile')}.tif"}
    v1.to_file(paths["plan1"], layer="zones")
    v2.to_file(paths["plan2"], layer="zones")
    gpd.GeoDataFrame({
        COLUMN: [payload("decision"), payload("decision2"), payload("decision3")],
        "ngay_qd": ["01/02/2024", payload("date"), "01/02/2024"],
        "hinh_thuc": [payload("kind") + SCRIPT_CLOSE + TEMPLATE, "Giao đất", "Giao đất"],
        "kyhieumucd": ["ONT", code_payload("grantcode"), "ONT"],
        "shbando": [payload("sheet"), "2", "3"],
        "shthua": [payload("parcelno"), "5", "6"],
        "tenchu": [payload("owner"), "A", "B"],
        payload("extracolumn"): [payload("extra"), "x", "y"]},
        geometry=[at(box(20, 20, 40, 40)), at(box(120, 20, 140, 40)),
                  at(box(20, 120, 40, 140))], crs="EPSG:9209",
    ).to_file(paths["decisions"], layer="parcels")
    gpd.GeoDataFrame({"project_name": [payload("project")], "year": [2019],
                      "land_use": [code_payload("projcode")]},
                     geometry=[at(box(150, 150, 190, 190))], crs="EPSG:9209",
                     ).to_file(paths["projects"], layer="projects")
    gpd.GeoDataFrame({"name": [payload("corridor")], "restriction": [payload("restriction")],
                      "allowed": [code_payload("allowedcode")]},
                     geometry=[at(box(0, 90, 200, 110))], crs="EPSG:9209",
                     ).to_file(paths["corridors"], layer="corridors")
    with rasterio.open(paths["raster"], "w", driver="GTiff", width=20, height=20, count=1,
                       dtype="uint8", crs="EPSG:9209", nodata=0,
                       transform=from_origin(X0, Y0 + 200, 10, 10)) as dst:
        dst.write(np.arange(400, dtype="uint8").reshape(20, 20) % 3 + 1, 1)
    return paths


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    return _write_inputs(tmp_path_factory.mktemp("hostile-inputs"))


@pytest.fixture(scope="module")
def check_map(inputs, tmp_path_factory) -> Path:
    """``landplan check`` on the hostile files, every layer, the raster; offline (default)."""
    out = tmp_path_factory.mktemp("hostile-check")
    assert main(["check", "--plan", f"{inputs['plan1']}@2020-12-31",
                 "--plan", f"{inputs['plan2']}@2023-07-01",
                 "--decisions", str(inputs["decisions"]),
                 "--decisions-column", f"decision_no={COLUMN}",
                 "--projects", str(inputs["projects"]),
                 "--corridors", str(inputs["corridors"]), "--raster", str(inputs["raster"]),
                 "--all-decisions", "--as-of", "2025-12-31", "--out", str(out), "-q"]) == 0
    return out / "map.html"


def _load(browser, path: Path) -> None:
    browser.load(path, wait_js="window.LANDPLAN_READY", timeout=WAIT)


# --- on load -----------------------------------------------------------------------------------

def test_the_page_loads_and_runs_nothing(browser, check_map):
    _load(browser, check_map)
    layers = _run(browser, "return Object.keys(LANDPLAN.layers).sort();")
    assert layers == sorted(["changes", "corridors", "decisions", "findings",
                             f"plan:{payload('version1')}", f"plan:{payload('version2')}",
                             "projects"])
    _assert_ran_nothing(browser)


# --- the layer control: plan version names (phien_ban) and the raster's file name ----------

def test_layer_control_shows_version_names_and_raster_file_name_as_text(browser, check_map):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _load(browser, check_map)
    control = browser.driver.find_element(By.CSS_SELECTOR, ".leaflet-control-layers")
    ActionChains(browser.driver).move_to_element(control).perform()  # an inspector hovers
    _wait(browser, "document.querySelector('.leaflet-control-layers-expanded')")
    text = _run(browser, "return document.querySelector('.leaflet-control-layers-list')"
                         ".textContent;")
    for tag in ("version1", "version2", "rasterfile"):
        assert payload(tag) in text, (tag, text)
    assert browser.count(".leaflet-control-layers img") == 0
    # every overlay still toggles: the escaped names still name their layers
    labels = browser.count(".leaflet-control-layers-overlays label")
    assert labels == 8
    _assert_ran_nothing(browser)


# --- search: the tips list (leaflet-search sets innerHTML) and the popup it opens ------------

def test_search_tips_show_decision_numbers_and_parcels_as_text(browser, check_map):
    from selenium.webdriver.common.by import By

    _load(browser, check_map)
    box_ = browser.driver.find_element(By.CSS_SELECTOR, ".leaflet-control-search input")
    box_.send_keys("<img src=x alt=decision")  # an inspector types the start of a number
    _wait(browser, "document.querySelectorAll('.search-tooltip .search-tip').length === 3")
    tips = _run(browser, "return [...document.querySelectorAll('.search-tooltip .search-tip')]"
                         ".map(t => t.textContent).sort();")
    assert tips == sorted([
        f"{payload('decision')} · {payload('sheet')}-{payload('parcelno')}",
        f"{payload('decision2')} · 2-5", f"{payload('decision3')} · 3-6"])
    assert browser.count(".search-tooltip img") == 0
    _assert_ran_nothing(browser)
    # picking a tip fills the box with the same text, zooms there and opens the popup
    browser.click(".search-tooltip .search-tip")
    _wait(browser, "document.querySelector('.leaflet-popup-content')")
    value = _run(browser, "return document.querySelector('.leaflet-control-search input')"
                          ".value;")
    popup = _run(browser, "return document.querySelector('.leaflet-popup-content')"
                          ".textContent;")
    assert value.startswith("<img src=x alt=decision") and value in tips
    assert value.split(" · ")[0] in popup
    assert browser.count(".leaflet-popup-content img") == 0
    _assert_ran_nothing(browser)


def test_search_not_found_message_runs_nothing(browser, check_map):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _load(browser, check_map)
    box_ = browser.driver.find_element(By.CSS_SELECTOR, ".leaflet-control-search input")
    box_.send_keys("<img src=x alt=nothing onerror=window.__xss=1>" + Keys.ENTER)
    _wait(browser, "document.querySelector('.search-alert').style.display === 'block'")
    assert browser.count(".search-alert img") == 0
    _assert_ran_nothing(browser)


# --- every popup and tooltip kind ----------------------------------------------------------------

_OPEN_ALL = """
    const map = LANDPLAN.layers.decisions._map, out = {};
    for (const [key, group] of Object.entries(LANDPLAN.layers)) {
        if (!map.hasLayer(group)) { map.addLayer(group); }
        const popups = [], tooltips = [];
        group.eachLayer(l => {
            if (l.getPopup()) { l.openPopup();
                popups.push(l.getPopup().getElement().textContent);
                l.closePopup(); }
            if (l.getTooltip()) { l.openTooltip(l.getBounds().getCenter());
                tooltips.push(l.getTooltip().getElement().textContent);
                l.closeTooltip(); }
        });
        out[key] = {popups: popups.join("\\n"), tooltips: tooltips.join("\\n"),
                    imgs: document.querySelectorAll('.leaflet-popup-pane img, '
                                                    + '.leaflet-tooltip-pane img').length};
    }
    return out;"""


def test_every_popup_and_tooltip_shows_hostile_text_as_text(browser, check_map):
    _load(browser, check_map)
    seen = _run(browser, _OPEN_ALL)
    P, C = payload, code_payload
    expected = {
        "decisions": (
            [P("decision"), P("decision2"), P("decision3"), f"{P('sheet')}-{P('parcelno')}",
             C("grantcode"), f"'{P('kind')}{SCRIPT_CLOSE}{TEMPLATE}'",
             f"'{P('date')}'"],  # the messages quote the kind and the date
            [P("decision"), f"{P('sheet')}-{P('parcelno')}"]),
        "findings": ([P("decision"), "zoning-conflict"], ["zoning-conflict"]),
        "projects": ([P("project"), C("projcode")], [P("project")]),
        "corridors": ([P("corridor"), P("restriction"),  # allowed: a code list, split on ; and ,
                       "<IMG/SRC=X/ONERROR=&#X77, &#X69", ">ALLOWEDCODE"], [P("corridor")]),
        "changes": ([C("plancode"), "LUC"], [C("plancode")]),
        f"plan:{P('version2')}": ([], [C("plancode"), "LUC", "ONT"]),
        f"plan:{P('version1')}": ([], ["LUC", "ONT"]),
    }
    assert set(seen) == set(expected)
    for key, (in_popups, in_tooltips) in expected.items():
        for text in in_popups:
            assert text in seen[key]["popups"], (key, text, seen[key]["popups"])
        for text in in_tooltips:
            assert text in seen[key]["tooltips"], (key, text, seen[key]["tooltips"])
        assert seen[key]["imgs"] == 0, key
    _assert_ran_nothing(browser)


# --- the legend and the summary panel ----------------------------------------------------------

def test_legend_and_summary_show_codes_as_text(browser, check_map):
    _load(browser, check_map)
    legend = _run(browser, "return document.querySelector('.landplan-legend').textContent;")
    assert f"{code_payload('plancode')} – " in legend
    summary = _run(browser, "return document.querySelector('.landplan-summary').textContent;")
    assert "unknown-code" in summary and "zoning-conflict" in summary
    assert browser.count(".landplan-panel img") == 0
    _assert_ran_nothing(browser)


def test_no_hostile_text_reaches_the_page_as_markup(check_map):
    """Without a browser: no payload is in the file as markup (tags or script closers)."""
    html = check_map.read_text(encoding="utf-8")
    assert "<img src=x" not in html and "<IMG/SRC" not in html
    assert "window.__xss='script-close'</script>" not in html
    assert html.count("</script>") == html.count("<script")


# --- plan-diff and the library: other routes into a page ---------------------------------------

def test_plan_diff_map_runs_nothing(browser, inputs, tmp_path):
    out = tmp_path / "diff"
    assert main(["plan-diff", str(inputs["plan1"]), str(inputs["plan2"]), "--out", str(out),
                 "-q"]) == 0
    browser.load(out / "plan_diff.html", wait_js="window.LANDPLAN && LANDPLAN.layers.changes",
                 timeout=WAIT)
    seen = _run(browser, _OPEN_ALL.replace("LANDPLAN.layers.decisions._map",
                                           "LANDPLAN.layers.changes._map"))
    assert code_payload("plancode") in seen["changes"]["popups"]
    plan = next(v for k, v in seen.items() if k.startswith("plan:"))
    assert code_payload("plancode") in plan["tooltips"]
    legend = _run(browser, "return document.querySelector('.landplan-legend').textContent;")
    assert code_payload("plancode") in legend
    _assert_ran_nothing(browser)


def test_library_layers_in_a_stock_layer_control_and_own_code_names(browser, inputs,
                                                                    tmp_path):
    """``landplan.maps`` layers added to a user's own ``folium.LayerControl``, with a code
    registry of the user's whose names are hostile, and a layer name given by the caller."""
    import folium

    from landplan.maps import plan_layer, raster_layer

    table = tmp_path / "codes.csv"
    table.write_text("code,name_vi,name_en,parent,group,color\n"
                     f"LUC,\"{payload('codename')}\",rice,,NNP,#FFFC8C\n"
                     "ONT,village,village,,PNN,#FFD0FF\n"
                     "NNP,farm,farm,,NNP,\nPNN,non-farm,non-farm,,PNN,\n", encoding="utf-8")
    codes = landplan.load_codes(table)
    plan = landplan.load_plan(inputs["plan1"])
    fmap = folium.Map(tiles=None)
    plan_layer(plan, codes=codes, name=payload("layername")).add_to(fmap)
    raster_layer(inputs["raster"]).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    landplan.maps._add_runtime(fmap, codes, "vi")
    landplan.maps.inline_assets(fmap)
    path = tmp_path / "own.html"
    fmap.save(str(path))
    browser.load(path, wait_js="window.LANDPLAN && document.querySelector("
                               "'.leaflet-control-layers')", timeout=WAIT)
    control = _run(browser, "return document.querySelector('.leaflet-control-layers')"
                            ".textContent;")
    assert payload("layername") in control and payload("rasterfile") in control
    seen = _run(browser, _OPEN_ALL.replace(
        "LANDPLAN.layers.decisions._map", "Object.values(LANDPLAN.layers)[0]._map"))
    assert payload("codename") in seen[f"plan:{payload('version1')}"]["tooltips"]
    _assert_ran_nothing(browser)


# --- unit names: in the split map's file names, its index and its units' maps ---------------

TRAVERSAL = "../../etc"
UNITS = {0: payload("unit"), 1: TRAVERSAL, 2: SCRIPT_CLOSE, 3: TEMPLATE,
         4: "<img src=x onerror=alert(1)>"}


@pytest.fixture(scope="module")
def split_out(tmp_path_factory) -> Path:
    """``landplan check`` on 300 parcels whose communes have hostile names, with a budget
    that splits the map (100 features a file): an index and the units' maps."""
    from .stress import COMMUNES, district

    root = tmp_path_factory.mktemp("hostile-units")
    data = root / "data"
    data.mkdir()
    plan, decisions = district(300)
    names = {COMMUNES[k]: name for k, name in UNITS.items()}
    decisions["ma_xa"] = decisions["ma_xa"].map(lambda u: names.get(u, u))
    plan.to_file(data / "plan.gpkg")
    decisions.to_file(data / "decisions.gpkg")
    out = root / "out"
    assert main(["check", "--plan", str(data / "plan.gpkg"), "--decisions",
                 str(data / "decisions.gpkg"), "--out", str(out), "-q",
                 "--map-max-features", "100"]) == 0
    return out


def test_hostile_unit_names_make_safe_file_names(split_out):
    from landplan._outdir import FOLDER_FILE

    root = split_out.parent
    assert sorted(p.name for p in root.iterdir()) == ["data", "out"]  # nothing outside
    assert sorted(p.name for p in (root / "data").iterdir()) == ["decisions.gpkg",
                                                                 "plan.gpkg"]
    names = [p.name for p in (split_out / "maps").iterdir()]
    assert names and all(FOLDER_FILE.fullmatch(n) for n in names), names
    assert any(n.startswith("img-src-x-alt-unit-onerror-window-xss-") for n in names)
    assert any(n.startswith("etc-") for n in names)
    assert [p for p in split_out.rglob("*") if p.is_dir()] == [split_out / "maps"]


def test_hostile_unit_names_show_as_text_on_the_index(browser, split_out):
    _load(browser, split_out / "map.html")
    listed = _run(browser, "return document.querySelector('.landplan-units').textContent;")
    shown = _run(browser, """
        const out = [];
        LANDPLAN.layers.units.eachLayer(l => {
            l.openPopup(); out.push(l.getPopup().getElement().textContent); l.closePopup();
            l.openTooltip(l.getBounds().getCenter());
            out.push(l.getTooltip().getElement().textContent); l.closeTooltip(); });
        return out.join("\\n");""")
    for name in UNITS.values():
        assert name in listed, name
        assert name in shown, name
    assert browser.count(".landplan-units img, .leaflet-popup-pane img, "
                         ".leaflet-tooltip-pane img") == 0
    hrefs = _run(browser, "return [...document.querySelectorAll('.landplan-units a')]"
                          ".map(a => a.getAttribute('href'));")
    assert hrefs and all(re.fullmatch(r"maps/[a-z0-9-]+\.html", h) for h in hrefs), hrefs
    _assert_ran_nothing(browser)


def test_hostile_unit_names_show_as_text_on_their_maps(browser, split_out):
    seen = set()
    for path in sorted((split_out / "maps").iterdir()):
        _load(browser, path)
        header = _run(browser, "return document.querySelector('.landplan-page').textContent;")
        seen |= {k for k, name in UNITS.items() if name in header}
        assert browser.count(".landplan-page img") == 0
        _assert_ran_nothing(browser)
    assert seen == set(UNITS)
