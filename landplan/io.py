"""Reading vector layers: Shapefile, GeoPackage, GeoJSON, GeoParquet and whatever GDAL reads.

Shapefiles may be zipped; FileGDB, MapInfo TAB and anything else GDAL reads work too.

pyogrio is the default engine; ``engine="fiona"`` uses fiona instead. Paths are only
read, never written. Errors say which file, what is wrong and how to fix it.
"""

from __future__ import annotations

import codecs
import json
import logging
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ._data import load_toml
from ._distinct import per_distinct
from ._labels import labels
from ._problems import Said, Text, missing_dependency, strict_mode, warn
from ._steps import step
from ._text import nfc
from .crs import check_coordinates, parse_crs, resolve_crs
from .encodings import Detection, canonical, detect_encoding, transcode
from .errors import (
    CRSError,
    CRSWarning,
    InputError,
    LayerNotFoundError,
    TextEncodingWarning,
    UnreadableRecordsWarning,
    UnsafeZipEntryWarning,
)
from .schema import (
    column_aliases,
    layer_kind,
    match_columns,
    normalize_corridors,
    normalize_decisions,
    normalize_plan,
    normalize_projects,
)

__all__ = ["ENGINES", "is_text", "list_layers", "load_corridors", "load_decisions", "load_plan",
           "load_projects", "read_layer", "read_stored"]

log = logging.getLogger(__name__)

ENGINES = ("pyogrio", "fiona")
_PARQUET = {".parquet", ".geoparquet"}
_UTF8_FORMATS = {".gpkg", ".geojson", ".json", ".fgb", ".gdb"}  # text is UTF-8 by the spec
_VECTOR_IN_ZIP = {".shp", ".gpkg", ".geojson", ".json", ".tab", ".kml", ".fgb"}


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise InputError.of("io.unknown_engine", engine=engine, engines=", ".join(ENGINES))
    if engine == "fiona":
        try:
            import fiona  # noqa: F401
        except ImportError as exc:
            raise missing_dependency("engine='fiona'", "fiona", "fiona") from exc


