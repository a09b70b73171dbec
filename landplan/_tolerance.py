"""When an area counts: the two tolerances (percent of the parcel AND square metres)."""

from __future__ import annotations

import numpy as np

__all__ = ["area_differs", "beyond_tolerances"]


def beyond_tolerances(amount: np.ndarray, whole: np.ndarray, tolerance_pct: float,
                      tolerance_m2: float) -> np.ndarray:
    """Tell where ``amount`` (m²) is beyond both tolerances (NaN compares False).

    That is above ``tolerance_m2`` AND above ``tolerance_pct`` % of ``whole``.
    """
    amount = np.asarray(amount, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = 100.0 * amount / np.asarray(whole, dtype=float)
        return (amount > tolerance_m2) & (pct > tolerance_pct)


def area_differs(legal: np.ndarray, mapped: np.ndarray, tolerance_pct: float,
                 tolerance_m2: float) -> np.ndarray:
    """Tell where a declared area differs from the mapped one beyond both tolerances.

    NaN and non-positive declared areas are not compared.
    """
    legal = np.asarray(legal, dtype=float)
    mapped = np.asarray(mapped, dtype=float)
    with np.errstate(invalid="ignore"):
        compared = (legal > 0) & (mapped > 0)
    return compared & beyond_tolerances(np.abs(legal - mapped), mapped, tolerance_pct,
                                        tolerance_m2)
