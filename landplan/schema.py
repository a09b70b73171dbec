"""Normalisation of raw layers into landplan's canonical schema.

After :func:`normalize_decisions` / :func:`normalize_plan` nothing downstream looks at
raw columns: names are mapped (defaults, Vietnamese cadastral aliases, the DBF
10-character cut, user overrides), kinds and dates parsed, codes canonical, geometry
repaired, and ``source_row`` keeps each record's 0-based row in its input layer.
What was repaired or could not be read is kept in columns (``geometry_status``,
``geometry_note``, ``kind_raw``, ``date_raw``) for the data-quality rules to report.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._data import data_path, load_toml
from ._dates import PLAUSIBLE, parse_date, parse_dates
from ._distinct import per_distinct
from ._numbers import parse_numbers
from ._problems import Joined
from ._text import clean_value, clean_values, fold, name_key, nfc
from .codes import normalize_code, normalize_codes
from .crs import plausible
from .errors import ColumnError, InputError

__all__ = [
    "DECISION_COLUMNS",
    "KINDS",
    "PLAN_COLUMNS",
    "UNREADABLE",
    "as_normalized",
    "clean_geometries",
    "column_aliases",
    "column_candidates",
    "kind_key",
    "kind_readings",
    "layer_kind",
    "match_columns",
    "normalize_corridors",
    "normalize_decisions",
    "normalize_kinds",
    "normalize_plan",
    "normalize_projects",
    "plan_versions",
    "read_kind",
    "version_table",
]

log = logging.getLogger(__name__)

# The canonical kinds (labels.toml [kind]): the four grants, a recovery of land by the State,
# and "non-state" for origin-of-use codes that are no State decision (transfers, sub-leases).
KINDS = ("allocation", "lease", "recognition", "conversion", "recovery", "non-state")
DECISION_COLUMNS = [
    "source_row", "decision_no", "parcel_id", "kind", "decision_date", "land_use",
    "prev_land_use", "unit", "unit_name", "sheet", "parcel_no", "legal_area", "owner",
    "address", "kind_raw", "date_raw", "geometry_status", "geometry_note",
]
PLAN_COLUMNS = ["source_row", "zone_id", "land_use", "unit", "unit_name", "plan_version",
                "approved", "geometry_status", "geometry_note"]
PROJECT_COLUMNS = ["source_row", "project_name", "year", "land_use", "unit", "geometry_status",
                   "geometry_note"]
CORRIDOR_COLUMNS = ["source_row", "name", "restriction", "allowed", "geometry_status",
                    "geometry_note"]
_REQUIRED = {"decisions": ("land_use",), "plan": ("land_use",),
             "projects": ("year", "land_use"), "corridors": ("allowed",)}
# The geometry_note of a record the file holds but GDAL does not return (a deleted DBF
# record, a GeoJSON entry that is not a Feature): the unreadable-record rule reports those.
UNREADABLE = "unreadable record: "
_TEXT_ROLES = ("decision_no", "unit", "unit_name", "sheet", "parcel_no", "owner", "address",
               "parcel_id", "zone_id")


def column_aliases(layer: str) -> dict[str, list[str]]:
    """Return the shipped aliases for each canonical column of ``layer`` ("decisions" or "plan")."""
    return {role: list(names) for role, names in load_toml("aliases.toml")[layer].items()}


def match_columns(
    columns: list[str],
    aliases: Mapping[str, list[str]],
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Map canonical roles to the columns of a layer.

    Matching ignores case, diacritics, spaces and underscores, and accepts the DBF
    10-character cut of an alias. Earlier aliases win; a column is used for one role only.

    Returns
    -------
    dict
        ``{role: column}`` for every role found.

    Raises
    ------
    ColumnError
        If an override names a column that does not exist.
    """
    overrides = {str(role).strip().lower(): col for role, col in (overrides or {}).items()}
    unknown_roles = sorted(set(overrides) - set(aliases))
    resolved = {role: _named_column(col, columns) for role, col in overrides.items()}
    missing = {role: overrides[role] for role, col in resolved.items() if col is None}
    if unknown_roles or missing:
        parts = []
        if unknown_roles:
            parts.append(ColumnError.of("schema.unknown_roles", roles=", ".join(unknown_roles),
                                        known=", ".join(aliases)))
        if missing:
            parts.append(ColumnError.of("schema.missing_columns", columns=", ".join(
                f"{r}={c}" for r, c in missing.items())))
        raise ColumnError.of("schema.bad_overrides", parts=Joined(parts, "; "),
                             columns=", ".join(columns))
    overrides = {role: col for role, col in resolved.items() if col is not None}
    mapping = dict(overrides)
    used = set(mapping.values())
    keys = {col: name_key(col) for col in columns}
    for role, names in aliases.items():
        if role in mapping:
            continue
        for alias in names:
            wanted = {name_key(alias), name_key(alias[:10])}
            hit = next((c for c in columns if c not in used and keys[c] in wanted), None)
            if hit is not None:
                mapping[role] = hit
                used.add(hit)
                break
    return mapping


