"""Interactive Folium maps of a check, for inspectors in the field and for the public.

:func:`make_map` returns a :class:`folium.Map` with toggleable layers — plan zones in the
official palette (one layer per plan version), decisions coloured by status, findings
(conflicting parts) by severity, and optional annual-plan projects, restriction
corridors, plan adjustments and a raster image — plus a legend that follows the layers
shown, a summary panel, a list of the violations to step through, layer control,
fullscreen, search by parcel id, decision number or commune (ignoring diacritics), measure,
metric scale bar and mini-map, every control in the map's language.

Safety: attribute text is data, never markup. Layer data is embedded as JSON with ``<``,
``>`` and ``&`` escaped, popups, tooltips and search tips are built in the browser with
``textContent``, layer names (plan versions, raster file names) are HTML-escaped where the
layer is made (Leaflet's layer control uses ``innerHTML``), and the legend and panels are
escaped on the server, so nothing from a file is ever parsed as HTML or script
(docs/maps.md lists every path).

Offline: ``offline=True`` inlines Leaflet and the plugins from pinned copies shipped in
``landplan/data/assets`` (see its README) and uses no basemap, so the saved HTML makes no
network request at all. Large layers: geometry is simplified (plan zones with
``shapely.coverage_simplify``, which keeps shared edges shared), layers are embedded in a
compact encoding (coordinates quantised to 6 decimals, ~0.1 m, and delta-encoded; properties
column by column with short keys; :mod:`landplan._map_codec`), names are looked up
client-side, rendering uses canvas, and compliant decisions are drawn only when asked.

Maps that open, whatever the count: :func:`write_maps` writes one ``map.html`` when it fits
a :class:`MapBudget` (25 MB and 30,000 features by default), else an index of the units
and one map per unit (per part of a unit) in ``maps/`` (:mod:`landplan._map_split`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

# The parts of the page, one private module each: _map_json (text and data made safe),
# _map_codec (the compact layer encoding), _map_runtime (labels, colours, the LANDPLAN
# script and styles), _map_layers (the vector layers), _map_raster (the image overlay),
# _map_controls (legend, panels, search, mini-map), _map_inspector (the list of violations
# and what the inspector script does), _map_assets (offline copies of Leaflet), _map_page
# (one page of them); a map too large for one file: _map_budget (the
# budget, file names), _map_split (the split), _map_index (the index, the units' panels).
# Scripts and styles are files in landplan/data/map.
from ._map_assets import inline_assets
from ._map_budget import MAPS_FOLDER, MapBudget
from ._map_controls import _legend, minimap_outline
from ._map_index import PageInfo, header_panel, index_map, notice_panel
from ._map_json import _js as _js  # re-exported for the tests (as is _add_runtime)
from ._map_json import escape
from ._map_layers import (
    corridors_layer,
    decisions_layer,
    findings_layer,
    geo_layer,
    legalised_findings,
    legalised_layer,
    plan_changes_layer,
    plan_layer,
    projects_layer,
)
from ._map_page import PERSONAL_ROLES, Extras, base_map, draw, raster_image
from ._map_page import personal_columns as personal_columns
from ._map_raster import raster_layer
from ._map_runtime import Raw
from ._map_runtime import _add_runtime as _add_runtime
from ._map_runtime import _labels as _labels  # the label scan reads the map's labels here
from ._map_split import (
    Choice,
    Context,
    Page,
    Planner,
    choose,
    hull,
    items,
    page_summary,
)
from ._outdir import clear_folder
from .check import CheckResult
from .codes import load_codes
from .errors import ConfigError
from .schema import version_table

__all__ = [
    "PERSONAL_ROLES",
    "MapBudget",
    "corridors_layer",
    "decisions_layer",
    "escape",
    "findings_layer",
    "geo_layer",
    "inline_assets",
    "legalised_layer",
    "make_map",
    "plan_changes_layer",
    "plan_diff_map",
    "plan_layer",
    "projects_layer",
    "raster_layer",
    "save_map",
    "write_maps",
]

_ATTEMPTS = 12  # renderings of one unit's maps at most (a miss halves or shrinks a map)


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
        :func:`save_map` (or ``Map.save``) to get an HTML file. It draws everything,
        however much: :func:`write_maps` writes maps that keep a size budget (what the
        command line and :func:`landplan.write_outputs` write).
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
    legalised = legalised_findings(result.findings)
    return Extras(projects=projects, corridors=corridors, plan_changes=plan_changes,
                  raster=image, legalised=legalised if len(legalised) else None)


def write_maps(result: CheckResult, folder: str | Path, *, lang: str | None = None,
               offline: bool = True, public: bool = False, all_decisions: bool = False,
               raster: str | Path | None = None, budget: MapBudget | None = None,
               codes: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write the map of a check into ``folder``: one ``map.html``, or an index and ``maps/``.

    When everything the map draws fits one file of the ``budget`` (by default at most
    25 MB and 30,000 features, which keeps its first render within seconds), ``folder``
    gets ``map.html``, the map :func:`make_map` makes. Otherwise ``map.html`` is an index
    of the administrative units (the decisions' ``unit``) with their numbers of decisions
    and findings, linking to one map per unit in ``folder/maps`` — several, split by
    area, for a unit too large for one file (``maps/<slug>-<id>.html``,
    ``maps/<slug>-<id>-<part>.html``). Every decision and finding is on one of them,
    unless a part cannot be split (all its decisions at one spot): that map draws the most
    severe first and says how many are left out (they are in ``findings.csv``).

    Parameters
    ----------
    result
        What :func:`landplan.check` returned.
    folder
        An existing folder. ``map.html`` in it is written over, and the maps an earlier
        call left in ``maps/`` are removed (the files named as landplan names them; the
        folder too when nothing else is left in it). :func:`landplan.write_outputs` writes
        a run's output folder all at once instead.
    lang, offline, public, all_decisions, raster, codes
        As in :func:`make_map` (offline by default).
    budget
        What one file may hold (:class:`MapBudget`).

    Returns
    -------
    dict
        ``{"map.html": path}``, and ``"maps/"``: the folder of the units' maps when the map
        is split.
    """
    budget = MapBudget() if budget is None else budget
    codes = load_codes() if codes is None else codes
    lang = result.lang if lang is None else lang
    folder = Path(folder)
    opts = {"lang": lang, "codes": codes, "offline": offline, "public": public,
            "all_decisions": all_decisions}
    extras = _extras(result, projects=None, corridors=None, plan_changes=None, raster=raster,
                     lang=lang)
    outline = _outline(result.plan)
    maps = folder / MAPS_FOLDER
    if maps.is_dir() and not maps.is_symlink():
        clear_folder(maps)
    planner = Planner(items(result, lang=lang, public=public, all_decisions=all_decisions),
                      _contexts(result.plan, extras), budget,
                      _fixed_size(result, extras, outline, opts, budget))
    if planner.fits(None):
        html = draw(result, extras, **opts).get_root().render()
        if _size(html) <= budget.max_bytes:
            return {"map.html": _write(folder / "map.html", html)}
    if offline:  # every page's mini-map draws the district's outline: made once
        extras = replace(extras, minimap=minimap_outline(outline))
    if not len(planner.items.unit):  # nothing to split: the one map draws what fits
        return {"map.html": _write_whole(result, extras, planner, opts, outline, folder)}
    maps.mkdir(exist_ok=True)
    infos, pages = [], planner.pages()
    for unit in dict.fromkeys(p.unit for p in pages):
        unit_pages = [p for p in pages if p.unit == unit]
        infos += _write_unit(result, extras, planner, unit_pages, opts, outline, maps)
    index = index_map(result, infos, lang=lang, codes=codes, offline=offline, outline=outline,
                      max_mb=budget.max_mb, max_features=budget.max_features,
                      minimap=extras.minimap)
    return {"map.html": _write(folder / "map.html", index.get_root().render()),
            f"{MAPS_FOLDER}/": maps}


