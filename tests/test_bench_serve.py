"""The web service's benchmark (benchmarks/bench_serve.py) runs end to end at a tiny size:
a real ``landplan serve`` process, real HTTP requests, a report with every row and no error
(no timing is asserted); the batch job against ``landplan check``, and the load again while a
job runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import importorskip_or_fail

importorskip_or_fail("fastapi")
importorskip_or_fail("uvicorn")
importorskip_or_fail("httpx")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    import bench_serve

    out = tmp_path_factory.mktemp("bench") / "serve.md"
    figures = bench_serve.run([2000], lookups=40, prechecks=20, concurrency=8, out=out,
                              with_job=True)
    return bench_serve, figures, out.read_text(encoding="utf-8")


def test_report_has_every_row_and_no_error(bench):
    bench_serve, (fig,), text = bench
    assert fig.errors == 0, fig.error_samples
    assert len(fig.lookup_ms) == 40 and len(fig.precheck_ms) == 20
    assert fig.startup_s > 0 and fig.rss_mb > 0
    for row in bench_serve.ROWS:
        assert f"| {row} | " in text, row
    assert "| errors | 0 |" in text
    for what in ("start-up", "lookup p95", "pre-check p95", "peak RSS"):
        assert f"| {what} | " in text, what
    assert "Machine: " in text and "shapely" in text
    # the batch: the district's decisions as a job against landplan check on the same files
    assert fig.batch_s > 0 and fig.cli_s > 0 and "vs CLI" in fig.batch, fig.batch
    assert "| batch of decisions vs CLI | job " in text
    # --with-job: the same requests again beside a job, none lost, RSS sampled
    load = fig.load
    assert load.sent == 60 and load.answered == 60 and load.failed == load.lost == 0
    assert load.job_state == "done" and load.rss and all(r > 0 for r in load.rss)
    assert "60 sent, 60 answered 2xx, 0 failed, 0 lost" in text


def test_an_error_is_counted_and_shown(bench):
    bench_serve = bench[0]
    fig = bench_serve.Figures(parcels=10, errors=2, error_samples=["POST /x: 500 boom"],
                              lookup_ms=[1.0], precheck_ms=[2.0], startup_s=1.0, rss_mb=1.0)
    text = bench_serve.report([fig], lookups=1, prechecks=1, concurrency=1)
    assert "| errors | 2 |" in text and "500 boom" in text
    assert "| errors | 0 | 2 | missed |" in text
