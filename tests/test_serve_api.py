"""The web service's API (landplan serve) on the sample district, through FastAPI's TestClient:
parcels by sheet and number, plan lookups by parcel, lon/lat, VN-2000 x/y and polygon, and
pre-checks that agree with :func:`landplan.check`."""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer

from tests.serve_helpers import sample_layers

API = "/api/v1"


@pytest.fixture(scope="module")
def layers():
    return sample_layers()


@pytest.fixture(scope="module")
def client(layers):
    from landplan.serve import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = create_app(**layers)
    return TestClient(app)


def _parcel(layers, i: int) -> dict:
    p = layers["parcels"]
    return {"sheet": p["sheet"].iat[i], "parcel_no": p["parcel_no"].iat[i],
            "unit": p["unit"].iat[i]}


def _unique_rows(layers) -> np.ndarray:
    p = layers["parcels"]
    key = p["sheet"].astype(str) + "|" + p["parcel_no"].astype(str) + "|" + p["unit"].astype(str)
    ok = ~key.duplicated(keep=False) & p["sheet"].notna() & p["parcel_no"].notna()
    ok &= (p["geometry_status"] != "unusable")
    return np.flatnonzero(ok.to_numpy())


def _expected_uses(layers, geom) -> dict:
    """Per plan version: {code: area} by brute force over every zone (no index)."""
    plan = layers["plan"].to_crs(layers["parcels"].crs)
    area = shapely.area(shapely.intersection(plan.geometry.values, geom))
    frame = pd.DataFrame({"v": plan["plan_version"].fillna("v1"), "code": plan["land_use"],
                          "area": area})
    frame = frame[frame["area"] > 0.005]
    return {v: part.groupby("code")["area"].sum().to_dict() for v, part in frame.groupby("v")}


def _uses(answer: dict) -> dict:
    return {v["plan_version"]: {u["land_use"]: u["area_m2"] for u in v["uses"]}
            for v in answer["plan"] if v["uses"]}


def _close(got: dict, want: dict, tol: float = 0.05) -> None:
    assert got.keys() == want.keys()
    for v in want:
        assert got[v].keys() == want[v].keys(), v
        for code in want[v]:
            assert got[v][code] == pytest.approx(want[v][code], abs=tol), (v, code)


