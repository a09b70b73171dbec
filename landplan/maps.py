"""Interactive Folium maps of a check, for inspectors in the field and for the public.

:func:`make_map` returns a :class:`folium.Map` with toggleable layers — plan zones in the
official palette (one layer per plan version), decisions coloured by status, findings
(conflicting parts) by severity, and optional annual-plan projects, restriction
corridors, plan adjustments and a raster image — plus a legend, a summary panel, layer
control, fullscreen, search by parcel id or decision number, measure, scale bar and
mini-map.

Safety: attribute text is data, never markup. Layer data is embedded as JSON with ``<``,
``>`` and ``&`` escaped, popups, tooltips and search tips are built in the browser with
``textContent``, layer names (plan versions, raster file names) are HTML-escaped where the
layer is made (Leaflet's layer control uses ``innerHTML``), and the legend and panels are
escaped on the server, so nothing from a file is ever parsed as HTML or script
(docs/maps.md lists every path).

Offline: ``offline=True`` inlines Leaflet and the plugins from pinned copies shipped in
``landplan/data/assets`` (see its README) and uses no basemap, so the saved HTML makes no
network request at all. Large layers: geometry is simplified (plan zones with
``shapely.coverage_simplify``, which keeps shared edges shared), coordinates are rounded
to 6 decimals (~0.1 m), properties use short keys, names are looked up client-side,
rendering uses canvas, and compliant decisions are drawn only when asked.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from ._data import data_path, load_toml
from ._labels import colors, prefixed
from ._labels import labels as _section
from .check import CheckResult
from .codes import code_color, code_names, load_codes
from .schema import column_aliases, version_table

__all__ = [
    "PERSONAL_ROLES",
    "corridors_layer",
    "decisions_layer",
    "escape",
    "findings_layer",
    "geo_layer",
    "make_map",
    "plan_changes_layer",
    "plan_diff_map",
    "plan_layer",
    "projects_layer",
    "raster_layer",
    "save_map",
]

PERSONAL_ROLES = ("owner", "address", "id_number")
_STATUS_COLORS = colors("status")  # landplan/data/labels.toml, in the legend's order
_SEVERITY_COLORS = colors("severity")
_DECIMALS = 6  # ~0.1 m: finer than a screen pixel at any useful zoom


def _labels(lang: str) -> dict[str, str]:
    return {**_section("map", lang), **prefixed(("status", "severity", "kind"), lang)}


# --- safe, compact data ------------------------------------------------------------------

def escape(value: object) -> str:
    """Text safe inside HTML and inside a JavaScript template literal (for server-side
    HTML such as the legend and summary panel)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        value = f"{value:,.1f}"
    elif isinstance(value, (pd.Timestamp, np.datetime64)):
        value = pd.Timestamp(value).strftime("%Y-%m-%d")
    text = html.escape(str(value), quote=True)
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                               "`": "\\u0060", "$": "\\u0024", "\u2028": "\\u2028",
                               "\u2029": "\\u2029"})


def _text_name(name: str) -> str:
    """A layer name as the HTML that shows it as text.

    Leaflet's layer control puts each layer's name into the page with ``innerHTML``, so the
    name every landplan layer hands to folium is escaped here, once, where it is made: a
    plan version (``phien_ban``), a raster's file name or a caller's ``name=`` shows as the
    characters it is, in landplan's control and in a ``folium.LayerControl`` of your own.
    """
    return html.escape(str(name), quote=True)


def _js(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element and even a template literal: no
    ``<``, ``>``, ``&``, backtick or ``$`` (all written as ``\\uXXXX`` escapes)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_JSON_ESCAPES)


def _clean(value: Any) -> Any:
    """A property value as JSON-friendly Python (None for missing, rounded floats)."""
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
    """A GeoJSON FeatureCollection as safe JSON text: rounded coordinates, short keys."""
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
    return gdf.to_crs(4326).geometry.values if gdf.crs is not None else gdf.geometry.values


# --- the layer element -------------------------------------------------------------------

class _GeoLayer(folium.map.Layer):
    """A GeoJSON layer embedded as safe JSON, styled and labelled in the browser."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.data }}, {
            style: function (f) { return LANDPLAN.style({{ this.style }}, f); },
            pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 5}); },
            onEachFeature: function (f, layer) {
                LANDPLAN.bind(layer, f, {{ this.popup }}, {{ this.tooltip }});
            }
        });
        LANDPLAN.layers[{{ this.key }}] = {{ this.get_name() }};
        {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
        {% endmacro %}
    """)

    def __init__(self, data: str, *, name: str, style: Mapping[str, Any],
                 popup: list[list[str]] | None = None, tooltip: list[list[str]] | None = None,
                 show: bool = True, key: str | None = None) -> None:
        super().__init__(name=_text_name(name), overlay=True, control=True, show=show)
        self._name = "GeoLayer"
        self.key = _js(key or name)
        self.data = data
        self.style = _js(dict(style))
        self.popup = _js(popup or [])
        self.tooltip = _js(tooltip or [])


