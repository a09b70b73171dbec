"""The map as an inspector uses it, in headless Chromium, on the demo map (offline): the list
of violations, search without diacritics, the plan version each decision was judged against,
the legend that follows the layers, the controls' language, the markers at the opening zoom,
and a 1366×768 window that still shows the map."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import landplan
from landplan._labels import ranks
from landplan.rules import RULES

from .browser import (
    browser_fixture,  # noqa: F401  (the module-scoped ``browser`` fixture)
    skip_unless_browser,
)

pytestmark = skip_unless_browser()


_MAP = "Object.values(window).find(v => v instanceof L.Map)"


def _run(browser, body: str):
    """Run a block of JavaScript statements (with ``return``) in the page."""
    return browser.eval(f"(() => {{ {body} }})()")


def _fold(text: str) -> str:
    """``text`` as an inspector types it: lower case, no diacritics, Đ as d."""
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(c)).lower()


def _wait(browser, js: str, timeout: float = 10) -> None:
    WebDriverWait(browser.driver, timeout, poll_frequency=0.05).until(
        lambda d: d.execute_script(f"try {{ return !!({js}); }} catch (e) {{ return false; }}"))


@pytest.fixture(scope="module")
def demo(demo_output) -> tuple[Path, pd.DataFrame]:
    """The demo map and its decisions (decisions.csv)."""
    decisions = pd.read_csv(demo_output / "decisions.csv", encoding="utf-8-sig",
                            dtype={"unit": str})
    return demo_output / "map.html", decisions


def _open(browser, path: Path) -> None:
    browser.driver.set_window_size(1280, 900)
    browser.load(path, wait_js="window.LANDPLAN_READY", timeout=120)


_POPUP_IN_VIEW = """(() => {
    const p = document.querySelector('.leaflet-popup');
    if (!p) return null;
    const r = p.getBoundingClientRect(), m = document.querySelector('.folium-map')
        .getBoundingClientRect();
    return r.top >= m.top && r.left >= m.left && r.bottom <= m.bottom && r.right <= m.right;
    })()"""


def _popup_text(browser) -> str:
    return _run(browser, "const c = document.querySelector('.leaflet-popup-content');"
                         "return c ? c.innerText : '';")


def test_the_list_is_sorted_by_severity_filters_and_opens_a_decision(browser, demo):
    path, decisions = demo
    _open(browser, path)
    rows = _run(browser, "return [...document.querySelectorAll('.landplan-list-items li')]"
                         ".map(li => Number(li.getAttribute('data-i')));")
    violations = decisions[decisions["status"] == "violation"].set_index("source_row")
    drawn = violations[violations["geometry_status"] != "unusable"]
    assert sorted(rows) == sorted(drawn.index)
    rank = ranks("severity")
    severities = [rank.get(s, -1) for s in violations.loc[rows, "max_severity"]]
    assert severities == sorted(severities, reverse=True)
    assert severities[0] > severities[-1]  # the demo has several severities
    # filter by commune: every entry is of that commune, and all of them are there
    units = _run(browser, "return [...document.querySelectorAll('.landplan-list-unit option')]"
                          ".map(o => o.value).filter(v => v);")
    unit = units[0]
    _run(browser, f"""const s = document.querySelector('.landplan-list-unit');
        s.value = {unit!r}; s.dispatchEvent(new Event('change')); return 1;""")
    shown = _run(browser, "return LANDPLAN.list.state.entries.map(l => "
                          "[l.feature.properties.i, l.feature.properties.u]);")
    assert {u for _, u in shown} == {unit}
    assert len(shown) == browser.count(".landplan-list-items li") > 0
    name_of = drawn["unit_name"] if "unit_name" in drawn.columns else drawn["unit"]
    name_of = name_of.where(name_of.notna() & (name_of != ""), drawn["unit"])
    assert sorted(i for i, _ in shown) == sorted(drawn.index[name_of == unit])
    # and by rule, on top of it: cleared commune, one rule
    _run(browser, """const s = document.querySelector('.landplan-list-unit');
        s.value = ''; s.dispatchEvent(new Event('change'));
        const r = document.querySelector('.landplan-list-rule');
        r.value = r.options[1].value; r.dispatchEvent(new Event('change')); return 1;""")
    rule = _run(browser, "return document.querySelector('.landplan-list-rule').value;")
    by_rule = _run(browser, "return LANDPLAN.list.state.entries.map(l => "
                            "[l.feature.properties.ru, l.feature.properties.r]);")
    assert by_rule and all(ru == rule or rule in (r or "").split(", ") for ru, r in by_rule)
    assert len(by_rule) < len(rows)
    # clicking an entry flies to its parcel and opens its popup
    _run(browser, """const r = document.querySelector('.landplan-list-rule');
        r.value = ''; r.dispatchEvent(new Event('change')); return 1;""")
    entry = browser.driver.find_elements(By.CSS_SELECTOR, ".landplan-list-items li")[2]
    number = violations.loc[int(entry.get_attribute("data-i")), "decision_no"]
    entry.click()
    _wait(browser, "document.querySelector('.leaflet-popup-content')")
    assert number in _popup_text(browser)
    _wait(browser, """(() => { let hit = null; LANDPLAN.layers.decisions.eachLayer(l => {
        if (l.isPopupOpen()) hit = l; });
        return hit && hit._map.getBounds().contains(hit.getBounds()); })()""")
    _wait(browser, _POPUP_IN_VIEW)
    assert browser.eval(_POPUP_IN_VIEW) is True
    # Next opens the one after it
    browser.click(".landplan-list-next")
    following = browser.driver.find_elements(By.CSS_SELECTOR, ".landplan-list-items li")[3]
    after = violations.loc[int(following.get_attribute("data-i")), "decision_no"]
    _wait(browser, f"document.querySelector('.leaflet-popup-content').innerText"
                   f".includes({after!r})")
    # a row of the summary filters the list: the unchecked decisions
    _run(browser, "document.querySelector('.landplan-summary').open = true; return 1;")
    browser.click('.landplan-summary tr[data-status="unchecked"]')
    statuses = _run(browser, "return LANDPLAN.list.state.entries.map(l => "
                             "l.feature.properties.s);")
    assert statuses and set(statuses) == {"unchecked"}
    browser.click('.landplan-summary tr[data-rule="zoning-conflict"]')
    rules = _run(browser, "return LANDPLAN.list.state.entries.map(l => "
                          "l.feature.properties.r);")
    assert rules and all("zoning-conflict" in r.split(", ") for r in rules)
    assert browser.console_errors() == [] and browser.requests() == []


def test_search_ignores_diacritics_and_case_and_shows_the_whole_popup(browser, demo):
    path, decisions = demo
    _open(browser, path)
    violation = decisions[(decisions["status"] == "violation")
                          & decisions["decision_no"].str.contains("QĐ", na=False)].iloc[0]
    number = violation["decision_no"]
    typed = _fold(number).split("-")[0]  # "214/qd"
    assert typed != number.lower()
    box = browser.driver.find_element(By.CSS_SELECTOR,
                                      ".leaflet-control-search input.search-input")
    box.send_keys(typed)
    _wait(browser, f"[...document.querySelectorAll('.search-tip')].some(t => "
                   f"t.textContent.includes({number!r}))")
    tip = next(t for t in browser.driver.find_elements(By.CSS_SELECTOR, ".search-tip")
               if number in t.text)
    tip.click()
    _wait(browser, f"document.querySelector('.leaflet-popup-content') && "
                   f"document.querySelector('.leaflet-popup-content').innerText"
                   f".includes({number!r})")
    _wait(browser, _POPUP_IN_VIEW)  # the map pans so that the popup is all in view
    assert browser.eval(_POPUP_IN_VIEW) is True
    # a commune by its name, typed without diacritics
    drawn = decisions[decisions["status"].isin(["violation", "unchecked"])]
    names = drawn["unit_name"] if "unit_name" in drawn.columns else drawn["unit"]
    names = names.dropna().astype(str)
    names = names[names != ""]
    name = max(names.unique(), key=lambda n: (n != _fold(n), (names == n).sum()))
    box.clear()
    box.send_keys(_fold(name))
    _wait(browser, f"[...document.querySelectorAll('.search-tip')].some(t => "
                   f"t.textContent === {name!r})")
    next(t for t in browser.driver.find_elements(By.CSS_SELECTOR, ".search-tip")
         if t.text == name).click()
    # the map shows the commune's decisions (it was close up on one parcel)
    _wait(browser, f"""LANDPLAN.layers.decisions.getLayers()
        .filter(l => l.feature.properties.u === {name!r})
        .every(l => {_MAP}.getBounds().contains(l.getBounds()))""")
    assert browser.console_errors() == [] and browser.requests() == []


def _shown_plans(browser) -> list[str]:
    return _run(browser, "return Object.keys(LANDPLAN.layers).filter(k => "
                         "k.startsWith('plan:') && LANDPLAN.layers[k]._map).sort();")


def _open_decision(browser, number: str) -> None:
    _run(browser, f"""let hit = null; LANDPLAN.layers.decisions.eachLayer(l => {{
        if (l.feature.properties.n === {number!r}) hit = l; }});
        LANDPLAN.go(hit); return 1;""")
    _wait(browser, f"document.querySelector('.leaflet-popup-content') && "
                   f"document.querySelector('.leaflet-popup-content').innerText"
                   f".includes({number!r})")


def test_a_popup_names_its_plan_version_and_the_plan_shown_switches_to_it(browser, demo):
    path, decisions = demo
    _open(browser, path)
    assert _shown_plans(browser) == ["plan:v2"]
    drawn = decisions[decisions["status"] == "violation"]
    old = drawn[drawn["plan_version"] == "v1"]["decision_no"].iloc[0]
    new = drawn[drawn["plan_version"] == "v2"]["decision_no"].iloc[0]
    _open_decision(browser, old)
    popup = _popup_text(browser)
    assert re.search(r"Đối chiếu với\tv1 \(\d{2}/\d{2}/\d{4}\)\n", popup), popup
    # its status names the deciding rule; dates and numbers are written the Vietnamese way
    rule = drawn.loc[drawn["decision_no"] == old, "rule"].iloc[0]
    assert f"Trái quy hoạch — {RULES[rule].title('vi')}" in popup
    assert re.search(r"Ngày QĐ\t\d{2}/\d{2}/\d{4}\n", popup), popup
    assert re.search(r"\t\d+,\d\n", popup), popup
    assert _shown_plans(browser) == ["plan:v1"]
    checked = _run(browser, "return [...document.querySelectorAll("
                            "'.leaflet-control-layers-overlays input')].filter(i => i.checked)"
                            ".map(i => i.nextSibling.textContent.trim());")
    assert any("v1" in c for c in checked) and not any("v2" in c for c in checked)
    _open_decision(browser, new)
    assert "Đối chiếu với\tv2" in _popup_text(browser)
    assert _shown_plans(browser) == ["plan:v2"]
    # the plan zones stay under the decisions
    assert _run(browser, """const d = LANDPLAN.layers.decisions.getLayers()[0],
        z = LANDPLAN.layers['plan:v2'].getLayers()[0], r = d._renderer;
        let at = r._drawFirst, seen = [];
        while (at) { if (at.layer === d || at.layer === z) seen.push(at.layer === z ? 'z' : 'd');
                     at = at.next; }
        return seen.join('');""") == "zd"
    assert browser.console_errors() == []


def _toggle(browser, title: str) -> None:
    _run(browser, f"""const label = [...document.querySelectorAll(
        '.leaflet-control-layers-overlays label')].find(l => l.textContent.trim() === {title!r});
        label.querySelector('input').click(); return 1;""")


def _legend(browser) -> dict[str, bool]:
    return _run(browser, """const out = {};
        document.querySelectorAll('.landplan-legend [data-landplan-layer]').forEach(e => {
            out[e.getAttribute('data-landplan-layer')] = !e.hidden; });
        return out;""")


def test_the_legend_follows_the_layers_shown(browser, demo):
    path, _ = demo
    _open(browser, path)
    words = landplan._labels.labels("map", "vi")
    legend = _legend(browser)
    assert legend == {"plan": True, "decisions": True, "findings": True, "projects": True,
                      "corridors": True, "changes": False, "legalised": True}
    _toggle(browser, words["corridors"])
    _toggle(browser, words["changes"])
    _toggle(browser, words["projects"])
    legend = _legend(browser)
    assert not legend["corridors"] and legend["changes"] and not legend["projects"]
    _toggle(browser, words["corridors"])
    assert _legend(browser)["corridors"]
    # the land-cover legend only while its image is on
    cover = "return document.querySelector('.landplan-cover-legend').hidden;"
    assert _run(browser, cover) is True
    _toggle(browser, _run(browser, """return [...document.querySelectorAll(
        '.leaflet-control-layers-overlays label')].map(l => l.textContent.trim())
        .find(t => t.startsWith('Hiện trạng lớp phủ'));"""))
    assert _run(browser, cover) is False
    assert browser.console_errors() == []


_TITLES = """return {
    zoom_in: document.querySelector('.leaflet-control-zoom-in').title,
    zoom_out: document.querySelector('.leaflet-control-zoom-out').title,
    layers: document.querySelector('.leaflet-control-layers-toggle').title,
    measure: document.querySelector('.leaflet-control-measure-toggle').title,
    minimap: document.querySelector('.leaflet-control-minimap-toggle-display').title,
    search: document.querySelector('.leaflet-control-search input.search-input').placeholder,
    fullscreen: document.querySelector(".leaflet-control-zoom-fullscreen").title,
    scale: [...document.querySelectorAll('.leaflet-control-scale-line')]
        .map(s => s.textContent),
};"""


@pytest.fixture(scope="module")
def english_map(sample_check, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("en") / "map.html"
    landplan.make_map(sample_check, lang="en", offline=True).save(str(path))
    return path


def test_every_control_speaks_the_language_of_the_map(browser, demo, english_map):
    _open(browser, demo[0])
    vi = _run(browser, _TITLES)
    _open(browser, english_map)
    en = _run(browser, _TITLES)
    assert browser.console_errors() == [] and browser.requests() == []
    assert vi["zoom_in"] == "Phóng to" and en["zoom_in"] == "Zoom in"
    assert vi["zoom_out"] == "Thu nhỏ" and en["zoom_out"] == "Zoom out"
    for key in ("layers", "measure", "minimap", "search", "fullscreen"):
        assert vi[key] and en[key] and vi[key] != en[key], key
    for page in (vi, en):  # one metric scale line, no miles or feet
        assert len(page["scale"]) == 1 and page["scale"][0].endswith("m")
    # what the measure plugin writes as it measures, in Vietnamese with Vietnamese numbers;
    # a decision's popup is left alone
    _open(browser, demo[0])
    measured = _run(browser, """
        const box = document.createElement('div');
        box.className = 'leaflet-measure-resultpopup';
        box.textContent = 'Path distance 1,234.5 Meters (1.23 Kilometers)';
        const other = document.createElement('div');
        other.textContent = 'Area 1,234.5 Meters';
        document.querySelector('.leaflet-popup-pane').append(box, other);
        return new Promise(done => setTimeout(() => done([box.textContent,
                                                          other.textContent]), 50));""")
    assert measured == ["Chiều dài 1.234,5 m (1,23 km)", "Area 1,234.5 Meters"]
    assert "Bắt đầu đo" in _run(browser, "return document.querySelector("
                                         "'.leaflet-control-measure').textContent;")


def test_violations_are_marked_at_the_opening_zoom(browser, demo):
    path, decisions = demo
    _open(browser, path)
    drawn = decisions["status"].isin(["violation", "unchecked"]) & (
        decisions["geometry_status"] != "unusable")
    marks = _run(browser, """const m = Object.values(window).find(v => v instanceof L.Map);
        return {zoom: m.getZoom(), on: m.hasLayer(LANDPLAN.marks),
                n: LANDPLAN.marks.getLayers().length,
                radius: LANDPLAN.marks.getLayers()[0]._radius,
                inView: LANDPLAN.marks.getLayers().filter(l =>
                    m.getBounds().contains(l.getLatLng())).length};""")
    assert marks["on"] and marks["zoom"] < 17
    assert marks["n"] == int(drawn.sum()) and marks["radius"] >= 5
    assert marks["inView"] >= 0.9 * marks["n"]
    # close up, the parcels themselves show, and the markers go
    _run(browser, "Object.values(window).find(v => v instanceof L.Map).setZoom(18, "
                  "{animate: false}); return 1;")
    _wait(browser, "!Object.values(window).find(v => v instanceof L.Map)"
                   ".hasLayer(LANDPLAN.marks)")
    # and the plan zones in view carry their code
    _wait(browser, "document.querySelectorAll('.landplan-code').length > 0")
    codes = _run(browser, "return [...document.querySelectorAll('.landplan-code')]"
                          ".map(t => t.textContent);")
    assert set(codes) <= set(_run(browser, "return Object.keys(LANDPLAN.names);"))


def test_a_1366_by_768_window_shows_the_map(browser, demo):
    path, _ = demo
    browser.driver.set_window_size(1366, 768)
    browser.load(path, wait_js="window.LANDPLAN_READY", timeout=120)
    covered = _run(browser, """
        const m = document.querySelector('.folium-map').getBoundingClientRect();
        let area = 0;
        document.querySelectorAll('.landplan-panel').forEach(p => {
            const r = p.getBoundingClientRect();
            const w = Math.max(0, Math.min(r.right, m.right) - Math.max(r.left, m.left));
            const h = Math.max(0, Math.min(r.bottom, m.bottom) - Math.max(r.top, m.top));
            area += w * h; });
        return area / (m.width * m.height);""")
    assert covered <= 0.4
    # folded panels can be opened again
    assert _run(browser, "return document.querySelector('.landplan-legend').open;") is False
    browser.click(".landplan-legend > summary")
    assert _run(browser, "return document.querySelector('.landplan-legend').open;") is True
    browser.driver.set_window_size(1280, 900)


@pytest.fixture(scope="module")
def split_map(tmp_path_factory) -> Path:
    """400 parcels in 12 communes, 300 features a file: an index and the units' maps."""
    from landplan.maps import MapBudget

    from .stress import district

    plan, decisions = district(400)
    out = tmp_path_factory.mktemp("split")
    landplan.write_outputs(landplan.check(plan, decisions), out,
                           map_budget=MapBudget(1, 300))
    return out


