"""The web service's benchmark: ``landplan serve`` on the scale benchmark's aligned district.

Run from the repository root (after ``pip install -e ".[serve]"``)::

    .venv/bin/python benchmarks/bench_serve.py                       # 10^5 and 10^6 parcels
    .venv/bin/python benchmarks/bench_serve.py --sizes 100000 --out /tmp/serve.md

For each size: the aligned district (``benchmarks/_synthetic.py``: parcels tiling a jittered
grid, zones that are unions of them) is written as GeoParquet in a temporary folder, with
sheet and parcel numbers (sheet ``k // 1000 + 1``, number ``k % 1000 + 1``, one unit), and
``landplan serve --plan … --parcels …`` is started in its own process (uvicorn, loopback).
Measured, in one run:

* start-up: process start → the first 200 on ``/api/v1/health``;
* lookups (``GET /api/v1/lookup?sheet=&parcel_no=``) and pre-checks (``POST
  /api/v1/precheck``) on random parcels, ``--concurrency`` clients at a time (asyncio +
  httpx, a bounded number of requests): p50/p95 latency as a client sees it, requests per
  second, errors (any answer but 200, or no answer);
* the server's peak RSS (``VmHWM`` of its process);
* the batch API (``POST /api/v1/jobs``) against ``landplan check`` on the same files, when the
  server has it (a note says so when it does not); ``--with-job``: the lookups and
  pre-checks again while a job runs (no request lost, memory flat).

The report (default ``docs/benchmarks_serve.md``) gives the machine, the versions, the
figures and the issue's targets (at the largest size), each met or missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

API = "/api/v1"
TARGETS = {"startup_s": 15.0, "lookup_p95_ms": 20.0, "precheck_p95_ms": 50.0,
           "rss_mb": 2048.0}
"""The issue's targets with 10⁶ parcels loaded (seconds, milliseconds, MiB)."""
ROWS = ["parcels", "zones", "start-up (s)", "lookup p50 (ms)", "lookup p95 (ms)",
        "lookups per s", "pre-check p50 (ms)", "pre-check p95 (ms)", "pre-checks per s",
        "lookup p50, 1 client (ms)", "pre-check p50, 1 client (ms)", "errors",
        "peak RSS (MiB)", "batch of decisions vs CLI", "with a job running"]
"""The report's rows, in order (one column per size)."""
KINDS = ["allocation", "lease", "recognition", "conversion"]


@dataclass
class Figures:
    """What one size measured."""

    parcels: int
    zones: int = 0
    startup_s: float = float("nan")
    lookup_ms: list[float] = field(default_factory=list)
    lookup_s: float = float("nan")
    precheck_ms: list[float] = field(default_factory=list)
    precheck_s: float = float("nan")
    lookup_one_ms: list[float] = field(default_factory=list)
    precheck_one_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    rss_mb: float = float("nan")
    batch: str = ""
    with_job: str = ""


