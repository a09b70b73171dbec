"""The scale benchmark: landplan's zoning overlay and its end-to-end command beside
geopandas.overlay, PostGIS, DuckDB spatial and SedonaDB, in one run, on the same seeded
synthetic districts, with every method's answer checked pair by pair.

Run from the repository root (after ``pip install -e ".[bench]"``)::

    .venv/bin/python benchmarks/bench_scale.py                    # 10^4, 10^5, 10^6 parcels
    .venv/bin/python benchmarks/bench_scale.py --sizes 10000 --no-postgis --out /tmp/b.md

It writes a Markdown report (default ``docs/benchmarks.md``): machine and versions, per
scenario and size every method's seconds, its ratios to DuckDB's overlay query and to
landplan's engine, its peak memory; the default command's output files and their sizes; the
issue's targets, each met or missed by how much.

* Three districts (``benchmarks/_synthetic.py``, seeded), ``--scenarios``:
  ``wavy``: 5,041 zones (71 × 71, ~170 vertices each, shared wavy edges) in 30 km × 30 km;
  parcels of 200–2,000 m² (log-uniform) tiling a centred square, about a sixth crossing a
  zone boundary — zone edges never run along parcel edges.
  ``aligned``: a plan drawn on the cadastral map, as district plans are — parcels tiling a
  jittered, sheared grid (~28 m), zones that are unions of them (about 5,000, at least 9
  parcels each), edges simplified by 1 m as a coverage: zones share the parcels' vertices
  and edges.
  ``stress``: a bad day — the wavy plan; 70 % of the parcels tile a square, the other 30 %
  are re-grants (copies of granted parcels, turned and moved) dated later, and 13 % of all
  are granted a random code: ~40 % of decisions are violations, 30 % double allocations.
  Written to GeoParquet first; reading it is timed apart ("read").
* (a) ``geopandas.overlay(how="intersection")`` + area, as a geopandas user would.
  (b) PostGIS: a private server (installed from Debian's packages if missing, started on
  127.0.0.1), the data loaded by binary COPY with GiST indexes, the overlay SQL with the
  ``ST_Within`` shortcut and the planner's parallel plan (``benchmarks/_postgis.py``);
  loading is timed apart. (c) DuckDB with the spatial extension file that the
  ``duckdb-extension-spatial`` wheel ships (:data:`DUCKDB_SQL`), and (d) SedonaDB
  (:data:`SEDONA_SQL`): each reads the GeoParquet files with its own reader into memory
  (timed apart), then runs the spatial join a user would write, on all cores.
  (e) landplan's engine on all cores, and on one.
  (f) The end-to-end command: the default ``landplan check`` on the GeoParquet files (every
  rule, every default output, the map included), timed as a whole process, with the size of
  every file it writes.
* Each method runs in its own process (peak RSS is that process's; PostGIS's is the
  client's); the answers are compared per parcel: the same (parcel, zone) pairs, areas equal
  within 1e-9 of the parcel's area. A method whose packages are missing is left out with a
  line saying so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from importlib import metadata, util
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _machine import describe  # noqa: E402  (after the path to the benchmarks folder)

ENGINE = "landplan engine"
OVERLAY = "geopandas.overlay + area"
POSTGIS = "PostGIS, ST_Within shortcut"
DUCKDB = "DuckDB spatial"
SEDONA = "SedonaDB"
CLI = "landplan check (default command)"
SCENARIOS = ("wavy", "aligned", "stress")
AS_OF = "2025-12-31"  # the command's evaluation date, so that every run judges alike
MB, GB = 1e6, 1e9  # sizes and memory in decimal units (the targets' "2 GB", "25 MB")

#: The overlay as a DuckDB or SedonaDB user writes it: the spatial join on ST_Intersects,
#: keyed by the files' own columns, and the parcel's own area when it lies within the zone.
OVERLAY_SQL = (
    "SELECT p.decision_no AS parcel, z.zone_id AS zone,"
    " CASE WHEN ST_Within(p.geometry, z.geometry) THEN ST_Area(p.geometry)"
    " ELSE ST_Area(ST_Intersection(p.geometry, z.geometry)) END AS area_m2"
    " FROM parcels p JOIN zones z ON ST_Intersects(p.geometry, z.geometry)"
)
#: The same without the ST_Within shortcut (SedonaDB 0.5 refuses containment predicates on
#: MultiPolygons whose parts touch, as some zones of the aligned plan do).
PLAIN_SQL = (
    "SELECT p.decision_no AS parcel, z.zone_id AS zone,"
    " ST_Area(ST_Intersection(p.geometry, z.geometry)) AS area_m2"
    " FROM parcels p JOIN zones z ON ST_Intersects(p.geometry, z.geometry)"
)
#: The tables of every check; a map too (``map.html``, or map files under ``maps/``).
TABLES = ("findings.gpkg", "findings.csv", "decisions.csv", "summary.csv")


def _rss_mb() -> float:
    """This process's peak resident memory in MB (VmHWM: unlike ru_maxrss, not inherited
    from the parent across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / MB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


