"""Batch jobs of the web service (``POST /api/v1/jobs``) and the safety of their uploads.

A zipped shapefile of the sample decisions checked as a job gives the same ``decisions.csv``
and ``findings.csv`` as ``landplan check`` on the same files; uploads too large (declared or
streamed), zip bombs, zip-slip names, files that are no layer and uploads cut off are refused
with the JSON error body and leave nothing behind — nothing is ever written outside the jobs
folder; finished jobs are removed after their time to live; ``--public`` has no batch.
"""

from __future__ import annotations

import io
import os
import shutil
import time
import warnings
import zipfile
from concurrent.futures import Future
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.serve_helpers import sample_layers

API = "/api/v1"
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.fixture(scope="module")
def layers():
    return sample_layers()


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """The jobs folder's parent: nothing may appear in it but the jobs folder."""
    return tmp_path_factory.mktemp("jobs_root")


@pytest.fixture(scope="module")
def app(root):
    """``landplan serve --demo``'s app, its jobs in ``root/jobs``."""
    from landplan.serve import demo_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = demo_app(jobs={"jobs_dir": root / "jobs"})
    yield app
    app.state.jobs.close()


@pytest.fixture
def client(app, root):
    """The app's client; after the test, the jobs folder's parent holds the jobs folder
    only, and no job folder is left by a refused upload."""
    store = app.state.jobs
    known = set(store.jobs)
    yield TestClient(app)
    assert sorted(p.name for p in root.iterdir()) == ["jobs"]
    left = {p.name for p in store.dir.iterdir()} - set(store.jobs)
    assert not left, left
    assert set(store.jobs) >= known


