"""The distributed engine: the zoning overlay on a dask.distributed cluster.

Two entry points, both giving exactly the result of the local engine:

- :class:`DaskOverlay` is an ``overlay`` for :func:`landplan.check`: the parcels are cut
  into spatially coherent partitions (a Hilbert-curve sort of their bounding-box centres),
  each partition's overlay with the plan zones runs on a worker, the pairs come back.
- :func:`check_parquet` checks a spatially partitioned GeoParquet dataset of decisions
  (e.g. written by :func:`write_partitioned`): the workers read and normalise their
  partitions and keep them in memory for the overlay; only the pairs and the normalised
  attributes come back to the client, where the rules run.

Every parcel belongs to exactly one partition and is never cut, and every task gets the
plan zones whole, so a parcel straddling two partitions' extents is counted once. What is
distributed is the geometry work: the overlay, and with :func:`check_parquet` reading and
normalising. The rules (double allocation, duplicate ids, quotas, ...) compare decisions
across the whole district, so they run on the client after the overlay.

dask is imported only when these functions are used: ``import landplan`` works without it,
and without it they raise :class:`landplan.MissingDependencyError` saying what to install
(``pip install "landplan[distributed]"``). See ``docs/distributed.md`` for running on a
cluster.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._problems import missing_dependency
from .check import CheckResult, check
from .crs import working_crs
from .engine import PAIR_COLUMNS, overlay_pairs
from .errors import CRSError, InputError, LayerNotFoundError
from .schema import is_normalized, normalize_decisions, normalize_plan

if TYPE_CHECKING:
    from distributed import Client, Future
    from pyproj import CRS

__all__ = ["ROW_COLUMN", "DaskOverlay", "check_parquet", "write_partitioned"]

log = logging.getLogger(__name__)

ROW_COLUMN = "landplan_row"
"""Column written by :func:`write_partitioned`: each record's row in the layer it was given,
so that :func:`check_parquet` restores the input order and ``source_row``."""


# --------------------------------------------------------------------------- set-up


def _require(module: str) -> Any:
    """Import an optional dependency of the distributed engine, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise missing_dependency("landplan.distributed", module, "distributed") from exc


def _connect(client: Client | str | None, timeout: float) -> tuple[Client, bool]:
    """Return the client to use and whether it was opened here (and must be closed here)."""
    distributed = _require("distributed")
    _require("dask_geopandas")
    if client is None:
        try:
            return distributed.default_client(), False
        except ValueError:
            raise InputError(
                "No dask client: give a distributed.Client, or the scheduler's address "
                "(e.g. 'tcp://scheduler:8786'), or create a distributed.Client first."
            ) from None
    if isinstance(client, str):
        # Made in two steps to close a client that failed to connect at once: left to the
        # garbage collector, it would time out again, noisily, when Python exits.
        opened = distributed.Client.__new__(distributed.Client)
        try:
            opened.__init__(client, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            with contextlib.suppress(Exception):
                opened.close(timeout=timeout)
            raise InputError(
                f"Cannot connect to the dask scheduler at {client!r} within {timeout:g} s "
                f"({type(exc).__name__}: {exc}). Start one with `dask scheduler` (it prints its "
                "address, e.g. tcp://10.0.0.5:8786), start workers with `dask worker ADDRESS`, "
                "and check that this machine can reach the scheduler's port."
            ) from exc
        return opened, True
    if isinstance(client, distributed.Client):
        return client, False
    raise InputError(
        "Expected a distributed.Client, a scheduler address such as 'tcp://scheduler:8786' "
        f"or None (the default client), got {type(client).__name__}."
    )


def _wait_for_workers(client: Client, timeout: float) -> int:
    """Total worker threads of the cluster, after waiting up to ``timeout`` for a worker."""
    if not client.nthreads():
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (TimeoutError, OSError) as exc:
            raise InputError(
                f"The dask cluster at {client.scheduler.address} has no workers (waited "
                f"{timeout:g} s): start some with `dask worker {client.scheduler.address}`."
            ) from exc
    return sum(client.nthreads().values())


def _present(geoms: np.ndarray) -> np.ndarray:
    """Positions of the geometries that can intersect something (not None, not empty)."""
    return np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))