# --- which optional methods can run ----------------------------------------------------------

def duckdb_spatial() -> Path:
    """The spatial extension file that the ``duckdb-extension-spatial`` wheel ships for the
    installed duckdb (``<package>/extensions/v<duckdb version>/spatial.duckdb_extension``);
    RuntimeError saying what is missing otherwise."""
    try:
        version = metadata.version("duckdb")
    except metadata.PackageNotFoundError:
        raise RuntimeError("duckdb is not installed (pip install -e \".[bench]\")") from None
    spec = util.find_spec("duckdb_extension_spatial")
    if spec is None or spec.origin is None:
        raise RuntimeError("duckdb-extension-spatial is not installed "
                           "(pip install -e \".[bench]\")")
    shipped = Path(spec.origin).parent / "extensions"
    path = shipped / f"v{version}" / "spatial.duckdb_extension"
    if not path.is_file():
        built = ", ".join(sorted(p.name for p in shipped.glob("v*"))) or "no version"
        raise RuntimeError(f"duckdb {version} is installed but duckdb-extension-spatial ships "
                           f"the extension for {built}: install that duckdb")
    return path


def sedonadb_installed() -> None:
    """RuntimeError unless the ``sedonadb`` package is importable."""
    if util.find_spec("sedonadb") is None:
        raise RuntimeError("sedonadb is not installed (pip install -e \".[bench]\")")


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


def _positions(data: Path, key: str, found: pd.DataFrame) -> pd.DataFrame:
    """The SQL methods' rows keyed by ``decision_no`` and ``zone_id`` as positions in the
    files (as the other methods give them), areas of 0 left out (as PostGIS's)."""
    import pyarrow.parquet as pq

    def index(name: str, column: str) -> pd.Index:
        keys = pd.Index(pq.read_table(data / f"{name}_{key}.parquet", columns=[column])
                        .column(0).to_numpy(zero_copy_only=False))
        if not keys.is_unique:
            raise SystemExit(f"{name}_{key}.parquet: {column} is not unique")
        return keys

    parcel = index("parcels", "decision_no").get_indexer(found["parcel"].to_numpy())
    zone = index("zones", "zone_id").get_indexer(found["zone"].to_numpy())
    if (parcel < 0).any() or (zone < 0).any():
        raise SystemExit("a key returned by the query is not in the files")
    pairs = pd.DataFrame({"parcel": parcel.astype(np.int64), "zone": zone.astype(np.int64),
                          "area_m2": found["area_m2"].to_numpy(dtype=np.float64)})
    pairs = pairs[pairs["area_m2"] > 0].sort_values(["parcel", "zone"], kind="stable")
    return pairs.reset_index(drop=True)


