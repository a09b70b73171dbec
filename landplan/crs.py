"""Coordinate reference systems: VN-2000 zones and the projected working CRS.

Areas are always computed in a projected CRS in metres. The working CRS is the plan's
when it is projected in metres; otherwise the VN-2000 TM-3 zone whose central meridian
is nearest the data (inside Vietnam), or the UTM zone that fits (elsewhere).
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as _PyprojCRSError

from ._data import data_path
from .errors import CRSError

__all__ = ["is_metric_projected", "parse_crs", "vn2000_zone", "vn2000_zones", "working_crs"]

# Rough extent of Vietnam (lon/lat) where a VN-2000 TM-3 zone is chosen over UTM.
_VN_BOUNDS = (102.0, 8.0, 110.0, 23.5)


@lru_cache(maxsize=1)
def _zones() -> pd.DataFrame:
    return pd.read_csv(data_path("vn2000_zones.csv"))


def vn2000_zones() -> pd.DataFrame:
    """The VN-2000 / TM-3 zones: ``epsg, central_meridian, name``."""
    return _zones().copy()


def parse_crs(value: object, what: str = "CRS") -> CRS:
    """A :class:`pyproj.CRS` from ``EPSG:9209``, ``9209``, WKT or a CRS; clear error otherwise."""
    try:
        return CRS.from_user_input(int(value) if str(value).isdigit() else value)
    except (_PyprojCRSError, TypeError, ValueError) as exc:
        raise CRSError(
            f"{what} '{value}' is not a coordinate reference system PROJ knows. "
            "Give an EPSG code such as EPSG:9209 (VN-2000 / TM-3 105-30, Hải Dương)."
        ) from exc


def is_metric_projected(crs: CRS | None) -> bool:
    """Whether ``crs`` is projected with metre units on both axes."""
    if crs is None or not crs.is_projected:
        return False
    return all((axis.unit_name or "").lower() in {"metre", "meter"} for axis in crs.axis_info[:2])


def vn2000_zone(crs: CRS | None) -> str | None:
    """The VN-2000 zone name of ``crs`` ("VN-2000 / TM-3 105-30"), or None if not VN-2000."""
    if crs is None:
        return None
    epsg = crs.to_epsg(min_confidence=90)
    zones = _zones()
    hit = zones[zones["epsg"] == epsg]
    if len(hit):
        return str(hit["name"].iloc[0])
    return crs.name if "VN-2000" in crs.name or "VN_2000" in crs.name else None


def working_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """The projected CRS in metres in which a layer's areas are computed.

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
        raise CRSError("The layer has no CRS; assign one first (e.g. --crs EPSG:9209).")
    if is_metric_projected(gdf.crs):
        return CRS.from_user_input(gdf.crs)
    bounds = gdf.total_bounds
    if not all(map(pd.notna, bounds)):
        raise CRSError("The layer has no usable geometry to choose a working CRS from.")
    to_lonlat = Transformer.from_crs(gdf.crs, 4326, always_xy=True)
    lon, lat = to_lonlat.transform((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    x0, y0, x1, y1 = _VN_BOUNDS
    if x0 <= lon <= x1 and y0 <= lat <= y1:
        zones = _zones()
        best = zones.iloc[(zones["central_meridian"] - lon).abs().argsort(kind="stable")].iloc[0]
        return CRS.from_epsg(int(best["epsg"]))
    return gdf.estimate_utm_crs()
