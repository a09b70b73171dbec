"""The scale benchmark runs end to end on a small district (10⁴ parcels), so that the
script behind docs/benchmarks.md keeps working; PostGIS takes part when it is installed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"

pytestmark = pytest.mark.slow


def _load(name: str):
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(600)
def test_scale_benchmark_runs_and_every_method_gives_the_engines_answer(tmp_path):
    bench = _load("bench_scale")
    postgis = _load("_postgis").postgis_installed()
    out = tmp_path / "benchmarks.md"
    args = ["--sizes", "10000", "--out", str(out)] + ([] if postgis else ["--no-postgis"])
    assert bench.main(args) == 0
    expected = ["landplan engine", "landplan engine", "geopandas.overlay + area"]
    expected += ["PostGIS, ST_Within shortcut"] if postgis else []
    for scenario in ("wavy", "aligned"):  # both, each checked pair by pair against GEOS
        rows = [line for line in out.read_text().splitlines()
                if line.startswith(f"| {scenario} | 10,000 |")]
        methods = [row.split(" | ")[2] for row in rows]
        assert methods == [*expected, "landplan check (CLI, end to end)"]
        same = [row.split(" | ")[6] for row in rows]
        assert same[0] == "reference" and all(s == "yes" for s in same[1:-1]), rows
    assert "STRtree/GEOS path" in out.read_text()
