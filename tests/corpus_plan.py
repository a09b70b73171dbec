"""Corpus class: plans and rasters as officials really have them — overlapping plan zones
(a duplicated zone, an inset drawn on top, slivers between neighbours, same or different
codes), holes in the plan, two ``--plan`` versions with the same date or an unreadable
date, land-cover rasters with values outside the class table, without a CRS or rotated,
and a GeoTIFF given to ``--landcover`` (or a raster without a CRS to ``--raster``)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from shapely.geometry import Polygon, box

from .corpus import (
    CRS,
    X0,
    Y0,
    at,
    decisions_gdf,
    error,
    flagged,
    plan_gdf,
    run,
    standard,
    write,
    write_plan,
)

IN_ONT = box(120, 20, 140, 40)  # 400 m² inside the ONT zone [100,300]×[0,200]


def _plan_with(*extra):
    return _stack(plan_gdf(), *extra)


@flagged({"zoning-conflict": (0,), "plan-overlap": None},
         values={(0, "conflict_pct"): 100.0, (1, "status"): "compliant"})
def duplicated_plan_zone_counts_once(folder):
    # the ONT zone digitised twice; a LUC parcel in it conflicts on 100 %, not 200 %
    plan = write_plan(folder, _plan_with(("ONT", box(100, 0, 300, 200))), "qh.gpkg")
    dec = write(decisions_gdf(2, kyhieumucd=["LUC", "ONT"],
                              geometry=[IN_ONT, box(160, 20, 180, 40)]), folder / "qd.gpkg")
    return run(plan, dec, records=2)


@flagged({"zoning-conflict": (0,), "plan-overlap": None},
         values={(0, "conflict_pct"): 100.0})
def zone_drawn_inside_another_and_slivers(folder):
    # a DGD inset on top of ONT, and a 0.5 m sliver of LUC over ONT (x in [100, 100.5])
    plan = plan_gdf()
    plan.loc[0, "geometry"] = at(box(0, 0, 100.5, 200))
    plan = write_plan(folder, _stack(plan, ("DGD", box(150, 50, 250, 150))), "qh.gpkg")
    dec = write(decisions_gdf(1, kyhieumucd=["LUC"], geometry=[box(140, 60, 160, 80)]),
                folder / "qd.gpkg")
    return run(plan, dec, records=1)


def _stack(plan, *extra):
    import geopandas as gpd

    rows = [{"maloaidat": code, "ma_xa": "10807", "geometry": at(geom)} for code, geom in extra]
    return gpd.GeoDataFrame(pd.concat([plan, gpd.GeoDataFrame(rows, crs=CRS)],
                                      ignore_index=True), crs=CRS)


@flagged({"plan-gap": None, "no-plan-coverage": (0,)}, values={(0, "status"): "unchecked"})
def hole_in_the_plan(folder):
    plan = plan_gdf()
    plan.loc[1, "geometry"] = at(Polygon([(100, 0), (300, 0), (300, 200), (100, 200)],
                                         [[(200, 100), (240, 100), (240, 140), (200, 140)]]))
    dec = decisions_gdf(2, geometry=[box(210, 110, 230, 130), IN_ONT])
    path = write(dec, folder / "qd.gpkg")
    return run(write_plan(folder, plan, "qh.gpkg"), path, records=2)


@error("plan.gpkg", "plan_2023.gpkg", "same approval date", "2023-07-01")
def two_plan_versions_with_the_same_date(folder):
    args = standard(folder, decisions_gdf(2), "dec/qd.gpkg")
    write(plan_gdf(), folder / "plan_2023.gpkg")
    plan = args["args"][1]
    args["args"][1] = f"{plan}@2023-07-01"
    args["args"] += ["--plan", f"{folder / 'plan_2023.gpkg'}@2023-07-01"]
    return args


def _tif(path, values, *, crs=CRS, rotated=False):
    import rasterio
    from affine import Affine
    from rasterio.transform import from_origin

    transform = from_origin(X0 - 50, Y0 + 260, 10, 10)
    if rotated:
        transform = transform * Affine.rotation(5)
    data = np.full((32, 41), values, dtype="uint8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rasterio.open(path, "w", driver="GTiff", width=41, height=32, count=1,
                           dtype="uint8", crs=crs, transform=transform, nodata=0) as dst:
            dst.write(data, 1)
    return path


def _old_allocations(n=2):
    return decisions_gdf(n, ngay_qd=["15/03/2021"] * n)


@flagged({"landcover-unchecked": (0, 1), "unused-land": ()},
         values={(0, "landcover_unknown"): 1.0})
def landcover_values_not_in_the_class_table(folder):
    _tif(folder / "lop_phu.tif", 77)  # 77 is no class: no evidence of cover
    (folder / "lop_phu.csv").write_text("path,date\nlop_phu.tif,2025-06-30\n", encoding="utf-8")
    return standard(folder, _old_allocations(), "dec/qd.gpkg", "--landcover",
                    str(folder / "lop_phu.csv"), "--as-of", "2025-12-31")


@error("lop_phu.tif", "no coordinate system", "gdal_edit.py")
def landcover_raster_without_crs(folder):
    _tif(folder / "lop_phu.tif", 40, crs=None)
    (folder / "lop_phu.csv").write_text("path,date\nlop_phu.tif,2025-06-30\n", encoding="utf-8")
    return standard(folder, _old_allocations(), "dec/qd.gpkg", "--landcover",
                    str(folder / "lop_phu.csv"))


@error("lop_phu.tif", "rotated", "gdalwarp")
def landcover_raster_rotated(folder):
    _tif(folder / "lop_phu.tif", 40, rotated=True)
    (folder / "lop_phu.csv").write_text("path,date\nlop_phu.tif,2025-06-30\n", encoding="utf-8")
    return standard(folder, _old_allocations(), "dec/qd.gpkg", "--landcover",
                    str(folder / "lop_phu.csv"))


@error("lop_phu.tif", "without a date", "path,date", "lop_phu.tif@YYYY-MM-DD")
def landcover_option_given_a_tif(folder):
    tif = _tif(folder / "lop_phu.tif", 40)
    return standard(folder, _old_allocations(), "dec/qd.gpkg", "--landcover", str(tif))


@flagged({"unused-land": (0, 1)})
def landcover_option_given_a_tif_with_its_date(folder):
    tif = _tif(folder / "lop_phu.tif", 40)  # all cropland: the 2021 allocations look unused
    return standard(folder, _old_allocations(), "dec/qd.gpkg", "--landcover",
                    f"{tif}@2025-06-30", "--as-of", "2025-12-31")


@error("anh.tif", "--raster", "no coordinate system")
def map_raster_without_crs(folder):
    tif = _tif(folder / "anh.tif", 40, crs=None)
    return standard(folder, decisions_gdf(2), "dec/qd.gpkg", "--raster", str(tif))
