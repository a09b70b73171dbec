"""A corpus of malformed and awkward inputs for ``landplan check`` (see test_corpus.py).

Each :class:`Case` has a ``build(folder)`` that writes its input files into ``folder`` and
returns ``{"args": [...], "records": n}``: the ``check`` arguments (without ``--out``) and
the number of decision records written (None for error cases). The expectation is either

* ``error``: exit 2, and the message (stderr) contains every needle (a needle that is a
  tuple matches if any of its alternatives is there; case-insensitive), or
* ``flagged``: exit 0, every input record exactly once in decisions.csv, and for each
  ``rules`` entry exactly the given source rows carry that rule in findings.csv (``()``
  means the rule must not appear on any decision; ``None`` means it appears somewhere, e.g.
  a layer-level finding); ``statuses`` and ``values`` pin the status or other cells of
  some rows of decisions.csv.

A case whose correct behaviour landplan does not have yet is marked ``xfail`` with the
diagnosis (the test keeps asserting the correct behaviour; pytest runs it strict).

Classes of input, by module (each later module's docstring lists its classes in detail):

* this module — shapefile parts (truncated, missing, mismatched, upper-case extensions),
  legacy encodings and wrong ``.cpg`` files, geometries (lines, nulls, self-intersections,
  zero areas, Z/M, collections, NaN/inf/1e300, 10⁵ vertices), CRS (missing ``.prj``),
  archives (zip-slip canaries), formats, attributes (null codes, duplicate ids, Excel serial
  and many-format dates, kinds as numbers, invisible characters, Unicode forms);
* ``corpus_reading.py`` — records GDAL does not return (DBF deleted records, GeoJSON entries
  that are not Features), unclosed rings in a GeoPackage, GDAL's own error text, NFD zip
  members, column overrides in another case, CSV decisions (WKT, x/y), plan-code column
  names, swapped or wrong-kind layers, ``--crs`` against a declared CRS;
* ``corpus_values.py`` — dates day first everywhere, out-of-range dates in one record,
  decimal-comma numbers, CSVs as Excel saves them, configuration values of the wrong type
  or range, TOML with a BOM, project years as text, quota rows that match nothing;
* ``corpus_plan.py`` — overlapping and duplicated plan zones, holes in the plan, two plan
  versions on one date, land-cover values outside the class table, rasters without a CRS or
  rotated, a GeoTIFF given to ``--landcover``.

Two classes are tested apart because they need more than one ``check`` run:
``tests/test_outputs.py`` (inputs inside ``--out``, ``--out`` a file, stale outputs,
concurrent runs, Ctrl-C, formula cells in CSVs) and ``tests/test_browser_xss.py`` (hostile
text in every field, file name, column name and version name, in real Chromium).

All data is synthetic, in EPSG:9209 (VN-2000 / TM-3 105-30, Hải Dương) around X0, Y0,
like tests/conftest.py: plan zones LUC [0,100]×[0,200], ONT [100,300]×[0,200] and
DGT [0,300]×[200,210] (local metres); the default decisions are ONT parcels inside the ONT
zone, so a clean run has no findings at all and every finding comes from the case.
"""

from __future__ import annotations

import importlib
import json
import math
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import (
    GeometryCollection,
    LineString,
    Point,
    Polygon,
    box,
)

X0, Y0 = 583_000.0, 2_308_000.0
CRS = "EPSG:9209"
SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


# --------------------------------------------------------------------------- the registry

@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], dict]
    exit: int
    needles: tuple = ()
    rules: Mapping[str, tuple[int, ...] | None] = field(default_factory=dict)
    statuses: Mapping[int, str] = field(default_factory=dict)
    values: Mapping[tuple[int, str], object] = field(default_factory=dict)
    xfail: str | None = None


CASES: list[Case] = []


def error(*needles: str | tuple[str, ...], xfail: str | None = None):
    """Register the decorated builder as a case that must exit 2 with these needles."""
    def register(build: Callable[[Path], dict]) -> Callable[[Path], dict]:
        CASES.append(Case(build.__name__, build, 2, tuple(needles), xfail=xfail))
        return build
    return register


def flagged(rules: Mapping[str, tuple[int, ...] | None] | None = None,
            statuses: Mapping[int, str] | None = None,
            values: Mapping[tuple[int, str], object] | None = None, xfail: str | None = None):
    """Register the decorated builder as a case that must run (exit 0) and flag ``rules``;
    ``values`` pins cells of decisions.csv: ``{(source_row, column): value}``."""
    def register(build: Callable[[Path], dict]) -> Callable[[Path], dict]:
        CASES.append(Case(build.__name__, build, 0, (), dict(rules or {}),
                          dict(statuses or {}), dict(values or {}), xfail))
        return build
    return register


# --------------------------------------------------------------------------- helpers

def at(geom):
    """A geometry drawn in local metres, moved into the district."""
    return shapely.affinity.translate(geom, X0, Y0)


def plan_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"maloaidat": ["LUC", "ONT", "DGT"], "ma_xa": ["10807", "10807", "10810"]},
        geometry=[at(box(0, 0, 100, 200)), at(box(100, 0, 300, 200)),
                  at(box(0, 200, 300, 210))],
        crs=CRS,
    )


