"""Reading vector layers: Shapefile (also zipped), GeoPackage, GeoJSON, GeoParquet,
FileGDB, MapInfo TAB and anything else GDAL reads.

pyogrio is the default engine; ``engine="fiona"`` uses fiona instead. Paths are only
read, never written. Errors say which file, what is wrong and how to fix it.
"""

from __future__ import annotations

import codecs
import logging
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from ._distinct import per_distinct
from ._text import nfc
from .crs import check_coordinates, parse_crs, resolve_crs
from .encodings import Detection, canonical, detect_encoding, transcode
from .errors import CRSError, InputError, LayerNotFoundError
from .schema import (
    normalize_corridors,
    normalize_decisions,
    normalize_plan,
    normalize_projects,
)

__all__ = ["ENGINES", "list_layers", "load_corridors", "load_decisions", "load_plan",
           "load_projects", "read_layer"]

log = logging.getLogger(__name__)

ENGINES = ("pyogrio", "fiona")
_PARQUET = {".parquet", ".geoparquet"}
_UTF8_FORMATS = {".gpkg", ".geojson", ".json", ".fgb", ".gdb"}  # text is UTF-8 by the spec
_VECTOR_IN_ZIP = {".shp", ".gpkg", ".geojson", ".json", ".tab", ".kml", ".fgb"}


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise InputError(f"Unknown engine '{engine}'; use one of {', '.join(ENGINES)}.")
    if engine == "fiona":
        try:
            import fiona  # noqa: F401
        except ImportError as exc:
            raise InputError(
                "engine='fiona' needs fiona: pip install 'landplan[fiona]'"
            ) from exc


def _zip_members(path: Path) -> list[str]:
    """Vector datasets inside a zip archive (paths inside it); unsafe names refused."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path} is not a readable zip archive ({exc}).") from exc
    members = []
    for name in names:
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts:
            log.warning("Ignoring unsafe entry %r in %s", name, path)
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
            raise InputError(f"{path} contains no vector layer (.shp, .gpkg, .geojson, .tab).")
        return members
    return _layers_of(str(path), engine)


def _layers_of(source: str, engine: str) -> list[str]:
    try:
        if engine == "fiona":
            import fiona

            return list(fiona.listlayers(source))
        import pyogrio

        return [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    except Exception as exc:  # GDAL raises many types; all mean "cannot open"
        raise InputError(f"Cannot open {source}: {exc}. Is it a vector GIS file?") from exc


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        hint = ""
        if path.suffix.lower() == ".shp" and path.with_suffix(".zip").exists():
            hint = f" (found {path.with_suffix('.zip').name}: pass that instead)"
        raise LayerNotFoundError(f"Input not found: {path}{hint}.")
    return path


def read_layer(
    path: str | Path,
    layer: str | None = None,
    *,
    engine: str = "pyogrio",
    crs: object = None,
    encoding: str | None = "auto",
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
        CRS to assume when the layer has none (``"EPSG:9209"``). If the layer has a
        different CRS, ``crs`` wins and a warning is logged.
    encoding
        Text encoding of a shapefile's attributes: ``"auto"`` (default) detects it from
        the bytes (UTF-8, Windows-1258, TCVN3/ABC or VNI-Windows; a ``.cpg`` is a hint,
        not trusted blindly); any other name (``"tcvn3"``, ``"vni"``, ``"cp1258"``,
        ``"utf-8"``…) forces it. Text is Unicode NFC. What was used is in
        ``gdf.attrs["encoding"]`` (a :class:`landplan.encodings.Detection`).

    Raises
    ------
    InputError
        Unreadable file, ambiguous layer, or a layer without a CRS and no ``crs`` given.
    CRSError
        The coordinates do not fit the declared CRS (degrees in a projected layer,
        swapped axes, far from where the CRS is used).

    Notes
    -----
    A VN-2000 ``.prj`` without a datum shift, or with the Position Vector ``+towgs84``,
    is replaced by its EPSG CRS (see :func:`landplan.crs.resolve_crs`); the note is in
    ``gdf.attrs["crs_note"]`` and logged.
    """
    gdf = _read(path, layer, engine=engine, encoding=encoding)
    gdf = _assign_crs(gdf, crs, gdf.attrs["source"])
    check_coordinates(gdf, gdf.attrs["source"])
    return gdf