def _method_duckdb(data: Path, key: str, workers: int) -> dict:
    """DuckDB: the wheel's extension file loaded by path, both files read into tables, then
    the query. ``allow_unsigned_extensions`` as issue 15 asks, for a file from outside
    DuckDB's repository; the 1.5.5 wheel's file carries DuckDB's signature and loads
    without it too."""
    import duckdb

    extension = str(duckdb_spatial()).replace("'", "''")
    con = duckdb.connect(config={"allow_unsigned_extensions": "true", "threads": workers})
    con.execute(f"LOAD '{extension}'")
    start = time.perf_counter()
    for name, column in (("parcels", "decision_no"), ("zones", "zone_id")):
        path = str(data / f"{name}_{key}.parquet").replace("'", "''")
        con.execute(f"CREATE TABLE {name} AS SELECT {column}, geometry "
                    f"FROM read_parquet('{path}')")
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    found = con.execute(OVERLAY_SQL).df()
    seconds = time.perf_counter() - start
    spatial = con.execute("SELECT extension_version FROM duckdb_extensions() "
                          "WHERE extension_name = 'spatial'").fetchone()[0]
    con.close()
    return {"seconds": seconds, "load_s": load_s, "pairs": _positions(data, key, found),
            "sql": "ST_Within shortcut",
            "version": f"DuckDB {duckdb.__version__}, spatial extension {spatial} "
                       f"(duckdb-extension-spatial {metadata.version('duckdb-extension-spatial')})"}


def _method_sedonadb(data: Path, key: str, workers: int) -> dict:
    """SedonaDB: both files read into memory tables, then the query (the ST_Within shortcut,
    or without it where SedonaDB refuses it)."""
    import pyarrow as pa
    import sedonadb

    sd = sedonadb.connect()
    sd.sql(f"SET datafusion.execution.target_partitions = {int(workers)}").execute()
    start = time.perf_counter()
    for name, column in (("parcels", "decision_no"), ("zones", "zone_id")):
        frame = sd.read_parquet(str(data / f"{name}_{key}.parquet"))
        frame.select(column, "geometry").to_memtable().to_view(name)
    load_s = time.perf_counter() - start
    sql, used = OVERLAY_SQL, "ST_Within shortcut"
    try:
        start = time.perf_counter()
        found = pa.RecordBatchReader.from_stream(sd.sql(sql)).read_all().to_pandas()
    except Exception as exc:  # SedonaDB's errors are plain Exceptions from Rust
        if "not supported" not in str(exc):
            raise
        sql, used = PLAIN_SQL, f"no ST_Within shortcut (refused: {str(exc).split(': ')[-1]})"
        start = time.perf_counter()
        found = pa.RecordBatchReader.from_stream(sd.sql(sql)).read_all().to_pandas()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "load_s": load_s, "pairs": _positions(data, key, found),
            "sql": used, "version": f"SedonaDB {sedonadb.__version__}"}


def _child(argv: list[str]) -> None:
    """``bench_scale.py _run METHOD KEY DATA RESULT [ARG]``: run one method, save its pairs
    (parquet) and a JSON line of timings."""
    method, key, data, result = argv[0], argv[1], Path(argv[2]), Path(argv[3])
    extra = argv[4:]
    if method == "engine":
        out = _method_engine(data, key, int(extra[0]))
    elif method == "overlay":
        out = _method_overlay(data, key)
    elif method == "postgis":
        out = _method_postgis(data, key, extra[0], int(extra[1]))
    elif method == "duckdb":
        out = _method_duckdb(data, key, int(extra[0]))
    elif method == "sedonadb":
        out = _method_sedonadb(data, key, int(extra[0]))
    else:
        raise SystemExit(f"unknown method {method}")
    pairs = out.pop("pairs")
    pairs.reset_index(drop=True).to_parquet(result.with_suffix(".parquet"))
    out["rss_mb"] = _rss_mb()
    out["n_pairs"] = len(pairs)
    result.write_text(json.dumps(out))


def _run_child(method: str, key: str, data: Path, *extra: str) -> tuple[dict, pd.DataFrame]:
    """Run one method in its own process; its timings and pairs. A failing child raises
    RuntimeError with the end of its error output."""
    result = data / f"result_{method}_{key}_{'_'.join(extra)[:20].replace('/', '')}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "_run", method, key, str(data),
           str(result), *extra]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = [line for line in proc.stderr.strip().splitlines() if line.strip()][-1:]
        raise RuntimeError(f"exit {proc.returncode}: {' '.join(tail)[:300]}")
    out = json.loads(result.read_text())
    return out, pd.read_parquet(result.with_suffix(".parquet"))