def district(n: int, folder: Path) -> tuple[Path, Path, int]:
    """Write the aligned district of ``n`` parcels as GeoParquet; return the paths, zones."""
    from _synthetic import aligned

    zones, parcels = aligned(n)
    k = np.arange(len(parcels))
    parcels["sheet"] = (k // 1000 + 1).astype(str)
    parcels["parcel_no"] = (k % 1000 + 1).astype(str)
    parcels["unit"] = "10807"
    plan_path, parcels_path = folder / f"plan_{n}.parquet", folder / f"parcels_{n}.parquet"
    zones.to_parquet(plan_path)
    parcels.to_parquet(parcels_path)
    return plan_path, parcels_path, len(zones)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(plan: Path, parcels: Path, port: int, *, timeout: float = 600.0,
                 log: Path | None = None) -> tuple[subprocess.Popen, float]:
    """Start ``landplan serve`` on the files; return the process and its start-up seconds."""
    import httpx

    code = ("import sys; from landplan.cli import main; sys.argv = ['landplan'] + sys.argv[1:];"
            " sys.exit(main())")
    args = [sys.executable, "-c", code, "serve", "--plan", str(plan), "--parcels",
            str(parcels), "--port", str(port), "-q"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 (closed with the process)
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}{API}/health"
    with httpx.Client(timeout=5.0) as client:
        while time.perf_counter() - started < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"landplan serve exited ({proc.returncode}); see {log}")
            try:
                if client.get(url).status_code == 200:
                    return proc, time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"landplan serve did not answer /health in {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process (``VmHWM``; psutil's ``rss`` is the current one)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def requests_for(n: int, lookups: int, prechecks: int, seed: int = 11) -> tuple[list, list]:
    """Random parcels' lookups and pre-checks: ``(method, path, keyword arguments)``."""
    from _synthetic import CODES

    rng = np.random.default_rng(seed)

    def number(k: int) -> dict:
        return {"sheet": str(k // 1000 + 1), "parcel_no": str(k % 1000 + 1), "unit": "10807"}

    look = [("GET", f"{API}/lookup", {"params": number(int(k))})
            for k in rng.integers(0, n, lookups)]
    pre = [("POST", f"{API}/precheck", {"json": {
        **number(int(k)), "kind": str(rng.choice(KINDS)), "land_use": str(rng.choice(CODES)),
        "prev_land_use": str(rng.choice(CODES)), "decision_date": "2024-06-01"}})
        for k in rng.integers(0, n, prechecks)]
    return look, pre


async def _load(base: str, requests: list, concurrency: int) -> tuple[list[float], float,
                                                                     list[str]]:
    """Send ``requests``, ``concurrency`` at a time; return latencies (ms), seconds, errors."""
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    queue = iter(requests)

    async def client_loop(client: httpx.AsyncClient) -> None:
        for method, path, kwargs in queue:
            t = time.perf_counter()
            try:
                r = await client.request(method, path, **kwargs)
                ok = r.status_code == 200
                what = f"{r.status_code} {r.text[:200]}"
            except httpx.HTTPError as exc:
                ok, what = False, f"{type(exc).__name__}: {exc}"
            latencies.append(1000 * (time.perf_counter() - t))
            if not ok:
                errors.append(f"{method} {path}: {what}")

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=600.0, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        return latencies, time.perf_counter() - started, errors


def load(base: str, requests: list, concurrency: int) -> tuple[list[float], float, list[str]]:
    """:func:`_load` on its own event loop."""
    return asyncio.run(_load(base, requests, concurrency))


def _jobs_api(base: str) -> bool:
    import httpx

    paths = httpx.get(f"{base}/openapi.json", timeout=30).json().get("paths", {})
    return f"{API}/jobs" in paths


def measure(n: int, folder: Path, *, lookups: int, prechecks: int, concurrency: int,
            with_job: bool = False, sequential: int = 50) -> Figures:
    """Run the benchmark at one size (the module's docstring says what it measures)."""
    plan, parcels, n_zones = district(n, folder)
    fig = Figures(parcels=n, zones=n_zones)
    port = _free_port()
    proc, fig.startup_s = start_server(plan, parcels, port, log=folder / f"serve_{n}.log")
    base = f"http://127.0.0.1:{port}"
    try:
        look, pre = requests_for(n, lookups, prechecks)
        load(base, look[:concurrency] + pre[:concurrency], concurrency)  # warm-up, not counted
        fig.lookup_ms, fig.lookup_s, errors = load(base, look, concurrency)
        fig.errors += len(errors)
        fig.error_samples += errors[:3]
        fig.precheck_ms, fig.precheck_s, errors = load(base, pre, concurrency)
        fig.errors += len(errors)
        fig.error_samples += errors[:3]
        # one client at a time: the service time, without the queue 32 clients make
        fig.lookup_one_ms, _, errors = load(base, look[:sequential], 1)
        fig.errors += len(errors)
        fig.precheck_one_ms, _, errors = load(base, pre[:sequential], 1)
        fig.errors += len(errors)
        fig.rss_mb = peak_rss_mb(proc.pid)
        if _jobs_api(base):
            fig.batch = ("the jobs API is there, but this benchmark does not know its upload "
                         "format yet: not measured")
            fig.with_job = "not measured (see the batch row)" if with_job else "not asked"
        else:
            fig.batch = "skipped: no batch API (`POST /api/v1/jobs`) in this build"
            fig.with_job = ("skipped: no batch API" if with_job
                            else "not asked (--with-job)")
    finally:
        stop_server(proc)
        if fig.errors:  # what the server said, for the report
            lines = (folder / f"serve_{n}.log").read_text(errors="replace").splitlines()
            fig.error_samples += [f"server log: {line[:300]}" for line in lines[-5:]]
    return fig


def _ms(values: list[float], q: float) -> str:
    return f"{np.percentile(values, q):,.0f}" if values else "—"


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.1f}" if count and seconds == seconds and seconds > 0 else "—"


def cells(fig: Figures) -> dict[str, str]:
    """One column of the report (:data:`ROWS`)."""
    return {
        "parcels": f"{fig.parcels:,}", "zones": f"{fig.zones:,}",
        "start-up (s)": f"{fig.startup_s:.1f}",
        "lookup p50 (ms)": _ms(fig.lookup_ms, 50), "lookup p95 (ms)": _ms(fig.lookup_ms, 95),
        "lookups per s": _rate(len(fig.lookup_ms), fig.lookup_s),
        "pre-check p50 (ms)": _ms(fig.precheck_ms, 50),
        "pre-check p95 (ms)": _ms(fig.precheck_ms, 95),
        "pre-checks per s": _rate(len(fig.precheck_ms), fig.precheck_s),
        "lookup p50, 1 client (ms)": _ms(fig.lookup_one_ms, 50),
        "pre-check p50, 1 client (ms)": _ms(fig.precheck_one_ms, 50),
        "errors": str(fig.errors), "peak RSS (MiB)": f"{fig.rss_mb:,.0f}",
        "batch of decisions vs CLI": fig.batch, "with a job running": fig.with_job,
    }


def targets(fig: Figures) -> list[tuple[str, str, str, bool]]:
    """The issue's targets on ``fig``: (what, target, measured, met)."""
    p95 = {k: float(np.percentile(v, 95)) if v else float("nan")
           for k, v in (("lookup", fig.lookup_ms), ("precheck", fig.precheck_ms))}
    return [
        ("start-up", f"≤ {TARGETS['startup_s']:.0f} s", f"{fig.startup_s:.1f} s",
         fig.startup_s <= TARGETS["startup_s"]),
        ("lookup p95", f"≤ {TARGETS['lookup_p95_ms']:.0f} ms", f"{p95['lookup']:,.0f} ms",
         p95["lookup"] <= TARGETS["lookup_p95_ms"]),
        ("pre-check p95", f"≤ {TARGETS['precheck_p95_ms']:.0f} ms",
         f"{p95['precheck']:,.0f} ms", p95["precheck"] <= TARGETS["precheck_p95_ms"]),
        ("errors", "0", str(fig.errors), fig.errors == 0),
        ("peak RSS", f"≤ {TARGETS['rss_mb'] / 1024:.0f} GiB", f"{fig.rss_mb:,.0f} MiB",
         fig.rss_mb <= TARGETS["rss_mb"]),
    ]


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load_avg = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores ({cpu}), "
            f"{mem:.0f} GiB RAM, {platform.system()} {platform.release()}; load average at "
            f"the end of the run {load_avg}")


