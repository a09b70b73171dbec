"""The scale benchmark runs end to end on small districts (10⁴ parcels), so that the script
behind docs/benchmarks.md keeps working: every scenario (wavy, aligned, stress), every
method's answer equal to the engine's, the default command's outputs and the targets'
lines. PostGIS takes part when it is installed; DuckDB spatial and SedonaDB when their
packages are (the ``test`` extra installs them), and otherwise the report says why not."""

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


def _ready(probe) -> bool:
    try:
        probe()
    except RuntimeError:
        return False
    return True


def _cells(text: str, prefix: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split(" | ")] for line in text.splitlines()
            if line.startswith(prefix)]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One run of the benchmark at 10⁴ on every scenario, with every method installed."""
    bench = _load("bench_scale")
    postgis = _load("_postgis").postgis_installed()
    out = tmp_path_factory.mktemp("bench") / "benchmarks.md"
    args = ["--sizes", "10000", "--scenarios", "wavy", "aligned", "stress", "--out", str(out)]
    assert bench.main(args + ([] if postgis else ["--no-postgis"])) == 0
    return bench, postgis, out.read_text()


@pytest.mark.timeout(600)
def test_scale_benchmark_runs_and_every_method_gives_the_engines_answer(run):
    bench, postgis, text = run
    duckdb, sedonadb = _ready(bench.duckdb_spatial), _ready(bench.sedonadb_installed)
    expected = [bench.ENGINE, bench.ENGINE, bench.OVERLAY]
    expected += [bench.POSTGIS] * postgis + [bench.DUCKDB] * duckdb + [bench.SEDONA] * sedonadb
    for scenario in ("wavy", "aligned", "stress"):  # each checked pair by pair against GEOS
        rows = [row for row in _cells(text, f"| {scenario} | 10,000 |") if len(row) == 9]
        assert [row[2] for row in rows] == [*expected, bench.CLI]
        same = [row[7] for row in rows]
        assert same[0] == "reference" and all(s == "yes" for s in same[1:-1]), rows
        assert same[-1] == ""  # the command exited 0
    assert "STRtree/GEOS path" in text
    for label, ready in ((bench.DUCKDB, duckdb), (bench.SEDONA, sedonadb)):
        assert (f"{label} not run:" in text) is not ready


@pytest.mark.timeout(600)
def test_the_stress_district_gives_a_bad_days_findings(run):
    """The stress generator's design, pinned through the report's table of the command:
    about 40 % of decisions are violations, 30 % double allocations; every output is
    written, a map too; the targets' lines are there."""
    bench, _, text = run
    [row] = [row for row in _cells(text, "| stress | 10,000 |") if len(row) == 10]
    violation, double = (float(cell.rstrip(" %")) for cell in row[5:7])
    assert 36 <= violation <= 44 and 28 <= double <= 32, row
    assert all(name in row[9] for name in bench.TABLES) and "map" in row[9], row
    assert "every output written: **met**" in text
    assert "peak RSS ≤ 3 GB" in text and "peak RSS ≤ 2 GB" in text


def test_a_method_left_out_or_not_installed_is_named_with_the_reason():
    bench = _load("bench_scale")
    args = bench._parse(["--no-duckdb", "--no-sedonadb"])
    skipped: list[str] = []
    assert bench._optional_methods(args, skipped) == set()
    assert skipped == ["DuckDB spatial not run: --no-duckdb", "SedonaDB not run: --no-sedonadb"]


def test_a_method_whose_packages_are_missing_is_skipped_with_the_reason(monkeypatch):
    bench = _load("bench_scale")
    monkeypatch.setattr(bench.util, "find_spec", lambda name: None)
    skipped: list[str] = []
    assert bench._optional_methods(bench._parse([]), skipped) == set()
    assert [line.split(": ", 1)[0] for line in skipped] == ["DuckDB spatial not run",
                                                             "SedonaDB not run"]
    assert all("not installed" in line for line in skipped), skipped
