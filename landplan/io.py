"""Reading vector layers: Shapefile (also zipped), GeoPackage, GeoJSON, GeoParquet,
FileGDB, MapInfo TAB and anything else GDAL reads.

pyogrio is the default engine; ``engine="fiona"`` uses fiona instead. Paths are only
read, never written. Errors say which file, what is wrong and how to fix it.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

import geopandas as gpd
from pyproj import CRS

from .crs import parse_crs
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
    encoding: str | None = None,
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
        Text encoding of the attributes, when the file does not declare it.

    Raises
    ------
    InputError
        Unreadable file, ambiguous layer, or a layer without a CRS and no ``crs`` given.
    """
    path = _existing(path)
    _check_engine(engine)
    source_label = str(path)
    if path.suffix.lower() in _PARQUET:
        try:
            gdf = gpd.read_parquet(path)
        except Exception as exc:
            raise InputError(f"Cannot read GeoParquet {path}: {exc}") from exc
    else:
        member = None
        if path.suffix.lower() == ".zip":
            members = list_layers(path, engine=engine)
            if layer is None and len(members) > 1:
                raise InputError(
                    f"{path} holds {len(members)} layers: {', '.join(members)}. "
                    "Choose one with --layer NAME (layer=NAME)."
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
        if encoding is not None:
            kwargs["encoding"] = encoding
        try:
            gdf = gpd.read_file(source, **kwargs)
        except Exception as exc:
            raise InputError(
                f"Cannot read {source_label}: {exc}. Check that all parts of the layer "
                "(.shp, .shx, .dbf, .prj) are present and not truncated."
            ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputError(f"{source_label} has no geometry column; it is a table, not a layer.")
    gdf = gdf.reset_index(drop=True)
    gdf.attrs["source"] = source_label
    return _assign_crs(gdf, crs, source_label)


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
        encoding: str | None = None,
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
