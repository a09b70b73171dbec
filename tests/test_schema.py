"""Column mapping, kinds, dates and geometry repair in normalisation."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from landplan._dates import parse_dates
from landplan.errors import ColumnError
from landplan.schema import (
    column_aliases,
    match_columns,
    normalize_decisions,
    normalize_kinds,
    normalize_plan,
)


def test_vietnamese_cadastral_aliases_are_recognised():
    cols = ["SoHieuToBanDo", "SoThuTuThua", "KyHieuMucDichSuDung", "SoQuyetDinh",
            "NgayQuyetDinh", "HinhThuc", "MucDichCu", "MaXa"]
    mapping = match_columns(cols, column_aliases("decisions"))
    assert mapping == {"sheet": "SoHieuToBanDo", "parcel_no": "SoThuTuThua",
                       "land_use": "KyHieuMucDichSuDung", "decision_no": "SoQuyetDinh",
                       "decision_date": "NgayQuyetDinh", "kind": "HinhThuc",
                       "prev_land_use": "MucDichCu", "unit": "MaXa"}


def test_matching_survives_the_dbf_ten_character_cut_and_case():
    mapping = match_columns(["DECISION_N", "decision_d", "KYHIEUMUCD", "prev_land_"],
                            column_aliases("decisions"))
    assert mapping["decision_no"] == "DECISION_N"
    assert mapping["decision_date"] == "decision_d"
    assert mapping["land_use"] == "KYHIEUMUCD"
    assert mapping["prev_land_use"] == "prev_land_"


def test_user_overrides_win_and_bad_overrides_are_reported_together():
    mapping = match_columns(["maloaidat", "MDSD_MOI"], column_aliases("decisions"),
                            {"land_use": "MDSD_MOI"})
    assert mapping["land_use"] == "MDSD_MOI"
    with pytest.raises(ColumnError) as err:
        match_columns(["a"], column_aliases("decisions"), {"land_use": "nope", "colour": "a"})
    assert "nope" in str(err.value) and "colour" in str(err.value)


def test_missing_required_column_says_how_to_fix():
    gdf = gpd.GeoDataFrame({"foo": [1]}, geometry=[box(0, 0, 1, 1)], crs=9209)
    with pytest.raises(ColumnError) as err:
        normalize_decisions(gdf)
    assert "land_use" in str(err.value)
    assert "--decisions-column land_use=NAME" in str(err.value)


@pytest.mark.parametrize(("raw", "kind"), [
    ("Giao đất", "allocation"), ("giao dat", "allocation"), ("4", "allocation"),
    (5.0, "allocation"), ("Cho thuê đất", "lease"), ("thuê", "lease"), ("11", "lease"),
    ("Công nhận", "recognition"), ("CÔNG NHẬN QSDĐ", "recognition"), (1, "recognition"),
    ("Chuyển mục đích", "conversion"), ("CMĐ", "conversion"), ("lease", "lease"),
    ("bán", None), (None, None),
])
def test_kinds_in_vietnamese_english_and_origin_codes(raw, kind):
    assert normalize_kinds(pd.Series([raw], dtype=object)).iloc[0] == kind


def test_dates_in_the_forms_officials_write_them():
    parsed = parse_dates(pd.Series(["15/03/2023", "2023-03-15", "15-03-2023", "15.03.2023",
                                    "45000", "not a date", None], dtype=object))
    assert [d.strftime("%Y-%m-%d") if pd.notna(d) else None for d in parsed] == [
        "2023-03-15", "2023-03-15", "2023-03-15", "2023-03-15", "2023-03-15", None, None]


def test_parcel_id_is_built_from_sheet_and_parcel_number():
    gdf = gpd.GeoDataFrame({"shbando": [12.0, 3], "shthua": [345, None], "maloaidat": ["ONT"] * 2},
                           geometry=[box(0, 0, 1, 1)] * 2, crs=9209)
    out = normalize_decisions(gdf)
    assert out["parcel_id"].tolist() == ["12-345", None]


def test_unusable_geometries_are_kept_and_explained():
    gdf = gpd.GeoDataFrame({"maloaidat": ["ONT"] * 4},
                           geometry=[None, Point(0, 0), LineString([(0, 0), (1, 1)]),
                                     box(0, 0, 1, 1)], crs=9209)
    out = normalize_decisions(gdf)
    assert out["geometry_status"].tolist() == ["unusable", "unusable", "unusable", "ok"]
    assert out["geometry_note"].iloc[1] == "not a polygon but a Point"
    assert out["source_row"].tolist() == [0, 1, 2, 3]


def test_plan_gets_zone_ids_and_codes():
    gdf = gpd.GeoDataFrame({"MaQH": ["luc", "ONT"]}, geometry=[box(0, 0, 1, 1)] * 2, crs=9209)
    out = normalize_plan(gdf)
    assert out["land_use"].tolist() == ["LUC", "ONT"]
    assert out["zone_id"].tolist() == ["Z0", "Z1"]


PLANNED_CODE_NAMES = ["MD_QuyHoach", "MDQH", "MaQH", "KyHieuQH", "QH_MDSD", "LoaiDatQH",
                      "MucDichQuyHoach", "KyHieuQuyHoach", "LoaiDatQuyHoach"]


@pytest.mark.parametrize("name", PLANNED_CODE_NAMES + [n[:10] for n in PLANNED_CODE_NAMES
                                                       if len(n) > 10]
                         + [n.upper() for n in PLANNED_CODE_NAMES])
def test_plan_code_columns_named_as_plan_layers_name_them_are_found(name):
    # Also beside a present-use column: the planned code is what the plan is about.
    assert match_columns([name], column_aliases("plan"))["land_use"] == name
    assert match_columns(["loaidat", name], column_aliases("plan"))["land_use"] == name


def test_column_overrides_ignore_case_and_unicode_form():
    columns = ["MDSD_MOI", "Mục đích"]
    aliases = column_aliases("decisions")
    assert match_columns(columns, aliases, {"land_use": "mdsd_moi"})["land_use"] == "MDSD_MOI"
    nfd = "mu\u0323c đi\u0301ch"
    assert match_columns(columns, aliases, {"land_use": nfd})["land_use"] == "Mục đích"
    with pytest.raises(ColumnError, match="not in the layer"):
        match_columns(["Ab", "AB"], aliases, {"land_use": "ab"})  # which one?
