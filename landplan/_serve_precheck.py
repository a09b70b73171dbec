"""Pre-check of one application: :func:`landplan.check` on a one-row decisions layer.

One code path: the verdict is the status :func:`landplan.check` gives the application as a
decision, with its findings, messages and legal basis. Only the layers near the parcel are
given to ``check`` (STRtree-selected at request time). Why that subset gives the answer the
whole layers would give:

* zoning (``zoning-conflict``, ``no-plan-coverage``, ``unknown-plan-code``,
  ``conversion-contrary-to-plan``): a decision's result depends only on the zones that meet
  it. Every zone meeting the parcel is in the subset, of every version; overlapping zones
  are resolved the same (a zone loses to another only where both are, so what it loses
  outside the parcel does not change its part inside), and one zone of each version is
  always added so that the versions and their approval dates — which version is in force on
  the date — are those of the whole plan;
* ``protected-area``: the corridors meeting the parcel;
* ``conversion-not-in-annual-plan``: the projects meeting the parcel, plus one project of
  each year of the layer (the rule judges only the years the layer covers);
* ``double-allocation``: the loaded decisions meeting the parcel (internal mode with a
  decisions layer); a decision never conflicts with one it does not overlap;
* the date, kind and code rules concern the decision alone.

What the subset cannot answer is reported under ``not_checked``, never silently passed: the
conversion quotas (``quota-exceeded`` needs every conversion of the unit: no quotas are
loaded), land cover (``wrong-purpose``, ``unused-land``: no rasters), and
``double-allocation`` when no decisions layer is loaded. Findings on other layers (plan
overlaps and gaps of the subset, stale projects) and on the loaded decisions are dropped:
only the findings on the application are returned.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._labels import LANGS, label
from ._problems import strict_mode
from ._serve_errors import ApiError
from ._serve_index import NOT_JUDGED, ServeData
from ._serve_lookup import jsonable
from .check import _check, _legal_bases
from .codes import normalize_code
from .engine import overlay_pairs
from .rules import RULES
from .schema import DECISION_COLUMNS, clean_geometries, read_kind

KINDS = ("allocation", "lease", "recognition", "conversion")
VERDICTS = {"compliant": "allowed", "violation": "not_allowed", "unchecked": "cannot_judge"}
DRAFT = {"vi": "(dự thảo)", "en": "(draft)"}
"""The decision number the application is checked under (its messages name it)."""


def canonical_kind(kind: str) -> str:
    """Return the kind of an application (one of :data:`KINDS`), read as ``check`` reads kinds."""
    canonical = read_kind(kind)
    if canonical not in KINDS:
        raise ApiError("bad_kind", kind=kind)
    return canonical


def precheck(data: ServeData, *, geometry: shapely.Geometry, parcel: dict, kind: str,
             land_use: str, prev_land_use: str | None, decision_date: date | None,
             lang: str) -> dict:
    """Check one application (``geometry`` in the working CRS) as ``check`` would."""
    canonical = canonical_kind(kind)
    when = pd.Timestamp(decision_date or date.today())
    plan, resolved, projects, corridors, others = _near(data, geometry)
    decisions = _application(data, geometry, parcel, canonical, kind, land_use,
                             prev_land_use, when, DRAFT[lang], others)
    # one check, in the answer's language; the other language's messages are made from the
    # same rules' rows (the application named as a draft in that language)
    other = next(x for x in LANGS if x != lang)
    numbers = decisions["decision_no"].to_numpy(dtype=object).copy()
    numbers[0] = DRAFT[other]
    with strict_mode(False):
        result = _check(plan, decisions, projects=projects, quotas=None, corridors=corridors,
                        landcover=None, config=data.configs[lang], codes=data.codes,
                        compat=data.compat, plan_columns=None, decision_columns=None,
                        overlay=_one_thread, resolved=resolved,
                        also={other: (data.configs[other], numbers)})
    row = result.decisions.iloc[0]
    status = str(row["status"])
    findings = _own(result.findings, DRAFT[lang])
    messages = {lang: _message(row["reason"], status, lang),
                other: _message(row[f"_reason_{other}"], status, other)}
    messages = {language: messages[language] for language in ("vi", "en")}
    rule = row["rule"] if isinstance(row["rule"], str) else "zoning-conflict"
    return {
        "verdict": VERDICTS[status],
        "status": status,
        "rule": jsonable(row["rule"]),
        "messages": messages,
        "legal_basis": _legal_basis(rule, row["decision_date"], lang),
        "plan_version": jsonable(row["plan_version"]),
        "planned_land_use": jsonable(row["planned_land_use"]),
        "conflict_area_m2": jsonable(row["conflict_area_m2"]),
        "conflict_pct": jsonable(row["conflict_pct"]),
        "area_m2": jsonable(row["area_m2"]),
        "kind": canonical,
        "land_use": jsonable(row["land_use"]),
        "decision_date": jsonable(row["decision_date"]),
        "findings": [{k: jsonable(v) for k, v in f.items()} for f in findings],
        "not_checked": _not_checked(data, result.rules),
    }


def _legal_basis(rule: str, date: object, lang: str) -> str:
    """Return the rule's references in force on the application's date, as check cites them."""
    dates = np.array([pd.Timestamp(date) if pd.notna(date) else pd.NaT],
                     dtype="datetime64[ns]")
    return str(_legal_bases([RULES[rule]], np.zeros(1, dtype=np.int64), dates, lang)[0])


def _one_thread(parcels: np.ndarray, zones: np.ndarray) -> pd.DataFrame:
    """Return the overlay of a few parcels, on the calling thread (no pool to start)."""
    return overlay_pairs(parcels, zones, workers=1)


def _near(data: ServeData, geometry: shapely.Geometry) -> tuple:
    """Return the layers' rows meeting ``geometry`` (the module's docstring says the extras)."""
    zones = np.union1d(data.zone_tree.query(geometry, predicate="intersects"),
                       data.version_rep)
    plan, resolved = data.plan.iloc[zones], data.zones[zones]
    projects = corridors = others = None
    if data.projects is not None:
        rows = np.union1d(data.trees["projects"].query(geometry, predicate="intersects"),
                          data.project_rep)
        projects = data.projects.iloc[rows]
    if data.corridors is not None:
        corridors = data.corridors.iloc[np.sort(data.trees["corridors"].query(
            geometry, predicate="intersects"))]
    if data.decisions is not None:
        others = data.decisions.iloc[np.sort(data.trees["decisions"].query(
            geometry, predicate="intersects"))]
    return plan, resolved, projects, corridors, others


def _application(data: ServeData, geometry: shapely.Geometry, parcel: dict, kind: str,
                 kind_raw: str, land_use: str, prev_land_use: str | None, when: pd.Timestamp,
                 number: str, others: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Return the application as a normalised decisions layer (first row; then those near)."""
    geoms, status, note = clean_geometries(gpd.GeoSeries([geometry], crs=data.crs))
    row = {c: None for c in DECISION_COLUMNS}
    row.update(source_row=0, decision_no=number, kind=kind, kind_raw=kind_raw,
               decision_date=when, date_raw=when.strftime("%d/%m/%Y"),
               land_use=normalize_code(land_use), prev_land_use=normalize_code(prev_land_use),
               legal_area=np.nan, geometry_status=status.iat[0], geometry_note=note.iat[0],
               **{k: v for k, v in parcel.items() if k in DECISION_COLUMNS})
    frame = pd.DataFrame([row], columns=DECISION_COLUMNS)
    frame["decision_date"] = frame["decision_date"].astype("datetime64[ns]")
    one = gpd.GeoDataFrame(frame, geometry=geoms.values, crs=data.crs)
    if others is None or not len(others):
        return one
    rest = gpd.GeoDataFrame(others[DECISION_COLUMNS].reset_index(drop=True),
                            geometry=np.asarray(others.geometry.values), crs=data.crs)
    both = pd.concat([one, rest], ignore_index=True)
    both["source_row"] = np.arange(len(both))
    return gpd.GeoDataFrame(both, geometry="geometry", crs=data.crs)