def _read(path: str | Path, layer: str | None, *, engine: str,
          encoding: str | None) -> gpd.GeoDataFrame:
    """The layer as stored: attributes decoded, CRS as declared (may be None)."""
    path = _existing(path)
    _check_engine(engine)
    if path.is_dir() and path.suffix.lower() != ".gdb":
        shapefiles = sorted(path.glob("*.shp"))
        named = [p for p in shapefiles if layer is not None and p.stem == layer]
        if len(named) == 1 or (layer is None and len(shapefiles) == 1):
            path, layer = (named or shapefiles)[0], None  # a folder holding one shapefile
    source_label = str(path)
    member, dbf = None, False  # dbf: text read byte-for-byte, to be decoded here
    if path.suffix.lower() in _PARQUET:
        try:
            gdf = gpd.read_parquet(path)
        except Exception as exc:
            raise InputError(f"Cannot read GeoParquet {path}: {exc}") from exc
    else:
        if path.suffix.lower() == ".zip":
            members = list_layers(path, engine=engine)
            if layer is None and len(members) > 1:
                raise InputError(
                    f"{path} holds {len(members)} layers: {', '.join(members)}. "
                    "Choose one with --decisions-layer NAME or --plan-layer NAME "
                    "(layer=NAME in Python)."
                )
            if layer is not None and layer not in members:
                matches = [m for m in members if PurePosixPath(m).stem == layer]
                if len(matches) != 1:
                    raise LayerNotFoundError(
                        f"Layer '{layer}' not in {path}; it holds: {', '.join(members)}."
                    )
                layer = matches[0]
            member = layer or members[0]
            layer = None
            source_label = f"{path}!{member}"
        source = _gdal_path(path, member, engine)
        if member is None and path.suffix.lower() == ".shp":
            _check_shapefile(path)
        if member is None or not member.lower().endswith(".shp"):
            layers = _layers_of(source, engine)
            if layer is None and len(layers) > 1:
                raise InputError(
                    f"{source_label} holds {len(layers)} layers: {', '.join(layers)}. "
                    "Choose one with --plan-layer/--decisions-layer (layer=NAME)."
                )
            if layer is not None and layer not in layers:
                raise LayerNotFoundError(
                    f"Layer '{layer}' not in {source_label}; it holds: {', '.join(layers)}."
                )
        kwargs: dict[str, object] = {"engine": engine}
        if layer is not None:
            kwargs["layer"] = layer
        dbf = encoding is not None and (member or path.name).lower().endswith((".shp", ".dbf"))
        if dbf:
            kwargs["encoding"] = "ISO-8859-1"  # one character per byte; decoded below
        elif encoding not in (None, "auto"):
            kwargs["encoding"] = encoding
        try:
            gdf = _read_file(source, kwargs, arrow=PurePosixPath(member or path.name).suffix
                             .lower() in _UTF8_FORMATS)
        except Exception as exc:
            raise InputError(
                f"Cannot read {source_label}: {exc}. Check that all parts of the layer "
                "(.shp, .shx, .dbf, .prj) are present and not truncated."
            ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputError(f"{source_label} has no geometry column; it is a table, not a layer.")
    gdf = gdf.reset_index(drop=True)
    gdf.attrs["source"] = source_label
    if dbf:
        gdf = _decode_text(gdf, encoding, _declared_encoding(path, member), source_label)
    if gdf.crs is not None:
        resolved, note = resolve_crs(CRS.from_user_input(gdf.crs))
        if note:
            log.warning("%s: %s", source_label, note)
            gdf = gdf.set_crs(resolved, allow_override=True)
            gdf.attrs["crs_note"] = note
    return gdf


def _read_file(source: str, kwargs: dict[str, object], *, arrow: bool) -> gpd.GeoDataFrame:
    """``geopandas.read_file``; through Arrow with pyogrio (2–3× faster) for formats whose
    text is UTF-8 by definition (``arrow``), falling back to the plain reader if Arrow
    fails."""
    if arrow and kwargs.get("engine") == "pyogrio" and "encoding" not in kwargs:
        try:
            return gpd.read_file(source, use_arrow=True, **kwargs)
        except Exception:  # an Arrow-specific failure: the plain reader decides
            log.debug("Arrow read of %s failed; reading without Arrow", source)
    return gpd.read_file(source, **kwargs)


def _sidecar(path: Path, suffix: str) -> Path | None:
    """The file beside a shapefile with ``suffix`` in either case, if present."""
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.exists():
            return candidate
    return None


def _check_shapefile(path: Path) -> None:
    """Catch the broken shapefiles GDAL reads silently: empty or truncated ``.shp``, no
    ``.dbf``, or a ``.dbf`` with a different number of records than the ``.shx``."""
    fix = "Export the layer again from the cadastral software (all of .shp, .shx, .dbf, .prj)."
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path} is empty (0 bytes). {fix}")
    with open(path, "rb") as f:
        header = f.read(100)
    if len(header) < 100 or int.from_bytes(header[:4], "big") != 9994:
        raise InputError(f"{path} is not a shapefile (bad header). {fix}")
    declared = int.from_bytes(header[24:28], "big") * 2
    if size < declared:
        raise InputError(f"{path} is truncated: its header says {declared:,} bytes, the file "
                         f"has {size:,}. {fix}")
    dbf = _sidecar(path, ".dbf")
    if dbf is None:
        raise InputError(f"{path.with_suffix('.dbf').name} is missing beside {path}: the "
                         f"attributes (decision numbers, codes) are in it. {fix}")
    shx = _sidecar(path, ".shx")
    with open(dbf, "rb") as f:
        dbf_header = f.read(12)
    if shx is not None and len(dbf_header) >= 8:
        records = int.from_bytes(dbf_header[4:8], "little")
        shapes = max(shx.stat().st_size - 100, 0) // 8
        if records != shapes:
            short = shx.name if records > shapes else dbf.name
            raise InputError(f"{path}: {dbf.name} holds {records:,} records but {shx.name} "
                             f"{shapes:,} shapes: {short} is incomplete. {fix}")


