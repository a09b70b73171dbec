"""Batch jobs of the web service: a layer of decisions uploaded, checked, its outputs served.

``POST /api/v1/jobs`` receives a zipped shapefile or a GeoPackage (:mod:`landplan.
_serve_upload` streams and checks it into the job's folder) and answers 202 with the job's
id; ``GET /api/v1/jobs/{id}`` says its state and progress, ``GET /api/v1/jobs/{id}/outputs/
{name}`` and ``…/outputs.zip`` download what it wrote. Internal mode only.

The worker
    One worker *process* (``ProcessPoolExecutor(max_workers=1)``, ``spawn`` start method:
    no forked copy of the server's threads), created with the app. Its initializer receives
    the plan, projects, corridors and configuration the server was built with — pickled
    once per worker process, never re-read per job — and each job runs there what
    ``landplan check`` runs: :func:`landplan.load_decisions` → :func:`landplan.check` →
    :func:`landplan.write_outputs` (CSV, GeoPackage, map, Excel with ``xlsx``) into the
    job's folder. A worker that dies is replaced on the next job.
Progress
    The worker shows the library's steps (:mod:`landplan._steps`) on a display that writes
    ``progress.json`` in the job's folder (replaced atomically); the server reads it.
    ``done``/``total`` count the phases read → check → write, ``step`` names the step.
Cleanup
    Every request to ``/jobs`` first removes the jobs sent more than ``ttl`` seconds ago
    (once finished), with their folders (and job-like folders of an earlier run older than that).
Folders
    ``jobs_dir/<id>/``: ``upload.part`` while receiving, ``input/`` (the layer),
    ``out/`` (the outputs), ``progress.json``, ``outputs.zip`` once asked for. Nothing is
    written elsewhere; a default jobs folder is a temporary one removed at shutdown.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import re
import tempfile
import time
import uuid
import weakref
import zipfile
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from ._serve_errors import LANGS, ApiError, request_lang
from ._serve_routes import ErrorBody
from ._serve_upload import Limits, MultipartSink, remove, unpack

log = logging.getLogger(__name__)

DEFAULT_TTL = 24 * 3600.0
DEFAULT_MAX_UPLOAD_MB = 200.0
MAX_PENDING = 16
"""Most jobs queued or running at once; more are refused (429)."""
PHASES = ("read", "check", "write")
_ID = re.compile(r"^[0-9a-f]{32}$")


ERRORS = {status: {"model": ErrorBody} for status in (401, 404, 409, 413, 422, 429)}
jobs_router = APIRouter(prefix="/api/v1", tags=["batch"])
Lang = Annotated[Literal["vi", "en"] | None, Query(description="outputs' language (vi, en)")]


# --- the worker process ------------------------------------------------------------------

_LAYERS: dict[str, Any] = {}


def _init_worker(layers: dict[str, Any]) -> None:
    """Keep the server's layers in the worker process (once per process)."""
    _LAYERS.update(layers)


def _noop() -> None:
    """Start the worker process ahead of the first job."""


class _ProgressFile:
    """A display of the steps (:mod:`landplan._steps`) that writes ``progress.json``."""

    def __init__(self, path: Path) -> None:
        self.path, self.phase = path, 0
        self.write("read", 0)

    def write(self, name: str, done: int) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"step": name, "done": done, "total": len(PHASES)}),
                       encoding="utf-8")
        os.replace(tmp, self.path)

    def started(self, step: Any) -> None:
        if step.key == "write" or step.key.startswith("write"):
            self.phase = max(self.phase, 2)
        elif not step.key.startswith("read"):
            self.phase = max(self.phase, 1)
        label = step.name
        if step.index is not None and step.total is not None:
            label = f"{label} ({step.index}/{step.total})"
        self.write(label, self.phase)

    def finished(self, step: Any) -> None:
        """Nothing: the next step's start says it."""


