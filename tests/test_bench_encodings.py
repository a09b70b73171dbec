"""The encoding-detection benchmark (benchmarks/bench_encodings.py) runs, on a few values, so
that the script keeps working; the speed itself is measured there, never asserted here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from landplan.encodings import ENCODINGS

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_encodings.py"


def test_encoding_benchmark_runs_and_detects_every_encoding(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_encodings", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "encodings.md"
    assert bench.main(["--values", "300", "--repeat", "1", "--write", str(out)]) == 0
    rows = [line for line in out.read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and not line.startswith("| encoding")]
    assert [row.split(" | ")[0][2:] for row in rows] == list(ENCODINGS)
    assert all(row.split(" | ")[1] == row.split(" | ")[0][2:] for row in rows), rows
    assert "× decode" in capsys.readouterr().out