def test_a_unit_s_map_has_its_list_and_finds_its_commune_without_diacritics(browser,
                                                                            split_map):
    page = sorted((split_map / "maps").glob("xa-doan-thuong-*.html"))[0]
    _open(browser, page)
    listed = _run(browser, "return LANDPLAN.list.state.entries.length;")
    violations = _run(browser, "return LANDPLAN.layers.decisions.getLayers().filter(l => "
                               "l.feature.properties.s === 'violation').length;")
    assert listed == violations == browser.count(".landplan-list-items li") > 0
    browser.click(".landplan-list-items li")
    _wait(browser, "document.querySelector('.leaflet-popup-content')")
    assert "Xã Đoàn Thượng" in _popup_text(browser)
    box = browser.driver.find_element(By.CSS_SELECTOR,
                                      ".leaflet-control-search input.search-input")
    box.send_keys("doan thuong")
    _wait(browser, "[...document.querySelectorAll('.search-tip')].some(t => "
                   "t.textContent === 'Xã Đoàn Thượng')")
    assert browser.console_errors() == [] and browser.requests() == []
    # the index has no list (no decisions drawn), and no error either
    _open(browser, split_map / "map.html")
    assert browser.count(".landplan-list") == 0
    assert browser.console_errors() == [] and browser.requests() == []


