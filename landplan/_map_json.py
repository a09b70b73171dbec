"""Text and data made safe for the map page (:mod:`landplan.maps`).

Everything from a file reaches the page through one of these: :func:`escape` for HTML
written on the server (legend, panels), :func:`_text_name` for a layer's name (Leaflet's
layer control shows it with ``innerHTML``), :func:`_js` for JSON inside a ``<script>``
element and :func:`_features` for a layer's GeoJSON (compact: rounded coordinates, short
property keys, missing values left out).
"""

from __future__ import annotations

import html
import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

_DECIMALS = 6  # ~0.1 m: finer than a screen pixel at any useful zoom

_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                               "`": "\\u0060", "$": "\\u0024", "\u2028": "\\u2028",
                               "\u2029": "\\u2029"})


def escape(value: object) -> str:
    """Make text safe inside HTML and inside a JavaScript template literal.

    For server-side HTML such as the legend and the summary panel.

    Parameters
    ----------
    value
        Any value: None and missing values give ``""``, floats are written with one
        decimal and thousands separators, timestamps as ``YYYY-MM-DD``.

    Returns
    -------
    str
        The text with ``&``, ``<``, ``>``, quotes, backticks, ``$`` and backslashes as
        HTML character references.
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        value = f"{value:,.1f}"
    elif isinstance(value, (pd.Timestamp, np.datetime64)):
        value = pd.Timestamp(value).strftime("%Y-%m-%d")
    text = html.escape(str(value), quote=True)
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def _text_name(name: str) -> str:
    """Return a layer name as the HTML that shows it as text.

    Leaflet's layer control puts each layer's name into the page with ``innerHTML``, so the
    name every landplan layer hands to folium is escaped here, once, where it is made: a
    plan version (``phien_ban``), a raster's file name or a caller's ``name=`` shows as the
    characters it is, in landplan's control and in a ``folium.LayerControl`` of your own.
    """
    return html.escape(str(name), quote=True)


def _js(value: Any) -> str:
    r"""Return JSON that is safe inside a ``<script>`` element and even a template literal.

    No ``<``, ``>``, ``&``, backtick or ``$`` (all written as ``\uXXXX`` escapes).
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_JSON_ESCAPES)


def _clean(value: Any) -> Any:
    """Return a property value as JSON-friendly Python (None for missing, rounded floats)."""
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else round(float(value), 1)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")
    if not isinstance(value, str) and pd.isna(value):
        return None
    return value if isinstance(value, (str, int, bool)) else str(value)


def _features(geoms: np.ndarray, props: pd.DataFrame) -> str:
    """Return a GeoJSON FeatureCollection as safe JSON text: rounded coordinates, short keys."""
    geoms = np.asarray(geoms, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms = shapely.transform(geoms[keep], lambda c: np.round(c, _DECIMALS))
    texts = shapely.to_geojson(geoms)
    records = props[keep].to_dict("records")
    parts = []
    for text, record in zip(texts, records, strict=True):
        clean = {k: v for k, v in ((k, _clean(v)) for k, v in record.items()) if v is not None}
        parts.append(f'{{"type":"Feature","properties":{_js(clean)},"geometry":{text}}}')
    body = ",".join(parts).replace("<", "\\u003c").replace(">", "\\u003e")
    return f'{{"type":"FeatureCollection","features":[{body}]}}'


def _to_wgs84(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Return the geometries of ``gdf`` in EPSG:4326 (as they are when it has no CRS)."""
    return gdf.to_crs(4326).geometry.values if gdf.crs is not None else gdf.geometry.values
