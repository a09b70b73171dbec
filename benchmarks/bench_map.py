"""Map size and first-render time for large districts, in headless Chromium.

Builds the offline map (the CLI default) for synthetic districts of 5,041 plan zones
(~170 vertices each, alike in 6 × 6 blocks) and 10,000 / 100,000 decisions (97 % granted
the planned code at their centre: a few percent violate), saves it, and opens it in headless
Chromium with the network blocked, timing until the map's layers are drawn
(``window.LANDPLAN_READY``, set two animation frames after the last layer). Run from the
repository root::

    .venv/bin/python benchmarks/bench_map.py --write docs/benchmarks_maps.md

Budget (issue #4): 100,000 decisions + 5,000 zones → HTML ≤ 25 MB, first render ≤ 5 s.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--write", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    table = run(args.sizes)
    print(table)
    if args.write:
        args.write.write_text(
            f"# Map benchmarks\n\nMeasured {date.today().isoformat()} with "
            f"`python benchmarks/bench_map.py --sizes {' '.join(map(str, args.sizes))}`. "
            "Budget: 100,000 decisions + 5,000 zones → HTML ≤ 25 MB and first render ≤ 5 s "
            "(default map: violations and unchecked decisions drawn).\n\n"
            f"{table}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