def _named_column(name: str, columns: list[str]) -> str | None:
    """Find the column a user named; None if none or several.

    The exact name, else the one column equal to it ignoring case and Unicode form
    (``mdsd_moi`` finds ``MDSD_MOI``).
    """
    if name in columns:
        return name
    wanted = nfc(str(name)).strip().casefold()
    hits = [c for c in columns if nfc(str(c)).strip().casefold() == wanted]
    return hits[0] if len(hits) == 1 else None


def column_candidates(columns: list[str], aliases: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """List every column that an alias of each role matches: what ``landplan info`` shows.

    The first of each list is the one :func:`match_columns` takes, as in
    ``{"land_use": ["MaQH", "maloaidat"]}``.
    """
    keys = {col: name_key(col) for col in columns}
    out: dict[str, list[str]] = {}
    for role, names in aliases.items():
        seen: list[str] = []
        for alias in names:
            wanted = {name_key(alias), name_key(alias[:10])}
            seen += [c for c in columns if keys[c] in wanted and c not in seen]
        if seen:
            out[role] = seen
    return out


_LAYER_KINDS = ("decisions", "projects", "corridors", "plan")


def layer_kind(columns: list[str],
               overrides: Mapping[str, str] | None = None) -> tuple[str | None, dict]:
    """Which kind of layer ``columns`` belong to, from the roles they fill.

    Returns ``(kind, evidence)``: kind is ``"decisions"``, ``"plan"``, ``"projects"``,
    ``"corridors"`` or None; evidence is ``{kind: {role: column}}`` of the roles only that
    kind has (``aliases.toml [layer_kinds]``). A layer with a decision number, date or kind
    is decisions; without, a planned-code column (``MaQH``, ``MD_QuyHoach``…) or a plan
    role makes it a plan, a project name or year projects, allowed codes corridors; a layer
    with only a land-use code is a plan unless it has cadastral parcel roles (sheet, parcel
    number, owner). ``overrides`` are the user's ``{role: column}`` for decisions.
    """
    table = load_toml("aliases.toml")["layer_kinds"]
    evidence: dict[str, dict[str, str]] = {}
    mappings = {}
    for kind in _LAYER_KINDS:
        given = {r: c for r, c in (overrides or {}).items() if kind == "decisions"
                 and _named_column(c, columns) is not None}
        mapping = match_columns(columns, column_aliases(kind), None)
        mapping.update({r: _named_column(c, columns) for r, c in given.items()})
        mappings[kind] = mapping
        evidence[kind] = {r: mapping[r] for r in table[kind] if r in mapping}
    planned = mappings["plan"].get("land_use")
    decision_keys = {name_key(a) for a in column_aliases("decisions")["land_use"]}
    decision_keys |= {name_key(a[:10]) for a in column_aliases("decisions")["land_use"]}
    if planned is not None and name_key(planned) not in decision_keys:
        evidence["plan"]["planned_code"] = planned
    evidence = {k: v for k, v in evidence.items() if v}
    if "decisions" in evidence:
        return "decisions", evidence
    strong = [k for k in _LAYER_KINDS if k in evidence]
    if strong:
        return max(strong, key=lambda k: len(evidence[k])), evidence
    parcel = {r: mappings["decisions"][r] for r in table["parcel"] if r in mappings["decisions"]}
    if parcel:
        return "decisions", {"parcel": parcel}
    if "land_use" in mappings["plan"]:
        return "plan", {}
    return None, {}


@lru_cache(maxsize=1)
def _kind_reading() -> tuple[tuple[tuple[str, ...], ...], frozenset[str],
                             tuple[tuple[str, str], ...]]:
    """Return the words of ``kind_reading.toml``, folded: prefixes, dropped words, endings."""
    table = load_toml("kind_reading.toml")
    prefixes = tuple(sorted((tuple(_words(p)) for p in table["prefixes"]), key=len,
                            reverse=True))
    dropped = frozenset(w for d in table["dropped"] for w in _words(d))
    endings = tuple((fold(nfc(a)), fold(nfc(b))) for a, b in table["endings"].items())
    return prefixes, dropped, endings


def _words(text: str) -> list[str]:
    # "Ð" (U+00D0, Icelandic eth) stands for "Đ" in text converted from legacy fonts
    text = nfc(text).replace("\u00d0", "D").replace("\u00f0", "d")
    return _KIND_PUNCT.sub(" ", fold(text)).split()


_KIND_PUNCT = re.compile(r"[^0-9a-z]+")


def kind_key(text: str) -> str:
    """Return the key a kind is read by (``landplan/data/kind_reading.toml`` says how).

    Accents, case, Unicode form, punctuation and spacing do not count; leading "QĐ",
    "Quyết định", "Nhà nước" are dropped, and so is "đất" wherever it stands; "SDĐ" at the
    end of an abbreviation is "SD"; "04" is "4". ``kind_key("QĐ giao đất có thu tiền sử
    dụng đất") == kind_key("Giao có thu tiền sử dụng")``.
    """
    prefixes, dropped, endings = _kind_reading()
    words = _words(text)
    stripped = True
    while stripped and words:
        stripped = False
        for prefix in prefixes:
            if tuple(words[:len(prefix)]) == prefix:
                words, stripped = words[len(prefix):], True
                break
    out = []
    for word in words:
        if word in dropped:
            continue
        for ending, shorter in endings:
            if word.endswith(ending) and len(word) > len(ending):
                word = word[:-len(ending)] + shorter
                break
        out.append(word)
    if len(out) == 1 and out[0].isdigit():
        out = [str(int(out[0]))]
    return " ".join(out)


@lru_cache(maxsize=1)
def _kind_lookup() -> dict[str, str]:
    table = pd.read_csv(data_path("kinds.csv"), dtype=str, keep_default_na=False)
    lookup: dict[str, str] = {}
    for kind, alias in zip(table["kind"], table["alias"], strict=True):
        key = kind_key(alias)
        if key:
            lookup.setdefault(key, kind)
    return lookup


def read_kind(value: object) -> str | None:
    """Return the canonical kind of one raw value (None when blank or unrecognised)."""
    text = clean_value(value)
    return None if text is None else _kind_lookup().get(kind_key(text))


def normalize_kinds(values: pd.Series) -> pd.Series:
    """Canonical kinds (:data:`KINDS`); None when unrecognised.

    Read as officials write them (``landplan/data/kinds.csv``, keyed by :func:`kind_key`):
    Vietnamese with or without diacritics, abbreviations ("CMĐ", "Chuyển MĐSDĐ"), English,
    the origin-of-use codes of cadastral databases (DG-CTT, CNQ, DT-THN, NCQ-3 …) and the
    VBDLIS numeric ids (1–16). Evaluated once per distinct value.
    """
    return pd.Series(per_distinct(values, read_kind), index=values.index, dtype=object)


def kind_readings(values: pd.Series) -> pd.DataFrame:
    """How each distinct value of a kind column is read, with its count.

    Columns ``value`` (as written, cleaned; None for blanks), ``kind`` (canonical, None when
    unrecognised) and ``count``; most frequent first, then by value.
    """
    cleaned = clean_values(values.reset_index(drop=True))
    counts = cleaned.value_counts(dropna=False, sort=False)
    entries = sorted(((None if pd.isna(v) else str(v), int(c)) for v, c in counts.items()),
                     key=lambda e: (-e[1], e[0] or ""))
    return pd.DataFrame({"value": pd.Series([v for v, _ in entries], dtype=object),
                         "kind": pd.Series([read_kind(v) for v, _ in entries], dtype=object),
                         "count": pd.Series([c for _, c in entries], dtype=np.int64)})


def clean_geometries(geoms: gpd.GeoSeries) -> tuple[gpd.GeoSeries, pd.Series, pd.Series]:
    """Repair geometries and keep only their polygonal parts.

    Returns
    -------
    geometry : GeoSeries
        2-D, valid, polygonal geometries (None where unusable).
    status : Series
        ``"ok"``, ``"repaired"`` or ``"unusable"``.
    note : Series
        What was wrong (``"Self-intersection[…]"``, ``"empty geometry"``, …), else None.
    """
    arr = np.asarray(geoms.values, dtype=object)
    n = len(arr)
    status = np.full(n, "ok", dtype=object)
    note = np.full(n, None, dtype=object)
    missing = shapely.is_missing(arr) | shapely.is_empty(arr)
    status[missing] = "unusable"
    note[missing] = "empty geometry"
    wild = ~missing & _wild_coordinates(arr)
    status[wild] = "unusable"
    note[wild] = "coordinates that are not finite numbers or out of range (NaN, inf, 1e300)"
    missing |= wild
    present = ~missing
    if shapely.has_z(arr[present]).any():
        arr = arr.copy()
        arr[present] = shapely.force_2d(arr[present])
    type_ids = shapely.get_type_id(arr)
    polygonal = np.isin(type_ids, (3, 6))  # Polygon, MultiPolygon
    collection = type_ids == 7
    other = present & ~polygonal & ~collection
    status[other] = "unusable"
    if other.any():
        names = {0: "Point", 1: "LineString", 2: "LinearRing", 4: "MultiPoint",
                 5: "MultiLineString"}
        note[other] = [f"not a polygon but a {names.get(int(t), 'geometry')}"
                       for t in type_ids[other]]
    candidates = present & (polygonal | collection)
    invalid = candidates & ~shapely.is_valid(arr)
    out = arr.copy()
    out[~candidates] = None
    if invalid.any():
        reasons = shapely.is_valid_reason(arr[invalid])
        out[invalid] = shapely.make_valid(arr[invalid])
        status[invalid] = "repaired"
        note[invalid] = reasons
    needs_parts = candidates & (invalid | collection)
    if needs_parts.any():
        out[needs_parts] = _polygonal_part(out[needs_parts])
        collection_ok = collection & ~invalid & candidates
        status[collection_ok] = "repaired"
        note[collection_ok] = "geometry collection reduced to its polygons"
    lost = candidates & ~(shapely.area(out) > 0)  # None, empty or zero area
    status[lost] = "unusable"
    note[lost] = [f"no area left after repair of: {r}" if r else "zero-area polygon"
                  for r in note[lost]]
    out[lost] = None
    return (gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs),
            pd.Series(status, index=geoms.index), pd.Series(note, index=geoms.index))


