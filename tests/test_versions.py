"""Plan versions (issue 16): decisions before the first version, the plan period as a note,
and adjustments that legalise earlier violations.

The plan of conftest: LUC rice [0,100]×[0,200] (unit 10807), ONT village [100,300]×[0,200]
(10807), DGT road [0,300]×[200,210] (10810). The adjustment of 2023-07-01 makes the rice zone
(row 0) village land (ONT); every expectation below is worked out from those boxes.
"""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest
from shapely.geometry import box

import landplan
from landplan import CheckConfig
from landplan.excel import write_xlsx
from landplan.plandiff import adjustment_summary, plan_adjustments, plan_diff_summary

from .conftest import at
from .test_rules import decisions_of, rules_of, run

LEGALISES = "adjustment-legalises-violation"


def legalising(result):
    f = result.findings
    return f[f["rule"] == LEGALISES].reset_index(drop=True)


# --- item 1: before the first version ------------------------------------------------------

def test_a_decision_dated_before_the_first_version_is_unchecked_with_the_fix(versions):
    # ONT in the rice zone: the base plan would call it a violation, but it predates it
    d = decisions_of({"date": "15/12/2020", "kind": "Công nhận", "geom": box(20, 20, 40, 40)})
    result = run(versions, d)
    row = result.decisions.iloc[0]
    assert row["status"] == "unchecked"
    assert rules_of(result, 0) == ["no-plan-version"]
    assert "no plan version in force on that date" in row["reason"]
    assert "--plan FILE@DATE" in row["reason"]
    assert "2020-12-15" in row["reason"] and "v1" in row["reason"]
    assert row["plan_version"] is None
    assert math.isnan(row["conflict_area_m2"])


def test_the_reason_is_given_in_vietnamese_too(versions):
    d = decisions_of({"date": "15/12/2020", "geom": box(20, 20, 40, 40)})
    result = landplan.check(versions, d, config=CheckConfig(lang="vi", as_of="2025-12-31"))
    reason = result.decisions.loc[0, "reason"]
    assert "không có phương án quy hoạch nào có hiệu lực vào ngày đó" in reason
    assert "--plan TỆP@NGÀY" in reason


def test_one_plan_without_a_date_still_judges_every_decision(plan):
    d = decisions_of({"date": "15/12/2020", "kind": "Công nhận", "geom": box(20, 20, 40, 40)})
    result = run(plan, d)
    assert result.decisions.loc[0, "status"] == "violation"
    assert rules_of(result, 0) == ["zoning-conflict"]
    assert result.decisions.loc[0, "plan_version"] == "v1"


def test_one_dated_plan_leaves_earlier_decisions_unchecked(plan):
    dated = landplan.plan_versions({"2021-01-01": plan})
    d = decisions_of({"date": "31/12/2020", "geom": box(20, 20, 40, 40)},
                     {"date": "01/01/2021", "kind": "Công nhận", "geom": box(20, 60, 40, 80)})
    result = run(dated, d)
    assert result.decisions["status"].tolist() == ["unchecked", "violation"]
    assert rules_of(result, 0) == ["no-plan-version"]
    assert rules_of(result, 1) == ["zoning-conflict"]


def test_no_plan_version_cannot_be_disabled():
    with pytest.raises(landplan.ConfigError, match="no-plan-version"):
        CheckConfig(rules={"no-plan-version": {"enabled": False}})


# --- item 2: the plan period is a note -----------------------------------------------------

def test_after_the_period_the_decision_is_judged_against_the_last_version_and_noted(versions):
    # ONT in the former rice zone in 2026: the adjustment (ONT) is still in force (Art. 60)
    d = decisions_of({"date": "02/01/2026", "kind": "Công nhận", "geom": box(20, 20, 40, 40)})
    config = CheckConfig(lang="en", plan_end="2025-12-31", as_of="2026-06-30")
    result = run(versions, d, config=config)
    assert result.decisions.loc[0, "status"] == "compliant"
    assert result.decisions.loc[0, "plan_version"] == "v2"
    assert rules_of(result, 0) == ["outside-plan-period"]
    f = result.findings.iloc[0]
    assert f["category"] == "data-quality" and f["severity"] == "low"
    assert "stay in force until the next plan is approved" in f["message"]
    assert "no approved plan" not in f["message"]


def test_the_note_is_given_in_vietnamese_too(versions):
    d = decisions_of({"date": "02/01/2026", "kind": "Công nhận", "geom": box(20, 20, 40, 40)})
    config = CheckConfig(lang="vi", plan_end="2025-12-31", as_of="2026-06-30")
    note = landplan.check(versions, d, config=config).findings.iloc[0]
    assert note["rule"] == "outside-plan-period"
    assert "được tiếp tục thực hiện đến khi quy hoạch kỳ sau được phê duyệt" in note["message"]
    assert "không có căn cứ" not in note["message"]


