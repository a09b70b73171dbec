"""A GeoDataFrame written as a GeoPackage layer in batches: what ``to_file`` writes, streamed.

``GeoDataFrame.to_file(engine="pyogrio", use_arrow=True)`` turns the whole frame into one
Arrow table first (every geometry as WKB, polygons promoted to multipolygons where the layer
mixes them, every text column converted) and hands it to GDAL: at 10⁶ findings that is a
gigabyte more for the time of the write. :func:`write_layer` makes the same table
:data:`_BATCH` rows at a time and gives GDAL a stream of them (one layer, written in one
session: the spatial index is built once at the end, as before). The layer's geometry type,
CRS and field types are decided on the whole frame, as pyogrio's ``write_dataframe``
decides them, so the file holds the same layer.

GDAL's writing holds the GIL in pyogrio, so a thread writing a large layer would stall the
other writers: from :data:`_CHILD_ROWS` rows the batches go through an Arrow stream file to a
child process that writes the layer (``_gpkg_child.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from geopandas.array import to_wkb
from pyogrio.errors import DataSourceError
from pyogrio.raw import DRIVERS_NO_MIXED_DIMENSIONS, DRIVERS_NO_MIXED_SINGLE_MULTI, write_arrow

from .errors import OutputError

__all__ = ["Unsupported", "write_layer"]


class Unsupported(Exception):
    """A frame :func:`write_layer` does not write as ``to_file`` would (use ``to_file``)."""

_BATCH = 100_000  # rows converted and written at a time
# From this many rows, GDAL writes the layer in a child process (:func:`_write_in_child`):
# the few hundred milliseconds it costs to start buy back the seconds the writing thread
# would hold the GIL from the CSV and map writers.
_CHILD_ROWS = 200_000
_TYPE_NAMES = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
               "MultiPolygon", "GeometryCollection")
_DRIVER = "GPKG"


def write_layer(frame: gpd.GeoDataFrame, path: str | Path, layer: str) -> None:
    """Write ``frame`` as the layer ``layer`` of the GeoPackage ``path`` (created if needed).

    The same layer as ``frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio",
    use_arrow=True)`` writes, for a frame with one geometry column and a default index.

    Raises
    ------
    Unsupported
        Before writing anything, for a frame whose columns pyogrio would write with extra
        care (dates held as objects, time zones other than UTC), an index to write or more
        than one geometry column: write those with ``to_file``.
    """
    if (frame.dtypes == "geometry").sum() != 1 or not isinstance(frame.index, pd.RangeIndex) \
            or frame.index.start != 0 or frame.index.step != 1:
        raise Unsupported("not one geometry column and a default index")
    name = frame.geometry.name
    geometry = frame.geometry.values
    geometry_type, promote = _geometry_type(np.asarray(geometry, dtype=object))
    attributes = _convertible(pd.DataFrame(frame.drop(columns=name), copy=False))
    fields = _null_as_text(pa.Schema.from_pandas(attributes, preserve_index=False))
    position = list(frame.columns).index(name)
    schema = fields.insert(position, pa.field(name, pa.binary()))

    def batches() -> Iterator[pa.RecordBatch]:
        for start in range(0, len(frame), _BATCH):
            part = slice(start, start + _BATCH)
            table = pa.Table.from_pandas(attributes.iloc[part], schema=fields,
                                         preserve_index=False)
            wkb = pa.array(to_wkb(_promoted(geometry[part], promote)), type=pa.binary())
            yield from table.add_column(position, schema.field(position), wkb).to_batches()

    crs = None
    if frame.crs:
        epsg = frame.crs.to_epsg()
        crs = f"EPSG:{epsg}" if epsg else frame.crs.to_wkt("WKT1_GDAL")
    settings = {"layer": layer, "driver": _DRIVER, "geometry_name": name,
                "geometry_type": geometry_type, "crs": crs}
    if len(frame) >= _CHILD_ROWS:
        _write_in_child(schema, batches(), Path(path), settings)
    else:
        write_arrow(pa.RecordBatchReader.from_batches(schema, batches()), str(path),
                    **settings)


def _write_in_child(schema: pa.Schema, batches: Iterator[pa.RecordBatch], path: Path,
                    settings: dict[str, object]) -> None:
    """Write the layer from a process of its own (``_gpkg_child.py``): GDAL holds the GIL.

    The batches go to an Arrow stream file beside ``path`` (in the same folder: the run's
    temporary one), which the child reads memory-mapped and removes.

    Raises
    ------
    landplan.errors.OutputError
        When the child fails, with GDAL's message.
    """
    stream = path.with_name(f"{path.name}.{settings['layer']}.arrows")
    try:
        with pa.OSFile(str(stream), "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
        child = subprocess.run([sys.executable, str(Path(__file__).with_name("_gpkg_child.py")),
                                str(stream), str(path), json.dumps(settings)],
                               capture_output=True, text=True, check=False)
    finally:
        stream.unlink(missing_ok=True)
    if child.returncode:
        lines = child.stderr.strip().splitlines() or [f"exit status {child.returncode}"]
        raise OutputError.of("gpkg.write_failed", layer=settings["layer"], name=path.name,
                             why=lines[-1], folder=path.parent)


def _geometry_type(geoms: np.ndarray) -> tuple[str, bool]:
    """Return the layer's geometry type and whether polygons are promoted to multipolygons.

    As pyogrio's ``write_dataframe`` decides them: the one type present, or the multi type
    when single and multi geometries of one kind mix; "Unknown" otherwise; " Z" when any has
    a z.
    """
    ids = shapely.get_type_id(geoms)
    present = [_TYPE_NAMES[i] for i in np.unique(ids[ids >= 0])]
    solid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    z = shapely.has_z(geoms[solid])
    if _DRIVER in DRIVERS_NO_MIXED_DIMENSIONS and z.any() and not z.all():
        raise DataSourceError(f"Mixed 2D and 3D coordinates are not supported by {_DRIVER}")
    kind, promote = "Unknown", False
    if len(present) == 1:
        kind = present[0]
    elif len(present) == 2:
        for single in ("Polygon", "LineString", "Point"):
            if set(present) == {single, f"Multi{single}"}:
                promote = _DRIVER in DRIVERS_NO_MIXED_SINGLE_MULTI
                kind = f"Multi{single}" if promote else kind
    if z.any() and kind != "Unknown":
        kind = f"{kind} Z"
    return kind, promote


def _promoted(geometry: gpd.array.GeometryArray, promote: bool) -> gpd.array.GeometryArray:
    """Return the geometries with each single one made a multi one (when ``promote``)."""
    if not promote:
        return geometry
    geoms = np.array(geometry, dtype=object)
    ids = shapely.get_type_id(geoms)
    for single, make in ((0, shapely.multipoints), (1, shapely.multilinestrings),
                         (3, shapely.multipolygons)):
        mask = ids == single
        if mask.any():
            geoms[mask] = make(np.atleast_2d(geoms[mask]), axis=0)
    return gpd.array.GeometryArray(geoms, crs=geometry.crs)


def _convertible(df: pd.DataFrame) -> pd.DataFrame:
    """Return the columns as pyogrio converts them: text where Arrow cannot take them.

    Object columns of dates or of values Arrow refuses become text; time zones other than
    UTC too.
    """
    changed = {}
    for name, dtype in df.dtypes.items():
        if dtype == "object":
            inferred = pd.api.types.infer_dtype(df[name])
            if inferred == "string":
                continue
            if inferred == "datetime":
                raise Unsupported(f"column {name!r} holds datetimes as objects")
            try:
                pa.Schema.from_pandas(df[[name]], preserve_index=False)
            except pa.ArrowInvalid:
                changed[name] = df[name].astype("string")
        elif isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) != "UTC":
            raise Unsupported(f"column {name!r} has time zone {dtype.tz}")
    return df.assign(**changed) if changed else df


def _null_as_text(schema: pa.Schema) -> pa.Schema:
    """Return ``schema`` with the fields of no type (columns of only missing values) as text."""
    for i, field in enumerate(schema):
        if pa.types.is_null(field.type):
            schema = schema.set(i, field.with_type(pa.string()))
    return schema
