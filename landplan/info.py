"""What is in a file, before a check: layers, geometry, CRS, fields, encoding, codes.

:func:`file_info` gathers it as plain data (dicts and lists, JSON-ready);
:func:`format_info` turns it into the text ``landplan info FILE`` prints.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from ._distinct import per_distinct
from ._labels import LANGS, label, labels
from ._numbers import format_number, format_numbers
from ._problems import Said, localized
from ._rulemeta import rule_meta
from ._tolerance import area_differs
from .codes import load_codes, normalize_codes, unknown_codes
from .crs import check_coordinates, is_metric_projected, vn2000_zone
from .errors import CRSError, InputError
from .io import is_text, list_layers, read_stored
from .schema import (
    clean_geometries,
    column_aliases,
    column_candidates,
    kind_readings,
    layer_kind,
    match_columns,
)

__all__ = ["file_info", "format_info"]

log = logging.getLogger(__name__)

_LAYER_KINDS = ("plan", "decisions", "projects", "corridors")
_SAMPLES = 5
_KIND_VALUES = 30  # distinct kind values listed by format_info (the JSON has them all)


def file_info(
    path: str | Path,
    layer: str | None = None,
    *,
    engine: str = "pyogrio",
    encoding: str | None = "auto",
) -> list[dict[str, Any]]:
    """Describe every layer of a file (or only ``layer``).

    Parameters
    ----------
    path
        Any file :func:`landplan.read_layer` reads.
    layer
        Only this layer.
    engine, encoding
        As for :func:`landplan.read_layer`.

    Returns
    -------
    list of dict
        One dict per layer with ``source``, ``layer``, ``features``, ``geometry_types``,
        ``crs`` (name, epsg, vn2000_zone, note, problem), ``bounds``, ``bounds_lonlat``,
        ``looks_like`` (decisions, plan, projects, corridors, from
        :func:`landplan.schema.layer_kind`) and ``evidence`` (the columns that tell),
        ``roles`` ({role: {column taken, candidates seen}}), ``fields`` (name, dtype, role),
        ``encoding`` (encoding, confidence, reason, declared, samples), ``geometry``
        (counts: empty, invalid with reasons, non_polygon, has_z), ``codes`` (column,
        distinct, missing, unknown), ``kinds`` (column, and ``values``: every distinct
        value of the kind column with the ``kind`` it is read as — None when unrecognised —
        and its ``count``) and ``area`` (column, compared, mismatch). A layer that cannot
        be read has ``error`` instead.

    Raises
    ------
    InputError
        The file cannot be opened at all.
    """
    layers = [layer] if layer is not None else list_layers(path, engine=engine)
    out = []
    for name in layers:
        single = len(layers) == 1 and layer is None
        try:
            gdf = read_stored(path, None if single and Path(path).suffix.lower() != ".zip"
                        else name, engine=engine, encoding=encoding)
        except InputError as exc:
            if len(layers) == 1:
                raise
            out.append({"source": f"{path}", "layer": name, "error": Said(exc)})
            continue
        out.append(_describe(gdf, name))
    return out


def _describe(gdf: Any, layer: str) -> dict[str, Any]:
    geometry = gdf.geometry
    arr = np.asarray(geometry.values, dtype=object)
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    types = Counter(str(t) for t in geometry[present].geom_type)
    info: dict[str, Any] = {
        "source": gdf.attrs.get("source", str(layer)),
        "layer": layer,
        "features": len(gdf),
        "geometry_types": dict(sorted(types.items())),
    }
    info["crs"] = _crs_info(gdf)
    info["bounds"], info["bounds_lonlat"] = _bounds(gdf, present)
    attributes = [c for c in gdf.columns if c != geometry.name]
    roles = {kind: match_columns(attributes, column_aliases(kind)) for kind in _LAYER_KINDS}
    looks_like, evidence = layer_kind([str(c) for c in attributes])
    info["looks_like"] = looks_like
    info["evidence"] = {role: col for part in evidence.values() for role, col in part.items()}
    by_column = {col: role for role, col in roles.get(looks_like, {}).items()}
    candidates = (column_candidates(attributes, column_aliases(looks_like))
                  if looks_like else {})
    info["roles"] = {role: {"column": col, "candidates": candidates.get(role, [col])}
                     for role, col in roles.get(looks_like, {}).items()}
    info["fields"] = [{"name": str(c), "dtype": str(gdf[c].dtype),
                       "role": by_column.get(c)} for c in attributes]
    info["encoding"] = _encoding_info(gdf, attributes)
    info["geometry"] = _geometry_info(geometry, arr, present)
    mapping = roles.get(looks_like, {})
    info["codes"] = _codes_info(gdf, mapping.get("land_use"))
    info["kinds"] = _kinds_info(gdf, mapping.get("kind"))
    info["area"] = _area_info(gdf, mapping.get("legal_area"), info["crs"])
    return info


def _crs_info(gdf: Any) -> dict[str, Any]:
    if gdf.crs is None:
        return {"name": None, "epsg": None, "vn2000_zone": None, "note": None,
                "problem": None}
    crs = CRS.from_user_input(gdf.crs)  # already resolved by the reader (crs_note)
    problem = None
    try:
        check_coordinates(gdf, gdf.attrs.get("source", ""))
    except CRSError as exc:
        problem = Said(exc)
    return {"name": crs.name, "epsg": crs.to_epsg(min_confidence=70),
            "vn2000_zone": vn2000_zone(crs), "metric": is_metric_projected(crs),
            "note": gdf.attrs.get("crs_note"), "problem": problem}


def _bounds(gdf: Any, present: np.ndarray) -> tuple[list[float] | None, list[float] | None]:
    if not present.any():
        return None, None
    b = shapely.bounds(np.asarray(gdf.geometry.values, dtype=object)[present])
    finite = np.isfinite(b).all(axis=1)
    if not finite.any():
        return None, None
    b = b[finite]
    bounds = [float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()),
              float(b[:, 3].max())]
    lonlat = None
    if gdf.crs is not None:
        try:
            t = Transformer.from_crs(gdf.crs, 4326, always_xy=True)
            xs, ys = t.transform([bounds[0], bounds[2]], [bounds[1], bounds[3]])
            if np.isfinite(xs).all() and np.isfinite(ys).all():
                lonlat = [round(float(v), 6) for v in (xs[0], ys[0], xs[1], ys[1])]
        except Exception:  # PROJ errors far outside a projection's domain
            lonlat = None
    return [round(v, 3) for v in bounds], lonlat


def _encoding_info(gdf: Any, attributes: list[str]) -> dict[str, Any]:
    detection = gdf.attrs.get("encoding")
    samples: list[str] = []
    for column in attributes:
        if not is_text(gdf[column]):
            continue
        values = pd.Series(gdf[column].dropna().unique(), dtype=object)
        rich = sorted(str(v) for v in values if isinstance(v, str) and not v.isascii())
        samples.extend(rich[:2])
        if len(samples) >= _SAMPLES:
            break
    if detection is None:
        return {"encoding": "utf-8", "confidence": 1.0,
                "reason": label("encoding_reason.unicode", "en"), "declared": None,
                "samples": samples[:_SAMPLES],
                "reasons": {lang: label("encoding_reason.unicode", lang) for lang in LANGS}}
    return {"encoding": detection.encoding, "confidence": round(detection.confidence, 2),
            "reason": detection.reason, "declared": gdf.attrs.get("encoding_declared"),
            "samples": samples[:_SAMPLES], "reasons": dict(detection.reasons)}


def _geometry_info(geometry: Any, arr: np.ndarray, present: np.ndarray) -> dict[str, Any]:
    _, status, note = clean_geometries(geometry)
    repaired = (status == "repaired").to_numpy()
    reasons = Counter(str(n).split("[")[0] for n in note[repaired])
    polygonal = np.isin(shapely.get_type_id(arr), (3, 6, 7))
    return {
        "empty": int((status == "unusable").sum() - (present & ~polygonal).sum()),
        "invalid": int(repaired.sum()),
        "invalid_reasons": dict(sorted(reasons.items())),
        "non_polygon": int((present & ~polygonal).sum()),
        "has_z": int(shapely.has_z(arr[present]).sum()) if present.any() else 0,
    }


def _codes_info(gdf: Any, column: str | None) -> dict[str, Any] | None:
    if column is None:
        return None
    codes = normalize_codes(gdf[column])
    registry = load_codes()
    unknown = per_distinct(codes, lambda c: tuple(unknown_codes(c, registry)), missing=())
    names = sorted({c for parts in unknown for c in parts})
    return {"column": column, "distinct": int(codes.nunique()),
            "missing": int(codes.isna().sum()), "unknown": names}


def _kinds_info(gdf: Any, column: str | None) -> dict[str, Any] | None:
    """How each distinct value of the kind column is read (once per distinct value)."""
    if column is None:
        return None
    table = kind_readings(gdf[column])
    return {"column": column, "values": [
        {"value": None if pd.isna(value) else value, "kind": None if pd.isna(kind) else kind,
         "count": int(count)}
        for value, kind, count in zip(table["value"], table["kind"], table["count"],
                                      strict=True)]}


def _area_info(gdf: Any, column: str | None, crs: dict[str, Any]) -> dict[str, Any] | None:
    if column is None or not crs.get("metric"):
        return None
    legal = pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=float)
    mapped = shapely.area(np.asarray(gdf.geometry.values, dtype=object)).astype(float)
    params = rule_meta()["area-mismatch"].params
    mismatch = area_differs(legal, mapped, params["tolerance_pct"], params["tolerance_m2"])
    return {"column": column, "compared": int(((legal > 0) & (mapped > 0)).sum()),
            "mismatch": int(mismatch.sum())}


def format_info(layers: list[dict[str, Any]], lang: str = "vi") -> str:
    """Return the text ``landplan info`` prints for :func:`file_info`'s result."""
    t = labels("info", lang)

    def n(value: float, decimals: int = 0) -> str:
        return format_number(value, lang, decimals)

    lines: list[str] = []
    for info in layers:
        lines.append(f"{t['file']}: {info['source']}")
        lines.append(f"  {t['layer']}: {info['layer']}")
        if "error" in info:
            lines.append(f"  {t['error']}: {localized(info['error'], lang)}")
            continue
        lines.append(f"  {t['features']}: {n(info['features'])}")
        types = ", ".join(f"{k} {n(v)}" for k, v in info["geometry_types"].items())
        lines.append(f"  {t['geometry_types']}: {types or t['none']}")
        lines += _crs_lines(info, t, lang)
        lines += _column_lines(info, t, lang)
        g = info["geometry"]
        reasons = ", ".join(f"{k} {n(v)}" for k, v in g["invalid_reasons"].items())
        lines.append(f"  {t['geometry']}: {t['empty']} {n(g['empty'])}, {t['invalid']} "
                     f"{n(g['invalid'])}" + (f" ({reasons})" if reasons else "")
                     + f", {t['non_polygon']} {n(g['non_polygon'])}, {t['has_z']} "
                       f"{n(g['has_z'])}")
        codes = info["codes"]
        if codes:
            unknown = ", ".join(codes["unknown"]) or t["none"]
            lines.append(f"  {t['codes']} ({codes['column']}): {t['distinct']} "
                         f"{n(codes['distinct'])}, {t['missing']} {n(codes['missing'])}, "
                         f"{t['unknown']}: {unknown}")
        lines += _kind_lines(info.get("kinds"), t, lang)
        area = info["area"]
        if area:
            lines.append(f"  {t['area']} ({area['column']}): {t['area_mismatch']}: "
                         f"{n(area['mismatch'])} / {n(area['compared'])}")
    return "\n".join(lines)


