"""Files as officials really have them (tests/corpus.py registers these cases).

Classes of input covered:

* records GDAL does not return: DBF records marked deleted (``*``), GeoJSON ``features``
  entries that are not Features (no ``type``, ``"type": "feature"``, a bare geometry, not an
  object) — every entry keeps its position in the file as ``source_row``;
* geometries GEOS refuses to build (an unclosed ring in a GeoPackage): that record flagged,
  the rest checked;
* GDAL failures that must reach the user as landplan's own message (a folder without a
  layer, a missing ``.shx`` also inside a zip, a file that is no GIS layer);
* zip members whose names are stored in another Unicode form (NFD) than the hint;
* column overrides written in another case than the column;
* CSV decisions: WKT polygons run, x/y point columns are refused with the reason;
* plan layers naming the planned code in ways of their own (``MD_QuyHoach``, ``MaQH``, …);
* swapped or wrong-kind inputs (a plan given as decisions, decisions as the plan, projects
  as decisions);
* ``--crs`` only for layers without a CRS; layer-specific ``--decisions-crs`` honoured with
  a note; a declared CRS that contradicts the coordinates stops with the fix.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import unicodedata

import shapely

from .corpus import (
    CRS,
    IN_LUC,
    at,
    cell,
    decisions_gdf,
    error,
    flagged,
    geojson_text,
    plan_gdf,
    props,
    run,
    shapefile_bytes,
    standard,
    write,
    write_plan,
    zip_files,
)


def _mark_deleted(dbf, rows):
    data = bytearray(dbf.read_bytes())
    start = int.from_bytes(data[8:10], "little")
    width = int.from_bytes(data[10:12], "little")
    for row in rows:
        data[start + row * width] = 0x2A  # '*': deleted
    dbf.write_bytes(bytes(data))


# --------------------------------------------------------------------------- records GDAL skips

@flagged({"unreadable-record": (1,), "zoning-conflict": (2,), "empty-geometry": ()},
         values={(0, "decision_no"): "1/QĐ-UBND", (2, "decision_no"): "3/QĐ-UBND",
                 (3, "decision_no"): "4/QĐ-UBND"})
def dbf_record_marked_deleted_keeps_its_place(folder):
    dec = decisions_gdf(4, geometry=[cell(0), cell(1), IN_LUC, cell(3)])
    args = standard(folder, dec)
    _mark_deleted(folder / "dec" / "qd.dbf", [1])
    return args


@flagged({"unreadable-record": (0, 3), "zoning-conflict": (2,)},
         values={(1, "decision_no"): "2/QĐ-UBND", (4, "decision_no"): "5/QĐ-UBND"})
def dbf_records_deleted_in_a_zip(folder):
    dec = decisions_gdf(5, geometry=[cell(0), cell(1), IN_LUC, cell(3), cell(4)])
    parts = shapefile_bytes(dec, folder / "scratch", "thua/qd.shp")
    dbf = folder / "qd.dbf"
    dbf.write_bytes(parts["thua/qd.dbf"])
    _mark_deleted(dbf, [0, 3])
    parts["thua/qd.dbf"] = dbf.read_bytes()
    dbf.unlink()
    return run(write_plan(folder), zip_files(folder / "qd.zip", parts), records=5)


def _feature(i, geom=None):
    return {"type": "Feature", "properties": props(i),
            "geometry": shapely.geometry.mapping(at(geom or cell(i)))}


@flagged({"unreadable-record": (1, 2, 3, 5), "zoning-conflict": (4,), "empty-geometry": ()},
         values={(4, "decision_no"): "5/QĐ-UBND", (6, "decision_no"): "7/QĐ-UBND"})
def geojson_entries_that_are_not_features(folder):
    no_type = _feature(1)
    del no_type["type"]
    lower = dict(_feature(2), type="feature")
    bare = shapely.geometry.mapping(at(cell(3)))
    features = [_feature(0), no_type, lower, bare, _feature(4, IN_LUC), "x", _feature(6)]
    doc = json.loads(geojson_text([]))
    doc["features"] = features
    path = folder / "qd.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return run(write_plan(folder), path, records=len(features))


# --------------------------------------------------------------------------- broken geometries

def _unclose_ring(gpkg, fid):
    """Move the last point of record ``fid``'s ring in a GeoPackage: the ring is no longer
    closed (GEOS refuses to build it)."""
    con = sqlite3.connect(gpkg)
    try:
        for (name,) in con.execute("select name from sqlite_master where type='trigger'"):
            con.execute(f'drop trigger "{name}"')  # the R-tree triggers need SpatiaLite
        table = con.execute("select table_name from gpkg_contents").fetchone()[0]
        blob = con.execute(f'select geom from "{table}" where fid=?', (fid,)).fetchone()[0]
        header = 8 + {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(blob[3] >> 1) & 7]
        ring = list(shapely.from_wkb(blob[header:]).exterior.coords)
        ring[-1] = (ring[-1][0] + 1.0, ring[-1][1])
        wkb = struct.pack("<BIII", 1, 3, 1, len(ring)) + b"".join(
            struct.pack("<2d", *xy) for xy in ring)
        con.execute(f'update "{table}" set geom=? where fid=?', (blob[:header] + wkb, fid))
        con.commit()
    finally:
        con.close()


@flagged({"empty-geometry": (1,), "zoning-conflict": (2,), "unreadable-record": ()},
         statuses={1: "unchecked", 0: "compliant"})
def geopackage_with_one_unclosed_ring(folder):
    args = standard(folder, decisions_gdf(4, geometry=[cell(0), cell(1), IN_LUC, cell(3)]),
                    "dec/qd.gpkg")
    _unclose_ring(folder / "dec" / "qd.gpkg", 2)  # fid 2 = record 1
    return args


@flagged({"zoning-conflict": (1,), "no-plan-coverage": (0,)})
def plan_geopackage_with_one_unclosed_ring(folder):
    plan = write_plan(folder, plan_gdf(), "qh.gpkg")
    _unclose_ring(plan, 3)  # the DGT zone: the parcel there has no plan zone left
    dec = decisions_gdf(3, geometry=[shapely.box(50, 202, 60, 208), IN_LUC, cell(2)])
    return run(plan, write(dec, folder / "dec" / "qd.shp"), records=3)


# --------------------------------------------------------------------------- GDAL's failures

@error("thu_muc_rong", "folder", (".shp", ".gpkg"))
def empty_folder_given_as_decisions(folder):
    (folder / "thu_muc_rong").mkdir()
    return run(write_plan(folder), folder / "thu_muc_rong")


@error("qd.shp", "qd.shx", "zip")
def zip_of_a_shapefile_without_its_shx(folder):
    parts = shapefile_bytes(decisions_gdf(3), folder / "scratch", "qd.shp")
    del parts["qd.shx"]
    return run(write_plan(folder), zip_files(folder / "qd.zip", parts))


@error("bao_cao.gpkg", "not a GIS layer", (".shp", ".gpkg"))
def document_saved_with_a_layer_extension(folder):
    path = folder / "bao_cao.gpkg"
    path.write_bytes(b"PK\x03\x04 Bao cao ket qua giao dat (a Word file renamed)\n" * 20)
    return run(write_plan(folder), path)


# --------------------------------------------------------------------------- names

def _nfd(text):
    return unicodedata.normalize("NFD", text)


@flagged({"zoning-conflict": (1,)})
def zip_member_stored_in_nfd_found_by_an_nfc_hint(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    parts = {**shapefile_bytes(dec, folder / "s1", _nfd("Thửa đất.shp")),
             **shapefile_bytes(decisions_gdf(2), folder / "s2", "khac.shp")}
    archive = zip_files(folder / "qd.zip", parts)
    return run(write_plan(folder), archive, "--decisions-layer", "Thửa đất.shp", records=3)


@flagged({"zoning-conflict": (1,)})
def zip_member_stored_in_nfd_found_by_its_stem(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    parts = {**shapefile_bytes(dec, folder / "s1", _nfd("Dữ liệu/Thửa đất.shp")),
             **shapefile_bytes(decisions_gdf(2), folder / "s2", "khac.shp")}
    archive = zip_files(folder / "qd.zip", parts)
    return run(write_plan(folder), archive, "--decisions-layer", "Thửa đất", records=3)


@flagged({"zoning-conflict": (1,)})
def zip_of_one_shapefile_named_in_nfd(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    archive = zip_files(folder / "qd.zip", shapefile_bytes(dec, folder / "s", _nfd("Thửa đất.shp")))
    return run(write_plan(folder), archive, records=3)


@flagged({"zoning-conflict": (1,), "missing-code": ()}, values={(1, "land_use"): "ONT"})
def column_override_in_another_case(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)]).rename(
        columns={"kyhieumucd": "MDSD_MOI"})
    return standard(folder, dec, "dec/qd.shp", "--decisions-column", "land_use=mdsd_moi")


@flagged({"zoning-conflict": (1,)})
def column_override_in_another_unicode_form(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)]).rename(
        columns={"kyhieumucd": "Mục đích mới"})
    return standard(folder, dec, "dec/qd.gpkg", "--decisions-column",
                    "land_use=" + _nfd("mục đích MỚI"))


@error("qd.shp", "land_use=khong_co", "MDSD_MOI")
def column_override_naming_no_column(folder):
    dec = decisions_gdf(3).rename(columns={"kyhieumucd": "MDSD_MOI"})
    return standard(folder, dec, "dec/qd.shp", "--decisions-column", "land_use=khong_co")


# --------------------------------------------------------------------------- CSV decisions

def _csv(folder, header, rows):
    path = folder / "qd.csv"
    lines = [",".join(header)] + [",".join(f'"{v}"' for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _csv_rows(geoms, geometry):
    return [[props(i)["so_qd"], "15/03/2023", "Giao đất", "ONT", *geometry(at(g))]
            for i, g in enumerate(geoms)]


CSV_HEAD = ["so_qd", "ngay_qd", "hinh_thuc", "kyhieumucd"]


@flagged({"zoning-conflict": (1,), "crs-assumed": None})
def csv_of_decisions_with_wkt_polygons(folder):
    rows = _csv_rows([cell(0), IN_LUC, cell(2)], lambda g: [g.wkt])
    return run(write_plan(folder), _csv(folder, [*CSV_HEAD, "WKT"], rows), "--crs", CRS,
               records=3)


@flagged({"zoning-conflict": (1,)})
def csv_of_decisions_with_a_geometry_column_of_wkt(folder):
    rows = _csv_rows([cell(0), IN_LUC, cell(2)], lambda g: [g.wkt])
    return run(write_plan(folder), _csv(folder, [*CSV_HEAD, "HinhHoc"], rows),
               "--decisions-crs", CRS, records=3)


@error("qd.csv", "toa_do_x", "toa_do_y", "polygon", "WKT")
def csv_of_decisions_with_point_coordinates(folder):
    rows = _csv_rows([cell(0), IN_LUC], lambda g: [g.centroid.x, g.centroid.y])
    return run(write_plan(folder), _csv(folder, [*CSV_HEAD, "toa_do_x", "toa_do_y"], rows),
               "--crs", CRS)


# --------------------------------------------------------------------------- plan code names

@flagged({"zoning-conflict": (1,), "unknown-code": ()})
def plan_code_in_md_quyhoach_cut_by_the_dbf(folder):
    plan = write(plan_gdf().rename(columns={"maloaidat": "MD_QuyHoach"}),
                 folder / "plan" / "qh.shp")  # the DBF keeps MD_QuyHoac
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    return run(plan, write(dec, folder / "dec" / "qd.shp"), records=3)


@flagged({"zoning-conflict": (1,)})
def plan_with_present_use_and_planned_code(folder):
    # loaidat: the present use (all ONT); MaQH: the planned code (the LUC zone stays rice).
    plan = plan_gdf().rename(columns={"maloaidat": "MaQH"}).assign(loaidat="ONT")
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])
    return run(write_plan(folder, plan, "qh.gpkg"), write(dec, folder / "dec" / "qd.shp"),
               records=3)


# --------------------------------------------------------------------------- swapped inputs

@error("qd.shp", "--plan", "--decisions", "did you swap", "so_qd")
def decisions_given_as_plan_and_plan_as_decisions(folder):
    dec = write(decisions_gdf(3), folder / "dec" / "qd.shp")
    return run(dec, write_plan(folder))


@error("plan.gpkg", "did you swap", "maloaidat")
def plan_given_as_decisions(folder):
    plan = write_plan(folder)
    return run(plan, plan)


@error("du_an.gpkg", "--projects", "ten_da", "did you swap")
def projects_given_as_decisions(folder):
    projects = plan_gdf().rename(columns={"ma_xa": "ma_xa"}).assign(
        ten_da=["Khu dân cư A", "Đường B", "Trường C"], nam=[2023, 2024, 2024])
    return run(write_plan(folder), write(projects, folder / "du_an.gpkg"))


@error("qd.gpkg", "did you swap", "MaQH")
def plan_with_a_planned_code_column_given_as_decisions(folder):
    plan = plan_gdf().rename(columns={"maloaidat": "MaQH"})
    return run(write_plan(folder), write(plan, folder / "qd.gpkg"))


@flagged({"zoning-conflict": (1,)})
def decisions_with_only_a_code_named_by_the_user_run(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)])[["kyhieumucd", "tenchu",
                                                                  "geometry"]]
    dec = dec.rename(columns={"tenchu": "ghi_chu"})
    return standard(folder, dec, "dec/qd.gpkg", "--decisions-column", "decision_no=ghi_chu")


# --------------------------------------------------------------------------- CRS options

@flagged({"zoning-conflict": (1,), "no-plan-coverage": (), "crs-assumed": ()})
def crs_option_does_not_replace_a_declared_crs(folder):
    # Hải Phòng's zone (EPSG:9210) with a correct .prj; --crs EPSG:9209 must not shift it.
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)]).to_crs("EPSG:9210")
    return standard(folder, dec, "dec/qd.shp", "--crs", CRS)


@flagged({"no-plan-coverage": (0, 1, 2), "zoning-conflict": ()})
def decisions_crs_option_replaces_the_declared_crs(folder):
    # Asked for explicitly: honoured (with a note), so the parcels land ~26 km away.
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)]).to_crs("EPSG:9210")
    return standard(folder, dec, "dec/qd.shp", "--decisions-crs", CRS)


@error("qd.shp", "4326", "--decisions-crs")
def lonlat_in_a_vn2000_layer_is_not_fixed_by_the_crs_option(folder):
    dec = decisions_gdf(3).to_crs("EPSG:4326").set_crs(CRS, allow_override=True)
    return standard(folder, dec, "dec/qd.shp", "--crs", "EPSG:4326")


@flagged({"zoning-conflict": (1,), "no-plan-coverage": ()})
def lonlat_in_a_vn2000_layer_read_with_the_decisions_crs_option(folder):
    dec = decisions_gdf(3, geometry=[cell(0), IN_LUC, cell(2)]).to_crs("EPSG:4326")
    dec = dec.set_crs(CRS, allow_override=True)  # a VN-2000 .prj on lon/lat coordinates
    return standard(folder, dec, "dec/qd.shp", "--decisions-crs", "EPSG:4326")