def _zip_members(path: Path) -> list[str]:
    """Vector datasets inside a zip archive (paths inside it); unsafe names refused."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile as exc:
        raise InputError.of("io.bad_zip", path=path, why=exc) from exc
    members = []
    for name in names:
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts:
            warn(UnsafeZipEntryWarning.of("io.unsafe_zip_entry", name=name, path=path), __name__)
            continue
        if pure.suffix.lower() in _VECTOR_IN_ZIP and not pure.name.startswith("."):
            members.append(name)
    return sorted(members)


def _gdal_path(path: Path, member: str | None, engine: str) -> str:
    if member is None:
        return str(path)
    if engine == "fiona":
        return f"zip://{path.resolve()}!{member}"
    return f"/vsizip/{path.resolve()}/{member}"


def list_layers(path: str | Path, *, engine: str = "pyogrio") -> list[str]:
    """Names of the layers in a dataset (one name for single-layer formats).

    For a zip archive, the vector files inside it are listed (``"parcels/thua.shp"``).
    """
    path = _existing(path)
    _check_engine(engine)
    if path.suffix.lower() in _PARQUET:
        return [path.stem]
    if path.suffix.lower() == ".zip":
        members = _zip_members(path)
        if not members:
            raise InputError.of("io.zip_no_layer", path=path)
        return members
    if path.is_dir() and path.suffix.lower() != ".gdb":
        shapefiles = sorted(p.stem for p in path.iterdir() if p.suffix.lower() == ".shp")
        if shapefiles:
            return shapefiles
        _no_layer_in_folder(path)
    if path.suffix.lower() == ".shp":
        _check_shapefile(path)
    layers = _layers_of(str(path), engine)
    if not layers:
        raise InputError.of("io.no_gdal_layer", path=path)
    return layers


def _layers_of(source: str, engine: str) -> list[str]:
    try:
        if engine == "fiona":
            import fiona

            return list(fiona.listlayers(source))
        import pyogrio

        return [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    except Exception as exc:  # GDAL raises many types; all mean "cannot open"
        raise _gdal_error(source, exc) from exc


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        hint: object = ""
        if path.suffix.lower() == ".shp" and path.with_suffix(".zip").exists():
            hint = LayerNotFoundError.of("io.not_found_zip", name=path.with_suffix(".zip").name)
        raise LayerNotFoundError.of("io.not_found", path=path, hint=hint)
    return path


def read_layer(
    path: str | Path,
    layer: str | None = None,
    *,
    engine: str = "pyogrio",
    crs: object = None,
    encoding: str | None = "auto",
    override_crs: object = None,
    strict: bool = False,
) -> gpd.GeoDataFrame:
    """Read one vector layer into a GeoDataFrame with a 0-based RangeIndex.

    Parameters
    ----------
    path
        A file (``.shp``, ``.zip``, ``.gpkg``, ``.geojson``, ``.parquet``, ``.tab``, …) or
        a FileGDB folder.
    layer
        Layer name (GeoPackage, FileGDB) or file inside a zip; required when there are
        several.
    engine
        ``"pyogrio"`` (default) or ``"fiona"``.
    crs
        CRS to assume when the layer has none (``"EPSG:9209"``). A CRS the layer declares
        is kept (``--crs`` on the command line).
    override_crs
        CRS of the layer whatever it declares (``--plan-crs`` / ``--decisions-crs``): it
        replaces a different declared CRS with a warning and ``attrs["crs_note"]``.
    encoding
        Text encoding of a shapefile's attributes: ``"auto"`` (default) detects it from
        the bytes (UTF-8, Windows-1258, TCVN3/ABC or VNI-Windows; a ``.cpg`` is a hint,
        not trusted blindly); any other name (``"tcvn3"``, ``"vni"``, ``"cp1258"``,
        ``"utf-8"``…) forces it. Text is Unicode NFC. What was used is in
        ``gdf.attrs["encoding"]`` (a :class:`landplan.encodings.Detection`).
    strict
        Raise :class:`~landplan.errors.StrictError` instead of issuing a
        :class:`~landplan.errors.LandplanWarning` (an uncertain encoding, a replaced CRS,
        unreadable records, an unsafe zip entry).

    Raises
    ------
    InputError
        Unreadable file, ambiguous layer, or a layer without a CRS and no ``crs`` given.
    CRSError
        The coordinates do not fit the declared CRS (degrees in a projected layer,
        swapped axes, far from where the CRS is used).
    StrictError
        With ``strict=True``, what would otherwise be a warning.
    MissingDependencyError
        ``engine="fiona"`` without fiona installed.

    Warns
    -----
    TextEncodingWarning
        The encoding was detected with low confidence.
    CRSWarning
        ``override_crs`` replaced a different declared CRS, or a VN-2000 ``.prj``
        without a datum shift, or with the Position Vector ``+towgs84``, was replaced by
        its EPSG CRS (see :func:`landplan.crs.resolve_crs`); the note is also in
        ``gdf.attrs["crs_note"]``.
    UnreadableRecordsWarning
        Records or geometries GDAL cannot read (kept, and flagged by the rules).
    UnsafeZipEntryWarning
        A zip entry with an absolute path or ``..`` (ignored).
    """
    with strict_mode(strict):
        gdf = read_stored(path, layer, engine=engine, encoding=encoding)
        gdf = _assign_crs(gdf, crs, gdf.attrs["source"], override_crs)
        check_coordinates(gdf, gdf.attrs["source"])
    return gdf


def read_stored(path: str | Path, layer: str | None, *, engine: str,
                encoding: str | None) -> gpd.GeoDataFrame:
    """Read the layer as stored: attributes decoded, CRS as declared (may be None)."""
    path = _existing(path)
    _check_engine(engine)
    if path.is_dir() and path.suffix.lower() != ".gdb":
        path, layer = _folder_layer(path, layer)
    source_label = str(path)
    member, dbf = None, False  # dbf: text read byte-for-byte, to be decoded here
    if path.suffix.lower() in _PARQUET:
        try:
            gdf = gpd.read_parquet(path)
        except Exception as exc:
            raise InputError.of("io.geoparquet", path=path, why=exc) from exc
    else:
        if path.suffix.lower() == ".zip":
            member = _chosen_member(path, layer, engine)
            layer = None
            source_label = f"{path}!{member}"
        source = _gdal_path(path, member, engine)
        _check_source(path, member, layer, source, source_label, engine)
        kwargs, dbf = _read_options(path, member, layer, engine, encoding, source_label)
        gdf = _read_gdal(source, kwargs, PurePosixPath(member or path.name).suffix.lower()
                         in _UTF8_FORMATS, engine, source_label)
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputError.of("io.no_geometry", source=source_label)
    problems = gdf.attrs.get("geometry_problems")
    gdf = gdf.reset_index(drop=True)
    if problems:
        gdf.attrs["geometry_problems"] = problems
    gdf.attrs["source"] = source_label
    gdf = _account_for_entries(gdf, path, member, source_label)
    if dbf:
        gdf = _decode_text(gdf, encoding, _declared_encoding(path, member), source_label)
    if gdf.crs is not None:
        resolved, note = resolve_crs(CRS.from_user_input(gdf.crs))
        if note:
            warn(CRSWarning.of("io.crs_note", source=source_label, note=note), __name__)
            gdf = gdf.set_crs(resolved, allow_override=True)
            gdf.attrs["crs_note"] = note
    return gdf


def _folder_layer(path: Path, layer: str | None) -> tuple[Path, str | None]:
    """Return the shapefile to read in a folder given as the layer (and the layer left).

    A folder holding one shapefile, or one named ``layer``, gives that file; a folder without
    shapefiles raises; otherwise the folder is read by GDAL with ``layer``.
    """
    shapefiles = sorted(p for p in path.iterdir() if p.suffix.lower() == ".shp")
    named = [p for p in shapefiles if layer is not None and p.stem == layer]
    if len(named) == 1 or (layer is None and len(shapefiles) == 1):
        path, layer = (named or shapefiles)[0], None  # a folder holding one shapefile
    elif not shapefiles:
        _no_layer_in_folder(path)
    return path, layer


def _chosen_member(path: Path, layer: str | None, engine: str) -> str:
    """Return the layer file to read inside a zip: ``layer``, else its only layer.

    ``layer`` may name a member or its stem in another Unicode form. Raises when the zip
    holds several layers and none is chosen, or not the one asked for.
    """
    members = list_layers(path, engine=engine)
    if layer is None and len(members) > 1:
        raise InputError.of("io.many_members", path=path, count=len(members),
                            layers=", ".join(members))
    if layer is not None and layer not in members:
        wanted = nfc(layer)  # a hint typed in NFC finds a member stored in NFD
        matches = [m for m in members if nfc(m) == wanted] or [
            m for m in members if nfc(PurePosixPath(m).stem) == wanted]
        if len(matches) != 1:
            raise LayerNotFoundError.of("io.no_such_layer", layer=layer, path=path,
                                        layers=", ".join(members))
        layer = matches[0]
    return layer or members[0]


def _check_source(path: Path, member: str | None, layer: str | None, source: str,
                  source_label: str, engine: str) -> None:
    """Check a source before GDAL reads it: a shapefile's files, and the layer chosen.

    Raises when a shapefile is broken, or when a multi-layer source has several layers and
    none is chosen, or not the one asked for.
    """
    if member is None and path.suffix.lower() == ".shp":
        _check_shapefile(path)
    if member is not None and member.lower().endswith(".shp"):
        _check_zipped_shapefile(path, member)
    if member is None or not member.lower().endswith(".shp"):
        layers = _layers_of(source, engine)
        if layer is None and len(layers) > 1:
            raise InputError.of("io.many_layers", path=source_label, count=len(layers),
                                layers=", ".join(layers))
        if layer is not None and layer not in layers:
            raise LayerNotFoundError.of("io.no_such_layer", layer=layer, path=source_label,
                                        layers=", ".join(layers))


def _read_options(path: Path, member: str | None, layer: str | None, engine: str,
                  encoding: str | None, source_label: str) -> tuple[dict[str, object], bool]:
    """Return the options of ``geopandas.read_file`` for a source, and whether it is a DBF.

    A DBF's text (with ``encoding`` not None) is read byte-for-byte, to be decoded by
    :func:`read_stored`; a CSV gets the options of its WKT column.
    """
    kwargs: dict[str, object] = {"engine": engine}
    if layer is not None:
        kwargs["layer"] = layer
    dbf = encoding is not None and (member or path.name).lower().endswith((".shp", ".dbf"))
    if dbf:
        kwargs["encoding"] = "ISO-8859-1"  # one character per byte; decoded below
    elif encoding not in (None, "auto"):
        kwargs["encoding"] = encoding
    if (member or path.name).lower().endswith(".csv"):
        kwargs.update(_csv_geometry_options(path, source_label))
    return kwargs, dbf


def _read_gdal(source: str, kwargs: dict[str, object], arrow: bool, engine: str,
               source_label: str) -> gpd.GeoDataFrame:
    """Read a source with GDAL (:func:`_read_file`); failures become :class:`InputError`.

    With pyogrio, a layer some of whose geometries GEOS refuses is read by
    :func:`_read_tolerant`.
    """
    try:
        return _read_file(source, kwargs, arrow=arrow)
    except shapely.errors.GEOSException as exc:
        if engine != "pyogrio":
            raise _gdal_error(source_label, exc) from exc
        return _read_tolerant(source, kwargs, source_label)
    except Exception as exc:
        raise _gdal_error(source_label, exc) from exc


def _read_file(source: str, kwargs: dict[str, object], *, arrow: bool) -> gpd.GeoDataFrame:
    """Call ``geopandas.read_file``, through Arrow where that is safe.

    Through Arrow with pyogrio (2–3× faster) for formats whose text is UTF-8 by definition
    (``arrow``), falling back to the plain reader if Arrow fails.
    """
    if arrow and kwargs.get("engine") == "pyogrio" and "encoding" not in kwargs:
        try:
            return gpd.read_file(source, use_arrow=True, **kwargs)
        except Exception:  # an Arrow-specific failure: the plain reader decides
            log.debug("Arrow read of %s failed; reading without Arrow", source)
    return gpd.read_file(source, **kwargs)




def _gdal_error(label: str, exc: BaseException) -> InputError:
    """Return landplan's own error for a GDAL (or GEOS) failure to open or read ``label``.

    It says what is wrong, where, and how to fix it. GDAL's text is kept only as a last
    detail when the failure is not one landplan knows.
    """
    text = str(exc).strip()
    low = text.lower()
    if ".shx" in low and ("unable to open" in low or "shape_restore_shx" in low):
        key = "shx"
    elif ".dbf" in low and "unable to open" in low:
        key = "dbf"
    elif "json" in low:
        key = "json"
    elif ("not recognized as" in low or "not a supported" in low or "unsupported" in low
            or "failed to open dataset" in low):
        key = "format"
    elif "permission denied" in low:
        key = "permission"
    elif "no such file" in low or "does not exist" in low:
        key = "not_found"
    elif isinstance(exc, shapely.errors.GEOSException):
        return InputError.of("io.gdal.geometry", source=label, why=text)
    else:
        return InputError.of("io.gdal.other", source=label, why=text)
    return InputError.of(f"io.gdal.{key}", source=label)


def _no_layer_in_folder(path: Path) -> None:
    """Stop on a folder given as a layer that holds no shapefile (nor is a FileGDB)."""
    if any(p.suffix.lower() == ".gdbtable" for p in path.iterdir()):
        return  # a FileGDB folder without the .gdb suffix: GDAL opens it
    names = sorted(p.name for p in path.iterdir())
    shown = ", ".join(names[:8]) + (f", … ({len(names)} in all)" if len(names) > 8 else "")
    raise InputError.of("io.folder_no_layer", path=path,
                        shown=shown or InputError.of("io.nothing"))


def _zip_sibling(names: list[str], member: str, suffix: str) -> str | None:
    """Find the entry beside ``member`` in a zip with ``suffix``, in any case and Unicode form."""
    stem = nfc(str(PurePosixPath(member).with_suffix(""))).lower()
    for name in names:
        pure = PurePosixPath(name)
        if pure.suffix.lower() == suffix and nfc(str(pure.with_suffix(""))).lower() == stem:
            return name
    return None


def _check_zipped_shapefile(path: Path, member: str) -> None:
    """Check that a shapefile inside a zip has its .shx and .dbf in the same folder of the zip."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    for suffix, what in ((".shx", "io.shx_what"), (".dbf", "io.dbf_what")):
        if _zip_sibling(names, member, suffix) is None:
            raise InputError.of("io.zip_part_missing", path=path, member=member,
                                name=PurePosixPath(member).with_suffix(suffix).name,
                                what=InputError.of(what))


