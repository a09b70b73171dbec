"""Land cover per parcel from categorical rasters: exact, area-weighted class fractions.

Evidence for the ``unused-land`` and ``wrong-purpose`` rules comes from land-cover
GeoTIFFs (one per date; Cloud-Optimized GeoTIFFs too). Fractions are computed with
exactextract, which weights every pixel by the exact share of it that the parcel covers
(a parcel smaller than a pixel still gets a meaningful answer) and reads the raster block
by block, never whole; it was ~12× faster than rasterstats on this kind of machine
(``benchmarks/bench_landcover.py``). Parcels are reprojected to the raster's CRS first.

The class scheme (default: ESA WorldCover-style ``tree, shrub, grass, cropland, built,
bare, water, wetland``) and the classes expected for each land-use code are data:
``landplan/data/landcover/classes.csv`` and ``expected.csv``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ._data import data_path
from ._dates import parse_date
from ._problems import Joined, Text
from ._texttable import read_text_table
from .codes import ancestors, split_code
from .errors import InputError

__all__ = [
    "cover_fractions",
    "decision_images",
    "expected_classes",
    "landcover_classes",
    "landcover_table",
    "load_landcover",
]


@lru_cache(maxsize=1)
def _classes() -> pd.DataFrame:
    table = read_text_table(data_path("landcover/classes.csv"), "Land-cover classes",
                            InputError)
    table["value"] = table["value"].astype(int)
    table["developed"] = table["developed"].str.lower() == "true"
    return table


def landcover_classes() -> pd.DataFrame:
    """Return the class scheme: ``value, class, name_vi, name_en, color, developed``."""
    return _classes().copy()


@lru_cache(maxsize=1)
def _expected() -> dict[str, frozenset[str]]:
    table = read_text_table(data_path("landcover/expected.csv"), "Expected land cover",
                            InputError)
    return {code.strip().upper(): frozenset(classes.split())
            for code, classes in zip(table["code"], table["classes"], strict=True)}


def expected_classes(code: str | None, codes: pd.DataFrame) -> frozenset[str] | None:
    """Return the cover classes expected for a (multi-purpose) land-use code.

    For each component, the entry of its nearest ancestor in ``expected.csv``; None when a
    component has none.
    """
    table = _expected()
    out: set[str] = set()
    for part in split_code(code):
        hit = next((table[a] for a in ancestors(part, codes) if a in table), None)
        if hit is None:
            return None
        out |= hit
    return frozenset(out) if out else None


_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")

def _is_raster(path: Path) -> bool:
    """Whether ``path`` is a GeoTIFF (by its first bytes) rather than a text table."""
    try:
        with open(path, "rb") as f:
            return f.read(4) in _TIFF_MAGIC
    except OSError:
        return False


def check_raster(path: str | Path, what: str | None = None) -> None:
    """Refuse a raster that cannot be placed on the ground.

    That is a file that is not a readable raster, or has no CRS, or a rotated/sheared
    geotransform (an InputError saying what, where and how to fix).
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    what = Text("landcover.what") if what is None else what
    if not Path(path).exists():
        raise InputError.of("landcover.not_found", what=what, path=path)
    try:
        with rasterio.open(path) as src:
            crs, transform = src.crs, src.transform
    except RasterioIOError as exc:
        raise InputError.of("landcover.unreadable", what=what, path=path, why=exc) from exc
    if crs is None:
        raise InputError.of("landcover.no_crs", what=what, path=path, name=Path(path).name)
    if transform.b != 0 or transform.d != 0:
        raise InputError.of("landcover.rotated", what=what, path=path, b=f"{transform.b:g}",
                            d=f"{transform.d:g}", name=Path(path).name)


def load_landcover(source: str | Path | Sequence[tuple[object, str | Path]]
                   ) -> list[tuple[pd.Timestamp, Path]]:
    """Load the land-cover rasters and their dates, sorted by date.

    Parameters
    ----------
    source
        A CSV with columns ``path,date`` (paths relative to the CSV), one raster with its
        date (``"lop_phu.tif@2025-06-30"``), or a sequence of ``(date, path)`` pairs. Every
        raster must be readable, have a CRS and be north-up (:func:`check_raster`).
    """
    if isinstance(source, (str, Path)):
        text = str(source)
        head, sep, tail = text.rpartition("@")
        if sep and head and not Path(text).exists() and _is_raster(Path(head)):
            pairs = [(tail, Path(head))]
        elif _is_raster(Path(source)):
            name = Path(source).name
            raise InputError.of("landcover.no_date", source=source, name=name)
        else:
            table = read_text_table(source, Text("table.landcover"), InputError)
            table = table.rename(columns=lambda c: c.lower())
            missing = {"path", "date"} - set(table.columns)
            if missing:
                raise InputError.of("landcover.lacks", source=source,
                                    missing=", ".join(sorted(missing)))
            root = Path(source).parent
            pairs = [(d, root / p) for p, d in zip(table["path"], table["date"], strict=True)]
    else:
        pairs = list(source)
    out, problems = [], []
    for date, path in pairs:
        try:
            stamp = parse_date(date)
        except ValueError as why:
            stamp = pd.NaT
            problems.append(Text("landcover.bad_date", date=repr(date), path=path, why=why))
        if not Path(path).exists():
            problems.append(Text("landcover.raster_not_found", path=path))
        else:
            try:
                check_raster(path, Text("landcover.raster"))
            except InputError as exc:
                problems.append(exc)
        out.append((pd.Timestamp(stamp).normalize() if pd.notna(stamp) else stamp, Path(path)))
    if problems:
        raise InputError.of("landcover.problems", problems=Joined(problems, "\n  - "))
    return sorted(out, key=lambda item: item[0])


