"""Load (issue 18, Reliability): a bounded load on loopback against a real ``landplan serve
--demo`` process while a batch job runs — every request answered 2xx (none lost, no 5xx),
the job done, the server's memory not growing (a generous leak guard). No timing is
asserted; every wait has a timeout, so the test stops by itself."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import importorskip_or_fail

importorskip_or_fail("fastapi")
importorskip_or_fail("uvicorn")
httpx = importorskip_or_fail("httpx")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
API = "/api/v1"
LOOKUPS, PRECHECKS, CONCURRENCY = 300, 60, 16
KINDS = ["allocation", "lease", "recognition", "conversion"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``landplan serve --demo`` in its own process on a free loopback port."""
    folder = tmp_path_factory.mktemp("load")
    port = _free_port()
    code = ("import sys; from landplan.cli import main; sys.argv = ['landplan'] + sys.argv[1:];"
            " sys.exit(main())")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    log = open(folder / "serve.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--demo", "--port", str(port),
                             "--jobs-dir", str(folder / "jobs"), "-q"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, (folder / "serve.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "the server did not start in 180 s"
            try:
                if httpx.get(f"{base}{API}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield proc, base, folder
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        log.close()


def _requests() -> list:
    """Lookups and pre-checks of the sample district's parcels (unique sheet + number)."""
    import landplan
    from landplan._sample import sample_inputs

    inputs, _ = sample_inputs()
    d = landplan.load_decisions(inputs.decisions)
    key = d["sheet"].astype(str) + "|" + d["parcel_no"].astype(str) + "|" + d["unit"].astype(str)
    ok = (~key.duplicated(keep=False) & d["sheet"].notna() & d["parcel_no"].notna()
          & (d["geometry_status"] != "unusable") & d["kind"].isin(KINDS)
          & d["land_use"].notna() & d["decision_date"].notna())
    rows = d[ok.to_numpy()]
    rng = np.random.default_rng(18)

    def number(r) -> dict:
        return {"sheet": str(r["sheet"]), "parcel_no": str(r["parcel_no"]), "unit": str(r["unit"])}

    look = [("GET", f"{API}/lookup", {"params": number(rows.iloc[int(i)])})
            for i in rng.integers(0, len(rows), LOOKUPS)]
    pre = []
    for i in rng.integers(0, len(rows), PRECHECKS):
        r = rows.iloc[int(i)]
        body = {**number(r), "kind": r["kind"], "land_use": r["land_use"],
                "decision_date": r["decision_date"].strftime("%Y-%m-%d")}
        if isinstance(r.get("prev_land_use"), str):
            body["prev_land_use"] = r["prev_land_use"]
        pre.append(("POST", f"{API}/precheck", {"json": body}))
    mixed = look + pre
    return [mixed[i] for i in rng.permutation(len(mixed))]


def _sample_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((ROOT / "sample_data" / "decisions").iterdir()):
            archive.write(path, path.name)
    return buf.getvalue()


async def _run(base: str, requests: list, upload: bytes) -> dict:
    sent, answers, lost, job = [], [], [], {}
    queue = iter(requests)

    async def client_loop(client) -> None:
        for method, path, kwargs in queue:
            sent.append(path)
            try:
                r = await client.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                lost.append(f"{method} {path}: {type(exc).__name__}: {exc}")
                continue
            answers.append((r.status_code, f"{method} {path} {kwargs}: {r.text[:300]}"))

    async def batch(client) -> None:
        r = await client.post(f"{API}/jobs", files={"file": ("decisions.zip", upload)})
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        while True:  # bounded by the wait_for around _run
            body = (await client.get(f"{API}/jobs/{job_id}")).json()
            job.update(body)
            if body["state"] in ("done", "failed"):
                return
            await asyncio.sleep(0.5)

    timeout = httpx.Timeout(60.0)
    limits = httpx.Limits(max_connections=CONCURRENCY + 2)
    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as client:
        job_task = asyncio.create_task(batch(client))
        await asyncio.sleep(0.5)  # the job is sent: the load runs beside it
        await asyncio.gather(*(client_loop(client) for _ in range(CONCURRENCY)))
        await job_task
    return {"sent": sent, "answers": answers, "lost": lost, "job": job}


def test_no_request_lost_under_load_with_a_job_and_memory_flat(server):
    proc, base, _folder = server
    requests = _requests()
    with httpx.Client(base_url=base, timeout=60) as client:  # warm-up: every path once
        for method, path, kwargs in requests[:40]:
            r = client.request(method, path, **kwargs)
            assert r.status_code == 200, (path, kwargs, r.text[:300])
    warm = _rss_mb(proc.pid)
    result = asyncio.run(asyncio.wait_for(_run(base, requests, _sample_zip()), 600))
    end = _rss_mb(proc.pid)
    assert proc.poll() is None, "the server died"
    assert len(result["sent"]) == len(requests)
    assert not result["lost"], result["lost"][:5]
    bad = [what for status, what in result["answers"] if not 200 <= status < 300]
    assert not bad, f"{len(bad)} answers not 2xx: {bad[:5]}"
    assert len(result["answers"]) == len(requests)
    assert result["job"].get("state") == "done", result["job"]
    assert result["job"]["outputs"], result["job"]
    assert end <= 1.5 * warm, f"server RSS {warm:.0f} MiB after warm-up, {end:.0f} MiB at the end"
