"""Who may use the web service: ``--public`` leaks no personal data from any endpoint, the
internal API needs a token off loopback and refuses every request without a valid one."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer

from tests.serve_helpers import sample_layers

API = "/api/v1"


@pytest.fixture(scope="module")
def layers():
    return sample_layers()


def _app(layers, **options):
    from landplan.serve import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_app(**layers, **options)


@pytest.fixture(scope="module")
def owners() -> list[str]:
    """Every owner's name of the sample cadastre, as the file holds them (``tenchu``)."""
    from landplan import sample_path

    names = gpd.read_file(sample_path("decisions"))["tenchu"].dropna().astype(str)
    return sorted({n for n in names if len(n) >= 6})


def _every_answer(client: TestClient, layers) -> list[tuple[str, object]]:
    """Call every endpoint of the app (as the OpenAPI schema lists them), with parcels that
    have owners: (what, response)."""
    p = layers["parcels"]
    rows = np.flatnonzero(p["owner"].notna().to_numpy() & p["sheet"].notna().to_numpy())[:12]
    to_wgs = Transformer.from_crs(p.crs, 4326, always_xy=True)
    out = [("openapi", client.get("/openapi.json")), ("docs", client.get("/docs")),
           ("health", client.get(f"{API}/health")), ("version", client.get(f"{API}/version"))]
    for i in rows:
        number = {"sheet": p["sheet"].iat[i], "parcel_no": p["parcel_no"].iat[i]}
        inside = shapely.point_on_surface(p.geometry.iat[i])
        lon, lat = to_wgs.transform(inside.x, inside.y)
        ring = [list(to_wgs.transform(x, y)) for x, y in
                shapely.buffer(p.geometry.iat[i], 30).exterior.coords]
        out += [
            ("parcels", client.get(f"{API}/parcels", params=number)),
            ("lookup parcel", client.get(f"{API}/lookup", params=number)),
            ("lookup lonlat", client.get(f"{API}/lookup", params={"lon": lon, "lat": lat})),
            ("lookup xy", client.get(f"{API}/lookup", params={"x": inside.x, "y": inside.y})),
            ("lookup polygon", client.post(f"{API}/lookup", json={
                "type": "Polygon", "coordinates": [ring]})),
            ("precheck", client.post(f"{API}/precheck", json={
                **number, "kind": "allocation", "land_use": "ONT"})),
        ]
    out += [("error", client.get(f"{API}/parcels", params={"sheet": "x", "parcel_no": "y"})),
            ("error", client.get(f"{API}/nowhere"))]
    return out


def test_public_mode_leaks_no_personal_column_or_value(layers, owners):
    from landplan._map_page import personal_columns

    client = TestClient(_app(layers, public=True))
    answers = _every_answer(client, layers)
    paths = client.get("/openapi.json").json()["paths"]
    assert f"{API}/precheck" not in paths and f"{API}/lookup" in paths
    found = 0
    for what, r in answers:
        text = r.text
        if what == "precheck":  # the internal API is absent
            assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        leaked = [name for name in owners if name in text]
        assert not leaked, (what, leaked[:3])
        if r.headers.get("content-type", "").startswith("application/json"):
            keys = _keys(r.json())
            assert not personal_columns(keys), (what, personal_columns(keys))
            assert not keys & {"decision_no", "kind", "decision_date"}, what
        found += what.startswith("lookup") and bool(r.json()["parcels"])
    assert found >= 24  # the parcels were answered: their owners could have been shown


def test_internal_mode_shows_the_owners_that_public_mode_hides(layers, owners):
    """The public test above would catch a leak: the same calls on the internal app do
    show owners' names."""
    answers = _every_answer(TestClient(_app(layers)), layers)
    assert any(name in r.text for _, r in answers for name in owners)


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value)) if value else set()
    return set()