def _write_whole(result: CheckResult, extras: Extras, planner: Planner, opts: dict[str, Any],
                 outline: gpd.GeoDataFrame, folder: Path) -> Path:
    """Write ``map.html`` of a check that draws no decision but whose context is too much."""
    page, limit = Page(None, np.arange(0)), planner.budget.max_bytes
    for _ in range(_ATTEMPTS):
        html, _ = _page_html(result, extras, planner, page, opts, outline, header=False)
        if _size(html) <= limit:
            return _write(folder / "map.html", html)
        page = replace(page, share=page.share * 0.8 * limit / _size(html))
    raise RuntimeError("the map keeps exceeding the budget")


def _write_unit(result: CheckResult, extras: Extras, planner: Planner, pages: list[Page],
                opts: dict[str, Any], outline: gpd.GeoDataFrame, maps: Path) -> list[PageInfo]:
    """Write the maps of one unit; a map over the budget is halved, or given less, again."""
    limit = planner.budget.max_bytes
    for _ in range(_ATTEMPTS):
        infos, again, written = [], [], []
        for page in pages:
            html, info = _page_html(result, extras, planner, page, opts, outline)
            written.append(_write(maps / page.file, html))
            infos.append(info)
            if _size(html) > limit:
                halves = planner.halves(page.items)
                again += [Page(page.unit, h, share=page.share) for h in halves] if halves \
                    else [replace(page, share=page.share * 0.8 * limit / _size(html))]
            else:
                again.append(page)
        if len(again) == len(pages) and all(a.share == p.share for a, p in
                                            zip(again, pages, strict=True)):
            return infos
        for path in written:
            path.unlink()
        pages = [replace(p, part=k, parts=len(again)) for k, p in enumerate(again, 1)]
    raise RuntimeError(f"the maps of unit {pages[0].unit!r} keep exceeding the budget")


