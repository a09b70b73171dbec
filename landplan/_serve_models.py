"""Request bodies of the web service (pydantic): what the OpenAPI schema documents."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Geometry(BaseModel):
    """A GeoJSON Polygon or MultiPolygon in WGS 84 (lon/lat)."""

    model_config = ConfigDict(extra="allow")
    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any] = Field(max_length=10_000)


class Feature(BaseModel):
    """A GeoJSON Feature whose geometry is a Polygon or MultiPolygon."""

    model_config = ConfigDict(extra="allow")
    type: Literal["Feature"]
    geometry: Geometry
    properties: dict[str, Any] | None = None


class PrecheckRequest(BaseModel):
    """An application to pre-check.

    The parcel (sheet + number [+ unit], or an outline), the kind of decision, the requested
    use, optionally the previous use and the date.
    """

    sheet: str | None = Field(None, max_length=50, examples=["12"])
    parcel_no: str | None = Field(None, max_length=50, examples=["345"])
    unit: str | None = Field(None, max_length=50, examples=["10807"])
    geometry: Geometry | None = None
    kind: str = Field(..., min_length=1, max_length=200,
                      examples=["conversion", "chuyển mục đích"])
    land_use: str = Field(..., min_length=1, max_length=50, examples=["ONT"])
    prev_land_use: str | None = Field(None, max_length=50, examples=["LUC"])
    decision_date: date | None = Field(None, description="default: today")