def _read_tolerant(source: str, kwargs: dict[str, object], label: str) -> gpd.GeoDataFrame:
    """Read a layer some of whose geometries GEOS refuses (an unclosed ring in a GeoPackage).

    Those records get no geometry, and ``attrs["geometry_problems"]`` says which and why.
    """
    import pyogrio

    gdf = gpd.read_file(source, on_invalid="ignore", **kwargs)
    _, _, wkb, _ = pyogrio.raw.read(source, layer=kwargs.get("layer"), columns=[])
    wkb = np.asarray(wkb, dtype=object)
    parsed = shapely.from_wkb(wkb, on_invalid="ignore")
    bad = np.flatnonzero(~pd.isna(wkb) & shapely.is_missing(parsed))
    problems = {}
    for row in bad:  # only the broken records, to say what is wrong with each
        try:
            shapely.from_wkb(wkb[row])
            reason = "geometry that cannot be read"
        except shapely.errors.GEOSException as exc:
            reason = str(exc).split(":", 1)[-1].strip()
        if "closed linestring" in reason:
            reason = "a ring that is not closed (its last point is not its first)"
        problems[int(row)] = f"unreadable geometry: {reason}"
    if problems:
        shown = ", ".join(str(r) for r in list(problems)[:10])
        key = "io.unreadable_geometries" if len(problems) > 1 else "io.unreadable_geometry"
        warn(UnreadableRecordsWarning.of(key, source=label, count=len(problems), shown=shown),
             __name__)
    gdf.attrs["geometry_problems"] = problems
    return gdf


