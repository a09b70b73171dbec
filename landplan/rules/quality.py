"""Data-quality rules: every repaired or uncheckable record gets a finding saying why."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._distinct import flags
from .._geomnotes import geometry_notes
from .._labels import labels
from .._tolerance import area_differs
from ..codes import unknown_codes
from ..schema import UNREADABLE
from ._context import CheckContext
from ._registry import register


def _rows(mask: np.ndarray, **columns: object) -> pd.DataFrame:
    rows = np.flatnonzero(mask)
    frame = pd.DataFrame({"row": rows})
    if not len(rows):  # no finding (a pre-check's usual case): no column to fill
        return frame
    for name, values in columns.items():
        frame[name] = np.asarray(values, dtype=object)[rows] if isinstance(
            values, (np.ndarray, pd.Series)) else values
    return frame



@register("empty-geometry")
def empty_geometry(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose geometry is missing, empty, not polygonal, or has no area."""
    d = ctx.decisions
    mask = (d["geometry_status"] == "unusable").to_numpy() & ~_unreadable(d)
    return _rows(mask, detail=_notes(d, mask, ctx), blocking=True)


def _notes(d: pd.DataFrame, mask: np.ndarray, ctx: CheckContext) -> np.ndarray:
    """Return the geometry notes of the rows of ``mask`` in the check's language."""
    notes = np.full(len(d), None, dtype=object)
    notes[mask] = geometry_notes(d["geometry_note"].to_numpy(dtype=object)[mask],
                                 ctx.config.lang)
    return notes


def _unreadable(d: pd.DataFrame) -> np.ndarray:
    return d["geometry_note"].astype(str).str.startswith(UNREADABLE).to_numpy()


@register("unreadable-record")
def unreadable_record(ctx: CheckContext) -> pd.DataFrame:
    """Unreadable records: those the file holds but GDAL does not return.

    A record marked deleted in the DBF, a GeoJSON entry that is not a Feature: kept at their
    place in the file, unchecked.
    """
    d = ctx.decisions
    mask = _unreadable(d)
    detail = np.full(len(d), None, dtype=object)
    detail[mask] = geometry_notes(d["geometry_note"].astype(str).str.slice(len(UNREADABLE))
                                  .to_numpy(dtype=object)[mask], ctx.config.lang)
    return _rows(mask, detail=detail, entry=d["source_row"].to_numpy() + 1, blocking=True)


@register("invalid-geometry")
def invalid_geometry(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose invalid geometry was repaired with make_valid."""
    d = ctx.decisions
    mask = (d["geometry_status"] == "repaired").to_numpy()
    return _rows(mask, detail=_notes(d, mask, ctx), blocking=False)


@register("missing-code")
def missing_code(ctx: CheckContext) -> pd.DataFrame:
    """Decisions without a granted land-use code."""
    return _rows(ctx.decisions["land_use"].isna().to_numpy(), blocking=True)


@register("unknown-code")
def unknown_code(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose granted code (or a component of it) is not in the registry."""
    codes = ctx.decisions["land_use"]
    mask = flags(codes, lambda c: unknown_codes(c, ctx.codes))
    return _rows(mask, granted=codes.to_numpy(), blocking=True)


@register("unknown-kind")
def unknown_kind(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose kind could not be recognised (blank kinds included).

    Such a decision is judged by the most demanding reading that applies (see *Kinds of
    decision* below): a violation found so stands; otherwise the decision is
    ``unchecked``, never ``compliant``.
    """
    d = ctx.decisions
    mask = d["kind"].isna().to_numpy()
    values = d["kind_raw"].fillna("").to_numpy()
    return _rows(mask, value=values, blocking=True)


@register("not-state-decision")
def not_state_decision(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose kind is no State decision (kind ``non-state``).

    Transfers, inheritances, gifts between land users (origin-of-use codes NCQ-1…17),
    sub-leases from an industrial-park investor (DT-KCN…) and the VBDLIS ids 6–9 and 16.
    They are not judged as grants; the record is ``unchecked`` unless a rule that judges
    the land's use whoever holds it (``wrong-purpose``) finds a violation.
    """
    d = ctx.decisions
    mask = (d["kind"] == "non-state").to_numpy()
    return _rows(mask, value=d["kind_raw"].fillna("").to_numpy(), blocking=True)


@register("missing-date")
def missing_date(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose date is blank or could not be read."""
    d = ctx.decisions
    mask = d["decision_date"].isna().to_numpy()
    return _rows(mask, value=d["date_raw"].fillna("").to_numpy(), blocking=False)


@register("duplicate-id")
def duplicate_id(ctx: CheckContext) -> pd.DataFrame:
    """Duplicate records: those sharing the same decision number and parcel id (both present).

    Every such record is reported, naming the other rows.
    """
    d = ctx.decisions
    if len(d) < 2:  # no record to share a key with
        return pd.DataFrame(columns=["row"])
    keyed = d[d["decision_no"].notna() & d["parcel_id"].notna()]
    dup = keyed[keyed.duplicated(["decision_no", "parcel_id"], keep=False)]
    if dup.empty:
        return pd.DataFrame(columns=["row"])
    groups = dup.groupby(["decision_no", "parcel_id"], sort=False)["source_row"].agg(list)
    rows, others, parcels = [], [], []
    for (_, parcel), members in groups.items():
        for member in members:
            rows.append(int(np.flatnonzero(d["source_row"].to_numpy() == member)[0]))
            others.append(", ".join(str(m) for m in members if m != member))
            parcels.append(parcel)
    return pd.DataFrame({"row": rows, "others": others, "parcel": parcels, "blocking": False})


@register("area-mismatch")
def area_mismatch(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose declared legal area differs from the parcel's mapped area.

    The declared area (``DienTich``, ``DienTichPhapLy``) differs by more than
    ``tolerance_pct`` % and ``tolerance_m2`` m².
    """
    d = ctx.decisions
    pct = float(ctx.config.param("area-mismatch", "tolerance_pct"))
    m2 = float(ctx.config.param("area-mismatch", "tolerance_m2"))
    legal = pd.to_numeric(d["legal_area"], errors="coerce").to_numpy(dtype=float)
    mask = area_differs(legal, ctx.area, pct, m2)
    mask &= (d["geometry_status"] != "unusable").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = 100.0 * np.abs(legal - ctx.area) / ctx.area
    return _rows(mask, legal=np.round(legal, 1), mapped=np.round(ctx.area, 1),
                 diff_pct=np.round(diff, 1), blocking=False)


@register("crs-assumed")
def crs_assumed(ctx: CheckContext) -> pd.DataFrame:
    """Layers that declared no CRS and were read with the CRS the user gave.

    One finding per layer, not tied to a record.
    """
    names = labels("message.layer", ctx.config.lang)
    rows = [(layer, crs) for layer, crs in ctx.crs_assumed.items() if crs]
    return pd.DataFrame({
        "row": [-1] * len(rows), "layer": [layer for layer, _ in rows],
        "crs": [crs for _, crs in rows],
        "layer_name": [names.get(layer, layer) for layer, _ in rows],
    })
