"""Map size and first-render time for large districts, in headless Chromium.

Builds the offline map (the CLI default) for synthetic districts of 5,041 plan zones
(~170 vertices each, alike in 6 × 6 blocks) and 10,000 / 100,000 decisions (97 % granted
the planned code at their centre: a few percent violate), saves it, and opens it in headless
Chromium with the network blocked, timing until the map's layers are drawn
(``window.LANDPLAN_READY``, set two animation frames after the last layer). Run from the
repository root::

    .venv/bin/python benchmarks/bench_map.py --write docs/benchmarks_maps.md

Budget (issue #4): 100,000 decisions + 5,000 zones → HTML ≤ 25 MB, first render ≤ 5 s.

``--stress N …`` measures the map as the command line writes it (``write_maps``, default
budget: 25 MB and 30,000 features a file) on the stress district of ``tests/stress.py``
(N overlapping parcels, most of them violations, several findings each): how many files,
the largest, the most features in one, and the slowest first render among them::

    .venv/bin/python benchmarks/bench_map.py --sizes --stress 10000 100000
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

import landplan

ROOT = Path(__file__).resolve().parents[1]


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(sizes: list[int], n_side: int = 71, repeat: int = 3) -> str:
    bench = _module(ROOT / "benchmarks" / "bench_check.py", "bench_check")
    browser = _module(ROOT / "tests" / "browser.py", "browser")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, browser.open_browser(block_network=True) as b:
        for n in sizes:
            plan, decisions = bench.synthetic(n, n_side=n_side, block=6, p_same=0.97)
            result = landplan.check(plan, decisions)
            for all_decisions in (False, True):
                start = time.perf_counter()
                fmap = landplan.make_map(result, offline=True, all_decisions=all_decisions)
                path = Path(tmp) / f"map_{n}_{all_decisions}.html"
                fmap.save(str(path))
                build = time.perf_counter() - start
                renders = []
                for _ in range(repeat):
                    b.load(path, wait_js="window.LANDPLAN_READY", timeout=120)
                    renders.append(b.eval("window.LANDPLAN_READY") / 1000)
                    errors = b.console_errors()
                    assert not errors, errors
                    assert b.requests() == [], b.requests()
                shown = int((result.decisions["status"] != "compliant").sum()) \
                    if not all_decisions else len(result.decisions)
                rows.append((n, len(plan), "all" if all_decisions else "violations+unchecked",
                             shown, path.stat().st_size / 1e6, build, min(renders),
                             max(renders)))
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}; headless Chromium, network blocked; render = "
             f"navigation start → layers drawn, best and worst of {repeat} loads.", "",
             "| decisions | zones | drawn | decisions drawn | HTML MB | build s "
             "| render s (best) | render s (worst) |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {n:,} | {z:,} | {mode} | {shown:,} | {mb:.1f} | {build:.1f} | {best:.2f} "
              f"| {worst:.2f} |" for n, z, mode, shown, mb, build, best, worst in rows]
    return "\n".join(lines)


def stress(sizes: list[int], repeat: int = 2) -> str:
    """Measure the split map of the stress district at each size (see the module's doc)."""
    from landplan._map_codec import read_layers
    from landplan.maps import write_maps

    district = _module(ROOT / "tests" / "stress.py", "stress").district
    browser = _module(ROOT / "tests" / "browser.py", "browser")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, browser.open_browser(block_network=True) as b:
        for n in sizes:
            plan, decisions = district(n)
            start = time.perf_counter()
            result = landplan.check(plan, decisions)
            checked = time.perf_counter() - start
            out = Path(tmp) / f"stress_{n}"
            out.mkdir()
            start = time.perf_counter()
            write_maps(result, out)
            build = time.perf_counter() - start
            files = [out / "map.html", *sorted((out / "maps").glob("*.html"))]
            sizes_mb = [f.stat().st_size / 1e6 for f in files]
            features = [sum(len(g) for g, _ in read_layers(f.read_text("utf-8")).values())
                        for f in files]
            renders = []
            for f in files:
                best = []
                for _ in range(repeat):
                    b.load(f, wait_js="window.LANDPLAN_READY", timeout=300)
                    best.append(b.eval("window.LANDPLAN_READY") / 1000)
                    assert not b.console_errors() and b.requests() == [], f
                renders.append(min(best))
            slowest = max(range(len(files)), key=renders.__getitem__)
            rows.append((n, len(result.findings), len(files), max(sizes_mb),
                         files[int(max(range(len(files)), key=sizes_mb.__getitem__))].name,
                         max(features), checked, build, renders[slowest],
                         files[slowest].name))
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}; headless "
             f"Chromium, network blocked; render = navigation start → layers drawn, best of "
             f"{repeat} loads of each file, the slowest file's.", "",
             "| parcels | findings | files | largest MB | largest file | most features "
             "| check s | maps s | slowest render s | slowest file |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {n:,} | {nf:,} | {k} | {mb:.1f} | `{big}` | {feat:,} | {c:.0f} | {w:.0f} "
              f"| {r:.2f} | `{slow}` |"
              for n, nf, k, mb, big, feat, c, w, r, slow in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--stress", type=int, nargs="*", default=[],
                        help="also the split map of the stress district at these sizes")
    parser.add_argument("--write", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    table = run(args.sizes) if args.sizes else ""
    if args.stress:
        table += ("\n\n" if table else "") + "Stress district (`tests/stress.py`), the map " \
            "as the command line writes it:\n\n" + stress(args.stress)
    print(table)
    if args.write:
        args.write.write_text(
            f"# Map benchmarks\n\nMeasured {date.today().isoformat()} with "
            f"`python benchmarks/bench_map.py --sizes {' '.join(map(str, args.sizes))}"
            + (f" --stress {' '.join(map(str, args.stress))}" if args.stress else "") + "`. "
            "Budget: 100,000 decisions + 5,000 zones → HTML ≤ 25 MB and first render ≤ 5 s "
            "(default map: violations and unchecked decisions drawn).\n\n"
            f"{table}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
