"""Orchestration: normalise → overlay → rules → status.

:func:`check` takes the plan and the decisions (raw or normalised GeoDataFrames) and
returns plain GeoDataFrames: ``decisions`` (every input record exactly once, with its
status) and ``findings`` (one row per finding).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .codes import (
    allowed_matrix,
    code_name,
    code_names,
    load_code_mapping,
    load_codes,
    load_compatibility,
)
from .config import CheckConfig
from .crs import working_crs
from .engine import overlay_pairs
from .errors import CRSError
from .rules import RULES, CheckContext, severity_rank
from .schema import is_normalized, normalize_decisions, normalize_plan

__all__ = ["DECISION_OUTPUT_COLUMNS", "FINDING_COLUMNS", "STATUSES", "CheckResult", "check"]

log = logging.getLogger(__name__)

STATUSES = ("compliant", "violation", "unchecked")
DECISION_OUTPUT_COLUMNS = [
    "source_row", "decision_no", "parcel_id", "kind", "decision_date", "land_use",
    "prev_land_use", "unit", "status", "reason", "planned_land_use", "conflict_area_m2",
    "conflict_pct", "n_findings", "max_severity", "area_m2", "geometry_status",
]
FINDING_COLUMNS = [
    "finding_id", "source_row", "decision_no", "parcel_id", "rule", "category", "severity",
    "message", "planned_land_use", "land_use", "conflict_area_m2", "conflict_pct", "kind",
    "decision_date", "unit", "legal_basis",
]


class CheckResult(NamedTuple):
    """What :func:`check` returns: plain GeoDataFrames, all in the working CRS."""

    decisions: gpd.GeoDataFrame
    """Every input decision once, in input order, with ``status`` and the columns of
    :data:`DECISION_OUTPUT_COLUMNS`."""
    findings: gpd.GeoDataFrame
    """One row per finding (:data:`FINDING_COLUMNS`); geometry = the part concerned."""
    plan: gpd.GeoDataFrame
    """The normalised plan zones, with ``area_m2``."""


def check(
    plan: gpd.GeoDataFrame,
    decisions: gpd.GeoDataFrame,
    *,
    config: CheckConfig | None = None,
    codes: pd.DataFrame | None = None,
    compat: pd.DataFrame | None = None,
    plan_columns: Mapping[str, str] | None = None,
    decision_columns: Mapping[str, str] | None = None,
) -> CheckResult:
    """Check decisions against the plan.

    Parameters
    ----------
    plan
        Plan zones (raw layer or from :func:`landplan.load_plan`), with a CRS.
    decisions
        Decisions/parcels (raw layer or from :func:`landplan.load_decisions`), with a CRS.
    config
        Tolerances, language and rule settings; defaults to :class:`CheckConfig()`.
    codes, compat
        Code registry and compatibility table; default to the shipped Vietnamese ones.
    plan_columns, decision_columns
        Column overrides used when a raw layer is given.

    Returns
    -------
    CheckResult
        ``(decisions, findings, plan)`` GeoDataFrames in the working CRS.

    Examples
    --------
    >>> import landplan
    >>> plan = landplan.load_plan(landplan.sample_path("plan.gpkg"))
    >>> decisions = landplan.load_decisions(landplan.sample_path("decisions"))
    >>> result = landplan.check(plan, decisions)
    >>> len(result.decisions) == len(decisions)
    True
    """
    started = time.perf_counter()
    config = config or CheckConfig()
    codes = load_codes() if codes is None else codes
    compat = load_compatibility() if compat is None else compat
    mapping = load_code_mapping()
    if not is_normalized(plan, "plan"):
        plan = normalize_plan(plan, columns=plan_columns)
    if not is_normalized(decisions, "decisions"):
        decisions = normalize_decisions(decisions, columns=decision_columns)
    for name, layer in (("plan", plan), ("decisions", decisions)):
        if layer.crs is None:
            raise CRSError(f"The {name} layer has no CRS; give one, e.g. crs='EPSG:9209'.")
    target = working_crs(plan)
    plan = plan.to_crs(target).reset_index(drop=True)
    decisions = decisions.to_crs(target).reset_index(drop=True)
    plan["area_m2"] = shapely.area(plan.geometry.values)
    area = shapely.area(decisions.geometry.values).astype(float)

    granted = decisions["land_use"].to_numpy(dtype=object)
    known = _known(granted, codes)
    checkable = (decisions["geometry_status"] != "unusable").to_numpy() & known
    parcels = np.where(checkable, decisions.geometry.values, None)
    zones = np.where((plan["geometry_status"] != "unusable").to_numpy(), plan.geometry.values,
                     None)
    t0 = time.perf_counter()
    pairs = overlay_pairs(parcels, zones)
    log.info("overlay: %d decisions × %d zones → %d pairs in %.2f s", len(parcels), len(zones),
             len(pairs), time.perf_counter() - t0)
    planned = plan["land_use"].to_numpy(dtype=object)
    plan_known = _known(planned, codes)
    pairs["plan_code_known"] = plan_known[pairs["zone"].to_numpy()]
    allowed = np.zeros(len(pairs), dtype=bool)
    k = pairs["plan_code_known"].to_numpy()
    allowed[k] = allowed_matrix(granted[pairs["parcel"].to_numpy()[k]],
                                planned[pairs["zone"].to_numpy()[k]], codes, compat, mapping)
    pairs["allowed"] = allowed

    ctx = CheckContext(decisions=decisions, plan=plan, pairs=pairs, area=area,
                       checkable=checkable, codes=codes, compat=compat, mapping=mapping,
                       config=config)
    findings = _run_rules(ctx)
    decisions_out = _decision_status(ctx, findings)
    findings = findings.drop(columns=["_row", "_order", "blocking"])
    log.info("check: %d decisions, %d findings in %.2f s", len(decisions_out), len(findings),
             time.perf_counter() - started)
    return CheckResult(decisions_out, findings, plan)


def _known(codes_arr: np.ndarray, codes: pd.DataFrame) -> np.ndarray:
    """Whether each (possibly multi-purpose) code is present and fully known."""
    values = pd.Series(codes_arr, dtype=object)
    distinct = {c: all(p in codes.index for p in c.split("+")) for c in values.dropna().unique()}
    return values.map(lambda c: distinct.get(c, False)).to_numpy(dtype=bool)


def _run_rules(ctx: CheckContext) -> gpd.GeoDataFrame:
    """Apply every enabled rule and assemble the findings table."""
    config = ctx.config
    lang = config.lang
    frames = []
    for order, rule in enumerate(RULES.values()):
        if not config.enabled(rule.id):
            continue
        found = rule.func(ctx)
        if found is None or found.empty:
            continue
        found = found.copy()
        found["rule"] = rule.id
        found["rule_order"] = order
        found["category"] = rule.category
        found["severity"] = config.severity(rule.id)
        found["legal_basis"] = rule.legal_basis()
        found["message"] = _messages(ctx, rule.template(lang), found, lang)
        frames.append(found)
    d = ctx.decisions
    if frames:
        table = pd.concat(frames, ignore_index=True)
    else:
        table = pd.DataFrame(columns=["row", "rule", "rule_order", "category", "severity",
                                      "legal_basis", "message", "blocking"])
    rows = table["row"].to_numpy(dtype=np.int64)
    for col in ("planned_land_use", "conflict_area_m2", "conflict_pct", "geometry"):
        if col not in table.columns:
            table[col] = None
    geometry = np.array(table["geometry"].to_numpy(dtype=object), dtype=object, copy=True)
    missing_geom = shapely.is_missing(geometry)
    geometry[missing_geom] = d.geometry.values[rows[missing_geom]]
    out = pd.DataFrame({
        "source_row": d["source_row"].to_numpy()[rows],
        "decision_no": d["decision_no"].to_numpy()[rows],
        "parcel_id": d["parcel_id"].to_numpy()[rows],
        "rule": table["rule"].to_numpy(),
        "category": table["category"].to_numpy(),
        "severity": table["severity"].to_numpy(),
        "message": table["message"].to_numpy(),
        "planned_land_use": table["planned_land_use"].to_numpy(dtype=object),
        "land_use": d["land_use"].to_numpy()[rows],
        "conflict_area_m2": pd.to_numeric(table["conflict_area_m2"]).to_numpy(dtype=float),
        "conflict_pct": pd.to_numeric(table["conflict_pct"]).to_numpy(dtype=float),
        "kind": d["kind"].to_numpy()[rows],
        "decision_date": d["decision_date"].to_numpy()[rows],
        "unit": d["unit"].to_numpy()[rows],
        "legal_basis": table["legal_basis"].to_numpy(),
        "blocking": table["blocking"].to_numpy(dtype=bool),
        "_row": rows,
        "_order": table["rule_order"].to_numpy(),
    })
    out = gpd.GeoDataFrame(out, geometry=geometry, crs=d.crs)
    out = out.sort_values(["_row", "_order", "planned_land_use"], kind="stable",
                          na_position="first").reset_index(drop=True)
    out.insert(0, "finding_id", [f"F{i + 1:06d}" for i in range(len(out))])
    return out


def _messages(ctx: CheckContext, template: str, found: pd.DataFrame, lang: str) -> list[str]:
    """Format a rule's message for each finding row with the decision's values."""
    d = ctx.decisions
    rows = found["row"].to_numpy(dtype=np.int64)
    numbers = d["decision_no"].to_numpy()[rows]
    source = d["source_row"].to_numpy()[rows]
    granted = d["land_use"].to_numpy()[rows]
    label = "dòng" if lang == "vi" else "row"
    extra = [c for c in found.columns if c not in {"row", "geometry", "blocking"}]
    columns = {c: found[c].tolist() for c in extra}
    names = code_names(ctx.codes, lang)
    numbers, source, granted = numbers.tolist(), source.tolist(), granted.tolist()
    messages = []
    for i in range(len(found)):
        values = {c: columns[c][i] for c in extra}
        if not isinstance(values.get("granted"), str):
            values["granted"] = granted[i] or ""
        values["granted_name"] = code_name(values["granted"], ctx.codes, names=names) or "?"
        planned = values.get("planned")
        planned = values["planned"] = planned if isinstance(planned, str) else ""
        values["planned_name"] = code_name(planned, ctx.codes, names=names) if planned else ""
        values["decision_no"] = numbers[i] or f"({label} {source[i]})"
        for key in ("area", "pct"):
            values.setdefault(key, float("nan"))
        for key in ("detail", "value"):
            values.setdefault(key, "")
        messages.append(template.format(**values))
    return messages


def _decision_status(ctx: CheckContext, findings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each decision once, with status derived from its findings."""
    d = ctx.decisions
    n = len(d)
    rows = findings["_row"].to_numpy(dtype=np.int64)
    blocking = np.zeros(n, dtype=bool)
    np.logical_or.at(blocking, rows[findings["blocking"].to_numpy(dtype=bool)], True)
    compliance = findings["category"].to_numpy() == "compliance"
    violation = np.zeros(n, dtype=bool)
    violation[rows[compliance]] = True
    status = np.where(blocking, "unchecked", np.where(violation, "violation", "compliant"))
    reasons = (findings[findings["blocking"]].groupby("_row")["message"]
               .agg(" | ".join).reindex(range(n)))
    n_findings = np.bincount(rows, minlength=n)
    ranks = findings["severity"].map(severity_rank).to_numpy(dtype=np.int64)
    max_rank = np.full(n, -1, dtype=np.int64)
    np.maximum.at(max_rank, rows, ranks)
    by_rank = {severity_rank(s): s for s in findings["severity"].unique()}
    max_severity = [by_rank.get(int(r)) for r in max_rank]

    pairs = ctx.pairs
    planned_all = ctx.plan["land_use"].to_numpy(dtype=object)
    known_pairs = pairs[pairs["plan_code_known"]]
    by_code = pd.DataFrame({"row": known_pairs["parcel"].to_numpy(),
                            "code": planned_all[known_pairs["zone"].to_numpy()],
                            "area": known_pairs["area_m2"].to_numpy()})
    by_code = by_code.groupby(["row", "code"], sort=True)["area"].sum().reset_index()
    by_code = by_code.sort_values(["row", "area"], ascending=[True, False], kind="stable")
    dominant = by_code.drop_duplicates("row").set_index("row")["code"].reindex(range(n))
    bad = known_pairs[~known_pairs["allowed"]]
    conflict = np.bincount(bad["parcel"], weights=bad["area_m2"], minlength=n)
    area = ctx.area
    with np.errstate(invalid="ignore", divide="ignore"):
        conflict_pct = 100.0 * conflict / area
    conflict = np.where(ctx.checkable, conflict, np.nan)
    conflict_pct = np.where(ctx.checkable, conflict_pct, np.nan)

    out = gpd.GeoDataFrame({
        "source_row": d["source_row"].to_numpy(),
        "decision_no": d["decision_no"].to_numpy(),
        "parcel_id": d["parcel_id"].to_numpy(),
        "kind": d["kind"].to_numpy(),
        "decision_date": d["decision_date"].to_numpy(),
        "land_use": d["land_use"].to_numpy(),
        "prev_land_use": d["prev_land_use"].to_numpy(),
        "unit": d["unit"].to_numpy(),
        "status": status,
        "reason": reasons.to_numpy(dtype=object),
        "planned_land_use": dominant.to_numpy(dtype=object),
        "conflict_area_m2": conflict,
        "conflict_pct": conflict_pct,
        "n_findings": n_findings,
        "max_severity": np.array(max_severity, dtype=object),
        "area_m2": area,
        "geometry_status": d["geometry_status"].to_numpy(),
    }, geometry=d.geometry.values, crs=d.crs)
    return out
