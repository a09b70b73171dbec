"""Shared fixtures and helpers.

* ``plan`` / ``decisions``: a tiny synthetic plan and decisions in EPSG:9209 (Hải Dương).
* ``sample_check`` / ``demo_output``: the check of the bundled sample district and the folder
  ``landplan demo`` writes, each run once per session and shared by the tests that only read
  them.
* :func:`skip_or_fail`, :func:`importorskip_or_fail`: skip a test whose tool (PostGIS, dask,
  iconv, …) is missing on a developer machine, but fail it in CI (:func:`ci_strict`), so that
  CI cannot pass by skipping.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

X0, Y0 = 583_000.0, 2_308_000.0  # inside Gia Lộc, Hải Dương, in EPSG:9209


def at(geom):
    """Move a geometry drawn around (0, 0) into the district."""
    return shapely.affinity.translate(geom, X0, Y0)


@pytest.fixture
def plan() -> gpd.GeoDataFrame:
    """Three zones: LUC rice [0,100]×[0,200], ONT village [100,300]×[0,200],
    DGT road [0,300]×[200,210]. Nothing beyond x=300 or y=210."""
    return gpd.GeoDataFrame(
        {"maloaidat": ["LUC", "ONT", "DGT"], "ma_xa": ["10807", "10807", "10810"]},
        geometry=[at(box(0, 0, 100, 200)), at(box(100, 0, 300, 200)),
                  at(box(0, 200, 300, 210))],
        crs="EPSG:9209",
    )


CASES = {
    # name: (granted code, geometry in local coordinates); no two parcels overlap.
    "inside_ok": ("ONT", box(120, 20, 140, 40)),
    "inside_conflict": ("ONT", box(20, 20, 40, 40)),
    "on_boundary": ("ONT", box(100, 165, 130, 195)),       # shares the LUC/ONT edge x=100
    "sliver_3pct": ("ONT", box(97, 50, 197, 60)),          # 3 % (30 m²) in LUC: compliant
    "conflict_40pct": ("ONT", box(60, 100, 160, 120)),     # 40 % in LUC: violation
    "multipart": ("ONT", MultiPolygon([box(250, 50, 270, 70), box(30, 62, 40, 72)])),
    # 5 m reach into LUC, mostly hollow: 150 m² − hole 130.5 m² = 19.5 m² (< 20 m²)
    "hole": ("ONT", Polygon([(95, 130), (130, 130), (130, 160), (95, 160)],
                            [[(95.5, 130.5), (100, 130.5), (100, 159.5), (95.5, 159.5)]])),
    "bowtie": ("ONT", Polygon([(150, 130), (170, 150), (170, 130), (150, 150)])),
    "outside": ("ONT", box(400, 400, 420, 420)),
    "unknown_code": ("XYZ", box(160, 165, 170, 175)),
    "multi_purpose_ok": ("ONT+CLN", box(175, 165, 190, 180)),
    "lower_case": (" ont ", box(210, 20, 225, 35)),
}


@pytest.fixture
def decisions() -> gpd.GeoDataFrame:
    names = list(CASES)
    return gpd.GeoDataFrame(
        {
            "so_qd": [f"{i + 1}/QĐ-UBND" for i in range(len(names))],
            "ngay_qd": ["15/03/2023"] * len(names),
            "hinh_thuc": ["Giao đất"] * len(names),
            "kyhieumucd": [CASES[n][0] for n in names],
            "case": names,
        },
        geometry=[at(CASES[n][1]) for n in names],
        crs="EPSG:9209",
    )


@pytest.fixture
def projects() -> gpd.GeoDataFrame:
    """Two 2023 annual-plan projects over the ``plan`` fixture: ONT [100,200]×[0,100] and
    TMD [200,300]×[100,200]."""
    return gpd.GeoDataFrame({
        "ten_da": ["Khu dân cư mới thôn Đông", "Khu thương mại"],
        "nam": [2023, 2023], "maloaidat": ["ONT", "TMD"],
    }, geometry=[at(box(100, 0, 200, 100)), at(box(200, 100, 300, 200))], crs="EPSG:9209")


@pytest.fixture
def versions(plan) -> gpd.GeoDataFrame:
    """The ``plan`` fixture approved 2021-01-01, and its adjustment of 2023-07-01 that makes
    the rice zone (row 0) village land (ONT)."""
    import landplan

    adjusted = plan.copy()
    adjusted.loc[0, "maloaidat"] = "ONT"  # the rice zone becomes village land
    return landplan.plan_versions({"2021-01-01": plan, "2023-07-01": adjusted})


def row_of(result_decisions: gpd.GeoDataFrame, case: str) -> int:
    return list(CASES).index(case)


# --- CI: a missing tool fails instead of skipping -------------------------------------------

def ci_strict() -> bool:
    """Whether this run is CI's: ``.ci/run`` exports ``LANDPLAN_CI=1`` (CI services also set
    ``CI=true``, which ``tests/browser.py`` has always honoured). There a test that cannot run
    for want of a tool fails; on a developer machine it is skipped with the reason."""
    return os.environ.get("LANDPLAN_CI") == "1" or os.environ.get("CI") == "true"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the calling test (or module) with ``reason``, or fail it under :func:`ci_strict`."""
    if ci_strict():
        pytest.fail(f"{reason} (a skip is a failure in CI: LANDPLAN_CI=1)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def importorskip_or_fail(name: str) -> ModuleType:
    """:func:`pytest.importorskip` that fails under :func:`ci_strict`."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        skip_or_fail(f"could not import {name!r}: {exc}")


# --- slow tests ----------------------------------------------------------------------------

#: Fixtures that run the whole sample check (or ``landplan demo``) once per session.
SAMPLE_FIXTURES = {"sample_check", "demo_output"}


def pytest_collection_modifyitems(config, items):
    """Mark ``slow`` what is marked by where it is, not by a decorator: the notebooks (nbmake
    runs them top to bottom) and every test that reads the whole sample check or demo."""
    for item in items:
        if item.path.suffix == ".ipynb" or SAMPLE_FIXTURES & set(getattr(item, "fixturenames",
                                                                         ())):
            item.add_marker(pytest.mark.slow)


# --- the sample district, checked once per session ------------------------------------------

def _frames(result) -> list[pd.DataFrame]:
    return [result.decisions.drop(columns=result.decisions.geometry.name),
            result.findings.drop(columns=result.findings.geometry.name), result.rules]


@pytest.fixture(scope="session")
def sample_check():
    """The check of the bundled sample district exactly as ``landplan demo`` runs it
    (Vietnamese, every input the sample ships), run once per session. Shared: read it, never
    change it (a test that did would fail the teardown here)."""
    from landplan._sample import sample_result

    result = sample_result()
    before = [frame.copy() for frame in _frames(result)]
    yield result
    for was, now in zip(before, _frames(result), strict=True):
        pd.testing.assert_frame_equal(was, now, obj="the shared sample check (changed by a test)")


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory):
    """The folder ``landplan demo --out DIR`` wrote (Vietnamese, offline map), run once per
    session. Shared: read the files, write nothing there."""
    from landplan.cli import main

    out = tmp_path_factory.mktemp("demo") / "demo"
    assert main(["demo", "--out", str(out), "-q"]) == 0
    return out


@pytest.fixture
def files(plan, decisions, tmp_path):
    """The plan as a GeoPackage and the decisions as a UTF-8 shapefile: (plan, decisions)."""
    plan_path = tmp_path / "plan.gpkg"
    plan.to_file(plan_path, engine="pyogrio")
    dec = tmp_path / "dec"
    dec.mkdir()
    decisions.to_file(dec / "decisions.shp", engine="pyogrio", encoding="UTF-8")
    return plan_path, dec / "decisions.shp"
