"""The scale benchmark: landplan's zoning overlay against geopandas.overlay and PostGIS,
side by side in one run, on the same seeded synthetic district, with equal answers checked.

Run from the repository root (after the README's install)::

    .venv/bin/python benchmarks/bench_scale.py                    # 10^4, 10^5, 10^6 parcels
    .venv/bin/python benchmarks/bench_scale.py --sizes 10000 --no-postgis --out /tmp/b.md

It writes a Markdown report (default ``docs/benchmarks.md``): machine and versions, then per
size the seconds, the ratios to landplan's engine and the peak memory of each method.

* Two districts (``benchmarks/_synthetic.py``, seeded), ``--scenarios``:
  ``wavy``: 5,041 zones (71 × 71, ~170 vertices each, shared wavy edges) in 30 km × 30 km;
  parcels of 200–2,000 m² (log-uniform) tiling a centred square, about a sixth crossing a
  zone boundary — zone edges never run along parcel edges.
  ``aligned``: a plan drawn on the cadastral map, as district plans are — parcels tiling a
  jittered, sheared grid (~28 m), zones that are unions of them (about 5,000, at least 9
  parcels each), edges simplified by 1 m as a coverage: zones share the parcels' vertices
  and edges. Written to GeoParquet first; reading it is timed apart ("read").
* (a) ``geopandas.overlay(how="intersection")`` + area, as a geopandas user would.
  (b) PostGIS: a private server (installed from Debian's packages if missing, started on
  127.0.0.1), the data loaded by binary COPY with GiST indexes, the overlay SQL with the
  ``ST_Within`` shortcut and the planner's parallel plan (``benchmarks/_postgis.py``);
  loading is timed apart. (c) landplan's engine on all cores, and on one.
  (d) The end-to-end command ``landplan check`` on the GeoParquet files (every rule, CSV
  outputs, no map), timed as a whole process.
* Each method runs in its own process (peak RSS is that process's); the answers are
  compared per parcel: the same (parcel, zone) pairs, areas equal within 1e-9 of the
  parcel's area.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


def _rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from
    the parent across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# --- the methods, each run in a child process ---------------------------------------------

def _read(data: Path, key: str):
    import geopandas as gpd

    start = time.perf_counter()
    zones = gpd.read_parquet(data / f"zones_{key}.parquet")
    parcels = gpd.read_parquet(data / f"parcels_{key}.parquet")
    return zones, parcels, time.perf_counter() - start


def _method_engine(data: Path, n: str, workers: int) -> dict:
    from landplan.engine import overlay_pairs

    zones, parcels, read_s = _read(data, n)
    stats: dict = {}
    start = time.perf_counter()
    pairs = overlay_pairs(parcels.geometry.values, zones.geometry.values, workers=workers,
                          stats=stats)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "read_s": read_s, "pairs": pairs[["parcel", "zone", "area_m2"]],
            "stats": {k: (float(v) if v is not None else None) for k, v in stats.items()}}


def _method_overlay(data: Path, n: str) -> dict:
    import geopandas as gpd

    zones, parcels, read_s = _read(data, n)
    left = gpd.GeoDataFrame({"parcel": np.arange(len(parcels))}, geometry=parcels.geometry.values,
                            crs=parcels.crs)
    right = gpd.GeoDataFrame({"zone": np.arange(len(zones))}, geometry=zones.geometry.values,
                             crs=zones.crs)
    start = time.perf_counter()
    pieces = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
    pieces["area_m2"] = pieces.geometry.area
    seconds = time.perf_counter() - start
    pairs = pieces.groupby(["parcel", "zone"], sort=True)["area_m2"].sum().reset_index()
    return {"seconds": seconds, "read_s": read_s, "pairs": pairs}


def _method_postgis(data: Path, n: str, conninfo: str, workers: int) -> dict:
    from _postgis import postgis_overlay

    zones, parcels, read_s = _read(data, n)
    out = postgis_overlay(conninfo, parcels.geometry.values, zones.geometry.values,
                          parallel_workers=workers)
    return {"seconds": out["query_s"], "read_s": read_s, "load_s": out["load_s"],
            "pairs": out["pairs"], "version": out["version"], "gather": out["gather"],
            "workers_planned": out["workers_planned"]}


def _child(argv: list[str]) -> None:
    """``bench_scale.py _run METHOD N DATA RESULT [ARG]``: run one method, save its pairs
    (parquet) and a JSON line of timings."""
    method, n, data, result = argv[0], argv[1], Path(argv[2]), Path(argv[3])
    extra = argv[4:]
    if method == "engine":
        out = _method_engine(data, n, int(extra[0]))
    elif method == "overlay":
        out = _method_overlay(data, n)
    elif method == "postgis":
        out = _method_postgis(data, n, extra[0], int(extra[1]))
    else:
        raise SystemExit(f"unknown method {method}")
    pairs = out.pop("pairs")
    pairs.reset_index(drop=True).to_parquet(result.with_suffix(".parquet"))
    out["rss_mb"] = _rss_mb()
    out["n_pairs"] = len(pairs)
    result.write_text(json.dumps(out))


def _run_child(method: str, n: str, data: Path, *extra: str) -> tuple[dict, pd.DataFrame]:
    result = data / f"result_{method}_{n}_{'_'.join(extra)[:20].replace('/', '')}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "_run", method, str(n), str(data),
           str(result), *extra]
    subprocess.run(cmd, check=True, cwd=ROOT)
    out = json.loads(result.read_text())
    return out, pd.read_parquet(result.with_suffix(".parquet"))


def _run_cli(n: str, data: Path) -> dict:
    out = data / f"cli_{n}"
    cmd = [str(Path(sys.executable).with_name("landplan")), "check", "--plan",
           str(data / f"zones_{n}.parquet"), "--decisions", str(data / f"parcels_{n}.parquet"),
           "--out", str(out), "--no-map", "-q", "--as-of", "2025-12-31"]
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], check=True, cwd=ROOT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    rss_kb = int(proc.stderr.strip().splitlines()[-1])
    decisions = pd.read_csv(out / "decisions.csv", usecols=["status"])
    return {"seconds": seconds, "rss_mb": rss_kb / 1024.0, "decisions": len(decisions)}


# --- comparison and report ------------------------------------------------------------------

def same_answer(ours: pd.DataFrame, theirs: pd.DataFrame, parcel_area: np.ndarray) -> str:
    """"yes", or what differs: pairs, or the largest area difference (× parcel area).
    Pairs of at most ``TOUCH`` of the parcel's area are touches on either side (GEOS
    overlays can leave such crumbs along shared edges); they are left out of both."""
    from landplan.engine import TOUCH

    def solid(frame: pd.DataFrame) -> pd.DataFrame:
        keep = frame["area_m2"].to_numpy() > TOUCH * parcel_area[frame["parcel"].to_numpy()]
        return frame[keep].sort_values(["parcel", "zone"], kind="stable").reset_index(drop=True)

    a, b = solid(ours), solid(theirs)
    if len(a) != len(b) or not (np.array_equal(a["parcel"], b["parcel"])
                                and np.array_equal(a["zone"], b["zone"])):
        keys_a = set(zip(a["parcel"], a["zone"], strict=True))
        keys_b = set(zip(b["parcel"], b["zone"], strict=True))
        return f"no: {len(keys_a - keys_b)} pairs only here, {len(keys_b - keys_a)} only there"
    diff = np.abs(a["area_m2"].to_numpy() - b["area_m2"].to_numpy())
    worst = float((diff / parcel_area[a["parcel"].to_numpy()]).max()) if len(diff) else 0.0
    return "yes" if worst <= 1e-9 else f"no: area differs by {worst:.1e} of a parcel"


def _versions() -> str:
    import geopandas
    import pyogrio
    import shapely

    import landplan

    return (f"Python {platform.python_version()}, landplan {landplan.__version__}, shapely "
            f"{shapely.__version__} (GEOS {shapely.geos_version_string}), geopandas "
            f"{geopandas.__version__}, pandas {pd.__version__}, numpy {np.__version__}, pyogrio "
            f"{pyogrio.__version__}")


def _machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores ({cpu}), "
            f"{mem:.0f} GiB RAM, {platform.system()} {platform.release()}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_run":
        _child(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--scenarios", nargs="+", default=["wavy", "aligned"],
                        choices=["wavy", "aligned"])
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--no-postgis", action="store_true", help="skip PostGIS")
    parser.add_argument("--no-overlay-above", type=int, default=10**7,
                        help="skip geopandas.overlay above this many parcels")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)

    import _synthetic
    import shapely

    rows: list[dict] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="landplan-bench-") as tmp:
        data = Path(tmp)
        start = time.perf_counter()
        areas: dict[str, np.ndarray] = {}
        keys: list[tuple[str, int, str]] = []  # (scenario, parcels, file key)
        wavy = _synthetic.zones() if "wavy" in args.scenarios else None
        for scenario in args.scenarios:
            for n in args.sizes:
                key = f"{scenario}_{n}"
                if scenario == "wavy":
                    zones, parcels = wavy, _synthetic.parcels(n, plan=wavy)
                else:
                    zones, parcels = _synthetic.aligned(n, parcels_per_zone=max(9.0, n / 5000))
                zones.to_parquet(data / f"zones_{key}.parquet")
                parcels.to_parquet(data / f"parcels_{key}.parquet")
                areas[key] = shapely.area(parcels.geometry.values)
                vertices = shapely.get_num_coordinates(zones.geometry.values).mean()
                keys.append((scenario, n, key))
                print(f"data {key}: {len(zones):,} zones (~{vertices:.0f} vertices) "
                      f"({time.perf_counter() - start:.1f} s)", flush=True)
                notes.append(f"{scenario}, {n:,} parcels: {len(zones):,} zones of "
                             f"~{vertices:.0f} vertices")

        server = None
        if not args.no_postgis:
            from _postgis import postgis_server

            server = postgis_server()
            try:
                conninfo = server.__enter__()
                notes.append("PostGIS server: " + ", ".join(
                    f"{k} {v:.1f} s" for k, v in getattr(conninfo, "timings", {}).items()))
            except RuntimeError as exc:
                notes.append(f"PostGIS not run: {exc}")
                server = None
        try:
            for scenario, n, key in keys:
                engine, ours = _run_child("engine", key, data, str(args.workers))
                add = _row_adder(rows, scenario, n, engine["seconds"])
                add("landplan engine", engine, f"{args.workers} threads", "reference")
                one, pairs_one = _run_child("engine", key, data, "1")
                add("landplan engine", one, "1 thread", same_answer(ours, pairs_one, areas[key]))
                st = engine["stats"]
                grid = (f"grid {st['grid_s']:.2f} s (cell {st['cell']:.1f} m) + certify "
                        f"{st['certify_s']:.2f} s ({int(st['certified']):,} parcels certified "
                        f"without GEOS, {100 * st['certified'] / n:.0f} %)" if st["cell"]
                        else "no grid (under 20,000 parcels)")
                notes.append(
                    f"{scenario}, {n:,} parcels: engine {engine['seconds']:.2f} s = {grid} "
                    f"+ STRtree/GEOS path {st['geos_s']:.2f} s "
                    f"({int(st['geos_parcels']):,} parcels); "
                    f"{engine['n_pairs']:,} pairs; reading the GeoParquet "
                    f"{engine['read_s']:.2f} s")
                if n <= args.no_overlay_above:
                    over, pairs_over = _run_child("overlay", key, data)
                    add("geopandas.overlay + area", over, "",
                        same_answer(ours, pairs_over, areas[key]))
                if server is not None:
                    pg, pairs_pg = _run_child("postgis", key, data, conninfo, str(args.workers))
                    add("PostGIS, ST_Within shortcut", pg,
                        f"{args.workers} workers, gather {pg['gather']}; load + index "
                        f"{pg['load_s']:.1f} s apart; RSS is the client's",
                        same_answer(ours, pairs_pg, areas[key]))
                    if f"PostGIS: {pg['version']}" not in notes:
                        notes.append(f"PostGIS: {pg['version']}")
                cli = _run_cli(key, data)
                add("landplan check (CLI, end to end)", cli,
                    "GeoParquet in, every rule, CSV out, no map", "")
                print(pd.DataFrame(rows).tail(5).to_string(index=False), flush=True)
        finally:
            if server is not None:
                server.__exit__(None, None, None)
    report = _report(rows, notes, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(f"wrote {args.out}")
    return 0


def _row_adder(rows: list[dict], scenario: str, n: int, engine_s: float):
    def add(method: str, out: dict, note: str, same: str) -> None:
        rows.append({"scenario": scenario, "parcels": n, "method": method,
                     "seconds": out["seconds"], "ratio": out["seconds"] / engine_s,
                     "rss_mb": out.get("rss_mb"),
                     "same": same, "note": note})
    return add


def _report(rows: list[dict], notes: list[str], args: argparse.Namespace) -> str:
    lines = [
        "# Benchmarks: the zoning overlay at scale",
        "",
        f"Measured {date.today().isoformat()} with `python benchmarks/bench_scale.py "
        f"--sizes {' '.join(map(str, args.sizes))} --scenarios {' '.join(args.scenarios)}`"
        + (" --no-postgis" if args.no_postgis else "") + " — every number below comes from "
        "that one run; they are only comparable with each other.",
        "",
        f"Machine: {_machine()}.",
        "",
        f"Software: {_versions()}.",
        "",
        "Data (`benchmarks/_synthetic.py`, seeded): *wavy* — 5,041 zones of ~170 vertices "
        "(71 × 71 with shared wavy edges) in 30 km × 30 km, parcels of 200–2,000 m² tiling a "
        "centred square, zone edges never along parcel edges; *aligned* — a plan drawn on the "
        "cadastral map: parcels tiling a jittered, sheared ~28 m grid, zones that are unions of "
        "them (~5,000, at least 9 parcels each) simplified by 1 m as a coverage, so zones "
        "share the parcels' vertices and edges. "
        "Seconds are the overlay alone (reading the GeoParquet is apart) except for the CLI, "
        "which is the whole command. \"× engine\" is seconds divided by landplan's engine's on "
        "all cores; \"same answer\": the same (parcel, zone) pairs and areas within 1e-9 of the "
        "parcel's area as the engine's.",
        "",
        "| scenario | parcels | method | seconds | × engine | peak RSS (MB) | same answer "
        "| note |",
        "|---|---:|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        rss = f"{r['rss_mb']:,.0f}" if r["rss_mb"] else ""
        lines.append(f"| {r['scenario']} | {r['parcels']:,} | {r['method']} | {r['seconds']:.2f} | "
                     f"{r['ratio']:.2f} | {rss} | {r['same']} | {r['note']} |")
    lines += ["", "## Where the time goes", ""] + [f"- {note}" for note in notes]
    lines += ["", "What these numbers mean, the targets they were measured against and what "
              "is left: [the engine at scale](scale.md).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