_RUNTIME = """
window.LANDPLAN = (function () {
  var names = %(names)s, legal = %(legal)s;
  function text(v) { return (v === undefined || v === null) ? "" : String(v); }
  function value(f, key) {
    if (key.charAt(0) === "%%") { return text(f.properties[key.slice(1)]).split(", ")
      .map(function (r) { return legal[r] || ""; }).filter(function (x) { return x; })
      .join("\\n"); }
    if (key.charAt(0) === "@") { return names[f.properties[key.slice(1)]] ||
      text(f.properties[key.slice(1)]).split("+").map(function (c) { return names[c] || c; })
      .join(" + "); }
    return f.properties[key];
  }
  function table(f, fields) {
    var box = document.createElement("div"), t = document.createElement("table");
    box.className = "landplan-popup";
    fields.forEach(function (pair) {
      var v = value(f, pair[0]);
      if (v === undefined || v === null || v === "") { return; }
      var row = t.insertRow(), th = document.createElement("th");
      th.textContent = pair[1]; row.appendChild(th); row.insertCell().textContent = text(v);
    });
    box.appendChild(t); return box;
  }
  function line(f, fields) {
    var span = document.createElement("span");
    span.textContent = fields.map(function (p) { return text(value(f, p[0])); })
      .filter(function (s) { return s !== ""; }).join(" · ");
    return span;
  }
  return {
    names: names,
    layers: {},
    searchTip: function (q) {
      /* leaflet-search would put the tip (decision number · parcel) in with innerHTML */
      var li = document.createElement("li"); li.textContent = text(q); return li;
    },
    style: function (s, f) {
      var key = s.by ? f.properties[s.by] : null;
      var color = (s.colors && s.colors[key]) || s.color || "#666666";
      return {color: s.stroke || color, weight: s.weight || 1, opacity: 1,
              fillColor: color, fillOpacity: (s.fill === undefined ? 0.6 : s.fill),
              dashArray: s.dash || null};
    },
    bind: function (layer, f, popup, tooltip) {
      if (popup.length) { layer.bindPopup(function () { return table(f, popup); },
                                          {maxWidth: 420}); }
      if (tooltip.length) { layer.bindTooltip(function () { return line(f, tooltip); },
                                              {sticky: true}); }
    }
  };
})();
"""

_CSS = """
.landplan-popup table { border-collapse: collapse; font: 12px sans-serif; }
.landplan-popup th { text-align: left; padding: 2px 6px 2px 0; vertical-align: top;
  white-space: nowrap; color: #444; }
.landplan-popup td { padding: 2px 0; white-space: pre-line; }
.landplan-panel { position: absolute; z-index: 1000; background: rgba(255,255,255,.94);
  padding: 6px 8px; font: 11px sans-serif; border: 1px solid #999; border-radius: 4px;
  max-height: 45%; overflow: auto; }
.landplan-panel table { border-collapse: collapse; }
.landplan-panel td, .landplan-panel th { padding: 1px 4px; text-align: left; }
.landplan-swatch { display: inline-block; width: 14px; height: 10px; margin-right: 4px;
  border: 1px solid #666; vertical-align: middle; }
"""


def _add_runtime(fmap: folium.Map, codes: pd.DataFrame, lang: str) -> None:
    """The page's styles and the ``LANDPLAN`` helpers (names, legal bases, popups)."""
    runtime = _RUNTIME % {"names": _js(code_names(codes, lang)), "legal": _js(_legal())}
    fmap.get_root().header.add_child(
        Element(f"<style>{_CSS}</style><script>{runtime}</script>"), name="landplan_runtime")


def _legal() -> dict[str, str]:
    from .rules import RULES

    return {rule.id: rule.legal_basis() for rule in RULES.values()}


def _style(colors: Mapping[str, str] | None = None, by: str | None = None, **extra: Any
           ) -> dict[str, Any]:
    style: dict[str, Any] = {"colors": dict(colors or {}), "by": by}
    style.update(extra)
    return style


