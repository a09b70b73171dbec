"""Text and data made safe for the map page (:mod:`landplan.maps`).

Everything from a file reaches the page through one of these: :func:`escape` for HTML
written on the server (legend, panels), :func:`_text_name` for a layer's name (Leaflet's
layer control shows it with ``innerHTML``), :func:`_js` for JSON inside a ``<script>``
element and :func:`_features` for a layer's features (compact: quantised, delta-encoded
coordinates, columnar properties with short keys; :mod:`landplan._map_codec`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._map_codec import encode_layer
from ._numbers import format_number

_JSON_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("`", "\\u0060"),
                 ("$", "\\u0024"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def swatches(items: Iterable[tuple[str, object]]) -> str:
    """Return legend rows: a colour swatch and its escaped text, for each ``(colour, text)``."""
    return "".join(f'<div><span class="landplan-swatch" style="background:{escape(color)}">'
                   f"</span>{escape(text)}</div>" for color, text in items)


def count(n: int, lang: str) -> str:
    """Return a count as ``lang`` writes it: ``3.084`` in Vietnamese, ``3,084`` in English."""
    return format_number(int(n), lang)


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
    Braces too: folium re-reads a control's script as a Jinja template, where ``{{ … }}``
    in a name would be evaluated.
    """
    return html.escape(str(name), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def _js(value: Any) -> str:
    r"""Return JSON that is safe inside a ``<script>`` element and even a template literal.

    No ``<``, ``>``, ``&``, backtick or ``$`` (all written as ``\uXXXX`` escapes).
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in _JSON_ESCAPES:  # str.replace: ~10× faster than str.translate
        if char in text:
            text = text.replace(char, escaped)
    return text


def _features(geoms: np.ndarray, props: pd.DataFrame) -> str:
    """Return a layer's features as safe JSON text, in the compact encoding.

    Missing and empty geometries are left out; see :mod:`landplan._map_codec` for the
    encoding (quantised, delta-encoded coordinates, columnar properties).
    """
    return _js(_encoded(geoms, props)[0])


def _encoded(geoms: np.ndarray, props: pd.DataFrame) -> tuple[dict[str, Any], np.ndarray]:
    """Return :func:`landplan._map_codec.encode_layer` of the drawable features."""
    geoms = np.asarray(geoms, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return encode_layer(geoms[keep], props[keep].reset_index(drop=True))


def _to_wgs84(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Return the geometries of ``gdf`` in EPSG:4326 (as they are when it has no CRS)."""
    return gdf.to_crs(4326).geometry.values if gdf.crs is not None else gdf.geometry.values
