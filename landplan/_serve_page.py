"""The web page of ``landplan serve``: plan map, parcel search, pre-check, printable slip, batch.

One page, served at ``/`` (Vietnamese) and ``/en`` (English; ``?lang=en`` works too), offline:
its script and style (``landplan/data/serve``) and Leaflet (the pinned copy the maps inline,
``landplan/data/assets/leaflet``) are served by the app under ``/static/``; nothing else is
loaded. The page's words are the ``[serve]`` section of ``landplan/data/labels.toml``, given to
the script with the codes, their names and official colours in a JSON block (never run).
The script inserts every text from data with ``textContent``; the page carries a
Content-Security-Policy that allows nothing but the app itself (no inline script).

``GET /api/v1/plan?bbox=&version=&limit=`` draws the plan map: the zones of one version in a
lon/lat box, simplified to the view's scale, the largest first, at most ``limit`` of them
(an STRtree query over the zones indexed at start-up, so a district's few thousand zones
answer in milliseconds).
"""

from __future__ import annotations

import json
from typing import Annotated
from weakref import WeakKeyDictionary

import numpy as np
import shapely
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.routing import Match

from ._data import data_path
from ._labels import LANGS, labels
from ._serve_errors import ApiError, request_lang
from ._serve_index import ServeData
from ._serve_lookup import jsonable, to_wgs84
from .codes import code_color, code_names

MAX_ZONES = 3_000
"""The most zones one ``/api/v1/plan`` answer draws."""
MAX_OUTLINES = 1_500
"""The most parcel outlines one ``/api/v1/plan/parcels`` answer draws."""
OUTLINE_FIELDS = ("parcel_id", "sheet", "parcel_no", "unit")
"""What a drawn parcel outline carries (no personal data in either mode)."""
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
"""The page's Content-Security-Policy: the app's own files only (Leaflet's CSS icons are
``data:`` images)."""
KINDS = ("allocation", "lease", "recognition", "conversion")
"""The kinds of decision the pre-check form offers."""

_CACHE: WeakKeyDictionary[ServeData, dict] = WeakKeyDictionary()
"""Zones drawn for the map: app data -> (version, scale, lang) -> zone row -> Feature."""

_STATIC = {  # name under /static/ -> (file under landplan/data, media type)
    "page.js": ("serve/page.js", "text/javascript; charset=utf-8"),
    "page.css": ("serve/page.css", "text/css; charset=utf-8"),
    "leaflet.js": ("assets/leaflet/leaflet.js", "text/javascript; charset=utf-8"),
    "leaflet.css": ("assets/leaflet/leaflet.css", "text/css; charset=utf-8"),
}

page = APIRouter(include_in_schema=False)
plan_api = APIRouter(prefix="/api/v1", tags=["lookup"])