def test_parcels_by_sheet_and_number_are_geojson_in_wgs84(client, layers):
    i = int(_unique_rows(layers)[0])
    r = client.get(f"{API}/parcels", params=_parcel(layers, i))
    assert r.status_code == 200
    (feature,) = r.json()["features"]
    props = feature["properties"]
    assert {k: props[k] for k in ("sheet", "parcel_no", "unit")} == _parcel(layers, i)
    assert props["owner"] == layers["parcels"]["owner"].iat[i]  # internal mode shows it
    lon, lat = np.array(feature["geometry"]["coordinates"][0]).T
    assert (lon > 105).all() and (lon < 107.5).all() and (lat > 20).all() and (lat < 22).all()
    geom = shapely.geometry.shape(feature["geometry"])
    to_vn = Transformer.from_crs(4326, layers["parcels"].crs, always_xy=True)
    back = shapely.transform(geom, lambda xy: np.column_stack(to_vn.transform(*xy.T)))
    assert back.symmetric_difference(layers["parcels"].geometry.iat[i]).area < 0.5
    assert props["area_m2"] == pytest.approx(layers["parcels"].geometry.iat[i].area, abs=0.01)
    # leading zeros and spaces do not count; an unknown number is a 404 with the error body
    padded = {**_parcel(layers, i), "parcel_no": f" 0{props['parcel_no']} "}
    assert client.get(f"{API}/parcels", params=padded).json()["features"] == r.json()["features"]
    r = client.get(f"{API}/parcels", params={"sheet": "99999", "parcel_no": "1"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "parcel_not_found"


def test_lookup_by_parcel_gives_every_version_areas_and_shares(client, layers):
    for i in _unique_rows(layers)[:40:8]:
        r = client.get(f"{API}/lookup", params=_parcel(layers, int(i)))
        assert r.status_code == 200, r.text
        answer = r.json()
        geom = layers["parcels"].geometry.iat[int(i)]
        _close(_uses(answer), _expected_uses(layers, geom))
        assert answer["area_m2"] == pytest.approx(geom.area, abs=0.01)
        for version in answer["plan"]:
            shares = sum(u["share"] for u in version["uses"])
            covered = sum(u["area_m2"] for u in version["uses"]) / geom.area
            assert shares == pytest.approx(covered, abs=1e-3)
        in_force = [v["plan_version"] for v in answer["plan"] if v["in_force"]]
        assert in_force == ["v2"] == [answer["in_force"]]  # approved 2023-07-01: today's


def test_lookup_by_point_answers_for_the_parcel_there(client, layers):
    """A lon/lat point and a VN-2000 x/y point inside a parcel answer as the parcel does."""
    to_wgs = Transformer.from_crs(layers["parcels"].crs, 4326, always_xy=True)
    for i in _unique_rows(layers)[5:50:9]:
        i = int(i)
        by_parcel = client.get(f"{API}/lookup", params=_parcel(layers, i)).json()
        inside = shapely.point_on_surface(layers["parcels"].geometry.iat[i])
        lon, lat = to_wgs.transform(inside.x, inside.y)
        by_lonlat = client.get(f"{API}/lookup", params={"lon": lon, "lat": lat}).json()
        by_xy = client.get(f"{API}/lookup", params={"x": inside.x, "y": inside.y,
                                                     "crs": "EPSG:9209"}).json()
        for answer in (by_lonlat, by_xy):
            numbers = [(f["properties"]["sheet"], f["properties"]["parcel_no"])
                       for f in answer["parcels"]]
            assert (by_parcel["query"]["sheet"], by_parcel["query"]["parcel_no"]) in numbers
            if len(numbers) == 1:
                assert answer["plan"] == by_parcel["plan"]
    # a point outside every parcel: the zone there, no area
    r = client.get(f"{API}/lookup", params={"x": 583_000, "y": 2_300_000}).json()
    assert r["parcels"] == [] and r["area_m2"] is None


def test_lookup_by_polygon_matches_brute_force(client, layers):
    to_wgs = Transformer.from_crs(layers["parcels"].crs, 4326, always_xy=True)
    b = layers["parcels"].total_bounds
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    square = shapely.box(cx - 150, cy - 150, cx + 150, cy + 150)
    ring = [list(to_wgs.transform(x, y)) for x, y in square.exterior.coords]
    r = client.post(f"{API}/lookup", json={"type": "Polygon", "coordinates": [ring]})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["area_m2"] == pytest.approx(90_000, rel=1e-3)
    _close(_uses(answer), _expected_uses(layers, square), tol=2.0)  # the reprojected square
    want = set(np.flatnonzero(shapely.intersects(layers["parcels"].geometry.values, square)))
    got = {(f["properties"]["sheet"], f["properties"]["parcel_no"]) for f in answer["parcels"]}
    p = layers["parcels"]
    assert got == {(p["sheet"].iat[i], p["parcel_no"].iat[i]) for i in want} and len(got) > 3
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
                                                                 "coordinates": [ring]}}
    assert client.post(f"{API}/lookup", json=feature).json()["plan"] == answer["plan"]


def test_lookup_names_corridors_projects_and_plan_changes(client, layers):
    """Where a corridor, a project and a plan change are, the lookup lists them, with the
    areas computed directly from the layers."""
    from landplan.plandiff import plan_adjustments

    p = layers["parcels"]
    geoms = p.geometry.values
    corridors, projects = layers["corridors"], layers["projects"]
    changes = plan_adjustments(layers["plan"])
    for layer, key, name in ((corridors, "corridors", "name"),
                             (projects, "projects", "project_name"),
                             (changes, "changes", "new_land_use")):
        tree = shapely.STRtree(layer.to_crs(p.crs).geometry.values)
        pi, li = tree.query(geoms, predicate="intersects")
        other = layer.to_crs(p.crs).geometry.values
        area = shapely.area(shapely.intersection(geoms[pi], other[li]))
        unique = set(_unique_rows(layers))
        k = next(k for k in np.argsort(-area) if pi[k] in unique)
        answer = client.get(f"{API}/lookup", params=_parcel(layers, int(pi[k]))).json()
        listed = {(e[name], round(e["area_m2"], 1)) for e in answer[key]}
        assert (layer[name].iat[li[k]], round(float(area[k]), 1)) in listed, key
    corridor = answer_for = client.get(f"{API}/lookup", params=_parcel(layers, 0)).json()
    assert set(corridor) >= {"plan", "in_force", "corridors", "projects", "changes", "parcels"}
    assert answer_for["query"]["type"] == "parcel"