_GEOJSON_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon", "GeometryCollection"}
_GEOJSON_MAX_BYTES = 512 * 1024 * 1024  # above this the features are not re-counted


def _entry_problem(entry: object) -> str | None:
    """Why GDAL skips a ``features`` entry of a GeoJSON (None when it reads it)."""
    if not isinstance(entry, dict):
        return f"not a JSON object but {json.dumps(entry, ensure_ascii=False)[:40]}"
    kind = entry.get("type")
    if kind == "Feature":
        return None
    if kind is None:
        return 'a feature without "type": "Feature"'
    if kind in _GEOJSON_TYPES:
        return f'a bare {kind} geometry, not a Feature with "geometry" and "properties"'
    return f'"type": {json.dumps(kind, ensure_ascii=False)[:40]} instead of "Feature"'


def _geojson_entries(path: Path, member: str | None) -> tuple[int, dict[int, str]] | None:
    """How many entries a GeoJSON's ``features`` array holds, and why GDAL skips some."""
    try:
        if member is None:
            if path.stat().st_size > _GEOJSON_MAX_BYTES:
                return None
            data = path.read_bytes()
        else:
            with zipfile.ZipFile(path) as archive:
                if archive.getinfo(member).file_size > _GEOJSON_MAX_BYTES:
                    return None
                data = archive.read(member)
        doc = json.loads(data)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    features = doc.get("features") if isinstance(doc, dict) else None
    if doc.get("type") != "FeatureCollection" or not isinstance(features, list):
        return None
    problems = {i: p for i, p in enumerate(map(_entry_problem, features)) if p is not None}
    return len(features), problems