def run_job(folder: str, layer: str, lang: str, xlsx: bool, name: str) -> dict:
    """Run one job in the worker: what ``landplan check`` runs, into ``folder/out``.

    Returns ``{"state": "done", "outputs": [...]}`` or ``{"state": "failed", "code",
    "detail"}`` (the input's problem, said by the library); never raises for bad input.
    """
    from . import check, load_decisions, write_outputs
    from ._steps import showing
    from .errors import LandplanError

    root = Path(folder)
    progress = _ProgressFile(root / "progress.json")
    try:
        with showing(progress):
            decisions = load_decisions(layer)
            config = _LAYERS["config"].updated(lang=lang)
            result = check(_LAYERS["plan"], decisions, projects=_LAYERS.get("projects"),
                           corridors=_LAYERS.get("corridors"), config=config)
            del decisions
            write_outputs(result, root / "out", map_html=True, lang=lang, xlsx=xlsx)
    except LandplanError as exc:
        return {"state": "failed", "code": "job_failed",
                "detail": str(exc).replace(str(root / "input") + os.sep, "")
                .replace(str(root), "").strip()[:1000]}
    except Exception:  # a bug: said without its traceback to the user, logged here
        logging.getLogger(__name__).exception("job %s failed", root.name)
        return {"state": "failed", "code": "job_crashed", "detail": ""}
    progress.write("done", len(PHASES))
    return {"state": "done", "outputs": list_outputs(root / "out")}


def list_outputs(out: Path) -> list[str]:
    """Return the output files of a job (paths relative to ``out``, ``/``-separated)."""
    if not out.is_dir():
        return []
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.is_file() and not p.name.startswith("."))


# --- the server side ---------------------------------------------------------------------

@dataclass
class Job:
    id: str
    folder: Path
    name: str
    lang: str
    created: float
    future: Future | None = None
    finished: float | None = None
    result: dict = field(default_factory=dict)


class JobStore:
    """The jobs of one app: their folder, worker, limits and time to live."""

    def __init__(self, layers: dict[str, Any], *, jobs_dir: str | Path | None = None,
                 ttl: float = DEFAULT_TTL, max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
                 limits: Limits | None = None) -> None:
        self.layers = layers
        self.owned = jobs_dir is None
        self.dir = Path(tempfile.mkdtemp(prefix="landplan-jobs-") if jobs_dir is None
                        else jobs_dir).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ttl = float(ttl)
        self.limits = limits or Limits(max_bytes=int(max_upload_mb * (1 << 20)))
        self.limits.max_unzipped = max(self.limits.max_unzipped, 10 * self.limits.max_bytes)
        self.jobs: dict[str, Job] = {}
        self.clock = time.time
        self._pool: ProcessPoolExecutor | None = None
        self._finalizer = weakref.finalize(self, JobStore._close, None, self.dir, self.owned)

    @property
    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:  # processes start with the first job (or warm())
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker, initargs=(self.layers,))
            self._finalizer.detach()
            self._finalizer = weakref.finalize(self, JobStore._close, self._pool, self.dir,
                                               self.owned)
        return self._pool

    def warm(self) -> None:
        """Start the worker process now (``landplan serve``), not with the first job."""
        self.pool.submit(_noop)

    def stop(self) -> None:
        """Stop the worker (the server stops); a later job starts a new one."""
        pool, self._pool = self._pool, None
        if pool is not None:
            _terminate(pool)

    def close(self) -> None:
        """Stop the worker and remove the jobs folder if the store made it."""
        self.stop()
        self._finalizer()

    @staticmethod
    def _close(pool: ProcessPoolExecutor | None, folder: Path, owned: bool) -> None:
        if pool is not None:
            _terminate(pool)
        if owned:
            remove(folder)

    def submit(self, job: Job, layer: Path, xlsx: bool) -> None:
        args = (str(job.folder), str(layer), job.lang, xlsx, job.name)
        try:
            job.future = self.pool.submit(run_job, *args)
        except BrokenProcessPool:  # the worker died: a new one
            self._pool = None
            job.future = self.pool.submit(run_job, *args)
        self.jobs[job.id] = job

    def pending(self) -> int:
        return sum(1 for j in self.jobs.values() if j.future and not j.future.done())

    def state(self, job: Job) -> str:
        future = job.future
        if future is not None and future.done():
            if not job.result:
                try:
                    job.result = future.result()
                except BaseException as exc:  # the worker process died (or was cancelled)
                    log.error("job %s: the worker failed: %r", job.id, exc)
                    job.result = {"state": "failed", "code": "job_crashed", "detail": ""}
                    if isinstance(exc, BrokenProcessPool):
                        self._pool = None
                job.finished = self.clock()
            return job.result["state"]
        return "running" if (job.folder / "progress.json").exists() else "queued"

    def cleanup(self) -> None:
        """Remove the finished jobs sent more than ``ttl`` ago, and their folders."""
        now = self.clock()
        for job in list(self.jobs.values()):
            if self.state(job) in ("done", "failed") and now - job.created > self.ttl:
                remove(job.folder)
                del self.jobs[job.id]
        for folder in self.dir.iterdir():  # left by an earlier run of the server
            if _ID.match(folder.name) and folder.name not in self.jobs:
                try:
                    old = now - folder.stat().st_mtime > self.ttl
                except OSError:
                    continue
                if old:
                    remove(folder)

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id) if _ID.match(job_id) else None
        if job is None:
            raise ApiError("job_not_found", job=job_id[:40])
        return job


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the worker now: a running job is abandoned (its folder goes with the TTL)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:  # shutdown(wait=False) alone left an idle worker behind
        process.terminate()
    for process in processes:
        process.join(timeout=5)


