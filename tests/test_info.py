"""`landplan info` / file_info: what an official sees before a check."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import landplan
from landplan.cli import main

SAMPLE_FILES = ["plan.gpkg", "plan_2023.gpkg", "decisions/decisions.shp", "projects.gpkg",
                "corridors.gpkg"]


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_info_describes_every_sample_file(name, capsys):
    path = landplan.sample_dir() / name
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "VN-2000 / TM-3 105-30" in out and "EPSG:9209" in out
    assert "Số đối tượng" in out


def test_info_of_the_sample_decisions_finds_roles_encoding_and_counts():
    [info] = landplan.file_info(landplan.sample_dir() / "decisions" / "decisions.shp")
    assert info["features"] == 3084
    assert info["looks_like"] == "decisions"
    roles = {f["name"]: f["role"] for f in info["fields"]}
    assert roles["kyhieumucd"] == "land_use" and roles["shbando"] == "sheet"
    assert roles["shthua"] == "parcel_no" and roles["tenchu"] == "owner"
    assert roles["dientich"] == "legal_area"
    assert info["encoding"]["encoding"] == "utf-8"
    assert any(not s.isascii() for s in info["encoding"]["samples"])
    assert info["crs"]["epsg"] == 9209 and info["crs"]["problem"] is None
    lon0, lat0, lon1, lat1 = info["bounds_lonlat"]
    assert 105 < lon0 < lon1 < 107 and 20 < lat0 < lat1 < 22
    # The geometry problems planted in the sample (sample_data/ground_truth.csv): the null
    # shapes and the bow-ties, and nothing else.
    truth = pd.read_csv(landplan.sample_path("ground_truth.csv"), keep_default_na=False)
    planted = truth.loc[truth["layer"] == "decisions", "expected_rule"].value_counts()
    assert planted["empty-geometry"] == 2 and planted["invalid-geometry"] == 3
    assert info["geometry"] == {"empty": 2, "invalid": 3,
                                "invalid_reasons": {"Self-intersection": 3},
                                "non_polygon": 0, "has_z": 0}
    assert info["codes"]["column"] == "kyhieumucd" and info["codes"]["unknown"]
    assert info["area"]["compared"] > 3000


def test_info_reports_problems_of_a_messy_layer(tmp_path, capsys):
    x, y = 583_000, 2_308_000
    geoms = [shapely.box(x, y, x + 20, y + 20),
             shapely.Polygon([(x, y), (x + 20, y + 20), (x + 20, y), (x, y + 20)]),  # bowtie
             None, shapely.Point(x, y), shapely.box(x + 50, y, x + 60, y + 10)]
    layer = gpd.GeoDataFrame({"maloaidat": ["ONT", "xyz", None, "LUC", "ont"],
                              "dientich": [400.0, 200.0, 0, 0, 180.0]},
                             geometry=geoms, crs=9209)
    path = tmp_path / "thửa đất.gpkg"
    layer.set_crs(None, allow_override=True).to_file(path, engine="pyogrio")
    assert main(["info", str(path), "--json"]) == 0
    [info] = json.loads(capsys.readouterr().out)
    assert info["crs"]["name"] is None
    assert info["geometry"] == {"empty": 1, "invalid": 1,
                                "invalid_reasons": {"Self-intersection": 1},
                                "non_polygon": 1, "has_z": 0}
    assert info["codes"]["unknown"] == ["XYZ"] and info["codes"]["missing"] == 1
    assert info["area"] is None  # no CRS: no metric area to compare
    assert main(["info", str(path), "--lang", "en"]) == 0
    assert "none (no .prj)" in capsys.readouterr().out


def test_info_lists_every_layer_of_a_geopackage(plan, decisions, tmp_path):
    gpkg = tmp_path / "both.gpkg"
    plan.to_file(gpkg, layer="quy_hoach", engine="pyogrio")
    decisions.to_file(gpkg, layer="thua", engine="pyogrio")
    infos = landplan.file_info(gpkg)
    assert [(i["layer"], i["looks_like"]) for i in infos] == [("quy_hoach", "plan"),
                                                              ("thua", "decisions")]


def test_info_on_a_missing_file_exits_two(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nothing.shp"), "--lang", "en"]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["info", str(tmp_path / "nothing.shp")]) == 2
    assert "Không tìm thấy" in capsys.readouterr().err  # Vietnamese by default


def test_area_mismatch_flags_a_declared_area_far_from_the_drawing(plan, decisions):
    decisions = decisions.copy()
    decisions["dientich"] = decisions.geometry.area
    decisions.loc[0, "dientich"] = decisions.geometry.area[0] * 1.5  # 400 m² drawn, 600 declared
    decisions.loc[1, "dientich"] = decisions.geometry.area[1] + 8    # 8 m² off: within tolerance
    result = landplan.check(plan, decisions)
    hits = result.findings[result.findings["rule"] == "area-mismatch"]
    assert list(hits["source_row"]) == [0]
    assert "600" in hits["message"].iloc[0] and "400" in hits["message"].iloc[0]
    plain = landplan.check(plan, decisions.drop(columns="dientich"))
    assert list(result.decisions["status"]) == list(plain.decisions["status"])


@pytest.mark.parametrize("name,kind", [("plan.gpkg", "plan"), ("plan_2023.gpkg", "plan"),
                                       ("decisions/decisions.shp", "decisions"),
                                       ("projects.gpkg", "projects"),
                                       ("corridors.gpkg", "corridors")])
def test_info_names_the_kind_of_each_sample_layer(name, kind):
    # The sample plan has a legal area column (dientich): no reason to call it decisions.
    (info,) = landplan.file_info(landplan.sample_dir() / name)
    assert info["looks_like"] == kind


def test_info_says_which_column_it_took_for_each_role_and_the_candidates(tmp_path, capsys):
    plan = gpd.GeoDataFrame({"loaidat": ["ONT"], "MaQH": ["LUC"], "ma_xa": ["10807"]},
                            geometry=[shapely.box(583_000, 2_308_000, 583_100, 2_308_100)],
                            crs="EPSG:9209")
    path = tmp_path / "qh.gpkg"
    plan.to_file(path, engine="pyogrio")
    (info,) = landplan.file_info(path)
    assert info["looks_like"] == "plan"
    assert info["evidence"] == {"planned_code": "MaQH"}
    assert info["roles"]["land_use"] == {"column": "MaQH", "candidates": ["MaQH", "loaidat"]}
    assert main(["info", str(path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "land_use: MaQH (candidate columns: MaQH, loaidat)" in out
    assert "Looks like a layer of: plan — from MaQH (planned_code)" in out