def test_tokens_are_required_when_given(layers):
    from landplan._serve_access import new_token

    token, digest = new_token()
    other, _ = new_token()
    client = TestClient(_app(layers, tokens=[digest]))
    for path in (f"{API}/health", f"{API}/lookup?lon=106.3&lat=20.9", "/openapi.json",
                 f"{API}/nowhere"):
        for headers in ({}, {"Authorization": f"Bearer {other}"},
                        {"Authorization": token}, {"Authorization": f"Basic {token}"},
                        {"Authorization": f"Bearer {digest}"}):  # the hash is no token
            r = client.get(path, headers=headers)
            assert r.status_code == 401, (path, headers)
            assert r.json()["error"]["code"] == "unauthorized"
            assert r.headers["www-authenticate"] == "Bearer"
    ok = client.get(f"{API}/lookup", params={"lon": 106.3, "lat": 20.9},
                    headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json()["plan"]
    r = client.post(f"{API}/precheck", json={"kind": "lease", "land_use": "TMD", "geometry": {
        "type": "Polygon", "coordinates": [[[106.3, 20.9], [106.301, 20.9], [106.301, 20.901],
                                            [106.3, 20.9]]]}},
        headers={"Authorization": f"bearer  {token} "})
    assert r.status_code == 200 and r.json()["verdict"] in ("allowed", "not_allowed",
                                                          "cannot_judge")
    # without tokens (loopback), no header is needed
    assert TestClient(_app(layers)).get(f"{API}/health").status_code == 200


def test_tokens_file_holds_hashes_only(tmp_path):
    from landplan._serve_access import new_token, read_tokens, token_hash
    from landplan.errors import InputError

    token, digest = new_token()
    assert digest == token_hash(token) and len(digest) == 64 and token not in digest
    path = tmp_path / "tokens"
    path.write_text(f"# desk 1\n{digest}  # added 2026\n\n", encoding="utf-8")
    assert read_tokens(path) == [digest]
    path.write_text(f"{digest}\n{token}\n", encoding="utf-8")  # a raw token by mistake
    with pytest.raises(InputError, match="line\\(s\\) 2"):
        read_tokens(path)
    path.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(InputError, match="no token"):
        read_tokens(path)


def test_cli_refuses_a_non_loopback_bind_without_tokens(capsys, tmp_path, monkeypatch):
    from landplan._serve_cli import check_bind
    from landplan.cli import main
    from landplan.errors import LandplanError

    for host in ("0.0.0.0", "192.168.1.10", "::", "example.org"):
        with pytest.raises(LandplanError, match="--tokens"):
            check_bind(host, public=False, tokens=None)
        check_bind(host, public=True, tokens=None)  # the public lookup may bind anywhere
        check_bind(host, public=False, tokens=tmp_path / "tokens")
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_bind(host, public=False, tokens=None)
    # through the command line: refused before anything is loaded or served
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("served"))
    assert main(["serve", "--demo", "--host", "0.0.0.0"]) == 2
    assert "--tokens" in capsys.readouterr().err
    assert main(["serve", "--new-token"]) == 0
    lines = capsys.readouterr().out.splitlines()
    token, digest = lines[0].rsplit(" ", 1)[1], lines[1].rsplit(" ", 1)[1]
    from landplan._serve_access import token_hash

    assert token_hash(token) == digest


def test_cli_serves_the_demo_with_uvicorn(monkeypatch, tmp_path):
    """``landplan serve --demo --public --host 0.0.0.0`` builds the app and hands it to
    uvicorn (not started here); with --tokens the app refuses requests without one."""
    import uvicorn

    from landplan._serve_access import new_token
    from landplan.cli import main

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    assert main(["serve", "--demo", "--public", "--host", "0.0.0.0", "--port", "8123",
                 "-q"]) == 0
    assert (served["host"], served["port"]) == ("0.0.0.0", 8123)
    client = TestClient(served["app"])
    assert client.post(f"{API}/precheck", json={}).status_code == 404
    token, digest = new_token()
    (tmp_path / "tokens").write_text(digest + "\n", encoding="utf-8")
    assert main(["serve", "--demo", "--host", "10.0.0.5", "--tokens",
                 str(tmp_path / "tokens"), "-q"]) == 0
    client = TestClient(served["app"])
    assert client.get(f"{API}/health").status_code == 401
    assert client.get(f"{API}/health", headers={"Authorization": f"Bearer {token}"}).json()[
        "status"] == "ok"
    json.dumps(served["app"].openapi())  # the schema is JSON