def test_a_violation_on_a_place_no_adjustment_changed_is_not_legalised(plan):
    # the adjustment changes only the road (DGT → ONT); ONT in the rice zone stays a violation
    adjusted = plan.copy()
    adjusted.loc[2, "maloaidat"] = "ONT"
    two = landplan.plan_versions({"2021-01-01": plan, "2023-07-01": adjusted})
    d = decisions_of({"date": "15/03/2022", "kind": "Công nhận", "geom": box(20, 20, 40, 40)},
                     {"date": "15/03/2022", "kind": "Công nhận",
                      "geom": box(120, 202, 140, 208)})
    found = legalising(run(two, d))
    assert found["decision_no"].tolist() == ["2/QĐ-UBND"]  # the one on the road
    assert found.loc[0, "source_row"] == 2


def test_before_the_period_with_an_undated_plan_is_judged_and_noted(plan):
    d = decisions_of({"date": "15/12/2020", "kind": "Công nhận", "geom": box(20, 20, 40, 40)})
    result = run(plan, d, config=CheckConfig(lang="en", plan_start="2021-01-01",
                                             as_of="2025-12-31"))
    assert rules_of(result, 0) == ["outside-plan-period", "zoning-conflict"]
    assert result.decisions.loc[0, "status"] == "violation"  # by zoning-conflict alone
    note = result.findings[result.findings["rule"] == "outside-plan-period"].iloc[0]
    assert "judged against the plan version given" in note["message"]


# --- item 3: adjustments that legalise earlier violations ----------------------------------

def test_an_adjustment_that_makes_an_earlier_violation_comply_is_reported(versions):
    d = decisions_of(
        # 2022, ONT recognised in the rice zone: a violation then; the adjustment allows it
        {"date": "15/03/2022", "kind": "Công nhận", "geom": box(20, 20, 40, 40)},
        # the same after the adjustment: compliant, nothing to legalise
        {"date": "01/08/2023", "kind": "Công nhận", "geom": box(20, 60, 40, 80)},
        # ONT on the road in 2022: a violation of both versions
        {"date": "15/03/2022", "kind": "Công nhận", "geom": box(120, 202, 140, 208)},
        # LUC in the rice zone in 2022: compliant then
        {"date": "15/03/2022", "kind": "Công nhận", "code": "LUC",
         "geom": box(20, 100, 40, 120)},
    )
    result = run(versions, d)
    found = legalising(result)
    assert len(found) == 1
    f = found.iloc[0]
    assert (f["layer"], f["source_row"], f["unit"]) == ("plan", 0, "10807")
    assert (f["category"], f["severity"]) == ("plan", "medium")
    assert f["decision_no"] == "1/QĐ-UBND" and f["land_use"] == "ONT"
    assert f["planned_land_use"] == "ONT"
    assert str(f["decision_date"].date()) == "2022-03-15"
    assert f["conflict_area_m2"] == pytest.approx(400.0)  # the 20 m × 20 m parcel
    assert f.geometry.area == pytest.approx(400.0)
    for text in ("zone Z0", "(LUC) to Rural residential land (ONT)", "2023-07-01", "2022-03-15",
                 "v1", "v2"):
        assert text in f["message"], text
    # the decision stays a violation of the plan in force when it was issued
    assert result.decisions["status"].tolist() == ["violation", "compliant", "violation",
                                                   "compliant"]
    assert result.decisions.loc[0, "n_findings"] == 1


def test_only_the_part_that_was_in_conflict_is_the_legalised_area(versions):
    # ONT across the rice/village edge at x=100: 20 × 20 in the rice zone, 20 × 20 in ONT
    d = decisions_of({"date": "15/03/2022", "kind": "Công nhận",
                      "geom": box(80, 100, 120, 120)})
    found = legalising(run(versions, d))
    assert len(found) == 1
    assert found.loc[0, "conflict_area_m2"] == pytest.approx(400.0)
    assert found.geometry.iloc[0].bounds == pytest.approx(at(box(80, 100, 100, 120)).bounds)


def test_a_conversion_contrary_to_the_old_plan_is_legalised_too(versions):
    d = decisions_of({"date": "15/03/2022", "kind": "Chuyển mục đích", "prev": "LUC",
                      "geom": box(20, 20, 40, 40)})
    result = run(versions, d)
    assert rules_of(result, 0) == ["conversion-contrary-to-plan"]
    assert len(legalising(result)) == 1


def test_a_disabled_zoning_rule_legalises_nothing(versions):
    d = decisions_of({"date": "15/03/2022", "kind": "Công nhận", "geom": box(20, 20, 40, 40)})
    config = CheckConfig(lang="en", as_of="2025-12-31",
                         rules={"zoning-conflict": {"enabled": False}})
    assert legalising(run(versions, d, config=config)).empty


