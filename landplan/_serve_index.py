"""The layers of the web service, loaded and indexed once (:class:`ServeData`).

Everything a request needs is built at start-up: the normalised plan (all versions) in its
working CRS with overlapping zones resolved as :func:`landplan.check` resolves them, the
plan's changes between versions (:func:`landplan.plandiff.plan_adjustments`), an STRtree per
layer, and a (unit, sheet, parcel number) → rows index of the cadastre. Requests only query
these, on one thread of their own (:meth:`ServeData.run`): shapely's trees and pyproj's
transformers are used by one thread only (sharing them between threads crashed, and pyproj
rebuilds a transformer in each new thread), while the event loop stays free for the other
requests. One request's geometry work at a time per process: run more worker processes to
use more cores.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from ._map_page import personal_columns
from .codes import load_codes, load_compatibility
from .config import CheckConfig
from .crs import working_crs
from .plandiff import plan_adjustments
from .planlayer import coverage_versions, plan_overlaps, resolve_overlaps
from .schema import as_normalized, version_table

PUBLIC_PARCEL_FIELDS = ["parcel_id", "sheet", "parcel_no", "unit", "unit_name", "land_use",
                        "legal_area"]
"""The parcel attributes every answer may show (no personal data)."""
INTERNAL_PARCEL_FIELDS = ["decision_no", "kind", "decision_date", "owner", "address"]
"""What an internal answer adds (the cadastre's decision and holder)."""

LAYER_RULES = ("plan-overlap", "plan-gap", "stale-plan-item", "project-year-unreadable")
"""Rules whose findings are on the plan or projects layer only, never on a decision."""

NOT_JUDGED = {
    "quota-exceeded": "needs every conversion of the unit and the quotas: not judged by a "
                      "pre-check",
    "quota-undated": "needs the quotas: not judged by a pre-check",
    "quota-unmatched": "needs the quotas: not judged by a pre-check",
    "wrong-purpose": "needs land-cover rasters: none are loaded",
    "unused-land": "needs land-cover rasters: none are loaded",
    "landcover-unchecked": "needs land-cover rasters: none are loaded",
}
"""Rules a pre-check does not run (no such inputs are loaded), and why."""


def parcel_key(value: object) -> str | None:
    """Sheet and parcel numbers as compared: trimmed, leading zeros of a number dropped."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    if text.isdigit():
        text = str(int(text))
    return text or None


class ServeData:
    """The loaded layers and their indexes (see the module's docstring)."""

    def __init__(self, plan: gpd.GeoDataFrame, *, parcels: gpd.GeoDataFrame | None = None,
                 decisions: gpd.GeoDataFrame | None = None,
                 projects: gpd.GeoDataFrame | None = None,
                 corridors: gpd.GeoDataFrame | None = None,
                 config: CheckConfig | None = None, public: bool = False) -> None:
        started = time.perf_counter()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="landplan-serve")
        self.public = public
        self.config = config or CheckConfig()
        # the pre-check's configurations, made once (validating one takes a while): the
        # rules about other layers than the decisions are off, their findings are not
        # the application's (landplan._serve_precheck)
        rules = {**self.config.rules,
                 **{r: {**self.config.rules.get(r, {}), "enabled": False}
                    for r in (*LAYER_RULES, *NOT_JUDGED)}}
        self.configs = {lang: self.config.updated(lang=lang, rules=rules) for lang in ("vi", "en")}
        self.codes, self.compat = load_codes(), load_compatibility()
        plan = as_normalized(plan, "plan")
        self.crs = working_crs(plan)
        self.plan = plan.to_crs(self.crs).reset_index(drop=True)
        self.plan["plan_version"] = self.plan["plan_version"].fillna("v1")
        self.versions = version_table(self.plan)
        drawn = np.asarray(self.plan.geometry.values, dtype=object)
        usable = (self.plan["geometry_status"] != "unusable").to_numpy()
        geoms = np.where(usable, drawn, None)
        names = self.plan["plan_version"].to_numpy(dtype=object)
        overlaps = plan_overlaps(geoms, names, shapely.area(drawn),
                                 coverages=coverage_versions(geoms, names))
        self.zones = resolve_overlaps(geoms, overlaps)  # as the check counts them
        self.zone_tree = shapely.STRtree(self.zones)
        # one usable zone of each version (and its first): a subset given to check keeps
        # every version, and has a zone (check refuses a plan without one)
        self.version_rep = np.union1d(*(
            self.plan[rows].reset_index().groupby("plan_version", sort=False)["index"].first()
            .to_numpy() for rows in (usable, np.ones(len(usable), dtype=bool))))
        self.changes = plan_adjustments(self.plan).reset_index(drop=True)
        self.change_tree = shapely.STRtree(np.asarray(self.changes.geometry.values,
                                                      dtype=object))
        self.parcels = self._layer(parcels, "decisions", public)
        self.decisions = None if public else self._layer(decisions, "decisions", False)
        self.projects = self._layer(projects, "projects")
        self.corridors = self._layer(corridors, "corridors")
        self.trees = {name: shapely.STRtree(np.asarray(layer.geometry.values, dtype=object))
                      for name, layer in (("parcels", self.parcels),
                                          ("decisions", self.decisions),
                                          ("projects", self.projects),
                                          ("corridors", self.corridors)) if layer is not None}
        self.project_rep = None
        if self.projects is not None:  # one project of each year (check's covered years)
            years = self.projects["year"].astype("float").fillna(-1)
            self.project_rep = (self.projects.reset_index().groupby(years.to_numpy())["index"]
                                .first().to_numpy())
        self.by_number: dict[tuple[str | None, str | None], np.ndarray] = {}
        if self.parcels is not None:
            keys = pd.DataFrame({"sheet": self.parcels["sheet"].map(parcel_key),
                                 "no": self.parcels["parcel_no"].map(parcel_key)})
            self.by_number = {k: np.asarray(v, dtype=np.int64)
                              for k, v in keys.groupby(["sheet", "no"], dropna=True).indices
                              .items()}
        # the columns answers read, as arrays (no frame indexing per request)
        self.zone_version = self.plan["plan_version"].to_numpy(dtype=object)
        self.zone_code = self.plan["land_use"].fillna("?").to_numpy(dtype=object)
        self.parcel_geoms = (None if self.parcels is None
                             else np.asarray(self.parcels.geometry.values, dtype=object))
        self.parcel_columns = {} if self.parcels is None else {
            f: self.parcels[f].to_numpy(dtype=object)
            for f in ("unit", *PUBLIC_PARCEL_FIELDS, *INTERNAL_PARCEL_FIELDS)
            if f in self.parcels.columns}
        self.to_wgs84 = Transformer.from_crs(self.crs, 4326, always_xy=True)
        self.startup_s = time.perf_counter() - started

    async def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run ``func(*args)`` on the data's own thread; its exception is raised here."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, func, *args)

    def _layer(self, layer: gpd.GeoDataFrame | None, kind: str,
               public: bool = False) -> gpd.GeoDataFrame | None:
        if layer is None:
            return None
        out = as_normalized(layer, kind).to_crs(self.crs).reset_index(drop=True)
        if public:  # personal columns never enter a public app
            out = out.drop(columns=personal_columns(out.columns) + [
                c for c in INTERNAL_PARCEL_FIELDS if c in out.columns])
        return out

    def parcel_fields(self) -> list[str]:
        """Return the parcel attributes answers show."""
        fields = PUBLIC_PARCEL_FIELDS if self.public else (PUBLIC_PARCEL_FIELDS
                                                           + INTERNAL_PARCEL_FIELDS)
        return [f for f in fields if self.parcels is not None and f in self.parcels.columns]

    def in_force(self, on: date | pd.Timestamp | None = None) -> str | None:
        """Return the plan version in force on a date (today by default).

        The latest approved by then; undated versions count as in force from the start.
        """
        when = pd.Timestamp(on or date.today())
        approved = self.versions["approved"]
        ok = approved.isna() | (approved <= when)
        names = self.versions["plan_version"][ok.to_numpy()]
        return None if names.empty else str(names.iloc[-1])

    def transformer(self, crs: str) -> Transformer:
        return _transformer(crs, self.crs.to_wkt())


@lru_cache(maxsize=32)
def _transformer(source: str, target_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(source), CRS.from_wkt(target_wkt),
                                always_xy=True)