def _dbf_entries(path: Path, member: str | None) -> tuple[int, dict[int, str]] | None:
    """Count the records a shapefile's .dbf holds, and find those marked deleted (``*``).

    GDAL does not return those.
    """
    try:
        if member is None:
            dbf = _sidecar(path, ".dbf")
            if dbf is None:
                return None
            with open(dbf, "rb") as f:
                header = f.read(12)
            size = dbf.stat().st_size
        else:
            with zipfile.ZipFile(path) as archive:
                name = _zip_sibling(archive.namelist(), member, ".dbf")
                if name is None:
                    return None
                raw = archive.read(name)
            header, size = raw[:12], len(raw)
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    if len(header) < 12:
        return None
    n = int.from_bytes(header[4:8], "little")
    start, width = int.from_bytes(header[8:10], "little"), int.from_bytes(header[10:12], "little")
    if n == 0 or width == 0 or start + n * width > size:
        return None  # empty, or truncated (the reader reports that)
    if member is None:
        flags = np.asarray(np.memmap(dbf, dtype=np.uint8, mode="r", offset=start,
                                     shape=(n * width,))[::width])
    else:
        flags = np.frombuffer(raw, dtype=np.uint8, count=n * width, offset=start)[::width]
    return n, {int(i): "the record is marked deleted (*) in the .dbf"
               for i in np.flatnonzero(flags == 0x2A)}


