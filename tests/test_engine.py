"""The overlay engine agrees with geopandas.overlay, pair by pair."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box

from landplan.engine import overlay_pairs, uncovered_area

_spec = importlib.util.spec_from_file_location(
    "bench_check", Path(__file__).resolve().parents[1] / "benchmarks" / "bench_check.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_engine_gives_the_same_pairs_and_areas_as_geopandas_overlay():
    plan, decisions = bench.synthetic(3000, n_side=12, seed=7)
    pairs = overlay_pairs(decisions.geometry.values, plan.geometry.values)
    overlay = bench._geopandas_overlay(plan, decisions)
    assert bench._same_pairs(pairs, overlay)
    assert pairs["inside"].mean() > 0.5  # the shortcut is actually taken


def test_pairs_that_only_touch_are_dropped_and_outside_area_is_measured():
    zones = np.array([box(0, 0, 10, 10), box(10, 0, 20, 10)], dtype=object)
    parcels = np.array([box(2, 2, 10, 4), box(15, 5, 25, 7), None], dtype=object)
    pairs = overlay_pairs(parcels, zones)
    assert pairs[["parcel", "zone"]].values.tolist() == [[0, 0], [1, 1]]
    assert pairs["inside"].tolist() == [False, False]  # touching the edge is not "properly" in
    outside = uncovered_area(np.array([16.0, 20.0, np.nan]), pairs)
    assert outside[:2] == pytest.approx([0.0, 10.0])
