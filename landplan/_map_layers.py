"""The map's vector layers (:mod:`landplan.maps`): plan, decisions, findings and the rest.

Each layer is a :class:`_GeoLayer`: its features embedded as safe, compact GeoJSON
(:func:`landplan._map_json._features`), drawn, styled and given popups and tooltips in the
browser by the ``LANDPLAN`` runtime (``data/map/geo_layer.js`` and ``runtime.js``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._arrowtext import join_per_key
from ._labels import ranks
from ._map_json import _features, _js, _text_name, _to_wgs84
from ._map_runtime import (
    _LAYER_COLORS,
    _SEVERITY_COLORS,
    _STATUS_COLORS,
    RawMacro,
    _labels,
    _map_template,
)
from .codes import code_color, load_codes
from .plandiff import ADJUSTMENT_RULE
from .schema import KINDS


class _GeoLayer(folium.map.Layer, RawMacro):
    """A GeoJSON layer embedded as safe JSON, styled and labelled in the browser."""

    _template = _map_template("geo_layer.js")

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


def _style(colors: Mapping[str, str] | None = None, by: str | None = None, **extra: Any
           ) -> dict[str, Any]:
    """Return a layer style: colours ``by`` a property, and ``extra`` settings."""
    style: dict[str, Any] = {"colors": dict(colors or {}), "by": by}
    style.update(extra)
    return style


def geo_layer(gdf: gpd.GeoDataFrame, props: pd.DataFrame, *, name: str,
              style: Mapping[str, Any], popup: list[list[str]] | None = None,
              tooltip: list[list[str]] | None = None, show: bool = True,
              key: str | None = None) -> _GeoLayer:
    """Make a compact, safe GeoJSON layer from a GeoDataFrame and its properties.

    Parameters
    ----------
    gdf
        Geometries (any CRS; converted to EPSG:4326).
    props
        Properties, aligned with ``gdf``; keep keys short.
    name
        The layer's name in the layer control (shown as text).
    style
        ``{"by": key, "colors": {value: "#RRGGBB"}, "color", "stroke", "weight", "fill",
        "dash"}``.
    popup, tooltip
        ``[[key, label], ...]``; a key starting with ``@`` shows the land-use name of the
        code in that property, one starting with ``%`` the legal basis of the rule ids in
        it, one starting with ``$`` their titles, one starting with ``^`` the plan version
        in it with its approval date.
    show
        Whether the layer is on when the page opens.
    key
        Name under which the Leaflet layer is kept in ``LANDPLAN.layers`` in the page
        (default: ``name``).

    Returns
    -------
    folium.map.Layer
        Add it to a map made by :func:`landplan.make_map` (or to any map that has the
        ``LANDPLAN`` runtime).
    """
    data = _features(_to_wgs84(gdf), props.reset_index(drop=True))
    return _GeoLayer(data, name=name, style=style, popup=popup, tooltip=tooltip, show=show,
                     key=key)


def plan_layer(plan: gpd.GeoDataFrame, *, lang: str = "vi", codes: pd.DataFrame | None = None,
               name: str | None = None, show: bool = True,
               simplify_m: float = 0.5) -> _GeoLayer:
    """Draw plan zones in the official palette; tooltip code and name.

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
    """Return the zones' geometries simplified by ``tolerance`` metres, shared edges kept."""
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
    """Draw decisions coloured by status.

    Violations and unchecked decisions always, compliant ones only with
    ``all_decisions=True`` (None when there is none to draw). Popups give the parcel,
    decision, kind, granted and planned use with names, conflict area and %, rules,
    messages and legal basis; the owner too unless ``public``.
    """
    labels = _labels(lang)
    chosen = decisions[drawn_decisions(decisions, all_decisions)]
    if chosen.empty:
        return None
    props = decision_props(chosen, findings, lang=lang, public=public)
    popup = [["n", labels["decision"]], ["d", labels["date"]], ["p", labels["parcel"]],
             ["k", labels["kind"]], ["st", labels["status"]],
             ["va", labels["violation_area"]], ["^pv", labels["judged_against"]],
             ["u", labels["unit_label"]],
             ["g", labels["land_use"]],
             ["@g", ""], ["pl", labels["planned"]], ["@pl", ""], ["a", labels["area"]],
             ["c", labels["pct"]], ["$r", labels["rule"]], ["m", labels["message"]],
             ["%r", labels["legal"]]]
    if "o" in props.columns:
        popup.insert(3, ["o", labels["owner"]])
    return geo_layer(chosen, props, name=name or labels["decisions"], key="decisions",
                     style=_style(_STATUS_COLORS, "s", weight=1.5, fill=0.45),
                     popup=popup, tooltip=[["n", labels["decision"]], ["p", labels["parcel"]],
                                           ["st", labels["status"]]])


