"""Time landplan's check on the sample district and on synthetic districts, side by side
with the way a geopandas user would do the zoning overlay (``geopandas.overlay`` + area).

Run from the repository root::

    .venv/bin/python benchmarks/bench_check.py            # sample + 10^4 parcels
    .venv/bin/python benchmarks/bench_check.py --sizes 10000 100000

Prints a Markdown table (seconds, ratio, peak RSS of the process so far). Numbers are only
comparable within one run on one machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

import landplan
from landplan._sample import sample_result
from landplan.engine import overlay_pairs

CODES = np.array(["LUC", "LUK", "ONT", "HNK", "CLN", "NTS", "SKC", "DGT"], dtype=object)


def synthetic(n_parcels: int, n_side: int = 40, seed: int = 1, block: int = 1,
              p_same: float = 0.9) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A plan of n_side² square zones (~170 vertices each) and ``n_parcels`` square parcels
    of 200–2,000 m² that do not overlap (one per 50 m slot of a grid, placed at random in
    it); the district grows with the parcel count. About a quarter of the parcels cross a
    zone edge; ``p_same`` of them are granted the code planned at their centre, the rest a
    random one. Zones share their code in ``block`` × ``block`` groups (1: every zone draws
    its own), which makes neighbouring zones alike, as in real plans."""
    rng = np.random.default_rng(seed)
    slot = 50.0
    per_side = int(np.ceil(np.sqrt(n_parcels)))
    size = per_side * slot
    x0, y0 = 583_000.0, 2_300_000.0
    step = size / n_side
    ix, iy = np.meshgrid(np.arange(n_side), np.arange(n_side))
    cells = shapely.box(x0 + ix.ravel() * step, y0 + iy.ravel() * step,
                        x0 + (ix.ravel() + 1) * step, y0 + (iy.ravel() + 1) * step)
    zones = shapely.segmentize(cells, step / 42)  # ~170 vertices per zone
    blocks = -(-n_side // block)
    block_code = rng.choice(CODES, blocks * blocks)
    zone_code = block_code[(iy.ravel() // block) * blocks + ix.ravel() // block]
    plan = gpd.GeoDataFrame({"land_use": zone_code}, geometry=zones, crs="EPSG:9209")
    k = np.arange(n_parcels)
    side = np.sqrt(rng.uniform(200, 2000, n_parcels))
    room = slot - side
    minx = x0 + (k % per_side) * slot + rng.uniform(0, 1, n_parcels) * room
    miny = y0 + (k // per_side) * slot + rng.uniform(0, 1, n_parcels) * room
    parcels = shapely.box(minx, miny, minx + side, miny + side)
    cx, cy = minx + side / 2, miny + side / 2
    zone_at = (np.floor((cy - y0) / step).clip(0, n_side - 1) * n_side
               + np.floor((cx - x0) / step).clip(0, n_side - 1)).astype(int)
    planned = plan["land_use"].to_numpy()[zone_at]
    granted = np.where(rng.random(n_parcels) < p_same, planned, rng.choice(CODES, n_parcels))
    decisions = gpd.GeoDataFrame({
        "decision_no": np.char.add(k.astype(str), "/QĐ-UBND"),
        "decision_date": "15/03/2023",
        "kind": rng.choice(["Giao đất", "thuê", "Công nhận", "CMĐ"], n_parcels),
        "land_use": granted,
    }, geometry=parcels, crs="EPSG:9209")
    return plan, decisions


def _timed(func, *args):
    start = time.perf_counter()
    value = func(*args)
    return time.perf_counter() - start, value


def _geopandas_overlay(plan: gpd.GeoDataFrame, decisions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The zoning overlay as a geopandas user writes it."""
    joined = gpd.overlay(decisions[["geometry"]].assign(parcel=np.arange(len(decisions))),
                         plan[["geometry"]].assign(zone=np.arange(len(plan))),
                         how="intersection", keep_geom_type=True)
    return joined.assign(area=joined.area)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _same_pairs(pairs, overlay) -> bool:
    """Same (parcel, zone) pairs with areas equal to 1e-9 relative."""
    theirs = overlay[overlay["area"] > 0].sort_values(["parcel", "zone"])
    if len(theirs) != len(pairs):
        return False
    return bool(np.array_equal(theirs["parcel"].to_numpy(), pairs["parcel"].to_numpy())
                and np.array_equal(theirs["zone"].to_numpy(), pairs["zone"].to_numpy())
                and np.allclose(theirs["area"].to_numpy(), pairs["area_m2"].to_numpy(),
                                rtol=1e-9, atol=0))


def run(sizes: list[int]) -> str:
    rows = []
    t_all, sample = _timed(sample_result)
    label = "sample district, every input (incl. 2 land-cover rasters)"
    rows.append((label, len(sample.decisions), len(sample.plan), "load + check, all rules",
                 t_all, ""))
    for n in sizes:
        plan, decisions = synthetic(n)
        t_lp, _ = _timed(landplan.check, plan, decisions)
        t_engine, pairs = _timed(overlay_pairs, decisions.geometry.values, plan.geometry.values)
        t_gp, overlay = _timed(_geopandas_overlay, plan, decisions)
        agree = _same_pairs(pairs, overlay)
        rows.append((f"synthetic {n:,}", n, len(plan), "landplan check (all rules)", t_lp, ""))
        rows.append((f"synthetic {n:,}", n, len(plan), "landplan engine (pairs)", t_engine,
                     f"{t_gp / t_engine:.1f}× faster than overlay"))
        rows.append((f"synthetic {n:,}", n, len(plan), "geopandas.overlay + area", t_gp,
                     "same pairs and areas" if agree else "PAIRS DIFFER"))
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, shapely {shapely.__version__}, "
             f"geopandas {gpd.__version__}; peak RSS {_rss_mb():.0f} MB", "",
             "| data | decisions | zones | step | seconds | note |", "|---|---|---|---|---|---|"]
    lines += [f"| {d} | {n:,} | {z:,} | {s} | {t:.2f} | {note} |" for d, n, z, s, t, note in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--write", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args()
    table = run(args.sizes)
    print(table)
    if args.write:
        args.write.write_text(f"# Benchmarks\n\nMeasured {date.today().isoformat()} with "
                              f"`python benchmarks/bench_check.py --sizes "
                              f"{' '.join(map(str, args.sizes))}`.\n\n{table}\n",
                              encoding="utf-8")


if __name__ == "__main__":
    main()
