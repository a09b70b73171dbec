"""Rules as land officials apply them (issue 16, part 2): the annual plan's projects as one
union, leases against the annual plan, decision numbers in numeric order, a record and its
own copy, undated conversions and quotas, production forest, exact corridor lists, and the
conflict area summed over planned codes.

The plan of conftest: LUC rice [0,100]×[0,200], ONT village [100,300]×[0,200], DGT road
[0,300]×[200,210]. Every expectation below is worked out by hand from the boxes.
"""

from __future__ import annotations

import random

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from landplan.errors import InputError
from landplan.rules._context import decision_numbers

from .conftest import at
from .test_rules import QUOTA, decisions_of, rules_of, run


def _projects(*specs):
    """Projects from (year, code, geometry) triples."""
    return gpd.GeoDataFrame({
        "ten_da": [f"Dự án {i}" for i in range(len(specs))],
        "nam": [y for y, _, _ in specs], "maloaidat": [c for _, c, _ in specs],
    }, geometry=[at(g) for _, _, g in specs], crs="EPSG:9209")


def _found(result, rule):
    f = result.findings
    return f[f["rule"] == rule]


# --- item 1: the union of the matching projects --------------------------------------------

def test_parcel_in_overlapping_projects_counts_their_common_land_once(plan):
    """Parcel A, 2600 m² at x 160..290: projects x 100..200 and 150..250 overlap it by 800
    and 1800 m²; summed they 'cover' all of it, but their union covers x 160..250 = 1800 m²,
    so 800 m² (30.8 %) lie outside. Parcel B, 2400 m² at x 110..230, lies in three nested
    projects (x 100..200, 120..180, 130..170): 1800 + 1200 + 800 m² summed, union 1800 m², so
    600 m² (25 %) outside. Parcel C lies in one project only: compliant."""
    projects = _projects((2023, "ONT", box(100, 0, 200, 100)), (2023, "ONT", box(150, 0, 250, 100)),
                         (2023, "ONT", box(100, 100, 200, 200)),
                         (2023, "ONT", box(120, 100, 180, 200)),
                         (2023, "ONT", box(130, 100, 170, 200)))
    d = decisions_of({"geom": box(160, 20, 290, 40)}, {"geom": box(110, 150, 230, 170)},
                     {"geom": box(105, 60, 125, 80)})
    result = run(plan, d, projects=projects)
    f = _found(result, "conversion-not-in-annual-plan").set_index("source_row")
    assert sorted(f.index) == [0, 1]
    assert f.loc[0, "conflict_area_m2"] == pytest.approx(800)
    assert f.loc[0, "conflict_pct"] == pytest.approx(100 * 800 / 2600)
    assert f.loc[1, "conflict_area_m2"] == pytest.approx(600)
    assert f.loc[1, "conflict_pct"] == pytest.approx(25)


# --- item 2: leases follow the annual plan -------------------------------------------------

def test_lease_outside_every_project_of_its_year_is_flagged_like_an_allocation(plan):
    """A lease in 2023 outside the only 2023 project (x 100..200, y 0..100) is flagged; one
    inside it is not; a recognition outside it is not an act the annual plan governs."""
    projects = _projects((2023, "ONT", box(100, 0, 200, 100)))
    d = decisions_of({"kind": "Cho thuê đất", "geom": box(220, 20, 240, 40)},
                     {"kind": "Cho thuê đất", "geom": box(120, 20, 140, 40)},
                     {"kind": "Công nhận", "geom": box(250, 20, 270, 40)})
    result = run(plan, d, projects=projects)
    assert [rules_of(result, i) for i in range(3)] == [["conversion-not-in-annual-plan"], [], []]
    assert result.decisions["status"].tolist() == ["violation", "compliant", "compliant"]


# --- item 3: decision numbers in numeric order ---------------------------------------------

def test_decision_number_is_its_first_run_of_digits():
    got = decision_numbers(pd.Series(["99/QĐ-UBND", "100/QĐ-UBND", "QĐ số 0100", None, "abc"]))
    np.testing.assert_array_equal(got, [99.0, 100.0, 100.0, np.nan, np.nan])


def test_quota_counts_decisions_of_one_day_in_numeric_order(plan):
    """Two 300 m² conversions on one day, quota 500 m²: 99/QĐ comes first (300 m²), 100/QĐ
    takes the total to 600 m² and is the one flagged (text order would put '100' first)."""
    rows = [{"no": no, "kind": "CMĐ", "prev": "LUC", "code": "ONT", "date": "01/02/2023",
             "geom": box(110 + 40 * i, 20, 130 + 40 * i, 35)}
            for i, no in enumerate(["100/QĐ-UBND", "99/QĐ-UBND"])]
    for order in (rows, rows[::-1]):
        result = run(plan, decisions_of(*order), quotas=QUOTA)
        assert _found(result, "quota-exceeded")["decision_no"].tolist() == ["100/QĐ-UBND"]