def _store(request: Request) -> JobStore:
    store: JobStore = request.app.state.jobs
    store.cleanup()
    return store


def install_jobs(app: FastAPI, *, plan: Any, projects: Any = None, corridors: Any = None,
                 config: Any = None, settings: dict | None = None) -> JobStore:
    """Add the batch jobs to an (internal) app: the store, the router, the shutdown."""
    from .config import CheckConfig

    layers = {"plan": plan, "projects": projects, "corridors": corridors,
              "config": config or CheckConfig()}
    store = JobStore(layers, **(settings or {}))
    app.state.jobs = store
    app.include_router(jobs_router, responses=ERRORS)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI):  # the worker stops with the server
        async with inner(app_) as state:
            try:
                yield state
            finally:
                store.stop()

    app.router.lifespan_context = lifespan
    return store


def _job_body(store: JobStore, job: Job, lang: str) -> dict:
    state = store.state(job)
    body: dict[str, Any] = {"id": job.id, "state": state, "name": job.name,
                            "lang": job.lang, "progress": None, "error": None, "outputs": []}
    if state in ("running", "queued"):
        try:
            body["progress"] = json.loads((job.folder / "progress.json").read_text("utf-8"))
        except (OSError, ValueError):
            body["progress"] = {"step": "queued", "done": 0, "total": len(PHASES)}
    elif state == "done":
        body["progress"] = {"step": "done", "done": len(PHASES), "total": len(PHASES)}
        body["outputs"] = job.result.get("outputs", [])
    else:
        error = ApiError(job.result.get("code", "job_crashed"), name=job.name,
                         detail=job.result.get("detail", ""))
        body["error"] = error.body(lang)["error"]
    return body


_UPLOAD_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "a zipped shapefile (.zip) or a GeoPackage (.gpkg)"},
        "lang": {"type": "string", "enum": list(LANGS)},
        "xlsx": {"type": "boolean"}}}}}}}


@jobs_router.post("/jobs", status_code=202, summary="Check a layer of decisions (batch job)",
                  openapi_extra=_UPLOAD_DOC)
