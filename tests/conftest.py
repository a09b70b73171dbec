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
    """Three zones: LUC rice [0,100]×[0,100], ONT village [100,200]×[0,100],
    DGT road [0,200]×[100,110]. Nothing beyond x=200 or y=110."""
    return gpd.GeoDataFrame(
        {"maloaidat": ["LUC", "ONT", "DGT"], "ma_xa": ["10807", "10807", "10810"]},
        geometry=[at(box(0, 0, 100, 100)), at(box(100, 0, 200, 100)), at(box(0, 100, 200, 110))],
        crs="EPSG:9209",
    )


CASES = {
    # name: (granted code, geometry in local coordinates)
    "inside_ok": ("ONT", box(120, 20, 140, 40)),
    "inside_conflict": ("ONT", box(20, 20, 40, 40)),
    "on_boundary": ("ONT", box(100, 50, 130, 80)),         # shares the LUC/ONT edge x=100
    "sliver_3pct": ("ONT", box(97, 10, 197, 20)),          # 3 % (30 m²) in LUC: compliant
    "conflict_40pct": ("ONT", box(60, 60, 160, 80)),       # 40 % in LUC: violation
    "multipart": ("ONT", MultiPolygon([box(150, 50, 170, 70), box(30, 50, 40, 60)])),
    # 5 m reach into LUC, mostly hollow: 150 m² − hole 130.5 m² = 19.5 m² (< 20 m²)
    "hole": ("ONT", Polygon([(95, 60), (130, 60), (130, 90), (95, 90)],
                            [[(95.5, 60.5), (100, 60.5), (100, 89.5), (95.5, 89.5)]])),
    "bowtie": ("ONT", Polygon([(150, 10), (170, 30), (170, 10), (150, 30)])),
    "outside": ("ONT", box(300, 300, 320, 320)),
    "unknown_code": ("XYZ", box(160, 80, 170, 90)),
    "multi_purpose_ok": ("ONT+CLN", box(175, 75, 190, 90)),
    "lower_case": (" ont ", box(180, 30, 195, 45)),
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
