"""Plan lookup for the web service: a place (parcel, point or polygon) → what the plan says.

Vectorised over the STRtrees of :class:`~landplan._serve_index.ServeData`: one bulk query per
layer, then shapely's array intersections; no Python loop over geometries.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from ._serve_errors import ApiError
from ._serve_index import ServeData, parcel_key
from .codes import code_name, code_names, load_codes

MAX_AREA_HA = 5_000.0
"""The largest polygon a lookup answers for."""
MAX_PARCELS = 200
"""The most parcels one answer lists."""


def jsonable(value: object) -> object:
    """Return a cell as JSON: None for missing, plain numbers, ISO dates."""
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else stamp.strftime("%Y-%m-%d")
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else round(float(value), 2)
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def to_wgs84(data: ServeData, geoms: np.ndarray) -> list[dict | None]:
    """GeoJSON geometries (lon/lat, 7 decimals) of working-CRS geometries."""
    def move(xy: np.ndarray) -> np.ndarray:
        lon, lat = data.to_wgs84.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    moved = shapely.transform(np.asarray(geoms, dtype=object), move)
    moved = shapely.set_precision(moved, 1e-7)
    return [None if g is None else json.loads(g)
            for g in shapely.to_geojson(moved).tolist()]


def parcel_features(data: ServeData, rows: np.ndarray) -> list[dict]:
    """Return the parcels ``rows`` as GeoJSON Features (WGS 84) with their attributes."""
    if data.parcels is None or not len(rows):
        return []
    drawn = data.parcel_geoms[rows]
    geoms = to_wgs84(data, drawn)
    area = shapely.area(drawn)
    fields = data.parcel_fields()
    columns = {f: data.parcel_columns[f][rows] for f in fields}
    return [{"type": "Feature", "geometry": geoms[i],
             "properties": {**{f: jsonable(columns[f][i]) for f in fields},
                            "area_m2": jsonable(area[i])}}
            for i in range(len(rows))]


def find_parcels(data: ServeData, sheet: str, parcel_no: str, unit: str | None) -> np.ndarray:
    """Rows of the cadastre with this sheet and number (and unit); refused when none."""
    if data.parcels is None:
        raise ApiError("no_parcels")
    rows = data.by_number.get((parcel_key(sheet), parcel_key(parcel_no)),
                              np.empty(0, dtype=np.int64))
    if unit is not None and len(rows):
        units = data.parcel_columns["unit"][rows]
        rows = rows[np.array([parcel_key(u) == parcel_key(unit) for u in units], dtype=bool)]
    if not len(rows):
        raise ApiError("parcel_not_found", sheet=sheet, parcel_no=parcel_no,
                       unit=f" ({unit})" if unit else "")
    return rows


def one_parcel(data: ServeData, sheet: str, parcel_no: str, unit: str | None) -> int:
    """Return the one parcel so numbered; refused when several."""
    rows = find_parcels(data, sheet, parcel_no, unit)
    if len(rows) > 1:
        units = sorted({str(u) for u in data.parcel_columns["unit"][rows]})
        if unit is None and len(units) > 1:
            raise ApiError("ambiguous_parcel", n=len(rows), sheet=sheet, parcel_no=parcel_no,
                           units=", ".join(units))
        raise ApiError("duplicate_parcel", n=len(rows), sheet=sheet, parcel_no=parcel_no,
                       unit=f" ({unit})" if unit else "")
    return int(rows[0])


def point_in_working(data: ServeData, x: float, y: float, crs: str) -> shapely.Point:
    """Return a point given in ``crs`` (lon/lat for EPSG:4326), in the working CRS."""
    try:
        transformer = data.transformer(crs)
    except Exception as exc:  # pyproj's CRSError and friends: an unreadable CRS
        raise ApiError("bad_crs", crs=crs) from exc
    try:
        wx, wy = transformer.transform(x, y, errcheck=True)
    except Exception as exc:
        raise ApiError("bad_coordinates", detail=str(exc) or "?") from exc
    if not (math.isfinite(wx) and math.isfinite(wy)):
        raise ApiError("bad_coordinates", detail=f"{x}, {y}")
    return shapely.Point(wx, wy)


def polygon_in_working(data: ServeData, geojson: dict) -> shapely.Geometry:
    """Return a GeoJSON polygon (WGS 84) in the working CRS, repaired.

    Refused when unusable.
    """
    try:
        geom = shapely.from_geojson(json.dumps(geojson))
    except Exception as exc:
        raise ApiError("bad_geometry", detail=str(exc).splitlines()[0][:200]) from exc
    if geom is None or geom.is_empty or shapely.get_type_id(geom) not in (3, 6):
        raise ApiError("bad_geometry", detail="not a Polygon or MultiPolygon")
    x0, y0, x1, y1 = geom.bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise ApiError("bad_geometry", detail="coordinates outside lon/lat ranges")
    if shapely.get_num_coordinates(geom) > 100_000:
        raise ApiError("bad_geometry", detail="more than 100,000 vertices")
    transformer = data.transformer("EPSG:4326")

    def move(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    geom = shapely.make_valid(shapely.transform(geom, move))
    geom = shapely.union_all(shapely.get_parts(geom)[np.isin(
        shapely.get_type_id(shapely.get_parts(geom)), (3, 6))])
    area = float(shapely.area(geom)) if geom is not None else 0.0
    if not math.isfinite(area) or area <= 0:
        raise ApiError("bad_geometry", detail="no area")
    if area / 10_000 > MAX_AREA_HA:
        raise ApiError("too_large", area=area / 10_000, limit=MAX_AREA_HA)
    return geom


def parcels_at(data: ServeData, region: shapely.Geometry) -> np.ndarray:
    """Rows of the cadastre meeting ``region`` (at most :data:`MAX_PARCELS` + 1)."""
    if data.parcels is None:
        return np.empty(0, dtype=np.int64)
    rows = np.sort(data.trees["parcels"].query(region, predicate="intersects"))
    return rows[:MAX_PARCELS + 1]


def _areas(tree_geoms: np.ndarray, idx: np.ndarray, region: shapely.Geometry) -> np.ndarray:
    """Intersection areas of ``tree_geoms[idx]`` with ``region`` (NaN for a point region)."""
    if region.geom_type == "Point":
        return np.full(len(idx), np.nan)
    return shapely.area(shapely.intersection(tree_geoms[idx], region))


def plan_at(data: ServeData, region: shapely.Geometry, lang: str) -> dict:
    """Return what the plan says at ``region``.

    Each version's uses, the corridors, projects and plan changes there.
    """
    names = _names(lang)
    point = region.geom_type == "Point"
    total = None if point else float(shapely.area(region))
    idx = data.zone_tree.query(region, predicate="intersects")
    area = _areas(data.zones, idx, region)
    keep = np.ones(len(idx), dtype=bool) if point else area > 0.005
    idx, area = idx[keep], area[keep]
    sums: dict[str, dict[str, float]] = {}  # version -> code -> area (the zones found)
    for version, code, a in zip(data.zone_version[idx], data.zone_code[idx], area,
                                strict=True):
        per = sums.setdefault(version, {})
        per[code] = per.get(code, 0.0) + (0.0 if np.isnan(a) else float(a))
    in_force = data.in_force()
    versions = []
    for row in data.versions.itertuples(index=False):
        part = sorted(sums.get(row.plan_version, {}).items(), key=lambda e: (-e[1], e[0]))
        uses = [{"land_use": code, "name": code_name(code, None, lang, names),
                 "area_m2": None if point else jsonable(a),
                 "share": round(1.0 / len(part) if point else a / total, 4)}
                for code, a in part]
        versions.append({"plan_version": row.plan_version, "approved": jsonable(row.approved),
                         "in_force": row.plan_version == in_force, "uses": uses})
    return {"area_m2": jsonable(total), "in_force": in_force, "plan": versions,
            "corridors": _corridors(data, region), "projects": _projects(data, region, lang),
            "changes": _changes(data, region)}


def _corridors(data: ServeData, region: shapely.Geometry) -> list[dict]:
    if data.corridors is None:
        return []
    c = data.corridors
    idx = np.sort(data.trees["corridors"].query(region, predicate="intersects"))
    area = _areas(np.asarray(c.geometry.values, dtype=object), idx, region)
    return [{"name": jsonable(c["name"].iat[i]), "restriction": jsonable(c["restriction"].iat[i]),
             "allowed": [a for a in str(c["allowed"].iat[i] or "").split(",") if a],
             "area_m2": jsonable(a)} for i, a in zip(idx, area, strict=True)]


def _projects(data: ServeData, region: shapely.Geometry, lang: str) -> list[dict]:
    if data.projects is None:
        return []
    p = data.projects
    idx = np.sort(data.trees["projects"].query(region, predicate="intersects"))
    area = _areas(np.asarray(p.geometry.values, dtype=object), idx, region)
    names = _names(lang)
    return [{"project_name": jsonable(p["project_name"].iat[i]),
             "year": jsonable(p["year"].iat[i]), "land_use": jsonable(p["land_use"].iat[i]),
             "name": code_name(p["land_use"].iat[i], None, lang, names) if isinstance(
                 p["land_use"].iat[i], str) else None,
             "area_m2": jsonable(a)} for i, a in zip(idx, area, strict=True)]


@lru_cache(maxsize=2)
def _names(lang: str) -> dict[str, str]:
    return code_names(load_codes(), lang)


def _changes(data: ServeData, region: shapely.Geometry) -> list[dict]:
    if not len(data.changes):
        return []
    ch = data.changes
    idx = np.sort(data.change_tree.query(region, predicate="intersects"))
    area = _areas(np.asarray(ch.geometry.values, dtype=object), idx, region)
    keep = np.isnan(area) | (area > 0.005)
    return [{"new_version": jsonable(ch["new_version"].iat[i]),
             "old_land_use": jsonable(ch["old_land_use"].iat[i]),
             "new_land_use": jsonable(ch["new_land_use"].iat[i]),
             "area_m2": jsonable(a)} for i, a in zip(idx[keep], area[keep], strict=True)]
