"""Corpus: values as officials type them — dates, numbers, side-table CSVs, configuration.

Classes of input covered:

* dates day first in every place a user gives one: ``--plan FILE@01/07/2023``,
  ``--plan-start``, a configuration's bare years (``plan_start = 2021``) and day-first text;
  option dates that are not dates (``@2023-13-45``, ``@hôm nay``);
* out-of-range dates in one record (``15/03/0203``, ``31/12/9999``, year 1500, a GeoPackage
  ``0001-01-01``): that record's ``missing-date``, never a stopped run;
* numbers with a decimal comma and thousands dots in legal areas (``3.240,5``, ``1.234``,
  ``3 240,5``) and quota tables;
* quota CSVs as Excel saves them in a Vietnamese locale (BOM, ``;``, Windows-1258, decimal
  comma), a decimal comma splitting a comma-separated row, empty and header-only CSVs;
* configuration values of the wrong type or range (``nan``, ``enabled = "false"``, quoted
  numbers) in the file and the options, reported together; a TOML file with a UTF-8 BOM;
* annual-plan project years written ``Năm 2023``; quota rows that match no code or unit.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from .corpus import (
    at,
    cell,
    cp1258,
    decisions_gdf,
    error,
    flagged,
    standard,
    write,
    write_plan,
)

# --------------------------------------------------------------------------- option dates


@flagged({"no-plan-version": (0,)})
def plan_approval_date_day_first(folder):
    # 01/07/2023 is 1 July: a decision of 15/03/2023 predates the plan (month first it would not).
    args = standard(folder, decisions_gdf(2, ngay_qd=["15/03/2023", "15/08/2023"]))
    args["args"][1] += "@01/07/2023"
    return args


@flagged({"outside-plan-period": (0,)})
def plan_start_option_day_first(folder):
    dec = decisions_gdf(2, ngay_qd=["15/01/2023", "15/03/2023"])
    return standard(folder, dec, "dec/qd.shp", "--plan-start", "01/02/2023")


@error("2023-13-45", "hôm nay", "dd/mm/yyyy", "yyyy-mm-dd")
def plan_dates_that_are_not_dates(folder):
    plan = write_plan(folder)
    other = write_plan(folder, name="plan_2023.gpkg")
    path = write(decisions_gdf(2), folder / "dec" / "qd.shp")
    return {"args": ["--plan", f"{plan}@2023-13-45", "--plan", f"{other}@hôm nay",
                     "--decisions", str(path)], "records": None}


@error("--as-of", "1945", "--plan-end", "dd/mm/yyyy")
def option_dates_out_of_range_or_a_year_where_a_day_is_needed(folder):
    return standard(folder, decisions_gdf(2), "dec/qd.shp", "--as-of", "2025",
                    "--plan-end", "31/12/9999")


# --------------------------------------------------------------------------- record dates

@flagged({"missing-date": (0, 1, 2, 3)}, statuses={4: "compliant"},
         values={(4, "decision_date"): "2023-03-15"})
def out_of_range_dates_are_missing_dates(folder):
    dates = ["15/03/0203", "31/12/9999", "01/01/1500", "0001-01-01", "15/03/2023"]
    return standard(folder, decisions_gdf(len(dates), ngay_qd=dates))


@flagged({"missing-date": (0,)}, values={(1, "decision_date"): "2023-03-15"})
def geopackage_date_field_of_year_one(folder):
    dec = decisions_gdf(2)
    dec["ngay_qd"] = pd.Series(np.array(["0001-01-01", "2023-03-15"], dtype="datetime64[s]"))
    return standard(folder, dec, "dec/qd.gpkg")


# --------------------------------------------------------------------------- legal areas

@flagged({"area-mismatch": (1, 3, 4, 5)})
def legal_areas_with_decimal_comma_and_thousands_dots(folder):
    # Every parcel is 18 m × 18 m = 324 m².
    areas = ["324,0", "3.240,5", "324", "1.234", "3 240,5", "32.400"]
    return standard(folder, decisions_gdf(len(areas), DienTich=areas))


@flagged({"area-mismatch": (1,)})
def legal_areas_written_the_english_way(folder):
    # The column writes decimals with a point (324.5), so 324.000 is 324 (not 324 000) and
    # 1,234.0 is 1234.
    areas = ["324.5", "1,234.0", "324.000"]
    return standard(folder, decisions_gdf(len(areas), DienTich=areas))


# --------------------------------------------------------------------------- quota CSVs

def _conversions(n: int = 3, **columns: object) -> gpd.GeoDataFrame:
    return decisions_gdf(n, hinh_thuc=["Chuyển mục đích"] * n, md_cu=["LUC"] * n, **columns)


def _with_quotas(folder, data: bytes, dec: gpd.GeoDataFrame | None = None) -> dict:
    args = standard(folder, _conversions() if dec is None else dec)
    quotas = folder / "chi_tieu.csv"
    quotas.write_bytes(data)
    args["args"] += ["--quotas", str(quotas)]
    return args


@flagged({"quota-exceeded": (1, 2)})
def quota_csv_from_vietnamese_excel(folder):
    # 3 × 324 m² = 0.0324, 0.0648, 0.0972 ha against 0,05 ha.
    return _with_quotas(folder, "\ufeffUnit;From;To;Quota_ha\r\n*;LUA;non-agricultural;0,05\r\n"
                        ";;;\r\n".encode())


@flagged({"quota-exceeded": (0, 1, 2)})
def quota_csv_in_cp1258_with_semicolons(folder):
    dec = _conversions(ma_xa=["Gia Lộc"] * 3)
    data = b"sep=;\r\nunit;from;to;quota_ha\r\n" + cp1258("Gia Lộc") + b";LUA;ONT;0,03\r\n"
    return _with_quotas(folder, data, dec)


@error("chi_tieu.csv", "line 2", '";"')
def quota_csv_with_decimal_comma_in_a_comma_separated_file(folder):
    return _with_quotas(folder, b"unit,from,to,quota_ha\n*,LUA,ONT,0,05\n")


@error("chi_tieu.csv", "empty")
def empty_quota_csv(folder):
    return _with_quotas(folder, b"\xef\xbb\xbf\r\n")


@error("chi_tieu.csv", "no rows")
def quota_csv_with_a_header_only(folder):
    return _with_quotas(folder, b"unit,from,to,quota_ha\n")


@flagged({"quota-unmatched": None, "quota-exceeded": (1, 2)})
def quota_rows_that_match_nothing(folder):
    data = ("unit,from,to,quota_ha\n*,LUA,non-agricultural,0.05\n*,LUAX,ONT,1\n"
            "Xã Không Có,LUA,ONT,1\n").encode()
    return _with_quotas(folder, data)


# --------------------------------------------------------------------------- configuration

@error("tolerance_pct", "without quotes", "rules.unknown-kind.enabled", "true or false",
       "rules.stale-plan-item.years", "--tolerance-m2", "finite")
def configuration_values_of_the_wrong_type_reported_together(folder):
    config = folder / "landplan.toml"
    config.write_text('tolerance_pct = "5"\n[rules.unknown-kind]\nenabled = "false"\n'
                      '[rules.stale-plan-item]\nyears = "2"\n', encoding="utf-8")
    return standard(folder, decisions_gdf(2), "dec/qd.shp", "--config", str(config),
                    "--tolerance-m2", "nan")


@error("--tolerance-m2", "finite")
def tolerance_option_nan(folder):
    dec = decisions_gdf(1, geometry=[box(20, 20, 40, 40)])  # wholly in rice land
    return standard(folder, dec, "dec/qd.shp", "--tolerance-m2", "nan")


@flagged({"outside-plan-period": (0, 3)})
def configuration_with_bom_and_bare_years(folder):
    config = folder / "landplan.toml"
    config.write_bytes("\ufeffplan_start = 2021\nplan_end = 2022\n".encode())
    dates = ["31/12/2020", "01/01/2021", "31/12/2022", "01/01/2023"]
    return standard(folder, decisions_gdf(4, ngay_qd=dates), "dec/qd.shp", "--config",
                    str(config))


@flagged({"outside-plan-period": (1,)})
def configuration_dates_day_first(folder):
    config = folder / "landplan.toml"
    config.write_text('plan_end = "01/02/2023"\n', encoding="utf-8")
    dec = decisions_gdf(2, ngay_qd=["15/01/2023", "15/03/2023"])
    return standard(folder, dec, "dec/qd.shp", "--config", str(config))


# --------------------------------------------------------------------------- projects

@flagged({"stale-plan-item": None, "project-year-unreadable": None})
def project_years_written_as_text(folder):
    projects = gpd.GeoDataFrame(
        {"ten_da": ["Khu dân cư A", "Khu dân cư B"], "nam": ["Năm 2021", "2021-2025"],
         "maloaidat": ["ONT", "ONT"]},
        geometry=[at(box(200, 100, 290, 190)), at(box(200, 10, 290, 90))], crs="EPSG:9209")
    path = write(projects, folder / "du_an.gpkg")
    args = standard(folder, decisions_gdf(2, geometry=[cell(0), cell(1)]), "dec/qd.shp",
                    "--projects", str(path), "--as-of", "31/12/2025")
    return args

