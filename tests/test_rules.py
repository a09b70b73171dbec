"""Every rule: a hit, a near miss, and bad input. The plan of conftest: LUC rice
[0,100]×[0,200], ONT village [100,300]×[0,200], DGT road [0,300]×[200,210]."""

from __future__ import annotations

import random

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

import landplan
from landplan import CheckConfig
from landplan.errors import ColumnError, InputError

from .conftest import at


def decisions_of(*rows: dict) -> gpd.GeoDataFrame:
    """Decisions from dicts with no, kind, code, prev, date, geom (local coordinates)."""
    return gpd.GeoDataFrame({
        "so_qd": [r.get("no", f"{i + 1}/QĐ-UBND") for i, r in enumerate(rows)],
        "ngay_qd": [r.get("date", "15/03/2023") for r in rows],
        "hinh_thuc": [r.get("kind", "Giao đất") for r in rows],
        "kyhieumucd": [r.get("code", "ONT") for r in rows],
        "mucdichcu": [r.get("prev", "") for r in rows],
        "shbando": [r.get("sheet", 1) for r in rows],
        "shthua": [r.get("parcel", i + 1) for i, r in enumerate(rows)],
        "ma_xa": [r.get("unit", "10807") for r in rows],
    }, geometry=[at(r["geom"]) for r in rows], crs="EPSG:9209")


def run(plan, decisions, **kwargs):
    config = kwargs.pop("config", CheckConfig(lang="en", as_of="2025-12-31"))
    return landplan.check(plan, decisions, config=config, **kwargs)


def rules_of(result, row):
    f = result.findings
    return sorted(f.loc[(f["layer"] == "decisions") & (f["source_row"] == row), "rule"])


def state(result, rule):
    return result.rules.set_index("rule").loc[rule, "state"]


# --- plan versions ------------------------------------------------------------------------

def test_decision_on_the_day_an_adjustment_takes_effect_uses_the_new_version(versions):
    d = decisions_of({"date": "01/07/2023", "geom": box(20, 20, 40, 40)},
                     {"date": "30/06/2023", "geom": box(20, 60, 40, 80)})
    result = run(versions, d)
    assert result.decisions["plan_version"].tolist() == ["v2", "v1"]
    assert result.decisions["status"].tolist() == ["compliant", "violation"]
    assert rules_of(result, 1) == ["zoning-conflict"]


def test_versions_without_dates_are_refused_with_the_fix(plan):
    stacked = pd.concat([plan.assign(version="a"), plan.assign(version="b")],
                        ignore_index=True)
    with pytest.raises(InputError, match="@YYYY-MM-DD"):
        run(stacked, decisions_of({"geom": box(120, 20, 140, 40)}))


def test_plan_diff_reports_changed_area_by_code_and_unit(plan, versions):
    adjusted = versions[versions["plan_version"] == "v2"]
    diff = landplan.plan_diff(plan, adjusted)
    assert diff[["old_land_use", "new_land_use"]].values.tolist() == [["LUC", "ONT"]]
    assert diff["area_m2"].sum() == pytest.approx(20_000)
    from landplan.plandiff import plan_diff_summary
    summary = plan_diff_summary(diff).set_index(["dimension", "value"])
    assert summary.loc[("change", "LUC → ONT"), "area_ha"] == pytest.approx(2.0)
    assert summary.loc[("unit", "10807"), "area_m2"] == pytest.approx(20_000)
    assert landplan.plan_diff(plan, plan).empty


# --- outside-plan-period ------------------------------------------------------------------

def test_decisions_outside_the_plan_period_are_flagged_and_the_first_day_is_not(versions):
    d = decisions_of({"date": "15/12/2020", "geom": box(120, 20, 140, 40)},
                     {"date": "01/01/2021", "geom": box(120, 60, 140, 80)},
                     {"date": "02/01/2026", "geom": box(120, 100, 140, 120)},
                     {"date": "", "geom": box(120, 140, 140, 160)})
    config = CheckConfig(lang="en", plan_end="2025-12-31", as_of="2026-06-30")
    result = run(versions, d, config=config)
    # before the first version: no plan in force (issue 16), not "outside the period"
    assert rules_of(result, 0) == ["no-plan-version"]
    assert rules_of(result, 1) == []
    assert rules_of(result, 2) == ["outside-plan-period"]
    assert rules_of(result, 3) == ["missing-date"]
    assert "2020-12-15" in result.findings.loc[0, "message"]
    # after the period: a note (Land Law 2024 Art. 60), the decision judged and compliant
    assert result.decisions["status"].tolist() == ["unchecked", "compliant", "compliant",
                                                   "compliant"]