# --- the end-to-end command -------------------------------------------------------------------

_SECONDS = re.compile(r"\d(?:\.\d+)? ?s\b")
_LOG_PREFIX = re.compile(r"^(?:DEBUG|INFO)\s+\S+:\s*")


def _outputs(out: Path) -> dict[str, int]:
    """Every file the command wrote under ``out`` (hidden ones aside): relative path → bytes."""
    return {str(path.relative_to(out)): path.stat().st_size for path in sorted(out.rglob("*"))
            if path.is_file() and not any(part.startswith(".")
                                          for part in path.relative_to(out).parts)}


def _findings_mix(out: Path) -> dict:
    """Counts from the command's ``summary.csv``: decisions, findings, by status and by rule
    (decisions having a finding of that rule)."""
    path = out / "summary.csv"
    if not path.is_file():
        return {}
    summary = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    total = summary[summary["dimension"] == "total"].iloc[0]
    by = {(d, v): int(k) for d, v, k in summary[["dimension", "value", "n_decisions"]]
          .itertuples(index=False)}
    return {"decisions": int(total["n_decisions"]), "findings": int(total["n_findings"]),
            "violation": by.get(("status", "violation"), 0),
            "unchecked": by.get(("status", "unchecked"), 0),
            "rules": {v: k for (d, v), k in by.items() if d == "rule"}}


def _run_cli(key: str, data: Path) -> dict:
    """The default ``landplan check`` (only ``--as-of`` fixed, and ``-v`` for its log, which
    changes no output), timed as a whole process with /usr/bin/time's peak RSS."""
    out = data / f"cli_{key}"
    cmd = [str(Path(sys.executable).with_name("landplan")), "check", "--plan",
           str(data / f"zones_{key}.parquet"), "--decisions", str(data / f"parcels_{key}.parquet"),
           "--out", str(out), "--as-of", AS_OF, "-v"]
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], cwd=ROOT, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - start
    lines = proc.stderr.strip().splitlines()
    rss = int(lines.pop()) * 1024 / MB if lines and lines[-1].strip().isdigit() else None
    steps = [_LOG_PREFIX.sub("", line) for line in lines
             if _LOG_PREFIX.match(line) and _SECONDS.search(line)]
    errors = [line for line in lines if line.strip() and not _LOG_PREFIX.match(line)
              and not line.startswith("WARNING")]
    return {"seconds": seconds, "rss_mb": rss, "exit": proc.returncode,
            "error": errors[-1][:300] if proc.returncode and errors else "",
            "outputs": _outputs(out) if out.is_dir() else {}, "steps": steps,
            "mix": _findings_mix(out)}


# --- comparison ------------------------------------------------------------------------------

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


# --- the run -----------------------------------------------------------------------------------

def _write_data(args: argparse.Namespace, data: Path, notes: list[str]
                ) -> tuple[list[tuple[str, int, str]], dict[str, np.ndarray]]:
    """Write every (scenario, size) district as GeoParquet; their keys and parcel areas."""
    import _synthetic
    import shapely

    start = time.perf_counter()
    areas: dict[str, np.ndarray] = {}
    keys: list[tuple[str, int, str]] = []  # (scenario, parcels, file key)
    wavy = _synthetic.zones() if {"wavy", "stress"} & set(args.scenarios) else None
    for scenario in args.scenarios:
        for n in args.sizes:
            key = f"{scenario}_{n}"
            if scenario == "wavy":
                zones, parcels = wavy, _synthetic.parcels(n, plan=wavy)
            elif scenario == "stress":
                zones, parcels = _synthetic.stress(n, plan=wavy)
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
    return keys, areas


def _optional_methods(args: argparse.Namespace, skipped: list[str]) -> set[str]:
    """DuckDB and SedonaDB, unless left out (``--no-…``) or not installed (then a line in
    ``skipped`` says why)."""
    ready = set()
    for method, label, probe in (("duckdb", DUCKDB, duckdb_spatial),
                                 ("sedonadb", SEDONA, sedonadb_installed)):
        if getattr(args, f"no_{method}"):
            skipped.append(f"{label} not run: --no-{method}")
            continue
        try:
            probe()
        except RuntimeError as exc:
            skipped.append(f"{label} not run: {exc}")
        else:
            ready.add(method)
    return ready


