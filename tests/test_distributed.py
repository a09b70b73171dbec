"""The distributed engine gives exactly the local engine's pairs, decisions and findings."""

from __future__ import annotations

import socket
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

import landplan
from landplan.engine import overlay_pairs

from .conftest import importorskip_or_fail

distributed = importorskip_or_fail("distributed")  # no dask: skipped, or failed in CI
importorskip_or_fail("dask_geopandas")

from landplan.distributed import (  # noqa: E402
    ROW_COLUMN,
    DaskOverlay,
    _ResidentOverlay,
    check_parquet,
    write_partitioned,
)

pytestmark = [
    pytest.mark.slow,  # dask clusters
    pytest.mark.timeout(120),
    # dask's parquet reader (2026.8) calls reset_index(inplace=True), deprecated by pandas 3.1
    pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning"),
]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster, set_as_default=False) as c:
        yield c


@pytest.fixture(scope="module")
def sample():
    plan = landplan.load_plan(landplan.sample_path("plan.gpkg"))
    decisions = landplan.load_decisions(landplan.sample_path("decisions"))
    return plan, decisions


@pytest.fixture(scope="module")
def local_result(sample_check):
    """The local check of the sample, as `landplan demo` runs it (conftest: once a session)."""
    return sample_check


def _sample_check(**kwargs):
    """The check of ``landplan.demo`` (as :func:`sample_result` runs it), plus ``kwargs``."""
    from landplan.cli import _demo_inputs

    inputs, config = _demo_inputs()
    plans = {date: landplan.load_plan(path) for path, date in inputs.plans}
    plan = plans[None] if None in plans else landplan.plan_versions(plans)
    options = dict(
        projects=landplan.load_projects(inputs.projects) if inputs.projects else None,
        corridors=landplan.load_corridors(inputs.corridors[0]) if inputs.corridors else None,
        quotas=landplan.load_quotas(inputs.quotas) if inputs.quotas else None,
        landcover=inputs.landcover, config=config)
    return plan, landplan.load_decisions(inputs.decisions), options


def assert_same_frames(expected: gpd.GeoDataFrame, actual: gpd.GeoDataFrame) -> None:
    geometry = expected.geometry.name
    pd.testing.assert_frame_equal(expected.drop(columns=geometry),
                                  actual.drop(columns=geometry))
    same = shapely.equals_exact(expected.geometry.values, actual.geometry.values, tolerance=0.0)
    both_missing = expected.geometry.isna().to_numpy() & actual.geometry.isna().to_numpy()
    assert (same | both_missing).all()
    assert expected.crs == actual.crs


def straddling_case() -> tuple[np.ndarray, np.ndarray]:
    """A 6×6 grid of small parcels, a few long parcels crossing the whole district (so across
    every spatial partition), None and empty parcels; 3×3 zones."""
    rng = np.random.default_rng(11)
    small = [box(x + 5, y + 5, x + 5 + rng.uniform(10, 90), y + 5 + rng.uniform(10, 90))
             for x in range(0, 600, 100) for y in range(0, 600, 100)]
    long = [box(0, 140, 600, 160), box(240, 0, 260, 600), box(10, 10, 590, 590).exterior.buffer(3)]
    parcels = np.array([*small[:10], None, *long, shapely.Polygon(), *small[10:]], dtype=object)
    zones = np.array([box(x, y, x + 200, y + 200) for x in range(0, 600, 200)
                      for y in range(0, 600, 200)], dtype=object)
    return parcels, zones


def test_dask_overlay_gives_exactly_the_local_pairs_on_the_sample(client, sample):
    plan, decisions = sample
    parcels, zones = decisions.geometry.values, plan.geometry.values
    expected = overlay_pairs(parcels, zones)
    for partitions in (None, 1, 7):
        actual = DaskOverlay(client, partitions=partitions)(parcels, zones)
        pd.testing.assert_frame_equal(expected, actual)


def test_parcels_straddling_partitions_are_counted_once(client):
    parcels, zones = straddling_case()
    expected = overlay_pairs(parcels, zones)
    for partitions in (2, 5, 60):  # 60 > number of parcels
        actual = DaskOverlay(client, partitions=partitions)(parcels, zones)
        pd.testing.assert_frame_equal(expected, actual)
    assert not actual.duplicated(["parcel", "zone"]).any()
    # each long parcel is whole: its pieces add up to its area
    for i in (11, 12, 13):
        assert actual.loc[actual.parcel == i, "area_m2"].sum() == pytest.approx(parcels[i].area)
    # no parcel at all, no zone at all: the empty frame with the same dtypes
    empty = overlay_pairs(np.array([None], dtype=object), zones)
    pd.testing.assert_frame_equal(empty, DaskOverlay(client)(np.array([None], dtype=object),
                                                             zones))
    none = np.array([], dtype=object)
    pd.testing.assert_frame_equal(overlay_pairs(parcels, none),
                                  DaskOverlay(client)(parcels, none))


