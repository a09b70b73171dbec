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
    assert "Self-intersection" in f["message"].iloc[0]
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
