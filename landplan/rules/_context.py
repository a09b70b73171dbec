"""What every rule sees: normalised layers in one CRS, the overlay pairs, and settings."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ..config import CheckConfig

__all__ = ["CheckContext"]


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
        Tolerances, language, rule settings.
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

    def exceeds_tolerance(self, conflict_area: np.ndarray, parcel_area: np.ndarray) -> np.ndarray:
        """Whether an area is above both tolerances (percent of parcel AND m²)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = 100.0 * conflict_area / parcel_area
        return (conflict_area > self.config.tolerance_m2) & (pct > self.config.tolerance_pct)