def _declared_encoding(path: Path, member: str | None) -> str | None:
    """What a shapefile's .cpg says, if there is one."""
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


def _is_text(values: pd.Series) -> bool:
    return values.dtype == object or pd.api.types.is_string_dtype(values.dtype)


def _decode_text(gdf: gpd.GeoDataFrame, encoding: str, declared: str | None,
                 label: str) -> gpd.GeoDataFrame:
    """Decode a shapefile read byte-for-byte (ISO-8859-1): names and text cells."""
    geometry = gdf.geometry.name
    text_columns = [c for c in gdf.columns if c != geometry and _is_text(gdf[c])]
    if encoding == "auto":
        samples = sorted({str(c).encode("latin-1") for c in gdf.columns if c != geometry})
        for column in text_columns:
            values = gdf[column].dropna().unique()
            samples.extend(sorted(str(v).encode("latin-1", "replace") for v in values))
        detection = detect_encoding(samples, declared=declared)
        log.info("%s: text encoding %s (confidence %.2f): %s", label, detection.encoding,
                 detection.confidence, detection.reason)
        if detection.confidence < 0.5:
            log.warning("%s: text encoding uncertain, read as %s (%s). If names look wrong, "
                        "give the encoding (--encoding tcvn3|vni|cp1258|utf-8).", label,
                        detection.encoding, detection.reason)
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
            raise InputError(f"Unknown text encoding '{used}' for {label}; use auto, utf-8, "
                             "cp1258, tcvn3 or vni (or any Python codec name).") from exc

        def convert(text: str) -> str:
            return nfc(text.encode("latin-1").decode(used))

    def decode(value: object) -> object:
        return convert(value) if isinstance(value, str) else value

    try:
        out = gdf.rename(columns={c: decode(c) for c in gdf.columns if c != geometry})
        for column in text_columns:
            out[decode(column)] = per_distinct(out[decode(column)], decode)
    except (UnicodeError, LookupError, InputError) as exc:
        raise InputError(
            f"{label}: the text cannot be read as {used} ({exc}). Give the right encoding: "
            "--encoding tcvn3, vni, cp1258 or utf-8 (encoding=... in Python)."
        ) from exc
    out.attrs = dict(gdf.attrs)
    out.attrs["encoding"] = detection
    out.attrs["encoding_declared"] = declared
    return out


