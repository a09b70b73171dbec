"""The map's panels and controls (:mod:`landplan.maps`).

The legend and the summary panel are HTML written on the server, every text in them
escaped (:func:`landplan._map_json.escape`); the search box, the offline mini-map and the
ready signal are folium elements whose scripts are templates in ``data/map``. The layer
control, fullscreen, measure and the online mini-map are folium's own.
"""

from __future__ import annotations

import html
from collections.abc import Collection

import folium
import folium.plugins
import geopandas as gpd
import pandas as pd
import shapely
from folium.elements import JSCSSMixin

from ._labels import labels as _section
from ._map_json import _features, _js, _to_wgs84, count, escape, swatches
from ._map_layers import _GeoLayer
from ._map_runtime import (
    _LAYER_COLORS,
    _SEVERITY_COLORS,
    _STATUS_COLORS,
    RawMacro,
    _labels,
    _map_template,
)
from .check import CheckResult
from .codes import code_color, code_names


def _legend(plan: gpd.GeoDataFrame, codes: pd.DataFrame, lang: str,
            layers: Collection[str] = ()) -> str:
    """Return the legend: the plan's codes with their colours and names, statuses, severities.

    And an entry for each of the other ``layers`` the page has (``projects``, ``corridors``,
    ``changes``, ``legalised``). Each part names its layer (``data-landplan-layer``): the
    page shows it only while that layer is on (``data/map/inspector.js``).
    """
    labels = _labels(lang)
    names = code_names(codes, lang)
    rows = swatches((code_color(c, codes), f"{c} – {names.get(c, '')}")
                    for c in sorted(plan["land_use"].dropna().unique()))
    status = swatches((color, labels["status_" + s]) for s, color in _STATUS_COLORS.items())
    severity = swatches((color, labels["severity_" + s])
                        for s, color in _SEVERITY_COLORS.items())
    ring = (f'<div><span class="landplan-swatch landplan-ring"></span>'
            f'{escape(labels["marker"])}</div>')
    parts = [("plan", rows), ("decisions", status + ring), ("findings", severity)]
    extra = {"projects": [("projects", "projects"), ("stale", "stale")],
             "corridors": [("corridors", "corridors")], "changes": [("changes", "changes")],
             "legalised": [("legalised", "legalised")]}
    parts += [(key, swatches((_LAYER_COLORS[color], labels[word]) for color, word in extra[key]))
              for key in extra if key in layers]
    body = "".join(f'<div data-landplan-layer="{key}"><hr>{html}</div>' for key, html in parts)
    return (f'<details open class="landplan-panel landplan-legend" '
            f'style="bottom:60px;left:10px"><summary><b>{escape(labels["legend"])}</b>'
            f"</summary>{body}</details>")


def _summary(result: CheckResult, lang: str) -> str:
    """Return the summary panel: decisions by status, findings by rule and severity."""
    from .rules import RULES

    labels = _labels(lang)
    d, f = result.decisions, result.findings
    counts = d["status"].value_counts()
    status = "".join(f'<tr data-status="{escape(s)}"><td>{escape(labels["status_" + s])}'
                     f"</td><td>{count(counts.get(s, 0), lang)}</td></tr>"
                     for s in _STATUS_COLORS)
    by_rule = f.groupby(["rule", "severity"], sort=True).size()
    titles = {r: RULES[r].title(lang) if r in RULES else r for r, _ in by_rule.index}
    rules = "".join(f'<tr data-rule="{escape(r)}" title="{escape(titles[r])}">'
                    f"<td>{escape(r)}</td>"
                    f"<td>{escape(labels['severity_' + s])}</td>"
                    f"<td>{count(n, lang)}</td></tr>" for (r, s), n in by_rule.items())
    return (f'<details open class="landplan-panel landplan-summary" '
            f'style="top:10px;right:60px;max-width:360px">'
            f'<summary><b>{escape(labels["summary"])}</b> — {count(len(d), lang)} '
            f"{escape(labels['decisions_count'])}</summary>"
            f'<div class="landplan-hint">{escape(labels["filter_hint"])}</div>'
            f"<table>{status}</table><hr><table><tr><th>{escape(labels['rule'])}</th>"
            f"<th>{escape(labels['severity'])}</th><th>#</th></tr>{rules}</table></details>")


class _Search(JSCSSMixin, RawMacro):
    """Search a layer's ``q`` property (decision number · parcel id) with leaflet-search."""

    _template = _map_template("search.js")
    default_js = folium.plugins.Search.default_js
    default_css = folium.plugins.Search.default_css

    def __init__(self, layer: _GeoLayer, lang: str) -> None:
        super().__init__()
        self._name = "Search"
        self.layer = layer
        labels = _labels(lang)
        self.placeholder = _js(labels["search"])
        self.cancel = _js(_section("map_controls", lang)["search_cancel"])  # a title
        self.not_found = _js(html.escape(labels["not_found"]))  # shown with innerHTML


class _OfflineMiniMap(JSCSSMixin, RawMacro):
    """A mini-map drawing the district outline instead of tiles (no network)."""

    _template = _map_template("offline_minimap.js")
    default_js = folium.plugins.MiniMap.default_js
    default_css = folium.plugins.MiniMap.default_css

    def __init__(self, outline: str, lang: str) -> None:
        super().__init__()
        self._name = "OfflineMiniMap"
        self.outline = outline
        words = _section("map_controls", lang)
        self.strings = _js({"hideText": words["minimap_hide"],
                            "showText": words["minimap_show"]})


class _Ready(RawMacro):
    """Set ``window.LANDPLAN_READY`` to the time at which the map's layers were drawn.

    The time is in ms since navigation, after every layer's script and two animation frames.
    """

    _template = _map_template("ready.js")

    def __init__(self) -> None:
        super().__init__()
        self._name = "Ready"



def minimap_outline(plan: gpd.GeoDataFrame) -> str:
    """Return the offline mini-map's features: ``plan``'s outline, simplified by 20 m."""
    outline = shapely.union_all(shapely.simplify(plan.geometry.values, 20.0))
    outline_gdf = gpd.GeoDataFrame(geometry=[outline], crs=plan.crs)
    return _features(_to_wgs84(outline_gdf), pd.DataFrame(index=[0]))


def _add_controls(fmap: folium.Map, plan: gpd.GeoDataFrame, lang: str, offline: bool,
                  minimap: str | None = None) -> None:
    """Add the layer control, fullscreen, measure and the mini-map.

    Offline, the mini-map draws ``minimap`` (:func:`minimap_outline`; by default
    ``plan``'s) instead of tiles.
    """
    labels = _labels(lang)
    folium.LayerControl(collapsed=True).add_to(fmap)
    folium.plugins.Fullscreen(title=labels["fullscreen"],
                              title_cancel=labels["fullscreen_exit"]).add_to(fmap)
    folium.plugins.MeasureControl(primary_length_unit="meters",
                                  secondary_length_unit="kilometers",
                                  primary_area_unit="sqmeters",
                                  secondary_area_unit="hectares").add_to(fmap)
    if offline:
        _OfflineMiniMap(minimap_outline(plan) if minimap is None else minimap,
                        lang).add_to(fmap)
    else:
        words = _section("map_controls", lang)
        folium.plugins.MiniMap(toggle_display=True, strings={
            "hideText": words["minimap_hide"], "showText": words["minimap_show"]}
                               ).add_to(fmap)