def _kind_lines(kinds: dict[str, Any] | None, t: dict[str, Any], lang: str) -> list[str]:
    """Return the lines of :func:`format_info` on how the kind column's values are read."""
    if not kinds:
        return []
    names = labels("kind", lang)
    lines = [f"  {t['decision_kinds']} ({kinds['column']}):"]
    for entry in kinds["values"][:_KIND_VALUES]:
        value = t["kind_blank"] if entry["value"] is None else f"'{entry['value']}'"
        read = (f"{names[entry['kind']]} ({entry['kind']})" if entry["kind"]
                else t["kind_unread"])
        lines.append(f"    - {value} → {read}: {format_number(entry['count'], lang)}")
    rest = kinds["values"][_KIND_VALUES:]
    if rest:
        more = t["kind_more"].format(n=format_number(len(rest), lang),
                                     count=format_number(sum(e["count"] for e in rest), lang))
        lines.append(f"    - {more}")
    return lines


def _crs_lines(info: dict[str, Any], t: dict[str, Any], lang: str) -> list[str]:
    """Return the lines of :func:`format_info` on a layer's CRS and extent (labels ``t``)."""
    lines: list[str] = []
    crs = info["crs"]
    lines.append(f"  {t['crs']}: " + (f"{crs['name']}"
                 + (f" (EPSG:{crs['epsg']})" if crs["epsg"] else "")
                 if crs["name"] else t["crs_none"]))
    if crs.get("vn2000_zone"):
        lines.append(f"  {t['vn2000_zone']}: {crs['vn2000_zone']}")
    if crs.get("note"):
        lines.append(f"  {t['crs_note']}: {localized(crs['note'], lang)}")
    if crs.get("problem"):
        lines.append(f"  {t['crs_problem']}: {localized(crs['problem'], lang)}")
    sep = t["list_separator"]
    if info["bounds"]:
        lines.append(f"  {t['bounds']}: "
                     + sep.join(format_numbers(info["bounds"], lang, 3)))
    if info["bounds_lonlat"]:
        lonlat = [str(v).replace(".", labels("number", lang)["decimal"])
                  for v in (f"{v:.6f}" for v in info["bounds_lonlat"])]
        lines.append(f"  {t['bounds_lonlat']}: " + sep.join(lonlat))
    return lines