def _headers() -> dict[str, str]:
    return {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer"}


@page.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    return _page(request, request_lang(request) if "lang" in request.query_params else
                 getattr(request.app.state, "lang", "vi"))


@page.get("/en", response_class=HTMLResponse)
async def index_en(request: Request) -> HTMLResponse:
    return _page(request, "en")


@page.get("/static/{name}")
async def static(name: str) -> Response:
    if name not in _STATIC:
        raise ApiError("not_found", path=f"/static/{name}")
    path, media = _STATIC[name]
    return Response(data_path(path).read_bytes(), media_type=media,
                    headers={**_headers(), "Cache-Control": "public, max-age=3600"})


def _page(request: Request, lang: str) -> HTMLResponse:
    data: ServeData = request.app.state.data
    template = data_path("serve/index.html").read_text(encoding="utf-8")
    config = json.dumps(_config(request, data, lang), ensure_ascii=False)
    config = config.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    html = template.replace("{{lang}}", lang).replace("{{config}}", config)
    return HTMLResponse(html, headers=_headers())


def _config(request: Request, data: ServeData, lang: str) -> dict:
    """Return what the page's script needs: words, mode, codes, versions, the extent."""
    names = code_names(data.codes, lang)
    used = set(data.zone_code.tolist())
    schemes = data.codes["scheme"].fillna("") if "scheme" in data.codes.columns else None
    codes = [[c, names.get(c, c), code_color(c, data.codes)] for c in data.codes.index
             if schemes is None or "2024" in schemes.get(c, "") or c in used]
    bounds = None
    usable = data.zones[~shapely.is_missing(data.zones)]
    if len(usable):
        x0, y0, x1, y1 = shapely.total_bounds(usable)
        lon, lat = data.to_wgs84.transform([x0, x1, x0, x1], [y0, y1, y1, y0])
        bounds = [[min(lat), min(lon)], [max(lat), max(lon)]]
    jobs = _has_route(request, "/api/v1/jobs")
    other = next(x for x in LANGS if x != lang)  # the switch: "/" for the first, else /en
    return {"lang": lang, "other_url": "/" if other == LANGS[0] else f"/{other}",
            "public": data.public, "jobs": bool(jobs and not data.public),
            "words": labels("serve", lang),
            "kinds": [[k, labels("kind", lang)[k]] for k in KINDS],
            "codes": codes, "bounds": bounds, "in_force": data.in_force(),
            "versions": [{"plan_version": r.plan_version, "approved": jsonable(r.approved)}
                         for r in data.versions.itertuples(index=False)]}


def _has_route(request: Request, path: str) -> bool:
    """Whether the app answers ``path`` (any method): the jobs API, from its own router."""
    scope = {"type": "http", "path": path, "method": "GET", "root_path": "",
             "path_params": {}, "query_string": b"", "headers": []}
    return any(route.matches(scope)[0] != Match.NONE for route in request.app.router.routes)


@plan_api.get("/plan", summary="The plan's zones in a box (for a map)")
async def get_plan(request: Request,
                   bbox: Annotated[str, Query(max_length=200,
                                              description="west,south,east,north (lon/lat)")],
                   version: Annotated[str | None, Query(max_length=50)] = None,
                   limit: Annotated[int, Query(ge=1, le=MAX_ZONES)] = 2_000,
                   lang: Annotated[str | None, Query(max_length=5)] = None) -> dict:
    """Return the zones of one plan version (default: in force today) meeting a lon/lat box.

    A GeoJSON FeatureCollection in WGS 84, each zone simplified to about a thousandth of the
    box's width (a power of two of metres; drawn zones are kept per scale), with its code,
    name and official colour; the ``limit`` largest when more meet the box (``truncated``
    then says so).
    """
    data: ServeData = request.app.state.data
    box = _bbox(bbox)
    known = set(data.versions["plan_version"].astype(str))
    if version is not None and version not in known:
        raise ApiError("invalid_request",
                       detail=f"version {version!r} is not one of {', '.join(sorted(known))}")
    language = request_lang(request)
    return await data.run(_zones, data, box, version or data.in_force(), limit, language)


@plan_api.get("/plan/parcels", summary="Parcel outlines in a box (for a map)")
async def get_outlines(request: Request,
                       bbox: Annotated[str, Query(max_length=200,
                                                  description="west,south,east,north (lon/lat)")],
                       limit: Annotated[int, Query(ge=1, le=MAX_OUTLINES)] = MAX_OUTLINES,
                       lang: Annotated[str | None, Query(max_length=5)] = None) -> dict:
    """Return the cadastral parcels meeting a lon/lat box: outlines and numbers only.

    A GeoJSON FeatureCollection in WGS 84 (``parcel_id``, ``sheet``, ``parcel_no``,
    ``unit``); at most ``limit`` (``truncated`` then says so): for a map zoomed in.
    """
    data: ServeData = request.app.state.data
    box = _bbox(bbox)
    return await data.run(_outlines, data, box, limit)


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError as exc:
        raise ApiError("bad_coordinates", detail=f"bbox={text[:60]}") from exc
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ApiError("bad_coordinates", detail=f"bbox={text[:60]}")
    return west, south, east, north


def _working_box(data: ServeData,
                 bbox: tuple[float, float, float, float]) -> tuple[shapely.Geometry, float]:
    """Return the lon/lat box in the working CRS (the box around it) and its width (m)."""
    west, south, east, north = bbox
    lons = np.array([west, east, east, west, (west + east) / 2, (west + east) / 2])
    lats = np.array([south, south, north, north, south, north])
    xs, ys = data.transformer("EPSG:4326").transform(lons, lats)
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise ApiError("bad_coordinates", detail="bbox outside the plan's CRS")
    return (shapely.box(xs.min(), ys.min(), xs.max(), ys.max()),
            float(xs.max() - xs.min()))


def _outlines(data: ServeData, bbox: tuple[float, float, float, float], limit: int) -> dict:
    if data.parcels is None:
        return {"type": "FeatureCollection", "truncated": False, "features": []}
    box, _ = _working_box(data, bbox)
    rows = np.sort(data.trees["parcels"].query(box, predicate="intersects"))
    truncated = len(rows) > limit
    rows = rows[:limit]
    geoms = to_wgs84(data, data.parcel_geoms[rows])
    columns = {f: data.parcel_columns[f][rows] for f in OUTLINE_FIELDS
               if f in data.parcel_columns}
    return {"type": "FeatureCollection", "truncated": bool(truncated),
            "features": [{"type": "Feature", "geometry": g,
                          "properties": {f: jsonable(v[i]) for f, v in columns.items()}}
                         for i, g in enumerate(geoms) if g is not None]}


def _zones(data: ServeData, bbox: tuple[float, float, float, float], version: str | None,
           limit: int, lang: str) -> dict:
    box, width = _working_box(data, bbox)
    idx = data.zone_tree.query(box, predicate="intersects")
    idx = idx[data.zone_version[idx] == version] if version is not None else idx
    area = shapely.area(data.zones[idx])
    order = np.argsort(-area, kind="stable")
    truncated = len(idx) > limit
    idx = np.sort(idx[order[:limit]])
    # the tolerance rounded to a power of two, so that zones drawn once at a scale are
    # kept (per app, version and scale) and a pan or a zoom back draws only the new ones
    level = int(np.floor(np.log2(max(width, 1.0) / 1_000)))
    cache = _CACHE.setdefault(data, {}).setdefault((version, level, lang), {})
    missing = np.array([i for i in idx if i not in cache], dtype=np.int64)
    if len(missing):
        drawn = shapely.simplify(data.zones[missing], 2.0 ** level, preserve_topology=True)
        names = code_names(data.codes, lang)
        for i, geom in zip(missing, to_wgs84(data, drawn), strict=True):
            code = str(data.zone_code[i])
            cache[i] = None if geom is None else {
                "type": "Feature", "geometry": geom,
                "properties": {"land_use": code, "name": names.get(code, code),
                               "color": code_color(code, data.codes),
                               "plan_version": str(data.zone_version[i])}}
    features = [cache[i] for i in idx if cache[i] is not None]
    return {"type": "FeatureCollection", "version": version, "truncated": bool(truncated),
            "features": features}
