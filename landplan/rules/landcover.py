"""Rules on observed land cover: land left unused, land used for another purpose."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._dates import format_dates
from ..codes import ancestors, primary_code
from ..landcover import expected_classes, landcover_classes
from ._context import CheckContext
from ._kinds import judged_as
from ._registry import register


def _judged(ctx: CheckContext, img: pd.DataFrame) -> np.ndarray:
    minimum = ctx.config.param("landcover-unchecked", "min_coverage")
    return (img["coverage"] >= minimum).to_numpy() & ctx.checkable


@register("landcover-unchecked")
def landcover_unchecked(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose image covers less than ``min_coverage`` of the parcel with valid pixels.

    Pixels are not valid where there is nodata, clouds, outside the raster, or values not in
    the class table (an unknown class is no evidence of any cover; its share is reported).
    The land-cover rules do not judge these decisions. Decisions dated after the last image
    are not judged either, without a finding.
    """
    img = ctx.landcover_images()
    minimum = ctx.config.param("landcover-unchecked", "min_coverage")
    mask = img["date"].notna().to_numpy() & ~(img["coverage"] >= minimum).to_numpy()
    mask &= (ctx.decisions["geometry_status"] != "unusable").to_numpy()
    rows = np.flatnonzero(mask)
    return pd.DataFrame({"row": rows, "date": format_dates(img["date"].iloc[rows], ctx.config.lang),
                         "coverage": 100 * np.nan_to_num(img["coverage"].to_numpy()[rows]),
                         "unknown": 100 * np.nan_to_num(img["unknown"].to_numpy()[rows])})


def unexpected(ctx: CheckContext, img: pd.DataFrame) -> tuple[np.ndarray, list[list[str]],
                                                               list[frozenset[str] | None]]:
    """Shares of unexpected cover (computed once per check; see :func:`_unexpected`)."""
    return ctx.memo("landcover-unexpected", lambda: _unexpected(ctx, img))


def _unexpected(ctx: CheckContext, img: pd.DataFrame
                ) -> tuple[np.ndarray, list[list[str]], list[frozenset[str] | None]]:
    """Return, per decision, the share of its image's valid area in unexpected classes.

    Unexpected classes are those not expected for the granted use (the share is NaN when
    not judged or nothing is expected). Also returned: those classes by share, and the
    expected classes.
    """
    classes = list(landcover_classes()["class"])
    granted = ctx.decisions["land_use"].to_numpy(dtype=object)
    table = {c: expected_classes(c, ctx.codes) for c in pd.unique(granted) if c}
    expected = [table.get(c) for c in granted]
    fractions = img[classes].to_numpy(dtype=float)
    judged = _judged(ctx, img)
    share = np.full(len(granted), np.nan)
    off_classes: list[list[str]] = [[] for _ in granted]
    for j, name in enumerate(classes):
        off = np.array([bool(e) and name not in e for e in expected], dtype=bool) & judged
        share = np.where(off, np.nan_to_num(share) + fractions[:, j], share)
        for row in np.flatnonzero(off & (fractions[:, j] > 0)):
            off_classes[row].append(name)
    has_expectation = np.array([bool(e) for e in expected], dtype=bool) & judged
    share = np.where(has_expectation, np.nan_to_num(share), np.nan)
    for row, names in enumerate(off_classes):
        names.sort(key=lambda c: -fractions[row, classes.index(c)])
    return share, off_classes, expected


@register("wrong-purpose")
def wrong_purpose(ctx: CheckContext) -> pd.DataFrame:
    """Decisions whose parcel, on its image, shows cover not expected for the granted use.

    More than ``max_share`` of its valid area is in cover classes not expected for the
    granted use (``expected.csv``; e.g. rice land built over, a residential parcel turned
    into a pond). Recoveries are not judged: the land recovered is meant to change.
    """
    img = ctx.landcover_images()
    classes = landcover_classes()
    names = dict(zip(classes["class"], classes[f"name_{ctx.config.lang}"], strict=True))
    share, off, expected = unexpected(ctx, img)
    rows = np.flatnonzero((share > ctx.config.param("wrong-purpose", "max_share"))
                          & (ctx.kinds != "recovery"))
    return pd.DataFrame({
        "row": rows, "share": 100 * share[rows],
        "observed": [", ".join(names[c] for c in off[r]) for r in rows],
        "expected": [", ".join(names[c] for c in classes["class"] if c in expected[r])
                     for r in rows],
        "date": format_dates(img["date"].iloc[rows], ctx.config.lang),
    })


def _months(start: pd.Series, end: pd.Timestamp) -> np.ndarray:
    months = (end.year - start.dt.year) * 12 + (end.month - start.dt.month)
    months -= (end.day < start.dt.day).astype(int)
    return months.to_numpy(dtype=float)


@register("unused-land")
def unused_land(ctx: CheckContext) -> pd.DataFrame:
    """Grants for a use that implies building whose parcel is still not developed.

    Allocations, leases and conversions for a use that implies building (parameter
    ``development``: residential, production and business, public works, offices,
    defence…) dated at least ``months`` before the evaluation date, whose parcel on its
    image is less than ``min_developed`` built-up or bare — unless the developed share rose
    by ``min_rise`` since the image before (construction under way), or the land is used
    for another purpose (then ``wrong-purpose`` reports it: a pond is not unused land).
    Decisions of unrecognised kind are judged as grants.
    """
    p = {k: ctx.config.param("unused-land", k)
         for k in ("development", "months", "min_developed", "min_rise")}
    img = ctx.landcover_images()
    d = ctx.decisions
    classes = landcover_classes()
    developed_classes = list(classes.loc[classes["developed"], "class"])
    granted = d["land_use"].to_numpy(dtype=object)
    develops = {c: any(a in p["development"] for a in ancestors(primary_code(c), ctx.codes))
                for c in pd.unique(granted) if c}
    scope = (judged_as(ctx, "allocation", "lease", "conversion")
             & np.array([develops.get(c, False) for c in granted], dtype=bool))
    months = _months(d["decision_date"], ctx.config.as_of)
    developed = img[developed_classes].sum(axis=1, min_count=1).to_numpy(dtype=float)
    before = img[[f"prev_{c}" for c in developed_classes]].sum(axis=1, min_count=1)
    rising = (developed - before.to_numpy(dtype=float)) >= p["min_rise"]
    share, _, _ = unexpected(ctx, img)
    used_otherwise = share > ctx.config.param("wrong-purpose", "max_share")
    mask = (scope & _judged(ctx, img) & (months >= p["months"])
            & (developed < p["min_developed"]) & ~rising & ~used_otherwise)
    rows = np.flatnonzero(mask)
    return pd.DataFrame({"row": rows, "months": months[rows].astype(int),
                         "developed": 100 * developed[rows],
                         "date": format_dates(img["date"].iloc[rows], ctx.config.lang)})