def test_plan_period_rule_is_skipped_without_any_date(plan):
    result = run(plan, decisions_of({"geom": box(120, 20, 140, 40)}))
    assert state(result, "outside-plan-period") == "skipped"
    summary = landplan.summarize(result)
    assert "outside-plan-period" in set(summary.loc[summary["dimension"] == "rule_not_run",
                                                    "value"])


def test_bad_dates_in_the_configuration_are_reported():
    with pytest.raises(landplan.ConfigError, match="plan_end must be a date"):
        CheckConfig(plan_end="end of 2025")


# --- conversion-contrary-to-plan ----------------------------------------------------------

def test_conversion_of_rice_land_to_an_undesignated_use_is_critical(plan):
    d = decisions_of(
        {"kind": "CMĐ", "prev": "LUC", "code": "CLN", "geom": box(120, 20, 140, 40)},
        {"kind": "CMĐ", "prev": "HNK", "code": "CLN", "geom": box(120, 60, 140, 80)},
        {"kind": "CMĐ", "prev": "LUC", "code": "ONT", "geom": box(120, 100, 140, 120)},
        {"kind": "chuyển mục đích", "prev": "HNK", "code": "ONT", "geom": box(20, 20, 40, 40)},
    )
    result = run(plan, d)
    assert rules_of(result, 0) == ["conversion-contrary-to-plan"]
    first = result.findings[result.findings["source_row"] == 0].iloc[0]
    assert first["severity"] == "critical"
    assert "protected" in first["message"] and "LUC" in first["message"]
    assert rules_of(result, 1) == []  # HNK is not protected; CLN is allowed in ONT
    assert rules_of(result, 2) == []  # the plan designates ONT here
    assert rules_of(result, 3) == ["conversion-contrary-to-plan"]  # no zoning-conflict twice
    assert result.findings.loc[result.findings["source_row"] == 3, "severity"].item() == "high"


def test_conversion_without_previous_code_is_judged_on_the_new_use_only(plan):
    d = decisions_of({"kind": "CMĐ", "prev": "", "code": "CLN", "geom": box(120, 20, 140, 40)})
    assert run(plan, d).decisions["status"].item() == "compliant"


# --- conversion-not-in-annual-plan --------------------------------------------------------

def test_allocation_outside_every_project_of_its_year_is_flagged(plan, projects):
    d = decisions_of(
        {"geom": box(120, 20, 140, 40)},                             # inside the ONT project
        {"geom": box(220, 20, 240, 40)},                             # outside every project
        {"geom": box(220, 120, 240, 140)},                           # in a TMD project
        {"kind": "thuê", "geom": box(250, 20, 270, 40)},             # a lease: judged too
        {"date": "15/03/2022", "geom": box(250, 60, 270, 80)},       # 2022: no projects
        {"code": "HNK", "geom": box(150, 150, 170, 170)},            # agricultural use
    )
    result = run(plan, d, projects=projects)
    assert [rules_of(result, i) for i in range(6)] == [
        [], ["conversion-not-in-annual-plan"], ["conversion-not-in-annual-plan"],
        ["conversion-not-in-annual-plan"], [], []]


def test_annual_plan_rule_is_skipped_without_projects_and_needs_a_year_column(plan, projects):
    result = run(plan, decisions_of({"geom": box(220, 20, 240, 40)}))
    assert state(result, "conversion-not-in-annual-plan") == "skipped"
    assert "projects" in result.rules.set_index("rule").loc["stale-plan-item", "reason"]
    with pytest.raises(ColumnError, match="year"):
        run(plan, decisions_of({"geom": box(220, 20, 240, 40)}),
            projects=projects.drop(columns="nam"))