def cell(i: int) -> Polygon:
    """The i-th 18 m square parcel of a grid inside the ONT zone (local coordinates)."""
    x, y = 110 + (i % 8) * 22, 10 + (i // 8) * 22
    return box(x, y, x + 18, y + 18)


IN_LUC = box(20, 20, 40, 40)  # an ONT parcel here conflicts with the LUC zone


def decisions_gdf(n: int = 4, **columns: object) -> gpd.GeoDataFrame:
    """``n`` compliant ONT allocations in the ONT zone; ``columns`` override/add columns
    (a list per column, or ``geometry=[...]`` in local coordinates)."""
    geoms = columns.pop("geometry", None) or [cell(i) for i in range(n)]
    data = {
        "so_qd": [f"{i + 1}/QĐ-UBND" for i in range(n)],
        "ngay_qd": ["15/03/2023"] * n,
        "hinh_thuc": ["Giao đất"] * n,
        "kyhieumucd": ["ONT"] * n,
        "shbando": ["12"] * n,
        "shthua": [str(i + 1) for i in range(n)],
        "tenchu": [f"Nguyễn Văn {chr(65 + i % 26)}" for i in range(n)],
    }
    data.update(columns)
    return gpd.GeoDataFrame(data, geometry=[None if g is None else at(g) for g in geoms],
                            crs=CRS)


def write(gdf: gpd.GeoDataFrame, path: Path, **kwargs: object) -> Path:
    """Write a layer (shapefiles in UTF-8 with a .cpg) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".shp":
        kwargs.setdefault("encoding", "UTF-8")
    gdf.to_file(path, engine="pyogrio", **kwargs)
    return path


STANDARD_FILES: set[Path] = set()  # the standard plan of each case (for test_info_...)


def write_plan(folder: Path, gdf: gpd.GeoDataFrame | None = None,
               name: str = "plan.gpkg") -> Path:
    path = write(plan_gdf() if gdf is None else gdf, folder / name)
    if gdf is None:
        STANDARD_FILES.add(path)
    return path


def run(plan: Path, decisions: Path, *extra: str, records: int | None = None) -> dict:
    return {"args": ["--plan", str(plan), "--decisions", str(decisions), *extra],
            "records": records}


def standard(folder: Path, dec: gpd.GeoDataFrame, name: str = "dec/qd.shp",
             *extra: str, **kwargs: object) -> dict:
    """The plan as GeoPackage, ``dec`` written to ``folder/name``; the check arguments."""
    path = write(dec, folder / name, **kwargs)
    return run(write_plan(folder), path, *extra, records=len(dec))


def truncate(path: Path, size: int) -> None:
    with path.open("r+b") as f:
        f.truncate(size)


def geojson_text(features: list[tuple[dict, object]], crs: str | None = CRS) -> str:
    """A GeoJSON FeatureCollection (``crs`` member as GDAL writes it, unless None)."""
    doc: dict = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": None if geom is None else shapely.geometry.mapping(geom)}
        for props, geom in features]}
    if crs:
        doc["crs"] = {"type": "name",
                      "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs.split(':')[1]}"}}
    return json.dumps(doc, ensure_ascii=False)


def props(i: int, code: str = "ONT", date: str = "15/03/2023") -> dict:
    return {"so_qd": f"{i + 1}/QĐ-UBND", "ngay_qd": date, "hinh_thuc": "Giao đất",
            "kyhieumucd": code, "shbando": "12", "shthua": str(i + 1)}


def cp1258(text: str) -> bytes:
    """``text`` in Windows-1258: precomposed base letters, tone marks as combining bytes."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        nfd = unicodedata.normalize("NFD", ch)
        tones = [m for m in nfd if m in "\u0300\u0301\u0303\u0309\u0323"]
        base = unicodedata.normalize("NFC", "".join(m for m in nfd if m not in tones))
        out.append((base + "".join(tones)).encode("cp1258"))
    return b"".join(out)


def cp1258_shapefile(folder: Path, cpg: str | None) -> Path:
    """A shapefile whose DBF text is Windows-1258 bytes, with ``cpg`` as its .cpg (or none)."""
    dec = decisions_gdf(4)
    for col in ("so_qd", "hinh_thuc", "tenchu"):  # latin-1 passes the bytes through as they are
        dec[col] = [cp1258(v).decode("latin-1") for v in dec[col]]
    path = write(dec, folder / "dec" / "qd.shp", encoding="ISO-8859-1")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg)
    return path


def zip_files(archive: Path, members: Mapping[str, bytes]) -> Path:
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return archive


def shapefile_bytes(gdf: gpd.GeoDataFrame, scratch: Path, arcname: str) -> dict[str, bytes]:
    """The parts of ``gdf`` written as a shapefile, keyed ``arcname`` with each suffix."""
    path = write(gdf, scratch / "x.shp")
    parts = {}
    for suffix in SHP_PARTS:
        part = path.with_suffix(suffix)
        if part.exists():
            parts[str(Path(arcname).with_suffix(suffix)).replace("\\", "/")] = part.read_bytes()
            part.unlink()
    scratch.rmdir()
    return parts


