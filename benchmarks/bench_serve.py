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
* the batch (when the server has ``POST /api/v1/jobs``; a note says so when it does not): the
  district's parcels written as a GeoPackage of decisions (number, date, kind, land use),
  uploaded as a job and timed from the upload to ``done``, against ``landplan check`` on the
  same plan and file, timed as a process;
* ``--with-job``: the lookups and pre-checks again, shuffled, while a second job of the same
  decisions runs: requests sent / answered 2xx / failed / lost (no answer), p50/p95, and the
  server's RSS (``VmRSS``) every 0.5 s — "flat" when the last third's highest sample is
  within +10 % of the first third's.

The report (default ``docs/benchmarks_serve.md``) gives the machine, the versions, the
figures and the issue's targets (at the largest size), each met or missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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

from _machine import describe  # noqa: E402  (after the path to the benchmarks folder)

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
    batch_s: float = float("nan")
    cli_s: float = float("nan")
    load: JobLoad | None = None


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


DECISION_COLUMNS = ["decision_no", "decision_date", "kind", "land_use", "geometry"]


def decisions_gpkg(parcels: Path, path: Path) -> Path:
    """The district's parcels as a GeoPackage of decisions (number, date, kind, land use:
    the columns :func:`_synthetic.aligned` gives them), the file uploaded and checked."""
    import geopandas as gpd

    gpd.read_parquet(parcels)[DECISION_COLUMNS].to_file(path, driver="GPKG", engine="pyogrio")
    return path


def _upload(client, gpkg: Path):
    with open(gpkg, "rb") as f:
        r = client.post(f"{API}/jobs", data={"lang": "vi"},
                        files={"file": (gpkg.name, f, "application/geopackage+sqlite3")})
    r.raise_for_status()
    return r.json()["id"]


def run_batch(base: str, gpkg: Path, *, timeout: float = 3600.0,
              poll: float = 0.2) -> tuple[float, str]:
    """Upload ``gpkg`` as a job, wait for it: (seconds from upload to its end, its state)."""
    import httpx

    with httpx.Client(base_url=base, timeout=600.0) as client:
        started = time.perf_counter()
        job = _upload(client, gpkg)
        state = wait_job(client, job, timeout=timeout, poll=poll)
        return time.perf_counter() - started, state


def wait_job(client, job: str, *, timeout: float, poll: float = 0.2) -> str:
    """Poll ``/jobs/{job}`` until done or failed (or ``timeout``): its last state."""
    deadline = time.perf_counter() + timeout
    state = "queued"
    while time.perf_counter() < deadline:
        body = client.get(f"{API}/jobs/{job}").json()
        state = body["state"]
        if state in ("done", "failed"):
            return state if state == "done" else f"failed: {body.get('error')}"
        time.sleep(poll)
    return f"{state} after {timeout:.0f} s (timed out)"


def run_cli(plan: Path, gpkg: Path, out: Path) -> tuple[float, int]:
    """``landplan check`` on the same plan and file, as a process: (seconds, exit code)."""
    code = ("import sys; from landplan.cli import main; sys.argv = ['landplan'] + sys.argv[1:];"
            " sys.exit(main())")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, "check", "--plan", str(plan),
                           "--decisions", str(gpkg), "--out", str(out), "-q"],
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, proc.returncode


def batch_text(batch_s: float, state: str, cli_s: float, code: int) -> str:
    if state != "done" or code != 0:
        return f"job {state} in {batch_s:,.1f} s; CLI exit {code} in {cli_s:,.1f} s"
    return (f"job {batch_s:,.1f} s (upload → done) vs CLI {cli_s:,.1f} s: "
            f"{batch_s / cli_s:.2f}×")