# --- quota-exceeded -----------------------------------------------------------------------

QUOTA = pd.DataFrame({"unit": ["*"], "from": ["LUA"], "to": ["non-agricultural"],
                      "quota_ha": ["0.05"]})


def _conversions():
    return [
        {"no": f"{n}/QĐ", "kind": "CMĐ", "prev": "LUC", "code": "ONT", "date": date,
         "geom": box(110 + 40 * i, 20, 130 + 40 * i, 35)}                # 300 m² each
        for i, (n, date) in enumerate([(1, "01/02/2023"), (2, "01/03/2023"), (3, "01/04/2023")])
    ]


def test_conversions_pushing_a_unit_over_its_quota_are_flagged_with_the_running_total(plan):
    result = run(plan, decisions_of(*_conversions()), quotas=QUOTA)
    f = result.findings[result.findings["rule"] == "quota-exceeded"]
    assert f["decision_no"].tolist() == ["2/QĐ", "3/QĐ"]  # 600 and 900 m² > 500 m²
    assert "0.0600 ha" in f["message"].iloc[0] and "0.0500 ha" in f["message"].iloc[0]


def test_quota_result_does_not_depend_on_input_order(plan):
    rows = _conversions()
    random.Random(3).shuffle(rows)
    result = run(plan, decisions_of(*rows), quotas=QUOTA)
    f = result.findings[result.findings["rule"] == "quota-exceeded"]
    assert sorted(f["decision_no"]) == ["2/QĐ", "3/QĐ"]