def versions() -> str:
    import fastapi
    import geopandas
    import httpx
    import shapely
    import uvicorn

    import landplan

    return (f"Python {platform.python_version()}, landplan {landplan.__version__}, shapely "
            f"{shapely.__version__} (GEOS {shapely.geos_version_string}), geopandas "
            f"{geopandas.__version__}, fastapi {fastapi.__version__}, uvicorn "
            f"{uvicorn.__version__}, httpx {httpx.__version__}")


def report(figures: list[Figures], *, lookups: int, prechecks: int, concurrency: int) -> str:
    """The Markdown report: the figures per size, then the targets at the largest size."""
    columns = [cells(f) for f in figures]
    lines = [
        "# `landplan serve` benchmark", "",
        "Written by `benchmarks/bench_serve.py` (one run; the module's docstring says how). "
        f"{concurrency} concurrent clients on loopback; {lookups:,} lookups and "
        f"{prechecks:,} pre-checks on random parcels per size, after a warm-up; then 50 of "
        "each with one client (the service time: one request's geometry work runs at a time "
        "per process, so at 32 clients a request waits for the others' — the p95 at 32 "
        "clients is about 32 × the service time).", "",
        f"- Machine: {machine()}", f"- Versions: {versions()}", "",
        "| | " + " | ".join(f"{f.parcels:,} parcels" for f in figures) + " |",
        "|---|" + "---|" * len(figures),
    ]
    lines += [f"| {row} | " + " | ".join(c[row] for c in columns) + " |" for row in ROWS]
    largest = max(figures, key=lambda f: f.parcels)
    lines += ["", f"## Targets (with {largest.parcels:,} parcels loaded)", "",
              "| target | wanted | measured | |", "|---|---|---|---|"]
    lines += [f"| {what} | {want} | {got} | {'met' if ok else 'missed'} |"
              for what, want, got, ok in targets(largest)]
    samples = [s for f in figures for s in f.error_samples]
    if samples:
        lines += ["", "Errors (first ones):", ""] + [f"- `{s}`" for s in samples[:10]]
    return "\n".join(lines) + "\n"


def run(sizes: list[int], *, lookups: int, prechecks: int, concurrency: int, out: Path,
        with_job: bool = False, keep: Path | None = None) -> list[Figures]:
    """Measure every size and write the report to ``out``; return the figures."""
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench_serve_", dir=keep) as tmp:
        for n in sizes:
            fig = measure(n, Path(tmp), lookups=lookups, prechecks=prechecks,
                          concurrency=concurrency, with_job=with_job)
            print(f"{n:,} parcels: " + "; ".join(f"{k} {v}" for k, v in cells(fig).items()),
                  flush=True)
            figures.append(fig)
    out.write_text(report(figures, lookups=lookups, prechecks=prechecks,
                          concurrency=concurrency), encoding="utf-8")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--prechecks", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--with-job", action="store_true",
                        help="also measure while a batch job runs (needs the jobs API)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_serve.md")
    args = parser.parse_args(argv)
    figures = run(args.sizes, lookups=args.lookups, prechecks=args.prechecks,
                  concurrency=args.concurrency, out=args.out, with_job=args.with_job)
    print(f"report: {args.out}")
    return 0 if all(f.errors == 0 for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