def drawn_decisions(decisions: gpd.GeoDataFrame, all_decisions: bool) -> np.ndarray:
    """Return which decisions a map draws: violations and unchecked ones (all, if asked)."""
    keep = decisions["status"].isin(["violation", "unchecked"]) | all_decisions
    return (keep & decisions.geometry.notna() & ~decisions.geometry.is_empty).to_numpy()


def decision_props(chosen: gpd.GeoDataFrame, findings: gpd.GeoDataFrame, *, lang: str,
                   public: bool) -> pd.DataFrame:
    """Return the properties of the decisions layer's features (short keys), for ``chosen``.

    ``i`` is the decision's ``source_row`` (not shown; it ties a feature to
    ``decisions.csv``); the rules and messages of each come from ``findings``.
    """
    labels = _labels(lang)
    f = findings[(findings["layer"] == "decisions") & findings["source_row"].notna()]
    f = f[f["source_row"].isin(chosen["source_row"])]
    f = f.sort_values(["source_row", "finding_id"], kind="stable")
    rows = f["source_row"].to_numpy(dtype="float64")
    keys, rules = join_per_key(rows, f["rule"], ", ", distinct=True)
    _, messages = join_per_key(rows, f["message"], "\n")
    per = pd.DataFrame({"r": rules, "m": messages}, index=pd.Index(keys, name="source_row"))
    joined = chosen.join(per, on="source_row")
    kinds = {k: labels.get(f"kind_{k}", k) for k in KINDS}
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
        "i": joined["source_row"].to_numpy(),
        "u": unit_names(joined),
        "pv": _column(joined, "plan_version"),
        "sv": _column(joined, "max_severity"),
        "ru": deciding_rules(joined, f),
        "va": _areas(joined, "violation_area_m2"),
    })
    if not public and "owner" in joined.columns:
        props["o"] = joined["owner"].to_numpy(dtype=object)
    props["st"] = status_texts(props["s"], props["ru"], lang=lang)
    return props


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Return ``frame[name]`` as objects, all None when the column is missing."""
    if name not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    return frame[name].astype(object).where(frame[name].notna(), None).to_numpy(dtype=object)


def _areas(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Return the positive areas of ``frame[name]`` as floats, NaN elsewhere or if missing."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return frame[name].where(frame[name] > 0).to_numpy(dtype="float64")


def unit_names(decisions: pd.DataFrame) -> np.ndarray:
    """Return each decision's commune as the map shows it: ``unit_name``, else ``unit``."""
    units = _column(decisions, "unit")
    names = _column(decisions, "unit_name")
    out = np.where(pd.isna(names) | (names == ""), units, names)
    return np.array([None if v is None or v == "" else str(v) for v in out.tolist()],
                    dtype=object) if len(out) else out


def deciding_rules(decisions: pd.DataFrame, findings: pd.DataFrame) -> np.ndarray:
    """Return the id of the rule that decides each decision's status ("" for none).

    The check's ``rule`` column when it has one; else the most severe of the decision's
    findings (``findings``: the decisions' findings, sorted by ``source_row``).
    """
    if "rule" in decisions.columns:
        return decisions["rule"].fillna("").astype(str).to_numpy(dtype=object)
    ranked = findings.assign(_rank=findings["severity"].map(ranks("severity")).fillna(-1))
    ranked = ranked.sort_values(["source_row", "_rank", "finding_id"],
                                ascending=[True, False, True], kind="stable")
    first = ranked.drop_duplicates("source_row").set_index("source_row")["rule"]
    rules = decisions["source_row"].map(first).fillna("").astype(str)
    return rules.where(decisions["status"] != "compliant", "").to_numpy(dtype=object)