def geo_layer(gdf: gpd.GeoDataFrame, props: pd.DataFrame, *, name: str,
              style: Mapping[str, Any], popup: list[list[str]] | None = None,
              tooltip: list[list[str]] | None = None, show: bool = True,
              key: str | None = None) -> _GeoLayer:
    """A compact, safe GeoJSON layer from a GeoDataFrame and its properties.

    Parameters
    ----------
    gdf
        Geometries (any CRS; converted to EPSG:4326).
    props
        Properties, aligned with ``gdf``; keep keys short.
    style
        ``{"by": key, "colors": {value: "#RRGGBB"}, "color", "stroke", "weight", "fill",
        "dash"}``.
    popup, tooltip
        ``[[key, label], ...]``; a key starting with ``@`` shows the land-use name of the
        code in that property, one starting with ``%`` the legal basis of the rule ids in
        it.
    key
        Name under which the Leaflet layer is kept in ``LANDPLAN.layers`` in the page
        (default: ``name``).
    """
    data = _features(_to_wgs84(gdf), props.reset_index(drop=True))
    return _GeoLayer(data, name=name, style=style, popup=popup, tooltip=tooltip, show=show,
                     key=key)


# --- the layers ----------------------------------------------------------------------------

def plan_layer(plan: gpd.GeoDataFrame, *, lang: str = "vi", codes: pd.DataFrame | None = None,
               name: str | None = None, show: bool = True,
               simplify_m: float = 0.5) -> _GeoLayer:
    """Plan zones in the official palette; tooltip code and name.

    Zones are simplified by ``simplify_m`` metres keeping shared edges shared
    (``shapely.coverage_simplify``) when the layer is in a projected CRS.
    """
    codes = load_codes() if codes is None else codes
    labels = _labels(lang)
    zones = plan[plan.geometry.notna() & ~plan.geometry.is_empty]
    geoms = _simplified(zones, simplify_m)
    colors = {c: code_color(c, codes) for c in zones["land_use"].dropna().unique()}
    props = pd.DataFrame({"c": zones["land_use"].to_numpy(dtype=object)})
    version = zones["plan_version"].dropna().iloc[0] if "plan_version" in zones.columns and \
        zones["plan_version"].notna().any() else "v1"
    return geo_layer(gpd.GeoDataFrame(geometry=geoms, crs=zones.crs), props,
                     name=name or labels["plan"], show=show, key=f"plan:{version}",
                     style=_style(colors, "c", stroke="#777777", weight=0.5, fill=0.65),
                     tooltip=[["c", labels["code"]], ["@c", labels["name"]]])


def _simplified(zones: gpd.GeoDataFrame, tolerance: float) -> np.ndarray:
    geoms = zones.geometry.values
    if zones.crs is None or not zones.crs.is_projected or tolerance <= 0:
        return np.asarray(geoms, dtype=object)
    try:
        return shapely.coverage_simplify(np.asarray(geoms, dtype=object), tolerance)
    except shapely.errors.GEOSException:  # not a clean coverage: simplify zone by zone
        return shapely.simplify(np.asarray(geoms, dtype=object), tolerance,
                                preserve_topology=True)


def decisions_layer(decisions: gpd.GeoDataFrame, findings: gpd.GeoDataFrame, *,
                    lang: str = "vi", all_decisions: bool = False, public: bool = False,
                    name: str | None = None) -> _GeoLayer | None:
    """Decisions coloured by status: violations and unchecked always, compliant ones only
    with ``all_decisions=True``. Popups give the parcel, decision, kind, granted and
    planned use with names, conflict area and %, rules, messages and legal basis."""
    labels = _labels(lang)
    keep = decisions["status"].isin(["violation", "unchecked"]) | all_decisions
    chosen = decisions[keep & decisions.geometry.notna()]
    if chosen.empty:
        return None
    f = findings[(findings["layer"] == "decisions") & findings["source_row"].notna()]
    f = f[f["source_row"].isin(chosen["source_row"])]
    per = (f.sort_values(["source_row", "finding_id"], kind="stable").groupby("source_row")
           .agg(r=("rule", lambda r: ", ".join(dict.fromkeys(r))),
                m=("message", "\n".join)))
    joined = chosen.join(per, on="source_row")
    kinds = {k: labels.get(f"kind_{k}", k) for k in ("allocation", "lease", "recognition",
                                                     "conversion")}
    props = pd.DataFrame({
        "s": joined["status"].to_numpy(dtype=object),
        "n": joined["decision_no"].to_numpy(dtype=object),
        "p": joined["parcel_id"].to_numpy(dtype=object),
        "d": joined["decision_date"].to_numpy(),
        "k": joined["kind"].map(kinds).to_numpy(dtype=object),
        "g": joined["land_use"].to_numpy(dtype=object),
        "pl": joined["planned_land_use"].to_numpy(dtype=object),
        "a": joined["conflict_area_m2"].where(joined["conflict_area_m2"] > 0).to_numpy(),
        "c": joined["conflict_pct"].where(joined["conflict_area_m2"] > 0).to_numpy(),
        "r": joined["r"].to_numpy(dtype=object),
        "m": joined["m"].to_numpy(dtype=object),
        "q": (joined["decision_no"].fillna("") + " · " + joined["parcel_id"].fillna(""))
        .to_numpy(dtype=object),
    })
    if not public and "owner" in joined.columns:
        props["o"] = joined["owner"].to_numpy(dtype=object)
    status_labels = {s: labels[f"status_{s}"] for s in _STATUS_COLORS}
    props["st"] = props["s"].map(status_labels)
    popup = [["n", labels["decision"]], ["d", labels["date"]], ["p", labels["parcel"]],
             ["k", labels["kind"]], ["st", labels["status"]], ["g", labels["land_use"]],
             ["@g", ""], ["pl", labels["planned"]], ["@pl", ""], ["a", labels["area"]],
             ["c", labels["pct"]], ["r", labels["rule"]], ["m", labels["message"]],
             ["%r", labels["legal"]]]
    if "o" in props.columns:
        popup.insert(3, ["o", labels["owner"]])
    return geo_layer(chosen, props, name=name or labels["decisions"], key="decisions",
                     style=_style(_STATUS_COLORS, "s", weight=1.5, fill=0.45),
                     popup=popup, tooltip=[["n", labels["decision"]], ["p", labels["parcel"]],
                                           ["st", labels["status"]]])


