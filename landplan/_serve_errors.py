"""Errors of the web service (:mod:`landplan.serve`): one JSON body, in the reader's language.

Every error answer is ``{"error": {"code", "message", "fix"}}``; the language is the
request's (``?lang=``, else ``Accept-Language``, else the app's). Validation errors, unknown
routes and methods get the same body; an unexpected exception is a 500 with that body too
(it is a bug, logged with its traceback).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ._data import load_toml
from .errors import LandplanError

log = logging.getLogger(__name__)

LANGS = ("vi", "en")

TEXTS: dict[str, dict] = load_toml("serve/errors.toml")
"""Every error answer by code: ``status``, ``message`` and ``fix`` in each language
(``landplan/data/serve/errors.toml``)."""


class ApiError(Exception):
    """An error answer: its code (a key of :data:`TEXTS`) and the values its texts name."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code, self.values = code, values

    @property
    def status(self) -> int:
        return int(TEXTS[self.code]["status"])

    def body(self, lang: str) -> dict:
        entry = TEXTS[self.code]
        message, fix = entry["message"][lang], entry["fix"][lang]
        return {"error": {"code": self.code, "message": message.format(**self.values),
                          "fix": fix.format(**self.values)}}


def request_lang(request: Request) -> str:
    """Return the answer's language.

    ``?lang=``, else the first of vi/en in ``Accept-Language``, else the app's default.
    """
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return getattr(request.app.state, "lang", "vi")


def error_response(request: Request, error: ApiError, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(error.body(request_lang(request)), status_code=error.status,
                        headers=headers)


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for item in exc.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {item.get('msg', '')}")
    return "; ".join(parts) or "?"


def install_handlers(app: FastAPI) -> None:
    """Make every error answer the JSON error body."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(request, ApiError("invalid_request",
                                                detail=_validation_detail(exc)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        path, method = request.url.path, request.method
        if exc.status_code == 404:
            return error_response(request, ApiError("not_found", path=path))
        if exc.status_code == 405:
            return error_response(request, ApiError("method_not_allowed", path=path,
                                                    method=method))
        if exc.status_code == 401:
            return error_response(request, ApiError("unauthorized"))
        body = ApiError("invalid_request", detail=str(exc.detail)).body(request_lang(request))
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(LandplanError)
    async def _refused(request: Request, exc: LandplanError) -> JSONResponse:
        return error_response(request, ApiError("input_refused", detail=str(exc)[:1000]))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return error_response(request, ApiError("internal"))