def status_texts(status: pd.Series, rules: pd.Series | np.ndarray, *,
                 lang: str) -> np.ndarray:
    """Return the popup's status: its word, and the title of the deciding rule if any.

    "Trái quy hoạch — Sai mục đích sử dụng"; once per distinct pair.
    """
    from .rules import RULES

    labels = _labels(lang)
    words = {s: labels[f"status_{s}"] for s in _STATUS_COLORS}
    pairs = pd.DataFrame({"s": np.asarray(status, dtype=object),
                          "r": np.asarray(rules, dtype=object)})
    texts = {}
    for s, r in pairs.drop_duplicates().itertuples(index=False):
        word = words.get(s, s)
        rule = RULES.get(r) if r and s != "compliant" else None
        texts[(s, r)] = f"{word} — {rule.title(lang)}" if rule is not None else word
    return np.array([texts[(s, r)] for s, r in pairs.itertuples(index=False)], dtype=object)


def findings_layer(findings: gpd.GeoDataFrame, *, lang: str = "vi",
                   name: str | None = None, show: bool = True) -> _GeoLayer | None:
    """Draw the part each compliance finding concerns, coloured by severity.

    The part is the conflicting part of a decision or an overlap; None when no compliance
    finding of the decisions has a geometry.
    """
    labels = _labels(lang)
    f = findings[drawn_findings(findings)]
    if f.empty:
        return None
    return geo_layer(f, finding_props(f, lang=lang), name=name or labels["findings"],
                     show=show, key="findings",
                     style=_style(_SEVERITY_COLORS, "v", weight=1, fill=0.7,
                                  stroke="#000000"),
                     popup=[["$r", labels["rule"]], ["vl", labels["severity"]],
                            ["n", labels["decision"]], ["pl", labels["planned"]],
                            ["@pl", ""], ["a", labels["area"]], ["%r", labels["legal"]]],
                     tooltip=[["$r", labels["rule"]], ["vl", labels["severity"]]])


def drawn_findings(findings: gpd.GeoDataFrame) -> np.ndarray:
    """Return which findings a map draws: compliance findings of decisions, with a geometry."""
    return ((findings["category"] == "compliance") & findings.geometry.notna()
            & ~findings.geometry.is_empty & (findings["layer"] == "decisions")).to_numpy()


def finding_props(f: gpd.GeoDataFrame, *, lang: str) -> pd.DataFrame:
    """Return the properties of the findings layer's features (short keys), for ``f``.

    ``i`` is the finding's ``finding_id`` (not shown; it ties a feature to
    ``findings.csv``).
    """
    labels = _labels(lang)
    severity = {s: labels[f"severity_{s}"] for s in _SEVERITY_COLORS}
    props = pd.DataFrame({
        "v": f["severity"].to_numpy(dtype=object), "r": f["rule"].to_numpy(dtype=object),
        "n": f["decision_no"].to_numpy(dtype=object), "a": f["conflict_area_m2"].to_numpy(),
        "pl": f["planned_land_use"].to_numpy(dtype=object),
        "i": f["finding_id"].to_numpy(dtype=object),
    })
    props["vl"] = props["v"].map(severity)
    return props


def projects_layer(projects: gpd.GeoDataFrame, findings: gpd.GeoDataFrame | None = None, *,
                   lang: str = "vi", name: str | None = None,
                   show: bool = True) -> _GeoLayer:
    """Draw annual-plan projects; stale ones (``stale-plan-item``) in red."""
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
                     style=_style({"stale": _LAYER_COLORS["stale"],
                                   "ok": _LAYER_COLORS["projects"]}, "s", weight=2,
                                  fill=0.1, dash="6 4"),
                     popup=[["t", labels["project"]], ["y", labels["year"]],
                            ["g", labels["purpose"]], ["@g", ""], ["st", labels["status"]]],
                     tooltip=[["t", labels["project"]], ["y", labels["year"]]])