def findings_layer(findings: gpd.GeoDataFrame, *, lang: str = "vi",
                   name: str | None = None, show: bool = True) -> _GeoLayer | None:
    """The part each compliance finding concerns (conflicting part, overlap), coloured by
    severity."""
    labels = _labels(lang)
    f = findings[(findings["category"] == "compliance") & findings.geometry.notna()
                 & (findings["layer"] == "decisions")]
    if f.empty:
        return None
    severity = {s: labels[f"severity_{s}"] for s in _SEVERITY_COLORS}
    props = pd.DataFrame({
        "v": f["severity"].to_numpy(dtype=object), "r": f["rule"].to_numpy(dtype=object),
        "n": f["decision_no"].to_numpy(dtype=object), "a": f["conflict_area_m2"].to_numpy(),
        "pl": f["planned_land_use"].to_numpy(dtype=object),
    })
    props["vl"] = props["v"].map(severity)
    return geo_layer(f, props, name=name or labels["findings"], show=show, key="findings",
                     style=_style(_SEVERITY_COLORS, "v", weight=1, fill=0.7,
                                  stroke="#000000"),
                     popup=[["r", labels["rule"]], ["vl", labels["severity"]],
                            ["n", labels["decision"]], ["pl", labels["planned"]],
                            ["@pl", ""], ["a", labels["area"]], ["%r", labels["legal"]]],
                     tooltip=[["r", labels["rule"]], ["v", labels["severity"]]])


def projects_layer(projects: gpd.GeoDataFrame, findings: gpd.GeoDataFrame | None = None, *,
                   lang: str = "vi", name: str | None = None,
                   show: bool = True) -> _GeoLayer:
    """Annual-plan projects; stale ones (``stale-plan-item``) in red."""
    labels = _labels(lang)
    stale = set()
    if findings is not None:
        hit = findings[(findings["layer"] == "projects") & (findings["rule"] ==
                                                            "stale-plan-item")]
        stale = set(hit["source_row"].dropna().astype(int))
    props = pd.DataFrame({
        "t": projects["project_name"].to_numpy(dtype=object),
        "y": projects["year"].astype("Int64").astype(object).to_numpy(),
        "g": projects["land_use"].to_numpy(dtype=object),
        "s": ["stale" if r in stale else "ok" for r in projects["source_row"]],
    })
    props["st"] = props["s"].map({"stale": labels["stale"], "ok": ""})
    return geo_layer(projects, props, name=name or labels["projects"], show=show,
                     key="projects",
                     style=_style({"stale": "#D7191C", "ok": "#2C7BB6"}, "s", weight=2,
                                  fill=0.1, dash="6 4"),
                     popup=[["t", labels["project"]], ["y", labels["year"]],
                            ["g", labels["purpose"]], ["@g", ""], ["st", labels["status"]]],
                     tooltip=[["t", labels["project"]], ["y", labels["year"]]])


def corridors_layer(corridors: gpd.GeoDataFrame, *, lang: str = "vi",
                    name: str | None = None, show: bool = True) -> _GeoLayer:
    """Restriction corridors with the uses allowed inside."""
    labels = _labels(lang)
    props = pd.DataFrame({
        "t": corridors["name"].to_numpy(dtype=object),
        "k": corridors["restriction"].to_numpy(dtype=object),
        "al": corridors["allowed"].str.replace(",", ", ").to_numpy(dtype=object),
    })
    return geo_layer(corridors, props, name=name or labels["corridors"], show=show,
                     key="corridors",
                     style=_style(color="#5E3C99", weight=1, fill=0.15, dash="2 3"),
                     popup=[["t", labels["corridor"]], ["k", labels["restriction"]],
                            ["al", labels["allowed"]]],
                     tooltip=[["t", labels["corridor"]]])