def _assign_crs(gdf: gpd.GeoDataFrame, crs: object, label: str) -> gpd.GeoDataFrame:
    if crs is not None:
        wanted = parse_crs(crs, what=f"CRS given for {label}")
        if gdf.crs is not None and not CRS.from_user_input(gdf.crs).equals(wanted):
            log.warning("%s declares %s; using the given %s instead", label, gdf.crs.name,
                        wanted.name)
        if gdf.crs is None:
            gdf.attrs["crs_assumed"] = wanted.name
        return gdf.set_crs(wanted, allow_override=True)
    if gdf.crs is None:
        raise CRSError(
            f"{label} has no coordinate reference system (no .prj or CRS metadata). "
            "Say which one it is, e.g. --crs EPSG:9209 for VN-2000 / TM-3 105-30 (Hải Dương), "
            "or crs='EPSG:9209' in Python."
        )
    return gdf


def _loader(normalize: Callable[..., gpd.GeoDataFrame], name: str,
            doc: str) -> Callable[..., gpd.GeoDataFrame]:
    """A ``load_*`` function: :func:`read_layer`, then ``normalize``."""

    def load(
        path: str | Path,
        layer: str | None = None,
        *,
        columns: Mapping[str, str] | None = None,
        crs: object = None,
        engine: str = "pyogrio",
        encoding: str | None = "auto",
    ) -> gpd.GeoDataFrame:
        raw = read_layer(path, layer, engine=engine, crs=crs, encoding=encoding)
        return normalize(raw, columns=columns)

    load.__name__ = load.__qualname__ = name
    load.__doc__ = doc + """

    Parameters
    ----------
    path, layer, crs, engine, encoding
        As for :func:`read_layer`.
    columns
        ``{role: column}`` where the defaults and Vietnamese aliases do not find a column,
        e.g. ``{"land_use": "MDSD_MOI"}``.
    """
    return load


load_plan = _loader(normalize_plan, "load_plan", """Read and normalise a plan layer (zoning
    polygons with a planned land-use code; see :func:`landplan.schema.normalize_plan`).""")
load_decisions = _loader(normalize_decisions, "load_decisions", """Read and normalise a
    decisions layer (one parcel per decision; see
    :func:`landplan.schema.normalize_decisions`).""")
load_projects = _loader(normalize_projects, "load_projects", """Read and normalise the annual
    land-use plan's projects (polygons with a project name, a year and a purpose code:
    ``ten_da``, ``nam``, ``maloaidat``).""")
load_corridors = _loader(normalize_corridors, "load_corridors", """Read and normalise a
    restriction-corridor layer (dyke, road, heritage, defence…): a name, a kind of
    restriction and the land-use codes allowed inside (``ten``, ``loai``, ``cho_phep``).""")