async def post_job(request: Request, lang: Lang = None, xlsx: bool = False) -> JSONResponse:
    """Upload a zipped shapefile or a GeoPackage of decisions; the check runs as a job.

    Answers 202 with the job's id; follow it at ``/api/v1/jobs/{id}``. ``lang`` and
    ``xlsx`` (also write the Excel report) may be query parameters or form fields.
    """
    store = _store(request)
    if store.pending() >= MAX_PENDING:
        raise ApiError("jobs_busy", n=store.pending())
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > store.limits.max_bytes:  # before reading
        raise ApiError("upload_too_large", limit_mb=store.limits.max_bytes / (1 << 20))
    job_id = uuid.uuid4().hex
    folder = store.dir / job_id
    store.dir.mkdir(parents=True, exist_ok=True)
    folder.mkdir()
    try:
        received = await _receive(request, folder / "upload.part", store.limits.max_bytes)
        fields = received.fields
        language = lang or fields.get("lang") or request_lang(request)
        if language not in LANGS:
            raise ApiError("invalid_request", detail=f"lang: one of {', '.join(LANGS)}")
        want_xlsx = xlsx or fields.get("xlsx", "").strip().lower() in ("1", "true", "yes",
                                                                         "on")
        name = received.filename or "upload"
        layer = await run_in_threadpool(unpack, received.path, folder / "input", name,
                                        store.limits)
    except BaseException:
        remove(folder)
        raise
    job = Job(job_id, folder, name, language, store.clock())
    store.submit(job, layer, want_xlsx)
    body = _job_body(store, job, request_lang(request))
    return JSONResponse(body, status_code=202,
                        headers={"Location": f"/api/v1/jobs/{job_id}"})


async def _receive(request: Request, path: Path, limit: int):
    sink = MultipartSink(request.headers.get("content-type", ""), path, limit)
    try:
        async for chunk in request.stream():
            if chunk:
                sink.feed(chunk)
    except ClientDisconnect as exc:
        raise ApiError("upload_incomplete", detail="the connection closed") from exc
    finally:
        sink.close_file()
    return sink.close()


@jobs_router.get("/jobs/{job_id}", summary="A job's state, progress and outputs")
async def get_job(request: Request, job_id: str, lang: Lang = None) -> dict:
    """Return a job's state, progress, error and outputs.

    ``state``: queued, running, done or failed; ``progress``: ``{step, done, total}``;
    ``error``: why it failed (``{code, message, fix}``); ``outputs``: the files written.
    """
    store = _store(request)
    job = store.get(job_id)
    return _job_body(store, job, _reader_lang(request, job))


def _reader_lang(request: Request, job: Job) -> str:
    """``?lang=``, else the language the job was sent in."""
    asked = request.query_params.get("lang")
    return asked if asked in LANGS else job.lang


def _done(store: JobStore, job_id: str) -> Job:
    job = store.get(job_id)
    state = store.state(job)
    if state != "done":
        raise ApiError("job_not_done", job=job_id, state=state)
    return job


@jobs_router.get("/jobs/{job_id}/outputs.zip", summary="All of a job's outputs, zipped",
                 response_class=FileResponse)
async def get_outputs_zip(request: Request, job_id: str, lang: Lang = None) -> FileResponse:
    store = _store(request)
    job = _done(store, job_id)
    path = job.folder / "outputs.zip"
    if not path.exists():
        await run_in_threadpool(_zip_outputs, job, path)
    return FileResponse(path, media_type="application/zip",
                        filename=f"landplan_{job.id[:8]}.zip")


def _zip_outputs(job: Job, path: Path) -> None:
    tmp = path.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in job.result.get("outputs", []):
            archive.write(job.folder / "out" / name, name)
    os.replace(tmp, path)


@jobs_router.get("/jobs/{job_id}/outputs/{name:path}", summary="One of a job's outputs",
                 response_class=FileResponse)
async def get_output(request: Request, job_id: str, name: str,
                     lang: Lang = None) -> FileResponse:
    store = _store(request)
    job = _done(store, job_id)
    if name not in job.result.get("outputs", []):  # only the names listed: no other path
        raise ApiError("output_not_found", job=job_id, name=name[:200])
    return FileResponse(job.folder / "out" / name, filename=Path(name).name)