def plan_changes_layer(diff: gpd.GeoDataFrame, *, lang: str = "vi", name: str | None = None,
                       show: bool = False) -> _GeoLayer:
    """Pieces whose planned code changed between two versions (:func:`landplan.plan_diff`)."""
    labels = _labels(lang)
    props = pd.DataFrame({"o": diff["old_land_use"].to_numpy(dtype=object),
                          "w": diff["new_land_use"].to_numpy(dtype=object),
                          "a": diff["area_m2"].to_numpy()})
    return geo_layer(diff, props, name=name or labels["changes"], show=show, key="changes",
                     style=_style(color="#000000", weight=2, fill=0.15, dash="4"),
                     popup=[["o", labels["old_code"]], ["@o", ""], ["w", labels["new_code"]],
                            ["@w", ""], ["a", labels["area_total"]]],
                     tooltip=[["o", labels["old_code"]], ["w", labels["new_code"]]])


def raster_layer(path: str | Path, *, name: str | None = None, max_size: int = 2048,
                 colors: Mapping[int, str] | None = None, opacity: float = 0.7,
                 show: bool = True) -> folium.raster_layers.ImageOverlay:
    """A GeoTIFF (land cover or orthophoto) as an image overlay, embedded as PNG.

    The raster is read at a decimated resolution (at most ``max_size`` pixels a side),
    reprojected to Web Mercator, and coloured with ``colors`` (class value → ``#RRGGBB``;
    default: the file's colour map, else grey levels).
    """
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.warp import calculate_default_transform, reproject, transform_bounds

    with rasterio.open(path) as src:
        scale = max(src.width, src.height) / max_size
        out_w = max(1, int(src.width / max(scale, 1)))
        out_h = max(1, int(src.height / max(scale, 1)))
        data = src.read(1, out_shape=(out_h, out_w), resampling=Resampling.nearest)
        src_transform = src.transform @ src.transform.scale(src.width / out_w,
                                                            src.height / out_h)
        nodata = src.nodata
        try:
            cmap = src.colormap(1)
        except ValueError:
            cmap = None
        left, bottom, right, top = src.bounds
        dst_transform, width, height = calculate_default_transform(
            src.crs, "EPSG:3857", out_w, out_h, left, bottom, right, top)
        dst = np.zeros((height, width), dtype=data.dtype)
        reproject(data, dst, src_transform=src_transform, src_crs=src.crs,
                  dst_transform=dst_transform, dst_crs="EPSG:3857",
                  resampling=Resampling.nearest, src_nodata=nodata, dst_nodata=nodata or 0)
        bounds = transform_bounds(src.crs, 4326, left, bottom, right, top)
    rgba = _colorize(dst, nodata, colors, cmap)
    png = _png(rgba)
    return folium.raster_layers.ImageOverlay(
        image=f"data:image/png;base64,{base64.b64encode(png).decode()}",
        bounds=[[bounds[1], bounds[0]], [bounds[3], bounds[2]]], opacity=opacity,
        name=_text_name(name or Path(path).stem), show=show, mercator_project=False)


def _landcover_colors(raster: str | Path, lang: str) -> tuple[dict[int, str] | None, str]:
    """Colours and legend of the land-cover classes, when the raster's values are classes
    of the scheme; else (None, "")."""
    import rasterio

    from .landcover import landcover_classes

    classes = landcover_classes()
    with rasterio.open(raster) as src:
        sample = src.read(1, out_shape=(min(src.height, 512), min(src.width, 512)))
        nodata = src.nodata
    values = set(np.unique(sample).tolist()) - {nodata}
    if not values or not values <= set(classes["value"]):
        return None, ""
    rows = "".join(
        f'<div><span class="landplan-swatch" style="background:{c}"></span>{escape(n)}</div>'
        for v, c, n in zip(classes["value"], classes["color"], classes[f"name_{lang}"],
                           strict=True) if v in values)
    legend = (f'<details class="landplan-panel landplan-cover-legend" '
              f'style="bottom:60px;left:380px"><summary><b>'
              f'{escape(_labels(lang)["landcover"])}</b></summary>{rows}</details>')
    return dict(zip(classes["value"], classes["color"], strict=True)), legend


def _colorize(data: np.ndarray, nodata: float | None, colors: Mapping[int, str] | None,
              cmap: Mapping[int, tuple[int, ...]] | None) -> np.ndarray:
    rgba = np.zeros((*data.shape, 4), dtype=np.uint8)
    valid = np.ones(data.shape, dtype=bool) if nodata is None else data != nodata
    if colors or cmap:
        table = {int(k): _rgba(v) for k, v in (colors or cmap).items()}
        for value, color in table.items():
            rgba[(data == value) & valid] = color
    else:
        finite = data[valid].astype(float)
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        grey = ((data.astype(float) - lo) / ((hi - lo) or 1.0) * 255).clip(0, 255)
        rgba[..., 0] = rgba[..., 1] = rgba[..., 2] = grey.astype(np.uint8)
        rgba[..., 3] = np.where(valid, 255, 0)
    return rgba