# --- pre-check ---------------------------------------------------------------------------

# Rules whose answer for a decision depends on other decisions (double-allocation,
# duplicate-id), on the quotas (quota-*: every conversion of the unit) or on land cover
# (rasters the service does not load), or that read the decision's own record in ways a
# pre-check cannot reproduce (an unreadable or non-State kind, no date, no usable geometry).
NOT_LOCAL = {"double-allocation", "duplicate-id", "quota-exceeded", "quota-undated",
             "quota-unmatched", "wrong-purpose", "unused-land", "landcover-unchecked",
             "unknown-kind", "not-state-decision", "missing-date", "empty-geometry",
             "unreadable-record"}


def _comparable(sample_check, layers) -> pd.DataFrame:
    """The sample's decisions whose status the pre-check must reproduce exactly.

    A decision of one of the four grants, dated, with a code, on a parcel the cadastre
    numbers uniquely, and without any finding of a :data:`NOT_LOCAL` rule: its status then
    depends only on the plan, corridors and projects near it, its kind, codes and date —
    what a pre-check gives ``check``. Up to three per (status, deciding rule), so that every
    rule that decides a sample status is met, then compliant ones to reach 24.
    """
    d, f = sample_check.decisions, sample_check.findings
    touched = set(f.loc[f["rule"].isin(NOT_LOCAL) & (f["layer"] == "decisions"), "source_row"]
                  .dropna().astype(int))
    unique = np.zeros(len(d), dtype=bool)
    unique[_unique_rows(layers)] = True
    ok = (~d["source_row"].isin(touched) & d["kind"].isin(
        ["allocation", "lease", "recognition", "conversion"]) & d["decision_date"].notna()
          & d["land_use"].notna()).to_numpy() & unique
    chosen = d[ok].assign(rule=d["rule"].fillna("-")).groupby(["status", "rule"]).head(3)
    more = d[ok & (d["status"] == "compliant").to_numpy()].iloc[::97]
    return pd.concat([chosen, more]).drop_duplicates("source_row").head(40)


def test_precheck_verdicts_agree_with_check_on_the_sample(client, layers, sample_check):
    chosen = _comparable(sample_check, layers)
    assert len(chosen) >= 20
    assert {"zoning-conflict", "protected-area", "conversion-contrary-to-plan",
            "no-plan-version"} <= set(chosen["rule"])
    assert set(chosen["status"]) == {"compliant", "violation", "unchecked"}
    verdict = {"compliant": "allowed", "violation": "not_allowed", "unchecked": "cannot_judge"}
    for i, row in chosen.iterrows():
        body = {**_parcel(layers, int(i)), "kind": row["kind"], "land_use": row["land_use"],
                "decision_date": row["decision_date"].strftime("%Y-%m-%d")}
        if isinstance(row["prev_land_use"], str):
            body["prev_land_use"] = row["prev_land_use"]
        r = client.post(f"{API}/precheck", json=body)
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["verdict"] == verdict[row["status"]], (i, row["rule"], answer)
        assert answer["plan_version"] == (None if pd.isna(row["plan_version"])
                                          else row["plan_version"])
        if row["status"] != "compliant":
            assert answer["rule"] == row["rule"]
            assert row["rule"] in {f["rule"] for f in answer["findings"]}
            f = sample_check.findings  # the decision's own finding: cited by its date
            assert answer["legal_basis"] == f.loc[
                (f["rule"] == row["rule"]) & (f["layer"] == "decisions")
                & (f["source_row"] == row["source_row"]), "legal_basis"].iloc[0]