def _sample_zip(names: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        if names is None:
            for path in sorted((SAMPLE / "decisions").iterdir()):
                archive.write(path, path.name)
        else:
            for name, data in names.items():
                archive.writestr(name, data)
    return buf.getvalue()


def _post(client, data: bytes, name: str = "decisions.zip", **params):
    return client.post(f"{API}/jobs", params=params,
                       files={"file": (name, data, "application/octet-stream")})


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert all(body["error"][k] for k in ("message", "fix"))
    assert "Traceback" not in response.text
    return body["error"]


def _wait(client, job_id: str, seen: list | None = None, timeout: float = 240) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        body = client.get(f"{API}/jobs/{job_id}").json()
        if seen is not None:
            seen.append(body)
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not end: {body}")


@pytest.fixture(scope="module")
def sample_job(app):
    """The sample decisions, zipped, checked as a job (with the Excel report)."""
    client = TestClient(app)
    r = _post(client, _sample_zip(), xlsx="true", lang="vi")
    assert r.status_code == 202, r.text
    assert r.json()["state"] in ("queued", "running")
    seen: list[dict] = []
    started = time.perf_counter()
    body = _wait(client, r.json()["id"], seen)
    return {"body": body, "seen": seen, "seconds": time.perf_counter() - started}


@pytest.mark.slow
def test_a_batch_gives_the_bytes_landplan_check_gives(sample_job, app, tmp_path):
    from landplan._sample import sample_inputs
    from landplan.cli import main

    body = sample_job["body"]
    assert body["state"] == "done", body
    inputs, _ = sample_inputs()
    with zipfile.ZipFile(tmp_path / "decisions.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(inputs.decisions.iterdir()):
            archive.write(path, path.name)
    argv = ["check", "-q", "--decisions", str(tmp_path / "decisions.zip"),
            "--projects", str(inputs.projects), "--corridors", str(inputs.corridors[0]),
            "--config", str(SAMPLE / "landplan.toml"), "--lang", "vi", "--no-map",
            "--out", str(tmp_path / "out")]
    for path, date in inputs.plans:
        argv[1:1] = ["--plan", f"{path}@{date}" if date else str(path)]
    assert main(argv) == 0
    client = TestClient(app)
    for name in ("decisions.csv", "findings.csv"):
        r = client.get(f"{API}/jobs/{body['id']}/outputs/{name}")
        assert r.status_code == 200
        assert r.content == (tmp_path / "out" / name).read_bytes(), name


@pytest.mark.slow
def test_a_job_reports_progress_and_serves_every_output(sample_job, app):
    body, seen = sample_job["body"], sample_job["seen"]
    assert {"decisions.csv", "findings.csv", "findings.gpkg", "map.html", "summary.csv",
            "bao_cao.xlsx"} <= set(body["outputs"])
    assert body["progress"] == {"step": "done", "done": 3, "total": 3}
    running = [b["progress"] for b in seen if b["state"] == "running"]
    assert running and all(set(p) == {"step", "done", "total"} for p in running)
    assert [p["done"] for p in running] == sorted(p["done"] for p in running)
    assert max(p["done"] for p in running) >= 1  # the steps of the check are shown
    client = TestClient(app)
    r = client.get(f"{API}/jobs/{body['id']}/outputs.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        assert sorted(archive.namelist()) == sorted(body["outputs"])
        one = client.get(f"{API}/jobs/{body['id']}/outputs/summary.csv").content
        assert archive.read("summary.csv") == one
    for name in ("..%2Fprogress.json", "..%2F..%2Fjobs", "input/decisions.shp", "nope.csv"):
        _error(client.get(f"{API}/jobs/{body['id']}/outputs/{name}"), 404, "output_not_found")
    assert client.get(f"{API}/jobs/{body['id']}/outputs/../progress.json").status_code == 404


def test_the_worker_is_a_spawned_process(app):
    store = app.state.jobs
    assert store.pool._mp_context.get_start_method() == "spawn"
    assert store.pool._max_workers == 1


def test_unknown_jobs_are_404_with_the_json_body(client):
    for path in ("jobs/0123", "jobs/" + "a" * 32, "jobs/" + "a" * 32 + "/outputs.zip",
                 "jobs/" + "a" * 32 + "/outputs/decisions.csv"):
        _error(client.get(f"{API}/{path}"), 404, "job_not_found")


def test_an_upload_over_the_limit_is_413_before_it_is_read(client, app, monkeypatch):
    from landplan._serve_upload import MultipartSink

    fed: list[int] = []
    feed = MultipartSink.feed
    monkeypatch.setattr(MultipartSink, "feed", lambda self, chunk: (fed.append(len(chunk)),
                                                                   feed(self, chunk)))
    monkeypatch.setattr(app.state.jobs.limits, "max_bytes", 20_000)
    error = _error(_post(client, os.urandom(30_000), lang="en"), 413, "upload_too_large")
    assert "too large" in error["message"]
    assert fed == []  # refused on its declared length: not a byte read


def test_a_streamed_upload_without_length_is_cut_at_the_limit(client, app, monkeypatch):
    monkeypatch.setattr(app.state.jobs.limits, "max_bytes", 20_000)
    data = _sample_zip()  # a valid layer: only the size refuses it
    boundary = "xyzzy"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"d.zip\"\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks():
        yield head
        for i in range(0, len(data), 4096):
            yield data[i:i + 4096]
        yield tail

    r = client.post(f"{API}/jobs", content=chunks(),
                    headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert "content-length" not in {k.lower() for k in r.request.headers}
    _error(r, 413, "upload_too_large")


def test_a_zip_bomb_is_refused_from_its_central_directory(client, app, monkeypatch):
    bomb = _sample_zip({"decisions.shp": b"\0" * (30 << 20)})  # 30 MB of zeros: ~30 kB
    assert len(bomb) < 100_000
    error = _error(_post(client, bomb, lang="en"), 422, "zip_too_large")
    assert "ratio" in error["message"]
    monkeypatch.setattr(app.state.jobs.limits, "max_unzipped", 100_000)
    big = _sample_zip({"decisions.shp": os.urandom(200_000)})  # incompressible, too big
    error = _error(_post(client, big, lang="en"), 422, "zip_too_large")
    assert "uncompressed" in error["message"]


def test_a_zip_entry_larger_than_it_declares_is_cut():
    from landplan._serve_errors import ApiError
    from landplan._serve_upload import _copy_capped

    with pytest.raises(ApiError) as caught:
        _copy_capped(io.BytesIO(b"x" * 100), io.BytesIO(), 10, "a.shp")
    assert caught.value.code == "zip_too_large"


@pytest.mark.parametrize("name", ["../x.shp", "a/../../x.shp", "/tmp/x.shp", "C:/x.shp",
                                  "c:x.shp", "..\\x.shp"])
def test_zip_slip_names_are_refused_and_nothing_is_written(client, root, name):
    data = _sample_zip({name: b"shp", "decisions.dbf": b"dbf"})
    _error(_post(client, data), 422, "unsafe_zip")
    assert not (root / "x.shp").exists() and not (root.parent / "x.shp").exists()


@pytest.mark.parametrize(("data", "name"), [
    (b"decisions: 3 rows\n", "decisions.txt"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "decisions.zip"),
    (b"", "decisions.zip"),
])
def test_a_file_that_is_no_layer_is_422(client, data, name):
    error = _error(_post(client, data, name, lang="en"), 422, "not_a_layer")
    assert error["message"].startswith(f"Not a layer: {name}")
    assert "expected a zipped shapefile or a GeoPackage" in error["message"]


def test_a_zip_without_a_layer_is_422_in_vietnamese(client):
    error = _error(_post(client, _sample_zip({"readme.txt": b"hi"}), lang="vi"), 422,
                   "not_a_layer")
    assert "Không phải lớp dữ liệu" in error["message"] and "readme.txt" in error["message"]


def test_a_zip_cut_off_mid_way_is_422(client):
    data = _sample_zip()
    error = _error(_post(client, data[: len(data) // 2], lang="en"), 422, "upload_incomplete")
    assert "cut off" in error["message"]


def test_a_geopackage_cut_off_mid_way_is_422(client, layers, tmp_path):
    path = tmp_path / "d.gpkg"
    layers["parcels"].to_file(path, driver="GPKG")
    data = path.read_bytes()
    _error(_post(client, data[: len(data) // 2], "d.gpkg"), 422, "upload_incomplete")


def test_a_body_cut_off_before_its_end_is_422(client):
    boundary = "xyzzy"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"d.zip\"\r\n\r\n").encode() + _sample_zip()
    r = client.post(f"{API}/jobs", content=body,
                    headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    _error(r, 422, "upload_incomplete")


def test_a_body_without_a_file_is_422(client):
    _error(client.post(f"{API}/jobs", data={"lang": "en"}), 422, "no_upload")
    _error(client.post(f"{API}/jobs", data={"lang": "en"},  # multipart, no field 'file'
                       files={"layer": ("d.zip", b"PK", "application/zip")}),
           422, "no_upload")
    _error(client.post(f"{API}/jobs", json={"file": "x"}), 422, "no_upload")


@pytest.mark.slow
def test_a_shapefile_cut_off_inside_its_zip_fails_the_job_in_the_readers_language(client):
    parts = {p.name: p.read_bytes() for p in (SAMPLE / "decisions").iterdir()}
    parts["decisions.shp"] = parts["decisions.shp"][: len(parts["decisions.shp"]) // 3]
    r = _post(client, _sample_zip(parts), lang="en")
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    body = _wait(client, job_id)
    assert body["state"] == "failed" and body["outputs"] == []
    assert set(body["error"]) == {"code", "message", "fix"}
    assert body["error"]["code"] == "job_failed"
    assert body["error"]["message"].startswith("The check of decisions.zip failed")
    assert "Traceback" not in str(body) and str(client.app.state.jobs.dir) not in str(body)
    vi = client.get(f"{API}/jobs/{job_id}", params={"lang": "vi"}).json()
    assert vi["error"]["message"].startswith("Không kiểm tra được tệp decisions.zip")
    _error(client.get(f"{API}/jobs/{job_id}/outputs.zip"), 409, "job_not_done")


def _finished_job(store, folder_name: str, outputs: list[str]):
    from landplan._serve_jobs import Job

    folder = store.dir / folder_name
    (folder / "out").mkdir(parents=True)
    for name in outputs:
        (folder / "out" / name).write_text("x")
    future: Future = Future()
    future.set_result({"state": "done", "outputs": outputs})
    job = Job(folder_name, folder, "d.zip", "vi", store.clock(), future)
    store.jobs[job.id] = job
    return job


def test_jobs_are_removed_after_their_time_to_live(client, app):
    store = app.state.jobs
    job = _finished_job(store, "b" * 32, ["decisions.csv"])
    assert client.get(f"{API}/jobs/{job.id}").json()["state"] == "done"
    assert client.get(f"{API}/jobs/{job.id}/outputs/decisions.csv").content == b"x"
    job.created -= store.ttl - 60  # not yet
    assert client.get(f"{API}/jobs/{job.id}").status_code == 200
    job.created -= 120  # past its time
    _error(client.get(f"{API}/jobs/{job.id}"), 404, "job_not_found")
    assert not job.folder.exists() and job.id not in store.jobs


def test_job_folders_left_by_an_earlier_run_are_removed_after_the_ttl(client, app):
    store = app.state.jobs
    old, fresh = store.dir / ("c" * 32), store.dir / ("d" * 32)
    for folder in (old, fresh):
        (folder / "out").mkdir(parents=True)
    past = time.time() - store.ttl - 60
    os.utime(old, (past, past))
    client.get(f"{API}/jobs/{'e' * 32}")
    assert not old.exists() and fresh.exists()
    shutil.rmtree(fresh)


@pytest.mark.slow
def test_public_mode_has_no_batch(layers):
    from landplan.serve import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = create_app(**layers, public=True)
    client = TestClient(app)
    assert not hasattr(app.state, "jobs")
    _error(_post(client, _sample_zip()), 404, "not_found")
    _error(client.get(f"{API}/jobs/{'a' * 32}"), 404, "not_found")
    assert not any(p.startswith(f"{API}/jobs") for p in app.openapi()["paths"])


def test_serve_options_give_the_job_settings(tmp_path):
    from landplan._serve_cli import job_settings
    from landplan.cli import _parser
    from landplan.errors import LandplanError

    args = _parser().parse_args(["serve", "--demo", "--jobs-dir", str(tmp_path),
                                 "--job-ttl", "0.5", "--max-upload-mb", "10"])
    assert job_settings(args) == {"jobs_dir": tmp_path, "ttl": 1800.0, "max_upload_mb": 10.0}
    args = _parser().parse_args(["serve", "--demo"])
    assert job_settings(args)["ttl"] == 24 * 3600 and args.max_upload_mb == 200
    args = _parser().parse_args(["serve", "--demo", "--max-upload-mb", "0"])
    with pytest.raises(LandplanError, match="--max-upload-mb"):
        job_settings(args)


@pytest.mark.slow
def test_the_worker_stops_with_the_server(layers, tmp_path):
    from landplan.serve import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = create_app(**layers, jobs={"jobs_dir": tmp_path / "jobs"})
    with TestClient(app):
        app.state.jobs.warm()
        processes = list(app.state.jobs.pool._processes.values())
        assert processes and all(p.is_alive() for p in processes)
    assert not any(p.is_alive() for p in processes)
    assert (tmp_path / "jobs").is_dir()  # a folder given is kept
    app.state.jobs.close()