def test_measuring_an_area_works_offline_and_speaks_vietnamese(browser, demo):
    from selenium.webdriver.common.action_chains import ActionChains

    _open(browser, demo[0])
    _run(browser, """const c = document.querySelector('.leaflet-control-measure');
        c.querySelector('.js-interaction').style.display = 'block';
        c.querySelector('.js-start').click(); return 1;""")
    area = browser.driver.find_element(By.CSS_SELECTOR, ".folium-map")
    for x, y in [(100, 100), (200, 150), (150, 250)]:
        ActionChains(browser.driver).move_to_element_with_offset(area, x, y).click().perform()
    _run(browser, "document.querySelector('.leaflet-control-measure .js-finish').click();"
                  "return 1;")
    _wait(browser, "document.querySelector('.leaflet-measure-resultpopup')")
    result = _run(browser, "return document.querySelector('.leaflet-measure-resultpopup')"
                           ".innerText;")
    assert "Đo diện tích" in result and " m² (" in result and " ha)" in result, result
    assert "Chu vi" in result and "Acres" not in result and "Miles" not in result
    assert browser.console_errors() == [] and browser.requests() == []


def test_the_docs_screenshots_are_made_by_their_script(browser, demo, tmp_path):
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("make_map_screenshots",
                                                  root / "docs" / "make_map_screenshots.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    path, _ = demo
    shots = script.make_screenshots(browser, path, tmp_path)
    assert [p.name for p in shots] == ["sample_map.png", "inspector_map.png"]
    assert all(p.stat().st_size > 20_000 for p in shots)
    assert _popup_text(browser)  # the second picture has the first violation's popup open
    assert browser.console_errors() == [] and browser.requests() == []