def test_precheck_answer_shape_languages_and_polygon(client, layers):
    i = int(_unique_rows(layers)[3])
    body = {**_parcel(layers, i), "kind": "chuyển mục đích", "land_use": "TMD",
            "prev_land_use": "LUC", "decision_date": "2024-05-01"}
    r = client.post(f"{API}/precheck", json=body)
    answer = r.json()
    assert set(answer) >= {"verdict", "findings", "messages", "legal_basis", "plan_version",
                           "not_checked"}
    assert answer["kind"] == "conversion" and answer["plan_version"] == "v2"
    assert set(answer["messages"]) == {"vi", "en"} and answer["messages"]["vi"] != \
        answer["messages"]["en"]
    # what cannot be judged here is said, not passed silently
    assert {"quota-exceeded", "wrong-purpose", "unused-land", "double-allocation"} <= {
        n["rule"] for n in answer["not_checked"]}
    # the same parcel as a GeoJSON outline gives the same verdict
    to_wgs = Transformer.from_crs(layers["parcels"].crs, 4326, always_xy=True)
    geom = layers["parcels"].geometry.iat[i]
    ring = [list(to_wgs.transform(x, y)) for x, y in geom.exterior.coords]
    by_outline = client.post(f"{API}/precheck", json={
        **{k: v for k, v in body.items() if k not in ("sheet", "parcel_no", "unit")},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}).json()
    assert by_outline["verdict"] == answer["verdict"]
    assert by_outline["planned_land_use"] == answer["planned_land_use"]
    # default date: today, judged against the version in force today
    today = client.post(f"{API}/precheck", json={**body, "decision_date": None}).json()
    assert today["decision_date"] == date.today().isoformat() and today["plan_version"] == "v2"


def test_precheck_follows_the_version_in_force_on_the_date(client, layers):
    """Where the 2023 adjustment changed the planned code, recognising the new code is not
    allowed before the adjustment and allowed after it (recognition: no annual-plan project
    is needed)."""
    from landplan.plandiff import plan_adjustments

    changes = plan_adjustments(layers["plan"])
    p = layers["parcels"]
    tree = shapely.STRtree(p.geometry.values)
    unique = set(_unique_rows(layers))
    for k in np.argsort(-changes["area_m2"].to_numpy()):
        piece = changes.iloc[k]
        inside = [i for i in tree.query(piece.geometry, predicate="covers") if i in unique]
        if inside and isinstance(piece["new_land_use"], str):
            break
    else:
        pytest.fail("no parcel inside a changed piece")
    body = {**_parcel(layers, int(inside[0])), "kind": "recognition",
            "land_use": piece["new_land_use"]}
    before = client.post(f"{API}/precheck", json={**body, "decision_date": "2022-01-01"}).json()
    after = client.post(f"{API}/precheck", json={**body, "decision_date": "2024-01-01"}).json()
    assert (before["plan_version"], after["plan_version"]) == ("v1", "v2")
    assert after["verdict"] == "allowed" and before["verdict"] == "not_allowed", (before, after)
    assert before["rule"] == "zoning-conflict"


def test_errors_are_json_with_a_fix_in_the_readers_language(client):
    cases = [
        ("post", f"{API}/precheck", {"json": {"sheet": "1", "parcel_no": "1", "kind": "bán",
                                              "land_use": "ONT"}}, 400),
        ("post", f"{API}/precheck", {"json": {"kind": "allocation", "land_use": "ONT"}}, 400),
        ("post", f"{API}/precheck", {"json": {"kind": 3}}, 422),
        ("post", f"{API}/lookup", {"json": {"type": "Polygon", "coordinates": [[[0, 0]]]}}, 400),
        ("post", f"{API}/lookup", {"content": b"{not json"}, 422),
        ("get", f"{API}/lookup", {"params": {"lon": "nan", "lat": 1}}, 422),
        ("get", f"{API}/lookup", {"params": {"lon": 500, "lat": 1}}, 400),
        ("get", f"{API}/lookup", {"params": {"x": 1, "y": 2, "crs": "EPSG:0"}}, 400),
        ("get", f"{API}/lookup", {}, 400),
        ("get", f"{API}/nowhere", {}, 404),
        ("delete", f"{API}/lookup", {}, 405),
    ]
    for method, url, kwargs, status in cases:
        r = getattr(client, method)(url, **kwargs)
        assert r.status_code == status, (url, kwargs, r.text)
        error = r.json()["error"]
        assert set(error) == {"code", "message", "fix"} and all(error.values())
        en = getattr(client, method)(url, **kwargs, headers={"Accept-Language": "en-GB,en"})
        assert en.json()["error"]["message"] != error["message"]  # Vietnamese by default
        assert getattr(client, method)(
            url, **{**kwargs, "params": {**kwargs.get("params", {}), "lang": "en"}}
        ).json()["error"]["message"] == en.json()["error"]["message"]