def _rgba(color: str | tuple[int, ...]) -> tuple[int, int, int, int]:
    if isinstance(color, str):
        h = color.lstrip("#")
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255
    c = tuple(int(x) for x in color)
    return (*c[:3], c[3] if len(c) > 3 else 255)


def _png(rgba: np.ndarray) -> bytes:
    import warnings

    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.io import MemoryFile

    height, width = rgba.shape[:2]
    with MemoryFile() as mem, warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a plain PNG: no georef
        with mem.open(driver="PNG", width=width, height=height, count=4,
                      dtype="uint8") as dst:
            dst.write(np.moveaxis(rgba, -1, 0))
        return bytes(mem.read())


# --- panels and controls -----------------------------------------------------------------

def _legend(plan: gpd.GeoDataFrame, codes: pd.DataFrame, lang: str) -> str:
    labels = _labels(lang)
    names = code_names(codes, lang)
    rows = "".join(
        f'<div><span class="landplan-swatch" style="background:{code_color(c, codes)}"></span>'
        f"{escape(c)} – {escape(names.get(c, ''))}</div>"
        for c in sorted(plan["land_use"].dropna().unique())
    )
    status = "".join(
        f'<div><span class="landplan-swatch" style="background:{color}"></span>'
        f"{escape(labels['status_' + s])}</div>" for s, color in _STATUS_COLORS.items())
    severity = "".join(
        f'<div><span class="landplan-swatch" style="background:{color}"></span>'
        f"{escape(labels['severity_' + s])}</div>" for s, color in _SEVERITY_COLORS.items())
    return (f'<details open class="landplan-panel landplan-legend" '
            f'style="bottom:60px;left:10px"><summary><b>{escape(labels["legend"])}</b>'
            f"</summary>{rows}<hr>{status}<hr>{severity}</details>")


def _summary(result: CheckResult, lang: str) -> str:
    labels = _labels(lang)
    d, f = result.decisions, result.findings
    counts = d["status"].value_counts()
    status = "".join(f"<tr><td>{escape(labels['status_' + s])}</td>"
                     f"<td>{int(counts.get(s, 0)):,}</td></tr>" for s in _STATUS_COLORS)
    by_rule = f.groupby(["rule", "severity"], sort=True).size()
    rules = "".join(f"<tr><td>{escape(r)}</td><td>{escape(labels['severity_' + s])}</td>"
                    f"<td>{n:,}</td></tr>" for (r, s), n in by_rule.items())
    return (f'<details open class="landplan-panel landplan-summary" '
            f'style="top:10px;right:60px;max-width:360px">'
            f'<summary><b>{escape(labels["summary"])}</b> — {len(d):,} '
            f"{escape(labels['decisions_count'])}</summary>"
            f"<table>{status}</table><hr><table><tr><th>{escape(labels['rule'])}</th>"
            f"<th>{escape(labels['severity'])}</th><th>#</th></tr>{rules}</table></details>")


class _Search(JSCSSMixin, MacroElement):
    """Search a layer's ``q`` property (decision number · parcel id) with leaflet-search."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new L.Control.Search({
            layer: {{ this.layer.get_name() }}, propertyName: "q", initial: false,
            marker: false, zoom: 18, textPlaceholder: {{ this.placeholder }},
            textErr: {{ this.not_found }}, collapsed: false,
            buildTip: LANDPLAN.searchTip,
            moveToLocation: function (latlng, title, map) {
                map.setView(latlng, Math.max(map.getZoom(), 17)); }
        });
        {{ this.get_name() }}.on("search:locationfound", function (e) {
            if (e.layer && e.layer.openPopup) { e.layer.openPopup(); } });
        {{ this._parent.get_name() }}.addControl({{ this.get_name() }});
        {% endmacro %}
    """)
    default_js = folium.plugins.Search.default_js
    default_css = folium.plugins.Search.default_css

    def __init__(self, layer: _GeoLayer, lang: str) -> None:
        super().__init__()
        self._name = "Search"
        self.layer = layer
        labels = _labels(lang)
        self.placeholder = _js(labels["search"])
        self.not_found = _js(html.escape(labels["not_found"]))  # shown with innerHTML


