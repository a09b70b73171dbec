"""Current use against the plan (landplan.currentuse and ``landplan check --current-use``).

The plan is conftest's: LUC [0,100]×[0,200] and ONT [100,300]×[0,200] in unit 10807, the
DGT road [0,300]×[200,210] in unit 10810. Every expectation below is worked out by hand
from the boxes and from the compatibility table (landplan/data/compatibility.csv: the pair
``OTC,CLN`` lets a garden stay in a residential zone; nothing lets CLN into LUC or DGT).
Tolerances are the defaults: beyond 5 % of the parcel AND beyond 20 m².
"""

from __future__ import annotations

import codecs

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from landplan.cli import main
from landplan.currentuse import (
    CURRENT_USE_COLUMNS,
    compare_current_use,
    current_use_progress,
    current_use_summary,
)

from .conftest import at

PARCELS = {
    # name: (current code, box in local coordinates) -> hand-derived expectation
    "garden_on_road": ("CLN", box(20, 200, 40, 210)),     # 200 m² all in DGT: change 200
    "village": ("ONT", box(150, 10, 170, 30)),            # 400 m² in ONT: consistent
    "village_garden": ("ONT+CLN", box(200, 10, 220, 30)),  # ONT ok, CLN ok (OTC,CLN)
    "half_rice": ("ONT", box(80, 50, 120, 70)),           # 800 m²: 400 in LUC = change
    "outside": ("ONT", box(400, 0, 420, 20)),             # outside the plan: 400 unjudged
    "unknown": ("XYZ", box(150, 100, 160, 110)),          # code not in the registry: 100
    "garden_in_village": ("CLN", box(250, 100, 270, 120)),  # 400 m², allowed (OTC,CLN)
}


