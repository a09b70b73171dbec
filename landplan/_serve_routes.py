"""The routes of the web service, as routers (:mod:`landplan.serve` includes them).

``lookup`` (public and internal), ``precheck`` (internal only) and ``meta``; later features
(batch jobs, the web page) come as routers of their own.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
import shapely
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from ._serve_errors import ApiError, request_lang
from ._serve_index import ServeData
from ._serve_lookup import (
    MAX_PARCELS,
    find_parcels,
    jsonable,
    one_parcel,
    parcel_features,
    parcels_at,
    plan_at,
    point_in_working,
    polygon_in_working,
)
from ._serve_models import Feature, Geometry, PrecheckRequest
from ._serve_precheck import canonical_kind, precheck


class ErrorDetail(BaseModel):
    code: str
    message: str
    fix: str


class ErrorBody(BaseModel):
    """Every error answer."""

    error: ErrorDetail


ERRORS = {status: {"model": ErrorBody} for status in (400, 401, 404, 422)}
Lang = Annotated[Literal["vi", "en"] | None, Query(description="answer language (vi, en)")]
Text = Annotated[str | None, Query(max_length=50)]
Coord = Annotated[float | None, Query(allow_inf_nan=False)]

lookup = APIRouter(prefix="/api/v1", tags=["lookup"], responses=ERRORS)
internal = APIRouter(prefix="/api/v1", tags=["pre-check"], responses=ERRORS)
meta = APIRouter(prefix="/api/v1", tags=["service"], responses=ERRORS)


def _data(request: Request) -> ServeData:
    return request.app.state.data


@lookup.get("/parcels", summary="Parcels by sheet and number")
async def get_parcels(request: Request, sheet: Annotated[str, Query(min_length=1, max_length=50)],
                parcel_no: Annotated[str, Query(min_length=1, max_length=50)],
                unit: Text = None, lang: Lang = None) -> dict:
    """Return the cadastral parcel(s) numbered so (GeoJSON FeatureCollection, WGS 84)."""
    data = _data(request)

    def answer() -> dict:
        rows = find_parcels(data, sheet, parcel_no, unit)
        return {"type": "FeatureCollection", "features": parcel_features(data, rows)}

    return await data.run(answer)


@lookup.get("/lookup", summary="What the plan says at a parcel or point")
async def get_lookup(request: Request, lon: Coord = None, lat: Coord = None,
                     x: Coord = None, y: Coord = None, crs: Text = None, sheet: Text = None,
                     parcel_no: Text = None, unit: Text = None, lang: Lang = None) -> dict:
    """Return what the plan says at a parcel or a point.

    By ``sheet`` + ``parcel_no`` (+ ``unit``), by ``lon``/``lat`` (WGS 84) or by ``x``/``y``
    in ``crs`` (default: the plan's VN-2000 CRS, e.g. EPSG:9209). A point inside a parcel
    answers for the parcel.
    """
    data = _data(request)
    language = request_lang(request)
    return await data.run(_lookup_point, data, language, lon, lat, x, y, crs, sheet,
                          parcel_no, unit)


def _lookup_point(data: ServeData, language: str, lon: float | None, lat: float | None,
                  x: float | None, y: float | None, crs: str | None, sheet: str | None,
                  parcel_no: str | None, unit: str | None) -> dict:
    if sheet is not None and parcel_no is not None:
        rows = np.array([one_parcel(data, sheet, parcel_no, unit)])
        region = data.parcel_geoms[rows[0]]
        query = {"type": "parcel", "sheet": sheet, "parcel_no": parcel_no, "unit": unit}
    else:
        if lon is not None and lat is not None:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ApiError("bad_coordinates", detail=f"lon {lon}, lat {lat}")
            point = point_in_working(data, lon, lat, "EPSG:4326")
            query = {"type": "point", "lon": lon, "lat": lat}
        elif x is not None and y is not None:
            point = point_in_working(data, x, y, crs or data.crs.to_string())
            query = {"type": "point", "x": x, "y": y, "crs": crs or data.crs.to_string()}
        else:
            raise ApiError("missing_location")
        rows = parcels_at(data, point)[:MAX_PARCELS]
        region = (shapely.union_all(data.parcel_geoms[rows]) if len(rows)
                  else point)
    return _answer(data, query, rows, region, language)


@lookup.post("/lookup", summary="What the plan says in a polygon")
async def post_lookup(request: Request, body: Feature | Geometry, lang: Lang = None) -> dict:
    """Return what the plan says in a GeoJSON Polygon/MultiPolygon (or a Feature of one).

    In WGS 84 lon/lat.
    """
    data = _data(request)
    geometry = body.geometry if isinstance(body, Feature) else body
    language = request_lang(request)

    def answer() -> dict:
        region = polygon_in_working(data, geometry.model_dump())
        rows = parcels_at(data, region)
        return _answer(data, {"type": "polygon"}, rows, region, language)

    return await data.run(answer)


def _answer(data: ServeData, query: dict, rows: np.ndarray, region: shapely.Geometry,
            lang: str) -> dict:
    return {"query": query, "parcels": parcel_features(data, rows[:MAX_PARCELS]),
            "parcels_truncated": bool(len(rows) > MAX_PARCELS), **plan_at(data, region, lang)}


@internal.post("/precheck", summary="Pre-check an application before the decision")
async def post_precheck(request: Request, body: PrecheckRequest, lang: Lang = None) -> dict:
    """Return the verdict ``landplan.check`` gives the application as a decision.

    ``allowed``, ``not_allowed`` or ``cannot_judge``, with its findings, messages (vi, en),
    legal basis and the plan version in force on ``decision_date`` (default today).
    """
    data = _data(request)
    canonical_kind(body.kind)  # a bad kind is said first
    return await data.run(_precheck, data, body, request_lang(request))


def _precheck(data: ServeData, body: PrecheckRequest, language: str) -> dict:
    if body.geometry is not None:
        geometry = polygon_in_working(data, body.geometry.model_dump())
        parcel = {"unit": body.unit, "sheet": body.sheet, "parcel_no": body.parcel_no}
    elif body.sheet is not None and body.parcel_no is not None:
        row = one_parcel(data, body.sheet, body.parcel_no, body.unit)
        p = data.parcels.iloc[row]
        geometry = p.geometry
        parcel = {k: p.get(k) for k in ("unit", "unit_name", "sheet", "parcel_no",
                                        "parcel_id")}
    else:
        raise ApiError("missing_location")
    parcel = {k: v for k, v in parcel.items() if isinstance(v, str)}
    return precheck(data, geometry=geometry, parcel=parcel, kind=body.kind,
                    land_use=body.land_use, prev_land_use=body.prev_land_use,
                    decision_date=body.decision_date, lang=language)


@meta.get("/health", summary="Whether the service answers")
async def health(request: Request) -> dict:
    data = _data(request)
    return {"status": "ok", "public": data.public, "startup_s": round(data.startup_s, 3)}


@meta.get("/version", summary="Versions of the service and its data")
async def version(request: Request) -> dict:
    from . import __version__

    data = _data(request)
    layers = {"plan_zones": len(data.plan)}
    for name in ("parcels", "decisions", "projects", "corridors"):
        layer = getattr(data, name)
        layers[name] = None if layer is None else len(layer)
    return {"landplan": __version__, "api": "v1", "crs": data.crs.to_string(),
            "plan_versions": [{"plan_version": r.plan_version, "approved": jsonable(r.approved)}
                              for r in data.versions.itertuples(index=False)],
            "in_force": data.in_force(), "layers": layers}
