"""Shared fixtures: a tiny synthetic plan and decisions in EPSG:9209 (Hải Dương)."""

from __future__ import annotations

import geopandas as gpd
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


def row_of(result_decisions: gpd.GeoDataFrame, case: str) -> int:
    return list(CASES).index(case)
