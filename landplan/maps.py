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
from ._map_controls import _legend
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
from ._map_page import PERSONAL_ROLES, Extras, base_map, draw, raster_image
from ._map_page import personal_columns as personal_columns
from ._map_raster import raster_layer
from ._map_runtime import _add_runtime as _add_runtime
from ._map_runtime import _labels as _labels  # the label scan reads the map's labels here
from .check import CheckResult
from .codes import load_codes
from .schema import version_table

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
    extras = _extras(result, projects=projects, corridors=corridors,
                     plan_changes=plan_changes, raster=raster, lang=lang)
    return draw(result, extras, lang=lang, codes=codes, offline=offline, public=public,
                all_decisions=all_decisions)


def _extras(result: CheckResult, *, projects: gpd.GeoDataFrame | None,
            corridors: gpd.GeoDataFrame | None, plan_changes: gpd.GeoDataFrame | None,
            raster: str | Path | None, lang: str) -> Extras:
    """Return the layers a map of ``result`` draws besides decisions and findings.

    The defaults of :func:`make_map`: the check's projects and corridors, the changes
    between the last two plan versions, the latest land-cover image (hidden at first).
    """
    plan = result.plan
    projects = result.projects if projects is None else projects
    corridors = result.corridors if corridors is None else corridors
    order = version_table(plan)["plan_version"].tolist()
    if plan_changes is None and len(order) > 1:
        from .plandiff import plan_diff

        versions = plan["plan_version"].fillna("v1")
        plan_changes = plan_diff(plan[versions == order[-2]], plan[versions == order[-1]])
    if raster is None and result.landcover:
        raster = result.landcover[-1][1]  # the latest land-cover image, hidden at first
    image = None if raster is None else raster_image(raster, show=result.landcover is None,
                                                     lang=lang)
    return Extras(projects=projects, corridors=corridors, plan_changes=plan_changes,
                  raster=image)


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
    fmap = base_map(new_plan, codes, lang, offline)
    plan_layer(new_plan, lang=lang, codes=codes).add_to(fmap)
    if len(diff):
        plan_changes_layer(diff, lang=lang, show=True).add_to(fmap)
    fmap.get_root().html.add_child(Element(_legend(new_plan, codes, lang)))
    folium.LayerControl(collapsed=False).add_to(fmap)
    if offline:
        inline_assets(fmap)
    return fmap