def _start_postgis(args: argparse.Namespace, skipped: list[str], notes: list[str]):
    """The private PostGIS server and its conninfo, or (None, None) with the reason."""
    if args.no_postgis:
        skipped.append("PostGIS not run: --no-postgis")
        return None, None
    from _postgis import postgis_server

    server = postgis_server()
    try:
        conninfo = server.__enter__()
    except RuntimeError as exc:
        skipped.append(f"PostGIS not run: {exc}")
        return None, None
    notes.append("PostGIS server: " + ", ".join(
        f"{k} {v:.1f} s" for k, v in getattr(conninfo, "timings", {}).items()))
    return server, conninfo


class _Bench:
    """One run: the rows of the table, the command's runs, notes and what was not run."""

    def __init__(self, args: argparse.Namespace, data: Path, areas: dict[str, np.ndarray]):
        self.args, self.data, self.areas = args, data, areas
        self.rows: list[dict] = []
        self.clis: dict[tuple[str, int], dict] = {}
        self.notes: list[str] = []
        self.skipped: list[str] = []
        self.versions: list[str] = []
        self.conninfo: str | None = None
        self.optional: set[str] = set()

    def add(self, scenario: str, n: int, method: str, out: dict, note: str, same: str) -> None:
        self.rows.append({"scenario": scenario, "parcels": n, "method": method,
                          "seconds": out["seconds"], "rss_mb": out.get("rss_mb"),
                          "same": same, "note": note})

    def version(self, text: str) -> None:
        if text not in self.versions:
            self.versions.append(text)

    def run(self, scenario: str, n: int, key: str) -> None:
        workers = str(self.args.workers)
        engine, ours = _run_child("engine", key, self.data, workers)
        self.add(scenario, n, ENGINE, engine, f"{workers} threads", "reference")
        one, pairs_one = _run_child("engine", key, self.data, "1")
        self.add(scenario, n, ENGINE, one, "1 thread", self.same(key, ours, pairs_one))
        self.notes.append(f"{scenario}, {n:,} parcels: " + _engine_note(engine, n))
        if n <= self.args.no_overlay_above:
            over, pairs_over = _run_child("overlay", key, self.data)
            self.add(scenario, n, OVERLAY, over, "", self.same(key, ours, pairs_over))
        if self.conninfo is not None:
            pg, pairs_pg = _run_child("postgis", key, self.data, self.conninfo, workers)
            self.add(scenario, n, POSTGIS, pg,
                     f"{workers} workers, gather {pg['gather']}; load + index "
                     f"{pg['load_s']:.1f} s apart; RSS is the client's",
                     self.same(key, ours, pairs_pg))
            self.version(pg["version"])
        for method, label in (("duckdb", DUCKDB), ("sedonadb", SEDONA)):
            if method in self.optional:
                self.run_sql(scenario, n, key, method, label, ours)
        cli = _run_cli(key, self.data)
        self.clis[(scenario, n)] = cli
        self.add(scenario, n, CLI, cli, "GeoParquet in, every rule, default outputs (map "
                 "included)", f"exit {cli['exit']}: {cli['error']}" if cli["exit"] else "")
        if cli["steps"]:
            self.notes.append(f"{scenario}, {n:,} parcels, `landplan check -v`: "
                              + "; ".join(cli["steps"]))
        shown = pd.DataFrame(self.rows).drop(columns="note")
        print(shown[(shown["scenario"] == scenario) & (shown["parcels"] == n)]
              .to_string(index=False), flush=True)

    def run_sql(self, scenario: str, n: int, key: str, method: str, label: str,
                ours: pd.DataFrame) -> None:
        try:
            out, pairs = _run_child(method, key, self.data, str(self.args.workers))
        except RuntimeError as exc:
            self.skipped.append(f"{label} failed on {scenario}, {n:,} parcels: {exc}")
            return
        self.add(scenario, n, label, out, f"{self.args.workers} threads, {out['sql']}; "
                 f"read into memory {out['load_s']:.1f} s apart",
                 self.same(key, ours, pairs))
        self.version(out["version"])

    def same(self, key: str, ours: pd.DataFrame, theirs: pd.DataFrame) -> str:
        return same_answer(ours, theirs, self.areas[key])


