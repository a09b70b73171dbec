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

from collections.abc import Iterable
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element

# The parts of the page, one private module each: _map_json (text and data made safe),
# _map_runtime (labels, colours, the LANDPLAN script and styles), _map_layers (the vector
# layers), _map_raster (the image overlay), _map_controls (legend, panels, search,
# mini-map), _map_assets (offline copies of Leaflet). Scripts and styles are files in
# landplan/data/map.
from ._map_assets import inline_assets
from ._map_controls import _add_controls, _legend, _Ready, _Search, _summary
from ._map_json import _js as _js  # re-exported for the tests (as is _add_runtime)
from ._map_json import escape
from ._map_layers import (
    corridors_layer,
    decisions_layer,
    findings_layer,
    geo_layer,
    plan_changes_layer,
    plan_layer,
    projects_layer,
)
from ._map_raster import _landcover_colors, raster_layer
from ._map_runtime import _add_runtime, _labels
from .check import CheckResult
from .codes import load_codes
from .schema import column_aliases, version_table

__all__ = [
    "PERSONAL_ROLES",
    "corridors_layer",
    "decisions_layer",
    "escape",
    "findings_layer",
    "geo_layer",
    "inline_assets",
    "make_map",
    "plan_changes_layer",
    "plan_diff_map",
    "plan_layer",
    "projects_layer",
    "raster_layer",
    "save_map",
]

PERSONAL_ROLES = ("owner", "address", "id_number")


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
    """Make a Folium map of a check.

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
    codes
        The land-use code table (default: :func:`landplan.load_codes`).

    Returns
    -------
    folium.Map
        Displays inline in Jupyter; add your own layers to it. Save it with
        :func:`save_map` (or ``Map.save``) to get an HTML file.
    """
    codes = load_codes() if codes is None else codes
    lang = result.lang if lang is None else lang
    projects = result.projects if projects is None else projects
    corridors = result.corridors if corridors is None else corridors
    plan = result.plan
    fmap = _base_map(plan, codes, lang, offline)
    versions = plan["plan_version"].fillna("v1")
    order = version_table(plan)["plan_version"].tolist()
    _add_plan_layers(fmap, plan, versions, order, codes=codes, lang=lang)
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
        _add_raster(fmap, raster, show=result.landcover is None, lang=lang)
    findings = findings_layer(result.findings, lang=lang)
    if findings is not None:
        findings.add_to(fmap)
    decisions = decisions_layer(_public(result.decisions, public), result.findings, lang=lang,
                                all_decisions=all_decisions, public=public)
    if decisions is not None:
        decisions.add_to(fmap)
        _Search(decisions, lang).add_to(fmap)
    newest = plan[versions == order[-1]]
    _add_controls(fmap, newest, lang, offline)
    fmap.get_root().html.add_child(Element(_legend(newest, codes, lang)))
    fmap.get_root().html.add_child(Element(_summary(result, lang)))
    _Ready().add_to(fmap)
    if offline:
        inline_assets(fmap)
    return fmap


def _base_map(plan: gpd.GeoDataFrame, codes: pd.DataFrame, lang: str,
              offline: bool) -> folium.Map:
    """Return an empty map over ``plan`` with the page's runtime; a basemap unless offline."""
    fmap = folium.Map(tiles=None if offline else "OpenStreetMap", control_scale=True,
                      prefer_canvas=True, zoom_control=True)
    bounds = plan.to_crs(4326).total_bounds
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    _add_runtime(fmap, codes, lang)
    return fmap


def _add_plan_layers(fmap: folium.Map, plan: gpd.GeoDataFrame, versions: pd.Series,
                     order: list[str], *, codes: pd.DataFrame, lang: str) -> None:
    """Add one plan layer per version, in ``order``; only the newest is shown.

    With several versions, each layer's name gives its version and approval date.
    """
    labels = _labels(lang)
    for name in order:
        zones = plan[versions == name]
        approved = zones["approved"].min()
        title = labels["plan"]
        if len(order) > 1:
            when = "" if pd.isna(approved) else f", {pd.Timestamp(approved):%d/%m/%Y}"
            title = f"{title} ({name}{when})"
        plan_layer(zones, lang=lang, codes=codes, name=title,
                   show=name == order[-1]).add_to(fmap)


def _add_raster(fmap: folium.Map, raster: str | Path, *, show: bool, lang: str) -> None:
    """Add ``raster`` as an image overlay, with the land-cover legend when it has classes."""
    colors, legend = _landcover_colors(raster, lang)
    raster_layer(raster, colors=colors, show=show,
                 name=f"{_labels(lang)['landcover']} ({Path(raster).stem})").add_to(fmap)
    if legend:
        fmap.get_root().html.add_child(Element(legend))


def _public(gdf: gpd.GeoDataFrame, public: bool) -> gpd.GeoDataFrame:
    """Return ``gdf`` without personal columns when ``public``."""
    if not public:
        return gdf
    return gdf.drop(columns=personal_columns(gdf.columns))


def personal_columns(columns: Iterable[str]) -> list[str]:
    """Return the columns that hold personal data.

    Owner, address and identity-number columns, by name: the canonical names and the
    cadastral aliases of ``aliases.toml``.
    """
    from ._text import name_key

    aliases = column_aliases("decisions")
    keys = {name_key(a) for role in PERSONAL_ROLES for a in aliases.get(role, [])}
    keys |= {name_key(a[:10]) for role in PERSONAL_ROLES for a in aliases.get(role, [])}
    return [c for c in columns if name_key(str(c)) in keys]


def save_map(fmap: folium.Map, path: str | Path) -> Path:
    """Save a map as one HTML file (UTF-8)."""
    path = Path(path)
    fmap.save(str(path))
    return path


def plan_diff_map(new_plan: gpd.GeoDataFrame, diff: gpd.GeoDataFrame, *, lang: str = "vi",
                  offline: bool = False) -> folium.Map:
    """Make a map of what a plan adjustment changed: the adjusted plan and the changed pieces.

    Parameters
    ----------
    new_plan
        The adjusted plan.
    diff
        What :func:`landplan.plan_diff` returned for it.
    lang
        ``"vi"`` or ``"en"`` for labels and legend.
    offline
        Inline every script and style and use no basemap, as in :func:`make_map`.

    Returns
    -------
    folium.Map
        The plan zones and, shown, the changed pieces.
    """
    codes = load_codes()
    fmap = _base_map(new_plan, codes, lang, offline)
    plan_layer(new_plan, lang=lang, codes=codes).add_to(fmap)
    if len(diff):
        plan_changes_layer(diff, lang=lang, show=True).add_to(fmap)
    fmap.get_root().html.add_child(Element(_legend(new_plan, codes, lang)))
    folium.LayerControl(collapsed=False).add_to(fmap)
    if offline:
        inline_assets(fmap)
    return fmap