def _account_for_entries(gdf: gpd.GeoDataFrame, path: Path, member: str | None,
                         label: str) -> gpd.GeoDataFrame:
    """Give every entry the file holds a row, at its position in the file.

    Also those GDAL does not return (deleted DBF records, GeoJSON entries that are not
    Features): those become rows without attributes or geometry, listed in
    ``attrs["unreadable"]`` ({row: why}).
    """
    suffix = PurePosixPath(member or path.name).suffix.lower()
    if suffix == ".shp":
        entries = _dbf_entries(path, member)
    elif suffix in (".geojson", ".json"):
        entries = _geojson_entries(path, member)
    else:
        return gdf
    if entries is None:
        return gdf
    total, missing = entries
    if not missing or len(gdf) == total:
        return gdf
    if len(gdf) != total - len(missing):
        raise InputError.of("io.entries_mismatch", source=label, total=total,
                            missing=len(missing), entry=next(iter(missing)),
                            why=next(iter(missing.values())), returned=len(gdf))
    kept = np.setdiff1d(np.arange(total), np.fromiter(missing, dtype=np.int64))
    attrs = dict(gdf.attrs)
    out = gdf.set_axis(kept).reindex(np.arange(total))
    rows = np.fromiter(missing, dtype=np.int64)
    for column in out.columns:
        if column != out.geometry.name and is_text(out[column]):
            values = out[column].astype(object)
            values.iloc[rows] = None  # blank, not NaN
            out[column] = values
    out.attrs = attrs
    problems = attrs.get("geometry_problems")
    if problems:
        out.attrs["geometry_problems"] = {int(kept[r]): n for r, n in problems.items()}
    out.attrs["unreadable"] = missing
    shown = ", ".join(str(i) for i in list(missing)[:10])
    more = ", …" if len(missing) > 10 else ""
    warn(UnreadableRecordsWarning.of("io.unreadable_entries", source=label,
                                     missing=len(missing), total=total, shown=shown + more),
         __name__)
    return out


def _csv_geometry_options(path: Path, label: str) -> dict[str, str]:
    """Return GDAL's open options for a CSV: its WKT column (names in ``aliases.toml [csv]``).

    Point coordinates (x/y columns) are refused: parcels and zones are polygons.
    """
    import csv

    from ._text import name_key

    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f), [])
    except (OSError, UnicodeError, csv.Error):
        return {}
    names = load_toml("aliases.toml")["csv"]
    keys = {name_key(col): col for col in header}

    def find(role: str) -> str | None:
        return next((keys[k] for k in map(name_key, names[role]) if k in keys), None)

    wkt = find("wkt")
    if wkt is not None:
        return {"GEOM_POSSIBLE_NAMES": wkt, "KEEP_GEOM_COLUMNS": "NO"}
    x, y = find("x"), find("y")
    if x is not None and y is not None:
        raise InputError.of("io.points", source=label, x=x, y=y)
    return {}


def _sidecar(path: Path, suffix: str) -> Path | None:
    """Find the file beside a shapefile with ``suffix`` in either case, if present."""
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.exists():
            return candidate
    return None


def _check_shapefile(path: Path) -> None:
    """Catch the broken shapefiles GDAL reads silently.

    Empty or truncated ``.shp``, no ``.dbf``, or a ``.dbf`` with a different number of
    records than the ``.shx``.
    """
    fix = InputError.of("io.export_again")
    size = path.stat().st_size
    if size == 0:
        raise InputError.of("io.shp_empty", path=path, fix=fix)
    with open(path, "rb") as f:
        header = f.read(100)
    if len(header) < 100 or int.from_bytes(header[:4], "big") != 9994:
        raise InputError.of("io.shp_header", path=path, fix=fix)
    declared = int.from_bytes(header[24:28], "big") * 2
    if size < declared:
        raise InputError.of("io.shp_truncated", path=path, declared=f"{declared:,}",
                            size=f"{size:,}", fix=fix)
    dbf = _sidecar(path, ".dbf")
    if dbf is None:
        raise InputError.of("io.dbf_missing", name=path.with_suffix(".dbf").name, path=path,
                            fix=fix)
    shx = _sidecar(path, ".shx")
    if shx is None:
        raise InputError.of("io.shx_missing", name=path.with_suffix(".shx").name, path=path)
    with open(dbf, "rb") as f:
        dbf_header = f.read(12)
    if len(dbf_header) >= 8:
        records = int.from_bytes(dbf_header[4:8], "little")
        shapes = max(shx.stat().st_size - 100, 0) // 8
        if records != shapes:
            short = shx.name if records > shapes else dbf.name
            raise InputError.of("io.dbf_shx_count", path=path, dbf=dbf.name, records=records,
                                shx=shx.name, shapes=shapes, short=short, fix=fix)


