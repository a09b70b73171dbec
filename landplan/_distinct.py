"""Evaluating a Python function once per distinct value of a column, not once per row."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd


def per_distinct(values: Iterable[Any], func: Callable[[Any], Any],
                 missing: Any = None) -> np.ndarray:
    """Compute ``func(v)`` for every element, once per distinct value.

    ``missing`` for None/NaN elements. Returns an object array aligned with ``values``.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if not isinstance(series.dtype, pd.StringDtype):  # Arrow-backed text is factorised as it is
        series = series.astype(object)
    index, uniques = pd.factorize(series, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:-1] = [func(u) for u in uniques]
    results[-1] = missing
    return results[index]


def flags(values: Iterable[Any], predicate: Callable[[Any], bool]) -> np.ndarray:
    """Boolean :func:`per_distinct` (missing elements are False)."""
    return per_distinct(values, lambda v: bool(predicate(v)), missing=False).astype(bool)
