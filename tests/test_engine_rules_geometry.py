"""The engine's small geometry functions that the rules call instead of GEOS directly."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import box

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