def rss_mb(pid: int) -> float:
    """Current resident memory of a process (``VmRSS``), MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


@dataclass
class JobLoad:
    """The bounded load run while a batch job runs."""

    sent: int = 0
    answered: int = 0
    failed: int = 0
    lost: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = float("nan")
    errors: list[str] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    job_state: str = ""
    job_s: float = float("nan")

    def thirds(self) -> tuple[float, float]:
        """The server's highest RSS in the first and the last third of the samples."""
        k = max(1, len(self.rss) // 3)
        return (max(self.rss[:k]), max(self.rss[-k:])) if self.rss else (float("nan"),) * 2

    def flat(self, slack: float = 0.10) -> bool:
        first, last = self.thirds()
        return last <= first * (1 + slack)

    def text(self) -> str:
        first, last = self.thirds()
        return (f"{self.sent:,} sent, {self.answered:,} answered 2xx, {self.failed} failed, "
                f"{self.lost} lost in {self.seconds:,.1f} s; p50 {_ms(self.latencies, 50)} ms, p95 "
                f"{_ms(self.latencies, 95)} ms; server RSS max {first:,.0f} MiB (first third) "
                f"→ {last:,.0f} MiB (last third), {len(self.rss)} samples every 0.5 s: "
                f"{'flat' if self.flat() else 'NOT flat'} (≤ +10 %); the job {self.job_state} "
                f"in {self.job_s:,.1f} s")


async def _load_with_job(base: str, pid: int, gpkg: Path, requests: list,
                         concurrency: int, timeout: float) -> JobLoad:
    import httpx

    out = JobLoad()
    queue = iter(requests)
    stop = asyncio.Event()

    async def sample() -> None:  # the server's RSS every 0.5 s until the load ends
        while not stop.is_set():
            out.rss.append(rss_mb(pid))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)

    async def client_loop(client: httpx.AsyncClient) -> None:
        for method, path, kwargs in queue:
            out.sent += 1
            t = time.perf_counter()
            try:
                r = await client.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                out.lost += 1
                out.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
                continue
            out.latencies.append(1000 * (time.perf_counter() - t))
            if 200 <= r.status_code < 300:
                out.answered += 1
            else:
                out.failed += 1
                out.errors.append(f"{method} {path}: {r.status_code} {r.text[:200]}")

    async def job(client: httpx.AsyncClient) -> None:
        started = time.perf_counter()
        with open(gpkg, "rb") as f:
            data = f.read()
        r = await client.post(f"{API}/jobs", files={"file": (gpkg.name, data)})
        if r.status_code != 202:
            out.job_state = f"refused {r.status_code}"
            return
        job_id = r.json()["id"]
        deadline = started + timeout
        while time.perf_counter() < deadline:
            body = (await client.get(f"{API}/jobs/{job_id}")).json()
            out.job_state = body["state"]
            if out.job_state in ("done", "failed"):
                break
            await asyncio.sleep(0.5)
        out.job_s = time.perf_counter() - started

    limits = httpx.Limits(max_connections=concurrency + 2,
                          max_keepalive_connections=concurrency + 2)
    async with httpx.AsyncClient(base_url=base, timeout=600.0, limits=limits) as client:
        sampler = asyncio.create_task(sample())
        job_task = asyncio.create_task(job(client))
        await asyncio.sleep(1.0)  # the upload is in, the job running
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        out.seconds = time.perf_counter() - started
        stop.set()
        await sampler
        await asyncio.wait_for(job_task, timeout)
    return out


def load_with_job(base: str, pid: int, gpkg: Path, requests: list, concurrency: int,
                  timeout: float = 3600.0) -> JobLoad:
    """The bounded load (``requests``, ``concurrency`` clients) while ``gpkg`` runs as a job;
    the server's RSS sampled every 0.5 s while the load runs."""
    rng = np.random.default_rng(3)
    mixed = [requests[i] for i in rng.permutation(len(requests))]
    return asyncio.run(_load_with_job(base, pid, gpkg, mixed, concurrency, timeout))


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
            gpkg = decisions_gpkg(parcels, folder / f"decisions_{n}.gpkg")
            fig.batch_s, state = run_batch(base, gpkg)
            fig.cli_s, code = run_cli(plan, gpkg, folder / f"cli_{n}")
            fig.batch = batch_text(fig.batch_s, state, fig.cli_s, code)
            if with_job:
                fig.load = load_with_job(base, proc.pid, gpkg, look + pre, concurrency)
                fig.with_job = fig.load.text()
                fig.errors += fig.load.failed + fig.load.lost
                fig.error_samples += fig.load.errors[:3]
            else:
                fig.with_job = "not asked (--with-job)"
            fig.rss_mb = peak_rss_mb(proc.pid)
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
    ] + ([("batch of decisions", "no slower than the CLI",
           f"{fig.batch_s:,.1f} s vs {fig.cli_s:,.1f} s", fig.batch_s <= fig.cli_s)]
         if fig.batch_s == fig.batch_s else []) + ([
        ("with a job: requests lost or failed", "0", str(fig.load.lost + fig.load.failed),
         fig.load.lost + fig.load.failed == 0),
        ("with a job: memory flat", "last third ≤ first third + 10 %",
         "{:,.0f} → {:,.0f} MiB".format(*fig.load.thirds()), fig.load.flat())]
        if fig.load is not None else [])


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
        f"- Machine: {describe()}", f"- Versions: {versions()}", "",
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