def test_quota_near_miss_and_bad_quota_tables(plan, tmp_path):
    generous = QUOTA.assign(quota_ha="0.09")
    result = run(plan, decisions_of(*_conversions()), quotas=generous)
    assert "quota-exceeded" not in set(result.findings["rule"])
    bad = tmp_path / "quotas.csv"
    bad.write_text("unit,from,to,quota_ha\n*,LUA,,-1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        landplan.load_quotas(bad)
    assert "line 2: empty 'from' or 'to'" in str(err.value) and "≥ 0" in str(err.value)


# --- protected-area -----------------------------------------------------------------------

@pytest.fixture
def corridor():
    return gpd.GeoDataFrame({"ten": ["Hành lang đê"], "loai": ["hanh_lang_de"],
                             "cho_phep": ["DGT, DTL"]},
                            geometry=[at(box(100, 180, 300, 200))], crs="EPSG:9209")


def test_use_not_allowed_in_a_corridor_is_flagged_with_the_overlap(plan, corridor):
    d = decisions_of({"geom": box(150, 170, 170, 190)},      # 50 % in the corridor
                     {"geom": box(200, 150, 220, 181)},      # 20 m² in it: not above 20 m²
                     {"code": "DGT", "geom": box(250, 185, 270, 195)})  # allowed (OTC→DGT)
    result = run(plan, d, corridors=corridor)
    assert [rules_of(result, i) for i in range(3)] == [["protected-area"], [], []]
    hit = result.findings[result.findings["rule"] == "protected-area"].iloc[0]
    assert hit["conflict_area_m2"] == pytest.approx(200)
    assert "Hành lang đê" in hit["message"]


def test_corridor_layer_needs_its_allowed_codes(plan, corridor):
    with pytest.raises(ColumnError, match="allowed"):
        run(plan, decisions_of({"geom": box(150, 170, 170, 190)}),
            corridors=corridor.drop(columns="cho_phep"))


# --- double-allocation --------------------------------------------------------------------

def test_land_granted_twice_flags_the_later_decision(plan):
    d = decisions_of({"no": "B", "date": "01/06/2023", "geom": box(120, 20, 140, 40)},
                     {"no": "A", "date": "01/02/2022", "kind": "Công nhận",
                      "geom": box(130, 20, 150, 40)},
                     {"no": "C", "kind": "CMĐ", "prev": "HNK", "geom": box(120, 30, 140, 50)},
                     {"no": "D", "geom": box(149, 20, 169, 40)})   # 20 m² with A: not above
    result = run(plan, d)
    assert [rules_of(result, i) for i in range(4)] == [["double-allocation"], [], [], []]
    msg = result.findings.loc[result.findings["rule"] == "double-allocation", "message"].item()
    assert "decision A of 2022-02-01" in msg


# --- stale-plan-item ----------------------------------------------------------------------

def test_project_without_decisions_after_two_years_is_stale(plan, projects):
    d = decisions_of({"date": "01/03/2024", "kind": "thuê", "geom": box(120, 20, 140, 40)})
    result = run(plan, d, projects=projects)
    stale = result.findings[result.findings["rule"] == "stale-plan-item"]
    assert stale["layer"].tolist() == ["projects"]
    assert stale["source_row"].tolist() == [1]  # the TMD project; the ONT one was realised
    assert "Khu thương mại" in stale["message"].item()
    early = run(plan, d, projects=projects,
                config=CheckConfig(lang="en", as_of="2024-12-31"))
    assert "stale-plan-item" not in set(early.findings["rule"])
    assert early.decisions["status"].tolist() == ["compliant"]  # projects don't change status


# --- data quality -------------------------------------------------------------------------

def test_duplicated_records_are_reported_without_changing_status(plan):
    same = {"no": "7/QĐ", "kind": "CMĐ", "prev": "HNK", "sheet": 3, "parcel": 9,
            "geom": box(120, 20, 140, 40)}
    result = run(plan, decisions_of(same, same, {"geom": box(220, 20, 240, 40)}))
    assert [rules_of(result, i) for i in range(3)] == [["duplicate-id"], ["duplicate-id"], []]
    assert result.decisions["status"].tolist() == ["compliant"] * 3


def test_assumed_crs_is_reported_once_for_the_layer(plan, tmp_path):
    path = tmp_path / "d.shp"
    decisions_of({"geom": box(120, 20, 140, 40)}).to_file(path, engine="pyogrio")
    path.with_suffix(".prj").unlink()
    d = landplan.load_decisions(path, crs="EPSG:9209")
    result = run(plan, d)
    f = result.findings[result.findings["rule"] == "crs-assumed"]
    assert f["layer"].tolist() == ["decisions"]
    assert f["source_row"].isna().all()
    assert "VN-2000 / TM-3 105-30" in f["message"].item()


def test_every_rule_runs_or_says_why_not(plan, projects, corridor, tmp_path):
    from .test_landcover import paint

    raster = paint(tmp_path / "cover.tif", [])
    result = run(plan, decisions_of({"geom": box(120, 20, 140, 40)}), projects=projects,
                 corridors=corridor, quotas=QUOTA, landcover=[("2025-06-30", raster)],
                 config=CheckConfig(as_of="2025-12-31", plan_start="2021-01-01"))
    assert set(result.rules["state"]) == {"ran"}
    assert set(result.rules["rule"]) == set(landplan.RULES)


def test_undated_grant_overlapping_another_is_the_one_flagged(plan):
    d = decisions_of({"no": "A", "date": "01/02/2022", "geom": box(120, 20, 140, 40)},
                     {"no": "B", "date": "", "geom": box(130, 20, 150, 40)})
    result = run(plan, d)
    assert rules_of(result, 1) == ["double-allocation", "missing-date"]
    assert rules_of(result, 0) == []


def test_project_without_a_year_is_not_judged_stale(plan, projects):
    undated = projects.astype({"nam": "float"})
    undated.loc[0, "nam"] = float("nan")
    result = run(plan, decisions_of({"geom": box(120, 20, 140, 40)}), projects=undated)
    stale = result.findings[result.findings["rule"] == "stale-plan-item"]
    assert stale["source_row"].tolist() == [1]


def test_same_decision_on_different_parcels_is_not_a_duplicate(plan):
    d = decisions_of({"no": "7/QĐ", "parcel": 1, "geom": box(120, 20, 140, 40)},
                     {"no": "7/QĐ", "parcel": 2, "geom": box(220, 20, 240, 40)})
    assert "duplicate-id" not in set(run(plan, d).findings["rule"])
