"""The PostGIS side of the scale benchmark (benchmarks/_postgis.py) gives landplan's answer.

When it runs: only if PostGIS is already installed for the PostgreSQL server on the machine
(then a private cluster starts in ~2 s and the test takes a few seconds), or if
``LANDPLAN_TEST_POSTGIS=1`` is set, which also lets it ``apt-get install`` PostGIS (~20 s
with a network, minutes on a slow mirror). Otherwise it is skipped, so the default suite
never spends time in apt; and it is skipped with the reason when the server cannot be
started or PostGIS cannot be installed (no PostgreSQL, no apt, no network). In CI
(``LANDPLAN_CI=1``, which ``.ci/run`` exports, after installing PostGIS) it always runs, and a
server that does not start, or a missing psycopg, is a failure (conftest.skip_or_fail).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from landplan.engine import overlay_pairs

from .conftest import ci_strict, importorskip_or_fail, skip_or_fail

importorskip_or_fail("psycopg")

_spec = importlib.util.spec_from_file_location(
    "_postgis", Path(__file__).resolve().parents[1] / "benchmarks" / "_postgis.py")
pg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pg)
_spec = importlib.util.spec_from_file_location(
    "_synthetic", Path(__file__).resolve().parents[1] / "benchmarks" / "_synthetic.py")
_synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_synthetic)

WANTED = os.environ.get("LANDPLAN_TEST_POSTGIS") == "1"

pytestmark = [
    pytest.mark.skipif(not (WANTED or ci_strict() or pg.postgis_installed()),
                       reason="PostGIS is not installed; set LANDPLAN_TEST_POSTGIS=1 to "
                              "install it with apt-get and run this test"),
    pytest.mark.timeout(1800),
    pytest.mark.slow,  # a private PostgreSQL server
]

X0, Y0 = 583_000.0, 2_300_000.0


@pytest.fixture(scope="module")
def conninfo():
    try:
        with pg.postgis_server(install=WANTED) as info:
            yield info
    except RuntimeError as exc:
        skip_or_fail(f"no PostGIS server: {exc}")


def _small_case() -> tuple[np.ndarray, np.ndarray]:
    """2×2 zones of 100 m (the first segmentized), 20 box parcels, a MultiPolygon, a None."""
    zones = shapely.box([X0, X0 + 100, X0, X0 + 100], [Y0, Y0, Y0 + 100, Y0 + 100],
                        [X0 + 100, X0 + 200, X0 + 100, X0 + 200],
                        [Y0 + 100, Y0 + 100, Y0 + 200, Y0 + 200])
    zones[0] = shapely.segmentize(zones[0], 7.0)
    rng = np.random.default_rng(3)
    x = X0 - 20 + rng.uniform(0, 220, 20)
    y = Y0 - 20 + rng.uniform(0, 220, 20)
    side = rng.uniform(5, 40, 20)
    parcels = np.empty(23, dtype=object)
    parcels[:20] = shapely.box(x, y, x + side, y + side)
    parcels[20] = None
    parcels[21] = MultiPolygon([box(X0 + 90, Y0 + 10, X0 + 110, Y0 + 20),
                                box(X0 + 150, Y0 + 150, X0 + 160, Y0 + 160)])
    parcels[22] = box(X0 + 100, Y0 + 50, X0 + 120, Y0 + 60)  # only touches zone 0
    return parcels, zones


def test_postgis_overlay_gives_the_same_pairs_and_areas_as_the_engine(conninfo):
    parcels, zones = _small_case()
    ours = overlay_pairs(parcels, zones).drop(columns="inside")
    got = pg.postgis_overlay(conninfo, parcels, zones, parallel_workers=2)
    assert list(got["pairs"].columns) == ["parcel", "zone", "area_m2"]
    assert pg.same_pairs(ours, got["pairs"], rtol=1e-9), (ours, got["pairs"])
    assert 20 not in set(got["pairs"]["parcel"])  # None has no pairs
    assert list(got["pairs"].query("parcel == 22")["zone"]) == [1]  # touching pair dropped
    assert got["gather"] and got["workers_planned"] == 2, got["plan"]
    assert got["version"].startswith("PostGIS 3")


def test_serial_plan_and_the_synthetic_benchmark_case_agree(conninfo):
    zones = _synthetic.zones(n_side=6, side=1_500.0, seed=5).geometry.values
    parcels = _synthetic.parcels(900, seed=5, side=1_500.0).geometry.values
    ours = overlay_pairs(parcels, zones).drop(columns="inside")
    got = pg.postgis_overlay(conninfo, parcels, zones, parallel_workers=0)
    assert not got["gather"]
    assert pg.same_pairs(ours, got["pairs"])


def test_the_private_server_is_gone_afterwards():
    try:
        with pg.postgis_server(install=WANTED) as info:
            data_dir = info.data_dir
            assert data_dir.is_dir() and info.timings["initdb"] > 0
            assert info.startswith("host=127.0.0.1 port=")
    except RuntimeError as exc:
        skip_or_fail(f"no PostGIS server: {exc}")
    assert not data_dir.parent.exists()
