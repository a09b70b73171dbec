"""The pages of a map split by unit (:mod:`landplan.maps`): the index and the unit panels.

When a check does not fit one map file (:mod:`landplan._map_split`), ``map.html`` is an
index: each unit's maps drawn as the outline (convex hull) of what they show, coloured by
their number of findings, with a popup linking to the map, and a panel listing every
unit with its counts and links. Each unit's map gets a header (the unit, its part, a link
back to the index, what it draws) and, when it cannot draw everything, a notice saying how
much is left out and where it is. Every text in these panels is escaped on the server
(:func:`landplan._map_json.escape`); links are only ever to landplan's own file names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from ._map_assets import inline_assets
from ._map_controls import _add_controls, _Ready, _summary
from ._map_inspector import Inspector
from ._map_json import count, escape, swatches
from ._map_layers import _style, geo_layer
from ._map_page import base_map
from ._map_runtime import Raw, _labels
from .check import CheckResult

# the index colours a unit's outline by its number of findings: 0, 1–9, 10–99, 100 or more
_CLASSES = {"0": "#1A9641", "1": "#FEE08B", "10": "#FC8D59", "100": "#D7191C"}
_CLASS_NAMES = {"0": "0", "1": "1–9", "10": "10–99", "100": "≥ 100"}


@dataclass(frozen=True)
class PageInfo:
    """What the index says about one unit's map."""

    unit: str | None
    part: int
    parts: int
    file: str  # inside maps/
    hull: Any  # the outline of what it shows (working CRS)
    violations: int  # decisions with status violation on it
    unchecked: int
    findings: int
    complete: bool  # draws everything that is its own


def unit_name(unit: str | None, lang: str) -> str:
    """Return how a unit is named on the maps (its text, or "(no unit)")."""
    return _labels(lang)["no_unit"] if unit is None else unit


def part_text(part: int, parts: int, lang: str) -> str:
    """Return "part 2/3" in ``lang`` ("" for a unit in one map)."""
    return "" if parts == 1 else _labels(lang)["part"].format(part=part, parts=parts)


def header_panel(info: PageInfo, *, decisions: int, findings: int, lang: str) -> str:
    """Return the header of a unit's map: unit, part, link to the index, what it draws."""
    labels = _labels(lang)
    part = part_text(info.part, info.parts, lang)
    title = escape(unit_name(info.unit, lang)) + (f" — {escape(part)}" if part else "")
    drawn = labels["on_this_map"].format(decisions=count(decisions, lang),
                                          findings=count(findings, lang))
    return (f'<div class="landplan-panel landplan-page" style="top:10px;left:50%;'
            f'transform:translateX(-50%);max-width:420px">'
            f'<a href="../map.html">{escape(labels["overview"])}</a><br>'
            f'<b>{escape(labels["unit"])}: {title}</b><br>{escape(drawn)}</div>')


def notice_panel(*, decisions: int, findings: int, layers: Sequence[str], lang: str) -> str:
    """Return the notice of a map that cannot draw everything: how much is left, where."""
    labels = _labels(lang)
    lines = []
    if decisions or findings:
        lines.append(labels["not_drawn"].format(findings=count(findings, lang),
                                                decisions=count(decisions, lang)))
    if layers:
        lines.append(labels["layers_not_drawn"].format(layers=", ".join(layers)))
    body = "<br>".join(escape(line) for line in lines)
    return (f'<div class="landplan-panel landplan-notice" role="status" '
            f'style="bottom:30px;left:50%;transform:translateX(-50%);max-width:480px;'
            f'border-color:#D7191C">{body}</div>')


def index_map(result: CheckResult, pages: Sequence[PageInfo], *, lang: str,
              codes: pd.DataFrame, offline: bool, outline: gpd.GeoDataFrame,
              max_mb: float, max_features: int, minimap: str | None = None) -> folium.Map:
    """Return ``map.html`` of a split map: the units' maps on a map and in a list."""
    labels = _labels(lang)
    fmap = base_map(result.plan if len(result.plan) else result.decisions, codes, lang,
                    offline)
    drawn = sorted(pages, key=lambda p: -p.hull.area)  # the larger below: each clickable
    hulls = gpd.GeoDataFrame(geometry=[p.hull for p in drawn], crs=result.decisions.crs)
    props = pd.DataFrame({
        "u": [unit_name(p.unit, lang) for p in drawn],
        "pt": [part_text(p.part, p.parts, lang) for p in drawn],
        "v": [p.violations for p in drawn], "x": [p.unchecked for p in drawn],
        "f": [p.findings for p in drawn],
        "c": [_class(p.findings) for p in drawn],
        "h": [f"maps/{p.file}" for p in drawn],
    })
    geo_layer(hulls, props, name=labels["units"], key="units",
              style=_style(_CLASSES, "c", weight=2, fill=0.3),
              popup=[["u", labels["unit"]], ["pt", ""], ["v", labels["status_violation"]],
                     ["x", labels["status_unchecked"]], ["f", labels["findings_count"]],
                     ["#h", labels["open_map"]]],
              tooltip=[["u", ""], ["pt", ""]]).add_to(fmap)
    _add_controls(fmap, outline, lang, offline, minimap)
    html = fmap.get_root().html
    html.add_child(Raw(_units_panel(pages, lang, max_mb, max_features)))
    html.add_child(Raw(_legend(lang)))
    html.add_child(Raw(_summary(result, lang)))
    Inspector(with_list=False).add_to(fmap)
    _Ready().add_to(fmap)
    if offline:
        inline_assets(fmap)
    return fmap


def _class(findings: int) -> str:
    """Return the colour class of a number of findings."""
    return "100" if findings >= 100 else "10" if findings >= 10 else \
        "1" if findings else "0"


def _units_panel(pages: Sequence[PageInfo], lang: str, max_mb: float,
                 max_features: int) -> str:
    """Return the list of units: counts and links to their maps."""
    labels = _labels(lang)
    rows, by_unit = [], {}
    for page in pages:
        by_unit.setdefault(page.unit, []).append(page)
    for unit, parts in by_unit.items():
        links = " ".join(
            f'<a href="maps/{escape(p.file)}">'
            f'{escape(labels["open_map"] if p.parts == 1 else p.part)}</a>' for p in parts)
        rows.append(f"<tr><td>{escape(unit_name(unit, lang))}</td>"
                    f"<td>{count(sum(p.violations for p in parts), lang)}</td>"
                    f"<td>{count(sum(p.unchecked for p in parts), lang)}</td>"
                    f"<td>{count(sum(p.findings for p in parts), lang)}</td>"
                    f"<td>{links}</td></tr>")
    note = labels["split_note"].format(mb=f"{max_mb:g}", features=count(max_features, lang))
    head = "".join(f"<th>{escape(h)}</th>" for h in (
        labels["unit"], labels["status_violation"], labels["status_unchecked"],
        labels["findings_count"], ""))
    return (f'<details open class="landplan-panel landplan-units" '
            f'style="top:10px;left:50px;max-width:480px">'
            f'<summary><b>{escape(labels["units"])}</b></summary>'
            f'<p>{escape(note)}</p><table><tr>{head}</tr>{"".join(rows)}</table></details>')


def _legend(lang: str) -> str:
    """Return the legend of the index: the colours of the numbers of findings."""
    labels = _labels(lang)
    rows = swatches((color, _CLASS_NAMES[key]) for key, color in _CLASSES.items())
    return (f'<details open class="landplan-panel landplan-legend" '
            f'style="bottom:60px;left:10px"><summary><b>'
            f'{escape(labels["findings_count"])}</b></summary>{rows}</details>')