def _wild_coordinates(arr: np.ndarray) -> np.ndarray:
    """Geometries with a NaN/inf coordinate or one beyond ±1e12 (no CRS has such)."""
    coords, owner = shapely.get_coordinates(arr, include_z=False, return_index=True)
    out = np.zeros(len(arr), dtype=bool)
    out[owner[~plausible(coords)]] = True
    return out


def _polygonal_part(arr: np.ndarray) -> np.ndarray:
    """Each geometry reduced to a (Multi)Polygon of its polygonal parts (vectorised)."""
    parts, owner = shapely.get_parts(arr, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    parts, owner = parts[keep], owner[keep]
    result = np.full(len(arr), None, dtype=object)
    if len(parts):
        shapely.multipolygons(parts, indices=owner, out=result)
        single = np.bincount(owner, minlength=len(arr)) == 1
        result[single] = shapely.get_geometry(result[single], 0)
    return result


def _text_column(values: pd.Series) -> pd.Series:
    return clean_values(values)


def _base(gdf: gpd.GeoDataFrame, layer: str, columns: Mapping[str, str] | None) -> tuple[
    gpd.GeoDataFrame, dict[str, str], gpd.GeoDataFrame
]:
    """Start the canonical frame and find the column of each role.

    Returns the canonical frame's first columns (source_row, geometry and its status), the
    role → column mapping, and the raw layer to read the roles from.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"expected a GeoDataFrame for the {layer} layer, got {type(gdf).__name__}")
    attributes = [c for c in gdf.columns if c != gdf.geometry.name]
    try:
        mapping = match_columns(attributes, column_aliases(layer), columns)
    except ColumnError as exc:
        source = gdf.attrs.get("source") or ColumnError.of("schema.the_layer", layer=layer)
        raise ColumnError.of("schema.name_it", source=source, why=exc, layer=layer) from exc
    absent = [role for role in _REQUIRED[layer] if role not in mapping]
    if absent and len(gdf) == 0:  # an empty layer (e.g. a GeoJSON without features)
        gdf = gdf.copy()
        for role in absent:
            gdf[role] = pd.Series([], dtype=object)
            mapping[role] = role
        absent = []
    if absent:
        aliases = column_aliases(layer)
        lines = [ColumnError.of("schema.looked_for", role=role, aliases=", ".join(aliases[role]))
                 for role in absent]
        source = gdf.attrs.get("source") or ColumnError.of("schema.the_layer", layer=layer)
        raise ColumnError.of("schema.lacks_required", source=source, lines=Joined(lines),
                             columns=", ".join(map(str, attributes))
                             or ColumnError.of("schema.no_columns"),
                             layer=layer, role=absent[0])
    geometry, status, note = clean_geometries(gdf.geometry)
    for problems, prefix in ((gdf.attrs.get("geometry_problems") or {}, ""),
                             (gdf.attrs.get("unreadable") or {}, UNREADABLE)):
        rows = np.fromiter(problems, dtype=np.int64)
        rows = rows[rows < len(gdf)]
        status.iloc[rows] = "unusable"
        note.iloc[rows] = [prefix + problems[r] for r in rows]
    out = gpd.GeoDataFrame(
        {"source_row": np.arange(len(gdf), dtype=np.int64)}, geometry=geometry.values,
        crs=gdf.crs,
    )
    out["geometry_status"] = status.values
    out["geometry_note"] = note.values
    repaired = int((status == "repaired").sum())
    unusable = int((status == "unusable").sum())
    if repaired or unusable:
        log.info("%s layer: %d geometries repaired, %d unusable", layer, repaired, unusable)
    out.attrs["source"] = gdf.attrs.get("source", f"{layer} layer")
    out.attrs["columns"] = mapping
    if "crs_assumed" in gdf.attrs:
        out.attrs["crs_assumed"] = gdf.attrs["crs_assumed"]
    return out, mapping, gdf


def normalize_decisions(
    gdf: gpd.GeoDataFrame, *, columns: Mapping[str, str] | None = None
) -> gpd.GeoDataFrame:
    """Bring a raw decisions layer into the canonical schema.

    Parameters
    ----------
    gdf
        The layer as read (one row per decision/parcel).
    columns
        Overrides ``{role: column}`` for roles such as ``land_use``, ``decision_no``,
        ``kind``, ``decision_date``, ``sheet``, ``parcel_no``, ``unit``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`DECISION_COLUMNS` plus geometry, in the input CRS, one row per
        input row in the same order. The input is not modified.
    """
    out, mapping, gdf = _base(gdf, "decisions", columns)
    raw = {role: gdf[col].reset_index(drop=True) for role, col in mapping.items()}
    empty = pd.Series([None] * len(gdf), dtype=object)
    for role in _TEXT_ROLES:
        out[role] = pd.Series(_text_column(raw[role]).values if role in raw else empty.values,
                              index=out.index, dtype=object)  # None for blanks, not NaN
    if "parcel_id" not in raw and {"sheet", "parcel_no"} <= set(raw):
        ok = out["sheet"].notna() & out["parcel_no"].notna()
        out.loc[ok, "parcel_id"] = out.loc[ok, "sheet"] + "-" + out.loc[ok, "parcel_no"]
    out["kind_raw"] = _text_column(raw["kind"]).values if "kind" in raw else empty.values
    out["kind"] = normalize_kinds(out["kind_raw"]).values
    if "decision_date" in raw:
        out["date_raw"] = _text_column(raw["decision_date"].astype(object)).values
        out["decision_date"] = parse_dates(raw["decision_date"]).values
    else:
        out["date_raw"] = empty.values
        out["decision_date"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    out["land_use"] = normalize_codes(raw["land_use"]).values
    out["prev_land_use"] = (normalize_codes(raw["prev_land_use"]).values
                            if "prev_land_use" in raw else empty.values)
    out["legal_area"] = (parse_numbers(raw["legal_area"]).values
                         if "legal_area" in raw else np.nan)
    geometry_name = out.geometry.name
    return out[[*DECISION_COLUMNS, geometry_name]]


def normalize_plan(
    gdf: gpd.GeoDataFrame, *, columns: Mapping[str, str] | None = None
) -> gpd.GeoDataFrame:
    """Bring a raw plan layer (zoning polygons) into the canonical schema.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`PLAN_COLUMNS` plus geometry; ``zone_id`` is the input's id column
        or ``"Z<row>"``; ``plan_version`` and ``approved`` (approval date) when the layer
        has them (see :func:`plan_versions`).
    """
    out, mapping, gdf = _base(gdf, "plan", columns)
    raw = {role: gdf[col].reset_index(drop=True) for role, col in mapping.items()}
    out["land_use"] = normalize_codes(raw["land_use"]).values
    out["unit"] = _text_column(raw["unit"]).values if "unit" in raw else None
    out["unit_name"] = _text_column(raw["unit_name"]).values if "unit_name" in raw else None
    if "zone_id" in raw:
        out["zone_id"] = _text_column(raw["zone_id"]).values
    else:
        out["zone_id"] = [f"Z{i}" for i in range(len(out))]
    out["plan_version"] = _text_column(raw["plan_version"]).values if "plan_version" in raw \
        else None
    out["approved"] = (parse_dates(raw["approved"]).values if "approved" in raw
                       else pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]").values)
    return out[[*PLAN_COLUMNS, out.geometry.name]]


def plan_versions(versions: Mapping[object, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Stack plan versions (the approved plan and its adjustments) into one plan layer.

    Parameters
    ----------
    versions
        ``{approval_date: plan_layer}``; each layer is a complete plan (raw or
        normalised). Dates are ``"YYYY-MM-DD"`` strings, dates or Timestamps.

    Returns
    -------
    geopandas.GeoDataFrame
        The normalised zones of every version, with ``plan_version`` (``"v1"``, ``"v2"``, …
        in approval order, unless the layer names its own) and ``approved``. Each decision
        is later checked against the version in force on its date.
    """
    parts, stamped, bad = [], [], []
    for when, layer in versions.items():
        try:
            stamped.append((parse_date(when), layer))
        except ValueError as why:
            bad.append(InputError.of("config.param_value", what=repr(when), why=why))
    if bad:
        raise InputError.of("schema.version_dates", bad=Joined(bad, "; "),
                            forms=InputError.of("dates.forms"))
    ordered = sorted(stamped, key=lambda item: item[0])
    days = [pd.Timestamp(approved).normalize() for approved, _ in ordered]
    same = sorted({f"{d:%Y-%m-%d}" for d in days if days.count(d) > 1})
    if same:
        raise InputError.of("schema.version_same_date", dates=", ".join(same))
    crs, sources = None, {}
    for i, (approved, layer) in enumerate(ordered):
        plan = as_normalized(layer, "plan")
        crs = crs or plan.crs
        plan = plan.to_crs(crs) if plan.crs is not None and crs is not None else plan
        plan = plan.copy()
        plan["approved"] = approved.normalize()
        plan["plan_version"] = plan["plan_version"].fillna(f"v{i + 1}")
        parts.append(plan)
        sources.update(dict.fromkeys(plan["plan_version"].unique(), layer.attrs.get("source")))
    if not parts:
        raise ValueError("plan_versions needs at least one plan layer")
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=crs)
    out.attrs["sources"] = sources  # each version's file (the Excel report names them)
    return out