def cover_fractions(parcels: gpd.GeoDataFrame, raster: str | Path) -> pd.DataFrame:
    """Class fractions of each parcel on one categorical raster.

    Returns
    -------
    pandas.DataFrame
        One row per parcel (same index): ``coverage`` (share of the parcel's area covered
        by valid pixels: not nodata, and of a class in the class table), ``unknown`` (share
        of the parcel's area covered by pixels whose value is not in the class table: no
        evidence of any cover, so not valid either) and one column per class of the scheme
        with its share of the valid area (0 when absent). Rows of parcels without geometry
        are NaN.
    """
    import rasterio
    from exactextract import exact_extract

    classes = _classes()
    names = dict(zip(classes["value"], classes["class"], strict=True))
    out = pd.DataFrame(np.nan, index=parcels.index,
                       columns=["coverage", "unknown", *classes["class"]], dtype=float)
    usable = parcels[parcels.geometry.notna() & ~parcels.geometry.is_empty]
    if usable.empty:
        return out
    with rasterio.open(raster) as src:
        crs, res = src.crs, src.res
    local = usable.to_crs(crs)[[usable.geometry.name]].assign(_i=np.arange(len(usable)))
    # raster-sequential: each raster block is read and decompressed once for all the
    # parcels on it (2.6× faster than feature by feature on tiled, compressed rasters here)
    stats = exact_extract(str(raster), local, ["unique", "frac", "count"], output="pandas",
                          include_cols=["_i"], strategy="raster-sequential")
    stats = stats.sort_values("_i").reset_index(drop=True)
    area = local.area.to_numpy()
    pixel = abs(res[0] * res[1])
    long = stats[["_i", "unique", "frac"]].explode(["unique", "frac"]).dropna()
    long["class"] = pd.to_numeric(long["unique"], errors="coerce").map(names)  # 40.0 → 40
    rows = (long.dropna(subset=["class"])
            .pivot_table(index="_i", columns="class", values="frac", aggfunc="sum")
            .reindex(index=range(len(usable)), columns=list(classes["class"]))
            .fillna(0.0).to_numpy(dtype=float))
    # pixels whose value is not in the class table are no evidence of any cover: they are
    # taken out of the valid area (like nodata) and their share is reported as `unknown`
    known = rows.sum(axis=1)
    valid = np.clip(stats["count"].to_numpy(dtype=float) * pixel
                    / np.where(area > 0, area, np.nan), 0, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rows = np.where(known[:, None] > 0, rows / known[:, None], 0.0)
    known = np.clip(known, 0, 1)
    out.loc[usable.index, "coverage"] = valid * known
    out.loc[usable.index, "unknown"] = valid * (1.0 - known)
    out.loc[usable.index, list(classes["class"])] = rows
    return out


def landcover_table(parcels: gpd.GeoDataFrame,
                    rasters: Iterable[tuple[pd.Timestamp, Path]]) -> pd.DataFrame:
    """Compute the class fractions of every parcel on every raster.

    A long table with ``row`` (position in ``parcels``), ``date``, ``coverage`` and one
    column per class.
    """
    frames = []
    for date, path in rasters:
        frame = cover_fractions(parcels.reset_index(drop=True), path)
        frame.insert(0, "date", date)
        frame.insert(0, "row", np.arange(len(parcels)))
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["row", "date", "coverage", "unknown",
                                     *_classes()["class"]])
    return pd.concat(frames, ignore_index=True)


def decision_images(table: pd.DataFrame, decision_dates: pd.Series,
                    as_of: pd.Timestamp) -> pd.DataFrame:
    """Return, for each decision, the fractions on its image and on the raster before it.

    Its image is the latest raster dated on or after the decision and on or before the
    evaluation date.

    Parameters
    ----------
    table
        The land-cover table (:func:`landcover_table`): ``row``, ``date``, fractions.
    decision_dates
        Each decision's date (NaT when unknown), by decision position.
    as_of
        The evaluation date: later rasters are not used.

    Returns
    -------
    pandas.DataFrame
        Indexed by decision position: ``date``, ``coverage``, class fractions, and the same
        with the prefix ``prev_`` for the earlier raster (NaN when there is none).
    """
    dates = sorted(d for d in table["date"].unique() if d <= as_of)
    n = len(decision_dates)
    chosen = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    earlier = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    for i, date in enumerate(dates):
        usable = decision_dates.notna().to_numpy() & (decision_dates <= date).to_numpy()
        chosen[usable] = date
        earlier[usable] = dates[i - 1] if i else pd.NaT
    keyed = table.set_index(["row", "date"])
    now = keyed.reindex(list(zip(range(n), chosen, strict=True))).reset_index(drop=True)
    before = keyed.reindex(list(zip(range(n), earlier, strict=True))).reset_index(drop=True)
    now.insert(0, "date", chosen.to_numpy())
    return now.join(before.add_prefix("prev_"))