def _parcels(codes: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    names = list(PARCELS)
    codes = codes or {}
    return gpd.GeoDataFrame(
        {"loaidat": [codes.get(n, PARCELS[n][0]) for n in names],
         "soto": ["7"] * len(names), "sothua": [str(i + 1) for i in range(len(names))]},
        geometry=[at(PARCELS[n][1]) for n in names], crs="EPSG:9209")


def _row(result: gpd.GeoDataFrame, name: str) -> pd.Series:
    return result.iloc[list(PARCELS).index(name)]


@pytest.fixture
def result(plan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return compare_current_use(plan, _parcels(), lang="en")


def test_one_row_per_parcel_in_input_order_with_the_documented_columns(result):
    assert list(result.columns) == [*CURRENT_USE_COLUMNS, "geometry"]
    assert result["source_row"].tolist() == list(range(len(PARCELS)))
    assert result["parcel_id"].tolist() == [f"7-{i + 1}" for i in range(len(PARCELS))]


@pytest.mark.parametrize(("name", "status", "consistent", "change", "unjudged", "planned"), [
    ("garden_on_road", "planned_change", 0, 200, 0, "DGT"),
    ("village", "consistent", 400, 0, 0, "ONT"),
    ("village_garden", "consistent", 400, 0, 0, "ONT"),
    ("half_rice", "planned_change", 400, 400, 0, "LUC, ONT"),
    ("outside", "cannot_judge", 0, 0, 400, None),
    ("unknown", "cannot_judge", 0, 0, 100, "ONT"),
    ("garden_in_village", "consistent", 400, 0, 0, "ONT"),
])
def test_each_parcel_is_judged_as_worked_out_by_hand(result, name, status, consistent, change,
                                                     unjudged, planned):
    row = _row(result, name)
    assert row["status"] == status
    assert row["consistent_area_m2"] == pytest.approx(consistent)
    assert row["change_area_m2"] == pytest.approx(change)
    assert row["unjudged_area_m2"] == pytest.approx(unjudged)
    assert (row["planned_land_use"] if isinstance(row["planned_land_use"], str)
            else None) == planned


def test_cannot_judge_says_why_and_the_others_have_no_reason(result):
    assert _row(result, "outside")["reason"] == "Outside the plan beyond the tolerance"
    assert _row(result, "unknown")["reason"] == "Current land-use code not in the code list"
    judged = result[result["status"] != "cannot_judge"]
    assert judged["reason"].isna().all()


def test_a_change_within_the_tolerance_is_consistent(plan):
    # both tolerances must be passed: 19 m² (1 m × 19 m, 5 %) is not, 40 m² (10 %) is
    parcels = gpd.GeoDataFrame({"loaidat": ["ONT", "ONT"]}, geometry=[
        at(box(99, 100, 119, 119)),   # 19 m² in LUC (≤ 20 m²): consistent
        at(box(98, 120, 118, 140))],  # 40 m² in LUC, 10 %: planned change
        crs="EPSG:9209")
    out = compare_current_use(plan, parcels)
    assert out["status"].tolist() == ["consistent", "planned_change"]
    assert out["change_area_m2"].tolist() == pytest.approx([19, 40])


def test_a_missing_code_and_an_unusable_geometry_cannot_be_judged(plan):
    parcels = gpd.GeoDataFrame({"loaidat": [None, "ONT"], "soto": ["1", "1"],
                                "sothua": ["1", "2"]},
                               geometry=[at(box(150, 10, 160, 20)), None], crs="EPSG:9209")
    out = compare_current_use(plan, parcels, lang="en")
    assert out["status"].tolist() == ["cannot_judge", "cannot_judge"]
    assert out["reason"].tolist() == ["No current land-use code", "Unusable parcel geometry"]


def test_summary_rows_and_totals(result):
    s = current_use_summary(result).fillna("")
    cols = ["consistent_area_m2", "change_area_m2", "unjudged_area_m2"]
    total = s[s["dimension"] == "total"].iloc[0]
    assert total["parcels"] == 7
    assert total[cols].tolist() == pytest.approx([1600, 600, 500])
    units = s[s["dimension"] == "unit"].set_index("unit")
    # the unit is the zone's the parcel lies in most; outside the plan: none
    assert units.loc["10807", "parcels"] == 5
    assert units.loc["10807", cols].tolist() == pytest.approx([1600, 400, 100])
    assert units.loc["10810", cols].tolist() == pytest.approx([0, 200, 0])
    assert units.loc["", cols].tolist() == pytest.approx([0, 0, 400])
    codes = s[s["dimension"] == "code"].set_index(["unit", "current", "planned"])
    assert codes.loc[("10810", "CLN", "DGT"), "change_area_m2"] == pytest.approx(200)
    assert codes.loc[("10807", "ONT", "LUC"), "change_area_m2"] == pytest.approx(400)
    assert codes.loc[("10807", "ONT", "ONT"), "parcels"] == 2  # village and half_rice
    assert codes.loc[("10807", "ONT", "ONT"), "consistent_area_m2"] == pytest.approx(800)
    assert codes.loc[("10807", "ONT+CLN", "ONT"), "consistent_area_m2"] == pytest.approx(400)
    assert codes.loc[("10807", "XYZ", "ONT"), "unjudged_area_m2"] == pytest.approx(100)
    groups = s[s["dimension"] == "group"].set_index(["unit", "current", "planned"])
    assert groups.loc[("10807", "non-agricultural", "agricultural"),
                      "change_area_m2"] == pytest.approx(400)
    assert groups.loc[("10810", "agricultural", "non-agricultural"),
                      "change_area_m2"] == pytest.approx(200)
    # every dimension adds up to the total
    for dim in ("unit", "code", "group"):
        assert s.loc[s["dimension"] == dim, cols].sum().tolist() == pytest.approx(
            [1600, 600, 500])
    assert list(s["dimension"].unique()) == ["total", "unit", "group", "code"]
    assert s.equals(current_use_summary(result).fillna(""))  # deterministic


def test_progress_counts_what_the_later_map_shows_in_the_planned_use(plan, result):
    # later: the road is built on the garden; the half in rice is still a dwelling
    after = compare_current_use(plan, _parcels({"garden_on_road": "DGT"}))
    p = current_use_progress(result, after).set_index(["unit", "current", "planned"])
    assert p.loc[("10810", "CLN", "DGT"), "realised_area_m2"] == pytest.approx(200)
    assert p.loc[("10810", "CLN", "DGT"), "realised_pct"] == pytest.approx(100)
    assert p.loc[("10807", "ONT", "LUC"), "realised_area_m2"] == pytest.approx(0)
    total = p.loc[("", "", "")]
    assert total["change_area_m2"] == pytest.approx(600)
    assert total["realised_pct"] == pytest.approx(100 * 200 / 600)


def test_progress_overlays_the_later_parcels_not_the_earlier_ones(plan, result):
    # later the half-rice parcel is split on the zone edge; its LUC half is rice again
    later = _parcels()
    later = pd.concat([later, gpd.GeoDataFrame(
        {"loaidat": ["LUC"], "soto": ["7"], "sothua": ["99"]},
        geometry=[at(box(80, 50, 100, 70))], crs="EPSG:9209")], ignore_index=True)
    later.loc[list(PARCELS).index("half_rice"), "geometry"] = at(box(100, 50, 120, 70))
    after = compare_current_use(plan, later)
    p = current_use_progress(result, after).set_index(["unit", "current", "planned"])
    assert p.loc[("10807", "ONT", "LUC"), "realised_area_m2"] == pytest.approx(400)
    assert p.loc[("", "", ""), "realised_pct"] == pytest.approx(100 * 400 / 600)


def _write_inputs(tmp_path, plan, parcels):
    plan_path, parcels_path = tmp_path / "plan.gpkg", tmp_path / "hien_trang.gpkg"
    plan.to_file(plan_path)
    parcels.to_file(parcels_path)
    return plan_path, parcels_path


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_cli_reads_a_layer_without_kind_as_current_use(tmp_path, plan, capsys, lang):
    plan_path, parcels_path = _write_inputs(tmp_path, plan, _parcels())
    out = tmp_path / "out"
    code = main(["check", "--plan", str(plan_path), "--decisions", str(parcels_path),
                 "--out", str(out), "--lang", lang])
    assert code == 0
    printed = capsys.readouterr()
    text = (printed.out + printed.err).lower()
    assert "hiện trạng" in text or "current use" in text
    assert "violation" not in text and "vi phạm" not in text
    names = sorted(p.name for p in out.iterdir())
    assert names == ["current_use.csv", "current_use.gpkg", "current_use_summary.csv"]
    raw = (out / "current_use.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    table = pd.read_csv(out / "current_use.csv", encoding="utf-8-sig", dtype={"unit": str})
    assert table["status"].tolist() == ["planned_change", "consistent", "consistent",
                                        "planned_change", "cannot_judge", "cannot_judge",
                                        "consistent"]
    for name in ("current_use.csv", "current_use_summary.csv"):
        assert "violation" not in (out / name).read_text(encoding="utf-8-sig").lower()
    assert len(gpd.read_file(out / "current_use.gpkg", layer="current_use")) == 7


def test_cli_progress_with_an_earlier_map(tmp_path, plan, capsys):
    plan_path, before_path = _write_inputs(tmp_path, plan, _parcels())
    after_path = tmp_path / "hien_trang_2025.gpkg"
    _parcels({"garden_on_road": "DGT"}).to_file(after_path)
    out = tmp_path / "out"
    assert main(["check", "--plan", str(plan_path), "--decisions", str(after_path),
                 "--current-use-before", str(before_path), "--out", str(out)]) == 0
    capsys.readouterr()
    progress = pd.read_csv(out / "current_use_progress.csv", encoding="utf-8-sig",
                           keep_default_na=False, dtype={"unit": str})
    total = progress[progress["unit"] == ""].iloc[0]
    assert total["change_area_m2"] == pytest.approx(600)
    assert total["realised_area_m2"] == pytest.approx(200)
    assert total["realised_pct"] == pytest.approx(33.33)


def test_cli_current_use_option_forces_the_mode_on_a_decisions_layer(tmp_path, plan, decisions,
                                                                     capsys):
    plan_path, dec_path = _write_inputs(tmp_path, plan, decisions)
    out = tmp_path / "out"
    assert main(["check", "--plan", str(plan_path), "--decisions", str(dec_path),
                 "--current-use", "--out", str(out)]) == 0
    assert "violation" not in capsys.readouterr().out.lower()
    assert (out / "current_use.csv").exists() and not (out / "findings.csv").exists()


def test_cli_a_layer_with_decision_dates_but_no_kind_is_still_checked(tmp_path, plan, decisions,
                                                                       capsys):
    plan_path, dec_path = _write_inputs(tmp_path, plan, decisions.drop(columns="hinh_thuc"))
    out = tmp_path / "out"
    assert main(["check", "--plan", str(plan_path), "--decisions", str(dec_path), "--no-map",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    assert (out / "findings.csv").exists() and not (out / "current_use.csv").exists()
