"""The zoning check on the hard geometric cases."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

import landplan
from landplan import CheckConfig

from .conftest import CASES


@pytest.fixture
def result(plan, decisions):
    return landplan.check(plan, decisions, config=CheckConfig(lang="en"))


def status(result, case):
    return result.decisions.loc[list(CASES).index(case), "status"]


def findings_of(result, case):
    f = result.findings
    return f[f["source_row"] == list(CASES).index(case)]


def test_every_decision_appears_once_in_input_order(result, decisions):
    assert list(result.decisions["source_row"]) == list(range(len(decisions)))


def test_parcel_wholly_inside_a_compatible_zone_is_compliant(result):
    assert status(result, "inside_ok") == "compliant"
    assert findings_of(result, "inside_ok").empty


def test_residential_parcel_in_rice_zone_is_a_violation(result):
    assert status(result, "inside_conflict") == "violation"
    f = findings_of(result, "inside_conflict")
    assert list(f["rule"]) == ["zoning-conflict"]
    assert f["planned_land_use"].iloc[0] == "LUC"
    assert f["conflict_area_m2"].iloc[0] == pytest.approx(400.0)
    assert f["conflict_pct"].iloc[0] == pytest.approx(100.0)


def test_parcel_exactly_on_a_zone_boundary_is_compliant(result):
    assert status(result, "on_boundary") == "compliant"
    assert result.decisions.loc[list(CASES).index("on_boundary"), "conflict_area_m2"] == 0


def test_three_percent_sliver_is_compliant_but_measured(result):
    row = result.decisions.loc[list(CASES).index("sliver_3pct")]
    assert row["status"] == "compliant"
    assert row["conflict_area_m2"] == pytest.approx(30.0)
    assert row["conflict_pct"] == pytest.approx(3.0)


def test_forty_percent_conflict_is_a_violation_with_its_part_as_geometry(result):
    assert status(result, "conflict_40pct") == "violation"
    f = findings_of(result, "conflict_40pct")
    assert f["conflict_pct"].iloc[0] == pytest.approx(40.0)
    assert shapely.area(f.geometry.iloc[0]) == pytest.approx(800.0)
    row = result.decisions.loc[list(CASES).index("conflict_40pct")]
    assert row["planned_land_use"] == "ONT"  # dominant planned use: 60 % ONT


def test_multipart_parcel_with_one_part_in_conflict_is_a_violation(result):
    assert status(result, "multipart") == "violation"
    f = findings_of(result, "multipart")
    assert f["conflict_area_m2"].iloc[0] == pytest.approx(100.0)
    assert f["conflict_pct"].iloc[0] == pytest.approx(20.0)


def test_hole_is_not_counted_as_conflict(result):
    # Without its hole the parcel would have 150 m² (14 %) in the rice zone.
    row = result.decisions.loc[list(CASES).index("hole")]
    assert row["area_m2"] == pytest.approx(35 * 30 - 4.5 * 29)
    assert row["conflict_area_m2"] == pytest.approx(5 * 30 - 4.5 * 29)
    assert row["status"] == "compliant"


def test_self_intersecting_parcel_is_repaired_and_reported(result):
    f = findings_of(result, "bowtie")
    assert list(f["rule"]) == ["invalid-geometry"]
    assert "self-intersection at (" in f["message"].iloc[0]
    row = result.decisions.loc[list(CASES).index("bowtie")]
    assert row["status"] == "compliant"
    assert row["geometry_status"] == "repaired"
    assert row["area_m2"] == pytest.approx(200.0)


def test_parcel_outside_the_plan_is_unchecked_with_a_reason(result):
    row = result.decisions.loc[list(CASES).index("outside")]
    assert row["status"] == "unchecked"
    assert "outside" in row["reason"]
    assert list(findings_of(result, "outside")["rule"]) == ["no-plan-coverage"]


def test_unknown_code_is_unchecked_not_dropped(result):
    row = result.decisions.loc[list(CASES).index("unknown_code")]
    assert row["status"] == "unchecked"
    assert "XYZ" in row["reason"]
    assert list(findings_of(result, "unknown_code")["rule"]) == ["unknown-code"]


def test_multi_purpose_and_lower_case_codes_are_understood(result):
    assert status(result, "multi_purpose_ok") == "compliant"
    row = result.decisions.loc[list(CASES).index("lower_case")]
    assert row["land_use"] == "ONT"
    assert row["status"] == "compliant"


def test_tolerances_are_configurable(plan, decisions):
    strict = landplan.check(plan, decisions, config=CheckConfig(tolerance_pct=1, tolerance_m2=1))
    assert strict.decisions.loc[list(CASES).index("sliver_3pct"), "status"] == "violation"


def test_decisions_in_wgs84_give_the_same_results_as_in_vn2000(plan, decisions):
    base = landplan.check(plan, decisions)
    moved = landplan.check(plan, decisions.to_crs(4326))
    assert list(moved.decisions["status"]) == list(base.decisions["status"])
    assert list(moved.findings["rule"]) == list(base.findings["rule"])
    np.testing.assert_allclose(moved.decisions["conflict_area_m2"],
                               base.decisions["conflict_area_m2"], rtol=1e-3, atol=1e-3)


def test_plan_in_lon_lat_is_checked_in_the_nearest_vn2000_tm3_zone(plan, decisions):
    result = landplan.check(plan.to_crs(4326), decisions)
    # The district lies at 106.3°E: the nearest TM-3 central meridian is 106°15'.
    assert result.decisions.crs.to_epsg() == 9212
    assert status(result, "inside_conflict") == "violation"


def test_inputs_are_not_modified(plan, decisions):
    before_plan, before_dec = plan.copy(), decisions.copy()
    landplan.check(plan, decisions)
    assert plan.equals(before_plan)
    assert decisions.equals(before_dec)


def test_messages_follow_the_chosen_language(plan, decisions):
    vi = landplan.check(plan, decisions, config=CheckConfig(lang="vi"))
    en = landplan.check(plan, decisions, config=CheckConfig(lang="en"))
    row = list(CASES).index("inside_conflict")
    assert "quy hoạch" in vi.findings.loc[vi.findings["source_row"] == row, "message"].iloc[0]
    assert "plan designates" in en.findings.loc[en.findings["source_row"] == row,
                                                "message"].iloc[0]


def test_plan_zone_with_unknown_code_makes_its_part_unchecked(plan, decisions):
    plan = plan.copy()
    plan.loc[0, "maloaidat"] = "ZZZ"  # the rice zone loses its code
    result = landplan.check(plan, decisions, config=CheckConfig(lang="en"))
    row = list(CASES).index("inside_conflict")  # wholly in that zone
    assert result.decisions.loc[row, "status"] == "unchecked"
    f = result.findings[result.findings["source_row"] == row]
    assert list(f["rule"]) == ["unknown-plan-code"]
    assert "ZZZ" in f["message"].iloc[0]
    half = list(CASES).index("conflict_40pct")  # 40 % in that zone, 60 % in ONT
    assert result.decisions.loc[half, "status"] == "compliant"
    assert "unknown-plan-code" in set(result.findings.loc[result.findings["source_row"] == half,
                                                          "rule"])


def test_disabled_rule_produces_no_findings_and_required_rules_cannot_be_disabled(plan,
                                                                                  decisions):
    config = CheckConfig(rules={"invalid-geometry": {"enabled": False}})
    result = landplan.check(plan, decisions, config=config)
    assert "invalid-geometry" not in set(result.findings["rule"])
    with pytest.raises(landplan.ConfigError, match="cannot be disabled"):
        CheckConfig(rules={"unknown-code": {"enabled": False}})


def test_severity_can_be_configured(plan, decisions):
    config = CheckConfig(rules={"zoning-conflict": {"severity": "critical"}})
    result = landplan.check(plan, decisions, config=config)
    row = list(CASES).index("inside_conflict")
    assert result.decisions.loc[row, "max_severity"] == "critical"


def test_config_file_errors_are_gathered(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('lang = "fr"\ntolerance_pct = 120\n[rules.nope]\nenabled = false\n')
    with pytest.raises(landplan.ConfigError) as err:
        landplan.load_config(path)
    text = str(err.value)
    assert "lang" in text and "tolerance_pct" in text and "nope" in text


# --- overlapping plan zones and holes (expected areas derived from the boxes) ---------------

def _plan_of(*zones):
    import geopandas as gpd
    from shapely.geometry import box

    from .conftest import at

    return gpd.GeoDataFrame({"maloaidat": [code for code, _ in zones]},
                            geometry=[at(box(*b)) for _, b in zones], crs="EPSG:9209")


def _one(code, b, kind="Giao đất"):
    import geopandas as gpd
    from shapely.geometry import box

    from .conftest import at

    return gpd.GeoDataFrame({"so_qd": ["1/QĐ"], "ngay_qd": ["15/03/2023"], "hinh_thuc": [kind],
                             "kyhieumucd": [code]}, geometry=[at(box(*b))], crs="EPSG:9209")


def _check(plan, decisions):
    return landplan.check(plan, decisions, config=CheckConfig(lang="en"))


def _plan_findings(result, rule):
    f = result.findings
    return f[(f["layer"] == "plan") & (f["rule"] == rule)]


def test_a_duplicated_zone_counts_once_and_is_reported():
    # ONT [100,300]×[0,200] twice; a LUC parcel of 20×20 = 400 m² inside it
    plan = _plan_of(("LUC", (0, 0, 100, 200)), ("ONT", (100, 0, 300, 200)),
                    ("ONT", (100, 0, 300, 200)))
    result = _check(plan, _one("LUC", (120, 20, 140, 40)))
    row = result.decisions.iloc[0]
    assert row["conflict_area_m2"] == pytest.approx(400.0)
    assert row["conflict_pct"] == pytest.approx(100.0)  # not 200 %
    conflict = result.findings[result.findings["rule"] == "zoning-conflict"]
    assert conflict["conflict_area_m2"].tolist() == pytest.approx([400.0])
    summary = landplan.summarize(result)
    total = summary[summary["dimension"] == "total"]["conflict_area_m2"].item()
    assert total == pytest.approx(400.0)
    overlap = _plan_findings(result, "plan-overlap")
    assert overlap["conflict_area_m2"].tolist() == pytest.approx([200.0 * 200.0])
    assert overlap["source_row"].tolist() == [1]
    assert "as part of zone Z1 (ONT)" in overlap["message"].item()
    assert "same code" in overlap["message"].item()
    assert overlap.iloc[0].geometry.area == pytest.approx(40_000.0)


def test_a_duplicate_with_another_code_goes_to_the_first_zone_listed():
    plan = _plan_of(("ONT", (100, 0, 300, 200)), ("LUC", (100, 0, 300, 200)))
    result = _check(plan, _one("ONT", (120, 20, 140, 40)))
    assert result.decisions.loc[0, "status"] == "compliant"
    assert result.decisions.loc[0, "planned_land_use"] == "ONT"
    overlap = _plan_findings(result, "plan-overlap")
    assert "different codes" in overlap["message"].item()
    assert overlap["planned_land_use"].item() == "ONT, LUC"


def test_a_zone_drawn_inside_another_designates_its_part():
    # a DGD inset [150,250]×[50,150] drawn on top of ONT without a hole; a LUC parcel
    # [140,160]×[60,80]: 10×20 = 200 m² in the inset, 200 m² in the rest of ONT
    plan = _plan_of(("ONT", (100, 0, 300, 200)), ("DGD", (150, 50, 250, 150)))
    result = _check(plan, _one("LUC", (140, 60, 160, 80)))
    assert result.decisions.loc[0, "conflict_pct"] == pytest.approx(100.0)  # not 150 %
    conflict = result.findings[result.findings["rule"] == "zoning-conflict"]
    assert dict(zip(conflict["planned_land_use"], conflict["conflict_area_m2"],
                    strict=True)) == pytest.approx({"DGD": 200.0, "ONT": 200.0})
    overlap = _plan_findings(result, "plan-overlap")
    assert overlap["conflict_area_m2"].tolist() == pytest.approx([100.0 * 100.0])
    assert "zone Z1 (DGD)" in overlap["message"].item()


def test_a_sliver_between_neighbours_goes_to_the_smaller_zone():
    # LUC [0,101] (20,200 m²) overlaps ONT [100,300] (40,000 m²) on a 1 m strip (200 m²),
    # given to LUC; a LUC parcel [90,110]×[20,40] conflicts on [101,110]×[20,40] = 180 m²
    plan = _plan_of(("LUC", (0, 0, 101, 200)), ("ONT", (100, 0, 300, 200)))
    result = _check(plan, _one("LUC", (90, 20, 110, 40)))
    assert result.decisions.loc[0, "conflict_area_m2"] == pytest.approx(180.0)
    assert result.decisions.loc[0, "conflict_pct"] == pytest.approx(45.0)
    overlap = _plan_findings(result, "plan-overlap")
    assert overlap["conflict_area_m2"].tolist() == pytest.approx([200.0])
    assert "zone Z0 (LUC)" in overlap["message"].item()


def test_shares_never_exceed_the_parcel_with_three_zones_on_one_place():
    # the same 100×100 place drawn three times (ONT, DGD, TMD) plus a larger ONT around it
    plan = _plan_of(("ONT", (100, 0, 300, 200)), ("DGD", (150, 50, 250, 150)),
                    ("TMD", (150, 50, 250, 150)), ("DGD", (150, 50, 250, 150)))
    result = _check(plan, _one("LUC", (160, 60, 180, 80)))
    assert result.decisions.loc[0, "conflict_area_m2"] == pytest.approx(400.0)
    assert len(_plan_findings(result, "plan-overlap")) == 6  # every pair of the four


def test_versions_do_not_overlap_each_other():
    plan = landplan.plan_versions({"2020-12-31": _plan_of(("ONT", (100, 0, 300, 200))),
                                   "2023-07-01": _plan_of(("ONT", (100, 0, 300, 200)))})
    result = _check(plan, _one("ONT", (120, 20, 140, 40)))
    assert _plan_findings(result, "plan-overlap").empty


def test_a_hole_inside_the_plan_is_a_plan_gap_and_an_open_notch_is_not():
    import geopandas as gpd
    from shapely.geometry import Polygon

    from .conftest import at

    ring = [(100, 0), (300, 0), (300, 200), (100, 200)]
    hole = [(200, 100), (220, 100), (220, 120), (200, 120)]  # 400 m²
    tiny = [(250, 50), (250.5, 50), (250.5, 51), (250, 51)]  # 0.5 m²: below min_area_m2
    plan = gpd.GeoDataFrame({"maloaidat": ["LUC", "ONT"]},
                            geometry=[at(Polygon([(0, 0), (98, 0), (98, 200), (0, 200)])),
                                      at(Polygon(ring, [hole, tiny]))], crs="EPSG:9209")
    result = _check(plan, _one("ONT", (120, 20, 140, 40)))
    gaps = _plan_findings(result, "plan-gap")
    assert gaps["conflict_area_m2"].tolist() == pytest.approx([400.0])
    assert "hole of 400.0 m²" in gaps["message"].item()