class _OfflineMiniMap(JSCSSMixin, MacroElement):
    """A mini-map drawing the district outline instead of tiles (no network)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new L.Control.MiniMap(
            L.geoJSON({{ this.outline }}, {style: {color: "#555", weight: 1,
                                                 fillColor: "#ddd", fillOpacity: 0.8}}),
            {toggleDisplay: true, position: "bottomright", zoomLevelOffset: -4,
             width: 150, height: 150});
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)
    default_js = folium.plugins.MiniMap.default_js
    default_css = folium.plugins.MiniMap.default_css

    def __init__(self, outline: str) -> None:
        super().__init__()
        self._name = "OfflineMiniMap"
        self.outline = outline


class _Ready(MacroElement):
    """Sets ``window.LANDPLAN_READY`` to the time (ms since navigation) at which the map's
    layers were drawn: after every layer's script and two animation frames."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        requestAnimationFrame(function () { requestAnimationFrame(function () {
            window.LANDPLAN_READY = performance.now(); }); });
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "Ready"


# --- the map -----------------------------------------------------------------------------

def make_map(
    result: CheckResult,
    *,
    lang: str | None = None,
    offline: bool = False,
    public: bool = False,
    all_decisions: bool = False,
    projects: gpd.GeoDataFrame | None = None,
    corridors: gpd.GeoDataFrame | None = None,
    plan_changes: gpd.GeoDataFrame | None = None,
    raster: str | Path | None = None,
    codes: pd.DataFrame | None = None,
) -> folium.Map:
    """A Folium map of a check.

    Parameters
    ----------
    result
        What :func:`landplan.check` returned.
    lang
        ``"vi"`` or ``"en"`` for labels, legend and panels; by default the language the
        check ran in.
    offline
        Inline every script and style from the pinned copies shipped with landplan and use
        no basemap: the saved file makes no network request (the CLI's default).
    public
        Drop personal fields (owner names, addresses, identity numbers) from every layer.
    all_decisions
        Also draw compliant decisions (violations and unchecked ones are always drawn).
    projects, corridors
        Extra layers (normalised, e.g. from :func:`landplan.load_projects`); by default
        those the check was given.
    plan_changes
        A :func:`landplan.plan_diff` result; by default the changes between the last two
        plan versions, when the plan has several.
    raster
        A GeoTIFF to show as an image overlay (land cover, orthophoto).

    Returns
    -------
    folium.Map
        Displays inline in Jupyter; add your own layers to it. Save it with
        :func:`save_map` (or ``Map.save``) to get an HTML file.
    """
    codes = load_codes() if codes is None else codes
    lang = result.lang if lang is None else lang
    labels = _labels(lang)
    projects = result.projects if projects is None else projects
    corridors = result.corridors if corridors is None else corridors
    fmap = folium.Map(tiles=None if offline else "OpenStreetMap", control_scale=True,
                      prefer_canvas=True, zoom_control=True)
    bounds = result.plan.to_crs(4326).total_bounds
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    _add_runtime(fmap, codes, lang)

    plan = result.plan
    versions = plan["plan_version"].fillna("v1")
    order = version_table(plan)["plan_version"].tolist()
    for name in order:
        zones = plan[versions == name]
        approved = zones["approved"].min()
        title = labels["plan"]
        if len(order) > 1:
            when = "" if pd.isna(approved) else f", {pd.Timestamp(approved):%d/%m/%Y}"
            title = f"{title} ({name}{when})"
        plan_layer(zones, lang=lang, codes=codes, name=title,
                   show=name == order[-1]).add_to(fmap)
    if plan_changes is None and len(order) > 1:
        from .plandiff import plan_diff

        plan_changes = plan_diff(plan[versions == order[-2]], plan[versions == order[-1]])
    if plan_changes is not None and len(plan_changes):
        plan_changes_layer(_public(plan_changes, public), lang=lang).add_to(fmap)
    if corridors is not None and len(corridors):
        corridors_layer(_public(corridors, public), lang=lang).add_to(fmap)
    if projects is not None and len(projects):
        projects_layer(_public(projects, public), result.findings, lang=lang).add_to(fmap)
    if raster is None and result.landcover:
        raster = result.landcover[-1][1]  # the latest land-cover image, hidden at first
    if raster is not None:
        colors, legend = _landcover_colors(raster, lang)
        raster_layer(raster, colors=colors, show=result.landcover is None,
                     name=f"{labels['landcover']} ({Path(raster).stem})").add_to(fmap)
        if legend:
            fmap.get_root().html.add_child(Element(legend))
    findings = findings_layer(result.findings, lang=lang)
    if findings is not None:
        findings.add_to(fmap)
    decisions = decisions_layer(_public(result.decisions, public), result.findings, lang=lang,
                                all_decisions=all_decisions, public=public)
    if decisions is not None:
        decisions.add_to(fmap)
        _Search(decisions, lang).add_to(fmap)

    folium.LayerControl(collapsed=True).add_to(fmap)
    folium.plugins.Fullscreen(title=labels["fullscreen"],
                              title_cancel=labels["fullscreen_exit"]).add_to(fmap)
    folium.plugins.MeasureControl(primary_length_unit="meters",
                                  primary_area_unit="sqmeters").add_to(fmap)
    if offline:
        outline = shapely.union_all(shapely.simplify(plan[versions == order[-1]]
                                                     .geometry.values, 20.0))
        outline_gdf = gpd.GeoDataFrame(geometry=[outline], crs=plan.crs)
        _OfflineMiniMap(_features(_to_wgs84(outline_gdf),
                                  pd.DataFrame(index=[0]))).add_to(fmap)
    else:
        folium.plugins.MiniMap(toggle_display=True).add_to(fmap)
    fmap.get_root().html.add_child(Element(_legend(plan[versions == order[-1]], codes, lang)))
    fmap.get_root().html.add_child(Element(_summary(result, lang)))
    _Ready().add_to(fmap)
    if offline:
        inline_assets(fmap)
    return fmap