def test_sample_check_on_the_cluster_equals_the_local_demo(client, local_result):
    plan, decisions, options = _sample_check()
    with DaskOverlay(client, partitions=4) as overlay:
        result = landplan.check(plan, decisions, overlay=overlay, **options)
    assert_same_frames(local_result.decisions, result.decisions)
    assert_same_frames(local_result.findings, result.findings)
    pd.testing.assert_frame_equal(local_result.rules, result.rules)
    assert client.status == "running"  # a given client is not closed


def test_check_parquet_of_the_partitioned_sample_equals_the_local_demo(client, local_result,
                                                                      tmp_path):
    plan, decisions, options = _sample_check()
    path = write_partitioned(decisions, tmp_path / "decisions", npartitions=4)
    assert len(list(path.glob("*.parquet"))) == 4
    result = check_parquet(plan, path, client=client, **options)
    assert_same_frames(local_result.decisions, result.decisions)
    assert_same_frames(local_result.findings, result.findings)
    pd.testing.assert_frame_equal(local_result.rules, result.rules)


def test_check_parquet_normalises_a_raw_layer_on_the_workers(client, sample, tmp_path):
    plan, _ = sample
    raw = landplan.read_layer(landplan.sample_path("decisions"))
    raw.attrs["crs_assumed"] = "EPSG:9209"  # as if given with --crs: reported as a finding
    expected = landplan.check(plan, raw)
    path = write_partitioned(raw, tmp_path / "raw", npartitions=3)
    parts = [gpd.read_parquet(p) for p in sorted(path.glob("*.parquet"))]
    assert sorted(np.concatenate([p[ROW_COLUMN] for p in parts])) == list(range(len(raw)))
    actual = check_parquet(plan, path, client=client)
    assert "crs-assumed" in set(actual.findings["rule"])
    assert_same_frames(expected.decisions, actual.decisions)
    assert_same_frames(expected.findings, actual.findings)
    # without the row column: records in partition order, source_row counted in it
    (tmp_path / "plain").mkdir()
    for i, part in enumerate(parts):
        part.drop(columns=ROW_COLUMN).to_parquet(tmp_path / "plain" / f"part.{i}.parquet")
    expected = landplan.check(plan, raw.iloc[np.concatenate([p[ROW_COLUMN] for p in parts])])
    actual = check_parquet(plan, tmp_path / "plain", client=client)
    assert_same_frames(expected.findings, actual.findings)


def test_resident_overlay_ships_parcels_it_does_not_hold(client):
    parcels, zones = straddling_case()
    held = gpd.GeoDataFrame(geometry=parcels[::-1].copy())  # not the parcels asked for
    futures = client.scatter([(held, None, False)])
    overlay = _ResidentOverlay(client, futures, [np.arange(len(parcels))], held.geometry.values,
                               timeout=5)
    pd.testing.assert_frame_equal(overlay_pairs(parcels, zones), overlay(parcels, zones))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.timeout(90)  # each call gives up after its 2 s (~4 s in all): no hang
def test_unreachable_scheduler_is_a_clear_error_not_a_hang(sample):
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(landplan.InputError,
                       match=r"Cannot connect to the dask scheduler at .* within 2 s"):
        DaskOverlay(address, timeout=2)
    with pytest.raises(landplan.InputError, match=r"dask scheduler at .* within 2 s"):
        check_parquet(sample[0], "nowhere", client=address, timeout=2)


def test_a_cluster_without_workers_is_a_clear_error(sample):
    plan, decisions = sample
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cl, \
            distributed.Client(cl, set_as_default=False) as empty, \
            pytest.raises(landplan.InputError, match="has no workers"):
        DaskOverlay(empty, timeout=1)(decisions.geometry.values, plan.geometry.values)


def test_bad_arguments_are_clear_errors(client, sample, tmp_path):
    with pytest.raises(landplan.InputError, match="No dask client"):
        DaskOverlay()  # the fixture's client is not the default one
    with pytest.raises(landplan.InputError, match=r"Expected a distributed\.Client"):
        DaskOverlay(8786)
    with pytest.raises(landplan.InputError, match="partitions"):
        DaskOverlay(client, partitions=0)
    with pytest.raises(landplan.LayerNotFoundError):
        check_parquet(sample[0], tmp_path / "missing", client=client)
    with pytest.raises(landplan.InputError, match="overlay"):
        check_parquet(sample[0], tmp_path, client=client, overlay=overlay_pairs)
    path = write_partitioned(sample[1].head(20), tmp_path / "d", 2)
    with pytest.raises(landplan.InputError, match="overwrite=True"):
        write_partitioned(sample[1].head(20), path, 2)
    write_partitioned(sample[1].head(30), path, 3, overwrite=True)
    assert len(list(path.glob("*.parquet"))) == 3
    with pytest.raises(landplan.CRSError):
        write_partitioned(sample[1].set_crs(None, allow_override=True), tmp_path / "e", 2)


def test_the_default_client_is_used(client, sample):
    plan, decisions = sample
    with client.as_current():
        pairs = DaskOverlay(partitions=3)(decisions.geometry.values, plan.geometry.values)
    pd.testing.assert_frame_equal(overlay_pairs(decisions.geometry.values,
                                                plan.geometry.values), pairs)


def test_without_dask_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(landplan.MissingDependencyError,
                       match=r'pip install "landplan\[distributed\]"'):
        DaskOverlay("tcp://scheduler:8786")
