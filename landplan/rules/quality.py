"""Data-quality rules: every repaired or uncheckable record gets a finding saying why."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codes import unknown_codes
from ._context import CheckContext
from ._registry import register


def _rows(mask: np.ndarray, **columns: object) -> pd.DataFrame:
    rows = np.flatnonzero(mask)
    frame = pd.DataFrame({"row": rows})
    for name, values in columns.items():
        frame[name] = np.asarray(values, dtype=object)[rows] if isinstance(
            values, (np.ndarray, pd.Series)) else values
    return frame


@register("empty-geometry")
def empty_geometry(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose geometry is missing, empty, not polygonal, or has no area."""
    d = ctx.decisions
    mask = (d["geometry_status"] == "unusable").to_numpy()
    return _rows(mask, detail=d["geometry_note"].to_numpy(), blocking=True)


@register("invalid-geometry")
def invalid_geometry(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose invalid geometry was repaired with make_valid."""
    d = ctx.decisions
    mask = (d["geometry_status"] == "repaired").to_numpy()
    return _rows(mask, detail=d["geometry_note"].to_numpy(), blocking=False)


@register("missing-code")
def missing_code(ctx: CheckContext) -> pd.DataFrame:
    """Decisions without a granted land-use code."""
    return _rows(ctx.decisions["land_use"].isna().to_numpy(), blocking=True)


@register("unknown-code")
def unknown_code(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose granted code (or a component of it) is not in the registry."""
    codes = ctx.decisions["land_use"]
    distinct = {c: bool(unknown_codes(c, ctx.codes)) for c in codes.dropna().unique()}
    mask = codes.map(lambda c: distinct.get(c, False)).to_numpy(dtype=bool)
    return _rows(mask, granted=codes.to_numpy(), blocking=True)


@register("unknown-kind")
def unknown_kind(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose kind could not be recognised (blank kinds included)."""
    d = ctx.decisions
    mask = d["kind"].isna().to_numpy()
    values = d["kind_raw"].fillna("").to_numpy()
    return _rows(mask, value=values, blocking=False)


@register("missing-date")
def missing_date(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose date is blank or could not be read."""
    d = ctx.decisions
    mask = d["decision_date"].isna().to_numpy()
    return _rows(mask, value=d["date_raw"].fillna("").to_numpy(), blocking=False)
