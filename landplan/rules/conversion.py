"""Rules on changes of land-use purpose: against the plan, the annual plan, and quotas."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._distinct import flags, per_distinct
from .._labels import label, labels
from ..codes import (
    GROUPS,
    allowed_matrix,
    ancestors,
    code_group,
    code_name,
    code_names,
    designates,
    matches,
    primary_code,
)
from ..engine import covered_once, overlay_pairs
from ._context import CheckContext
from ._kinds import judged_as, unread_as_conversion
from ._registry import RULES, register
from .zoning import conflict_findings

_NON_AGRICULTURAL = "non-agricultural"
_ANNUAL_PLAN_KINDS = ("conversion", "allocation", "lease")  # Land Law 2024 Art. 116


@register("conversion-contrary-to-plan")
def conversion_contrary_to_plan(ctx: CheckContext) -> pd.DataFrame:
    """Conversions (chuyển mục đích) whose new use is not allowed by the planned use.

    Also those whose previous use is protected (parameter ``protected``: rice land LUA,
    production forest RSX, protection forest RPH and special-use forest RDD, with their
    children; Land Law 2024 Art. 121–122) while the plan does not designate that place for
    the new use. The plan designates it when the planned code is the new use or any code
    that contains it in the code tree (a LUA zone designates LUC, a CSK zone designates
    SKC: plans are drawn at different levels of the tree, and a zone designated for a land
    type is designated for every kind of it); the compatibility table does not count. The
    conflicting area counts in total over every planned code where the conversion is
    contrary (a parcel 3 % in each of two such zones conflicts on 6 %), and the decision is
    flagged when that total is beyond the tolerance, with one finding per planned code.
    Conversions of rice land (parameter ``rice``) get severity ``severity_rice``.
    A decision of unrecognised kind that records a previous use other than its granted use
    is judged here as a conversion (this rule asks more than ``zoning-conflict``).
    """
    params = {name: ctx.config.param("conversion-contrary-to-plan", name)
              for name in ("protected", "rice", "severity_rice")}
    d = ctx.decisions
    conversion = (ctx.kinds == "conversion") | unread_as_conversion(ctx)
    prev = d["prev_land_use"].to_numpy(dtype=object)
    protected = flags(prev, lambda c: any(
        p in params["protected"] for part in c.split("+") for p in ancestors(part, ctx.codes)))
    rice = flags(prev, lambda c: any(
        p in params["rice"] for part in c.split("+") for p in ancestors(part, ctx.codes)))
    pairs = ctx.pairs[ctx.pairs["plan_code_known"]
                      & conversion[ctx.pairs["parcel"].to_numpy()]]
    parcel = pairs["parcel"].to_numpy()
    granted = d["land_use"].to_numpy(dtype=object)[parcel]
    planned = ctx.plan["land_use"].to_numpy(dtype=object)[pairs["zone"].to_numpy()]
    keys = pd.Series(list(zip(granted, planned, strict=True)), dtype=object)
    designated = flags(keys.to_numpy(), lambda k: designates(k[0], k[1], ctx.codes,
                                                                 ctx.compat))
    bad = ~pairs["allowed"].to_numpy() | (protected[parcel] & ~designated)
    found = conflict_findings(ctx, pairs[bad])
    if found.empty:
        return found
    rows = found["row"].to_numpy()
    why = RULES["conversion-contrary-to-plan"].why
    lang = ctx.config.lang
    allowed_here = allowed_matrix(d["land_use"].to_numpy(dtype=object)[rows],
                                  found["planned"].to_numpy(dtype=object), ctx.codes,
                                  ctx.compat, ctx.mapping)
    found["why"] = np.where(allowed_here, why[f"protected_{lang}"], why[f"not_allowed_{lang}"])
    found["prev"] = prev[rows]
    found["severity"] = np.where(rice[rows], params["severity_rice"],
                                 ctx.config.severity("conversion-contrary-to-plan"))
    return found


@register("conversion-not-in-annual-plan")
def conversion_not_in_annual_plan(ctx: CheckContext) -> pd.DataFrame:
    """Non-agricultural conversions, allocations and leases outside the annual plan's projects.

    Conversions, allocations and leases for non-agricultural use (Land Law 2024 Art. 116:
    allocation and lease rest on the annual plan like permission to change the purpose),
    dated in a year the annual-plan project layer covers, whose parcel lies outside every
    project of that year whose purpose allows the granted use by more than the tolerance.
    The part inside is the parcel's overlap with the **union** of those projects: two
    projects that overlap count their common land once. Years without any project in the
    layer are not judged. Decisions of unrecognised kind are judged as allocations.
    """
    d, projects = ctx.decisions, ctx.projects
    years = d["decision_date"].dt.year.to_numpy(dtype=float)
    covered_years = set(projects["year"].dropna().astype(int))
    granted = d["land_use"].to_numpy(dtype=object)
    non_agri = flags(granted, lambda c: code_group(c, ctx.codes) == _NON_AGRICULTURAL)
    candidate = (ctx.checkable & judged_as(ctx, *_ANNUAL_PLAN_KINDS) & non_agri
                 & np.isin(np.nan_to_num(years, nan=-1).astype(int), list(covered_years)))
    usable = (projects["geometry_status"] != "unusable").to_numpy()
    parcels = np.where(candidate, d.geometry.values, None)
    pairs = overlay_pairs(parcels, np.where(usable, projects.geometry.values, None))
    p_year = projects["year"].to_numpy(dtype=float)[pairs["zone"].to_numpy()]
    same_year = p_year == years[pairs["parcel"].to_numpy()]
    purpose = allowed_matrix(granted[pairs["parcel"].to_numpy()],
                             projects["land_use"].to_numpy(dtype=object)[pairs["zone"]
                                                                         .to_numpy()],
                             ctx.codes, ctx.compat, ctx.mapping)
    match = pairs[same_year & purpose]
    covered = covered_once(d.geometry.values, projects.geometry.values, match,
                           len(d))
    outside = np.clip(np.nan_to_num(ctx.area) - covered, 0, None)
    flagged = candidate & ctx.exceeds_tolerance(outside, ctx.area)
    rows = np.flatnonzero(flagged)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = 100.0 * outside[rows] / ctx.area[rows]
    return pd.DataFrame({"row": rows, "year": years[rows].astype(int), "area": outside[rows],
                         "pct": pct, "conflict_area_m2": outside[rows], "conflict_pct": pct})


def _quota_members(ctx: CheckContext) -> list[tuple[dict, np.ndarray, np.ndarray]]:
    """Per quota row: the row, its dated conversions in issue order, its undated ones.

    A conversion counts towards a row when its previous use matches ``from``, the first
    component of its new use matches ``to`` and its unit matches ``unit`` (or ``*``);
    conversions without a usable geometry have no area and are not counted.
    """
    def compute() -> list[tuple[dict, np.ndarray, np.ndarray]]:
        d = ctx.decisions
        base = (d["geometry_status"] != "unusable").to_numpy() & (ctx.kinds == "conversion")
        dated = d["decision_date"].notna().to_numpy()
        prev = d["prev_land_use"].to_numpy(dtype=object)
        granted = d["land_use"].to_numpy(dtype=object)
        units = d["unit"].to_numpy(dtype=object)
        order = ctx.issue_order()
        out = []
        for q in ctx.quotas.to_dict("records"):
            spec_from, spec_to, unit = q["from"], q["to"], q["unit"]
            mask = (base
                    & flags(prev, lambda c, s=spec_from: matches(c, s, ctx.codes))
                    & flags(granted, lambda c, s=spec_to: matches(primary_code(c), s,
                                                                       ctx.codes))
                    & ((unit == "*") | (units == unit)))
            out.append((q, order[(mask & dated)[order]], order[(mask & ~dated)[order]]))
        return out
    return ctx.memo("quota-members", compute)


@register("quota-exceeded")
def quota_exceeded(ctx: CheckContext) -> pd.DataFrame:
    """Conversions that take a unit's converted area over its quota in the 5-year plan.

    Conversions are counted against the plan's quotas (per unit, from → to use or group):
    converted area (the parcel's) is accumulated in the order the decisions were issued —
    by date, then decision number counted as a number ("99/QĐ-UBND" before
    "100/QĐ-UBND"), then its text, parcel id, area; never by input order — and every
    decision whose running total exceeds the quota is flagged, with the running total.
    Undated conversions cannot be placed in that order: they are counted after all dated
    ones and reported by ``quota-undated``, not here.
    """
    frames = []
    for q, rows, _ in _quota_members(ctx):
        if not len(rows):
            continue
        unit, quota = q["unit"], q["quota_ha"]
        running = np.cumsum(np.nan_to_num(ctx.area[rows]))
        over = running > quota * 10_000
        frames.append(pd.DataFrame({
            "row": rows[over], "unit": "" if unit == "*" else unit, "from": q["from"],
            "to": q["to"], "total_ha": running[over] / 10_000, "quota_ha": quota,
            "area": ctx.area[rows[over]],
        }))
    return _quota_frame(ctx, frames)


@register("quota-undated")
def quota_undated(ctx: CheckContext) -> pd.DataFrame:
    """Undated conversions counted against a quota that the total exceeds.

    A conversion without a (readable) date is counted in its quota's total after every
    dated conversion, since its place in the order is unknown. When that total, with every
    undated conversion of the row, exceeds the quota, each undated one is reported: it may
    or may not have been issued beyond the quota, which cannot be said without its date.
    The dated conversions are judged by ``quota-exceeded`` among themselves. When the total
    stays within the quota nothing is reported (whatever the order, none exceeded it).
    """
    frames = []
    for q, dated, undated in _quota_members(ctx):
        if not len(undated):
            continue
        total = (np.nan_to_num(ctx.area[dated]).sum()
                 + np.nan_to_num(ctx.area[undated]).sum())
        if not total > q["quota_ha"] * 10_000:
            continue
        frames.append(pd.DataFrame({
            "row": undated, "unit": "" if q["unit"] == "*" else q["unit"],
            "from": q["from"], "to": q["to"], "total_ha": total / 10_000,
            "quota_ha": q["quota_ha"], "area": ctx.area[undated],
        }))
    return _quota_frame(ctx, frames)


QUOTA_USAGE_COLUMNS = ["unit", "from", "to", "quota_ha", "n_conversions", "used_ha",
                       "undated_ha", "remaining_ha", "n_over"]


def quota_usage(ctx: CheckContext) -> pd.DataFrame:
    """Return each quota row's accounting, as ``quota-exceeded`` and ``quota-undated`` count.

    One row per quota (in the table's order): ``n_conversions`` the conversions counted
    (dated and undated), ``used_ha`` their dated area, ``undated_ha`` the undated ones',
    ``remaining_ha`` = ``quota_ha`` − both (negative when over), ``n_over`` the dated
    conversions issued past the quota (``quota-exceeded``'s findings of that row).
    """
    rows = []
    for q, dated, undated in _quota_members(ctx):
        running = np.cumsum(np.nan_to_num(ctx.area[dated]))
        used = float(running[-1]) if len(running) else 0.0
        late = float(np.nan_to_num(ctx.area[undated]).sum())
        rows.append([q["unit"], q["from"], q["to"], q["quota_ha"], len(dated) + len(undated),
                     used / 10_000, late / 10_000, q["quota_ha"] - (used + late) / 10_000,
                     int((running > q["quota_ha"] * 10_000).sum())])
    return pd.DataFrame(rows, columns=QUOTA_USAGE_COLUMNS)


def _quota_frame(ctx: CheckContext, frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=["row"])
    found = pd.concat(frames, ignore_index=True)
    lang = ctx.config.lang
    # the unit by its name (the decision's: the quota row's unit is the decision's), the
    # uses and groups in words: "Đất trồng lúa (LUA)", "nhóm đất phi nông nghiệp"
    unit = found["unit"].to_numpy(dtype=object)
    named = unit != ""
    if "unit_name" in ctx.decisions.columns:
        names = ctx.decisions["unit_name"].to_numpy(dtype=object)[
            found["row"].to_numpy(dtype=np.int64)]
        unit[named] = np.where(pd.isna(names[named]), unit[named], names[named])
    unit[~named] = label("message.all_units", lang)
    found["unit"] = unit
    for column in ("from", "to"):
        found[column] = use_words(found[column].to_numpy(dtype=object), ctx.codes, lang)
    return found


def use_words(values: np.ndarray, codes: pd.DataFrame, lang: str) -> np.ndarray:
    """Codes and groups in words, once per distinct value: "Đất trồng lúa (LUA)".

    A group (``non-agricultural``) by its words in ``[message.group]``; a code by its name
    then the code; a code without a name as it is.
    """
    groups = labels("message.group", lang)
    names = code_names(codes, lang)

    def words(value: str) -> str:
        if value in groups:
            return groups[value]
        name = code_name(value, codes, names=names)
        return f"{name} ({value})" if name and name != value else value

    return per_distinct(values, words, missing="")


@register("quota-unmatched")
def quota_unmatched(ctx: CheckContext) -> pd.DataFrame:
    """Quota rows that can never count a decision.

    A ``from``/``to`` that is neither a land-use code of the registry nor a group, or a unit
    (not ``*``) that no decision has. One finding per such row, on the quota table (not on
    a record).
    """
    q = ctx.quotas
    lang = ctx.config.lang
    why = RULES["quota-unmatched"].why
    known = set(ctx.codes.index) | set(GROUPS)
    units = set(ctx.decisions["unit"].dropna())
    lines = q.attrs.get("lines") or [i + 2 for i in range(len(q))]
    reasons: list[list[str]] = [[] for _ in range(len(q))]
    for column in ("from", "to"):
        bad = ~q[column].isin(known).to_numpy()
        for i in np.flatnonzero(bad):
            reasons[i].append(why[f"code_{lang}"].format(code=q[column].iat[i]))
    unmatched_unit = ((q["unit"] != "*") & ~q["unit"].isin(units)).to_numpy()
    for i in np.flatnonzero(unmatched_unit):
        reasons[i].append(why[f"unit_{lang}"].format(unit=q["unit"].iat[i]))
    rows = [i for i, r in enumerate(reasons) if r]
    everywhere = label("message.all_units", lang)
    return pd.DataFrame({
        "row": -1, "layer": "quotas",
        "line": [lines[i] for i in rows],
        "unit": [everywhere if q["unit"].iat[i] == "*" else q["unit"].iat[i] for i in rows],
        "from": use_words(np.array([q["from"].iat[i] for i in rows], dtype=object),
                          ctx.codes, lang),
        "to": use_words(np.array([q["to"].iat[i] for i in rows], dtype=object), ctx.codes,
                        lang),
        "why": ["; ".join(reasons[i]) for i in rows],
    }, columns=["row", "layer", "line", "unit", "from", "to", "why"])
