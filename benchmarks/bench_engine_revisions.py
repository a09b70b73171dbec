"""Two revisions of the overlay engine side by side, on both scale districts, each run in
its own process, with every answer checked pair by pair against plain GEOS.

Run from the repository root (after the README's install)::

    .venv/bin/python benchmarks/bench_engine_revisions.py --old 8b23b1a
    .venv/bin/python benchmarks/bench_engine_revisions.py --old 8b23b1a --sizes 10000 --repeat 1

``--old`` and ``--new`` are git revisions (``--new`` defaults to the working tree); the
engine module of each (``landplan/engine.py``, self-contained) is taken with ``git show``
and loaded under its own name, so both run against the same installed dependencies. The
districts are those of ``bench_scale.py`` (``wavy`` and ``aligned``, seeded). The reference
is an STRtree ``intersects`` query + ``shapely.intersection`` area on every pair; pairs of at
most ``engine.TOUCH`` of the parcel's area are touches on either side and left out. It
prints a Markdown table: seconds per revision, threads and repetition, the pairs, the
parcels GEOS pairs that the revision leaves without a pair, and the worst area difference.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
TOUCH = 1e-10  # as landplan.engine.TOUCH; a literal, so that old revisions compare alike


def _load(data: Path, key: str):
    import geopandas as gpd

    return (gpd.read_parquet(data / f"zones_{key}.parquet").geometry.values,
            gpd.read_parquet(data / f"parcels_{key}.parquet").geometry.values)


def _child(argv: list[str]) -> None:
    """``_run ENGINE_FILE DATA KEY WORKERS RESULT``: one engine run, pairs saved."""
    engine_file, data, key, workers, result = argv
    spec = importlib.util.spec_from_file_location("_engine_under_test", engine_file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    zones, parcels = _load(Path(data), key)
    start = time.perf_counter()
    pairs = module.overlay_pairs(parcels, zones, workers=int(workers))
    seconds = time.perf_counter() - start
    pairs[["parcel", "zone", "area_m2"]].to_parquet(Path(result).with_suffix(".parquet"))
    Path(result).write_text(json.dumps({"seconds": seconds}))


def _geos(zones, parcels) -> tuple[pd.DataFrame, float]:
    import shapely

    start = time.perf_counter()
    p, z = shapely.STRtree(zones).query(parcels, predicate="intersects")
    area = shapely.area(shapely.intersection(parcels[p], zones[z]))
    return pd.DataFrame({"parcel": p, "zone": z, "area_m2": area}), time.perf_counter() - start


def compare(ours: pd.DataFrame, reference: pd.DataFrame, parcel_area: np.ndarray) -> dict:
    """Pairs, parcels the reference pairs but ``ours`` leaves without a pair, pairs only on
    either side, and the worst area difference (× parcel area) on the common pairs."""
    def solid(frame: pd.DataFrame) -> pd.DataFrame:
        keep = frame["area_m2"].to_numpy() > TOUCH * parcel_area[frame["parcel"].to_numpy()]
        return frame[keep]

    a, b = solid(ours), solid(reference)
    both = b.merge(a, on=["parcel", "zone"], how="outer", suffixes=("_ref", "_ours"),
                   indicator=True)
    common = both[both["_merge"] == "both"]
    diff = np.abs(common["area_m2_ref"] - common["area_m2_ours"]).to_numpy()
    return {"pairs": len(a),
            "lost_parcels": len(np.setdiff1d(b["parcel"].unique(), a["parcel"].unique())),
            "only_reference": int((both["_merge"] == "left_only").sum()),
            "only_ours": int((both["_merge"] == "right_only").sum()),
            "worst": float((diff / parcel_area[common["parcel"].to_numpy()]).max())
            if len(diff) else 0.0}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_run":
        _child(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", required=True, help="git revision of the old engine")
    parser.add_argument("--new", default=None, help="git revision (default: working tree)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--scenarios", nargs="+", default=["wavy", "aligned"],
                        choices=["wavy", "aligned"])
    parser.add_argument("--workers", type=int, nargs="+",
                        default=sorted({len(os.sched_getaffinity(0)), 1}, reverse=True))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)

    import _synthetic
    import shapely

    with tempfile.TemporaryDirectory(prefix="landplan-revisions-") as tmp:
        data = Path(tmp)
        engines = {}
        for label, rev in (("old", args.old), ("new", args.new)):
            path = data / f"engine_{label}.py"
            if rev is None:
                path.write_bytes((ROOT / "landplan" / "engine.py").read_bytes())
            else:
                path.write_bytes(subprocess.run(["git", "show", f"{rev}:landplan/engine.py"],
                                                cwd=ROOT, check=True,
                                                capture_output=True).stdout)
            engines[f"{label} ({rev or 'working tree'})"] = path
        rows = []
        for n in args.sizes:
            for scenario in args.scenarios:
                key = f"{scenario}_{n}"
                if scenario == "wavy":
                    wavy = _synthetic.zones()
                    zones, parcels = wavy, _synthetic.parcels(n, plan=wavy)
                else:
                    zones, parcels = _synthetic.aligned(n, parcels_per_zone=max(9.0, n / 5000))
                zones.to_parquet(data / f"zones_{key}.parquet")
                parcels.to_parquet(data / f"parcels_{key}.parquet")
                z, p = zones.geometry.values, parcels.geometry.values
                reference, geos_s = _geos(z, p)
                area = shapely.area(p)
                rows.append({"scenario": scenario, "parcels": n, "engine": "GEOS reference",
                             "threads": 1, "run": 1, "seconds": geos_s,
                             **compare(reference, reference, area)})
                for rep in range(1, args.repeat + 1):
                    for label, path in engines.items():
                        for workers in args.workers:
                            result = data / f"r_{label[:3]}_{key}_{workers}.json"
                            subprocess.run([sys.executable, __file__, "_run", str(path),
                                            str(data), key, str(workers), str(result)],
                                           check=True, cwd=ROOT)
                            ours = pd.read_parquet(result.with_suffix(".parquet"))
                            rows.append({"scenario": scenario, "parcels": n, "engine": label,
                                         "threads": workers, "run": rep,
                                         "seconds": json.loads(result.read_text())["seconds"],
                                         **compare(ours, reference, area)})
                            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table["seconds"] = table["seconds"].round(2)
    table["worst"] = table["worst"].map(lambda v: f"{v:.1e}")
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
    return 0


def _has_tabulate() -> bool:
    return importlib.util.find_spec("tabulate") is not None


if __name__ == "__main__":
    sys.exit(main())