def _column_lines(info: dict[str, Any], t: dict[str, Any], lang: str) -> list[str]:
    """Return the lines of :func:`format_info` on a layer's kind, columns and encoding."""
    lines: list[str] = []
    if info["looks_like"]:
        why = ", ".join(f"{col} ({role})" for role, col in info.get("evidence", {}).items())
        lines.append(f"  {t['looks_like']}: {t['kinds'][info['looks_like']]}"
                     + (f" — {t['because']} {why}" if why else ""))
    if info.get("roles"):
        lines.append(f"  {t['roles']}:")
        for role, taken in info["roles"].items():
            others = [c for c in taken["candidates"] if c != taken["column"]]
            seen = f" ({t['candidates']}: {', '.join(map(str, taken['candidates']))})" \
                if others else ""
            lines.append(f"    - {role}: {taken['column']}{seen}")
    enc = info["encoding"]
    declared = f"; {t['encoding_declared']} {enc['declared']}" if enc["declared"] else ""
    lines.append(f"  {t['encoding']}: {enc['encoding']} ({t['confidence']} "
                 f"{format_number(enc['confidence'], lang, 2)}{declared}) — "
                 f"{enc.get('reasons', {}).get(lang, enc['reason'])}")
    if enc["samples"]:
        lines.append(f"    {t['samples']}: " + " | ".join(enc["samples"]))
    lines.append(f"  {t['fields']}:")
    for field in info["fields"]:
        role = f"  [{t['role']}: {field['role']}]" if field["role"] else ""
        lines.append(f"    - {field['name']} ({field['dtype']}){role}")
    return lines