def corridors_layer(corridors: gpd.GeoDataFrame, *, lang: str = "vi",
                    name: str | None = None, show: bool = True) -> _GeoLayer:
    """Draw restriction corridors with the uses allowed inside."""
    labels = _labels(lang)
    props = pd.DataFrame({
        "t": corridors["name"].to_numpy(dtype=object),
        "k": corridors["restriction"].to_numpy(dtype=object),
        "al": corridors["allowed"].str.replace(",", ", ").to_numpy(dtype=object),
    })
    return geo_layer(corridors, props, name=name or labels["corridors"], show=show,
                     key="corridors",
                     style=_style(color=_LAYER_COLORS["corridors"], weight=1, fill=0.15,
                                  dash="2 3"),
                     popup=[["t", labels["corridor"]], ["k", labels["restriction"]],
                            ["al", labels["allowed"]]],
                     tooltip=[["t", labels["corridor"]]])


def plan_changes_layer(diff: gpd.GeoDataFrame, *, lang: str = "vi", name: str | None = None,
                       show: bool = False) -> _GeoLayer:
    """Draw the pieces whose planned code changed between two versions.

    ``diff`` is a :func:`landplan.plan_diff` result.
    """
    labels = _labels(lang)
    props = pd.DataFrame({"o": diff["old_land_use"].to_numpy(dtype=object),
                          "w": diff["new_land_use"].to_numpy(dtype=object),
                          "a": diff["area_m2"].to_numpy()})
    return geo_layer(diff, props, name=name or labels["changes"], show=show, key="changes",
                     style=_style(color=_LAYER_COLORS["changes"], weight=2, fill=0.15,
                                  dash="4"),
                     popup=[["o", labels["old_code"]], ["@o", ""], ["w", labels["new_code"]],
                            ["@w", ""], ["a", labels["area_total"]]],
                     tooltip=[["o", labels["old_code"]], ["w", labels["new_code"]]])


def legalised_layer(findings: gpd.GeoDataFrame, *, lang: str = "vi", name: str | None = None,
                    show: bool = True) -> _GeoLayer:
    """Draw the plan adjustments that legalised earlier violations.

    ``findings`` are ``adjustment-legalises-violation`` findings (:func:`legalised_findings`):
    the part of each earlier violation that the adjusted zone now allows, with the decision,
    the new code, the area and the finding's message (which names both codes and dates).
    """
    labels = _labels(lang)
    props = pd.DataFrame({
        "n": findings["decision_no"].to_numpy(dtype=object),
        "d": findings["decision_date"].to_numpy(),
        "w": findings["planned_land_use"].to_numpy(dtype=object),
        "a": findings["conflict_area_m2"].to_numpy(),
        "m": findings["message"].to_numpy(dtype=object),
        "r": findings["rule"].to_numpy(dtype=object),
        "i": findings["finding_id"].to_numpy(dtype=object),
    })
    return geo_layer(findings, props, name=name or labels["legalised"], show=show,
                     key="legalised",
                     style=_style(color=_LAYER_COLORS["legalised"], weight=2.5, fill=0.35,
                                  dash="1 4"),
                     popup=[["n", labels["legalised_decision"]], ["d", labels["date"]],
                            ["w", labels["new_code"]], ["@w", ""], ["a", labels["area"]],
                            ["m", labels["message"]], ["%r", labels["legal"]]],
                     tooltip=[["n", labels["legalised_decision"]], ["w", labels["new_code"]]])



def legalised_findings(findings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the findings the map's layer of legalising adjustments draws (with a geometry)."""
    keep = ((findings["rule"] == ADJUSTMENT_RULE) & findings.geometry.notna()
            & ~findings.geometry.is_empty).to_numpy()
    return findings[keep]
