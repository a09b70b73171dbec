"""The web page of ``landplan serve`` in a real browser (headless Chromium).

The app (the sample district, with hostile text in one parcel's and one project's
attributes) is served by uvicorn on a free loopback port; the browser reaches loopback only
(names do not resolve, everything else goes to a dead proxy: ``open_browser(allow_loopback=
True)``). Every test ends with zero console errors and zero requests outside the app's
origin (:func:`_clean`).
"""

from __future__ import annotations

import importlib.util
import re
import time
import warnings
from pathlib import Path

import httpx
import pytest
import shapely
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from landplan._labels import label, labels

from .browser import open_browser, require_browser, skip_unless_browser
from .serve_helpers import sample_layers

pytestmark = [pytest.mark.slow, skip_unless_browser()]

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<img src=x onerror=alert(1)></script>`${alert(2)}`"
HOSTILE_OWNER = "Nguyễn " + HOSTILE


def _script():
    spec = importlib.util.spec_from_file_location("make_serve_screenshots",
                                                  ROOT / "docs" / "make_serve_screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shots = _script()
PARCEL = shots.PARCEL


@pytest.fixture(scope="module")
def layers():
    out = sample_layers()
    parcels = out["parcels"].copy()
    key = parcels["sheet"].astype(str) + "|" + parcels["parcel_no"].astype(str)
    row = next(i for i in range(len(parcels))
               if (key == key.iat[i]).sum() == 1 and parcels.geometry.iat[i].geom_type == "Polygon"
               and parcels["geometry_status"].iat[i] != "unusable"
               and str(parcels["sheet"].iat[i]) != PARCEL["sheet"])
    parcels.loc[parcels.index[row], "owner"] = HOSTILE_OWNER
    parcels.loc[parcels.index[row], "address"] = HOSTILE
    out["parcels"] = parcels
    out["hostile"] = {"sheet": str(parcels["sheet"].iat[row]),
                      "parcel_no": str(parcels["parcel_no"].iat[row]),
                      "unit": str(parcels["unit"].iat[row])}
    return out


@pytest.fixture(scope="module")
def app(layers):
    from landplan.serve import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_app(**{k: v for k, v in layers.items() if k != "hostile"})


@pytest.fixture(scope="module")
def base(app):
    with shots.serving(app) as url:
        yield url


@pytest.fixture(scope="module", name="browser")
def browser_fixture():
    require_browser()
    with open_browser(block_network=True, allow_loopback=True) as b:
        yield b


def _clean(browser, base: str) -> None:
    """Zero console errors, zero requests off the app's origin, no dialog."""
    assert browser.console_errors() == []
    assert [u for u in browser.requests() if not u.startswith(base + "/")] == []
    assert browser.alert_text() is None


def _text(browser, selector: str) -> str:
    return browser.eval(f"document.querySelector({selector!r}).textContent")


def _visible(browser, selector: str) -> bool:
    return browser.eval(f"""(() => {{ const e = document.querySelector({selector!r});
        if (!e) return false; const s = getComputedStyle(e);
        return s.display !== 'none' && s.visibility !== 'hidden' && e.getClientRects().length > 0;
        }})()""")


def test_the_page_draws_the_plan_offline_in_vietnamese(browser, base, app):
    page = httpx.get(base + "/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    shots.open_page(browser, base + "/")
    assert browser.eval("document.documentElement.lang") == "vi"
    assert _text(browser, "h1") == label("serve.title", "vi")
    fills = set(browser.eval("[...document.querySelectorAll('#map path.leaflet-interactive')]"
                             ".map(p => p.getAttribute('fill').toUpperCase())"))
    data = app.state.data
    from landplan.codes import code_color

    official = {code_color(c, data.codes) for c in set(data.zone_code.tolist())}
    assert fills and fills <= official
    assert browser.count("#legend-items li") >= 2
    for path in ("/static/leaflet.js", "/static/leaflet.css", "/static/page.js"):
        assert base + path in browser.requests()
    _clean(browser, base)


def test_the_plan_endpoint_answers_the_zones_in_a_box_simplified_and_bounded(base, app):
    data = app.state.data
    answer = httpx.get(base + "/api/v1/plan",
                       params={"bbox": "106.26,20.83,106.34,20.91", "version": "v1"}).json()
    assert answer["features"] and {f["properties"]["plan_version"]
                                   for f in answer["features"]} == {"v1"}
    assert len(answer["features"]) <= (data.zone_version == "v1").sum()
    few = httpx.get(base + "/api/v1/plan",
                    params={"bbox": "106.26,20.83,106.34,20.91", "limit": 5}).json()
    assert len(few["features"]) == 5 and few["truncated"] is True
    assert few["version"] == data.in_force()
    far = httpx.get(base + "/api/v1/plan", params={"bbox": "100,10,100.01,10.01"}).json()
    assert far["features"] == []
    bad = httpx.get(base + "/api/v1/plan", params={"bbox": "1,2,3"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_coordinates"


def test_search_outlines_the_parcel_and_shows_its_plan(browser, base):
    expected = httpx.get(base + "/api/v1/lookup", params={**PARCEL, "lang": "vi"}).json()
    shots.open_page(browser, base + "/")
    shots.search(browser, **PARCEL)
    panel = _text(browser, "#panel")
    for version in expected["plan"]:
        assert version["plan_version"] in panel
        for use in version["uses"]:
            assert use["land_use"] in panel and use["name"] in panel
            share = f"{use['share'] * 100:.1f}".rstrip("0").rstrip(".").replace(".", ",")
            assert share + " %" in panel
    assert label("serve.in_force", "vi") in panel
    assert browser.count("#map path[stroke='#d00']") == 1  # the parcel's outline
    _clean(browser, base)


def test_a_click_on_the_map_looks_up_the_place(browser, base, layers):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    parcels = layers["parcels"]
    row = parcels.index[(parcels["sheet"].astype(str) == PARCEL["sheet"])
                        & (parcels["parcel_no"].astype(str) == PARCEL["parcel_no"])][0]
    point = shapely.get_parts(parcels.to_crs(4326).geometry.loc[row])[0].representative_point()
    shots.open_page(browser, base + "/")
    browser.eval(f"landplanMap.setView([{point.y}, {point.x}], 18, {{animate: false}}); null")
    time.sleep(0.3)
    x, y = browser.eval(f"(() => {{ const p = landplanMap.latLngToContainerPoint("
                        f"[{point.y}, {point.x}]); return [p.x, p.y]; }})()")
    element = browser.driver.find_element(By.ID, "map")
    size = element.size
    ActionChains(browser.driver).move_to_element_with_offset(
        element, int(x - size["width"] / 2), int(y - size["height"] / 2)).click().perform()
    shots.wait(browser, "document.getElementById('panel').dataset.ready === '1'")
    panel = _text(browser, "#panel")
    assert f"{PARCEL['sheet']}-{PARCEL['parcel_no']}" in panel
    assert label("serve.plan", "vi") in panel
    _clean(browser, base)


def test_the_precheck_shows_the_verdict_with_its_legal_basis(browser, base):
    expected = httpx.post(base + "/api/v1/precheck?lang=vi",
                          json={**PARCEL, **shots.PRECHECK}).json()
    shots.open_page(browser, base + "/")
    shots.search(browser, **PARCEL)
    verdict = shots.precheck(browser, **shots.PRECHECK)
    assert verdict == expected["verdict"]
    box = _text(browser, "#verdict")
    assert label(f"serve.verdict_{verdict}", "vi") in box
    assert expected["legal_basis"] and expected["legal_basis"] in box
    assert expected["messages"]["vi"] in box
    assert expected["plan_version"] in box
    _clean(browser, base)


def test_the_print_view_shows_the_slip_and_hides_the_controls(browser, base):
    shots.open_page(browser, base + "/")
    shots.search(browser, **PARCEL)
    verdict = shots.precheck(browser, **shots.PRECHECK)
    shots.print_media(browser, True)
    try:
        assert _visible(browser, "#slip")
        for hidden in ("header", "main", "#map", "#search-form", "#print", "#precheck-form"):
            assert not _visible(browser, hidden), hidden
        assert browser.eval("matchMedia('print').matches")
        slip = _text(browser, "#slip")
        assert label("serve.slip_title", "vi") in slip
        assert label(f"serve.verdict_{verdict}", "vi") in slip
        assert label("serve.legal_basis", "vi") in slip
        assert label("serve.plan_version_used", "vi") in slip
        assert browser.count("#slip svg path.slip-outline") == 1
    finally:
        shots.print_media(browser, False)
    assert _visible(browser, "#print") and _visible(browser, "main")
    _clean(browser, base)


def _without_jobs(app) -> list:
    """Take the jobs API's routes out of ``app``; return the routes to put back."""
    from landplan._serve_jobs import jobs_router

    before = list(app.router.routes)
    app.router.routes[:] = [r for r in before
                            if getattr(r, "original_router", None) is not jobs_router
                            and not getattr(r, "path", "").startswith("/api/v1/jobs")]
    assert len(app.router.routes) < len(before)
    return before


def test_the_upload_section_is_hidden_without_the_jobs_api(browser, base, app):
    before = _without_jobs(app)
    try:
        shots.open_page(browser, base + "/")
        assert not _visible(browser, "#batch")
        assert _visible(browser, "#precheck")
    finally:
        app.router.routes[:] = before
    _clean(browser, base)


def test_a_real_batch_job_runs_from_the_page_and_links_its_outputs(browser, base, tmp_path):
    import zipfile

    upload = tmp_path / "decisions.zip"
    with zipfile.ZipFile(upload, "w") as z:
        for part in sorted((ROOT / "sample_data" / "decisions").iterdir()):
            z.write(part, part.name)
    shots.open_page(browser, base + "/")
    assert _visible(browser, "#batch")
    browser.driver.find_element("id", "batch-file").send_keys(str(upload))
    browser.click("#upload")
    shots.wait(browser, "document.getElementById('job').dataset.done === '1'", timeout=300)
    assert _text(browser, "#job-state") == label("serve.job_done", "vi")
    names = browser.eval("[...document.querySelectorAll('#job-outputs a')]"
                         ".map(a => a.textContent)")
    assert {"decisions.csv", "findings.csv", "map.html"} <= set(names)
    got = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const a = [...document.querySelectorAll('#job-outputs a')]"
        ".find(a => a.textContent === 'decisions.csv');"
        "fetch(a.href).then(r => r.text()).then(done, e => done(String(e)));")
    assert got.lstrip("\ufeff").startswith("source_row,decision_no")
    _clean(browser, base)


def test_the_upload_section_uploads_polls_and_links_the_outputs(browser, base, app, tmp_path):
    """Against a stand-in of the jobs API's contract (the page's side of it, step by step)."""
    stub = APIRouter(prefix="/api/v1")
    seen = {}

    @stub.post("/jobs")
    async def create_job(request: Request) -> dict:
        form = await request.form()
        seen["file"] = (form["file"].filename, await form["file"].read())
        return {"id": "j1", "state": "queued"}

    @stub.get("/jobs/{job_id}")
    async def job(job_id: str) -> dict:
        seen["polls"] = seen.get("polls", 0) + 1
        if seen["polls"] < 2:
            return {"state": "running", "progress": {"step": "x", "done": 1, "total": 3},
                    "outputs": []}
        return {"state": "done", "progress": {"step": "", "done": 3, "total": 3},
                "outputs": ["findings.csv", "report.xlsx"]}

    @stub.get("/jobs/{job_id}/outputs/{name}")
    async def output(job_id: str, name: str) -> PlainTextResponse:
        return PlainTextResponse(f"{job_id}/{name}")

    before = _without_jobs(app)
    app.include_router(stub)
    try:
        upload = tmp_path / "decisions.zip"
        upload.write_bytes(b"PK\x05\x06" + bytes(18))
        shots.open_page(browser, base + "/")
        assert _visible(browser, "#batch")
        browser.driver.find_element("id", "batch-file").send_keys(str(upload))
        browser.click("#upload")
        shots.wait(browser, "document.getElementById('job').dataset.done === '1'")
        links = browser.eval("[...document.querySelectorAll('#job-outputs a')]"
                             ".map(a => [a.textContent, a.getAttribute('href')])")
        assert links == [["findings.csv", "/api/v1/jobs/j1/outputs/findings.csv"],
                         ["report.xlsx", "/api/v1/jobs/j1/outputs/report.xlsx"]]
        assert seen["file"] == ("decisions.zip", upload.read_bytes())
        assert _text(browser, "#job-state") == label("serve.job_done", "vi")
        got = browser.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(document.querySelector('#job-outputs a').href)"
            ".then(r => r.text()).then(done, e => done(String(e)));")
        assert got == "j1/findings.csv"  # the link downloads the job's output
    finally:
        app.router.routes[:] = before
    _clean(browser, base)


def test_public_mode_hides_the_precheck_and_the_upload(browser, base, app):
    data = app.state.data
    data.public = True
    try:
        shots.open_page(browser, base + "/")
        assert not _visible(browser, "#precheck")
        assert not _visible(browser, "#batch")
        assert _visible(browser, "#search")
    finally:
        data.public = False
    _clean(browser, base)


def test_the_english_switch_changes_the_words(browser, base):
    shots.open_page(browser, base + "/")
    browser.click("#lang-switch")
    shots.wait(browser, "document.documentElement.lang === 'en' && document.body.dataset.zones > 0")
    assert browser.eval("location.pathname") == "/en"
    words = labels("serve", "en")
    assert _text(browser, "h1") == words["title"]
    assert _text(browser, "#find") == words["find"]
    assert browser.eval("document.getElementById('lang-switch').getAttribute('href')") == "/"
    shots.search(browser, **PARCEL)
    panel = _text(browser, "#panel")
    assert words["plan"] in panel and words["in_force"] in panel
    assert label("serve.plan", "vi") not in panel
    names = browser.eval("[...document.querySelectorAll('#land_use option')]"
                         ".map(o => o.textContent)")
    assert "TMD – Commercial and service land" in names
    verdict = shots.precheck(browser, **shots.PRECHECK)
    assert words[f"verdict_{verdict}"] in _text(browser, "#verdict")
    shots.open_page(browser, base + "/?lang=en")
    assert _text(browser, "h1") == words["title"]
    _clean(browser, base)


def test_hostile_text_in_the_data_is_shown_as_text(browser, base, layers):
    shots.open_page(browser, base + "/")
    shots.search(browser, **layers["hostile"])
    for where in ("#panel", "#slip"):
        text = _text(browser, where)
        assert HOSTILE_OWNER in text and HOSTILE in text.replace(HOSTILE_OWNER, "")
        assert browser.count(f"{where} img") == 0
        assert browser.count(f"{where} script") == 0
    time.sleep(0.3)  # an onerror would have run by now
    _clean(browser, base)


def test_the_screenshots_script_makes_its_three_pngs(browser, base, tmp_path):
    made = shots.make_screenshots(browser, base, tmp_path)
    assert [p.name for p in made] == ["serve_page.png", "serve_lookup.png", "serve_slip.png"]
    for path in made:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    _clean(browser, base)


def test_no_page_file_writes_data_as_html():
    """page.js puts data in the page with textContent only: no innerHTML, no HTML strings."""
    script = (ROOT / "landplan" / "data" / "serve" / "page.js").read_text(encoding="utf-8")
    code = re.sub(r"//.*|/\*.*?\*/", "", script, flags=re.S)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in code, sink


def test_an_unknown_parcel_shows_the_apis_message_and_fix(browser, base):
    expected = httpx.get(base + "/api/v1/lookup",
                         params={"sheet": "99999", "parcel_no": "1", "lang": "vi"}).json()
    shots.open_page(browser, base + "/")
    for field, value in (("sheet", "99999"), ("parcel_no", "1"), ("unit", "")):
        browser.driver.execute_script(
            "document.getElementById(arguments[0]).value = arguments[1]", field, value)
    browser.click("#find")
    shots.wait(browser, "!document.getElementById('search-error').hidden")
    shown = _text(browser, "#search-error")
    assert expected["error"]["message"] in shown and expected["error"]["fix"] in shown
    assert not _visible(browser, "#panel")
    # the one console error is the browser's own note of the 404 answer
    errors = browser.console_errors()
    assert len(errors) == 1 and "404" in errors[0] and "/api/v1/lookup" in errors[0]
    assert [u for u in browser.requests() if not u.startswith(base + "/")] == []


def test_parcel_outlines_are_drawn_when_zoomed_in_only(browser, base, layers):
    parcels = layers["parcels"]
    row = parcels.index[(parcels["sheet"].astype(str) == PARCEL["sheet"])
                        & (parcels["parcel_no"].astype(str) == PARCEL["parcel_no"])][0]
    point = shapely.get_parts(parcels.to_crs(4326).geometry.loc[row])[0].representative_point()
    shots.open_page(browser, base + "/")
    assert browser.eval("document.body.dataset.outlines || '0'") == "0"
    browser.eval(f"landplanMap.setView([{point.y}, {point.x}], 18, {{animate: false}}); null")
    drawn = int(shots.wait(browser, "Number(document.body.dataset.outlines) > 0 && "
                                    "document.body.dataset.outlines"))
    answer = httpx.get(base + "/api/v1/plan/parcels", params={"bbox": browser.eval(
        "landplanMap.getBounds().toBBoxString()")}).json()
    assert drawn == len(answer["features"]) > 0
    assert set(answer["features"][0]["properties"]) <= {"parcel_id", "sheet", "parcel_no", "unit"}
    browser.eval("landplanMap.setZoom(14, {animate: false}); null")
    shots.wait(browser, "document.body.dataset.outlines === '0'")
    _clean(browser, base)


def test_the_version_select_redraws_the_map_with_that_versions_zones(browser, base, app):
    data = app.state.data
    shots.open_page(browser, base + "/")
    assert browser.eval("document.getElementById('version').value") == data.in_force()
    other = next(v for v in data.versions["plan_version"] if v != data.in_force())
    box = browser.eval("landplanMap.getBounds().toBBoxString()")
    expected = httpx.get(base + "/api/v1/plan", params={"bbox": box, "version": other}).json()
    codes = sorted({f["properties"]["land_use"] for f in expected["features"]})
    browser.eval("document.body.dataset.zones = ''")
    browser.driver.execute_script(
        "const s = document.getElementById('version'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('change'));", other)
    assert int(shots.wait(browser, "document.body.dataset.zones")) == len(expected["features"])
    assert browser.eval("document.body.dataset.version") == other  # the zones drawn are its
    legend = _text(browser, "#legend-items")
    assert all(code in legend for code in codes)
    _clean(browser, base)