def test_later_of_two_grants_on_one_day_is_the_higher_number_then_the_text(plan):
    """Same day: 100/QĐ-UBND comes after 99/QĐ-UBND; same day and number: the text decides
    ('12/QĐ-CT' < '12/QĐ-UBND'), so 12/QĐ-UBND is the later one."""
    d = decisions_of({"no": "100/QĐ-UBND", "geom": box(120, 20, 140, 40)},
                     {"no": "99/QĐ-UBND", "geom": box(130, 20, 150, 40)},
                     {"no": "12/QĐ-UBND", "geom": box(120, 120, 140, 140)},
                     {"no": "12/QĐ-CT", "geom": box(130, 120, 150, 140)})
    result = run(plan, d)
    f = _found(result, "double-allocation")
    assert f["decision_no"].tolist() == ["100/QĐ-UBND", "12/QĐ-UBND"]
    assert "99/QĐ-UBND" in f["message"].iloc[0] and "12/QĐ-CT" in f["message"].iloc[1]


# --- item 4: a record is never in conflict with its own copy -------------------------------

def test_two_copies_of_one_grant_are_a_duplicate_not_a_double_allocation(plan):
    same = {"no": "7/QĐ", "sheet": 3, "parcel": 9, "geom": box(120, 20, 140, 40)}
    result = run(plan, decisions_of(same, same))
    assert [rules_of(result, i) for i in range(2)] == [["duplicate-id"], ["duplicate-id"]]
    assert result.decisions["status"].tolist() == ["compliant", "compliant"]


def test_same_number_and_parcel_on_another_date_is_still_granted_twice(plan):
    """Not a copy (the dates differ): the later is flagged, and both are duplicate-id."""
    first = {"no": "7/QĐ", "sheet": 3, "parcel": 9, "date": "01/02/2022",
             "geom": box(120, 20, 140, 40)}
    result = run(plan, decisions_of(first, {**first, "date": "01/02/2023"}))
    assert rules_of(result, 0) == ["duplicate-id"]
    assert rules_of(result, 1) == ["double-allocation", "duplicate-id"]


def test_copy_with_another_shape_is_still_granted_twice(plan):
    first = {"no": "7/QĐ", "sheet": 3, "parcel": 9, "geom": box(120, 20, 140, 40)}
    result = run(plan, decisions_of(first, {**first, "geom": box(125, 20, 145, 40)}))
    assert len(_found(result, "double-allocation")) == 1


# --- item 5: undated conversions and quotas ------------------------------------------------

def _quota_rows(dates):
    return [{"no": f"{i + 1}/QĐ", "kind": "CMĐ", "prev": "LUC", "code": "ONT", "date": date,
             "geom": box(110 + 40 * i, 20, 130 + 40 * i, 35)}              # 300 m² each
            for i, date in enumerate(dates)]


def test_undated_conversion_is_counted_last_and_reported_when_the_total_exceeds(plan):
    """Dated 300 + 300 + 300 m² against 500 m²: 2/QĐ (600) and 3/QĐ (900) exceed. The
    undated 4/QĐ is counted after them (1200 m² = 0.12 ha) and gets quota-undated, not
    quota-exceeded; the dated findings are those without it."""
    rows = _quota_rows(["01/02/2023", "01/03/2023", "01/04/2023", ""])
    random.Random(5).shuffle(rows)
    result = run(plan, decisions_of(*rows), quotas=QUOTA)
    assert sorted(_found(result, "quota-exceeded")["decision_no"]) == ["2/QĐ", "3/QĐ"]
    undated = _found(result, "quota-undated")
    assert undated["decision_no"].tolist() == ["4/QĐ"]
    assert "0.1200 ha" in undated["message"].item() and "0.0500 ha" in undated["message"].item()
    row = undated["source_row"].item()
    assert rules_of(result, row) == ["missing-date", "quota-undated"]
    assert result.decisions.loc[result.decisions["source_row"] == row, "status"].item() \
        == "compliant"


def test_undated_conversion_within_the_quota_is_not_reported(plan):
    """300 dated + 300 undated = 600 m² ≤ 700 m²: whatever the order, none exceeded."""
    rows = _quota_rows(["01/02/2023", ""])
    result = run(plan, decisions_of(*rows), quotas=QUOTA.assign(quota_ha="0.07"))
    assert _found(result, "quota-undated").empty and _found(result, "quota-exceeded").empty
    over = run(plan, decisions_of(*rows), quotas=QUOTA.assign(quota_ha="0.05"))
    assert _found(over, "quota-undated")["decision_no"].tolist() == ["2/QĐ"]
    assert _found(over, "quota-exceeded").empty  # the dated 300 m² alone are within


