"""The web service's API fuzzed from its own OpenAPI schema (schemathesis), bounded and
derandomised: no answer is a 500, and every 4xx answer is the JSON error body
``{"error": {"code", "message", "fix"}}``.

The app is built at import (schemathesis parametrises from its schema) on a small synthetic
district — the schema does not depend on the data, and a pre-check there takes milliseconds:
two plan versions, parcels with owners, a corridor and a project around (583000, 2308000) in
EPSG:9209.
"""

from __future__ import annotations

import warnings

import pytest

from tests.conftest import importorskip_or_fail

schemathesis = importorskip_or_fail("schemathesis")  # a skip is a failure in CI
importorskip_or_fail("fastapi")

import geopandas as gpd  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from shapely.geometry import box  # noqa: E402

from tests.conftest import at  # noqa: E402


def _app():
    import landplan
    from landplan.serve import create_app

    plan = gpd.GeoDataFrame({"maloaidat": ["LUC", "ONT", "DGT"], "ma_xa": ["10807"] * 3},
                            geometry=[at(box(0, 0, 100, 200)), at(box(100, 0, 300, 200)),
                                      at(box(0, 200, 300, 210))], crs="EPSG:9209")
    adjusted = plan.copy()
    adjusted.loc[0, "maloaidat"] = "ONT"
    parcels = gpd.GeoDataFrame({
        "shbando": ["1", "1", "2"], "shthua": ["10", "11", "10"], "ma_xa": ["10807"] * 3,
        "kyhieumucd": ["ONT", "LUC", "ONT"], "tenchu": ["Nguyễn Văn A", "Trần Thị B", "Lê C"]},
        geometry=[at(box(120, 20, 140, 40)), at(box(20, 20, 40, 40)), at(box(60, 100, 160, 120))],
        crs="EPSG:9209")
    corridors = gpd.GeoDataFrame({"ten": ["Đê"], "loai": ["đê điều"], "cho_phep": ["DGT,DTL"]},
                                 geometry=[at(box(0, 190, 300, 215))], crs="EPSG:9209")
    projects = gpd.GeoDataFrame({"ten_da": ["Khu dân cư"], "nam": [2024], "maloaidat": ["ONT"]},
                                geometry=[at(box(100, 0, 200, 100))], crs="EPSG:9209")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_app(landplan.plan_versions({"2021-01-01": plan, "2023-07-01": adjusted}),
                          parcels=parcels, corridors=corridors, projects=projects)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=30, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_error_is_the_json_body(case):
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}, body
        error = body["error"]
        assert set(error) == {"code", "message", "fix"}, error
        assert all(isinstance(v, str) and v for v in error.values()), error
