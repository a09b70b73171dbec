"""What every rule sees: normalised layers in one CRS, the overlay pairs, and settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from .._tolerance import beyond_tolerances
from ..config import CheckConfig
from ..landcover import decision_images

__all__ = ["CheckContext", "decision_numbers"]


def decision_numbers(numbers: pd.Series) -> np.ndarray:
    """Return each decision number's number as officials count it: its first run of digits.

    ``"99/QĐ-UBND"`` → 99.0, ``"QĐ số 0100"`` → 100.0; NaN when it has no digit (or is
    missing). Leading zeros do not count; very long runs lose precision beyond 15 digits and
    are then told apart by the text.
    """
    values = pd.Series(numbers).to_numpy(dtype=object)
    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: compare what is written
        text = pa.array([None if pd.isna(v) else str(v) for v in values], type=pa.string())
    digits = pc.struct_field(pc.extract_regex(text, r"(?P<n>[0-9]+)"), [0])
    return pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False)


@dataclass
class CheckContext:
    """Inputs of the rules (read-only by convention).

    Attributes
    ----------
    decisions
        Normalised decisions in the working CRS (row position = ``row`` in findings).
    plan
        Normalised plan zones in the working CRS.
    pairs
        Overlay pairs (``parcel``, ``zone``, ``area_m2``, ``inside``) plus ``allowed`` and
        ``plan_code_known``, for checkable decisions only.
    area
        Area in m² of each decision's (repaired) geometry; NaN when unusable.
    checkable
        Decisions with usable geometry and a known land-use code.
    codes, compat, mapping
        Code registry, compatibility table, 2018→2024 mapping.
    config
        Tolerances, dates, language, rule settings.
    projects, quotas, corridors
        Optional extra inputs (None when not given: rules that need them are skipped).
    version_of
        Per decision, the index (in ``approvals``) of the plan version in force on its date;
        -1 for a decision dated before every (dated) version: none in force, none given.
    approvals
        The plan versions in approval order: ``plan_version``, ``approved``.
    crs_assumed
        Per input layer name, the CRS assumed for it by the user, if it had none.
    landcover
        Class fractions of every decision on every land-cover raster
        (:func:`landplan.landcover.landcover_table`), when rasters were given.
    plan_overlaps
        Overlapping zone pairs of the plan (:func:`landplan.planlayer.plan_overlaps`);
        ``plan``'s geometries are the zones with the overlaps resolved (disjoint).
    plan_drawn
        The plan's zone geometries as drawn (before the overlaps were resolved).
    plan_coverages
        The plan versions whose zones form a valid coverage
        (:func:`landplan.planlayer.coverage_versions`), when known.
    """

    decisions: gpd.GeoDataFrame
    plan: gpd.GeoDataFrame
    pairs: pd.DataFrame
    area: np.ndarray
    checkable: np.ndarray
    codes: pd.DataFrame
    compat: pd.DataFrame
    mapping: pd.DataFrame
    config: CheckConfig
    projects: gpd.GeoDataFrame | None = None
    quotas: pd.DataFrame | None = None
    corridors: gpd.GeoDataFrame | None = None
    version_of: np.ndarray | None = None
    approvals: pd.DataFrame | None = None
    crs_assumed: dict[str, str | None] = field(default_factory=dict)
    landcover: pd.DataFrame | None = None
    plan_overlaps: pd.DataFrame | None = None
    plan_drawn: np.ndarray | None = None
    plan_coverages: set[str] | None = None
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per check: intermediate results several rules share."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def kinds(self) -> np.ndarray:
        """Canonical kind of each decision (None when unrecognised); computed once per check."""
        return self.memo("kinds", lambda: self.decisions["kind"].to_numpy(dtype=object))

    @property
    def judged(self) -> np.ndarray:
        """Decisions judged against the plan: checkable, with a plan version in force."""
        if self.version_of is None:
            return self.checkable
        return self.checkable & (np.asarray(self.version_of) >= 0)

    def landcover_images(self) -> pd.DataFrame:
        """Return each decision's land-cover fractions on its image and the one before.

        See :func:`landplan.landcover.decision_images`; computed once per check.
        """
        return self.memo("landcover-images", lambda: decision_images(
            self.landcover, self.decisions["decision_date"], self.config.as_of))

    def issue_order(self) -> np.ndarray:
        """Return the decision rows in the order they were issued.

        By date (undated last), then the decision number as officials count it — its first
        run of digits as a number ("99/QĐ-UBND" before "100/QĐ-UBND"; a number without
        digits after those with), then its whole text — then parcel id, area, and the
        geometry itself: never by input row, so rules that ask "which came first" answer
        the same whatever the row order.
        """
        def compute() -> np.ndarray:
            d = self.decisions
            if len(d) < 2:  # nothing to order
                return np.arange(len(d))
            number = d["decision_no"]
            keys = pd.DataFrame({
                "date": d["decision_date"], "number": decision_numbers(number),
                "no": number.fillna(""), "parcel": d["parcel_id"].fillna(""),
                "area": self.area,
            })
            # the geometry decides only between decisions equal on all the rest: its text
            # is made for those alone (the others' is never compared)
            tied = np.flatnonzero(keys.duplicated(keep=False).to_numpy())
            shape = np.full(len(d), "", dtype=object)
            shape[tied] = shapely.to_wkb(shapely.normalize(d.geometry.values[tied]), hex=True)
            return keys.assign(shape=shape, row=np.arange(len(d))).sort_values(
                ["date", "number", "no", "parcel", "area", "shape"], kind="stable",
                na_position="last")["row"].to_numpy()
        return self.memo("issue_order", compute)

    def exceeds_tolerance(self, conflict_area: np.ndarray, parcel_area: np.ndarray) -> np.ndarray:
        """Whether an area is above both tolerances (percent of parcel AND m²)."""
        return beyond_tolerances(conflict_area, parcel_area, self.config.tolerance_pct,
                                 self.config.tolerance_m2)
