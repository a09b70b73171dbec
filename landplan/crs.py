"""Coordinate reference systems: VN-2000 zones and the projected working CRS.

Areas are always computed in a projected CRS in metres. The working CRS is the plan's
when it is projected in metres; otherwise the VN-2000 TM-3 zone whose central meridian
is nearest the data (inside Vietnam), or the UTM zone that fits (elsewhere).
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as _PyprojCRSError

from ._data import data_path
from ._labels import labels
from ._problems import Said, Text
from .errors import CRSError

__all__ = ["check_coordinates", "is_metric_projected", "parse_crs", "plausible", "resolve_crs",
           "vn2000_zone", "vn2000_zones", "working_crs"]

# Rough extent of Vietnam (lon/lat) where a VN-2000 TM-3 zone is chosen over UTM.
_VN_BOUNDS = (102.0, 8.0, 110.0, 23.5)


@lru_cache(maxsize=1)
def _zones() -> pd.DataFrame:
    return pd.read_csv(data_path("vn2000_zones.csv"))


def vn2000_zones() -> pd.DataFrame:
    """Return the VN-2000 / TM-3 zones: ``epsg, central_meridian, name``."""
    return _zones().copy()


def parse_crs(value: object, what: str = "CRS") -> CRS:
    """Make a :class:`pyproj.CRS` from ``EPSG:9209``, ``9209``, WKT or a CRS.

    Anything else raises a clear error.
    """
    try:
        return CRS.from_user_input(int(value) if str(value).isdigit() else value)
    except (_PyprojCRSError, TypeError, ValueError) as exc:
        raise CRSError.of("crs.unknown", what=what, value=value) from exc


def is_metric_projected(crs: CRS | None) -> bool:
    """Whether ``crs`` is projected with metre units on both axes."""
    if crs is None or not crs.is_projected:
        return False
    return all((axis.unit_name or "").lower() in {"metre", "meter"} for axis in crs.axis_info[:2])


def vn2000_zone(crs: CRS | None) -> str | None:
    """Name the VN-2000 zone of ``crs`` ("VN-2000 / TM-3 105-30"); None if it is not VN-2000."""
    if crs is None:
        return None
    epsg = crs.to_epsg(min_confidence=90)
    zones = _zones()
    hit = zones[zones["epsg"] == epsg]
    if len(hit):
        return str(hit["name"].iloc[0])
    return crs.name if "VN-2000" in crs.name or "VN_2000" in crs.name else None


def working_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """Choose the projected CRS in metres in which a layer's areas are computed.

    Parameters
    ----------
    gdf
        A layer with a CRS (normally the plan).

    Returns
    -------
    pyproj.CRS
        ``gdf.crs`` when it is projected in metres; else the VN-2000 TM-3 zone with the
        nearest central meridian when the data lies in Vietnam; else its UTM zone.
    """
    if gdf.crs is None:
        raise CRSError.of("crs.none")
    if is_metric_projected(gdf.crs):
        return CRS.from_user_input(gdf.crs)
    bounds = gdf.total_bounds
    if not all(map(pd.notna, bounds)):
        raise CRSError.of("crs.no_geometry")
    to_lonlat = Transformer.from_crs(gdf.crs, 4326, always_xy=True)
    lon, lat = to_lonlat.transform((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    x0, y0, x1, y1 = _VN_BOUNDS
    if x0 <= lon <= x1 and y0 <= lat <= y1:
        zones = _zones()
        best = zones.iloc[(zones["central_meridian"] - lon).abs().argsort(kind="stable")].iloc[0]
        return CRS.from_epsg(int(best["epsg"]))
    return gdf.estimate_utm_crs()


# --- diagnostics -----------------------------------------------------------------------

# The VN-2000 -> WGS 84 shift as widely copied in .prj files (+towgs84, Position Vector).
_VN2000_SHIFT = (-191.90441429, -39.30318279, -111.45032835)
_TM3 = {"scale": 0.9999, "false_easting": 500000.0, "false_northing": 0.0}
# How far (degrees) outside a CRS's area of use data may lie before it is called misplaced.
_AREA_MARGIN = 2.0


def _projection_params(crs: CRS) -> dict[str, float]:
    """Transverse Mercator parameters of ``crs`` by role, {} if it is not TM."""
    op = crs.coordinate_operation
    if op is None or "transverse mercator" not in (op.method_name or "").lower():
        return {}
    roles = {"longitude of natural origin": "lon_0", "latitude of natural origin": "lat_0",
             "scale factor at natural origin": "scale", "false easting": "false_easting",
             "false northing": "false_northing"}
    return {roles[p.name.lower()]: float(p.value) for p in op.params
            if p.name.lower() in roles}


def _shift_of(crs: CRS) -> tuple[str, tuple[float, ...]]:
    """("epsg" | "towgs84-position-vector" | "towgs84-coordinate-frame" | "none", params)."""
    if crs.is_bound:
        op = crs.coordinate_operation
        method = (op.method_name or "").lower() if op else ""
        values = tuple(float(p.value) for p in op.params) if op else ()
        kind = "coordinate-frame" if "coordinate frame" in method else "position-vector"
        return f"towgs84-{kind}", values
    datum = (crs.datum.name if crs.datum else "") or ""
    if datum.lower().startswith("unknown") or "wgs 84 ellipsoid" in datum.lower():
        return "none", ()
    return "epsg", ()


def _is_vn2000_name(text: str) -> bool:
    key = text.lower().replace("_", "-").replace(" ", "-")
    return "vn-2000" in key or "vietnam-2000" in key or "vn2000" in key


def resolve_crs(crs: CRS) -> tuple[CRS, str | None]:
    """Interpret a layer's declared CRS; VN-2000 variants become their EPSG CRS.

    A ".prj" of VN-2000 / TM-3 without a datum shift ("VN-2000 nội bộ": ~230 m off
    WGS 84 imagery when taken literally) or with the widely copied ``+towgs84`` (Position
    Vector convention, 0.7–1.3 m off EPSG:6960) is replaced by the EPSG VN-2000 / TM-3
    CRS of the same central meridian, whose transformation to WGS 84 is EPSG:6960.

    Parameters
    ----------
    crs
        The CRS a layer declares.

    Returns
    -------
    crs : pyproj.CRS
        The CRS to use (``crs`` itself unless it was a recognised VN-2000 variant).
    note : str or None
        What was recognised and what is used instead, for the user; None if nothing.

    Examples
    --------
    >>> prj = ("+proj=tmerc +lon_0=105.5 +k=0.9999 +x_0=500000 +ellps=WGS84 "
    ...        "+towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,"
    ...        "0.01975479,-0.00427372,0.252906278 +units=m")
    >>> used, note = resolve_crs(CRS.from_proj4(prj))
    >>> used.to_epsg(), "Position Vector" in note
    (9209, True)
    """
    source = crs.source_crs if crs.is_bound else crs
    params = _projection_params(source)
    tm3 = bool(params) and all(abs(params.get(k, -1.0) - v) < 1e-6 for k, v in _TM3.items())
    if not tm3:
        return crs, None
    zones = _zones()
    hit = zones[(zones["central_meridian"] - params.get("lon_0", -999)).abs() < 1e-6]
    if hit.empty:
        return crs, None
    epsg = int(hit["epsg"].iloc[0])
    official = CRS.from_epsg(epsg)
    if crs == official:
        return crs, None
    shift, values = _shift_of(crs)
    datum = (source.datum.name if source.datum else "") or ""
    named = _is_vn2000_name(crs.name) or _is_vn2000_name(datum)
    wgs84 = "wgs" in datum.lower() or "world geodetic system 1984" in datum.lower()
    if shift == "epsg" and wgs84 and named:
        shift = "none"  # "VN-2000" projection on the WGS 84 datum: no shift
    elif shift == "epsg" and not named:
        return crs, None  # another datum at the same meridian: not ours to reinterpret
    if shift.startswith("towgs84") and not (
            len(values) >= 3
            and all(abs(a - b) < 0.01 for a, b in zip(values, _VN2000_SHIFT, strict=False))):
        return crs, None
    what = Text("crs." + {"none": "vn2000_none", "epsg": "vn2000_epsg",
                          "towgs84-position-vector": "vn2000_position_vector",
                          "towgs84-coordinate-frame": "vn2000_coordinate_frame"}[shift])
    if shift == "none" and not named:
        what = Text("crs.tm3_unnamed")
    # a str (English) that says itself in Vietnamese too (note.localized("vi"))
    note = Text("crs.note", what=what, epsg=epsg, name=hit["name"].iloc[0])
    return CRS.from_epsg(epsg), note


_MAX_COORDINATE = 1e12  # beyond any CRS's range: a corrupt record


def plausible(xy: np.ndarray) -> np.ndarray:
    """Tell which rows of an (n, 2) coordinate array are finite and within ±1e12.

    No CRS has larger values: NaN, inf and 1e300 are corrupt records.
    """
    within = np.abs(xy) <= _MAX_COORDINATE  # False for NaN and inf too
    return within[:, 0] & within[:, 1]


def _centre_lonlat(x: float, y: float, crs: CRS, to_lonlat: Transformer, where: str,
                   fix: str) -> tuple[float, float]:
    """Return a layer's centre ``x, y`` as longitude and latitude (NaN where PROJ fails).

    Raises :class:`CRSError` when the coordinates are in the wrong unit for ``crs``:
    degrees (possibly swapped) in a geographic CRS, metres in a projected one.
    """
    degrees = abs(x) <= 180 and abs(y) <= 90
    if crs.is_geographic:
        if not degrees and abs(x) <= 90 and abs(y) <= 180:
            raise CRSError.of("crs.lonlat_swapped", where=where, crs=crs.name)
        if not degrees:
            raise CRSError.of("crs.not_degrees", where=where, crs=crs.name, fix=fix)
        lon, lat = x, y  # GeoPandas keeps x = longitude whatever the CRS's axis order
    else:
        if degrees and is_metric_projected(crs):
            raise CRSError.of("crs.degrees", where=where, crs=crs.name, fix=fix)
        try:
            lon, lat = to_lonlat.transform(x, y)
        except Exception:  # PROJ may fail far outside the projection's domain
            lon, lat = float("nan"), float("nan")
    return lon, lat


def _number(value: float, spec: str) -> Said:
    """``value`` written with ``spec``, its separators those of each language (583.141,5)."""
    def write(lang: str) -> str:
        words = labels("number", lang)
        swap = str.maketrans({",": words["thousands"], ".": words["decimal"]})
        return format(value, spec).translate(swap)

    return Said(write)


def check_coordinates(gdf: gpd.GeoDataFrame, label: str = "the layer") -> None:
    """Raise :class:`CRSError` when a layer's coordinates do not fit its CRS.

    Catches longitude/latitude degrees in a projected layer, metres in a geographic one,
    swapped x/y, and data far from where the CRS is used (e.g. a wrong .prj). The test
    uses the median centre of the geometries, so a few wild records do not fail a layer
    (those are reported by the rules).

    Parameters
    ----------
    gdf
        A layer with a CRS.
    label
        The layer's name in the message (its file).
    """
    if gdf.crs is None or len(gdf) == 0:
        return
    bounds = shapely.bounds(np.asarray(gdf.geometry.values, dtype=object))
    centres = (bounds[:, :2] + bounds[:, 2:]) / 2
    centres = centres[plausible(centres)]
    if not len(centres):
        return
    x, y = np.median(centres, axis=0)
    crs = CRS.from_user_input(gdf.crs)
    where = Text("crs.where", source=label, x=_number(x, ",.6g"), y=_number(y, ",.6g"))
    fix = Text("crs.fix")
    to_lonlat = Transformer.from_crs(crs, 4326, always_xy=True)
    lon, lat = _centre_lonlat(x, y, crs, to_lonlat, where, fix)
    area = crs.area_of_use
    if area is None:
        return

    def inside(lo: float, la: float) -> bool:
        return (area.west - _AREA_MARGIN <= lo <= area.east + _AREA_MARGIN
                and area.south - _AREA_MARGIN <= la <= area.north + _AREA_MARGIN)

    if inside(lon, lat):
        return
    try:
        swapped = to_lonlat.transform(y, x)
    except Exception:  # as above
        swapped = None
    if swapped is not None and inside(*swapped):
        raise CRSError.of("crs.xy_swapped", where=where, crs=crs.name,
                          area=area.name.rstrip("."))
    place = (Text("crs.place", lon=_number(lon, ".3f"), lat=_number(lat, ".3f"))
             if np.isfinite([lon, lat]).all() else Text("crs.outside_domain"))
    raise CRSError.of("crs.far", where=where, place=place, crs=crs.name,
                      area=area.name.rstrip("."), fix=fix)
