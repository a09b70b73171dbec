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

from .errors import LandplanError

log = logging.getLogger(__name__)

LANGS = ("vi", "en")

# code: (status, message vi, message en, fix vi, fix en); {placeholders} filled per error
TEXTS: dict[str, tuple[int, str, str, str, str]] = {
    "invalid_request": (
        422, "Yêu cầu không hợp lệ: {detail}.", "Invalid request: {detail}.",
        "Sửa các tham số theo tài liệu API (/docs).",
        "Fix the parameters as the API documentation says (/docs)."),
    "not_found": (
        404, "Không có địa chỉ {path}.", "There is no {path}.",
        "Xem danh sách địa chỉ trong /docs.", "See the list of endpoints in /docs."),
    "method_not_allowed": (
        405, "Phương thức {method} không dùng được cho {path}.",
        "Method {method} is not allowed on {path}.",
        "Dùng phương thức ghi trong /docs.", "Use the method /docs gives."),
    "unauthorized": (
        401, "Cần mã truy cập hợp lệ.", "A valid access token is required.",
        "Gửi tiêu đề 'Authorization: Bearer <mã>' với mã do quản trị viên cấp.",
        "Send the header 'Authorization: Bearer <token>' with a token from the administrator."),
    "parcel_not_found": (
        404, "Không tìm thấy thửa đất tờ {sheet}, thửa {parcel_no}{unit}.",
        "No parcel sheet {sheet}, number {parcel_no}{unit}.",
        "Kiểm tra số tờ, số thửa và mã xã.", "Check the sheet, parcel number and unit code."),
    "ambiguous_parcel": (
        400, "Có {n} thửa tờ {sheet}, thửa {parcel_no} ở các xã {units}.",
        "{n} parcels are sheet {sheet}, number {parcel_no}, in units {units}.",
        "Cho thêm mã xã (unit).", "Give the unit code too (unit)."),
    "duplicate_parcel": (
        400, "Có {n} thửa trùng tờ {sheet}, thửa {parcel_no}{unit} trong dữ liệu địa chính.",
        "The cadastre holds {n} parcels sheet {sheet}, number {parcel_no}{unit}.",
        "Gửi ranh giới thửa (geometry) thay cho số tờ, số thửa.",
        "Send the parcel's outline (geometry) instead of its sheet and number."),
    "no_parcels": (
        400, "Dịch vụ chưa nạp lớp thửa đất địa chính.", "No cadastral parcel layer is loaded.",
        "Tra cứu theo toạ độ hoặc vùng (geometry), hoặc khởi động với --parcels.",
        "Look up by coordinates or a polygon (geometry), or start with --parcels."),
    "missing_location": (
        400, "Thiếu vị trí tra cứu.", "No place to look up.",
        "Cho lon và lat, hoặc x, y (VN-2000), hoặc sheet và parcel_no.",
        "Give lon and lat, or x and y (VN-2000), or sheet and parcel_no."),
    "bad_crs": (
        400, "Không đọc được hệ toạ độ '{crs}'.", "Cannot read the CRS '{crs}'.",
        "Dùng mã EPSG, ví dụ EPSG:9209 (VN-2000 / TM-3 105-30).",
        "Use an EPSG code, e.g. EPSG:9209 (VN-2000 / TM-3 105-30)."),
    "bad_coordinates": (
        400, "Toạ độ không dùng được: {detail}.", "Unusable coordinates: {detail}.",
        "Kiểm tra thứ tự x/y (kinh độ/vĩ độ) và hệ toạ độ.",
        "Check the x/y (lon/lat) order and the CRS."),
    "bad_geometry": (
        400, "Hình không dùng được: {detail}.", "Unusable geometry: {detail}.",
        "Gửi một GeoJSON Polygon hoặc MultiPolygon (WGS 84, kinh độ/vĩ độ) có diện tích.",
        "Send a GeoJSON Polygon or MultiPolygon (WGS 84 lon/lat) with an area."),
    "too_large": (
        400, "Vùng tra cứu quá lớn: {area:.0f} ha (tối đa {limit:.0f} ha).",
        "The area looked up is too large: {area:.0f} ha (at most {limit:.0f} ha).",
        "Tra cứu một vùng nhỏ hơn.", "Look up a smaller area."),
    "bad_kind": (
        400, "Không đọc được loại quyết định '{kind}'.", "Cannot read the kind '{kind}'.",
        "Dùng allocation (giao đất), lease (cho thuê đất), recognition (công nhận) hoặc "
        "conversion (chuyển mục đích).",
        "Use allocation (giao đất), lease (cho thuê đất), recognition (công nhận) or "
        "conversion (chuyển mục đích)."),
    "input_refused": (
        400, "Dữ liệu không dùng được: {detail}", "Unusable input: {detail}",
        "Sửa dữ liệu gửi lên theo thông báo.", "Fix what was sent as the message says."),
    "internal": (
        500, "Lỗi nội bộ của dịch vụ.", "Internal error of the service.",
        "Báo lỗi cho quản trị viên, kèm yêu cầu đã gửi.",
        "Report it to the administrator with the request you sent."),
}


class ApiError(Exception):
    """An error answer: its code (a key of :data:`TEXTS`) and the values its texts name."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code, self.values = code, values

    @property
    def status(self) -> int:
        return TEXTS[self.code][0]

    def body(self, lang: str) -> dict:
        _, msg_vi, msg_en, fix_vi, fix_en = TEXTS[self.code]
        message, fix = (msg_vi, fix_vi) if lang == "vi" else (msg_en, fix_en)
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