def test_health_version_and_openapi(client):
    assert client.get(f"{API}/health").json()["status"] == "ok"
    version = client.get(f"{API}/version").json()
    assert [v["plan_version"] for v in version["plan_versions"]] == ["v1", "v2"]
    assert version["layers"]["parcels"] > 3000 and version["crs"] == "EPSG:9209"
    paths = client.get("/openapi.json").json()["paths"]
    assert {f"{API}/{p}" for p in ("parcels", "lookup", "precheck", "health", "version")} <= \
        set(paths)


def test_precheck_finds_the_decisions_already_issued_there(layers):
    """With a decisions layer, a new allocation on a parcel already allocated is a double
    allocation naming the earlier decision; without one, the rule is listed as not checked."""
    from landplan.serve import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = TestClient(create_app(**layers, decisions=layers["parcels"]))
    p = layers["parcels"]
    unique = _unique_rows(layers)
    granted = unique[(p["kind"].to_numpy(dtype=object)[unique] == "allocation")
                     & p["land_use"].notna().to_numpy()[unique]]
    i = int(granted[0])
    body = {**_parcel(layers, i), "kind": "allocation", "land_use": p["land_use"].iat[i]}
    answer = client.post(f"{API}/precheck", json=body, params={"lang": "en"}).json()
    assert answer["verdict"] == "not_allowed", answer
    (double,) = [f for f in answer["findings"] if f["rule"] == "double-allocation"]
    assert p["decision_no"].iat[i] in double["message"]
    assert "double-allocation" not in {n["rule"] for n in answer["not_checked"]}
    # the decisions already issued are only the witnesses: none of their findings is returned
    assert all(p["decision_no"].iat[i] not in f["message"] or f["rule"] == "double-allocation"
               for f in answer["findings"])


def test_precheck_outside_the_plan_cannot_be_judged(plan):
    """Far from every zone (the plan's first zone unusable): ``cannot_judge``, not an error."""
    import geopandas as gpd
    from shapely.geometry import Polygon

    from landplan.serve import create_app

    broken = gpd.GeoDataFrame(pd.concat([plan.iloc[:1].set_geometry([Polygon()], crs=plan.crs),
                                         plan], ignore_index=True), crs=plan.crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = TestClient(create_app(broken))
    far = [[107.0, 21.5], [107.001, 21.5], [107.001, 21.501], [107.0, 21.5]]
    r = client.post(f"{API}/precheck", json={"kind": "lease", "land_use": "TMD",
                                             "geometry": {"type": "Polygon",
                                                          "coordinates": [far]}})
    assert r.status_code == 200 and r.json()["verdict"] == "cannot_judge"
    assert r.json()["rule"] == "no-plan-coverage"


def test_load_app_reads_geoparquet_and_answers_as_the_demo(client, tmp_path):
    """``load_app`` from GeoParquet files (the fast path) answers as the demo's layers do."""
    import geopandas as gpd

    from landplan import sample_path
    from landplan.serve import load_app

    for name in ("plan.gpkg", "plan_2023.gpkg", "projects.gpkg", "corridors.gpkg"):
        gpd.read_file(sample_path(name)).to_parquet(tmp_path / name.replace(".gpkg", ".parquet"))
    gpd.read_file(sample_path("decisions")).to_parquet(tmp_path / "parcels.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = load_app([f"{tmp_path / 'plan.parquet'}@31/12/2020",
                        (tmp_path / "plan_2023.parquet", "2023-07-01")],
                       parcels=tmp_path / "parcels.parquet",
                       projects=tmp_path / "projects.parquet",
                       corridors=tmp_path / "corridors.parquet")
    params = {"sheet": "244", "parcel_no": "1", "unit": "10822"}
    mine = TestClient(app).get(f"{API}/lookup", params=params).json()
    assert mine == client.get(f"{API}/lookup", params=params).json()
    assert [v["approved"] for v in mine["plan"]] == ["2020-12-31", "2023-07-01"]
