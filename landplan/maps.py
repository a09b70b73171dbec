"""Interactive Folium maps of a check: plan zones in the official palette, violations on top.

Every attribute value shown in a popup or tooltip is escaped: text from a shapefile is
data, never markup or script. (folium inserts GeoJSON properties as raw HTML into a
JavaScript template literal, so ``<``, ``&``, quotes, backticks and ``$`` are escaped.)
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from .check import CheckResult
from .codes import code_color, code_name, load_codes

__all__ = ["escape", "make_map", "plan_diff_map", "plan_layer", "violations_layer"]

_LABELS = {
    "vi": {"plan": "Quy hoạch sử dụng đất", "violations": "Quyết định trái quy hoạch",
           "unchecked": "Không kiểm tra được", "decision": "Số QĐ", "parcel": "Thửa",
           "land_use": "Mục đích được giao", "planned": "Quy hoạch", "rule": "Quy tắc",
           "message": "Nội dung", "area": "Diện tích vi phạm (m²)", "pct": "% thửa",
           "date": "Ngày QĐ", "kind": "Hình thức", "legal": "Căn cứ", "code": "Mã",
           "name": "Tên loại đất", "legend": "Chú giải"},
    "en": {"plan": "Land-use plan", "violations": "Decisions contradicting the plan",
           "unchecked": "Not checked", "decision": "Decision", "parcel": "Parcel",
           "land_use": "Granted use", "planned": "Planned use", "rule": "Rule",
           "message": "Message", "area": "Conflict area (m²)", "pct": "% of parcel",
           "date": "Date", "kind": "Kind", "legal": "Legal basis", "code": "Code",
           "name": "Land-use name", "legend": "Legend"},
}
_SEVERITY_COLORS = {"critical": "#7F0000", "high": "#D7191C", "medium": "#FDAE61",
                    "low": "#FFFFBF", "info": "#ABD9E9"}


def escape(value: object) -> str:
    """Text safe inside HTML and inside a JavaScript template literal."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        value = f"{value:,.1f}"
    elif isinstance(value, (pd.Timestamp, np.datetime64)):
        value = pd.Timestamp(value).strftime("%Y-%m-%d")
    text = html.escape(str(value), quote=True)
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def _escaped(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame({c: frame[c].map(escape) for c in columns}, index=frame.index)


def plan_layer(plan: gpd.GeoDataFrame, *, lang: str = "vi", codes: pd.DataFrame | None = None,
               name: str | None = None, show: bool = True) -> folium.GeoJson:
    """Plan zones coloured with the official palette, with the code and name as tooltip."""
    codes = load_codes() if codes is None else codes
    labels = _LABELS[lang]
    uniq = plan["land_use"].dropna().unique()
    colors = {c: code_color(c, codes) for c in uniq}
    names = {c: code_name(c, codes, lang) for c in uniq}
    data = gpd.GeoDataFrame({
        "code": plan["land_use"].map(escape),
        "name": plan["land_use"].map(names).map(escape),
        "fill": plan["land_use"].map(colors).fillna("#CCCCCC"),
    }, geometry=plan.geometry.values, crs=plan.crs).to_crs(4326)
    data = data[~data.geometry.is_empty & data.geometry.notna()]
    return folium.GeoJson(
        data,
        name=name or labels["plan"],
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#666666",
                                  "weight": 0.5, "fillOpacity": 0.7},
        tooltip=folium.GeoJsonTooltip(fields=["code", "name"],
                                      aliases=[labels["code"], labels["name"]]),
        smooth_factor=1.0,
        show=show,
    )


def violations_layer(decisions: gpd.GeoDataFrame, findings: gpd.GeoDataFrame, *,
                     lang: str = "vi", status: str = "violation",
                     name: str | None = None) -> folium.GeoJson | None:
    """Decisions with the given status, coloured by their highest severity, with popups."""
    labels = _LABELS[lang]
    chosen = decisions[(decisions["status"] == status) & decisions.geometry.notna()]
    if chosen.empty:
        return None
    on_decisions = findings[findings["layer"] == "decisions"]
    first = (on_decisions[on_decisions["source_row"].isin(chosen["source_row"])]
             .sort_values("source_row", kind="stable")
             .groupby("source_row")
             .agg(rule=("rule", lambda r: ", ".join(dict.fromkeys(r))),
                  message=("message", " ".join),
                  legal=("legal_basis", lambda r: "; ".join(x for x in dict.fromkeys(r) if x))))
    props = chosen.join(first, on="source_row")
    fields = {"decision_no": labels["decision"], "parcel_id": labels["parcel"],
              "decision_date": labels["date"], "kind": labels["kind"],
              "land_use": labels["land_use"], "planned_land_use": labels["planned"],
              "conflict_area_m2": labels["area"], "conflict_pct": labels["pct"],
              "rule": labels["rule"], "message": labels["message"], "legal": labels["legal"]}
    data = gpd.GeoDataFrame(_escaped(props, fields), geometry=props.geometry.values,
                            crs=props.crs).to_crs(4326)
    data["stroke"] = props["max_severity"].map(_SEVERITY_COLORS).fillna("#D7191C").values
    return folium.GeoJson(
        data,
        name=name or labels["violations" if status == "violation" else "unchecked"],
        style_function=lambda f: {"color": f["properties"]["stroke"], "weight": 2,
                                  "fillColor": f["properties"]["stroke"], "fillOpacity": 0.5},
        popup=folium.GeoJsonPopup(fields=list(fields), aliases=list(fields.values()),
                                  localize=False, labels=True),
        tooltip=folium.GeoJsonTooltip(fields=["decision_no", "parcel_id", "rule"],
                                      aliases=[labels["decision"], labels["parcel"],
                                               labels["rule"]]),
    )


