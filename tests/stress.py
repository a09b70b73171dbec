"""A seeded stress district for the maps: many overlapping parcels, most of them violations.

The plan is a grid of 100 m square zones with random codes; ``n`` square parcels of
20–60 m are thrown at random over it (they overlap each other and cross zone edges, so
most get one zoning finding per foreign code they touch) and are granted a random code.
Units are communes in a 4 × 3 grid with Vietnamese names; about 3 % of the parcels have
no unit. ``tests/test_maps_split.py`` checks the split map on it; ``benchmarks/bench_map.py``
measures it at 10⁵.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

CODES = np.array(["LUC", "ONT", "CLN", "HNK", "NTS", "TMD"], dtype=object)
COMMUNES = np.array(["Xã An Bình", "Xã Đoàn Thượng", "Xã Gia Lương", "Xã Hồng Hưng",
                     "Xã Lê Lợi", "Xã Nhật Tân", "Xã Phạm Trấn", "Xã Quang Minh",
                     "Thị trấn Gia Lộc", "Xã Thống Nhất", "Xã Toàn Thắng", "Xã Yết Kiêu"],
                    dtype=object)
X0, Y0 = 583_000.0, 2_300_000.0  # EPSG:9209, Hải Dương
ZONE = 100.0


def district(n: int, seed: int = 15) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the plan and the decisions of a stress district of ``n`` parcels.

    The district's side grows with ``n`` (about 400 m² of ground per parcel, so parcels
    overlap about twice over on average).
    """
    rng = np.random.default_rng(seed)
    n_side = max(4, int(np.ceil(np.sqrt(n * 400.0) / ZONE)))
    ix, iy = np.meshgrid(np.arange(n_side), np.arange(n_side))
    ix, iy = ix.ravel(), iy.ravel()
    zones = shapely.box(X0 + ix * ZONE, Y0 + iy * ZONE, X0 + (ix + 1) * ZONE,
                        Y0 + (iy + 1) * ZONE)
    plan = gpd.GeoDataFrame({"maloaidat": rng.choice(CODES, len(zones))}, geometry=zones,
                            crs="EPSG:9209")
    extent = n_side * ZONE
    side = rng.uniform(20.0, 60.0, n)
    x = X0 + rng.uniform(0, extent - side)
    y = Y0 + rng.uniform(0, extent - side)
    commune = (np.minimum((y - Y0) / extent * 3, 2).astype(int) * 4
               + np.minimum((x - X0) / extent * 4, 3).astype(int))
    unit = COMMUNES[commune].copy()
    unit[rng.random(n) < 0.03] = None
    decisions = gpd.GeoDataFrame({
        "so_qd": np.char.add(np.arange(1, n + 1).astype(str), "/QĐ-UBND").astype(object),
        "ngay_qd": "15/03/2023",
        "hinh_thuc": rng.choice(["Giao đất", "Cho thuê đất", "Chuyển mục đích"], n),
        "kyhieumucd": rng.choice(CODES, n),
        "ma_xa": unit,
    }, geometry=shapely.box(x, y, x + side, y + side), crs="EPSG:9209")
    return plan, decisions