def version_table(plan: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the versions of a (normalised) plan in approval order.

    Columns ``plan_version`` (``"v1"`` when the layer names none) and ``approved``.
    """
    return (plan.assign(plan_version=plan["plan_version"].fillna("v1"))
            .groupby("plan_version", sort=False, dropna=False)["approved"].min()
            .reset_index()
            .sort_values(["approved", "plan_version"], kind="stable", na_position="first")
            .reset_index(drop=True))


def normalize_projects(gdf: gpd.GeoDataFrame, *,
                       columns: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Normalise an annual-plan projects layer.

    Its columns become ``project_name``, ``year``, ``land_use`` (purpose code), ``unit``.
    """
    out, mapping, gdf = _base(gdf, "projects", columns)
    raw = {role: gdf[col].reset_index(drop=True) for role, col in mapping.items()}
    out["project_name"] = (_text_column(raw["project_name"]).values if "project_name" in raw
                           else [f"#{i}" for i in range(len(out))])
    out["year"] = project_years(raw["year"]).values
    out["land_use"] = normalize_codes(raw["land_use"]).values
    out["unit"] = _text_column(raw["unit"]).values if "unit" in raw else None
    out["year_raw"] = _text_column(raw["year"].astype(object)).values
    return out[[*PROJECT_COLUMNS, "year_raw", out.geometry.name]]


_A_YEAR = r"(?<!\d)(\d{4})(?!\d)"


def project_years(values: pd.Series) -> pd.Series:
    """Read the plan year of each project (``Int64``, NA when unreadable).

    A whole number, or the one four-digit year in a text (``"Năm 2023"``, ``"KH 2023"``,
    ``"2023"``); NA for blanks, texts with several different years (``"2021-2025"``) and
    years outside 1945–2100. Each distinct value is read once.
    """
    low, high = PLAUSIBLE[0].year, PLAUSIBLE[1].year
    numeric = pd.to_numeric(values, errors="coerce") if not pd.api.types.is_bool_dtype(
        values) else pd.Series(np.nan, index=values.index)
    numeric = numeric.astype(float).where(lambda v: (v % 1 == 0) & v.between(low, high))
    codes, uniques = pd.factorize(values.astype(object).where(numeric.isna()).to_numpy(
        dtype=object), use_na_sentinel=True)
    found = pd.Series(uniques, dtype=object).astype("string").str.findall(_A_YEAR)
    one = found.map(lambda ys: float(ys[0]) if isinstance(ys, list) and len(set(ys)) == 1
                    else np.nan).astype(float)
    one = one.where(one.between(low, high)).to_numpy()
    text_years = np.full(len(values), np.nan)
    text_years[codes >= 0] = one[codes[codes >= 0]]
    years = numeric.to_numpy().copy()
    years[np.isnan(years)] = text_years[np.isnan(years)]
    return pd.Series(years, index=values.index).astype("Int64")


def normalize_corridors(gdf: gpd.GeoDataFrame, *,
                        columns: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Normalise a restriction-corridor layer.

    Its columns become ``name``, ``restriction``, ``allowed`` (the land-use codes allowed
    inside, as a normalised ``"DGT,DTL"`` string) and ``compatible`` (bool, from the optional
    column of that role: whether the compatibility table widens the allowed list; false when
    the column is absent or blank). A ``compatible`` value that is not a yes or a no is
    refused with the rows that hold it.
    """
    out, mapping, gdf = _base(gdf, "corridors", columns)
    raw = {role: gdf[col].reset_index(drop=True) for role, col in mapping.items()}
    out["name"] = (_text_column(raw["name"]).values if "name" in raw
                   else [f"#{i}" for i in range(len(out))])
    out["restriction"] = _text_column(raw["restriction"]).values if "restriction" in raw else ""
    out["allowed"] = raw["allowed"].map(_code_list).values
    out["compatible"] = (_yes_no(raw["compatible"], gdf.attrs.get("source", "the corridors layer"))
                         if "compatible" in raw else np.zeros(len(out), dtype=bool))
    return out[[*CORRIDOR_COLUMNS, "compatible", out.geometry.name]]


_YES = frozenset({"true", "yes", "y", "1", "x", "co", "dung"})
_NO = frozenset({"false", "no", "n", "0", "khong", "sai", ""})


def _yes_no(values: pd.Series, source: str) -> np.ndarray:
    """Read a yes/no column (``true``/``false``, ``có``/``không``, ``1``/``0``, ``x``/blank)."""
    answer = per_distinct(values, lambda v: _yes_no_value(v), missing=False)
    bad = np.flatnonzero(np.array([a is None for a in answer], dtype=bool))
    if len(bad):
        shown = ", ".join(f"row {i + 1}: {values.iat[i]!r}" for i in bad[:5])
        raise InputError.of("schema.compatible", source=source, count=len(bad), shown=shown)
    return answer.astype(bool)


def _yes_no_value(value: object) -> bool | None:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = fold(str(value)).strip() if clean_value(value) is not None else ""
    return True if text in _YES else False if text in _NO else None


def _code_list(value: object) -> str:
    text = clean_value(value) or ""
    parts = [p for p in re.split(r"[,;\s]+", text) if p]
    return ",".join(dict.fromkeys(c for c in (normalize_code(p) for p in parts) if c))


def is_normalized(gdf: gpd.GeoDataFrame, layer: str) -> bool:
    """Whether ``gdf`` already has the canonical columns of ``layer``."""
    wanted = {"decisions": DECISION_COLUMNS, "plan": PLAN_COLUMNS,
              "projects": PROJECT_COLUMNS, "corridors": CORRIDOR_COLUMNS}[layer]
    return all(c in gdf.columns for c in wanted)


def as_normalized(gdf: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` as it is when :func:`is_normalized`, else normalised as ``layer``."""
    if is_normalized(gdf, layer):
        return gdf
    return {"decisions": normalize_decisions, "plan": normalize_plan,
            "projects": normalize_projects, "corridors": normalize_corridors}[layer](gdf)
