"""plan-diff: what an adjustment changed — nothing for a file against itself, the six zones
of the sample's adjustment, zones removed or added, and no phantom pieces along shared
edges."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

import landplan
from landplan.plandiff import plan_diff, plan_diff_summary

from .conftest import at


@pytest.fixture(scope="module")
def sample():
    return (landplan.load_plan(landplan.sample_path("plan.gpkg")),
            landplan.load_plan(landplan.sample_path("plan_2023.gpkg")))


@pytest.mark.slow  # the sample plan (464 zones) against itself
def test_a_plan_against_itself_has_no_change(sample):
    base, _ = sample
    assert len(plan_diff(base, base)) == 0


@pytest.mark.slow
def test_the_sample_adjustment_changes_exactly_its_six_zones(sample):
    # sample_data/README.md, "Plan versions": rows 94, 106, 147, 196, 260, 292 change
    # code; areas 5.06 + 4.12 + 10.02 + 3.90 + 10.77 + 6.74 = 40.61 ha
    diff = plan_diff(*sample)
    got = list(zip(diff["old_zone"], diff["old_land_use"], diff["new_land_use"], strict=True))
    assert got == [("Z94", "ONT", "DGD"), ("Z106", "HNK", "TMD"), ("Z147", "LUK", "NTD"),
                   ("Z196", "LUK", "SKN"), ("Z260", "CLN", "ONT"), ("Z292", "LUC", "ONT")]
    assert (diff["old_zone"] == diff["new_zone"]).all()
    assert diff["area_m2"].sum() / 10_000 == pytest.approx(40.61, abs=0.03)


def _plan(*zones):
    return gpd.GeoDataFrame({"maloaidat": [c for c, _ in zones]},
                            geometry=[at(box(*b)) for _, b in zones], crs="EPSG:9209")


def test_a_zone_removed_and_one_added_where_the_other_version_has_none():
    old = _plan(("LUC", (0, 0, 100, 200)), ("ONT", (100, 0, 300, 200)))
    new = _plan(("ONT", (100, 0, 300, 200)), ("TMD", (300, 0, 400, 200)))
    diff = plan_diff(old, new)
    summary = plan_diff_summary(diff)
    changes = summary[summary["dimension"] == "change"].set_index("value")["area_m2"]
    assert changes.to_dict() == pytest.approx({"LUC → ∅": 20_000.0, "∅ → TMD": 20_000.0})
    assert diff["old_zone"].tolist()[0] == "Z0" and pd.isna(diff["new_zone"].tolist()[0])
    assert pd.isna(diff["old_zone"].tolist()[1]) and diff["new_zone"].tolist()[1] == "Z1"


def test_a_zone_that_shrinks_leaves_the_removed_part_as_a_change():
    old = _plan(("ONT", (100, 0, 300, 200)))
    new = _plan(("ONT", (100, 0, 250, 200)))  # [250,300]×[0,200] = 10,000 m² removed
    diff = plan_diff(old, new)
    assert diff["area_m2"].tolist() == pytest.approx([10_000.0])
    assert diff["new_land_use"].tolist() == [""]


def _grid():
    # a cadastral-style plan: 4×4 zones sharing edges and vertices, codes alternating
    codes = ["LUC", "ONT", "CLN", "NTS"]
    return _plan(*[(codes[(i + j) % 4], (i * 50, j * 50, i * 50 + 50, j * 50 + 50))
                   for i in range(4) for j in range(4)])


def test_shared_edges_are_no_change_though_every_neighbour_meets_its_zone():
    # zones are paired on "intersects": each zone meets its neighbours along shared edges
    # and corners; those pieces have no area and must not become changes
    grid = _grid()
    assert len(plan_diff(grid, grid)) == 0
    changed = grid.copy()
    changed.loc[5, "maloaidat"] = "SKC"
    diff = plan_diff(grid, changed)
    assert diff["area_m2"].tolist() == pytest.approx([2_500.0])  # one 50×50 zone
    assert diff["new_land_use"].tolist() == ["SKC"]


def test_a_duplicated_zone_in_the_adjustment_is_not_counted_twice():
    old = _plan(("ONT", (100, 0, 300, 200)))
    new = _plan(("TMD", (100, 0, 300, 200)), ("TMD", (100, 0, 300, 200)))
    diff = plan_diff(old, new)
    assert diff["area_m2"].sum() == pytest.approx(40_000.0)  # not 80,000
