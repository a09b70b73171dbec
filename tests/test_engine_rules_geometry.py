"""The engine's small geometry functions that the rules call instead of GEOS directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

import landplan
from landplan.engine import intersection_areas, union_by_group


def test_intersection_areas_are_those_of_the_given_pairs():
    left = np.array([box(0, 0, 10, 10), box(20, 0, 30, 10), None], dtype=object)
    right = np.array([box(5, 0, 25, 2), box(0, 5, 10, 10)], dtype=object)
    areas = intersection_areas(left, right, np.array([0, 1, 0, 2]), np.array([0, 0, 1, 0]))
    assert areas[:3] == pytest.approx([10.0, 10.0, 50.0])
    assert np.isnan(areas[3])  # a missing geometry has no area


def test_union_by_group_dissolves_groups_of_several_and_keeps_single_pieces():
    pieces = np.array([box(0, 0, 1, 1), box(5, 5, 6, 6), box(1, 0, 2, 1)], dtype=object)
    out = union_by_group(pieces, np.array([0, 1, 0]), 3)
    assert shapely.equals(out[0], box(0, 0, 2, 1))
    assert out[1] is pieces[1]  # a single piece is taken as it is
    assert out[2] is None  # a group without pieces


def test_double_allocation_cut_in_threads_finds_the_same_overlaps_as_in_one(monkeypatch):
    # the candidate pairs are cut in chunks on all cores, each thread on its own copies of
    # the geometries; the findings (rows, names, areas, pieces) are the same as in one pass
    from landplan.rules import overlap

    from .stress import district

    plan, decisions = district(1_500)
    decisions = decisions.assign(hinh_thuc="Giao đất")

    def double_allocations() -> pd.DataFrame:
        found = landplan.check(plan, decisions).findings
        found = found[found["rule"] == "double-allocation"]
        return found.assign(wkb=shapely.to_wkb(found.geometry.values)).drop(columns="geometry")

    one = double_allocations()
    monkeypatch.setattr(overlap, "_PAIRS", 97)  # dozens of chunks
    monkeypatch.setattr(overlap, "default_workers", lambda: 2)
    calls = []
    original = overlap._overlaps
    monkeypatch.setattr(overlap, "_overlaps", lambda *args: calls.append(1) or original(*args))
    threaded = double_allocations()
    assert len(calls) > 10 and len(one) > 500  # really chunked, and overlaps to find
    pd.testing.assert_frame_equal(threaded.reset_index(drop=True), one.reset_index(drop=True))