def _hilbert_order(geoms: np.ndarray) -> np.ndarray:
    """Return the order of ``geoms`` (present, non-empty) along a Hilbert curve.

    The curve runs through their bounding-box centres: consecutive geometries are near each
    other.
    """
    if len(geoms) < 2:
        return np.arange(len(geoms), dtype=np.int64)
    bounds = shapely.bounds(geoms)
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    # A degenerate extent (all on one line or point) still sorts: widen it by one metre.
    extent = (x0, y0, max(x1, x0 + 1.0), max(y1, y0 + 1.0))
    distance = gpd.GeoSeries(geoms).hilbert_distance(total_bounds=extent, level=16)
    return np.argsort(distance.to_numpy(), kind="stable").astype(np.int64)


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame({"parcel": np.empty(0, np.int64), "zone": np.empty(0, np.int64),
                         "area_m2": np.empty(0, float), "inside": np.empty(0, bool)})


def _combine(chunks: Sequence[np.ndarray], results: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Combine partition-local pairs into one frame with global parcel positions.

    The frame is sorted as :func:`landplan.engine.overlay_pairs` sorts.
    """
    frames = []
    for positions, pairs in zip(chunks, results, strict=True):
        if len(pairs):
            pairs = pairs.copy()
            pairs["parcel"] = positions[pairs["parcel"].to_numpy()].astype(np.int64)
            frames.append(pairs)
    if not frames:
        return _empty_pairs()
    pairs = pd.concat(frames, ignore_index=True)[PAIR_COLUMNS]
    order = np.lexsort((pairs["zone"].to_numpy(), pairs["parcel"].to_numpy()))
    return pairs.iloc[order].reset_index(drop=True)


def _scatter_zones(client: Client, zones: np.ndarray) -> Future:
    """Put the zones, as WKB, on every worker (once per overlay call)."""
    return client.scatter([shapely.to_wkb(zones)], broadcast=True, hash=False)[0]


# --------------------------------------------------------------------------- worker tasks


def _overlay(parcels: np.ndarray, zones: np.ndarray) -> pd.DataFrame:
    """Run :func:`landplan.engine.overlay_pairs` in one thread.

    Dask runs one task per worker thread already.
    """
    return overlay_pairs(parcels, zones, workers=1)


def _pairs_task(parcels_wkb: np.ndarray, zones_wkb: np.ndarray) -> pd.DataFrame:
    """On a worker: the overlay of one partition's parcels (WKB) with the zones (WKB)."""
    return _overlay(shapely.from_wkb(parcels_wkb), shapely.from_wkb(zones_wkb))


def _resident_task(part: tuple, mask: np.ndarray, zones_wkb: np.ndarray) -> pd.DataFrame:
    """Overlay a partition kept in the worker's memory (run on a worker).

    Only the rows in ``mask`` take part (the others are None, as :func:`landplan.check`
    passes them).
    """
    geoms = np.asarray(part[0].geometry.values, dtype=object)
    return _overlay(np.where(mask, geoms, None), shapely.from_wkb(zones_wkb))


def _plain_text(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Make text columns as pandas builds them by default, missing values None/NaN.

    Dask and pyarrow give ``pd.NA``-based string columns, which the normalisation does not
    expect.
    """
    gdf = gdf.copy(deep=False)
    for col in gdf.columns:
        dtype = gdf[col].dtype
        arrow_text = isinstance(dtype, pd.ArrowDtype) and dtype.kind in "OSU"
        if arrow_text or (isinstance(dtype, pd.StringDtype) and dtype.na_value is pd.NA):
            values = gdf[col].to_numpy(dtype=object, na_value=None)
            gdf[col] = pd.Series(values, index=gdf.index, name=col)
    return gdf


def _prepare_partition(part: gpd.GeoDataFrame, target: CRS | None, columns: dict | None,
                       label: str) -> tuple[gpd.GeoDataFrame, np.ndarray | None, bool]:
    """Normalise one partition read from GeoParquet (run on a worker).

    Returns the normalised decisions in the working CRS, the rows recorded by
    :func:`write_partitioned` (or None), and whether it was normalised here (a raw layer).
    """
    part = _plain_text(part.reset_index(drop=True))
    rows = None
    if ROW_COLUMN in part.columns:
        rows = part[ROW_COLUMN].to_numpy(dtype=np.int64)
        part = part.drop(columns=ROW_COLUMN)
    part.attrs["source"] = label
    raw = not is_normalized(part, "decisions")
    if raw:
        part = normalize_decisions(part, columns=columns)
    if target is not None and part.crs is not None and part.crs != target:
        part = part.to_crs(target)
    return part, rows, raw


# --------------------------------------------------------------------------- DaskOverlay


class DaskOverlay:
    """The zoning overlay (:func:`landplan.engine.overlay_pairs`) on a dask cluster.

    Give it to :func:`landplan.check` as ``overlay=``; the result is identical to the
    local engine's. Each call sorts the parcels along a Hilbert curve, cuts them into
    ``partitions`` contiguous runs (each parcel in exactly one, never cut), sends the
    plan zones once to every worker (WKB, broadcast), runs ``overlay_pairs`` on each
    partition on the workers and maps the partition-local positions back.

    Parameters
    ----------
    client
        A ``distributed.Client``; or a scheduler address such as ``"tcp://10.0.0.5:8786"``
        (a client is opened, and closed by :meth:`close` or at the end of a ``with``
        block); or None for the current default client.
    partitions
        Number of partitions per call; default twice the cluster's worker threads.
    timeout
        Seconds to wait when connecting to a scheduler address, and for a first worker.

    Raises
    ------
    landplan.MissingDependencyError
        dask is not installed.
    landplan.InputError
        The scheduler cannot be reached, or there is no client.

    Examples
    --------
    >>> from landplan.distributed import DaskOverlay
    >>> with DaskOverlay("tcp://scheduler:8786") as overlay:  # doctest: +SKIP
    ...     result = landplan.check(plan, decisions, overlay=overlay)
    """

    def __init__(self, client: Client | str | None = None, *, partitions: int | None = None,
                 timeout: float = 10.0) -> None:
        if partitions is not None and int(partitions) < 1:
            raise InputError(f"partitions must be at least 1, got {partitions}.")
        self.client, self._owned = _connect(client, timeout)
        self.partitions = None if partitions is None else int(partitions)
        self.timeout = timeout

    def __call__(self, parcels: np.ndarray, zones: np.ndarray) -> pd.DataFrame:
        """Return the pairs of :func:`landplan.engine.overlay_pairs` (same contract and order)."""
        started = time.perf_counter()
        parcels = np.asarray(parcels, dtype=object)
        zones = np.asarray(zones, dtype=object)
        present = _present(parcels)
        if not len(present) or not len(zones):
            return _empty_pairs()
        threads = _wait_for_workers(self.client, self.timeout)
        n = min(self.partitions or 2 * max(threads, 1), len(present))
        order = present[_hilbert_order(parcels[present])]
        chunks = np.array_split(order, n)
        zones_f = _scatter_zones(self.client, zones)
        parts_f = self.client.scatter([shapely.to_wkb(parcels[c]) for c in chunks], hash=False)
        futures = self.client.map(_pairs_task, parts_f, zones_wkb=zones_f, pure=False)
        pairs = _combine(chunks, self.client.gather(futures))
        log.info("DaskOverlay: %d parcels in %d partitions × %d zones → %d pairs in %.2f s",
                 len(present), n, len(zones), len(pairs), time.perf_counter() - started)
        return pairs

    def close(self) -> None:
        """Close the client if it was opened from an address (a given client stays open)."""
        if self._owned:
            self.client.close()

    def __enter__(self) -> DaskOverlay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"DaskOverlay({self.client.scheduler.address!r}, "
                f"partitions={self.partitions})")


class _ResidentOverlay:
    """The overlay of decisions that the workers already hold (read by :func:`check_parquet`).

    Only a mask of the rows wanted travels to them, and the pairs come back. If the parcels
    asked for are not those decisions, the parcels are shipped as :class:`DaskOverlay` does.
    """

    def __init__(self, client: Client, futures: list, positions: list[np.ndarray],
                 geometry: np.ndarray, timeout: float) -> None:
        self.client = client
        self.futures = futures
        self.positions = positions
        self.geometry = np.asarray(geometry, dtype=object)
        self.timeout = timeout

    def _same_parcels(self, parcels: np.ndarray, present: np.ndarray) -> bool:
        if len(parcels) != len(self.geometry):
            return False
        equal = getattr(shapely, "equals_identical", None)
        a, b = parcels[present], self.geometry[present]
        if equal is None:  # shapely < 2.1
            return bool(np.all(shapely.equals_exact(a, b, tolerance=0.0)))
        return bool(np.all(equal(a, b)))

    def __call__(self, parcels: np.ndarray, zones: np.ndarray) -> pd.DataFrame:
        started = time.perf_counter()
        parcels = np.asarray(parcels, dtype=object)
        zones = np.asarray(zones, dtype=object)
        present = ~shapely.is_missing(parcels)
        if not self._same_parcels(parcels, present):
            log.info("parcels differ from the dataset read: shipping them to the workers")
            return DaskOverlay(self.client, timeout=self.timeout)(parcels, zones)
        if not present.any() or not len(zones):
            return _empty_pairs()
        zones_f = _scatter_zones(self.client, zones)
        chunks, futures = [], []
        for part_f, positions in zip(self.futures, self.positions, strict=True):
            mask = present[positions]
            if mask.any():
                chunks.append(positions)
                futures.append(self.client.submit(_resident_task, part_f, mask, zones_f,
                                                  pure=False))
        pairs = _combine(chunks, self.client.gather(futures))
        log.info("overlay on %d resident partitions × %d zones → %d pairs in %.2f s",
                 len(futures), len(zones), len(pairs), time.perf_counter() - started)
        return pairs


# --------------------------------------------------------------------------- GeoParquet


def write_partitioned(decisions: gpd.GeoDataFrame, path: str | Path, npartitions: int, *,
                      overwrite: bool = False) -> Path:
    """Write decisions as a spatially partitioned GeoParquet dataset for :func:`check_parquet`.

    The records are sorted along a Hilbert curve (bounding-box centres; records without
    geometry last) and cut into ``npartitions`` files of about equal size
    (``part.0.parquet``, ...). The column :data:`ROW_COLUMN` keeps each record's row in
    ``decisions``, so the check of the dataset reports the same rows in the same order.

    Parameters
    ----------
    decisions
        Decisions with a CRS, raw (as read) or normalised (:func:`landplan.load_decisions`).
    path
        A folder to create (local, or a URL such as ``s3://bucket/qd`` with the matching
        fsspec package installed).
    npartitions
        Number of partitions (files).
    overwrite
        Replace an existing folder; otherwise an existing non-empty folder is an error.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    dask_geopandas = _require("dask_geopandas")
    if not isinstance(decisions, gpd.GeoDataFrame):
        raise InputError(f"expected a GeoDataFrame of decisions, got {type(decisions).__name__}")
    if decisions.crs is None:
        raise CRSError("The decisions have no CRS; assign one before writing them "
                       "(decisions.set_crs('EPSG:9209')).")
    if int(npartitions) < 1:
        raise InputError(f"npartitions must be at least 1, got {npartitions}.")
    local = "://" not in str(path)
    if local and Path(path).exists() and any(Path(path).iterdir()) and not overwrite:
        raise InputError(f"{path} exists and is not empty; choose another folder or pass "
                         "overwrite=True.")
    geoms = np.asarray(decisions.geometry.values, dtype=object)
    present = _present(geoms)
    absent = np.setdiff1d(np.arange(len(geoms)), present)
    order = np.concatenate([present[_hilbert_order(geoms[present])], absent])
    rows = (decisions[ROW_COLUMN].to_numpy(dtype=np.int64) if ROW_COLUMN in decisions.columns
            else np.arange(len(decisions), dtype=np.int64))
    table = decisions.drop(columns=ROW_COLUMN, errors="ignore").iloc[order]
    table = table.reset_index(drop=True)
    table.attrs = _json_attrs(decisions.attrs)
    table.insert(len(table.columns) - 1, ROW_COLUMN, rows[order])
    ddf = dask_geopandas.from_geopandas(table, npartitions=int(npartitions), sort=False)
    try:
        # The data is in this process's memory: write it from here, not from the workers.
        with warnings.catch_warnings():  # dask's writer calls reset_index(inplace=True)
            warnings.filterwarnings("ignore", message="The inplace keyword")
            ddf.to_parquet(str(path), write_index=False, overwrite=overwrite,
                           compute_kwargs={"scheduler": "threads"})
    except (TypeError, ValueError) as exc:  # pyarrow's ArrowTypeError / ArrowInvalid
        raise InputError(f"Cannot write the decisions to {path} as GeoParquet: {exc}. "
                         "A column mixing text and numbers must be converted first.") from exc
    return Path(path)


def _json_attrs(attrs: dict) -> dict:
    """Return the layer attributes that GeoParquet can keep (as JSON), e.g. ``crs_assumed``."""
    kept = {}
    for key, value in attrs.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        kept[key] = value
    return kept


def _dataset_attrs(path: str | Path, storage_options: dict | None) -> dict:
    """Read the layer attributes stored with the dataset, from its first file ({} if none).

    These are geopandas' ``PANDAS_ATTRS``: e.g. ``crs_assumed``, which a rule reports.
    """
    try:
        import fsspec.core
        import pyarrow.parquet as pq

        fs, root = fsspec.core.url_to_fs(str(path), **(storage_options or {}))
        files = [root] if fs.isfile(root) else sorted(
            f for f in fs.find(root) if f.endswith(".parquet"))
        if not files:
            return {}
        metadata = pq.read_schema(files[0], filesystem=fs).metadata or {}
        attrs = json.loads(metadata.get(b"PANDAS_ATTRS", b"{}"))
    except (ImportError, OSError, ValueError):
        return {}
    return attrs if isinstance(attrs, dict) else {}


def _read_parquet(path: str | Path, storage_options: dict | None) -> Any:
    dask_geopandas = _require("dask_geopandas")
    if "://" not in str(path) and not Path(path).exists():
        raise LayerNotFoundError(f"{path} does not exist (a GeoParquet file or a folder of "
                                 "them, e.g. written by write_partitioned).")
    try:
        return dask_geopandas.read_parquet(str(path), storage_options=storage_options)
    except (OSError, TypeError, ValueError) as exc:
        raise InputError(f"Cannot read {path} as GeoParquet: {exc}") from exc


def _assemble(parts: list[tuple[gpd.GeoDataFrame, np.ndarray | None, bool]],
              path: str | Path) -> tuple[gpd.GeoDataFrame, list[np.ndarray]]:
    """Gather the partitions into one decisions layer in input order.

    Also returns each partition's row positions in it.
    """
    sizes = [len(p[0]) for p in parts]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    has_rows = [p[1] is not None for p in parts]
    if any(has_rows) and not all(has_rows):
        raise InputError(f"Some partitions of {path} have the {ROW_COLUMN} column and some "
                         "do not; rewrite the dataset with write_partitioned.")
    if all(has_rows) and parts:
        rows = np.concatenate([p[1] for p in parts])
        if len(np.unique(rows)) != len(rows):
            raise InputError(f"{path}: the {ROW_COLUMN} column has repeated values; the "
                             "dataset mixes several writes. Rewrite it with write_partitioned.")
    else:
        rows = np.arange(offsets[-1], dtype=np.int64)  # partition order
    order = np.argsort(rows, kind="stable")
    where = np.empty(len(rows), dtype=np.int64)
    where[order] = np.arange(len(rows), dtype=np.int64)
    frames = []
    for k, (gdf, _, raw) in enumerate(parts):
        if raw:  # normalised on the worker: its source_row counted from the partition
            gdf = gdf.assign(source_row=rows[offsets[k]:offsets[k + 1]])
        frames.append(gdf)
    decisions = pd.concat(frames, ignore_index=True).iloc[order].reset_index(drop=True)
    decisions = gpd.GeoDataFrame(decisions, geometry=decisions.geometry.name,
                                 crs=parts[0][0].crs)
    decisions.attrs = {"source": str(path), "columns": parts[0][0].attrs.get("columns", {})}
    positions = [where[offsets[k]:offsets[k + 1]] for k in range(len(parts))]
    return decisions, positions


def check_parquet(plan: gpd.GeoDataFrame, path: str | Path, *, client: Client | str | None = None,
                  storage_options: dict | None = None, timeout: float = 10.0,
                  **check_kwargs: Any) -> CheckResult:
    """Check a (spatially partitioned) GeoParquet dataset of decisions on a dask cluster.

    The workers read their partitions (``dask_geopandas.read_parquet``), normalise them
    (raw layers; a normalised layer is used as is), reproject them to the plan's working
    CRS and keep them in memory; the overlay with the plan zones then runs there, one task
    per partition. The normalised attributes and the pairs come back to the client,
    where the rules run on the whole district (they compare decisions with each other).
    A parcel belongs to the one partition it was written to, so it is counted once.

    Parameters
    ----------
    plan
        The plan zones (raw or normalised), in memory on the client.
    path
        A GeoParquet file or folder, e.g. written by :func:`write_partitioned`; it must be
        readable by every worker (a shared folder, or ``s3://...``).
    client
        A ``distributed.Client``, a scheduler address, or None for the default client.
    storage_options
        For remote paths, passed to fsspec (e.g. credentials).
    timeout
        Seconds to wait for the scheduler and for a first worker.
    **check_kwargs
        Any other argument of :func:`landplan.check` (``projects``, ``quotas``,
        ``config``, ``decision_columns``, ...), except ``overlay``.

    Returns
    -------
    CheckResult
        The result of :func:`landplan.check` on the dataset's records: in the order of
        :data:`ROW_COLUMN` when the dataset has it (the input order of
        :func:`write_partitioned`), else in partition order.
    """
    if "overlay" in check_kwargs:
        raise InputError("check_parquet runs the overlay on the cluster itself; do not pass "
                         "overlay= (use landplan.check(..., overlay=DaskOverlay(...)) instead).")
    dask = _require("dask")
    client, owned = _connect(client, timeout)
    try:
        started = time.perf_counter()
        plan_columns = check_kwargs.pop("plan_columns", None)
        columns = check_kwargs.pop("decision_columns", None)
        if not is_normalized(plan, "plan"):
            plan = normalize_plan(plan, columns=plan_columns)
        target = working_crs(plan) if plan.crs is not None else None
        ddf = _read_parquet(path, storage_options)
        _wait_for_workers(client, timeout)
        tasks = [dask.delayed(_prepare_partition, pure=False)(
                     part, target, None if columns is None else dict(columns),
                     f"{path} (partition {k})")
                 for k, part in enumerate(ddf.to_delayed())]
        futures = client.compute(tasks)
        parts = client.gather(futures)
        if not parts or not sum(len(p[0]) for p in parts):
            raise InputError(f"{path} has no decisions.")
        decisions, positions = _assemble(parts, path)
        assumed = _dataset_attrs(path, storage_options).get("crs_assumed")
        if assumed:
            decisions.attrs["crs_assumed"] = assumed
        log.info("read %d decisions in %d partitions in %.2f s", len(decisions), len(parts),
                 time.perf_counter() - started)
        overlay = _ResidentOverlay(client, futures, positions, decisions.geometry.values,
                                   timeout)
        return check(plan, decisions, overlay=overlay, **check_kwargs)
    finally:
        if owned:
            client.close()