def make_map(result: CheckResult, *, lang: str = "vi", codes: pd.DataFrame | None = None,
             tiles: str | None = "OpenStreetMap") -> folium.Map:
    """A Folium map of a check: plan zones, unchecked decisions, violations, a legend.

    Parameters
    ----------
    result
        What :func:`landplan.check` returned.
    lang
        ``"vi"`` or ``"en"`` for labels and legend.
    tiles
        Basemap (``None`` for none).

    Returns
    -------
    folium.Map
        Add your own layers to it, or display it in a notebook.
    """
    codes = load_codes() if codes is None else codes
    bounds = result.plan.to_crs(4326).total_bounds
    fmap = folium.Map(tiles=tiles, control_scale=True, prefer_canvas=True)
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    plan = result.plan
    versions = plan["plan_version"].fillna("v1")
    order = (plan.assign(v=versions).groupby("v", sort=False)["approved"].min()
             .sort_values(kind="stable", na_position="first").index.tolist())
    for name in order:
        zones = plan[versions == name]
        approved = zones["approved"].min()
        title = _LABELS[lang]["plan"]
        if len(order) > 1:
            when = "" if pd.isna(approved) else f", {pd.Timestamp(approved):%d/%m/%Y}"
            title = f"{title} ({escape(name)}{when})"
        plan_layer(zones, lang=lang, codes=codes, name=title,
                   show=name == order[-1]).add_to(fmap)
    for status in ("unchecked", "violation"):
        layer = violations_layer(result.decisions, result.findings, lang=lang, status=status)
        if layer is not None:
            layer.add_to(fmap)
    _attach(fmap, _legend(result.plan, codes, lang))
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def _legend(plan: gpd.GeoDataFrame, codes: pd.DataFrame, lang: str) -> folium.Element:
    present = sorted(plan["land_use"].dropna().unique())
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:10px;'
        f'background:{code_color(c, codes)};border:1px solid #666;margin-right:4px"></span>'
        f"{escape(c)} – {escape(code_name(c, codes, lang))}</div>"
        for c in present
    )
    box = (
        '<div style="position:fixed;bottom:20px;left:10px;z-index:9999;background:white;'
        'padding:6px 8px;font:11px sans-serif;max-height:40%;overflow:auto;'
        f'border:1px solid #999"><b>{escape(_LABELS[lang]["legend"])}</b>{rows}</div>'
    )
    return folium.Element(box)


def plan_diff_map(new_plan: gpd.GeoDataFrame, diff: gpd.GeoDataFrame, *, lang: str = "vi",
                  tiles: str | None = "OpenStreetMap") -> folium.Map:
    """A map of what a plan adjustment changed: the adjusted plan, and the changed pieces
    with their old and new codes."""
    codes = load_codes()
    labels = {"vi": ("Khu vực điều chỉnh", "Mã cũ", "Mã mới", "Diện tích (m²)"),
              "en": ("Changed areas", "Old code", "New code", "Area (m²)")}[lang]
    bounds = new_plan.to_crs(4326).total_bounds
    fmap = folium.Map(tiles=tiles, control_scale=True, prefer_canvas=True)
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    plan_layer(new_plan, lang=lang, codes=codes).add_to(fmap)
    if len(diff):
        data = gpd.GeoDataFrame(_escaped(diff, ["old_land_use", "new_land_use", "area_m2"]),
                                geometry=diff.geometry.values, crs=diff.crs).to_crs(4326)
        folium.GeoJson(
            data, name=labels[0],
            style_function=lambda f: {"color": "#000000", "weight": 2, "dashArray": "4",
                                      "fillColor": "#000000", "fillOpacity": 0.15},
            tooltip=folium.GeoJsonTooltip(fields=["old_land_use", "new_land_use", "area_m2"],
                                          aliases=list(labels[1:])),
        ).add_to(fmap)
    _attach(fmap, _legend(new_plan, codes, lang))
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def _attach(fmap: folium.Map, element: folium.Element) -> None:
    fmap.get_root().html.add_child(element)