def _declared_encoding(path: Path, member: str | None) -> str | None:
    """Return what a shapefile's .cpg says, if there is one."""
    try:
        if member is None:
            cpg = _sidecar(path, ".cpg")
            text = cpg.read_bytes() if cpg is not None else None
        else:
            with zipfile.ZipFile(path) as archive:
                name = str(PurePosixPath(member).with_suffix(".cpg"))
                text = archive.read(name) if name in archive.namelist() else None
    except OSError:
        return None
    if not text:
        return None
    value = text.decode("ascii", "replace").strip()
    return value or None


def is_text(values: pd.Series) -> bool:
    """Whether a column holds text (object or string dtype)."""
    return values.dtype == object or pd.api.types.is_string_dtype(values.dtype)


def _decode_text(gdf: gpd.GeoDataFrame, encoding: str, declared: str | None,
                 label: str) -> gpd.GeoDataFrame:
    """Decode a shapefile read byte-for-byte (ISO-8859-1): names and text cells."""
    geometry = gdf.geometry.name
    text_columns = [c for c in gdf.columns if c != geometry and is_text(gdf[c])]
    if encoding == "auto":
        samples = sorted({str(c).encode("latin-1") for c in gdf.columns if c != geometry})
        for column in text_columns:
            values = gdf[column].dropna().unique()
            samples.extend(sorted(str(v).encode("latin-1", "replace") for v in values))
        detection = detect_encoding(samples, declared=declared)
        log.info("%s: text encoding %s (confidence %.2f): %s", label, detection.encoding,
                 detection.confidence, detection.reason)
        if detection.confidence < 0.5:
            warn(TextEncodingWarning.of("io.encoding_uncertain", source=label,
                                        encoding=detection.encoding, reason=detection.reason),
                 __name__)
    else:
        detection = Detection(encoding=encoding, confidence=1.0,
                              reason=f"given by the user ({encoding})", scores={})
    used = "utf-8" if detection.encoding == "ascii" else detection.encoding
    if canonical(used) is not None:
        def convert(text: str) -> str:
            return transcode(text, used)
    else:  # another Python codec the user named (cp1252, latin-1, …)
        try:
            codecs.lookup(used)
        except LookupError as exc:
            raise InputError.of("io.unknown_encoding", encoding=used, source=label) from exc

        def convert(text: str) -> str:
            return nfc(text.encode("latin-1").decode(used))

    def decode(value: object) -> object:
        return convert(value) if isinstance(value, str) else value

    try:
        out = gdf.rename(columns={c: decode(c) for c in gdf.columns if c != geometry})
        for column in text_columns:
            out[decode(column)] = per_distinct(out[decode(column)], decode)
    except (UnicodeError, LookupError, InputError) as exc:
        raise InputError.of("io.cannot_decode", source=label, encoding=used, why=exc) from exc
    out.attrs = dict(gdf.attrs)
    out.attrs["encoding"] = detection
    out.attrs["encoding_declared"] = declared
    return out


def _assign_crs(gdf: gpd.GeoDataFrame, crs: object, label: str,
                override_crs: object = None) -> gpd.GeoDataFrame:
    """Set ``crs`` on a layer that declares none, and ``override_crs`` in any case.

    A note is added when ``override_crs`` replaces a different declared CRS.
    """
    if override_crs is not None:
        wanted = parse_crs(override_crs, what=Text("crs.given_for", source=label))
        if gdf.crs is None:
            gdf.attrs["crs_assumed"] = wanted.name
        elif not CRS.from_user_input(gdf.crs).equals(wanted):
            note = Text("io.crs_replaced", declared=gdf.crs.name, wanted=wanted.name)
            warn(CRSWarning.of("io.crs_note", source=label, note=note), __name__)
            gdf.attrs["crs_note"] = note
        return gdf.set_crs(wanted, allow_override=True)
    if crs is not None:
        wanted = parse_crs(crs, what=Text("crs.given_for", source=label))
        if gdf.crs is None:
            gdf.attrs["crs_assumed"] = wanted.name
            return gdf.set_crs(wanted)
        if not CRS.from_user_input(gdf.crs).equals(wanted):
            log.info("%s declares %s: kept; --crs %s is only for layers without a CRS "
                     "(--plan-crs / --decisions-crs replace a declared one)", label,
                     gdf.crs.name, wanted.name)
        return gdf
    if gdf.crs is None:
        raise CRSError.of("io.no_crs", source=label)
    return gdf


