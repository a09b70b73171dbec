"""The web page's endpoints without a browser (FastAPI's TestClient): the page and its files
are served with the CSP, the map's endpoints answer within their bounds, and in public mode
neither the page nor the map's endpoints carry any personal column or owner's name."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer

from tests.serve_helpers import sample_layers

API = "/api/v1"


@pytest.fixture(scope="module")
def layers():
    return sample_layers()


def _app(layers, **kw):
    from landplan.serve import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_app(**layers, **kw)


@pytest.fixture(scope="module")
def client(layers):
    return TestClient(_app(layers))


def _config(html: str) -> dict:
    return json.loads(re.search(r'id="landplan-config">(.*?)</script>', html, re.S).group(1))


def _boxes(layers, n: int = 12) -> list[str]:
    """lon/lat boxes (``W,S,E,N``) around parcels that have owners."""
    p = layers["parcels"]
    to_wgs = Transformer.from_crs(p.crs, 4326, always_xy=True)
    rows = np.flatnonzero(p["owner"].notna().to_numpy())[:n]
    out = []
    for i in rows:
        x0, y0, x1, y1 = p.geometry.iat[i].buffer(40).bounds
        (w, e), (s, nn) = to_wgs.transform([x0, x1], [y0, y1])
        out.append(f"{w},{s},{e},{nn}")
    return out


def test_the_page_and_its_files_are_served_with_the_csp(client):
    for path, kind in (("/", "text/html"), ("/en", "text/html"), ("/?lang=en", "text/html"),
                       ("/static/page.js", "text/javascript"), ("/static/page.css", "text/css"),
                       ("/static/leaflet.js", "text/javascript"),
                       ("/static/leaflet.css", "text/css")):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind), path
        assert r.headers["content-security-policy"].startswith("default-src 'self'"), path
    assert _config(client.get("/").text)["lang"] == "vi"
    assert _config(client.get("/en").text)["lang"] == "en"
    assert _config(client.get("/?lang=en").text)["lang"] == "en"
    missing = client.get("/static/../serve.py")
    assert missing.status_code == 404 and "error" in missing.json()
    assert client.get("/static/nothing.js").json()["error"]["code"] == "not_found"
    html = client.get("/").text
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_the_page_has_a_jobs_section_only_with_the_jobs_api(client):
    from landplan._serve_jobs import jobs_router

    app = client.app
    assert _config(client.get("/").text)["jobs"] is True  # an internal app has the jobs API
    before = list(app.router.routes)
    app.router.routes[:] = [r for r in before
                            if getattr(r, "original_router", None) is not jobs_router]
    try:
        assert _config(client.get("/").text)["jobs"] is False
    finally:
        app.router.routes[:] = before


def test_the_map_endpoints_bound_what_they_answer(client, layers):
    box = _boxes(layers, 1)[0]
    parcels = client.get(f"{API}/plan/parcels", params={"bbox": box}).json()
    assert parcels["features"] and not parcels["truncated"]
    few = client.get(f"{API}/plan/parcels", params={"bbox": "106.2,20.8,106.4,20.95",
                                                    "limit": 3}).json()
    assert len(few["features"]) == 3 and few["truncated"]
    for path in (f"{API}/plan", f"{API}/plan/parcels"):
        for bad in ("x", "1,2,3", "10,10,5,5", "0,95,1,96", "106.34,20.91,106.26,20.83"):
            r = client.get(path, params={"bbox": bad})
            assert r.status_code == 400 and r.json()["error"]["code"] == "bad_coordinates"
        assert client.get(path, params={"bbox": box, "limit": 0}).status_code == 422


def test_public_mode_page_and_map_carry_no_personal_data(layers):
    from landplan._map_page import personal_columns

    client = TestClient(_app(layers, public=True))
    owners = sorted({str(o) for o in layers["parcels"]["owner"].dropna() if len(str(o)) >= 6})
    assert owners
    page = client.get("/")
    config = _config(page.text)
    assert config["public"] is True and config["jobs"] is False
    answers = [page, client.get("/en")]
    for box in _boxes(layers):
        answers += [client.get(f"{API}/plan", params={"bbox": box}),
                    client.get(f"{API}/plan/parcels", params={"bbox": box})]
    drawn = 0
    for r in answers:
        assert r.status_code == 200
        assert not [name for name in owners if name in r.text]
        if r.headers["content-type"].startswith("application/json"):
            for feature in r.json()["features"]:
                keys = set(feature["properties"])
                assert not personal_columns(keys) and not keys & {"decision_no", "kind"}
                drawn += 1
    assert drawn > 12  # the parcels with owners were answered