def _engine_note(engine: dict, n: int) -> str:
    st = engine["stats"]
    grid = (f"grid {st['grid_s']:.2f} s (cell {st['cell']:.1f} m) + certify "
            f"{st['certify_s']:.2f} s ({int(st['certified']):,} parcels certified "
            f"without GEOS, {100 * st['certified'] / n:.0f} %)" if st["cell"]
            else "no grid (under 20,000 parcels)")
    return (f"engine {engine['seconds']:.2f} s = {grid} + STRtree/GEOS path "
            f"{st['geos_s']:.2f} s ({int(st['geos_parcels']):,} parcels); "
            f"{engine['n_pairs']:,} pairs; reading the GeoParquet {engine['read_s']:.2f} s")


def _versions() -> str:
    import geopandas
    import pyogrio
    import shapely

    import landplan

    return (f"Python {platform.python_version()}, landplan {landplan.__version__}, shapely "
            f"{shapely.__version__} (GEOS {shapely.geos_version_string}), geopandas "
            f"{geopandas.__version__}, pandas {pd.__version__}, numpy {np.__version__}, pyogrio "
            f"{pyogrio.__version__}")


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--no-postgis", action="store_true", help="skip PostGIS")
    parser.add_argument("--no-duckdb", action="store_true", help="skip DuckDB spatial")
    parser.add_argument("--no-sedonadb", action="store_true", help="skip SedonaDB")
    parser.add_argument("--no-overlay-above", type=int, default=10**7,
                        help="skip geopandas.overlay above this many parcels")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_run":
        _child(argv[1:])
        return 0
    args = _parse(argv)
    with tempfile.TemporaryDirectory(prefix="landplan-bench-") as tmp:
        data = Path(tmp)
        notes: list[str] = []
        keys, areas = _write_data(args, data, notes)
        bench = _Bench(args, data, areas)
        bench.notes += notes
        bench.optional = _optional_methods(args, bench.skipped)
        server, bench.conninfo = _start_postgis(args, bench.skipped, bench.notes)
        try:
            for scenario, n, key in keys:
                bench.run(scenario, n, key)
        finally:
            if server is not None:
                server.__exit__(None, None, None)
    report = _report(bench, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(f"wrote {args.out}")
    return 0


# --- the report ------------------------------------------------------------------------------

def _size(nbytes: float) -> str:
    return f"{nbytes / MB:,.1f}"


def _outputs_cell(outputs: dict[str, int]) -> str:
    """``findings.gpkg 10.6, …, map.html 27.1`` (MB); files under a folder summed by folder."""
    folders: dict[str, list[int]] = {}
    for path, nbytes in outputs.items():
        head = path.split("/", 1)[0] + "/" if "/" in path else path
        folders.setdefault(head, []).append(nbytes)
    return ", ".join(f"{name} {_size(sum(sizes))}" + (f" ({len(sizes)} files)"
                                                      if name.endswith("/") else "")
                     for name, sizes in folders.items())


def _maps(outputs: dict[str, int]) -> dict[str, int]:
    return {path: nbytes for path, nbytes in outputs.items() if path.endswith(".html")}


def _ratio(rows: list[dict], row: dict, method: str, note_start: str = "") -> str:
    for ref in rows:
        if (ref["scenario"], ref["parcels"], ref["method"]) == (
                row["scenario"], row["parcels"], method) and ref["note"].startswith(note_start):
            return f"{row['seconds'] / ref['seconds']:.2f}"
    return ""


def _method_table(bench: _Bench) -> list[str]:
    lines = ["| scenario | parcels | method | seconds | × DuckDB | × engine | peak RSS (MB) "
             "| same answer | note |", "|---|---:|---|---:|---:|---:|---:|---|---|"]
    workers = f"{bench.args.workers} threads"
    for r in bench.rows:
        rss = f"{r['rss_mb']:,.0f}" if r["rss_mb"] else ""
        lines.append(
            f"| {r['scenario']} | {r['parcels']:,} | {r['method']} | {r['seconds']:.2f} | "
            f"{_ratio(bench.rows, r, DUCKDB)} | {_ratio(bench.rows, r, ENGINE, workers)} | "
            f"{rss} | {r['same']} | {r['note']} |")
    return lines


def _cli_table(bench: _Bench) -> list[str]:
    lines = ["| scenario | parcels | seconds | peak RSS (MB) | findings | violation "
             "| double allocation | zoning conflict | largest map file (MB) | outputs (MB) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for (scenario, n), cli in bench.clis.items():
        mix = cli["mix"]
        decisions = mix.get("decisions") or 1

        def share(count: int | None, decisions: int = decisions) -> str:
            return "" if count is None else f"{100 * count / decisions:.1f} %"

        maps = _maps(cli["outputs"])
        rss = f"{cli['rss_mb']:,.0f}" if cli["rss_mb"] else ""
        lines.append(
            f"| {scenario} | {n:,} | {cli['seconds']:.2f} | {rss} | "
            f"{mix.get('findings', 0):,} | {share(mix.get('violation'))} | "
            f"{share(mix.get('rules', {}).get('double-allocation', 0))} | "
            f"{share(mix.get('rules', {}).get('zoning-conflict', 0))} | "
            f"{_size(max(maps.values())) if maps else 'none'} | "
            f"{_outputs_cell(cli['outputs']) or 'none'} |")
    return lines


def _at_most(what: str, value: float, limit: float, unit: str, scale: float) -> str:
    """One target line: met, or missed by how much."""
    shown = f"{value / scale:,.2f} {unit}"
    if value <= limit:
        return f"{what}: **met** ({shown})"
    return (f"{what}: **missed** by {(value - limit) / scale:,.2f} {unit} ({shown}, "
            f"{value / limit:.2f}× the limit)")


def _target_size(bench: _Bench, scenario: str) -> tuple[int | None, str]:
    sizes = sorted(n for s, n in bench.clis if s == scenario)
    if not sizes:
        return None, f"not measured: no {scenario} scenario in this run"
    if 1_000_000 in sizes:
        return 1_000_000, ""
    return sizes[-1], (f" — set at 10⁶ parcels, shown at {sizes[-1]:,} for development "
                       "only")


def _aligned_targets(bench: _Bench) -> list[str]:
    n, caveat = _target_size(bench, "aligned")
    if n is None:
        return [f"- Aligned 10⁶: {caveat}"]
    cli = bench.clis[("aligned", n)]
    duck = [r["seconds"] for r in bench.rows if (r["scenario"], r["parcels"], r["method"])
            == ("aligned", n, DUCKDB)]
    head = f"- Aligned, {n:,} parcels{caveat}:"
    lines = [head]
    if duck:
        lines.append("  - " + _at_most("the default command end to end no slower than "
                                       f"DuckDB's overlay query alone ({duck[0]:.2f} s)",
                                       cli["seconds"], duck[0], "s", 1.0))
        lines.append("  - " + _at_most(f"stretch: 2× faster ({duck[0] / 2:.2f} s)",
                                       cli["seconds"], duck[0] / 2, "s", 1.0))
    else:
        lines.append("  - end to end against DuckDB: not measured (DuckDB not run)")
    lines.append("  - " + _at_most("peak RSS ≤ 2 GB", (cli["rss_mb"] or 0) * MB, 2 * GB, "GB",
                                   GB))
    return lines


def _stress_targets(bench: _Bench) -> list[str]:
    n, caveat = _target_size(bench, "stress")
    if n is None:
        return [f"- Stress 10⁶: {caveat}"]
    cli = bench.clis[("stress", n)]
    lines = [f"- Stress, {n:,} parcels{caveat}:",
             "  - " + _at_most("peak RSS ≤ 3 GB", (cli["rss_mb"] or 0) * MB, 3 * GB, "GB", GB)]
    maps = _maps(cli["outputs"])
    missing = [name for name in TABLES if name not in cli["outputs"]] + ([] if maps else ["map"])
    if cli["exit"] or missing:
        why = f"exit {cli['exit']} ({cli['error']}); " if cli["exit"] else ""
        lines.append(f"  - every output written: **missed** ({why}missing: "
                     f"{', '.join(missing) or 'none'})")
    else:
        files = [name for name in cli["outputs"] if not name.startswith("maps/")]
        in_maps = len(cli["outputs"]) - len(files)
        lines.append(f"  - every output written: **met** ({', '.join(files)}"
                     + (f", maps/ ({in_maps} files)" if in_maps else "") + ")")
    if maps:
        over = {p: b for p, b in maps.items() if b > 25 * MB}
        largest = max(maps, key=maps.get)
        verdict = _at_most(f"no map file over 25 MB (largest: {largest}; {len(over)} of "
                           f"{len(maps)} map files over)", maps[largest], 25 * MB, "MB", MB)
        lines.append("  - " + verdict)
    else:
        lines.append("  - no map file over 25 MB: no map file written")
    return lines


def _report(bench: _Bench, args: argparse.Namespace) -> str:
    skips = " ".join(f"--no-{m}" for m in ("postgis", "duckdb", "sedonadb")
                     if getattr(args, f"no_{m}"))
    lines = [
        "# Benchmarks: the zoning overlay and the command at scale",
        "",
        f"Measured {date.today().isoformat()} with `python benchmarks/bench_scale.py "
        f"--sizes {' '.join(map(str, args.sizes))} --scenarios {' '.join(args.scenarios)}"
        + (f" {skips}" if skips else "") + "` — every number below comes from that one run; "
        "they are only comparable with each other.",
        "",
        f"Machine: {describe()}.",
        "",
        f"Software: {'; '.join([_versions(), *bench.versions])}.",
        "",
        "Data (`benchmarks/_synthetic.py`, seeded): *wavy* — 5,041 zones of ~170 vertices "
        "(71 × 71 with shared wavy edges) in 30 km × 30 km, parcels of 200–2,000 m² tiling a "
        "centred square, zone edges never along parcel edges; *aligned* — a plan drawn on the "
        "cadastral map: parcels tiling a jittered, sheared ~28 m grid, zones that are unions of "
        "them (~5,000, at least 9 parcels each) simplified by 1 m as a coverage, so zones "
        "share the parcels' vertices and edges; *stress* — a bad day on the wavy plan: 70 % of "
        "the parcels tile a square, 30 % are later re-grants overlapping them (copies turned "
        "by up to 20° and moved by up to 40 % of their size), 13 % of all granted a random "
        "code. Seconds are the overlay alone (reading the GeoParquet, and loading it into "
        "PostGIS, DuckDB or SedonaDB, are apart) except for the command, which is the whole "
        "process. \"× DuckDB\" and \"× engine\" are seconds divided by DuckDB's overlay "
        "query's and by landplan's engine's on all cores; \"same answer\": the same (parcel, "
        "zone) pairs and areas within 1e-9 of the parcel's area as the engine's. MB and GB "
        "are 10⁶ and 10⁹ bytes.",
        "",
        *_method_table(bench),
        "",
        *([f"- *{line}*" for line in bench.skipped] + [""] if bench.skipped else []),
        "## The default command end to end",
        "",
        f"`landplan check --plan zones.parquet --decisions parcels.parquet --out DIR --as-of "
        f"{AS_OF} -v`: every rule, every default output (`-v` only adds its log). Findings "
        "and shares from its `summary.csv` (double allocation, zoning conflict: decisions "
        "with such a finding).",
        "",
        *_cli_table(bench),
        "",
        "## Targets (issue 15)",
        "",
        *_aligned_targets(bench),
        *_stress_targets(bench),
        "",
        "## Where the time goes",
        "",
        *[f"- {note}" for note in bench.notes],
        "",
        "What these numbers mean, the targets they were measured against and what is left: "
        "[the engine at scale](scale.md).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
