"""One map page (:mod:`landplan.maps`): the layers of a check, its panels and controls.

:func:`draw` builds the page that :func:`landplan.make_map` returns, and each per-unit
page of a map that is split (:mod:`landplan._map_split`): the same layers, drawn from
whatever part of the check it is given, with the plan, corridors, projects and plan
adjustments of that part's area, and extra panels (the unit's header, the notice of what
is not drawn).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

from ._map_assets import inline_assets
from ._map_controls import _add_controls, _legend, _Ready, _Search, _summary
from ._map_inspector import Inspector, list_panel
from ._map_layers import (
    corridors_layer,
    decisions_layer,
    findings_layer,
    legalised_layer,
    plan_changes_layer,
    plan_layer,
    projects_layer,
)
from ._map_raster import ImageLayer, _landcover_colors, raster_layer
from ._map_runtime import Raw, _add_runtime, _labels
from .check import CheckResult
from .schema import column_aliases, version_table

PERSONAL_ROLES = ("owner", "address", "id_number")


@dataclass(frozen=True)
class Extras:
    """What a page draws besides the check's decisions and findings (already chosen).

    ``plan_changes`` is a :func:`landplan.plan_diff` result or None; ``legalised`` the
    findings of adjustments that legalised earlier violations or None; ``raster`` an image
    overlay made once (:func:`raster_image`) and copied onto each page; ``outline`` the
    mini-map's district outline (None: the page's own plan) and ``minimap`` its features,
    made once for all the pages (:func:`landplan._map_controls.minimap_outline`).
    """

    projects: gpd.GeoDataFrame | None = None
    corridors: gpd.GeoDataFrame | None = None
    plan_changes: gpd.GeoDataFrame | None = None
    raster: tuple[folium.raster_layers.ImageOverlay, str] | None = None
    outline: gpd.GeoDataFrame | None = None
    minimap: str | None = None
    legalised: gpd.GeoDataFrame | None = None


def draw(result: CheckResult, extras: Extras, *, lang: str, codes: pd.DataFrame,
         offline: bool, public: bool, all_decisions: bool,
         findings_drawn: gpd.GeoDataFrame | None = None,
         summary: CheckResult | None = None, panels: Sequence[str] = (),
         focus: gpd.GeoDataFrame | None = None) -> folium.Map:
    """Return the map page of ``result``.

    ``findings_drawn`` are the findings the page draws (default: every finding of
    ``result``, whose findings also give the decisions' popups); ``summary`` the check the
    summary panel counts (default: ``result``); ``panels`` extra HTML, already escaped;
    ``focus`` what the page opens on (default: the plan).
    """
    plan = result.plan
    if focus is None or not len(focus):
        focus = plan if len(plan) else result.decisions
    fmap = base_map(focus, codes, lang, offline)
    versions = plan["plan_version"].fillna("v1")
    order = version_table(plan)["plan_version"].tolist() if len(plan) else []
    _add_plan_layers(fmap, plan, versions, order, codes=codes, lang=lang)
    if extras.plan_changes is not None and len(extras.plan_changes):
        plan_changes_layer(_public(extras.plan_changes, public), lang=lang).add_to(fmap)
    if extras.legalised is not None and len(extras.legalised):
        legalised_layer(extras.legalised, lang=lang).add_to(fmap)
    if extras.corridors is not None and len(extras.corridors):
        corridors_layer(_public(extras.corridors, public), lang=lang).add_to(fmap)
    if extras.projects is not None and len(extras.projects):
        projects_layer(_public(extras.projects, public), result.findings,
                       lang=lang).add_to(fmap)
    if extras.raster is not None:
        overlay, legend = extras.raster
        _copy_overlay(overlay).add_to(fmap)
        if legend:
            fmap.get_root().html.add_child(Raw(legend))
    findings = findings_layer(result.findings if findings_drawn is None else findings_drawn,
                              lang=lang)
    if findings is not None:
        findings.add_to(fmap)
    decisions = decisions_layer(_public(result.decisions, public), result.findings, lang=lang,
                                all_decisions=all_decisions, public=public)
    if decisions is not None:
        decisions.add_to(fmap)
        _Search(decisions, lang).add_to(fmap)
        fmap.get_root().html.add_child(Raw(list_panel(lang)))
    newest = plan[versions == order[-1]] if order else plan
    outline = extras.outline if extras.outline is not None else newest
    _add_controls(fmap, outline, lang, offline, extras.minimap)
    fmap.get_root().html.add_child(Raw(_legend(newest, codes, lang, _extra_keys(extras))))
    fmap.get_root().html.add_child(Raw(_summary(summary or result, lang)))
    for panel in panels:
        fmap.get_root().html.add_child(Raw(panel))
    Inspector(with_list=decisions is not None, versions=_approvals(plan)).add_to(fmap)
    _Ready().add_to(fmap)
    if offline:
        inline_assets(fmap)
    return fmap


def _approvals(plan: gpd.GeoDataFrame) -> dict[str, str]:
    """Return the approval date (ISO) of each plan version that has one."""
    if not len(plan):
        return {}
    table = version_table(plan)
    return {str(v): pd.Timestamp(d).strftime("%Y-%m-%d")
            for v, d in zip(table["plan_version"], table["approved"], strict=True)
            if not pd.isna(d)}


def _extra_keys(extras: Extras) -> list[str]:
    """Return the keys of the layers besides plan, decisions and findings a page draws."""
    return [key for key, frame in (("projects", extras.projects),
                                   ("corridors", extras.corridors),
                                   ("changes", extras.plan_changes),
                                   ("legalised", extras.legalised))
            if frame is not None and len(frame)]


def base_map(plan: gpd.GeoDataFrame, codes: pd.DataFrame, lang: str,
             offline: bool) -> folium.Map:
    """Return an empty map over ``plan`` with the page's runtime; a basemap unless offline."""
    fmap = folium.Map(tiles=None if offline else "OpenStreetMap", control_scale=False,
                      prefer_canvas=True, zoom_control=True)
    if len(plan):
        bounds = plan.to_crs(4326).total_bounds if plan.crs is not None else \
            plan.total_bounds
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
        if zones.empty:
            continue
        approved = zones["approved"].min()
        title = labels["plan"]
        if len(order) > 1:
            when = "" if pd.isna(approved) else f", {pd.Timestamp(approved):%d/%m/%Y}"
            title = f"{title} ({name}{when})"
        plan_layer(zones, lang=lang, codes=codes, name=title,
                   show=name == order[-1]).add_to(fmap)


def raster_image(raster: str | Path, *, show: bool,
                 lang: str) -> tuple[folium.raster_layers.ImageOverlay, str]:
    """Return ``raster`` as an image overlay, and the land-cover legend when it has classes."""
    colors, legend = _landcover_colors(raster, lang)
    overlay = raster_layer(raster, colors=colors, show=show,
                           name=f"{_labels(lang)['landcover']} ({Path(raster).stem})")
    return overlay, legend


def _copy_overlay(overlay: folium.raster_layers.ImageOverlay
                  ) -> folium.raster_layers.ImageOverlay:
    """Return a new overlay of the same image (an element belongs to one page)."""
    return ImageLayer(
        image=overlay.url, bounds=overlay.bounds, name=overlay.layer_name,
        show=overlay.show, mercator_project=False, **overlay.options)


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