def _public(gdf: gpd.GeoDataFrame, public: bool) -> gpd.GeoDataFrame:
    """``gdf`` without personal columns when ``public``."""
    if not public:
        return gdf
    return gdf.drop(columns=personal_columns(gdf.columns))


def personal_columns(columns: Iterable[str]) -> list[str]:
    """Columns that hold personal data: owner, address and identity-number columns by name
    (canonical names and the cadastral aliases of ``aliases.toml``)."""
    from ._text import name_key

    aliases = column_aliases("decisions")
    keys = {name_key(a) for role in PERSONAL_ROLES for a in aliases.get(role, [])}
    keys |= {name_key(a[:10]) for role in PERSONAL_ROLES for a in aliases.get(role, [])}
    return [c for c in columns if name_key(str(c)) in keys]


# --- offline assets ----------------------------------------------------------------------

@lru_cache(maxsize=1)
def _assets() -> dict[str, tuple[str, str]]:
    """``{folium asset key: (kind, text)}`` of the pinned copies in ``data/assets``."""
    manifest = load_toml("assets/assets.toml")
    entries = next(v for v in manifest.values() if isinstance(v, list))
    out = {}
    for entry in entries:
        path = data_path("assets") / entry["path"]
        out[entry["key"]] = (entry["kind"], path.read_text(encoding="utf-8"))
    return out


def _elements(element: Any) -> Iterable[Any]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _elements(child)


def inline_assets(fmap: folium.Map) -> folium.Map:
    """Replace every CDN script and stylesheet of the map by an inline copy.

    Assets landplan does not ship (jQuery, Bootstrap, Font Awesome, awesome-markers —
    which none of landplan's layers use) are dropped; an element of yours that needs one
    of them will not work offline. Returns the same map.
    """
    assets = _assets()
    needed: dict[str, str] = {}
    for element in _elements(fmap.get_root()):
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if links is None:
                continue
            for key, _url in links:
                needed.setdefault(key, attr)
            setattr(element, attr, [])
    order = sorted(needed, key=lambda k: (k not in ("leaflet", "leaflet_css"),))
    blocks = []
    for key in order:
        if key not in assets:
            continue
        kind, text = assets[key]
        safe = text.replace("</script", "<\\/script").replace("</style", "<\\/style")
        blocks.append(f"<style>{safe}</style>" if kind == "css" else f"<script>{safe}</script>")
    header = fmap.get_root().header
    runtime = header._children.pop("landplan_runtime", None)
    header.add_child(Element("\n".join(blocks)), name="landplan_assets")
    if runtime is not None:
        header.add_child(runtime, name="landplan_runtime")
    return fmap


def save_map(fmap: folium.Map, path: str | Path) -> Path:
    """Save a map as one HTML file (UTF-8)."""
    path = Path(path)
    fmap.save(str(path))
    return path


def plan_diff_map(new_plan: gpd.GeoDataFrame, diff: gpd.GeoDataFrame, *, lang: str = "vi",
                  offline: bool = False) -> folium.Map:
    """A map of what a plan adjustment changed: the adjusted plan and the changed pieces."""
    codes = load_codes()
    fmap = folium.Map(tiles=None if offline else "OpenStreetMap", control_scale=True,
                      prefer_canvas=True)
    bounds = new_plan.to_crs(4326).total_bounds
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    _add_runtime(fmap, codes, lang)
    plan_layer(new_plan, lang=lang, codes=codes).add_to(fmap)
    if len(diff):
        plan_changes_layer(diff, lang=lang, show=True).add_to(fmap)
    fmap.get_root().html.add_child(Element(_legend(new_plan, codes, lang)))
    folium.LayerControl(collapsed=False).add_to(fmap)
    if offline:
        inline_assets(fmap)
    return fmap