def write_polygon_m(path: Path, polygons: list[Polygon]) -> None:
    """Overwrite ``path`` (.shp) and its .shx with PolygonM (type 25) records of the
    exterior rings of ``polygons``, M = vertex index (shapely cannot write M)."""
    records = []
    for poly in polygons:
        pts = list(poly.exterior.coords)
        ms = [float(i) for i in range(len(pts))]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        body = struct.pack("<i4d2i", 25, min(xs), min(ys), max(xs), max(ys), 1, len(pts))
        body += struct.pack("<i", 0)
        body += b"".join(struct.pack("<2d", x, y) for x, y in pts)
        body += struct.pack("<2d", min(ms), max(ms)) + struct.pack(f"<{len(ms)}d", *ms)
        records.append(body)
    bounds = shapely.total_bounds(polygons)

    def header(length_bytes: int) -> bytes:
        return (struct.pack(">i5ii", 9994, 0, 0, 0, 0, 0, length_bytes // 2)
                + struct.pack("<ii", 1000, 25) + struct.pack("<8d", *bounds, 0, 0, 0, 0))

    shp, shx, offset = [], [], 100
    for i, body in enumerate(records):
        shp.append(struct.pack(">ii", i + 1, len(body) // 2) + body)
        shx.append(struct.pack(">ii", offset // 2, len(body) // 2))
        offset += 8 + len(body)
    path.write_bytes(header(offset) + b"".join(shp))
    path.with_suffix(".shx").write_bytes(header(100 + 8 * len(records)) + b"".join(shx))


# --------------------------------------------------------------------------- shapefile parts

@error("qd.shp", ("truncat", "corrupt", "damaged", "incomplete"))
def truncated_shp(folder):
    args = standard(folder, decisions_gdf(6))
    shp = folder / "dec" / "qd.shp"
    truncate(shp, shp.stat().st_size - 150)  # the last records are cut off
    return args


@error(("qd.dbf", "qd.shp"), "dbf", ("truncat", "corrupt", "damaged", "incomplete"))
def truncated_dbf(folder):
    args = standard(folder, decisions_gdf(6))
    dbf = folder / "dec" / "qd.dbf"
    truncate(dbf, dbf.stat().st_size - 400)
    return args


@error("qd.dbf", ("missing", "not found", "no .dbf"))
def missing_dbf(folder):
    args = standard(folder, decisions_gdf(4))
    (folder / "dec" / "qd.dbf").unlink()
    return args


@error("qd.shx", ".shx")
def missing_shx(folder):
    args = standard(folder, decisions_gdf(4))
    (folder / "dec" / "qd.shx").unlink()
    return args


@error("qd.shp", "--crs EPSG:9209")
def missing_prj_needs_crs(folder):
    args = standard(folder, decisions_gdf(4))
    (folder / "dec" / "qd.prj").unlink()
    return args


@flagged({"crs-assumed": None})
def missing_prj_with_crs_option_runs(folder):
    args = standard(folder, decisions_gdf(4), "dec/qd.shp", "--crs", "EPSG:9209")
    (folder / "dec" / "qd.prj").unlink()
    return args


@error("plan.shp", "--crs")
def plan_without_prj_needs_crs(folder):
    plan = write(plan_gdf(), folder / "plan" / "plan.shp")
    plan.with_suffix(".prj").unlink()
    return run(plan, write(decisions_gdf(4), folder / "dec" / "qd.shp"))


@error("qd.shp", ("empty", "0 bytes", "corrupt", "not a shapefile", "truncat"))
def shp_of_zero_bytes(folder):
    args = standard(folder, decisions_gdf(4))
    truncate(folder / "dec" / "qd.shp", 0)
    return args


@error("qd.shp", ("qd.dbf", ".dbf"), ("records", "features", "rows"))
def dbf_has_more_records_than_shp(folder):
    args = standard(folder, decisions_gdf(4))
    other = write(decisions_gdf(5), folder / "tmp" / "five.shp")
    (folder / "dec" / "qd.dbf").write_bytes(other.with_suffix(".dbf").read_bytes())
    for suffix in SHP_PARTS:
        other.with_suffix(suffix).unlink(missing_ok=True)
    (folder / "tmp").rmdir()
    return args


@flagged({"zoning-conflict": (1,)})
def uppercase_file_extensions(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    args = standard(folder, dec)
    for suffix in SHP_PARTS:
        part = folder / "dec" / f"qd{suffix}"
        if part.exists():
            part.rename(folder / "dec" / f"QD{suffix.upper()}")
    args["args"][3] = str(folder / "dec" / "QD.SHP")
    return args


@flagged({"zoning-conflict": (1,), "unknown-kind": (), "missing-date": ()})
def vietnamese_file_name_with_spaces(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    return standard(folder, dec, "Dữ liệu QĐ/Thửa đất 2023.shp")


@flagged({"zoning-conflict": (1,)})
def folder_of_one_shapefile(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    args = standard(folder, dec, "thua_dat/thua.shp")
    args["args"][3] = str(folder / "thua_dat")
    return args


# --------------------------------------------------------------------------- encodings

READ_RIGHT = {"unknown-kind": (), "unknown-code": (), "missing-code": ()}
DECODED = {(0, "decision_no"): "1/QĐ-UBND", (3, "decision_no"): "4/QĐ-UBND"}


@flagged(READ_RIGHT, values=DECODED)
def cpg_says_utf8_but_text_is_cp1258(folder):
    return run(write_plan(folder), cp1258_shapefile(folder, "UTF-8"), records=4)


# GDAL's iconv CP1258 decoder drops the last character of every field name and value
# ('so_qd' -> 'so_q', 'ONT' -> 'ON'): landplan must decode cp1258 itself.


@flagged(READ_RIGHT, values=DECODED)
def cpg_says_1258_and_text_is_cp1258(folder):
    return run(write_plan(folder), cp1258_shapefile(folder, "1258"), records=4)


@flagged(READ_RIGHT, values=DECODED)
def cp1258_without_cpg_and_encoding_option(folder):
    return run(write_plan(folder), cp1258_shapefile(folder, None), "--encoding", "cp1258",
               records=4)


@flagged({"unknown-code": (), "missing-code": ()})
def cp1258_without_cpg_keeps_every_record(folder):
    # Undeclared: read as Latin-1 (kinds become mojibake, then unknown-kind) or detected.
    return run(write_plan(folder), cp1258_shapefile(folder, None), records=4)


# --------------------------------------------------------------------------- geometries

@flagged({"empty-geometry": (1, 2, 4), "zoning-conflict": ()})
def mixed_geometry_types_in_geojson(folder):
    geoms = [cell(0), Point(150, 50), LineString([(110, 80), (190, 90)]), cell(3),
             shapely.MultiPoint([(120, 120), (130, 130)])]
    text = geojson_text([(props(i), at(g)) for i, g in enumerate(geoms)])
    path = folder / "qd.geojson"
    path.write_text(text, encoding="utf-8")
    return run(write_plan(folder), path, records=len(geoms))


@flagged({"empty-geometry": (0, 1, 2)})
def layer_of_lines_only(folder):
    lines = [LineString([(110 + 20 * i, 10), (120 + 20 * i, 60)]) for i in range(3)]
    return standard(folder, decisions_gdf(3, geometry=lines), "dec/duong.shp")


@flagged({"empty-geometry": (1, 3)})
def null_geometry_records(folder):
    return standard(folder, decisions_gdf(4, geometry=[cell(0), None, cell(2), None]))


@flagged({"invalid-geometry": (1, 2, 3), "empty-geometry": ()})
def self_intersecting_parcels(folder):
    bowtie = Polygon([(150, 130), (170, 150), (170, 130), (150, 150)])
    figure8_hole = Polygon(cell(2).exterior.coords,
                           [[(150, 15), (160, 15), (160, 20), (150, 20)]])  # hole pokes out
    spike = Polygon([(200, 100), (230, 100), (230, 130), (215, 130), (215, 160),
                     (215, 130), (200, 130)])
    dec = decisions_gdf(4, geometry=[cell(0), bowtie, figure8_hole, spike])
    return standard(folder, dec, "dec/qd.gpkg")  # a shapefile would regroup the rings


@flagged({"empty-geometry": (1, 2)})
def zero_area_parcels(folder):
    flat = Polygon([(150, 130), (160, 130), (170, 130), (150, 130)])
    point_ring = Polygon([(150, 150), (150, 150), (150, 150), (150, 150)])
    return standard(folder, decisions_gdf(3, geometry=[cell(0), flat, point_ring]),
                    "dec/qd.gpkg")


@flagged({"zoning-conflict": ()}, statuses={1: "compliant", 2: "compliant"})
def half_square_metre_slivers(folder):
    in_ont = box(150, 150, 151, 150.5)
    in_luc = box(50, 50, 51, 50.5)  # 100 % in the rice zone but below the 20 m² tolerance
    return standard(folder, decisions_gdf(3, geometry=[cell(0), in_ont, in_luc]))


@flagged({"zoning-conflict": (1,), "invalid-geometry": (), "empty-geometry": ()})
def polygon_z_parcels_are_flattened(folder):
    geoms = [shapely.force_3d(g, 12.5) for g in (cell(0), IN_LUC, cell(2))]
    return standard(folder, decisions_gdf(3, geometry=geoms))


@flagged({"zoning-conflict": (1,), "empty-geometry": ()})
def polygon_m_parcels(folder):
    args = standard(folder, decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)]))
    write_polygon_m(folder / "dec" / "qd.shp", [at(g) for g in (cell(0), IN_LUC, cell(2))])
    return args


@flagged({"invalid-geometry": (1,), "empty-geometry": (2,), "zoning-conflict": ()})
def geometry_collection_parcels(folder):
    geoms = [cell(0), GeometryCollection([cell(1), Point(300, 300)]),
             GeometryCollection([Point(150, 50), LineString([(110, 80), (190, 90)])])]
    text = geojson_text([(props(i), at(g)) for i, g in enumerate(geoms)])
    path = folder / "qd.geojson"
    path.write_text(text, encoding="utf-8")
    return run(write_plan(folder), path, records=len(geoms))


@flagged({"empty-geometry": (1, 2), "zoning-conflict": ()})
def nan_and_inf_coordinates(folder):
    # GDAL refuses to write non-finite coordinates: write markers, then patch the bytes.
    nan = Polygon([(150, 130), (-777, 140), (170, 150), (150, 130)])
    inf = Polygon([(150, 150), (-888, 150), (170, 170), (150, 150)])
    args = standard(folder, decisions_gdf(3, geometry=[cell(0), nan, inf]))
    shp = folder / "dec" / "qd.shp"
    data = shp.read_bytes()
    for marker, value in ((X0 - 777, math.nan), (X0 - 888, math.inf)):
        assert struct.pack("<d", marker) in data
        data = data.replace(struct.pack("<d", marker), struct.pack("<d", value))
    shp.write_bytes(data)
    return args


@flagged({"zoning-conflict": ()}, statuses={0: "compliant", 1: "unchecked"})
def coordinates_of_1e300(folder):
    huge = Polygon([(1e300, 1e300), (1e300 + 1e290, 1e300), (1e300 + 1e290, 1e300 + 1e290),
                    (1e300, 1e300 + 1e290)])
    dec = decisions_gdf(3, geometry=[cell(0), None, cell(2)])
    dec.loc[1, "geometry"] = huge
    return standard(folder, dec)


@flagged({"double-allocation": (1,), "duplicate-id": ()})
def duplicate_geometries_granted_twice(folder):
    dec = decisions_gdf(3, geometry=[cell(0), cell(0), cell(2)],
                        ngay_qd=["15/03/2023", "20/04/2023", "15/03/2023"])
    return standard(folder, dec)


@flagged({"no-plan-coverage": (0, 1, 2), "zoning-conflict": ()})
def plan_and_decisions_do_not_overlap(folder):
    far = [shapely.affinity.translate(cell(i), 5_000, 5_000) for i in range(3)]
    return standard(folder, decisions_gdf(3, geometry=far))


# --------------------------------------------------------------------------- empty layers

@flagged()
def empty_decisions_layer_runs(folder):
    dec = decisions_gdf(1).iloc[:0]
    return standard(folder, dec, "dec/qd.gpkg", geometry_type="Polygon")


@error("plan.gpkg", ("empty", "no zones", "no features", "0 zones", "no polygons"))
def empty_plan_is_an_error(folder):
    plan = write(plan_gdf().iloc[:0], folder / "plan.gpkg", geometry_type="Polygon")
    return run(plan, write(decisions_gdf(3), folder / "dec" / "qd.shp"))


@error("plan.gpkg", ("no usable", "no zones", "empty", "no polygons"))
def plan_with_only_lines_is_an_error(folder):
    lines = gpd.GeoDataFrame({"maloaidat": ["LUC", "ONT"]},
                             geometry=[at(LineString([(0, 0), (100, 200)])),
                                       at(LineString([(100, 0), (300, 200)]))], crs=CRS)
    plan = write(lines, folder / "plan.gpkg")
    return run(plan, write(decisions_gdf(3), folder / "dec" / "qd.shp"))


# --------------------------------------------------------------------------- attributes

@flagged({"missing-code": (0, 1, 2, 3), "unknown-code": ()})
def all_land_use_codes_null(folder):
    return standard(folder, decisions_gdf(4, kyhieumucd=[None, None, "", "   "]))


@flagged({"duplicate-id": (0, 2), "double-allocation": ()})
def duplicate_decision_and_parcel_ids(folder):
    dec = decisions_gdf(4, so_qd=["7/QĐ-UBND", "8/QĐ-UBND", "7/QĐ-UBND", "9/QĐ-UBND"],
                        shthua=["15", "16", "15", "17"])
    return standard(folder, dec)


@flagged({"missing-date": ()}, values={(0, "decision_date"): "2023-01-01",
                                       (1, "decision_date"): "2023-01-01",
                                       (2, "decision_date"): "2023-01-01",
                                       (3, "decision_date"): "2023-03-15"})
def excel_serial_dates_as_text(folder):
    dec = decisions_gdf(4, ngay_qd=["44927", "44927.0", " 44927 ", "45000"])
    return standard(folder, dec)


@flagged({"missing-date": ()}, values={(0, "decision_date"): "2023-01-01",
                                       (1, "decision_date"): "2023-01-02",
                                       (3, "decision_date"): "2023-03-16"})
def excel_serial_dates_as_numbers(folder):
    return standard(folder, decisions_gdf(4, ngay_qd=[44927.0, 44928.0, 45000.0, 45001.0]))


@flagged({"missing-date": (4, 7, 8, 9, 10)},
         values={(row, "decision_date"): "2023-03-15" for row in (0, 1, 2, 3, 5, 6)})
def dates_as_text_in_many_formats(folder):
    dates = ["15/03/2023", "2023-03-15", "15-3-2023", "15.03.2023",
             "ngày 15 tháng 3 năm 2023",  # words: not read (4)
             "15/03/23", "2023-03-15T00:00:00",
             "31/02/2023",  # no such day (7)
             "03/15/2023",  # month first: not a Vietnamese date (8)
             "2023",  # a year only (9)
             ""]  # blank (10)
    return standard(folder, decisions_gdf(len(dates), ngay_qd=dates))


TYPED_DATES = {(0, "decision_date"): "2023-03-15", (2, "decision_date"): "2024-01-02"}


@flagged({"missing-date": ()}, values=TYPED_DATES)
def dates_in_a_typed_date_column(folder):
    dec = decisions_gdf(3)
    dec["ngay_qd"] = pd.to_datetime(["2023-03-15", "2023-04-01", "2024-01-02"])
    return standard(folder, dec, "dec/qd.gpkg")


@flagged({"unknown-code": (0, 1, 2, 3), "missing-code": ()})
def land_use_codes_as_integers(folder):
    return standard(folder, decisions_gdf(4, kyhieumucd=[1, 2, 14, 101]))


@flagged({"unknown-code": (4,), "zoning-conflict": (5,)},
         values={(0, "land_use"): "ONT", (1, "land_use"): "ONT", (3, "land_use"): "ONT+CLN"})
def codes_lowercase_spaced_or_with_diacritics(folder):
    codes = ["ont", " ONT ", "Ont", "ont + cln", "ÔNT", " ont "]
    geoms = [cell(i) for i in range(5)] + [IN_LUC]
    return standard(folder, decisions_gdf(6, kyhieumucd=codes, geometry=geoms))


@flagged({"unknown-code": (1, 2, 3, 4), "zoning-conflict": ()})
def unknown_codes(folder):
    codes = ["ONT", "XYZ", "LUA2", "ODT+ABC", "ODT,CLN"]
    return standard(folder, decisions_gdf(5, kyhieumucd=codes))


@flagged({"unknown-code": (1,)}, values={(2, "decision_no"): "Số " + "9" * 10_000})
def ten_thousand_character_values(folder):
    dec = decisions_gdf(3, kyhieumucd=["ONT", "A" * 10_000, "ONT"])
    dec["tenchu"] = ["Nguyễn " * 1_500, "x" * 10_000, "Trần Thị B"]
    dec["so_qd"] = ["1/QĐ-UBND", "2/QĐ-UBND", "Số " + "9" * 10_000]
    return standard(folder, dec, "dec/qd.gpkg")


@flagged({"unknown-kind": (0, 1, 2)})
def no_kind_column(folder):
    return standard(folder, decisions_gdf(3).drop(columns="hinh_thuc"))


# --------------------------------------------------------------------------- column names

CLEAN = {"zoning-conflict": (1,), "missing-date": (), "unknown-kind": (), "missing-code": ()}


def renamed(names: Mapping[str, str]) -> gpd.GeoDataFrame:
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    return dec.rename(columns=dict(names))


@flagged(CLEAN)
def field_names_cut_to_ten_characters(folder):
    dec = renamed({"so_qd": "SoQuyetDin", "ngay_qd": "NgayQuyetD", "hinh_thuc": "HinhThucSu",
                   "shbando": "SoHieuToBa", "shthua": "SoThuTuThu"})
    return standard(folder, dec)


@flagged(CLEAN)
def uppercase_field_names(folder):
    dec = renamed({"so_qd": "SO_QD", "ngay_qd": "NGAY_QD", "hinh_thuc": "HINH_THUC",
                   "kyhieumucd": "KYHIEUMUCD", "shbando": "SHBANDO", "shthua": "SHTHUA"})
    return standard(folder, dec)


@flagged(CLEAN)
def vietnamese_field_names_in_geopackage(folder):
    dec = renamed({"so_qd": "Số quyết định", "ngay_qd": "Ngày quyết định",
                   "hinh_thuc": "Hình thức", "kyhieumucd": "Ký hiệu mục đích sử dụng",
                   "tenchu": "Tên chủ"})
    return standard(folder, dec, "dec/qd.gpkg")


@error("qd.shp", "--decisions-column")
def vietnamese_field_name_cut_inside_a_character(folder):
    # "Mã loại đất" is 17 UTF-8 bytes; a DBF keeps 10 of them: the alias is lost.
    return standard(folder, renamed({"kyhieumucd": "Mã loại đất"}))


@error("plan.gpkg", "--plan-column", "ten_vung")
def plan_without_land_use_column(folder):
    plan = plan_gdf().rename(columns={"maloaidat": "ten_vung"})
    return run(write_plan(folder, plan), write(decisions_gdf(3), folder / "dec" / "qd.shp"))


@error("qd.shp", "--decisions-column", "ghi_chu")
def decisions_without_land_use_column(folder):
    dec = decisions_gdf(3).drop(columns="kyhieumucd").assign(ghi_chu="ONT")
    return standard(folder, dec)


@error("qd.csv", "geometry")
def decisions_as_plain_csv(folder):
    path = folder / "qd.csv"
    path.write_text("so_qd,ngay_qd,hinh_thuc,kyhieumucd\n1/QĐ-UBND,15/03/2023,Giao đất,ONT\n",
                    encoding="utf-8")
    return run(write_plan(folder), path)


# --------------------------------------------------------------------------- archives

@flagged({"zoning-conflict": (1,)})
def zip_with_nested_folders(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    archive = zip_files(folder / "thua.zip",
                        shapefile_bytes(dec, folder / "scratch", "parcels/2023/thua.shp"))
    return run(write_plan(folder), archive, records=3)


@error("a.shp", "b.shp", "--decisions-layer")
def zip_with_two_layers(folder):
    parts = {**shapefile_bytes(decisions_gdf(2), folder / "s1", "a.shp"),
             **shapefile_bytes(decisions_gdf(3), folder / "s2", "b.shp")}
    return run(write_plan(folder), zip_files(folder / "hai_lop.zip", parts))


@flagged({"zoning-conflict": (1,)})
def zip_slip_entries_are_ignored(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    evil = decisions_gdf(1)
    parts = {**shapefile_bytes(dec, folder / "s1", "thua.shp"),
             **shapefile_bytes(evil, folder / "s2", "../canary_zipslip.shp"),
             **shapefile_bytes(evil, folder / "s3", "../../canary_zipslip2.shp"),
             "/tmp/canary_zipslip3.shp": b"x"}
    return run(write_plan(folder), zip_files(folder / "thua.zip", parts), records=3)


@error("qd.zip", "zip")
def zip_that_is_not_a_zip(folder):
    path = folder / "qd.zip"
    path.write_bytes(b"This was saved from an e-mail client, not a zip archive.\n")
    return run(write_plan(folder), path)


@error("empty.zip", (".shp", "vector", "layer"))
def zip_without_a_layer(folder):
    archive = zip_files(folder / "empty.zip", {"doc/readme.txt": b"bao cao", "anh.jpg": b"\xff"})
    return run(write_plan(folder), archive)


@error("qd.zip")
def shp_path_given_where_only_a_zip_exists(folder):
    dec = decisions_gdf(3)
    zip_files(folder / "qd.zip", shapefile_bytes(dec, folder / "s", "qd.shp"))
    return run(write_plan(folder), folder / "qd.shp")


# --------------------------------------------------------------------------- other formats

@error("qd.gpkg", "plan", "decisions", "--decisions-layer")
def geopackage_with_two_layers(folder):
    path = folder / "qd.gpkg"
    write(plan_gdf(), path, layer="plan")
    write(decisions_gdf(3), path, layer="decisions")
    return run(write_plan(folder), path)


@error("qd.gpkg", "thua_dat", "khong_co")
def geopackage_layer_name_that_does_not_exist(folder):
    path = write(decisions_gdf(3), folder / "qd.gpkg", layer="thua_dat")
    return run(write_plan(folder), path, "--decisions-layer", "khong_co")


@error("qd.geojson", ("json", "geojson"))
def geojson_with_invalid_json(folder):
    path = folder / "qd.geojson"
    path.write_text(geojson_text([(props(0), at(cell(0)))])[:-40], encoding="utf-8")
    return run(write_plan(folder), path)


@error("thu_muc_rong", ("vector", "layer", "folder"))
def directory_instead_of_a_file(folder):
    (folder / "thu_muc_rong").mkdir()
    (folder / "thu_muc_rong" / "ghi_chu.txt").write_text("không có dữ liệu")
    return run(write_plan(folder), folder / "thu_muc_rong")


@error("khong_ton_tai.shp", ("not found", "does not exist", "no such"))
def decisions_path_that_does_not_exist(folder):
    return run(write_plan(folder), folder / "khong_ton_tai.shp")


@flagged({"zoning-conflict": (1,), "empty-geometry": ()})
def geojson_with_legacy_crs_member(folder):
    geoms = [cell(0), IN_LUC, cell(2)]
    path = folder / "qd.geojson"
    path.write_text(geojson_text([(props(i), at(g)) for i, g in enumerate(geoms)]),
                    encoding="utf-8")
    return run(write_plan(folder), path, records=3)


@error("qd.geojson", ("--crs", "--decisions-crs"))
def geojson_of_vn2000_metres_without_crs_member(folder):
    # RFC 7946 says lon/lat: coordinates of 583000 "degrees" are VN-2000 metres.
    path = folder / "qd.geojson"
    path.write_text(geojson_text([(props(i), at(cell(i))) for i in range(3)], crs=None),
                    encoding="utf-8")
    return run(write_plan(folder), path)


# --------------------------------------------------------------------------- CRS

@flagged({"zoning-conflict": (1,), "no-plan-coverage": ()})
def decisions_in_wgs84_plan_in_vn2000(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)]).to_crs("EPSG:4326")
    return standard(folder, dec, "dec/qd.gpkg")


@flagged({"zoning-conflict": (1,), "no-plan-coverage": ()})
def plan_in_wgs84_decisions_in_vn2000(folder):
    plan = write_plan(folder, plan_gdf().to_crs("EPSG:4326"), "plan_wgs84.gpkg")
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    return run(plan, write(dec, folder / "dec" / "qd.shp"), records=3)


@error("qd.shp", "4326")
def lonlat_coordinates_in_a_vn2000_layer(folder):
    dec = decisions_gdf(3).to_crs("EPSG:4326").set_crs(CRS, allow_override=True)
    return standard(folder, dec)


@error("qd.shp", ("swap", "axis", "axes", "x/y"))
def swapped_x_and_y(folder):
    dec = decisions_gdf(3)
    dec.geometry = shapely.transform(dec.geometry.values, lambda xy: xy[:, ::-1])
    return standard(folder, dec)


@error("qd.shp", ("outside", "area of use", "far from"))
def vn2000_data_shifted_1000_km(folder):
    dec = decisions_gdf(3)
    dec.geometry = dec.geometry.translate(1_000_000, 0)
    return standard(folder, dec)


@error("EPSG:99999", ("EPSG:9209", "EPSG code"))
def crs_option_that_does_not_exist(folder):
    args = standard(folder, decisions_gdf(3), "dec/qd.shp", "--crs", "EPSG:99999")
    (folder / "dec" / "qd.prj").unlink()
    return args


# --------------------------------------------------------------------------- side tables

@flagged({"quota-exceeded": (0,)})
def quota_csv_with_byte_order_mark(folder):
    dec = decisions_gdf(3, hinh_thuc=["Chuyển mục đích", "Giao đất", "Giao đất"],
                        md_cu=["LUC", None, None])
    args = standard(folder, dec)
    quotas = folder / "chi_tieu.csv"
    quotas.write_bytes("\ufeffunit,from,to,quota_ha\n*,LUA,non-agricultural,0\n"
                       .encode("utf-8"))
    args["args"] += ["--quotas", str(quotas)]
    return args


# --------------------------------------------------------------------------- more realism

NOI_BO_PRJ = (  # "VN-2000 nội bộ": the TM-3 projection on WGS 84, no datum shift
    'PROJCS["VN-2000 noi bo",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",'
    '6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
    'PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],'
    'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.5],'
    'PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')


@flagged({"zoning-conflict": (1,), "no-plan-coverage": ()})
def prj_vn2000_noi_bo_without_datum_shift(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    args = standard(folder, dec)
    (folder / "dec" / "qd.prj").write_text(NOI_BO_PRJ)
    return args


@error(("qd.shp", "qd.prj"), "--crs")
def prj_with_garbage_text(folder):
    args = standard(folder, decisions_gdf(3))
    (folder / "dec" / "qd.prj").write_text("Toa do VN2000 mui chieu 3 do, KTT 105°30'")
    return args


@error("qd.gpkg", "--crs")
def geopackage_without_crs(folder):
    dec = decisions_gdf(3).set_crs(None, allow_override=True)
    return standard(folder, dec, "dec/qd.gpkg")


@error("qd.gpkg", "geometry")
def geopackage_attribute_table_only(folder):
    table = pd.DataFrame(decisions_gdf(3).drop(columns="geometry"))
    path = folder / "qd.gpkg"
    pyogrio.write_dataframe(table, path, layer="quyet_dinh", driver="GPKG")
    return run(write_plan(folder), path)


@flagged({"zoning-conflict": (1,), "no-plan-coverage": (), "empty-geometry": ()})
def geojson_rfc7946_lonlat_without_crs_member(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)]).to_crs("EPSG:4326")
    path = folder / "qd.geojson"
    path.write_text(geojson_text([(props(i), g) for i, g in enumerate(dec.geometry)],
                                 crs=None), encoding="utf-8")
    return run(write_plan(folder), path, records=3)


@flagged()
def empty_geojson_feature_collection(folder):
    path = folder / "qd.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    return run(write_plan(folder), path, records=0)


@flagged({"missing-date": ()}, values=TYPED_DATES)
def dates_in_a_dbf_date_field(folder):
    dec = decisions_gdf(3)
    dec["ngay_qd"] = pd.to_datetime(["2023-03-15", "2023-04-01", "2024-01-02"]).date
    return standard(folder, dec)


@flagged({"unknown-kind": (4, 5)},
         values={(0, "kind"): "recognition", (1, "kind"): "allocation",
                 (2, "kind"): "allocation", (3, "kind"): "lease"})
def kinds_as_origin_of_use_numbers(folder):
    # 1 công nhận, 4/5 giao, 10/11 thuê (national codes); 99 and 0 are no kind.
    return standard(folder, decisions_gdf(6, hinh_thuc=[1, 4, 5, 10, 99, 0]))


@flagged({"duplicate-id": (0, 1, 2, 3)},
         values={(1, "decision_no"): "12/QĐ-UBND huyện Gia Lộc",
                 (2, "decision_no"): "13/QĐ-UBND"})
def duplicate_ids_differing_in_unicode_form_and_spaces(folder):
    nfc = "12/QĐ-UBND huyện Gia Lộc"
    nfd = unicodedata.normalize("NFD", nfc)
    dec = decisions_gdf(4, so_qd=[nfc, nfd, " 13/QĐ-UBND", "13/QĐ-UBND  "],
                        shthua=["5", "5", "6", "6"])
    return standard(folder, dec, "dec/qd.gpkg")


@flagged({"unknown-code": (), "missing-code": ()})
def codes_with_invisible_characters(folder):
    codes = ["ONT\u00a0", "\ufeffONT", "O\u200bNT", "\u2060ONT\u200d"]
    return standard(folder, decisions_gdf(4, kyhieumucd=codes), "dec/qd.gpkg")


@flagged(statuses={0: "compliant"})
def parcel_with_100k_vertices(folder):
    circle = Point(200, 100).buffer(50, quad_segs=25_000)
    return standard(folder, decisions_gdf(1, geometry=[circle]))


def names() -> list[str]:
    return [case.name for case in CASES]


# Later classes of input live beside this file, one module per class (tests/corpus_*.py,
# each registering its cases with the decorators above; its docstring names the class).
for _module in sorted(p.stem for p in Path(__file__).parent.glob("corpus_*.py")):
    importlib.import_module(f"{__package__}.{_module}")


assert len(set(names())) == len(CASES), "case names must be unique"