def _page_html(result: CheckResult, extras: Extras, planner: Planner, page: Page,
               opts: dict[str, Any], outline: gpd.GeoDataFrame, *,
               header: bool = True) -> tuple[str, PageInfo]:
    """Return the HTML of one unit's map (or of the whole check's, without ``header``).

    And what the index says about it.
    """
    lang = opts["lang"]
    choice = choose(planner, page)
    frames = {layer.key: layer.frame.iloc[choice.context.get(layer.key, [])]
              for layer in planner.context}
    plans = [f for key, f in frames.items() if key.startswith("plan:")]
    plan = pd.concat(plans).sort_index(kind="stable") if plans else result.plan.iloc[:0]
    decisions = result.decisions.iloc[choice.decisions]
    findings = result.findings.iloc[choice.findings]
    sub = result._replace(decisions=decisions, plan=plan)
    page_extras = Extras(projects=frames.get("projects"), corridors=frames.get("corridors"),
                         plan_changes=frames.get("changes"), raster=extras.raster,
                         legalised=frames.get("legalised"),
                         outline=outline, minimap=extras.minimap)
    panels, info = [], _info(result, planner, page, choice)
    if header:
        panels.append(header_panel(info, decisions=len(decisions), findings=len(findings),
                                   lang=lang))
    if not choice.complete:
        panels.append(notice_panel(decisions=choice.left_decisions,
                                   findings=choice.left_findings,
                                   layers=[_layer_title(k, lang) for k in choice.left_layers],
                                   lang=lang))
    focus = decisions if len(decisions) else findings
    fmap = draw(sub, page_extras, findings_drawn=findings, panels=panels, focus=focus,
                summary=page_summary(result, page.unit) if header else None, **opts)
    return fmap.get_root().render(), info


def _info(result: CheckResult, planner: Planner, page: Page, choice: Choice) -> PageInfo:
    """Return what the index says about ``page``: its counts, its outline."""
    it, idx = planner.items, page.items
    status = result.decisions["status"].to_numpy()[it.decisions[idx[idx < it.n_decisions]]]
    return PageInfo(unit=page.unit, part=page.part, parts=page.parts, file=page.file,
                    hull=hull(result, it, page),
                    violations=int((status == "violation").sum()),
                    unchecked=int((status == "unchecked").sum()),
                    findings=int(np.isin(it.owner, idx).sum()), complete=choice.complete)


def _contexts(plan: gpd.GeoDataFrame, extras: Extras) -> list[Context]:
    """Return the context layers in the order a crowded map keeps them.

    The newest plan, the plan adjustments, the adjustments that legalised earlier
    violations, corridors, projects, then the older plan versions, newest first.
    """
    versions = plan["plan_version"].fillna("v1")
    order = version_table(plan)["plan_version"].tolist() if len(plan) else []
    out = [Context.of(f"plan:{order[-1]}", plan[versions == order[-1]])] if order else []
    for key, frame in (("changes", extras.plan_changes), ("legalised", extras.legalised),
                       ("corridors", extras.corridors), ("projects", extras.projects)):
        if frame is not None and len(frame):
            out.append(Context.of(key, frame))
    out += [Context.of(f"plan:{v}", plan[versions == v]) for v in reversed(order[:-1])]
    return out


def _layer_title(key: str, lang: str) -> str:
    """Return the name of a context layer as the layer control shows it."""
    labels = _labels(lang)
    if key.startswith("plan:"):
        return f"{labels['plan']} ({key[5:]})"
    return labels[key]


def _outline(plan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the district's outline (the plan's, simplified by 20 m) for the mini-maps."""
    geoms = np.asarray(plan.geometry.values, dtype=object)
    outline = shapely.union_all(shapely.simplify(geoms, 20.0)) if len(geoms) else \
        shapely.GeometryCollection()
    return gpd.GeoDataFrame(geometry=[outline], crs=plan.crs)


def _fixed_size(result: CheckResult, extras: Extras, outline: gpd.GeoDataFrame,
                opts: dict[str, Any], budget: MapBudget) -> int:
    """Return the estimated size of a page without layers: scripts, styles, panels, image.

    Raises
    ------
    landplan.errors.ConfigError
        When that alone takes more than half the budget.
    """
    empty = result._replace(decisions=result.decisions.iloc[:0], plan=result.plan.iloc[:0])
    html = draw(empty, Extras(raster=extras.raster, outline=outline),
                findings_drawn=result.findings.iloc[:0], **opts)
    size = _size(html.get_root().render()) + 8_000  # the summary, the unit's panels
    size += len(_legend(result.plan, opts["codes"], opts["lang"]).encode("utf-8"))
    if size > budget.max_bytes // 2:
        raise ConfigError(
            f"A map budget of {budget.max_mb:g} MB leaves too little room: a map's scripts, "
            f"styles{' and raster image' if extras.raster else ''} alone take "
            f"{size / 1e6:.1f} MB. Raise it (--map-budget-mb).")
    return size


def _size(html: str) -> int:
    """Return the size of a page in bytes (UTF-8)."""
    return len(html.encode("utf-8"))


def _write(path: Path, html: str) -> Path:
    """Write a page (UTF-8) and return its path."""
    path.write_text(html, encoding="utf-8")
    return path


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
    fmap.get_root().html.add_child(Raw(_legend(new_plan, codes, lang)))
    folium.LayerControl(collapsed=False).add_to(fmap)
    if offline:
        inline_assets(fmap)
    return fmap
