"""Land-cover rasters of the sample district and the planted land-cover cases.

Imported by ``generate.py``. It writes ``landcover_2021.tif`` (2021-01-15),
``landcover_2025.tif`` (2025-06-30) and ``landcover.csv`` (``path,date``), and plants the
decisions of the land-cover rules (``unused-land``, ``wrong-purpose``, ``landcover-unchecked``),
which are appended after every other decision (rows 3060 and later).

Rasters
-------
Single band, uint8, values of ``landplan/data/landcover/classes.csv`` (10 tree, 20 shrub,
30 grass, 40 cropland, 50 built, 60 bare, 80 water, 90 wetland; 0 = nodata), 10 m pixels,
north-up in EPSG:32648 (WGS 84 / UTM 48N), so a reader must reproject the EPSG:9209 vectors.
The grid covers the district's bounding box (in EPSG:32648) with a margin of 600 m, snapped to
whole 10 m: 200 m would leave one parcel planted outside the district off the raster. Tiled
256 x 256, DEFLATE, with the classes' colours as a colour table.

How the cover is painted, in this order, once per date:

1. Background: every zone gets a mix of classes expected for its code (base plan for 2021,
   the 2023 adjustment for 2025), drawn by thresholding a smooth random field (three box
   blurs of integer noise; fine grain in villages and towns, coarse in fields and ponds), so
   that patches look like a landscape. Villages (ONT, ODT) are a little more built-up in 2025.
   Outside the district: fields with some trees, houses and ponds; the river and the roads
   go on beyond the district outline.
2. Existing decisions (rows 0-3059): each parcel (reprojected with the default pyproj
   transformation, as geopandas does) is painted with the cover its granted use implies on
   that date: first every pixel it touches (``all_touched=True``, its main class: a halo, so
   that its edge pixels are its own), then the pixels whose centre lies in it
   (``all_touched=False``) with its mix (e.g. ONT 80 % built, 20 % tree). On a date before
   the decision the parcel shows its prior state instead: a recognition shows its use on both
   dates (it recognises an existing use); a conversion shows its previous use; an allocation
   or lease for a non-agricultural use shows farmland or grass (not built yet). Decisions
   dated after 2025-06-30 therefore show their prior state on the 2025 image too (they have
   no image and are not judged). The result is then measured exactly (both
   transformations, see 3.) and any parcel whose unexpected share on a date it could be
   judged on exceeds 0.25, or (development decisions at least 12 months old) whose developed
   share there is below 0.5, is repainted with its main class only; one that
   still fails (because of a close neighbour's pixels) then also has every pixel it touches
   painted last; until none is left.
3. The planted cases: every pixel each of them touches is set explicitly (they lie at least
   16 m from any other parcel, so no pixel is shared), so that measured fractions hit the
   target bands under both VN-2000 -> WGS 84 transformations PROJ offers (they differ by
   about 0.7 m).
4. The cloud: a 60 m x 60 m (6 x 6 pixels) square of nodata on the 2025 image only, over the
   three ``cloud-*`` cases and nothing else.

Every number claimed is asserted on the painted arrays, and ``sample_rules`` measures the
written files independently (shapely intersections of parcels and pixel squares).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import rasterio
import sample_rules
import shapely
from rasterio.features import rasterize
from rasterio.transform import Affine
from sample_plan import AS_OF, QUOTA_COMMUNE, Planted, rectangle, unit
from sample_rules import CoverScheme, ancestors, months_between
from shapely import Polygon
from shapely.geometry.base import BaseGeometry

D = dt.date
HERE = Path(__file__).resolve().parent
SCHEME_DIR = HERE.parent / "landplan" / "data" / "landcover"
RASTERS = (("landcover_2021.tif", D(2021, 1, 15)), ("landcover_2025.tif", D(2025, 6, 30)))
SRC_CRS = "EPSG:9209"
RASTER_CRS = "EPSG:32648"
RES = 10.0
EXTENT_MARGIN = 600.0  # m around the district's bounding box (200 m would miss a parcel)
ISOLATION = 16.0  # m between a planted land-cover parcel and any other (> a pixel diagonal)
CLOUD_PIXELS = 6  # the cloud is 6 x 6 pixels
CLOUD_CLEAR = 36.0  # m around the cloud free of other parcels
# Limits the painting of existing parcels must meet where they are judged.
MAX_UNEXPECTED_EXISTING = 0.25
MIN_DEVELOPED_EXISTING = 0.5

Mix = tuple[tuple[str, float], ...]

# Zone code -> (field: 0 fine, 1 medium, 2 coarse; mix in 2021; mix in 2025 or None = same).
# The first class of a mix grows first when its weight grows (same field, lower threshold).
BACKGROUND: dict[str, tuple[int, Mix, Mix | None]] = {
    "LUC": (1, (("cropland", 0.92), ("water", 0.05), ("wetland", 0.03)), None),
    "LUK": (1, (("cropland", 0.85), ("water", 0.1), ("wetland", 0.05)), None),
    "HNK": (1, (("cropland", 0.65), ("grass", 0.3), ("shrub", 0.05)), None),
    "CLN": (0, (("tree", 0.8), ("cropland", 0.1), ("grass", 0.1)), None),
    "NTS": (2, (("water", 0.92), ("wetland", 0.08)), None),
    "ONT": (
        0,
        (("built", 0.45), ("tree", 0.3), ("grass", 0.1), ("cropland", 0.15)),
        (("built", 0.52), ("tree", 0.27), ("grass", 0.08), ("cropland", 0.13)),
    ),
    "ODT": (
        0,
        (("built", 0.75), ("tree", 0.1), ("grass", 0.1), ("bare", 0.05)),
        (("built", 0.8), ("tree", 0.08), ("grass", 0.08), ("bare", 0.04)),
    ),
    "TMD": (0, (("built", 0.65), ("bare", 0.15), ("grass", 0.2)), None),
    "SKN": (2, (("built", 0.65), ("bare", 0.2), ("grass", 0.15)), None),
    "SKC": (2, (("built", 0.65), ("bare", 0.2), ("grass", 0.15)), None),
    "DGD": (0, (("built", 0.6), ("grass", 0.3), ("tree", 0.1)), None),
    "NTD": (0, (("grass", 0.5), ("tree", 0.3), ("built", 0.2)), None),
    "SON": (2, (("water", 0.96), ("wetland", 0.04)), None),
    "DGT": (0, (("built", 0.9), ("grass", 0.1)), None),
    "DTL": (2, (("water", 0.8), ("grass", 0.2)), None),
    "": (1, (("cropland", 0.93), ("water", 0.05), ("wetland", 0.02)), None),  # outside
}
VILLAGES_OUTSIDE = 0.06  # share of the land outside the district in villages (ONT's mix)
# Granted code -> cover of its parcel (main class first: the halo and the fallback).
PARCEL: dict[str, Mix] = {
    "ONT": (("built", 0.8), ("tree", 0.2)),
    "ODT": (("built", 0.8), ("tree", 0.2)),
    "ONT+CLN": (("built", 0.6), ("tree", 0.4)),
    "ODT+CLN": (("built", 0.6), ("tree", 0.4)),
    "TMD": (("built", 0.85), ("bare", 0.15)),
    "SKC": (("built", 0.85), ("bare", 0.15)),
    "SKN": (("built", 0.85), ("bare", 0.15)),
    "DGD": (("built", 0.7), ("grass", 0.3)),
    "NTD": (("grass", 0.6), ("tree", 0.25), ("built", 0.15)),
    "LUC": (("cropland", 0.95), ("water", 0.05)),
    "LUK": (("cropland", 0.9), ("water", 0.1)),
    "HNK": (("cropland", 0.75), ("grass", 0.25)),
    "CLN": (("tree", 0.85), ("grass", 0.15)),
    "NTS": (("water", 0.9), ("wetland", 0.1)),
    "DTL": (("built", 0.7), ("water", 0.3)),  # a lined canal
}
VACANT_RURAL: Mix = (("cropland", 0.7), ("grass", 0.3))  # before a rural development
VACANT_URBAN: Mix = (("grass", 0.6), ("cropland", 0.4))  # before an urban development
URBAN = ("ODT", "TMD", "SKC", "SKN", "DGD")


def _transform_fn(t: pyproj.Transformer) -> Callable[[np.ndarray], np.ndarray]:
    return lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))


@dataclass(frozen=True)
class Grid:
    transform: Affine
    width: int
    height: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    def centres(self, flat: np.ndarray) -> np.ndarray:
        r, c = np.divmod(flat, self.width)
        return np.c_[self.transform.c + (c + 0.5) * RES, self.transform.f - (r + 0.5) * RES]

    def block(self, r0: int, c0: int, n: int) -> Polygon:
        x0, y1 = self.transform.c + c0 * RES, self.transform.f - r0 * RES
        return shapely.box(x0, y1 - n * RES, x0 + n * RES, y1)


@dataclass
class Measure:
    """Fractions of one planted parcel, per raster k (0: 2021, 1: 2025) and transformation t
    (0: default, 1: the alternative)."""

    weights: list[np.ndarray]  # per t: area in each pixel of ``flat``
    areas: list[float]  # per t: the parcel's area
    classes: list[np.ndarray]  # per k: class value of each pixel (0 = nodata)

    def coverage(self, k: int, t: int = 0) -> float:
        return float(self.weights[t][self.classes[k] > 0].sum() / self.areas[t])

    def share(self, k: int, names: Sequence[str], t: int = 0) -> float:
        w, c = self.weights[t], self.classes[k]
        valid = w[c > 0].sum()
        return float(w[np.isin(c, [VALUE[n] for n in names])].sum() / valid)

    def developed(self, k: int, t: int = 0) -> float:
        return self.share(k, ("built", "bare"), t)


SCHEME = CoverScheme(SCHEME_DIR)
VALUE = SCHEME.value
Segment = tuple[str, float | None, float | None]  # class, share band (None: the rest)


@dataclass
class Spec:
    """A planted land-cover case: where, what, how it is painted and what it must measure."""

    tag: str
    granted: str
    kind: str  # allocation | lease | recognition | conversion
    date: dt.date
    zones: tuple[str, ...]
    area: tuple[float, float]
    paint: tuple[tuple[Segment, ...], tuple[Segment, ...]]  # 2021, 2025
    rules: tuple[str, ...]
    describe: Callable[[Measure], str]
    check: Callable[[Measure, int], bool] = lambda m, t: True
    previous: str = ""
    cloud: tuple[float, float] | None = None  # coverage band on 2025 at the cloud
    size: tuple[float, float] | None = None  # fixed width and height


def specs(cloud_code: str) -> list[Spec]:
    """The planted cases (the cloud cases use the code of the zone the cloud lies in)."""
    crop: tuple[Segment, ...] = (("cropland", None, None),)

    def pct(x: float) -> str:
        return f"{100 * x:.1f} %"

    out = [
        Spec(
            "unused-land",
            "ONT",
            "allocation",
            D(2022, 3, 18),
            ("ONT",),
            (300, 450),
            (crop, crop),
            ("unused-land",),
            lambda m: (
                "unused-land: ONT allocated 2022-03-18, still cropland on both images "
                f"(developed {pct(m.developed(0))} -> {pct(m.developed(1))})"
            ),
        ),
        Spec(
            "unused-land",
            "TMD",
            "lease",
            D(2022, 5, 9),  # leases follow the annual plan: not in a project year
            ("TMD",),
            (600, 1200),
            ((("cropland", 0.2, 0.3), ("grass", None, None)),) * 2,
            ("unused-land",),
            lambda m: (
                "unused-land: TMD leased 2022-05-09, grass and "
                f"{pct(m.share(1, ['cropland']))} cropland on both images (developed 0 %)"
            ),
            check=lambda m, t: m.developed(1, t) == 0,
        ),
        Spec(
            "unused-land",
            "SKC",
            "allocation",
            D(2022, 8, 2),
            ("SKN", "SKC"),
            (900, 1500),
            ((("bare", 0.05, 0.09), ("grass", None, None)),) * 2,
            ("unused-land",),
            lambda m: (
                "unused-land: SKC allocated 2022-08-02, grass with a bare patch, "
                f"developed {pct(m.developed(0))} on both images"
            ),
        ),
        Spec(
            "unused-land",
            "ONT",
            "conversion",
            D(2022, 11, 24),
            ("ONT",),
            (300, 450),
            (crop, crop),
            ("unused-land",),
            lambda m: (
                "unused-land: HNK->ONT conversion of 2022-11-24, still cropland on both images"
            ),
            previous="HNK",
        ),
        Spec(
            "unused-land",
            "SKC",
            "lease",
            D(2022, 9, 14),  # leases follow the annual plan: not in a project year
            ("SKN", "SKC"),
            (900, 1500),
            (
                (("bare", 0.04, 0.07), ("grass", None, None)),
                (("built", 0.11, 0.14), ("grass", None, None)),
            ),
            ("unused-land",),
            lambda m: (
                f"unused-land: SKC leased 2022-09-14, developed {pct(m.developed(0))} -> "
                f"{pct(m.developed(1))}: under 20 %, rising less than 10 points"
            ),
            check=lambda m, t: (
                0.03 <= m.developed(1, t) - m.developed(0, t) <= 0.085 and m.developed(1, t) <= 0.15
            ),
        ),
        Spec(
            "wrong-purpose",
            "LUC",
            "recognition",
            D(2022, 6, 27),
            ("LUC",),
            (500, 900),
            (crop, (("built", 0.7, 0.8), ("cropland", None, None))),
            ("wrong-purpose",),
            lambda m: (
                f"wrong-purpose: LUC recognised 2022-06-27, {pct(m.share(1, ['built']))} "
                "built-up on the 2025 image"
            ),
        ),
        Spec(
            "wrong-purpose",
            "ONT",
            "recognition",
            D(2021, 9, 8),
            ("ONT",),
            (350, 450),
            (
                (("tree", 0.3, 0.4), ("cropland", None, None)),
                (("water", 0.78, 0.88), ("tree", None, None)),
            ),
            ("wrong-purpose",),
            lambda m: (
                f"wrong-purpose: ONT recognised 2021-09-08, dug into a fish pond: "
                f"{pct(m.share(1, ['water']))} water on the 2025 image"
            ),
        ),
        Spec(
            "wrong-purpose",
            "NTS",
            "lease",
            D(2022, 4, 5),
            ("NTS",),
            (600, 1200),
            ((("water", None, None),), (("built", 0.75, 0.85), ("water", None, None))),
            ("wrong-purpose",),
            lambda m: (
                f"wrong-purpose: NTS pond leased 2022-04-05, filled and built over: "
                f"{pct(m.share(1, ['built']))} built-up on the 2025 image"
            ),
        ),
        Spec(
            "unused-land-near",
            "ONT",
            "allocation",
            D(2025, 3, 1),
            ("ONT",),
            (300, 450),
            (crop, crop),
            (),
            lambda m: (
                "unused-land-near: ONT allocated 2025-03-01, still cropland, but only 9 "
                "months before as_of"
            ),
        ),
        Spec(
            "unused-land-near",
            "ONT",
            "allocation",
            D(2022, 2, 15),
            ("ONT",),
            (420, 600),
            (crop, (("built", 0.135, 0.165), ("cropland", None, None))),
            (),
            lambda m: (
                f"unused-land-near: ONT allocated 2022-02-15, developed "
                f"{pct(m.developed(0))} -> {pct(m.developed(1))}: under 20 % but rising by 10 "
                "points or more (construction under way)"
            ),
            check=lambda m, t: 0.12 <= m.developed(1, t) <= 0.18 and m.developed(0, t) == 0,
        ),
        Spec(
            "unused-land-near",
            "ONT",
            "recognition",
            D(2022, 12, 6),
            ("ONT",),
            (300, 450),
            (crop, crop),
            (),
            lambda m: (
                "unused-land-near: ONT recognised 2022-12-06, still cropland "
                "(recognitions are not in scope)"
            ),
        ),
        Spec(
            "wrong-purpose-near",
            "LUC",
            "recognition",
            D(2022, 10, 11),
            ("LUC",),
            (700, 1200),
            (crop, (("built", 0.28, 0.32), ("cropland", None, None))),
            (),
            lambda m: (
                f"wrong-purpose-near: LUC recognised 2022-10-11, "
                f"{pct(m.share(1, ['built']))} built-up on the 2025 image (at most 50 %)"
            ),
            check=lambda m, t: 0.25 <= m.share(1, ["built"], t) <= 0.35,
        ),
        Spec(
            "wrong-purpose-near",
            "ONT+CLN",
            "recognition",
            D(2023, 4, 3),
            ("ONT",),
            (600, 1000),
            ((("shrub", 0.6, 0.68), ("built", None, None)),) * 2,
            (),
            lambda m: (
                f"wrong-purpose-near: ONT+CLN recognised 2023-04-03, "
                f"{pct(m.share(1, ['shrub']))} shrub (expected through CLN, not through ONT)"
            ),
            check=lambda m, t: m.share(1, ["shrub"], t) >= 0.56,
        ),
        Spec(
            "landcover-tiny",
            "ONT+CLN",
            "allocation",
            D(2022, 7, 21),
            ("ONT",),
            (36, 36),
            (crop, (("built", None, None),)),
            (),
            lambda m: (
                "landcover-tiny: 6 m x 6 m (36 m2) ONT+CLN allocated 2022-07-21, "
                "smaller than a pixel, built-up on the 2025 image (over "
                f"{int((m.weights[0] > 0).sum())} pixels)"
            ),
            size=(6.0, 6.0),
        ),
        Spec(
            "landcover-no-image",
            "TMD",
            "lease",
            D(2025, 8, 20),
            ("TMD",),
            (600, 1200),
            (crop, crop),
            (),
            lambda m: (
                "landcover-no-image: TMD leased 2025-08-20, after the last image "
                "(2025-06-30): cropland there, not judged"
            ),
        ),
    ]
    c = cloud_code
    main = {"CLN": "tree", "HNK": "cropland"}[c]
    out += [
        Spec(
            "cloud-unchecked",
            c,
            "recognition",
            D(2022, 5, 16),
            (c,),
            (350, 450),
            ((("built", None, None),),) * 2,
            ("landcover-unchecked",),
            lambda m: (
                f"cloud-unchecked: {c} recognised 2022-05-16 under the cloud, valid "
                f"pixels cover {pct(m.coverage(1))} of it on the 2025 image (its visible part is "
                "built-up: wrong-purpose if it were judged)"
            ),
            cloud=(0.2, 0.4),
        ),
        Spec(
            "cloud-partial",
            c,
            "recognition",
            D(2022, 9, 26),
            (c,),
            (450, 600),
            (((main, 0.66, 0.74), ("built", None, None)),) * 2,
            (),
            lambda m: (
                f"cloud-partial: {c} recognised 2022-09-26, {pct(m.coverage(1))} "
                f"covered by valid pixels, {pct(m.share(1, ['built']))} of them built-up (at most "
                "50 % of the valid area; nodata is not a class)"
            ),
            check=lambda m, t: (
                0.22 <= m.share(1, ["built"], t) <= 0.36
                and m.share(1, ["built"], t) * m.coverage(1, t) + 1 - m.coverage(1, t) > 0.55
            ),
            cloud=(0.55, 0.7),
        ),
        Spec(
            "cloud-partial",
            c,
            "recognition",
            D(2023, 1, 30),
            (c,),
            (450, 600),
            (((main, 0.25, 0.3), ("built", None, None)),) * 2,
            ("wrong-purpose",),
            lambda m: (
                f"cloud-partial: {c} recognised 2023-01-30, {pct(m.coverage(1))} "
                f"covered by valid pixels, {pct(m.share(1, ['built']))} of them built-up (over 50 "
                "% of the valid area, less of the whole parcel)"
            ),
            check=lambda m, t: (
                0.64 <= m.share(1, ["built"], t) <= 0.8
                and m.share(1, ["built"], t) * m.coverage(1, t) < 0.46
            ),
            cloud=(0.55, 0.7),
        ),
    ]
    return out


@dataclass
class Placed:
    spec: Spec
    geometry: Polygon  # EPSG:9209
    flat: np.ndarray  # pixels it touches (either transformation)
    classes: list[np.ndarray]  # per raster: class value of each pixel (cloud not applied)
    measure: Measure  # with the cloud applied
    text: str


class Landcover:
    """Places the planted land-cover parcels, paints and writes the rasters."""

    def __init__(
        self,
        rng: np.random.Generator,
        ix,
        world,
        registry,
        district: Polygon,
        corridors: Sequence[Polygon],
    ) -> None:
        self.rng, self.ix, self.world = rng, ix, world
        self.best = pyproj.Transformer.from_crs(SRC_CRS, RASTER_CRS, always_xy=True)
        self.back = pyproj.Transformer.from_crs(RASTER_CRS, SRC_CRS, always_xy=True)
        probe = self.best.transform(*district.centroid.coords[0])
        group = pyproj.transformer.TransformerGroup(SRC_CRS, RASTER_CRS, always_xy=True)
        alts = [
            t
            for t in group.transformers
            if np.hypot(*np.subtract(t.transform(*district.centroid.coords[0]), probe)) > 0.1
        ]
        self.transformers = [self.best, *alts[:1]]  # t = 0 default, t = 1 the alternative
        self.district = district
        self.corridor_lines = corridors
        d32 = self.to32(district)
        xmin, ymin, xmax, ymax = d32.bounds
        x0 = np.floor((xmin - EXTENT_MARGIN) / RES) * RES
        y0 = np.floor((ymin - EXTENT_MARGIN) / RES) * RES
        x1 = np.ceil((xmax + EXTENT_MARGIN) / RES) * RES
        y1 = np.ceil((ymax + EXTENT_MARGIN) / RES) * RES
        self.grid = Grid(
            Affine(RES, 0.0, x0, 0.0, -RES, y1), int((x1 - x0) / RES), int((y1 - y0) / RES)
        )
        self.hulls = np.array(registry.hulls)
        self.tree = shapely.STRtree(self.hulls)
        self.registry = registry
        self.projects = shapely.union_all([p.geometry for p in world.projects])
        shapely.prepare(self.projects)
        self.taken: list[BaseGeometry] = []
        self.cloud: tuple[int, int] | None = None  # top-left pixel (row, col)
        self.cloud_geom: Polygon | None = None  # EPSG:9209
        self.placed: list[Placed] = []
        self._weights: list | None = None
        self.why: dict[int, tuple] = {}

    # -- geometry helpers -----------------------------------------------------------------
    def to32(self, geom: BaseGeometry, t: int = 0) -> BaseGeometry:
        return shapely.transform(geom, _transform_fn(self.transformers[t]))

    def zones(self, codes: Sequence[str]) -> list[int]:
        return [
            int(z)
            for z in np.flatnonzero(np.isin(self.ix.codes, codes))
            if int(z) not in self.world.changed
            and self.ix.plan.at[int(z), "ma_xa"] != QUOTA_COMMUNE
        ]

    def free(self, geom: BaseGeometry, clear: float = ISOLATION) -> bool:
        if len(self.tree.query(geom, predicate="dwithin", distance=clear)):
            return False
        if shapely.dwithin(self.projects, geom, 5.0) or shapely.dwithin(
            self.world.blocked, geom, 5.0
        ):
            return False
        return not any(shapely.dwithin(o, geom, ISOLATION) for o in self.taken)

    def _point(self, region: BaseGeometry) -> np.ndarray | None:
        xmin, ymin, xmax, ymax = region.bounds
        for _ in range(100):
            p = self.rng.uniform([xmin, ymin], [xmax, ymax])
            if shapely.contains_xy(region, *p):
                return p
        return None

    def pixels(self, geom: BaseGeometry) -> tuple[np.ndarray, list[np.ndarray], list[float]]:
        """Pixels the parcel touches under either transformation, and the weights."""
        found = []
        for t in range(len(self.transformers)):
            g = self.to32(geom, t)
            found.append(
                (*sample_rules.pixel_weights(g, self.grid.transform, self.grid.shape), g.area)
            )
        flat = np.unique(np.concatenate([f[0] for f in found]))
        weights = []
        for idx, w, _ in found:
            full = np.zeros(len(flat))
            full[np.searchsorted(flat, idx)] = w
            weights.append(full)
        return flat, weights, [f[2] for f in found]

    # -- the cloud ------------------------------------------------------------------------
    def place_cloud(self) -> str:
        """A 6 x 6 pixel block in an orchard (CLN) zone with room around it (at least 36 m
        from any other parcel); returns the zone's code."""
        for code in ("CLN", "HNK"):  # villages (ONT) are too dense for a clear 60 m square
            zones = self.zones([code])
            for _ in range(3_000):
                z = zones[self.rng.integers(len(zones))]
                p = self._point(self.ix.geoms[z])
                if p is None:
                    continue
                x, y = self.best.transform(*p)
                c = int((x - self.grid.transform.c) // RES) - CLOUD_PIXELS // 2
                r = int((self.grid.transform.f - y) // RES) - CLOUD_PIXELS // 2
                block = shapely.transform(
                    self.grid.block(r, c, CLOUD_PIXELS), _transform_fn(self.back)
                )
                if self.ix.geoms[z].contains(block.buffer(28.0)) and self.free(block, CLOUD_CLEAR):
                    self.cloud, self.cloud_geom = (r, c), block
                    return code
        raise RuntimeError("no room for the cloud")

    def cloud_mask(self, flat: np.ndarray) -> np.ndarray:
        if self.cloud is None:
            return np.zeros(len(flat), dtype=bool)
        r, c = np.divmod(flat, self.grid.width)
        r0, c0 = self.cloud
        return (r >= r0) & (r < r0 + CLOUD_PIXELS) & (c >= c0) & (c < c0 + CLOUD_PIXELS)

    # -- planted parcels ------------------------------------------------------------------
    def _assign(
        self, order: np.ndarray, weights: np.ndarray, valid: np.ndarray, segments
    ) -> np.ndarray | None:
        """Class value per pixel: segments in ``order``, each targeting its band's middle of
        the valid weight; None when a band cannot be met."""
        out = np.zeros(len(order), dtype=np.uint8)
        w = np.where(valid, weights, 0.0)[order]
        cum = np.cumsum(w) / w.sum()
        start, done = 0, 0.0
        for name, lo, hi in segments:
            if lo is None:
                out[order[start:]] = VALUE[name]
                return out
            target = done + (lo + hi) / 2
            k = int(np.argmin(np.abs(cum[start:] - target))) + start
            share = cum[k] - done
            if not lo <= share <= hi:
                return None
            out[order[start : k + 1]] = VALUE[name]
            start, done = k + 1, cum[k]
        return out

    def _plan(self, spec: Spec, geom: Polygon) -> Placed | None:
        flat, weights, areas = self.pixels(geom)
        cloudy = self.cloud_mask(flat)
        if spec.cloud is None and cloudy.any():
            return None
        centres = self.grid.centres(flat)
        if spec.cloud is not None:
            away = unit(
                np.subtract(
                    self.to32(self.cloud_geom).centroid.coords[0],
                    self.to32(geom).centroid.coords[0],
                )
            )
            directions = [away]
        else:
            directions = [
                np.array([np.cos(a), np.sin(a)]) for a in self.rng.uniform(0, 2 * np.pi, 12)
            ]
        for d in directions:
            order = np.argsort(centres @ d, kind="stable")
            classes = []
            for k, segments in enumerate(spec.paint):
                valid = ~cloudy if k == 1 else np.ones(len(flat), dtype=bool)
                cls = self._assign(order, weights[0], valid, segments)
                if cls is None:
                    break
                classes.append(cls)
            else:
                seen = [classes[0], np.where(cloudy, 0, classes[1]).astype(np.uint8)]
                m = Measure(weights, areas, seen)
                if self._meets(spec, m):
                    return Placed(spec, geom, flat, classes, m, spec.describe(m))
        return None

    def _meets(self, spec: Spec, m: Measure) -> bool:
        for t in range(len(self.transformers)):
            for k, segments in enumerate(spec.paint):
                for name, lo, hi in segments:
                    if lo is not None and not lo - 0.01 <= m.share(k, [name], t) <= hi + 0.01:
                        return False
            if spec.cloud is not None:
                lo, hi = spec.cloud
                if not lo <= m.coverage(1, t) <= hi:
                    return False
            elif abs(m.coverage(1, t) - 1) > 1e-9 or abs(m.coverage(0, t) - 1) > 1e-9:
                return False
            if not spec.check(m, t):
                return False
        return True

    def place(self, spec: Spec) -> Placed:
        zones = self.zones(spec.zones)
        for _ in range(20_000):
            if spec.cloud is not None:
                region = self.cloud_geom.buffer(12.0)
                p = self._point(region)
                zi = None
            else:
                zi = zones[self.rng.integers(len(zones))]
                p = self._point(self.ix.geoms[zi])
            if p is None:
                continue
            if spec.size is not None:
                w, h = spec.size
            else:
                a, r = self.rng.uniform(*spec.area), self.rng.uniform(1.2, 1.9)
                w, h = np.sqrt(a * r), np.sqrt(a / r)
            t = self.rng.uniform(0, np.pi)
            geom = rectangle(p, np.array([np.cos(t), np.sin(t)]), w, h)
            z = self.ix.zone_with_margin(geom)
            if z is None or z not in zones or (zi is not None and z != zi):
                continue
            if spec.cloud is not None:
                lo, hi = spec.cloud
                block = [self.to32(self.cloud_geom, 0)]
                g32 = self.to32(geom)
                visible = 1 - shapely.intersection(g32, block[0]).area / g32.area
                if not lo + 0.01 <= visible <= hi - 0.01:
                    continue
            if not self.free(geom):
                continue
            if spec.cloud is None and shapely.dwithin(self.cloud_geom, geom, ISOLATION):
                continue
            placed = self._plan(spec, geom)
            if placed is None:
                continue
            assert set(self.ix.overlaps(geom)) == {z}
            self.taken.append(geom)
            self.registry.add(geom)
            self.placed.append(placed)
            return placed
        raise RuntimeError(f"no room for {spec.tag} {spec.granted}")

    def plant(self) -> list[Planted]:
        """Place the cloud and every planted land-cover parcel; the rows to append."""
        code = self.place_cloud()
        cases = []
        for spec in specs(code):
            p = self.place(spec)
            rules = list(spec.rules)
            compliance = [r for r in rules if r in sample_rules.COMPLIANCE]
            cases.append(
                Planted(
                    p.geometry,
                    spec.granted,
                    "violation" if compliance else "compliant",
                    rules[0] if rules else "",
                    "",
                    p.text,
                    spec.previous,
                    spec.kind,
                    spec.date,
                    tuple((r, "") for r in rules[1:]),
                )
            )
        # The cloud covers the cloud cases' pixels and no other parcel's.
        cloud_cases = [p for p in self.placed if p.spec.cloud is not None]
        assert all(self.cloud_mask(p.flat).any() for p in cloud_cases)
        return cases

    # -- painting -------------------------------------------------------------------------
    def _fields(self) -> list[np.ndarray]:
        """Three smooth random fields with uniform marginals (fine, medium, coarse)."""
        out = []
        for radius in (2, 5, 10):
            a = self.rng.integers(0, 1_000, self.grid.shape).astype(np.int64)
            for _ in range(3):
                for axis in (0, 1):
                    pad = [(0, 0), (0, 0)]
                    pad[axis] = (radius + 1, radius)
                    c = np.cumsum(np.pad(a, pad, mode="edge"), axis=axis)
                    n = a.shape[axis]
                    hi = np.take(c, np.arange(2 * radius + 1, 2 * radius + 1 + n), axis=axis)
                    lo = np.take(c, np.arange(0, n), axis=axis)
                    a = hi - lo
            ranks = np.empty(a.size, dtype=np.int64)
            ranks[np.argsort(a.ravel(), kind="stable")] = np.arange(a.size)
            out.append((ranks / a.size).reshape(a.shape))
        return out

    @staticmethod
    def _mix(u: np.ndarray, mix: Mix) -> np.ndarray:
        cum = np.cumsum([w for _, w in mix])
        cum = cum / cum[-1]
        values = np.array([VALUE[c] for c, _ in mix], dtype=np.uint8)
        return values[np.minimum(np.searchsorted(cum, u, side="right"), len(mix) - 1)]

    def background(self, zone_codes: Sequence[np.ndarray], fields, zone_id) -> list[np.ndarray]:
        outside_lines = rasterize(
            [
                (self.to32(g), VALUE["water" if code == "SON" else "built"])
                for g, code in self.corridor_lines
            ],
            out_shape=self.grid.shape,
            transform=self.grid.transform,
            fill=0,
            dtype="uint8",
        )
        out = []
        for k, codes in enumerate(zone_codes):
            names = sorted(set(codes) | {""})
            lookup = np.array([names.index(c) for c in ["", *codes]], dtype=np.int32)
            code_of = lookup[zone_id]
            arr = np.zeros(self.grid.shape, dtype=np.uint8)
            for j, code in enumerate(names):
                field, mix21, mix25 = BACKGROUND[code]
                mask = code_of == j
                mix = mix25 if (k == 1 and mix25 is not None) else mix21
                arr[mask] = self._mix(fields[field][mask], mix)
                if code == "":  # villages beyond the district
                    village = mask & (fields[2] > 1 - VILLAGES_OUTSIDE)
                    _, ont21, ont25 = BACKGROUND["ONT"]
                    ont = ont25 if (k == 1 and ont25 is not None) else ont21
                    arr[village] = self._mix(fields[0][village], ont)
            beyond = (zone_id == 0) & (outside_lines > 0)
            arr[beyond] = outside_lines[beyond]
            out.append(arr)
        return out

    def paint(
        self,
        plan,
        plan2023,
        decisions,
        kinds: Sequence[str],
        previous: Sequence[str],
        dates: Sequence[dt.date],
        n_existing: int,
    ) -> tuple[list[np.ndarray], dict]:
        """Both rasters (2021, 2025) and statistics of the painting of existing parcels."""
        grid = self.grid
        fields = self._fields()
        zones32 = [self.to32(g) for g in plan.geometry]
        zone_id = rasterize(
            [(g, k + 1) for k, g in enumerate(zones32)],
            out_shape=grid.shape,
            transform=grid.transform,
            fill=0,
            dtype="int32",
        )
        codes_by_version = [plan.maloaidat.to_numpy(), plan2023.maloaidat.to_numpy()]
        base = self.background(codes_by_version, fields, zone_id)
        pick_u = self.rng.random(grid.shape)

        # Existing parcels: geometry in the raster CRS, state (granted / prior) per date.
        geoms = []
        for g in decisions.geometry.iloc[:n_existing]:
            if g is None or g.is_empty:
                geoms.append(None)
                continue
            g = g if g.is_valid else shapely.make_valid(g)
            if g.geom_type == "GeometryCollection":
                g = shapely.union_all([p for p in g.geoms if p.area > 0])
            geoms.append(g)
        geoms32 = [None if g is None else self.to32(g) for g in geoms]
        written = decisions.kyhieumucd.iloc[:n_existing].to_numpy()
        host = self._host_codes(geoms, plan)
        palettes: list[list[Mix | None]] = [[], []]
        for i in range(n_existing):
            codes = sample_rules.parse_code(written[i])
            for k, (_, when) in enumerate(RASTERS):
                palettes[k].append(
                    None
                    if geoms[i] is None
                    else self._palette(codes, kinds[i], previous[i], dates[i], when, host[i])
                )
        plain: set[int] = set()  # parcels painted with their main class only
        first: set[int] = set()  # ... and whose every touched pixel is theirs (painted last)
        for _ in range(8):
            arrays = [b.copy() for b in base]
            for k in range(2):
                self._paint_parcels(arrays[k], geoms32, palettes[k], plain, first, pick_u)
            for p in self.placed:
                for k in range(2):
                    arrays[k].flat[p.flat] = p.classes[k]
            r0, c0 = self.cloud
            arrays[1][r0 : r0 + CLOUD_PIXELS, c0 : c0 + CLOUD_PIXELS] = 0
            bad, stats = self._judge_existing(arrays, geoms, decisions, kinds, dates, n_existing)
            if not bad:
                stats["plain"], stats["first"] = len(plain), len(first)
                return arrays, stats
            first |= bad & plain
            plain |= bad
        raise RuntimeError(f"painting of existing parcels does not settle: {self.why}")

    def _host_codes(self, geoms, plan) -> list[str]:
        """Zone code (base plan) at each parcel, '' outside: the cover of unknown codes."""
        out = []
        for g in geoms:
            if g is None:
                out.append("")
                continue
            hits = self.ix.tree.query(g.representative_point(), predicate="within")
            out.append(str(plan.maloaidat.iat[int(hits[0])]) if len(hits) else "")
        return out

    @staticmethod
    def _palette(codes, kind: str, previous: str, date: dt.date, when: dt.date, host: str) -> Mix:
        if not codes:  # unknown or missing code: the zone's cover
            return PARCEL.get(host, BACKGROUND[host][1])
        granted = PARCEL["+".join(codes)]
        if date <= when or kind == "recognition":
            return granted
        if kind == "conversion":
            return PARCEL[previous]
        if ancestors(codes[0])[-1] == "NNP":  # agricultural: already farmed
            return granted
        return VACANT_URBAN if codes[0] in URBAN else VACANT_RURAL

    def _paint_parcels(self, arr, geoms32, palettes, plain, first, pick_u) -> None:
        grid = self.grid
        halo = [
            (g, VALUE[pal[0][0]]) for g, pal in zip(geoms32, palettes, strict=True) if g is not None
        ]
        rasterize(halo, out=arr, transform=grid.transform, all_touched=True)
        owner = rasterize(
            [(g, i + 1) for i, g in enumerate(geoms32) if g is not None],
            out_shape=grid.shape,
            transform=grid.transform,
            fill=0,
            all_touched=False,
            dtype="int32",
        )
        mixes: dict[Mix, int] = {}
        mix_of = np.zeros(len(geoms32) + 1, dtype=np.int32) - 1
        for i, pal in enumerate(palettes):
            if pal is None:
                continue
            pal = pal[:1] if i in plain else pal
            mix_of[i + 1] = mixes.setdefault(pal, len(mixes))
        which = mix_of[owner]
        for mix, m in mixes.items():
            mask = which == m
            arr[mask] = self._mix(pick_u[mask], mix)
        last = [(geoms32[i], VALUE[palettes[i][0][0]]) for i in sorted(first)]
        if last:
            rasterize(last, out=arr, transform=grid.transform, all_touched=True)

    def _judge_existing(self, arrays, geoms, decisions, kinds, dates, n):
        """Rows whose painting is not clearly compliant where they are judged (either
        transformation, nearest or union expectations, latest or earliest image)."""
        written = decisions.kyhieumucd.iloc[:n].to_numpy()
        bad: set[int] = set()
        self.why = {}
        worst_unexpected, least_developed = 0.0, 1.0
        if self._weights is None:  # the parcels do not move: measure their pixels once
            self._weights = [
                sample_rules.parcel_weights(
                    [None if g is None else self.to32(g, t) for g in geoms],
                    self.grid.transform,
                    self.grid.shape,
                )
                for t in range(len(self.transformers))
            ]
        for t in range(len(self.transformers)):
            measured = [sample_rules.class_areas(self._weights[t], a) for a in arrays]
            for i in range(n):
                codes = sample_rules.parse_code(written[i])
                if geoms[i] is None or not codes:
                    continue
                expect = [SCHEME.expected(codes, nearest) for nearest in (True, False)]
                develops = kinds[i] in sample_rules.UNUSED_KINDS and any(
                    a in sample_rules.DEVELOPMENT for a in ancestors(codes[0])
                )
                old = months_between(dates[i], AS_OF) >= sample_rules.UNUSED_MONTHS
                for k, (_, when) in enumerate(RASTERS):
                    if dates[i] > when:
                        continue
                    areas, total = measured[k]
                    valid = areas[i, 1:].sum()
                    assert abs(valid / total[i] - 1) < 1e-9, (i, "fully covered")
                    share = areas[i] / valid
                    unexpected = max(
                        sum(share[v] for c, v in VALUE.items() if c not in e) for e in expect
                    )
                    developed = share[VALUE["built"]] + share[VALUE["bare"]]
                    worst_unexpected = max(worst_unexpected, unexpected)
                    if unexpected > MAX_UNEXPECTED_EXISTING:
                        bad.add(i)
                        self.why[i] = (written[i], k, t, "unexpected", round(unexpected, 3))
                    if develops and old:
                        least_developed = min(least_developed, developed)
                        if developed < MIN_DEVELOPED_EXISTING:
                            bad.add(i)
                            self.why[i] = (written[i], k, t, "developed", round(developed, 3))
        stats = {"worst_unexpected": worst_unexpected, "least_developed": least_developed}
        return bad, stats

    # -- writing --------------------------------------------------------------------------
    def write(self, arrays: Sequence[np.ndarray]) -> None:
        classes = pd.read_csv(SCHEME_DIR / "classes.csv", dtype=str, keep_default_na=False)
        colours = {
            int(v): (*(int(c[i : i + 2], 16) for i in (1, 3, 5)), 255)
            for v, c in zip(classes.value, classes.color, strict=True)
        }
        colours[0] = (0, 0, 0, 0)
        for (name, date), data in zip(RASTERS, arrays, strict=True):
            path = HERE / name
            path.unlink(missing_ok=True)
            with rasterio.open(
                path,
                "w",
                driver="GTiff",
                width=self.grid.width,
                height=self.grid.height,
                count=1,
                dtype="uint8",
                crs=RASTER_CRS,
                transform=self.grid.transform,
                nodata=0,
                tiled=True,
                blockxsize=256,
                blockysize=256,
                compress="deflate",
                zlevel=9,
            ) as dst:
                dst.write(data, 1)
                dst.write_colormap(1, colours)
                dst.set_band_description(1, "land cover (landplan/data/landcover/classes.csv)")
                dst.update_tags(
                    DATE=date.isoformat(),
                    SOURCE="synthetic land cover of the landplan sample district (CC0)",
                )
        (HERE / "landcover.csv").write_text(
            "path,date\n" + "".join(f"{n},{d.isoformat()}\n" for n, d in RASTERS),
            encoding="utf-8",
        )

    def verify(self, result, truth: pd.DataFrame, n_existing: int, check_variants) -> None:
        """The planted cases measure on the written files what was planned, and the truth
        does not depend on readings the contract leaves open (``check_variants(variants)``:
        the findings of sample_rules.landcover_variants)."""
        cover = result.landcover
        for j, p in enumerate(self.placed):
            row = cover.iloc[n_existing + j]
            m = p.measure
            if p.spec.date > RASTERS[-1][1]:
                assert row.image is None
                continue
            assert abs(row.coverage - m.coverage(1)) < 1e-6, (j, row.coverage, m.coverage(1))
            if row.coverage >= sample_rules.MIN_COVERAGE:
                assert abs(row.developed - m.developed(1)) < 1e-6
                assert abs(row.developed_before - m.developed(0)) < 1e-6
        base = set(map(tuple, result.findings[["source_row", "rule"]].to_numpy().tolist()))
        base = {(int(i), r) for i, r in base if r in LANDCOVER_RULES}
        variants = [
            {"nearest": False},
            {"policy": "earliest"},
            {"skip_used_otherwise": True},
        ]
        if len(self.transformers) > 1:
            variants.append({"transformer": self.transformers[1]})
        for kw, found in zip(variants, check_variants(variants), strict=True):
            got = {(int(i), r) for i, r in found}
            assert got == base, (kw, sorted(got ^ base))
        want = {
            (int(r.source_row), r.expected_rule)
            for r in truth.itertuples()
            if r.layer == "decisions" and r.expected_rule in LANDCOVER_RULES
        }
        assert base == want


LANDCOVER_RULES = ("wrong-purpose", "unused-land", "landcover-unchecked")