def test_a_violation_carried_over_one_adjustment_is_legalised_by_the_next(plan):
    hnk, ont = plan.copy(), plan.copy()
    hnk.loc[0, "maloaidat"] = "HNK"  # still no village land
    ont.loc[0, "maloaidat"] = "ONT"
    three = landplan.plan_versions({"2021-01-01": plan, "2023-07-01": hnk,
                                    "2024-07-01": ont})
    d = decisions_of({"date": "15/03/2022", "kind": "Công nhận", "geom": box(20, 20, 40, 40)})
    found = legalising(run(three, d))
    assert len(found) == 1
    message = found.loc[0, "message"]
    assert "Plan adjustment v3" in message and "(HNK) to Rural residential land (ONT)" in message
    assert "against plan version v1" in message


def test_no_adjustment_no_finding(plan):
    d = decisions_of({"date": "15/03/2022", "kind": "Công nhận", "geom": box(20, 20, 40, 40)})
    result = run(plan, d)
    assert legalising(result).empty
    assert result.rules.set_index("rule").loc[LEGALISES, "state"] == "ran"


# --- item 4: per unit ----------------------------------------------------------------------

def test_the_summary_counts_changes_and_legalised_area_per_unit(versions):
    d = decisions_of({"date": "15/03/2022", "kind": "Công nhận", "geom": box(20, 20, 40, 40)})
    summary = landplan.summarize(run(versions, d)).set_index(["dimension", "value"])
    unit = summary.loc[("adjustment_unit", "10807")]
    assert unit["n_zones"] == 1
    assert unit["area_m2"] == pytest.approx(100 * 200)  # the whole rice zone changed
    assert unit["n_findings"] == 1
    assert unit["conflict_area_m2"] == pytest.approx(400.0)
    change = summary.loc[("adjustment_change", "10807: agricultural → non-agricultural")]
    assert change["area_m2"] == pytest.approx(20_000)
    assert change["conflict_area_m2"] == pytest.approx(400.0)
    assert ("adjustment_unit", "10810") not in summary.index  # the road did not change
    assert pd.isna(summary.loc[("total", "all"), "n_zones"])


def test_plan_diff_summary_counts_changed_zones_per_unit(plan, versions):
    diff = landplan.plan_diff(plan, versions[versions["plan_version"] == "v2"])
    summary = plan_diff_summary(diff).set_index(["dimension", "value"])
    row = summary.loc[("adjustment_unit", "10807")]
    assert (row["n_zones"], row["area_m2"], row["legalised_area_m2"]) == (1, 20_000, 0)
    assert summary.loc[("change", "LUC → ONT"), "area_ha"] == pytest.approx(2.0)


def test_adjustments_of_a_plan_of_one_version_are_none(plan):
    assert plan_adjustments(landplan.plan_versions({"2021-01-01": plan})).empty
    assert adjustment_summary(plan_adjustments(landplan.plan_versions(
        {"2021-01-01": plan}))).empty


def test_the_excel_report_has_the_adjustments_per_unit(versions, tmp_path):
    d = decisions_of({"date": "15/03/2022", "kind": "Công nhận", "geom": box(20, 20, 40, 40)})
    path = write_xlsx(run(versions, d), tmp_path / "r.xlsx", lang="en")
    ws = openpyxl.load_workbook(path)["Summary"]
    rows = list(ws.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r[0] == "Plan adjustments by administrative unit")
    # unit code, commune name (the code: this plan names none), zones, ha, legalised, ha
    assert rows[at + 2][:6] == ("10807", "10807", 1, pytest.approx(2.0), 1, pytest.approx(0.04))


# --- item 5: on the map --------------------------------------------------------------------

def test_the_map_has_a_layer_of_the_legalising_changes_as_text(versions):
    d = decisions_of({"no": "<b>7</b>{{ 7*7 }}", "date": "15/03/2022", "kind": "Công nhận",
                      "geom": box(20, 20, 40, 40)})
    result = run(versions, d)
    html = landplan.make_map(result, lang="en").get_root().render()
    assert "Adjustments legalising violations" in html
    assert "<b>7</b>" not in html  # the decision number is data, never markup


def test_the_split_map_keeps_the_legalising_changes_as_a_context_layer(versions):
    from landplan.maps import _contexts, _extras

    d = decisions_of({"date": "15/03/2022", "kind": "Công nhận", "geom": box(20, 20, 40, 40)})
    result = run(versions, d)
    extras = _extras(result, projects=None, corridors=None, plan_changes=None, raster=None,
                     lang="en")
    keys = [c.key for c in _contexts(result.plan, extras)]
    assert "legalised" in keys
    assert len(extras.legalised) == 1