# --- item 6: production forest is protected ------------------------------------------------

def test_conversion_of_production_forest_needs_the_plan_to_designate_the_new_use(plan):
    """RSX → CLN in the ONT village: CLN is allowed there (OTC, CLN compatible) but not
    designated, and RSX is protected; HNK → CLN at the same kind of place is not."""
    d = decisions_of({"kind": "CMĐ", "prev": "RSX", "code": "CLN", "geom": box(120, 20, 140, 40)},
                     {"kind": "CMĐ", "prev": "HNK", "code": "CLN", "geom": box(220, 20, 240, 40)})
    result = run(plan, d)
    assert [rules_of(result, i) for i in range(2)] == [["conversion-contrary-to-plan"], []]
    assert "protected" in _found(result, "conversion-contrary-to-plan")["message"].item()


# --- item 7: a corridor's allowed list is exact --------------------------------------------

def _dyke(**extra):
    return gpd.GeoDataFrame({"ten": ["Hành lang đê"], "loai": ["hanh_lang_de"],
                             "cho_phep": ["HNK"], **extra},
                            geometry=[at(box(100, 180, 300, 200))], crs="EPSG:9209")


def test_corridor_list_is_not_widened_by_the_compatibility_table(plan):
    """CLN recognised half inside a dyke corridor listing only HNK: flagged (the table's
    HNK → CLN pair does not count); BHK, a kind of HNK, is allowed."""
    d = decisions_of({"kind": "Công nhận", "code": "CLN", "geom": box(150, 170, 170, 190)},
                     {"kind": "Công nhận", "code": "BHK", "geom": box(200, 170, 220, 190)})
    result = run(plan, d, corridors=_dyke())
    hits = _found(result, "protected-area")
    assert hits["source_row"].tolist() == [0]
    assert hits["conflict_area_m2"].item() == pytest.approx(200)


def test_corridor_layer_can_let_the_compatibility_table_widen_its_list(plan):
    d = decisions_of({"kind": "Công nhận", "code": "CLN", "geom": box(150, 170, 170, 190)})
    assert _found(run(plan, d, corridors=_dyke(tuong_thich=["có"])), "protected-area").empty
    assert len(_found(run(plan, d, corridors=_dyke(tuong_thich=[""])), "protected-area")) == 1
    with pytest.raises(InputError, match=r"compatible.*'maybe'"):
        run(plan, d, corridors=_dyke(tuong_thich=["maybe"]))


# --- item 8: the conflict area is summed over planned codes; any ancestor designates ------

def test_conflicts_in_two_zones_count_together_against_the_tolerance(plan):
    """ONT parcel 100 m × 100 m at x 96..196, y 104..204: 4 × 96 = 384 m² (3.84 %) in LUC and
    100 × 4 = 400 m² (4 %) in DGT, each under 5 %, together 784 m² (7.84 %): flagged, one
    finding per planned code. At x 98..198, y 104..202 (9800 m²): 192 + 200 = 392 m² (4 %):
    not flagged."""
    result = run(plan, decisions_of({"geom": box(96, 104, 196, 204)}))
    f = _found(result, "zoning-conflict")
    assert f["source_row"].tolist() == [0, 0]
    assert dict(zip(f["planned_land_use"], f["conflict_area_m2"], strict=True)) == {
        "LUC": pytest.approx(384), "DGT": pytest.approx(400)}
    near = run(plan, decisions_of({"geom": box(98, 104, 198, 202)}))
    assert rules_of(near, 0) == []


def test_a_zone_planned_for_any_ancestor_of_the_new_use_designates_it(plan):
    """The rice zone recoded CHN (annual crops, LUA's parent): converting protected RSX to
    LUC there is designated (CHN ⊃ LUA ⊃ LUC, two levels up); RSX → CLN is not (CLN is not
    a kind of CHN)."""
    plan = plan.copy()
    plan.loc[0, "maloaidat"] = "CHN"
    d = decisions_of({"kind": "CMĐ", "prev": "RSX", "code": "LUC", "geom": box(20, 20, 40, 40)},
                     {"kind": "CMĐ", "prev": "RSX", "code": "CLN", "geom": box(20, 60, 40, 80)})
    result = run(plan, d)
    assert [rules_of(result, i) for i in range(2)] == [[], ["conversion-contrary-to-plan"]]