def _own(findings: gpd.GeoDataFrame, number: str) -> list[dict]:
    """Return the findings on the application: its own row, and other layers' about it."""
    if findings.empty:
        return []
    mine = ((findings["layer"] == "decisions") & (findings["source_row"] == 0)) | (
        (findings["layer"] != "decisions") & (findings["decision_no"] == number))
    columns = ["rule", "category", "severity", "message", "planned_land_use",
               "conflict_area_m2", "conflict_pct", "legal_basis"]
    return findings.loc[mine.fillna(False).to_numpy(), columns].to_dict("records")


def _message(reason: object, status: str, lang: str) -> str:
    """Return the application's answer in one text: the reasons, else that it complies."""
    if isinstance(reason, str) and reason:
        return reason
    return label(f"status.{status}", lang)


def _not_checked(data: ServeData, rules: pd.DataFrame) -> list[dict]:
    """Return the compliance rules the pre-check could not run, and why."""
    out = []
    for r in rules.itertuples(index=False):
        rule = RULES.get(r.rule)
        if rule is None or rule.category != "compliance":
            continue
        if r.rule in NOT_JUDGED:
            out.append({"rule": r.rule, "reason": NOT_JUDGED[r.rule]})
        elif r.state != "ran":
            out.append({"rule": r.rule, "reason": r.reason or r.state})
        elif r.rule == "double-allocation" and data.decisions is None:
            out.append({"rule": r.rule, "reason": "no decisions layer loaded"})
    return out