def _check_kind(raw: gpd.GeoDataFrame, wanted: str, columns: Mapping[str, str] | None) -> None:
    """Stop when a layer given as the plan or the decisions is another kind of layer.

    For example the two swapped, or projects given as decisions…; the message is English,
    and Vietnamese with ``localized("vi")`` (as the command line prints it).
    """
    attributes = [str(c) for c in raw.columns if c != raw.geometry.name]
    if len(raw) == 0:
        return
    kind, evidence = layer_kind(attributes, columns if wanted == "decisions" else None)
    if wanted == "plan":
        wrong = kind in ("decisions", "projects", "corridors") and kind in evidence
    else:
        wrong = kind in ("plan", "projects", "corridors")
    if not wrong or kind is None:
        return
    source = raw.attrs.get("source", "the layer")

    def say(lang: str) -> str:
        t = labels("layer_kind", lang)
        if kind in evidence:
            why = t["has"].format(evidence=", ".join(
                f"{col} ({role})" for role, col in evidence[kind].items()))
        else:
            code = match_columns(attributes, column_aliases("plan")).get("land_use")
            why = t["only_code"].format(column=code)
        return t[f"not_{wanted}"].format(source=source, kind=t[kind], why=why)

    raise InputError.of("said", text=Said(say))


def _loader(normalize: Callable[..., gpd.GeoDataFrame], name: str, doc: str, what: str,
            kind: str | None = None) -> Callable[..., gpd.GeoDataFrame]:
    """Make a ``load_*`` function: :func:`read_layer`, then ``normalize``.

    ``what`` names its steps (``read_<what>``, ``normalise_<what>``); ``kind`` is the kind
    of layer expected (:func:`_check_kind`), if it is checked.
    """

    def load(
        path: str | Path,
        layer: str | None = None,
        *,
        columns: Mapping[str, str] | None = None,
        crs: object = None,
        engine: str = "pyogrio",
        encoding: str | None = "auto",
        override_crs: object = None,
        strict: bool = False,
    ) -> gpd.GeoDataFrame:
        with strict_mode(strict):
            with step(f"read_{what}") as reading:
                raw = read_layer(path, layer, engine=engine, crs=crs, encoding=encoding,
                                 override_crs=override_crs)
                reading.count, reading.note = len(raw), f"{len(raw):,} features"
            if kind is not None:
                _check_kind(raw, kind, columns)
            with step(f"normalise_{what}", count=len(raw)):
                return normalize(raw, columns=columns)

    load.__name__ = load.__qualname__ = name
    load.__doc__ = doc + """

    Parameters
    ----------
    path, layer, crs, engine, encoding, override_crs, strict
        As for :func:`read_layer`: with ``strict=True`` what would be a
        :class:`~landplan.errors.LandplanWarning` raises
        :class:`~landplan.errors.StrictError`.
    columns
        ``{role: column}`` where the defaults and Vietnamese aliases do not find a column,
        e.g. ``{"land_use": "MDSD_MOI"}``.
    """
    return load


load_plan = _loader(normalize_plan, "load_plan", """Read and normalise a plan layer (zoning
    polygons with a planned land-use code; see :func:`landplan.schema.normalize_plan`). A
    layer of decisions, projects or corridors is refused (were --plan and --decisions
    swapped?).""", "plan", "plan")
load_decisions = _loader(normalize_decisions, "load_decisions", """Read and normalise a
    decisions layer (one parcel per decision; see
    :func:`landplan.schema.normalize_decisions`). A plan, projects or corridors layer is
    refused (see :func:`landplan.schema.layer_kind`).""", "decisions", "decisions")
load_projects = _loader(normalize_projects, "load_projects", """Read and normalise the annual
    land-use plan's projects (polygons with a project name, a year and a purpose code:
    ``ten_da``, ``nam``, ``maloaidat``).""", "projects")
load_corridors = _loader(normalize_corridors, "load_corridors", """Read and normalise a
    restriction-corridor layer (dyke, road, heritage, defence…): a name, a kind of
    restriction and the land-use codes allowed inside (``ten``, ``loai``, ``cho_phep``).""",
    "corridors")
