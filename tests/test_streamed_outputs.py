"""The writers stream their files in chunks and give the same bytes as whole-table writing."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from shapely.geometry import MultiPolygon, box

import landplan.report as report
from landplan import _gpkg
from landplan.errors import OutputError

from .conftest import at


def _mixed_frame(n: int = 230) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    texts = np.array(["LUC", "ONT", "=1+1", "a,b", 'say "x"', "line\nbreak", "Đất ở", "-5/QĐ",
                      "+84", "@x", "\tx", "ok"], dtype=object)
    values = rng.normal(0, 1000, n)
    values[::17] = np.nan
    values[::29] = -0.001
    return pd.DataFrame({
        "code": texts[rng.integers(0, len(texts), n)],  # few distinct values
        "number": [f"{i}/QĐ-UBND" if i % 11 else None for i in range(n)],  # all distinct
        "arrow_text": pd.array(texts[rng.integers(0, len(texts), n)], dtype="str"),
        "area": values,
        "count": np.arange(n) - 5,
        "maybe": pd.array([None if i % 7 == 0 else i for i in range(n)], dtype="Int64"),
        "flag": rng.random(n) < 0.5,
        "date": pd.to_datetime("2023-03-15") + pd.to_timedelta(np.arange(n) % 40, unit="D"),
        "nothing": [None] * n,
        "mixed": [(-3, "-3", 1.5, "=2", None)[i % 5] for i in range(n)],
    })


def test_a_csv_written_in_small_chunks_is_the_same_file_as_in_one(tmp_path, monkeypatch):
    frame = _mixed_frame()
    report._csv(frame, tmp_path / "whole.csv")
    monkeypatch.setattr(report, "_CSV_ROWS", 7)
    report._csv(frame, tmp_path / "chunks.csv")
    assert (tmp_path / "chunks.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    expected = frame.to_csv(index=False, float_format="%.2f", date_format="%Y-%m-%d",
                            lineterminator="\n")  # pandas, for the columns it writes alike
    got = (tmp_path / "chunks.csv").read_text(encoding="utf-8-sig")
    assert got.splitlines()[0] == expected.splitlines()[0]


def _two_decimals_by_text(x: np.ndarray) -> list[str]:
    """The cents formatting as it was written before: Arrow text kernels on the digits."""
    finite = np.isfinite(x)
    cents = np.rint(np.where(finite, np.abs(x), 0.0) * 100.0).astype(np.int64)
    digits = pc.utf8_lpad(pc.cast(pa.array(cents), pa.string()), 3, "0")
    text = pc.binary_join_element_wise(pc.utf8_slice_codeunits(digits, 0, -2),
                                       pc.utf8_slice_codeunits(digits, -2), ".")
    text = pc.if_else(pa.array((x < 0) & (cents > 0)),
                      pc.binary_join_element_wise("-", text, ""), text)
    return pc.if_else(pa.array(finite), text, pa.scalar("", pa.string())).to_pylist()


def test_two_decimals_are_the_cents_as_before_for_every_kind_of_number():
    x = np.array([0.0, -0.0, 0.004, 0.005, 0.015, 0.125, 1.005, 2.675, -0.001, -0.005, -1.5,
                  99.995, 123456789.125, 1e15, np.nan, np.inf, -np.inf, 5e-324, 0.1 + 0.2])
    rng = np.random.default_rng(1)
    x = np.concatenate([x, rng.normal(0, 1e4, 2000), rng.integers(-10**6, 10**6, 500) / 100])
    assert report._two_decimals(x).to_pylist() == _two_decimals_by_text(x)


def _layer_rows(path, layer):
    with sqlite3.connect(path) as db:
        schema = db.execute("select sql from sqlite_master where name = ?", (layer,)).fetchone()
        kind = db.execute("select geometry_type_name, srs_id from gpkg_geometry_columns "
                          "where table_name = ?", (layer,)).fetchall()
        rows = db.execute(f'select * from "{layer}" order by fid').fetchall()
        index = db.execute(f'select count(*) from "rtree_{layer}_geom"').fetchone()
    return schema, kind, rows, index


@pytest.mark.parametrize("child", [False, True], ids=["in-process", "child-process"])
@pytest.mark.parametrize("geoms", ["mixed", "polygons"])
def test_a_geopackage_layer_written_in_batches_is_the_layer_to_file_writes(tmp_path,
                                                                           monkeypatch, geoms,
                                                                           child):
    frame = _mixed_frame().drop(columns=["date", "mixed"])
    shapes = [at(box(i, 0, i + 1, 1)) for i in range(len(frame))]
    if geoms == "mixed":  # polygons and multipolygons: the layer is a multipolygon layer
        shapes[3] = at(MultiPolygon([box(3, 0, 4, 1), box(3, 2, 4, 3)]))
        shapes[5] = None
    frame = gpd.GeoDataFrame(frame, geometry=shapes, crs="EPSG:9209")
    frame.to_file(tmp_path / "whole.gpkg", layer="l", driver="GPKG", engine="pyogrio",
                  use_arrow=True)
    monkeypatch.setattr(_gpkg, "_BATCH", 7)
    monkeypatch.setattr(_gpkg, "_CHILD_ROWS", 0 if child else 10**9)
    _gpkg.write_layer(frame, tmp_path / "batches.gpkg", "l")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batches.gpkg", "whole.gpkg"]
    assert _layer_rows(tmp_path / "batches.gpkg", "l") == _layer_rows(tmp_path / "whole.gpkg",
                                                                     "l")


def test_a_frame_the_batches_do_not_handle_is_written_by_to_file(tmp_path):
    frame = gpd.GeoDataFrame({"code": ["LUC", "ONT", "DGT"]},
                             geometry=[at(box(i, 0, i + 1, 1)) for i in range(3)],
                             index=pd.Index([10, 11, 12], name="zone"), crs="EPSG:9209")
    with pytest.raises(_gpkg.Unsupported):  # to_file writes a named index: it does
        _gpkg.write_layer(frame, tmp_path / "x.gpkg", "l")
    report._write_gpkg(frame, tmp_path / "y.gpkg", "l")
    assert gpd.read_file(tmp_path / "y.gpkg", layer="l")["zone"].tolist() == [10, 11, 12]


def test_a_child_process_that_cannot_write_the_geopackage_is_an_output_error(tmp_path,
                                                                             monkeypatch):
    frame = gpd.GeoDataFrame({"code": ["LUC", "ONT"]},
                             geometry=[at(box(i, 0, i + 1, 1)) for i in range(2)],
                             crs="EPSG:9209")
    monkeypatch.setattr(_gpkg, "_CHILD_ROWS", 0)
    (tmp_path / "taken.gpkg").mkdir()  # a folder where the file should go
    with pytest.raises(OutputError, match=r"could not write the layer 'l' of taken.gpkg"):
        _gpkg.write_layer(frame, tmp_path / "taken.gpkg", "l")
    assert [p.name for p in tmp_path.iterdir()] == ["taken.gpkg"]  # the stream file removed
