"""Deterministic generator for the landplan sample data (synthetic, CC0).

Run ``python sample_data/generate.py``: it (re)writes, next to this file,

* ``plan.gpkg`` (layer ``plan``) - the base land-use plan (approved 2020-12-31): zone polygons
  that partition a district;
* ``plan_2023.gpkg`` - the plan adjustment (approved 2023-07-01): the same zones, a few with a
  new code;
* ``decisions/decisions.shp`` - land decisions (allocation, lease, recognition, change of use),
  one parcel each, with UTF-8 DBF text as a cadastral export would have it;
* ``projects.gpkg``, ``corridors.gpkg``, ``quotas.csv``, ``landplan.toml`` - the annual plans'
  projects, restriction corridors, conversion quotas and the check configuration;
* ``landcover_2021.tif``, ``landcover_2025.tif``, ``landcover.csv`` - land-cover rasters
  (EPSG:32648, 10 m) painted from the plan and the decisions (``sample_landcover.py``);
* ``ground_truth.csv`` - one row per expected finding of the planted cases;
* ``README.md`` - a description with the counts of this run.

The plan adjustment, corridors, projects, quotas, the planted cases of the newer rules and the
decision dates are built in ``sample_plan.py``. After writing, ``sample_rules.py`` reads every
file back, evaluates every rule on every decision and project, and the result must equal
``ground_truth.csv`` exactly (the generator fails otherwise).

Everything comes from ``numpy.random.default_rng(20251)``, and the land cover from its own
``default_rng([20251, 2])`` (so that adding it changed nothing before it); no network. Reruns
give byte-identical files (the DBF header date and the GeoPackage timestamps are pinned).

The land-cover cases (``unused-land``, ``wrong-purpose``, the cloud ...) are built in
``sample_landcover.py`` after every other row, and appended at the end of ``decisions.shp``
rather than shuffled in: rows 0-3059 and their ground truth are exactly what they were before
the land cover was added.

The district
------------
A made-up rural district of about 48 km2 around lon 106.30, lat 20.87 (the Gia Lộc area of
Hải Dương), in VN-2000 / TM-3 105-30 (EPSG:9209), centred near x=583,000, y=2,308,770.

* Boundary: a star-shaped polygon (radius ~3.9 km modulated by a few random harmonics).
* Zones: Voronoi cells of ~320 seeds (a jittered 420 m grid plus denser seeds in villages and the
  town). The Voronoi edges and the boundary are densified to 12 m and pushed through a smooth
  random displacement field (gradient < 0.6, so it never folds), which makes the edges wavy.
* Corridors are carved out as their own zones: a meandering river (SON, 90 m), three roads
  (DGT, 36/28/22 m wide; two cross at the town centre) and two canals (DTL, 20 and 16 m).
  Village ponds (NTS) are small islands inside some cells, so those zones have holes.
* All lines are noded together and polygonized, so the zones are an exact coverage: shared edges
  have identical vertices, zones never overlap and leave no gaps. Corridor faces are merged per
  commune; faces smaller than 300 m2 are merged into their longest-bordering neighbour.
* Communes (``ma_xa``, ``ten_xa``): one town (Thị trấn Gia Lộc, around the road crossing) and
  eight communes, each a group of Voronoi cells (nearest commune seed, town weighted smaller).
  Names are real Gia Lộc place names; the 5-digit codes are made up in the GSO style.
* Land-use codes (Circular 27/2018): urban land (ODT, TMD, DGD) in the town; villages of rural
  land (ONT with schools DGD, some CLN/TMD); village fringes with gardens (CLN, HNK), ponds
  (NTS) and cemeteries (NTD); an industrial cluster (SKN, SKC) along the north-east road; rice
  (LUC, LUK) everywhere else, more LUK/NTS near the river, a few SKC/TMD along roads.

Ordinary decisions (~2,900)
---------------------------
Quadrilaterals (jittered rotated rectangles) of 100-2,000 m2 whose ``buffer(2.0)`` lies wholly
inside one zone, with a granted code the plan allows there (same code as the zone, or ONT zone ->
ONT+CLN, ODT zone -> ODT+CLN, SKN zone -> SKC). None lies in SON, DTL or DGT zones. About 3 % of
them write the code in lower/mixed case or with a leading space (" ont", "Luc"): valid and
compliant. No two parcels come within 1 m of each other, except planted overlapping pairs.
They stay off corridors that forbid their code and off the projects planted as stale or empty;
their kinds, previous codes and dates are chosen so that every rule passes (see
``sample_plan.assign_dates``).

Planted decisions (every one is in ``ground_truth.csv``)
-------------------------------------------------------
``case`` starts with the tag below. Every property is measured on the built geometry and
asserted (fractions are of the parcel's drawn area). The cases listed here are dated in
2021-2022 (the base plan applies) and kept out of the quota commune; their expected rule is
``conversion-contrary-to-plan`` instead of ``zoning-conflict`` when their (drawn) kind is a
conversion. The cases of the newer rules (plan versions, conversions, plan period, annual plan,
quotas, corridors, double allocation, duplicate ids, stale projects) are described in
``sample_plan.NewCases`` and in the README.

* ``inside-violation`` (26): wholly inside (2 m margin) a zone that does not allow the granted
  code: ODT/ONT/TMD/SKC in LUC or LUK, ONT in DGT, SON or DTL, ONT in NTD, TMD in DGD, SKC in
  NTS -> violation / zoning-conflict, planned = the zone code.
* ``straddle`` (12): crosses from a compatible zone into an incompatible one with 30-60 % (and
  more than 20 m2) of its area there (ONT|ODT|TMD into LUC|LUK, ONT into a road) -> violation /
  zoning-conflict, planned = the incompatible zone's code. Touches exactly these two zones.
* ``sliver`` (9): the same, but only 1-3 % of the area across -> compliant (tolerance is 5 % and
  20 m2). ``sliver-small`` (4): 8-15 % across but less than 20 m2 (parcels of 100-150 m2) ->
  compliant.
* ``multipart-violation`` (4): MultiPolygon, one part wholly in the compatible zone and one part
  (10-45 % of the area) wholly in an incompatible zone -> violation. ``multipart-compliant`` (2):
  both parts in the same compatible zone.
* ``hole`` (3): a polygon with an interior ring, wholly inside a compatible zone -> compliant.
  ``hole-around-zone`` (1): an ONT parcel around a village pond whose hole is exactly the pond
  zone (NTS); it shares the pond's ring, its overlap with the pond is 0 -> compliant.
* ``bowtie`` (3): a self-intersecting quadrilateral wholly inside a compatible zone ->
  invalid-geometry, compliant after repair (``make_valid``).
* ``outside`` (3): wholly outside the district -> unchecked / no-plan-coverage.
  ``partly-outside`` (4): 30-60 % outside, the rest in one compatible zone -> compliant /
  no-plan-coverage.
* ``unknown-code`` (3): codes "XYZ", "ABC1", "QQQ" -> unchecked / unknown-code.
  ``missing-code`` (2): empty ``kyhieumucd`` -> unchecked / missing-code.
* ``empty-geometry`` (2): rows with a null shape -> unchecked / empty-geometry.
* ``shared-edge`` (4): a parcel built on one side of a straight zone edge, sharing that edge's two
  vertices exactly, compatible with its own zone (the neighbour across the edge is incompatible);
  overlap with the neighbour is 0 -> compliant.

Rows (ordinary and planted) are shuffled with the seeded generator before writing;
``ground_truth.source_row`` is the 0-based row in ``decisions.shp`` (in ``projects.gpkg`` for
rows of layer ``projects``).
"""

from __future__ import annotations

import datetime as dt
import struct
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import sample_landcover
import sample_plan
import sample_rules
import shapely
from sample_plan import GAP, MARGIN, Planted, perp, rectangle, unit
from shapely import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

HERE = Path(__file__).resolve().parent
SEED = 20251
CRS = "EPSG:9209"  # VN-2000 / TM-3 105-30, Hải Dương
CENTRE = np.array([583_000.0, 2_308_770.0])
DATA_DATE = "2025-01-01"  # pinned into the DBF header and GeoPackage timestamps
COMPAT_CSV = HERE.parent / "landplan" / "data" / "compatibility.csv"  # the library's table

N_ORDINARY = 2_900

COMMUNES: tuple[tuple[str, str], ...] = (
    ("10807", "Thị trấn Gia Lộc"),  # index 0 is the town
    ("10810", "Xã Gia Tân"),
    ("10813", "Xã Gia Khánh"),
    ("10816", "Xã Gia Xuyên"),
    ("10819", "Xã Yết Kiêu"),
    ("10822", "Xã Thống Nhất"),
    ("10825", "Xã Đoàn Thượng"),
    ("10828", "Xã Hồng Hưng"),
    ("10831", "Xã Toàn Thắng"),
)
LINEAR_CODES = ("DGT", "SON", "DTL")
DATA_QUALITY = (
    "invalid-geometry",
    "no-plan-coverage",
    "unknown-code",
    "missing-code",
    "empty-geometry",
)  # corridor zones, in priority order where they cross

Weighted = Sequence[tuple[str, float]]

# Zone code -> granted codes the plan certainly allows there (used by ordinary parcels only).
ALLOWED: dict[str, Weighted] = {
    "ONT": (("ONT", 0.75), ("ONT+CLN", 0.25)),
    "ODT": (("ODT", 0.8), ("ODT+CLN", 0.2)),
    "SKN": (("SKN", 0.6), ("SKC", 0.4)),
    "SKC": (("SKC", 1.0),),
    "TMD": (("TMD", 1.0),),
    "DGD": (("DGD", 1.0),),
    "NTD": (("NTD", 1.0),),
    "LUC": (("LUC", 1.0),),
    "LUK": (("LUK", 1.0),),
    "HNK": (("HNK", 1.0),),
    "CLN": (("CLN", 1.0),),
    "NTS": (("NTS", 1.0),),
}
# Candidate ordinary parcels per hectare of zone (before the fit and non-overlap filters).
DENSITY = {
    "ONT": 10.0,
    "ODT": 14.0,
    "TMD": 2.0,
    "SKN": 1.2,
    "SKC": 1.2,
    "DGD": 0.6,
    "NTD": 0.8,
    "LUC": 0.9,
    "LUK": 0.9,
    "HNK": 1.2,
    "CLN": 1.5,
    "NTS": 0.8,
}
# Granted code -> (min, max) drawn area in m2 and (min, max) aspect ratio.
SHAPE: dict[str, tuple[float, float, float, float]] = {
    "ONT": (150, 450, 1.2, 2.5),
    "ONT+CLN": (350, 1200, 1.2, 2.5),
    "ODT": (110, 300, 1.3, 3.0),
    "ODT+CLN": (250, 700, 1.2, 2.5),
    "SKN": (1200, 1950, 1.0, 2.0),
    "SKC": (800, 1950, 1.0, 2.0),
    "TMD": (300, 1500, 1.0, 2.5),
    "DGD": (1000, 1950, 1.0, 2.0),
    "NTD": (200, 1000, 1.0, 2.0),
    "LUC": (400, 1950, 1.5, 4.0),
    "LUK": (400, 1950, 1.5, 4.0),
    "HNK": (300, 1500, 1.2, 3.0),
    "CLN": (300, 1500, 1.2, 3.0),
    "NTS": (500, 1950, 1.0, 2.5),
}

# Kinds of decision (hinh_thuc) exactly as officials write them.
KIND_VALUES: dict[str, Weighted] = {
    "allocation": (
        ("Giao đất", 0.35),
        ("giao đất có thu tiền", 0.2),
        ("Giao đất không thu tiền", 0.15),
        ("4", 0.2),
        ("5", 0.1),
    ),
    "allocation-free": (("Giao đất không thu tiền", 0.5), ("5", 0.3), ("Giao đất", 0.2)),
    "lease": (
        ("Cho thuê đất", 0.35),
        ("thuê", 0.15),
        ("Thuê đất trả tiền hằng năm", 0.25),
        ("10", 0.15),
        ("11", 0.1),
    ),
    "recognition": (("Công nhận", 0.5), ("công nhận QSDĐ", 0.3), ("1", 0.2)),
    "conversion": (("Chuyển mục đích", 0.45), ("chuyển mục đích sử dụng đất", 0.35), ("CMĐ", 0.2)),
}
KIND_MIX: dict[str, Weighted] = {
    "residential": (
        ("recognition", 0.4),
        ("allocation", 0.3),
        ("conversion", 0.25),
        ("lease", 0.05),
    ),
    "business": (("lease", 0.8), ("allocation", 0.05), ("conversion", 0.15)),
    "agricultural": (("recognition", 0.55), ("allocation", 0.4), ("lease", 0.05)),
    "public": (("allocation-free", 0.85), ("recognition", 0.15)),
    "other": (("recognition", 0.5), ("allocation", 0.5)),
}
CATEGORY = {
    "ONT": "residential",
    "ONT+CLN": "residential",
    "ODT": "residential",
    "ODT+CLN": "residential",
    "SKN": "business",
    "SKC": "business",
    "TMD": "business",
    "LUC": "agricultural",
    "LUK": "agricultural",
    "HNK": "agricultural",
    "CLN": "agricultural",
    "NTS": "agricultural",
    "DGD": "public",
    "NTD": "public",
}
# Granted code -> previous code (mucdichcu) of a conversion.
PREVIOUS: dict[str, Weighted] = {
    "ONT": (("LUC", 0.35), ("LUK", 0.25), ("HNK", 0.25), ("CLN", 0.15)),
    "ODT": (("CLN", 0.4), ("HNK", 0.35), ("LUK", 0.25)),
    "TMD": (("LUK", 0.4), ("HNK", 0.3), ("ONT", 0.3)),
    "SKC": (("LUK", 0.4), ("HNK", 0.3), ("LUC", 0.3)),
    "SKN": (("LUK", 0.5), ("LUC", 0.5)),
}

FAMILY: Weighted = (
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9.5),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Vũ", 4.5),
    ("Phan", 4),
    ("Đỗ", 3.5),
    ("Bùi", 3),
    ("Đặng", 2.5),
    ("Ngô", 1.5),
    ("Dương", 1.5),
    ("Đinh", 1.5),
    ("Lương", 1),
    ("Trịnh", 1),
    ("Mạc", 1),
    ("Tăng", 0.5),
)
MIDDLE_M = ("Văn", "Văn", "Văn", "Đức", "Minh", "Hữu", "Quang", "Xuân", "Đình", "Thế")
MIDDLE_F = ("Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Bích", "Kim")
GIVEN_M = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hùng",
    "Huy",
    "Khánh",
    "Long",
    "Mạnh",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Thắng",
    "Toàn",
    "Trung",
    "Tuấn",
    "Việt",
    "Hiếu",
)
GIVEN_F = (
    "Anh",
    "Dung",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hoa",
    "Hương",
    "Lan",
    "Liên",
    "Linh",
    "Mai",
    "Nga",
    "Nhung",
    "Phương",
    "Thảo",
    "Thủy",
    "Trang",
    "Vân",
    "Yến",
    "Huyền",
)
FIRMS = (
    "Minh Phát",
    "Hòa Bình",
    "Thành Đạt",
    "Đại Việt",
    "Hưng Thịnh",
    "Phú Gia",
    "An Khang",
    "Cơ khí Gia Lộc",
    "May mặc Hải Dương",
    "Gốm sứ Hồng Hưng",
    "Vật liệu Tân Hưng",
    "Thương mại Đông Á",
    "Nông sản Yết Kiêu",
    "Bao bì Việt Tiến",
)


def pick(rng: np.random.Generator, choices: Weighted) -> str:
    """Draw one value from (value, weight) pairs."""
    weights = np.array([w for _, w in choices], dtype=float)
    return choices[rng.choice(len(choices), p=weights / weights.sum())][0]


def chaikin(points: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Chaikin corner cutting: a smooth curve through the control polygon (ends kept)."""
    for _ in range(rounds):
        q = 0.75 * points[:-1] + 0.25 * points[1:]
        r = 0.25 * points[:-1] + 0.75 * points[1:]
        inner = np.stack([q, r], axis=1).reshape(-1, 2)[1:-1]
        points = np.vstack([points[:1], inner, points[-1:]])
    return points


# --------------------------------------------------------------------------- district layout


@dataclass(frozen=True)
class Wobble:
    """Smooth displacement field, a sum of plane waves; applied to Voronoi edges and boundary."""

    waves: np.ndarray  # (m, 2) wave vectors, rad/m
    phases: np.ndarray  # (m,)
    amps: np.ndarray  # (m, 2) displacement vector of each wave, m

    @classmethod
    def random(cls, rng: np.random.Generator) -> Wobble:
        lengths = np.r_[rng.uniform(300, 800, 3), rng.uniform(60, 120, 3)]
        amplitude = np.r_[np.full(3, 5.0), np.full(3, 0.8)]
        angles = rng.uniform(0, 2 * np.pi, (6, 2))
        waves = (2 * np.pi / lengths)[:, None] * np.c_[np.cos(angles[:, 0]), np.sin(angles[:, 0])]
        amps = amplitude[:, None] * np.c_[np.cos(angles[:, 1]), np.sin(angles[:, 1])]
        field = cls(waves, rng.uniform(0, 2 * np.pi, 6), amps)
        gradient_bound = float(np.sum(np.hypot(*waves.T) * np.hypot(*amps.T)))
        assert gradient_bound < 0.6, gradient_bound  # the displaced map cannot fold
        return field

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        return xy + np.sin((xy - CENTRE) @ self.waves.T + self.phases) @ self.amps


@dataclass(frozen=True)
class Corridor:
    """A linear zone: river, road or canal, as a centreline with a width."""

    name: str
    code: str
    centreline: LineString
    width: float

    @property
    def polygon(self) -> Polygon:
        return self.centreline.buffer(self.width / 2, cap_style="flat")


@dataclass(frozen=True)
class Layout:
    district: Polygon  # final (displaced) district polygon
    corridors: tuple[Corridor, ...]
    town: np.ndarray
    villages: np.ndarray  # (v, 2) centres
    village_radius: np.ndarray  # (v,)
    industry: np.ndarray
    commune_seeds: np.ndarray  # (9, 2), index 0 = town


def make_boundary(rng: np.random.Generator) -> Polygon:
    """A star-shaped district outline, about 8 km across."""
    theta = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    radius = np.full_like(theta, 3_900.0)
    for k in range(2, 8):
        radius *= 1 + rng.uniform(0.015, 0.05) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    return Polygon(CENTRE + radius[:, None] * np.c_[np.cos(theta), np.sin(theta)])


def make_corridors(rng: np.random.Generator, town: np.ndarray) -> tuple[Corridor, ...]:
    """River, three roads (two crossing at the town centre) and two canals, all in metres."""
    x = np.arange(-5_200.0, 5_201.0, 25.0)
    y = (
        -1_450
        + 0.15 * x
        + 330 * np.sin(2 * np.pi * x / 3_100 + rng.uniform(0, 6.3))
        + 140 * np.sin(2 * np.pi * x / 1_300 + rng.uniform(0, 6.3))
    )
    river = LineString(CENTRE + np.c_[x, y])

    def road(*offsets: tuple[float, float]) -> LineString:
        pts = np.array([town if o == (0, 0) else CENTRE + np.array(o) for o in offsets])
        return LineString(
            chaikin(shapely.get_coordinates(shapely.segmentize(LineString(pts), 400.0)))
        )

    return (
        Corridor("Sông Sặt", "SON", river, 90.0),
        Corridor(
            "QL37",
            "DGT",
            road((-4_700, 2_900), (-2_300, 1_300), (0, 0), (1_600, -1_000), (4_700, -3_300)),
            36.0,
        ),
        Corridor(
            "ĐT395",
            "DGT",
            road((-3_300, -4_600), (-1_400, -2_000), (0, 0), (1_900, 1_500), (4_300, 3_900)),
            28.0,
        ),
        Corridor(
            "ĐT392",
            "DGT",
            road((-4_800, 1_500), (-2_000, 2_250), (600, 2_700), (4_800, 2_000)),
            22.0,
        ),
        Corridor(
            "Kênh Cầu Xe",
            "DTL",
            LineString(CENTRE + np.array([(-2_250, -1_700), (-2_100, 600), (-2_600, 3_400)])),
            20.0,
        ),
        Corridor(
            "Kênh Đồng Bình",
            "DTL",
            LineString(CENTRE + np.array([(800, -2_500), (2_600, -3_000), (4_900, -2_700)])),
            16.0,
        ),
    )


def make_layout(rng: np.random.Generator, wobble: Wobble) -> Layout:
    """District outline, corridors, town, villages, industrial cluster and commune seeds."""
    raw = make_boundary(rng)
    ring = shapely.transform(shapely.segmentize(raw.exterior, 12.0), wobble)
    district = Polygon(ring)
    assert district.is_valid
    town = CENTRE + np.array([250.0, 150.0])
    corridors = make_corridors(rng, town)
    river = corridors[0].centreline

    angles = (np.arange(8) + rng.uniform(-0.2, 0.2, 8)) * 2 * np.pi / 8
    radii = rng.uniform(2_200, 2_700, 8)
    commune_seeds = np.vstack(
        [town, CENTRE + radii[:, None] * np.c_[np.cos(angles), np.sin(angles)]]
    )
    # Two villages per rural commune, away from the river, the edge and each other.
    villages: list[np.ndarray] = []
    inner = district.buffer(-350.0)
    for seed in commune_seeds[1:]:
        placed = 0
        while placed < 2:
            p = seed + rng.uniform(-900, 900, 2)
            if (
                inner.contains(Point(p))
                and river.distance(Point(p)) > 250
                and all(np.hypot(*(p - v)) > 750 for v in villages)
                and np.hypot(*(p - town)) > 1_200
            ):
                villages.append(p)
                placed += 1
    road2 = corridors[2].centreline
    industry = np.array(road2.interpolate(road2.project(Point(town)) + 2_300).coords[0])
    industry = industry + np.array([180.0, -160.0])
    return Layout(
        district,
        corridors,
        town,
        np.array(villages),
        rng.uniform(280, 420, len(villages)),
        industry,
        commune_seeds,
    )


def make_seeds(rng: np.random.Generator, layout: Layout) -> np.ndarray:
    """Zone seeds: a jittered grid, denser in villages and around the town centre."""
    step = 420.0
    xmin, ymin, xmax, ymax = layout.district.bounds
    gx, gy = np.meshgrid(np.arange(xmin, xmax, step), np.arange(ymin, ymax, step))
    grid = np.c_[gx.ravel(), gy.ravel()] + rng.uniform(-0.4, 0.4, (gx.size, 2)) * step
    extra = [
        v + rng.uniform(-0.8, 0.8, (4, 2)) * r
        for v, r in zip(layout.villages, layout.village_radius, strict=True)
    ]
    extra.append(layout.town + rng.uniform(-550, 550, (12, 2)))
    candidates = np.vstack([grid, *extra])
    inside = shapely.contains_xy(layout.district.buffer(-60.0), candidates[:, 0], candidates[:, 1])
    candidates = candidates[inside]
    # Thin out seeds closer than 90 m to an earlier one (no needle-thin cells).
    keep: list[int] = []
    for i, p in enumerate(candidates):
        if not keep or np.min(np.hypot(*(candidates[keep] - p).T)) > 90:
            keep.append(i)
    return candidates[keep]


def assign_communes(seeds: np.ndarray, layout: Layout) -> np.ndarray:
    """Nearest commune seed; distances to the town are stretched so the town stays small."""
    d = np.hypot(*(seeds[:, None, :] - layout.commune_seeds[None, :, :]).transpose(2, 0, 1))
    d[:, 0] *= 1.9
    return d.argmin(axis=1)


def assign_cell_codes(
    rng: np.random.Generator, seeds: np.ndarray, commune: np.ndarray, layout: Layout
) -> np.ndarray:
    """A planned land-use code for each Voronoi cell, from where its seed lies."""
    pts = shapely.points(seeds)
    d_town = np.hypot(*(seeds - layout.town).T)
    d_vil_all = np.hypot(*(seeds[:, None, :] - layout.villages[None]).transpose(2, 0, 1))
    nearest_vil = d_vil_all.argmin(axis=1)
    d_vil = d_vil_all.min(axis=1)
    r_vil = layout.village_radius[nearest_vil]
    d_ind = np.hypot(*(seeds - layout.industry).T)
    d_river = shapely.distance(layout.corridors[0].centreline, pts)
    d_road = np.min(
        [shapely.distance(c.centreline, pts) for c in layout.corridors if c.code == "DGT"], axis=0
    )
    codes = np.empty(len(seeds), dtype=object)
    for i in range(len(seeds)):
        if commune[i] == 0 and d_town[i] < 650:
            table: Weighted = (
                (("ODT", 0.55), ("TMD", 0.35), ("SKC", 0.1))
                if d_road[i] < 120
                else (("ODT", 0.8), ("TMD", 0.12), ("DGD", 0.08))
            )
        elif commune[i] == 0:
            table = (
                ("LUK", 0.3),
                ("LUC", 0.3),
                ("HNK", 0.15),
                ("CLN", 0.1),
                ("ODT", 0.1),
                ("NTS", 0.05),
            )
        elif d_ind[i] < 480:
            table = (("SKN", 0.85), ("SKC", 0.15))
        elif d_vil[i] < r_vil[i]:
            table = (("ONT", 0.86), ("CLN", 0.06), ("DGD", 0.04), ("TMD", 0.04))
        elif d_vil[i] < r_vil[i] + 220:
            table = (("LUK", 0.3), ("HNK", 0.22), ("CLN", 0.18), ("NTS", 0.15), ("NTD", 0.15))
        elif d_river[i] < 380:
            table = (("LUK", 0.35), ("LUC", 0.2), ("NTS", 0.25), ("HNK", 0.2))
        elif d_road[i] < 110:
            table = (("LUC", 0.6), ("LUK", 0.15), ("SKC", 0.12), ("TMD", 0.05), ("HNK", 0.08))
        else:
            table = (("LUC", 0.74), ("LUK", 0.16), ("HNK", 0.04), ("NTS", 0.04), ("CLN", 0.02))
        codes[i] = pick(rng, table)
    # Every rural commune gets at least one cemetery and one school.
    for c in range(1, len(COMMUNES)):
        mine = np.flatnonzero(commune == c)
        if not np.isin(codes[mine], ["NTD"]).any():
            farm = mine[np.isin(codes[mine], ["LUC", "LUK", "HNK", "CLN"])]
            codes[farm[np.argmin(np.abs(d_vil[farm] - r_vil[farm] - 150))]] = "NTD"
        if not np.isin(codes[mine], ["DGD"]).any():
            village = mine[codes[mine] == "ONT"]
            codes[village[np.argmax(d_vil[village])]] = "DGD"
    return codes


def make_ponds(
    rng: np.random.Generator,
    seeds: np.ndarray,
    cells: np.ndarray,
    codes: np.ndarray,
    corridors: Polygon,
) -> list[Polygon]:
    """Village and field ponds: small irregular islands around some cell seeds."""
    ponds: list[Polygon] = []
    for wanted, count in (("ONT", 10), ("LUC", 4), ("LUK", 3)):
        found = 0
        for i in rng.permutation(np.flatnonzero(codes == wanted)):
            radius = rng.uniform(12, 25)
            theta = np.linspace(0, 2 * np.pi, 24, endpoint=False)
            r = radius * (
                1
                + 0.15 * np.sin(2 * theta + rng.uniform(0, 6.3))
                + 0.1 * np.sin(3 * theta + rng.uniform(0, 6.3))
            )
            pond = Polygon(seeds[i] + r[:, None] * np.c_[np.cos(theta), np.sin(theta)])
            if cells[i].contains(pond.buffer(40)) and pond.distance(corridors) > 40:
                ponds.append(pond)
                found += 1
                if found == count:
                    break
    return ponds


# --------------------------------------------------------------------------------- the plan


def build_plan(rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, Layout]:
    """Zones that partition the district exactly (see the module docstring)."""
    wobble = Wobble.random(rng)
    layout = make_layout(rng, wobble)
    district = layout.district
    raw_seeds = make_seeds(rng, layout)
    seeds = wobble(raw_seeds)
    commune_of_seed = assign_communes(raw_seeds, layout)

    edges = shapely.voronoi_polygons(
        shapely.multipoints(raw_seeds), only_edges=True, extend_to=district.buffer(3_000)
    )
    edges = shapely.intersection(edges, district.buffer(150.0))
    edges = shapely.transform(shapely.segmentize(edges, 12.0), wobble)
    boundary = district.exterior

    # Cells (displaced Voronoi cells clipped to the district), one per seed.
    cell_faces = shapely.get_parts(
        shapely.polygonize(shapely.get_parts(shapely.union_all([edges, boundary])))
    )
    cell_faces = cell_faces[shapely.within(shapely.point_on_surface(cell_faces), district)]
    seed_idx, face_idx = shapely.STRtree(cell_faces).query(
        shapely.points(seeds), predicate="within"
    )
    assert len(seed_idx) == len(seeds) == len(cell_faces), "one seed per cell"
    cells = np.empty(len(seeds), dtype=object)
    cells[seed_idx] = cell_faces[face_idx]
    cell_codes = assign_cell_codes(rng, raw_seeds, commune_of_seed, layout)

    corridor_polys = {
        code: shapely.union_all([c.polygon for c in layout.corridors if c.code == code])
        for code in LINEAR_CODES
    }
    ponds = make_ponds(
        rng, seeds, cells, cell_codes, shapely.union_all(list(corridor_polys.values()))
    )

    # All lines together, noded once, polygonized: an exact coverage.
    lines = [
        edges,
        boundary,
        *(shapely.boundary(p) for p in corridor_polys.values()),
        *(p.exterior for p in ponds),
    ]
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(lines))))
    reps = shapely.point_on_surface(faces)
    inside = shapely.within(reps, district)
    faces, reps = faces[inside], reps[inside]
    rep_idx, cell_idx = shapely.STRtree(cells).query(reps, predicate="within")
    assert np.array_equal(rep_idx, np.arange(len(faces))), "every face lies in one cell"
    face_cell = cell_idx

    # Group faces into zones: corridors per (code, commune); every other face on its own.
    keys: list[tuple[str, int, int]] = []  # (code, commune, group id)
    pond_union = shapely.union_all(ponds)
    for i, rep in enumerate(reps):
        commune = int(commune_of_seed[face_cell[i]])
        code = next((c for c in LINEAR_CODES if corridor_polys[c].contains(rep)), None)
        if code is not None:
            keys.append((code, commune, -1))
        elif pond_union.contains(rep):
            keys.append(("NTS", commune, i))
        else:
            keys.append((str(cell_codes[face_cell[i]]), commune, i))
    # Faces under 300 m2 join their longest-bordering neighbour: a cell sliver any neighbour,
    # a bit of corridor (e.g. cut off by a commune border) a face of the same corridor code.
    areas = shapely.area(faces)
    tree = shapely.STRtree(faces)
    for i in np.flatnonzero(areas < 300):
        neighbours = [
            j
            for j in tree.query(faces[i], predicate="intersects")
            if j != i and areas[j] >= 300 and (keys[i][2] >= 0 or keys[j][0] == keys[i][0])
        ]
        if neighbours:
            shared = shapely.length(
                shapely.intersection(faces[i].boundary, shapely.boundary(faces[neighbours]))
            )
            keys[i] = keys[neighbours[int(np.argmax(shared))]]

    groups: dict[tuple[str, int, int], list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    records = []
    for (code, commune, _), members in groups.items():
        merged = shapely.coverage_union_all(faces[members])
        for part in shapely.get_parts(merged):
            ma_xa, ten_xa = COMMUNES[commune]
            records.append((code, ma_xa, ten_xa, part))
    plan = gpd.GeoDataFrame(
        records, columns=["maloaidat", "ma_xa", "ten_xa", "geometry"], geometry="geometry", crs=CRS
    )
    plan["dientich"] = plan.area.round(2)
    rep = plan.geometry.representative_point()
    plan = (
        plan.assign(_y=-rep.y.round(1), _x=rep.x.round(1))
        .sort_values(["ma_xa", "_y", "_x"], kind="stable")
        .drop(columns=["_y", "_x"])
        .reset_index(drop=True)
    )
    plan = plan[["maloaidat", "ma_xa", "ten_xa", "dientich", "geometry"]]
    check_plan(plan, district)
    return plan, layout


def check_plan(plan: gpd.GeoDataFrame, district: Polygon) -> None:
    geoms = plan.geometry.to_numpy()
    assert 300 <= len(plan) <= 600, len(plan)
    assert (plan.geom_type == "Polygon").all() and plan.is_valid.all()
    assert plan.area.min() >= 300, plan.area.min()
    assert shapely.coverage_is_valid(geoms), "zones must form an exact coverage"
    assert abs(plan.area.sum() - district.area) < 1e-6 * district.area, "zones fill the district"
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlap.max() < 1e-6, overlap.max()
    assert set(plan.maloaidat) >= {
        "LUC",
        "LUK",
        "ONT",
        "ODT",
        "SKN",
        "SKC",
        "TMD",
        "DGD",
        "NTD",
        "NTS",
        "HNK",
        "CLN",
        "SON",
        "DTL",
        "DGT",
    }


# --------------------------------------------------------------------- geometry look-ups


class PlanIndex:
    """Spatial look-ups on the plan used to build and verify parcels."""

    def __init__(self, plan: gpd.GeoDataFrame, district: Polygon) -> None:
        self.plan = plan
        self.geoms = plan.geometry.to_numpy()
        shapely.prepare(self.geoms)
        self.codes = plan["maloaidat"].to_numpy()
        self.tree = shapely.STRtree(self.geoms)
        self.district = district
        shapely.prepare(district)
        left, right = self.tree.query(self.geoms, predicate="intersects")
        keep = left < right
        left, right = left[keep], right[keep]
        shared = shapely.line_merge(
            shapely.intersection(
                shapely.boundary(self.geoms[left]), shapely.boundary(self.geoms[right])
            )
        )
        self.pairs = [(int(a), int(b), s) for a, b, s in zip(left, right, shared, strict=True)]
        edge = shapely.line_merge(
            shapely.intersection(shapely.boundary(self.geoms), district.exterior)
        )
        self.edge_sites = [
            (i, part)
            for i, line in enumerate(edge)
            for part in shapely.get_parts(line)
            if part.geom_type == "LineString" and part.length >= 40
        ]

    def overlaps(self, geom: BaseGeometry) -> dict[int, float]:
        """Area of ``geom`` (repaired if invalid) in each zone it overlaps."""
        geom = shapely.make_valid(geom)
        idx = self.tree.query(geom, predicate="intersects")
        areas = shapely.area(shapely.intersection(self.geoms[idx], geom))
        return {int(i): float(a) for i, a in zip(idx, areas, strict=True) if a > 1e-9}

    def outside_area(self, geom: BaseGeometry) -> float:
        geom = shapely.make_valid(geom)
        return float(geom.area - shapely.intersection(geom, self.district).area)

    def zone_with_margin(self, geom: BaseGeometry) -> int | None:
        """The zone that contains ``geom.buffer(MARGIN)``, if any."""
        hits = self.tree.query(shapely.make_valid(geom).buffer(MARGIN), predicate="within")
        return int(hits[0]) if len(hits) == 1 else None

    def sites(
        self, a_codes: Sequence[str], b_codes: Sequence[str], min_length: float = 40.0
    ) -> list[tuple[int, int, LineString]]:
        """Shared boundaries (zone a, zone b, line) with a's code in a_codes, b's in b_codes."""
        out = []
        for i, j, line in self.pairs:
            for a, b in ((i, j), (j, i)):
                if self.codes[a] in a_codes and self.codes[b] in b_codes:
                    out.extend(
                        (a, b, part)
                        for part in shapely.get_parts(line)
                        if part.geom_type == "LineString" and part.length >= min_length
                    )
        return out


class Registry:
    """Parcels placed so far; keeps every parcel at least GAP from the others and (unless
    told otherwise) from the restriction corridors."""

    def __init__(self, blocked: BaseGeometry | None = None) -> None:
        self.hulls: list[BaseGeometry] = []
        self.blocked = blocked

    def free(self, geom: BaseGeometry, blocked: bool = True) -> bool:
        if blocked and self.blocked is not None and shapely.dwithin(self.blocked, geom, GAP):
            return False
        if not self.hulls:
            return True
        hull = shapely.convex_hull(geom)
        return not shapely.dwithin(np.array(self.hulls), hull, GAP).any()

    def add(self, geom: BaseGeometry) -> None:
        self.hulls.append(shapely.convex_hull(geom))


# ---------------------------------------------------------------------- planted cases


class CaseBuilder:
    """Builds the planted parcels; each builder checks the claimed property on the geometry."""

    def __init__(self, rng: np.random.Generator, index: PlanIndex, registry: Registry) -> None:
        self.rng = rng
        self.ix = index
        self.reg = registry
        self.cases: list[Planted] = []

    def _accept(self, case: Planted) -> None:
        # Data-quality cases are never conversions: the quota rule sums parcel areas of
        # conversions, and a null, invalid or uncovered shape would make that sum ambiguous.
        case.no_conversion = case.rule in DATA_QUALITY
        if case.geometry is not None:
            self.reg.add(case.geometry)
        self.cases.append(case)

    # -- parcels wholly inside one zone --------------------------------------------------
    def _inside(
        self,
        zone_codes: Sequence[str],
        shape: Callable[[np.ndarray, np.ndarray], BaseGeometry],
        along: Sequence[LineString] = (),
    ) -> tuple[BaseGeometry, int]:
        """A geometry from ``shape(centre, direction)`` with a 2 m margin inside one zone."""
        rng, ix = self.rng, self.ix
        zones = np.flatnonzero(np.isin(ix.codes, zone_codes))
        for _ in range(4_000):
            if along:  # corridor zones: follow the centreline
                line = along[rng.integers(len(along))]
                t = rng.uniform(0, line.length)
                centre = np.array(line.interpolate(t).coords[0])
                d = unit(
                    np.subtract(
                        line.interpolate(t + 5).coords[0], line.interpolate(t - 5).coords[0]
                    )
                )
            else:
                zone = ix.geoms[zones[rng.integers(len(zones))]]
                xmin, ymin, xmax, ymax = zone.bounds
                centre = rng.uniform([xmin, ymin], [xmax, ymax])
                if not shapely.contains_xy(zone, *centre):
                    continue
                a = rng.uniform(0, np.pi)
                d = np.array([np.cos(a), np.sin(a)])
            geom = shape(centre, d)
            zi = ix.zone_with_margin(geom)
            if zi is not None and ix.codes[zi] in zone_codes and self.reg.free(geom):
                assert set(ix.overlaps(geom)) == {zi}
                return geom, zi
        raise RuntimeError(f"no room inside {zone_codes}")

    def _rect(
        self, area: tuple[float, float], aspect: tuple[float, float] = (1.2, 2.0)
    ) -> Callable[[np.ndarray, np.ndarray], Polygon]:
        a, r = self.rng.uniform(*area), self.rng.uniform(*aspect)
        return lambda c, d: rectangle(c, d, np.sqrt(a * r), np.sqrt(a / r))

    def inside_violation(
        self,
        granted: str,
        zone_code: str,
        area: tuple[float, float],
        along: Sequence[LineString] = (),
    ) -> None:
        aspect = (1.6, 2.2) if along else (1.2, 2.0)
        geom, _ = self._inside([zone_code], self._rect(area, aspect), along)
        previous = zone_code if granted in ("ONT", "ODT") and zone_code in ("LUC", "LUK") else ""
        self._accept(
            Planted(
                geom,
                granted,
                "violation",
                "zoning-conflict",
                zone_code,
                f"inside-violation: {granted} wholly inside a {zone_code} zone",
                previous,
            )
        )

    def compliant_inside(self, tag: str, code: str, shape_kind: str) -> None:
        rng = self.rng

        def shape(c: np.ndarray, d: np.ndarray) -> BaseGeometry:
            w, h = rng.uniform(16, 26), rng.uniform(14, 22)
            n = perp(d)
            if shape_kind == "hole":
                hole = rectangle(c + d * w * 0.1 + n * h * 0.05, d, w * 0.35, h * 0.3)
                return Polygon(rectangle(c, d, w, h).exterior, [hole.exterior])
            if shape_kind == "bowtie":  # ring order 0-1-3-2: the two long sides cross
                p = [
                    c - d * w / 2 - n * h / 2,
                    c + d * w / 2 - n * h / 2,
                    c - d * w * 0.3 + n * h / 2,
                    c + d * w * 0.3 + n * h / 2,
                ]
                return Polygon([p[0], p[1], p[2], p[3]])
            if shape_kind == "multipart":
                return MultiPolygon(
                    [rectangle(c, d, w, h), rectangle(c + d * (w + 6), d, w * 0.6, h * 0.8)]
                )
            raise ValueError(shape_kind)

        geom, _ = self._inside([code], shape)
        if shape_kind == "bowtie":
            assert not geom.is_valid and shapely.make_valid(geom).area > 100
        if shape_kind == "hole":
            assert geom.is_valid and len(geom.interiors) == 1
        rule = "invalid-geometry" if shape_kind == "bowtie" else ""
        descriptions = {
            "hole": f"{code} parcel with a hole, wholly inside a {code} zone",
            "bowtie": f"self-intersecting (bow-tie) {code} parcel inside a {code} zone",
            "multipart": f"two-part {code} parcel, both parts inside one {code} zone",
        }
        self._accept(
            Planted(geom, code, "compliant", rule, "", f"{tag}: {descriptions[shape_kind]}")
        )

    def unknown_code(self, granted: str, zone_code: str) -> None:
        geom, _ = self._inside([zone_code], self._rect((200, 600)))
        if granted:
            self._accept(
                Planted(
                    geom,
                    granted,
                    "unchecked",
                    "unknown-code",
                    "",
                    f"unknown-code: code {granted!r} is in no code list",
                )
            )
        else:
            self._accept(
                Planted(
                    geom, "", "unchecked", "missing-code", "", "missing-code: empty land-use code"
                )
            )

    # -- parcels across a zone boundary --------------------------------------------------
    def _frame(
        self, line: LineString, b_side: Callable[[np.ndarray], bool]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """A point on the line, its direction and the unit normal pointing to side b."""
        t = self.rng.uniform(0.3, 0.7) * line.length
        p = np.array(line.interpolate(t).coords[0])
        d = unit(np.subtract(line.interpolate(t + 4).coords[0], line.interpolate(t - 4).coords[0]))
        n = perp(d)
        if b_side(p + 3 * n) and not b_side(p - 3 * n):
            return p, d, n
        if b_side(p - 3 * n) and not b_side(p + 3 * n):
            return p, d, -n
        return None

    def _across(
        self,
        a_codes: Sequence[str],
        b_codes: Sequence[str],
        w: float,
        h: float,
        frac: tuple[float, float],
        accept: Callable[[float, float], bool] | None = None,
    ) -> tuple[Polygon, int, int, float, float]:
        """A rectangle from zone a into zone b (b = -1: outside the district) whose share
        of area on b's side is in ``frac``. Returns (geom, a, b, fraction, area across)."""
        rng, ix = self.rng, self.ix
        if b_codes == ("OUTSIDE",):
            sites = [(a, -1, s) for a, s in ix.edge_sites if ix.codes[a] in a_codes]
        else:
            sites = ix.sites(a_codes, b_codes)
        for k in rng.permutation(len(sites))[:400]:
            a, b, line = sites[k]
            if line.geom_type != "LineString" or line.length < 40:
                continue
            if b < 0:

                def b_side(q: np.ndarray) -> bool:
                    return not shapely.contains_xy(ix.district, *q)

                def across(g: BaseGeometry) -> float:
                    return ix.outside_area(g)
            else:

                def b_side(q: np.ndarray, b: int = b) -> bool:
                    return bool(shapely.contains_xy(ix.geoms[b], *q))

                def across(g: BaseGeometry, b: int = b) -> float:
                    return float(shapely.intersection(g, ix.geoms[b]).area)

            frame = self._frame(line, b_side)
            if frame is None:
                continue
            p, d, n = frame
            target = rng.uniform(*frac) * 0.5 + 0.25 * (frac[0] + frac[1])  # mid-range
            lo, hi = -h / 2 - 5, h / 2 + 5
            for _ in range(60):  # bisection on the shift across the boundary
                mid = (lo + hi) / 2
                g = rectangle(p + n * mid, d, w, h)
                if across(g) / g.area < target:
                    lo = mid
                else:
                    hi = mid
            geom = rectangle(p + n * hi, d, w, h)
            share = ix.overlaps(geom)
            far = across(geom)
            fraction = far / geom.area
            zones_ok = set(share) == ({a} if b < 0 else {a, b})
            if b >= 0:
                zones_ok = zones_ok and ix.outside_area(geom) < 1e-6
            if (
                zones_ok
                and frac[0] <= fraction <= frac[1]
                and self.reg.free(geom)
                and (accept is None or accept(fraction, far))
            ):
                return geom, a, b, fraction, far
        raise RuntimeError(f"no site for {a_codes} -> {b_codes} at {frac}")

    def straddle(self, a_codes: Sequence[str], b_codes: Sequence[str]) -> None:
        rng = self.rng
        w, h = rng.uniform(14, 24), rng.uniform(16, 24)
        geom, a, b, fraction, far = self._across(
            a_codes, b_codes, w, h, (0.3, 0.6), lambda f, area: area > 20
        )
        code, planned = self.ix.codes[a], self.ix.codes[b]
        self._accept(
            Planted(
                geom,
                code,
                "violation",
                "zoning-conflict",
                planned,
                f"straddle: {code} parcel with {fraction:.0%} ({far:.0f} m2) in a {planned} zone",
            )
        )

    def sliver(self, a_codes: Sequence[str], b_codes: Sequence[str], small: bool) -> None:
        rng = self.rng
        if small:  # 100-150 m2, 8-15 % across but under 20 m2
            w, h = rng.uniform(9.5, 11), rng.uniform(11, 13.5)
            frac, accept = (0.08, 0.15), (lambda f, area: area < 18)
            tag = "sliver-small"
        else:
            w, h = rng.uniform(25, 42), rng.uniform(30, 45)
            frac, accept = (0.01, 0.03), None
            tag = "sliver"
        geom, a, b, fraction, far = self._across(a_codes, b_codes, w, h, frac, accept)
        if small:
            assert 100 <= geom.area <= 150 and far < 20
        code, other = self.ix.codes[a], self.ix.codes[b]
        self._accept(
            Planted(
                geom,
                code,
                "compliant",
                "",
                "",
                f"{tag}: {code} parcel with {fraction:.1%} ({far:.1f} m2) "
                f"in a {other} zone, under tolerance",
            )
        )

    def partly_outside(self, a_codes: Sequence[str]) -> None:
        w, h = self.rng.uniform(16, 26), self.rng.uniform(18, 26)
        geom, a, _, fraction, _ = self._across(a_codes, ("OUTSIDE",), w, h, (0.3, 0.6))
        code = self.ix.codes[a]
        self._accept(
            Planted(
                geom,
                code,
                "compliant",
                "no-plan-coverage",
                "",
                f"partly-outside: {code} parcel with {fraction:.0%} outside the "
                f"plan, rest in a {code} zone",
            )
        )

    def outside(self, code: str) -> None:
        rng, ix = self.rng, self.ix
        ring = ix.district.exterior
        for _ in range(200):
            t = rng.uniform(0, ring.length)
            p = np.array(ring.interpolate(t).coords[0])
            centre = p + unit(p - CENTRE) * rng.uniform(150, 800)
            a = rng.uniform(0, np.pi)
            geom = rectangle(
                centre, np.array([np.cos(a), np.sin(a)]), rng.uniform(15, 30), rng.uniform(12, 25)
            )
            if geom.distance(ix.district) > 20 and self.reg.free(geom):
                self._accept(
                    Planted(
                        geom,
                        code,
                        "unchecked",
                        "no-plan-coverage",
                        "",
                        f"outside: {code} parcel wholly outside the district",
                    )
                )
                return
        raise RuntimeError("no room outside")

    def multipart_violation(self, a_codes: Sequence[str], b_codes: Sequence[str]) -> None:
        rng, ix = self.rng, self.ix
        sites = ix.sites(a_codes, b_codes)
        for k in rng.permutation(len(sites)):
            a, b, line = sites[k]

            def b_side(q: np.ndarray, b: int = b) -> bool:
                return bool(shapely.contains_xy(ix.geoms[b], *q))

            frame = self._frame(line, b_side)
            if frame is None:
                continue
            p, d, n = frame
            ha, hb = rng.uniform(14, 20), rng.uniform(8, 12)
            part_a = rectangle(p - n * (ha / 2 + 4), d, rng.uniform(14, 20), ha)
            part_b = rectangle(p + n * (hb / 2 + 4), d, rng.uniform(8, 14), hb)
            geom = MultiPolygon([part_a, part_b])
            if (
                ix.zone_with_margin(part_a) == a
                and ix.zone_with_margin(part_b) == b
                and self.reg.free(geom)
            ):
                fraction = part_b.area / geom.area
                assert 0.1 <= fraction <= 0.45 and part_b.area > 20
                assert set(ix.overlaps(geom)) == {a, b}
                code, planned = ix.codes[a], ix.codes[b]
                self._accept(
                    Planted(
                        geom,
                        code,
                        "violation",
                        "zoning-conflict",
                        planned,
                        f"multipart-violation: {code} parcel, one part "
                        f"({fraction:.0%}) wholly in a {planned} zone",
                    )
                )
                return
        raise RuntimeError("no multipart site")

    def shared_edge(self, a_codes: Sequence[str], b_codes: Sequence[str]) -> None:
        """Parcel sharing exactly one straight edge (two vertices) with its zone's boundary."""
        rng, ix = self.rng, self.ix
        sites = ix.sites(a_codes, b_codes)
        for k in rng.permutation(len(sites)):
            a, b, _ = sites[k]
            zone_a, zone_b = ix.geoms[a], ix.geoms[b]
            ring_a = shapely.get_coordinates(zone_a.exterior)
            on_b = {tuple(xy) for xy in shapely.get_coordinates(zone_b)}
            seg = np.hypot(*(ring_a[1:] - ring_a[:-1]).T)
            for s in rng.permutation(np.flatnonzero((seg >= 10) & (seg <= 40))):
                v0, v1 = ring_a[s], ring_a[s + 1]
                if tuple(v0) not in on_b or tuple(v1) not in on_b:
                    continue
                if zone_b.boundary.distance(Point((v0 + v1) / 2)) > 1e-6:
                    continue
                n = perp(unit(v1 - v0))
                if not zone_a.contains(Point((v0 + v1) / 2 + n * 0.5)):
                    n = -n
                depth = max(rng.uniform(10, 18), 130 / seg[s])
                geom = Polygon([v0, v1, v1 + n * depth, v0 + n * depth])
                share = ix.overlaps(geom)
                if (
                    geom.is_valid
                    and shapely.covered_by(geom, zone_a)
                    and set(share) == {a}
                    and shapely.intersects(geom, zone_b)
                    and self.reg.free(geom)
                ):
                    assert shapely.intersection(geom, zone_b).area < 1e-6
                    code, other = ix.codes[a], ix.codes[b]
                    self._accept(
                        Planted(
                            geom,
                            code,
                            "compliant",
                            "",
                            "",
                            f"shared-edge: {code} parcel sharing a straight edge "
                            f"exactly with a {other} zone",
                        )
                    )
                    return
        raise RuntimeError("no shared-edge site")

    def hole_around_zone(self) -> None:
        """An ONT parcel whose hole is exactly a pond zone inside the ONT zone."""
        rng, ix = self.rng, self.ix
        for a in rng.permutation(np.flatnonzero(ix.codes == "ONT")):
            zone = ix.geoms[a]
            for interior in zone.interiors:
                pond = Polygon(interior)
                hits = ix.tree.query(pond.representative_point(), predicate="within")
                if len(hits) != 1 or ix.codes[hits[0]] != "NTS":
                    continue
                xmin, ymin, xmax, ymax = pond.bounds
                centre = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
                shell = rectangle(centre, np.array([1.0, 0.0]), xmax - xmin + 16, ymax - ymin + 14)
                geom = Polygon(shell.exterior, [interior])
                if not (
                    geom.is_valid
                    and shell.buffer(MARGIN).within(Polygon(zone.exterior))
                    and self.reg.free(geom)
                ):
                    continue
                share = ix.overlaps(geom)
                assert set(share) == {a}, share
                assert shapely.intersection(geom, ix.geoms[hits[0]]).area < 1e-6
                self._accept(
                    Planted(
                        geom,
                        "ONT",
                        "compliant",
                        "",
                        "",
                        "hole-around-zone: ONT parcel whose hole is exactly an "
                        "NTS pond zone inside the ONT zone",
                    )
                )
                return
        raise RuntimeError("no pond inside an ONT zone")

    def empty_geometry(self, code: str) -> None:
        self._accept(
            Planted(
                None,
                code,
                "unchecked",
                "empty-geometry",
                "",
                f"empty-geometry: {code} decision with a null shape",
            )
        )


def plant_cases(
    rng: np.random.Generator, index: PlanIndex, layout: Layout, registry: Registry
) -> list[Planted]:
    b = CaseBuilder(rng, index, registry)
    rice = ("LUC", "LUK")
    along = {
        code: [c.centreline for c in layout.corridors if c.code == code] for code in LINEAR_CODES
    }
    for granted, zone_code, count, area in (
        ("ODT", "LUC", 3, (120, 300)),
        ("ONT", "LUC", 4, (200, 400)),
        ("ONT", "LUK", 2, (200, 400)),
        ("TMD", "LUC", 2, (500, 1500)),
        ("TMD", "LUK", 1, (500, 1500)),
        ("SKC", "LUC", 2, (1000, 1900)),
        ("SKC", "LUK", 1, (1000, 1900)),
        ("ONT", "NTD", 2, (150, 300)),
        ("TMD", "DGD", 2, (300, 800)),
        ("SKC", "NTS", 2, (600, 1200)),
    ):
        for _ in range(count):
            b.inside_violation(granted, zone_code, area)
    for granted, zone_code, count, area in (
        ("ONT", "DGT", 2, (110, 150)),
        ("ONT", "SON", 2, (150, 400)),
        ("ONT", "DTL", 1, (100, 120)),
    ):
        for _ in range(count):
            b.inside_violation(granted, zone_code, area, along[zone_code])
    for a_codes, b_codes, count in (
        (("ONT",), ("LUC",), 4),
        (("ONT",), ("LUK",), 2),
        (("ODT",), rice, 2),
        (("TMD",), rice, 2),
        (("ONT",), ("DGT",), 2),
    ):
        for _ in range(count):
            b.straddle(a_codes, b_codes)
    for a_codes, b_codes, count in (
        (("ONT",), ("LUC",), 4),
        (("ONT",), ("LUK",), 2),
        (("ODT",), rice, 1),
        (("TMD",), rice, 1),
        (("ONT",), ("DGT",), 1),
    ):
        for _ in range(count):
            b.sliver(a_codes, b_codes, small=False)
    for a_codes, b_codes in (
        (("ONT",), ("LUC",)),
        (("ONT",), ("LUC",)),
        (("ONT",), ("LUK",)),
        (("ONT",), ("DGT",)),
    ):
        b.sliver(a_codes, b_codes, small=True)
    for a_codes, b_codes in (
        (("ONT",), ("LUC",)),
        (("ONT",), ("LUC",)),
        (("ONT",), ("LUK",)),
        (("TMD",), rice),
    ):
        b.multipart_violation(a_codes, b_codes)
    for code in ("ONT", "LUC"):
        b.compliant_inside("multipart-compliant", code, "multipart")
    for code in ("ONT", "LUC", "ODT"):
        b.compliant_inside("hole", code, "hole")
    b.hole_around_zone()
    for code in ("ONT", "LUC", "HNK"):
        b.compliant_inside("bowtie", code, "bowtie")
    for code in ("ONT", "LUC", "HNK"):
        b.outside(code)
    for a_codes in (("LUC",), ("LUK",), ("ONT", "HNK", "CLN"), ("LUC", "NTS")):
        b.partly_outside(a_codes)
    for granted, zone_code in (
        ("XYZ", "ONT"),
        ("ABC1", "LUC"),
        ("QQQ", "HNK"),
        ("", "ONT"),
        ("", "LUK"),
    ):
        b.unknown_code(granted, zone_code)
    for code in ("ONT", "LUC"):
        b.empty_geometry(code)
    for a_codes, b_codes in (
        (("ONT",), ("LUC",)),
        (("ONT",), ("LUK",)),
        (("ONT",), ("DGT",)),
        (("LUC",), ("ONT",)),
    ):
        b.shared_edge(a_codes, b_codes)
    return b.cases


# ----------------------------------------------------------------------- ordinary parcels


def ordinary_parcels(
    rng: np.random.Generator,
    index: PlanIndex,
    registry: Registry,
    allow: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> pd.DataFrame:
    """N_ORDINARY compliant parcels, each with a 2 m margin inside one allowed zone, off the
    reserved projects and off every corridor that does not allow their code."""
    ix = index
    xmin, ymin, xmax, ymax = ix.district.bounds
    top = max(DENSITY.values())
    n_points = int(top * (xmax - xmin) * (ymax - ymin) / 10_000)
    xy = rng.uniform([xmin, ymin], [xmax, ymax], (n_points, 2))
    pt_idx, zone_idx = ix.tree.query(shapely.points(xy), predicate="within")
    xy = xy[pt_idx]
    zone_code = ix.codes[zone_idx]
    density = np.array([DENSITY.get(c, 0.0) for c in zone_code])
    keep = rng.random(len(xy)) < density / top
    xy, zone_idx, zone_code = xy[keep], zone_idx[keep], zone_code[keep]
    n = len(xy)

    granted = np.array([pick(rng, ALLOWED[c]) for c in zone_code], dtype=object)
    shape = np.array([SHAPE[g] for g in granted])
    area = np.exp(rng.uniform(np.log(shape[:, 0]), np.log(shape[:, 1])))
    aspect = rng.uniform(shape[:, 2], shape[:, 3])
    w, h = np.sqrt(area * aspect), np.sqrt(area / aspect)
    zone_angle = rng.uniform(0, np.pi, len(ix.geoms))  # parcels in a zone share a direction
    angle = zone_angle[zone_idx] + rng.normal(0, 0.05, n)
    local = (
        np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)])[None]
        * 0.5
        * np.stack([w, h], axis=1)[:, None, :]
    )
    local = local + rng.uniform(-0.5, 0.5, local.shape)  # quadrilaterals, not exact rectangles
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    corners = (
        np.stack(
            [local[..., 0] * cos - local[..., 1] * sin, local[..., 0] * sin + local[..., 1] * cos],
            axis=-1,
        )
        + xy[:, None, :]
    )
    polys = shapely.polygons(np.concatenate([corners, corners[:, :1]], axis=1))

    area = shapely.area(polys)
    fits = (area >= 100) & (area <= 2_000)
    fits &= shapely.contains(ix.geoms[zone_idx], shapely.buffer(polys, MARGIN))
    clash_idx, _ = shapely.STRtree(np.array(registry.hulls)).query(
        polys, predicate="dwithin", distance=GAP
    )
    fits[clash_idx] = False
    idx = np.flatnonzero(fits)
    fits[idx] &= allow(polys[idx], granted[idx])
    cand = np.flatnonzero(fits)
    polys = polys[cand]
    # Greedy non-overlap in the (random) sampling order.
    left, right = shapely.STRtree(polys).query(polys, predicate="dwithin", distance=GAP)
    mask = left != right
    left, right = left[mask], right[mask]
    order = np.argsort(left, kind="stable")
    left, right = left[order], right[order]
    starts = np.searchsorted(left, np.arange(len(polys) + 1))
    accepted = np.zeros(len(polys), dtype=bool)
    count = 0
    for i in range(len(polys)):
        if not accepted[right[starts[i] : starts[i + 1]]].any():
            accepted[i] = True
            count += 1
            if count == N_ORDINARY:
                break
    assert accepted.sum() == N_ORDINARY, accepted.sum()
    chosen = cand[accepted]
    geoms = polys[accepted]
    for g in geoms:
        registry.add(g)
    out = pd.DataFrame(
        {
            "geometry": geoms,
            "granted": granted[chosen],
            "host": zone_code[chosen],
            "zone": zone_idx[chosen],
        }
    )
    # Ordinary parcels: assert the promise (2 m margin inside a zone that allows the code).
    margin_ok = shapely.contains(ix.geoms[out["zone"].to_numpy()], shapely.buffer(geoms, MARGIN))
    assert margin_ok.all()
    assert all(g in dict(ALLOWED[z]) for g, z in zip(out.granted, out.host, strict=True))
    assert (shapely.area(geoms) >= 100).all() and (shapely.area(geoms) <= 2_000).all()
    # About 3 % written untidily: lower/mixed case or a leading space (still valid codes).
    # No leading space on "ONT+CLN"-style codes: the DBF field is sized by GDAL (RESIZE) to
    # the longest value without its spaces, 7 characters, and " ont+cln" would be cut.
    messy = rng.random(len(out)) < 0.03
    styles = (str.lower, str.title, lambda s: " " + s, lambda s: " " + s.lower())
    out["written"] = [
        styles[rng.integers(len(styles) if len(g) == 3 else 2)](g) if m else g
        for g, m in zip(out.granted, messy, strict=True)
    ]
    return out


# --------------------------------------------------------------------- decision attributes


def person_name(rng: np.random.Generator) -> str:
    male = rng.random() < 0.6
    middle = MIDDLE_M if male else MIDDLE_F
    given = GIVEN_M if male else GIVEN_F
    return (
        f"{pick(rng, FAMILY)} {middle[rng.integers(len(middle))]} {given[rng.integers(len(given))]}"
    )


def owner_name(rng: np.random.Generator, code: str, kind: str, ten_xa: str) -> str:
    place = ten_xa.removeprefix("Xã ").removeprefix("Thị trấn ")
    if code in ("SKN", "SKC", "TMD") and kind in ("lease", "allocation") and rng.random() < 0.85:
        form = "TNHH" if rng.random() < 0.6 else "CP"
        return f"Công ty {form} {FIRMS[rng.integers(len(FIRMS))]}"
    if code == "DGD":
        level = ("Mầm non", "Tiểu học", "THCS")[rng.integers(3)]
        return f"Trường {level} {place}"
    if code == "NTD":
        unit_name = ten_xa.replace("Xã ", "xã ").replace("Thị trấn ", "thị trấn ")
        return f"UBND {unit_name}"
    return person_name(rng)


def decision_attributes(
    rng: np.random.Generator, rows: pd.DataFrame, index: PlanIndex, world: sample_plan.World
) -> tuple[pd.DataFrame, list[str], list[str], list[dt.date]]:
    """so_qd, ngay_qd, hinh_thuc, shbando, shthua, mucdichcu, ma_xa, dientich, tenchu; also
    the kind, previous code and date of every row."""
    ix = index
    n = len(rows)
    communes = dict(COMMUNES)
    # Commune: of the zone holding most of the parcel; nearest zone if outside; else random.
    ma_xa = []
    for geom in rows.geometry:
        if geom is None:
            ma_xa.append(COMMUNES[1 + rng.integers(len(COMMUNES) - 1)][0])
            continue
        share = index.overlaps(geom)
        zi = max(share, key=share.get) if share else int(ix.tree.nearest(geom))
        ma_xa.append(ix.plan.at[zi, "ma_xa"])
    kinds: list[str] = []
    previous: list[str] = []
    for base, prev, forced, no_conv, host in zip(
        rows.base, rows.previous, rows.kind, rows.no_conversion, rows.host, strict=True
    ):
        if forced:
            kind = forced
        elif prev:
            kind = "conversion"
        else:
            mix = KIND_MIX[CATEGORY.get(base, "other")]
            if no_conv:
                mix = tuple((k, w) for k, w in mix if k != "conversion")
            kind = pick(rng, mix)
        if kind == "conversion" and not prev:
            prev = pick(rng, PREVIOUS[base.split("+")[0]])
            # An ordinary conversion from protected land only where the zone designates the
            # new use (SKC in an SKN zone is allowed, not designated: convert from HNK).
            codes = sample_plan.split_code(base)
            if (
                host >= 0
                and prev in sample_rules.PROTECTED
                and not world.compat.designates(ix.codes[host], codes)
            ):
                prev = "HNK"
        kinds.append(kind)
        previous.append(prev)
    dates = sample_plan.assign_dates(rng, rows, kinds, previous, ma_xa, world)
    hinh_thuc = [pick(rng, KIND_VALUES[k]) for k in kinds]
    owners = [
        owner_name(rng, base, kind.removesuffix("-free"), communes[xa])
        for base, kind, xa in zip(rows.base, kinds, ma_xa, strict=True)
    ]
    kinds = [k.removesuffix("-free") for k in kinds]
    numbers = rng.choice(np.arange(1, 10_000), size=n, replace=False)
    iso = rng.random(n) < 0.12
    drawn = np.array(
        [shapely.make_valid(g).area if g is not None else np.nan for g in rows.geometry]
    )
    drawn[np.isnan(drawn)] = rng.uniform(150, 600, np.isnan(drawn).sum())
    legal = np.round(drawn * (1 + rng.normal(0, 0.01, n)), 1)

    # Map sheets: a 500 m grid; parcels numbered top-left to bottom-right within a sheet.
    x0, _, _, y1 = ix.district.buffer(1_000).bounds
    reps = [g.representative_point() if g is not None else None for g in rows.geometry]
    ncols = int(np.ceil((ix.district.bounds[2] + 1_000 - x0) / 500))
    sheet = np.zeros(n, dtype=np.int32)
    rx, ry = np.full(n, np.nan), np.full(n, np.nan)
    for i, p in enumerate(reps):
        if p is None:
            continue
        rx[i], ry[i] = p.x, p.y
        sheet[i] = int((y1 - p.y) // 500) * ncols + int((p.x - x0) // 500) + 1
    empty = np.flatnonzero(sheet == 0)
    used = np.unique(sheet[sheet > 0])
    sheet[empty] = rng.choice(used, size=len(empty), replace=False)
    parcel_no = np.zeros(n, dtype=np.int32)
    order = np.lexsort((np.nan_to_num(rx, nan=np.inf), np.nan_to_num(-ry, nan=np.inf), sheet))
    for s in np.unique(sheet):
        members = order[sheet[order] == s]
        parcel_no[members] = np.arange(1, len(members) + 1)

    attrs = pd.DataFrame(
        {
            "so_qd": [f"{k}/QĐ-UBND" for k in numbers],
            "ngay_qd": [
                d.isoformat() if i else d.strftime("%d/%m/%Y")
                for d, i in zip(dates, iso, strict=True)
            ],
            "hinh_thuc": hinh_thuc,
            "shbando": sheet,
            "shthua": parcel_no,
            "kyhieumucd": rows.written.to_list(),
            "mucdichcu": previous,
            "ma_xa": ma_xa,
            "dientich": legal,
            "tenchu": owners,
        }
    )
    return attrs, kinds, previous, dates


def append_cases(
    rng: np.random.Generator,
    cases: list[Planted],
    rows: pd.DataFrame,
    decisions: gpd.GeoDataFrame,
    kinds: list[str],
    previous: list[str],
    dates: list[dt.date],
    index: PlanIndex,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame, list[str], list[str], list[dt.date]]:
    """Append planted decisions after every existing row (land cover): their attributes are
    made like the others' (unused decision numbers, the same map-sheet grid with the next
    parcel numbers of the sheet, kinds as officials write them)."""
    ix = index
    m = len(cases)
    new_rows = pd.DataFrame(
        {
            "geometry": [c.geometry for c in cases],
            "written": [c.granted for c in cases],
            "base": [c.granted for c in cases],
            "previous": [c.previous for c in cases],
            "kind": [c.kind for c in cases],
            "date": [c.date for c in cases],
            "no_conversion": [True] * m,
            "status": [c.status for c in cases],
            "rule": [c.rule for c in cases],
            "planned": [c.planned for c in cases],
            "extra": [c.extra for c in cases],
            "group": -1,
            "duplicate": "",
            "case": [c.case for c in cases],
            "host": -1,
        }
    )
    communes = dict(COMMUNES)
    ma_xa = []
    for geom in new_rows.geometry:
        share = ix.overlaps(geom)
        assert len(share) == 1
        ma_xa.append(ix.plan.at[next(iter(share)), "ma_xa"])
    used = {int(s.split("/")[0]) for s in decisions.so_qd}
    numbers = rng.choice(np.array(sorted(set(range(1, 10_000)) - used)), size=m, replace=False)
    x0, _, _, y1 = ix.district.buffer(1_000).bounds
    ncols = int(np.ceil((ix.district.bounds[2] + 1_000 - x0) / 500))
    sheets = decisions.shbando.to_numpy()
    numbers_in = decisions.shthua.to_numpy()
    next_no: dict[int, int] = {}
    sheet, parcel_no = [], []
    for geom in new_rows.geometry:
        p = geom.representative_point()
        s = int((y1 - p.y) // 500) * ncols + int((p.x - x0) // 500) + 1
        if s not in next_no:
            mine = numbers_in[sheets == s]
            next_no[s] = int(mine.max()) + 1 if len(mine) else 1
        sheet.append(s)
        parcel_no.append(next_no[s])
        next_no[s] += 1
    iso = rng.random(m) < 0.12
    attrs = pd.DataFrame(
        {
            "so_qd": [f"{k}/QĐ-UBND" for k in numbers],
            "ngay_qd": [
                c.date.isoformat() if i else c.date.strftime("%d/%m/%Y")
                for c, i in zip(cases, iso, strict=True)
            ],
            "hinh_thuc": [pick(rng, KIND_VALUES[c.kind]) for c in cases],
            "shbando": np.array(sheet, dtype=np.int32),
            "shthua": np.array(parcel_no, dtype=np.int32),
            "kyhieumucd": [c.granted for c in cases],
            "mucdichcu": [c.previous for c in cases],
            "ma_xa": ma_xa,
            "dientich": [
                round(float(c.geometry.area * (1 + rng.normal(0, 0.01))), 1) for c in cases
            ],
            "tenchu": [
                owner_name(rng, c.granted, c.kind, communes[xa])
                for c, xa in zip(cases, ma_xa, strict=True)
            ],
        }
    )
    text = attrs.select_dtypes(exclude="number").columns
    attrs[text] = attrs[text].apply(nfc)
    added = gpd.GeoDataFrame(attrs, geometry=new_rows.geometry.to_list(), crs=CRS)
    decisions = gpd.GeoDataFrame(pd.concat([decisions, added], ignore_index=True), crs=CRS)
    assert decisions.shbando.dtype == np.int32 and decisions.shthua.dtype == np.int32
    pairs = rows.duplicate[rows.duplicate != ""]
    assert decisions.so_qd.duplicated().sum() == len(pairs) - pairs.nunique()
    rows = pd.concat([rows, new_rows], ignore_index=True)
    assert not decisions[rows.duplicate == ""].duplicated(["shbando", "shthua"]).any()
    # The appended parcels keep clear of every other one.
    geoms = decisions.geometry.to_numpy()
    hulls = shapely.convex_hull(geoms[len(geoms) - m :])
    others = shapely.convex_hull(geoms[: len(geoms) - m][[g is not None for g in geoms[:-m]]])
    near, _ = shapely.STRtree(others).query(hulls, predicate="dwithin", distance=GAP)
    assert len(near) == 0, "land-cover parcels touch others"
    return (
        rows,
        decisions,
        kinds + [c.kind for c in cases],
        previous + [c.previous for c in cases],
        dates + [c.date for c in cases],
    )


# ---------------------------------------------------------------------------- writing


def nfc(values: pd.Series) -> pd.Series:
    return values.map(lambda s: unicodedata.normalize("NFC", s) if isinstance(s, str) else s)


def read_dbf_text(path: Path, field: str) -> list[str]:
    """Raw DBF text of one field (GDAL strips leading spaces; this does not)."""
    data = path.read_bytes()
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    offset, pos, width = 1, 32, 0
    while data[pos] != 0x0D:
        name = data[pos : pos + 11].split(b"\0")[0].decode()
        width = data[pos + 16]
        if name == field:
            break
        offset += width
        pos += 32
    else:
        raise KeyError(field)
    out = []
    for r in range(n_records):
        start = header_len + r * record_len + offset
        out.append(data[start : start + width].decode("utf-8").rstrip(" "))
    return out


def write_outputs(
    plan: gpd.GeoDataFrame,
    world: sample_plan.World,
    decisions: gpd.GeoDataFrame,
    truth: pd.DataFrame,
    quotas: pd.DataFrame,
) -> None:
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{DATA_DATE}T00:00:00Z"})
    for name, layer, frame, multi in (
        ("plan.gpkg", "plan", plan, False),
        ("plan_2023.gpkg", "plan", world.plan2023, False),
        ("projects.gpkg", "projects", world.projects_frame(), False),
        ("corridors.gpkg", "corridors", world.corridors, True),
    ):
        gpkg = HERE / name
        gpkg.unlink(missing_ok=True)
        frame.to_file(gpkg, layer=layer, driver="GPKG", engine="pyogrio", promote_to_multi=multi)
    folder = HERE / "decisions"
    folder.mkdir(exist_ok=True)
    for ext in ("shp", "shx", "dbf", "prj", "cpg"):
        (folder / f"decisions.{ext}").unlink(missing_ok=True)
    decisions.to_file(
        folder / "decisions.shp",
        driver="ESRI Shapefile",
        engine="pyogrio",
        encoding="UTF-8",
        layer_options={"DBF_DATE_LAST_UPDATE": DATA_DATE, "RESIZE": "YES"},
    )
    truth.to_csv(HERE / "ground_truth.csv", index=False, lineterminator="\n", encoding="utf-8")
    quotas.to_csv(HERE / "quotas.csv", index=False, lineterminator="\n", encoding="utf-8")
    (HERE / "landplan.toml").write_text(
        f'as_of = "{sample_plan.AS_OF}"\n'
        f'plan_start = "{sample_plan.PLAN_START}"\n'
        f'plan_end = "{sample_plan.PLAN_END}"\n',
        encoding="utf-8",
    )


def verify_outputs(decisions: gpd.GeoDataFrame, truth: pd.DataFrame) -> None:
    """Read the files back and check what readers will see."""
    shp = HERE / "decisions" / "decisions.shp"
    back = gpd.read_file(shp, engine="pyogrio")
    assert back.crs.to_epsg() == 9209 and len(back) == len(decisions)
    assert list(back.columns[:-1]) == list(decisions.columns[:-1])
    assert (HERE / "decisions" / "decisions.cpg").read_text().strip() == "UTF-8"
    assert back.geometry.isna().sum() == (truth.expected_rule == "empty-geometry").sum()
    valid = back.geometry.dropna().is_valid
    assert (~valid).sum() == (truth.expected_rule == "invalid-geometry").sum()
    raw = read_dbf_text(HERE / "decisions" / "decisions.dbf", "kyhieumucd")
    assert raw == decisions.kyhieumucd.fillna("").to_list(), "codes survive exactly in the DBF"
    rows = truth[truth.layer == "decisions"]
    assert (back.so_qd.to_numpy()[rows.source_row] == rows.so_qd.to_numpy()).all()
    columns = ["maloaidat", "ma_xa", "ten_xa", "dientich", "geometry"]
    base = gpd.read_file(HERE / "plan.gpkg", layer="plan", engine="pyogrio")
    adjusted = gpd.read_file(HERE / "plan_2023.gpkg", layer="plan", engine="pyogrio")
    for plan in (base, adjusted):
        assert plan.crs.to_epsg() == 9209 and list(plan.columns) == columns
    changed = base.maloaidat != adjusted.maloaidat
    assert 4 <= changed.sum() <= 8
    assert base.drop(columns="maloaidat").equals(adjusted.drop(columns="maloaidat"))
    projects = gpd.read_file(HERE / "projects.gpkg", layer="projects", engine="pyogrio")
    assert set(projects.nam) == set(sample_plan.PROJECT_YEARS)
    assert projects.nam.dtype.kind == "i"


def build_truth(
    rows: pd.DataFrame,
    decisions: gpd.GeoDataFrame,
    kinds: list[str],
    world: sample_plan.World,
) -> pd.DataFrame:
    """One row per expected finding, one row with an empty rule per planted near miss."""
    records = []
    for i in np.flatnonzero(rows["case"] != ""):
        rules = [(rows.rule.iat[i], rows.planned.iat[i])] if rows.rule.iat[i] else []
        rules += list(rows.extra.iat[i])
        rules = [
            (
                "conversion-contrary-to-plan"
                if r == "zoning-conflict" and kinds[i] == "conversion"
                else r,
                p,
            )
            for r, p in rules
        ] or [("", "")]
        for rule, planned in rules:
            records.append(
                (
                    "decisions",
                    int(i),
                    decisions.so_qd.iat[i],
                    rows.status.iat[i],
                    rule,
                    planned,
                    rows.written.iat[i],
                    rows["case"].iat[i],
                )
            )
    # --- adjustment-legalises-violation (issue 16) -----------------------------------------
    # The planted violations dated before the 2023-07-01 adjustment inside a zone it changed
    # to a code that allows them (version-before; the version-boundary lease of 2023-06-30)
    # are legalised by it: one finding on that zone of plan_2023.gpkg (layer "plan").
    legalised = rows["case"].str.startswith(("version-before", "version-boundary")) & (
        rows["status"] == "violation"
    )
    for i in np.flatnonzero(legalised.to_numpy()):
        g = decisions.geometry.iat[i]
        zone = next(z for z in world.changed if world.plan2023.geometry.iat[z].contains(g))
        old, new = world.changed[zone]
        case = (
            f"legalised: the 2023-07-01 adjustment changed zone row {zone} {old}->{new}, "
            f"legalising decision {decisions.so_qd.iat[i]} ({rows.written.iat[i]}, "
            f"{rows.date.iat[i]}), a violation of the base plan"
        )
        records.append(
            ("plan", int(zone), decisions.so_qd.iat[i], "", "adjustment-legalises-violation",
             new, rows.written.iat[i], case)
        )
    for k, p in enumerate(world.projects):
        if p.role == "stale":
            case = f"stale: {p.year} project without any decision by {sample_plan.AS_OF}"
            records.append(("projects", k, "", "", "stale-plan-item", p.code, "", case))
        elif p.role == "empty":
            case = f"stale-near: {p.year} project without decisions, not due before {p.year + 2}"
            records.append(("projects", k, "", "", "", "", "", case))
    truth = pd.DataFrame(
        records,
        columns=[
            "layer",
            "source_row",
            "so_qd",
            "expected_status",
            "expected_rule",
            "planned",
            "granted",
            "case",
        ],
    )
    return truth.sort_values(["layer", "source_row", "expected_rule"], kind="stable").reset_index(
        drop=True
    )


README = """\
# landplan sample data (synthetic)

Made-up but realistic data to try and test `landplan`: a land-use plan for a rural district, its
mid-term adjustment, the annual plan's projects, restriction corridors, conversion quotas and a
few thousand land decisions (parcels) to check against them. Nothing here is real: the district
outline, zones, parcels, decision numbers, projects and owner names are all generated. The place
is modelled on the Gia Lộc area of Hải Dương (around lon 106.30, lat 20.87); commune names are
real place names, their 5-digit codes are invented.

Regenerate with `python sample_data/generate.py` (deterministic, seed 20251, no network, about
twenty seconds; reruns give byte-identical files). The docstrings of `generate.py`,
`sample_plan.py` and `sample_landcover.py` explain how every part is built. `sample_rules.py`
then reads the written files back, evaluates every rule below on every decision and project, and
the generator asserts that the result is exactly `ground_truth.csv`.

## Files

All vector layers are in EPSG:9209 (VN-2000 / TM-3 105-30); the land-cover rasters are in
EPSG:32648 (WGS 84 / UTM 48N).

* `plan.gpkg`, layer `plan`: the **base plan, approved 2020-12-31**. {n_zones} zones (Polygons)
  that partition the district exactly. Columns: `maloaidat` (planned land-use code), `ma_xa`
  (5-digit commune code, text), `ten_xa` (commune name), `dientich` (area, m²).
* `plan_2023.gpkg`, layer `plan`: the **plan adjustment, approved 2023-07-01**: a complete plan
  with the same zones, rows and columns; only `maloaidat` of {n_changed} zones differs (below).
* `decisions/decisions.shp` (+ `.shx .dbf .prj .cpg`): {n_rows} decisions, one parcel each,
  DBF text in UTF-8 (the `.cpg` says so).
* `projects.gpkg`, layer `projects`: the annual district land-use plans' projects, {n_projects}
  Polygons: {n_2023} of 2023 and {n_2024} of 2024.
* `corridors.gpkg`, layer `corridors`: {n_corridors} restriction overlays (MultiPolygons).
* `quotas.csv`: the 5-year plan's conversion quotas ({n_quotas} rows).
* `landcover_2021.tif`, `landcover_2025.tif`: land-cover rasters dated {lc_dates}, and
  `landcover.csv`, which lists them (`path,date`; paths relative to it). See below.
* `landplan.toml`: the check configuration of the sample (evaluation date and plan period).
* `ground_truth.csv`: the expected findings ({n_truth} rows, see the end).
* `generate.py`, `sample_plan.py`, `sample_landcover.py`, `sample_rules.py`: the generator and
  its independent check.

District: about {width:.1f} km × {height:.1f} km, {area:.1f} km², {n_communes} communes (one a
town). Zones per code in the base plan: {zone_counts}.

### Plan versions

A decision is checked against the latest version approved on or before its date. One dated
before every approval was issued under the previous plan, which the sample does not have
(Land Law 2024 Art. 60: an expired plan stays in force until the next is approved): it is
unchecked (`no-plan-version`), not judged against the base plan. The zones the adjustment
changes (`fid` is the GeoPackage feature id, `row` the 0-based row, the same in both files):

| fid | row | commune | base plan | adjustment | area (ha) |
|---|---|---|---|---|---|
{changed_table}

### Decision fields (DBF names, at most 10 characters)

* `so_qd` (text): decision number, e.g. `1234/QĐ-UBND`; unique except two planted duplicate pairs.
* `ngay_qd` (text): decision date, mostly `dd/mm/yyyy`, about 12 % `yyyy-mm-dd`. Ordinary rows
  lie within 2021-01-01..2025-12-31; only planted cases of `outside-plan-period` and
  `no-plan-version` are dated in 2020 or 2026.
* `hinh_thuc` (text): kind of decision, as officials write it:
{kinds}
  * planted (see the cases `kind-spelling` to `unknown-kind-violation`): other spellings
    (`QĐ giao đất`, `Nhà nước cho thuê đất trả tiền hàng năm`, `DG-CTT`, `DT-THN`, `CNQ-KTT`,
    `12`, `CMĐSDĐ`, `Chuyển MĐSDĐ`, …), recoveries (`Thu hồi đất`, `QĐ thu hồi đất`), a transfer
    (`NCQ-3`) and unreadable kinds (`GCNQSDĐ`, `Cấp GCNQSDĐ`, blank).
* `shbando`, `shthua` (integers): map sheet and parcel number; the pair is unique except for
  the duplicate pairs.
* `kyhieumucd` (text): granted land-use code (`KyHieuMucDichSuDung` cut to 10 characters);
  Circular 27/2018 codes, plus `ONT+CLN` and `ODT+CLN`.
* `mucdichcu` (text): previous code, only for conversions (empty otherwise).
* `ma_xa` (text): commune code.
* `dientich` (real): legal area in m², within about 1 % of the drawn area.
* `tenchu` (text): owner; fake Vietnamese person names, companies, schools, commune people's
  committees.

Things readers should know:

* Empty text (`mucdichcu` of non-conversions, the two missing codes) is read back by GDAL/pyogrio
  as null, not `''`.
* About 3 % of ordinary parcels write the code untidily (`ont`, `Luc`, ` ONT`, ` ont`). The DBF
  keeps the leading space, but GDAL/pyogrio strip it on reading; trailing spaces cannot be told
  from DBF padding, so none are written.
* {n_empty} rows have a null shape (empty geometry) and {n_invalid} rows hold self-intersecting
  (bow-tie) polygons; some parcels are MultiPolygons and some have holes. `dientich` of a bow-tie
  is the area of the repaired shape (shapely's area of the invalid ring is smaller).
* DBF text fields are sized to their longest value (GDAL `RESIZE=YES`), e.g. `kyhieumucd` is 7
  characters wide. The `.prj` is the ESRI WKT GDAL writes (datum `D_Vietnam_2000`, no TOWGS84);
  GDAL and pyproj identify it as EPSG:9209.
* Parcels do not overlap or touch (at least 1 m apart) except the planted double-allocation
  pairs and the duplicate pairs; only planted cases cross zone borders.

### Projects (`projects.gpkg`)

Columns: `ten_da` (project name), `nam` (year, integer), `maloaidat` (purpose code), `ma_xa`
(commune code). Each project is a 1-3 ha part of one plan zone, with that zone's code as its
purpose, except one service area (TMD) inside an industrial-cluster (SKN) zone. No project lies
in a zone the adjustment changes.

| row | nam | maloaidat | ma_xa | ten_da | role in the sample |
|---|---|---|---|---|---|
{project_table}

### Corridors (`corridors.gpkg`)

Columns: `ten` (name), `loai` (kind: `hanh_lang_de` dyke corridor, `hanh_lang_giao_thong` road
safety corridor, `di_tich` relic site), `cho_phep` (allowed land-use codes, comma-separated).
The dyke corridors are the 30 m bands along each bank of the river zone (SON), the road corridor
the 20 m bands on each side of QL37's road zone; the river and road zones themselves are not in
the corridors. Ordinary parcels that touch a corridor carry a code it allows.

| row | ten | loai | cho_phep | area (ha) |
|---|---|---|---|---|
{corridor_table}

### Quotas (`quotas.csv`)

Columns: `unit` (a `ma_xa` code, or `*` for the whole district), `from` and `to` (a land-use
code, matching itself and its descendants, or a group name, `agricultural` or
`non-agricultural`), `quota_ha` (hectares). A conversion counts towards a row when its previous
code (`mucdichcu`) matches `from`, the first component of its granted code matches `to` and its
`ma_xa` matches `unit`; its area is the parcel's area. The quota of commune {quota_commune}
for rice to non-agricultural use ({quota_value} ha) lies half-way through the first
conversion beyond it; every other quota is at least 20 % above what is converted. Every rice
conversion counted there is otherwise compliant and lies wholly inside the plan, and the drawn
and the legal (`dientich`) areas give the same result.

{quota_table}

### Land cover (`landcover_2021.tif`, `landcover_2025.tif`, `landcover.csv`)

```csv
{lc_csv}```

Two observations of the district's land cover, as a classifier of satellite images would give
them (synthetic):

* GeoTIFF, one band, `uint8`, categorical, nodata `0`; tiled 256 × 256, DEFLATE, with the
  classes' colours as a colour table; the date is also in the `DATE` metadata tag.
* CRS **EPSG:32648** (WGS 84 / UTM 48N), unlike the vectors (EPSG:9209): a reader must
  reproject the parcels to the raster's CRS (the sample's truth uses pyproj's default
  transformation, which geopandas `to_crs` and GDAL both pick, "VN-2000 to WGS 84 (2)"; every
  land-cover result also holds with "VN-2000 to WGS 84 (1)", about 0.7 m away).
* 10 m pixels, north-up, {lc_width} × {lc_height} pixels, origin (upper left) x = {lc_x0:.0f},
  y = {lc_y1:.0f}: the district's bounding box in EPSG:32648 with a margin of {lc_margin:.0f} m
  (snapped to 10 m). The margin is that wide so that every parcel, including those planted
  outside the district, lies on the rasters.
* Values (`landplan/data/landcover/classes.csv`; `built` and `bare` count as developed):

| value | class | name | developed |
|---|---|---|---|
{lc_classes}

How the cover is painted (`sample_landcover.py`): each zone gets a mix of the classes expected
for its code, the base plan on the 2021 image and the 2023 adjustment on the 2025 one (e.g. LUC
and LUK fields of cropland with flooded patches of water and wetland; ONT villages of built-up
land with trees, grass and garden plots, a little more built-up in 2025; ODT town blocks; NTS
and SON water; DGT roads built-up; CLN trees; HNK cropland and grass; NTD grass and trees;
SKN/SKC/TMD built-up and bare; DGD built-up with grass). Beyond the district, fields, ponds
and villages, and the river and roads go on. Then every decision's parcel is painted with the
cover its granted use implies on that date (every pixel it touches with its main class, then
the pixels whose centre lies in it with its mix: ONT 80 % built-up and 20 % trees, LUC
cropland, NTS water, SKC built-up and bare, ...). On an image taken before the decision the
parcel shows its previous state instead: a recognition shows its (existing) use on both images,
a conversion its previous use, an allocation or lease for a non-agricultural use farmland or
grass. So decisions dated after 2025-06-30 show their previous state on the 2025 image: they
have no image and are not judged. Every decision that is not a planted land-cover case is
judged compliant: on the images it could be judged on (2025; 2021 too if dated up to 2021-01-15),
at most {lc_worst} of its valid area is in unexpected classes, and the development
decisions at least 12 months old are at least {lc_least} developed on those images;
{lc_plain} parcels are painted with their main class only to get there.

**The cloud**: a 60 m × 60 m square (6 × 6 pixels, rows {lc_r0}-{lc_r1}, columns
{lc_c0}-{lc_c1}, x {lc_cx0:.0f}-{lc_cx1:.0f}, y {lc_cy0:.0f}-{lc_cy1:.0f} in EPSG:32648) of
nodata on the 2025 image only, in an orchard (CLN) zone, over the three `cloud-*` cases and no
other parcel.

The land-cover cases (rows {lc_first}-{lc_last}, appended after every other decision), measured
on the written rasters (shares are of the parcel's valid area; "developed" is built-up + bare;
"image" is the raster each decision is judged on):

| row | kind | code | date | image | coverage | unexpected | developed 2021 → 2025 | expected |
|---|---|---|---|---|---|---|---|---|
{lc_table}

### Check configuration (`landplan.toml`)

```toml
{toml}```

## Rules (what `ground_truth.csv` assumes)

* Tolerance T: an area counts when it is more than 5 % of the parcel's area and more than
  20 m²; areas are measured in EPSG:9209 on the parcel repaired with `make_valid`.
* allowed(g, p): granted code g is allowed in planned code p when g = p, g descends from p in
  Circular 27/2018, or (p, g) is a pair of `landplan/data/compatibility.csv` (matching at any
  ancestor level on both sides); `ONT+CLN` is allowed when every component is.
  designates(p, g): the first component of g is p or descends from it, and the others are
  allowed in p.
* Kinds: `hinh_thuc` read with accents, case, punctuation, a leading `QĐ`/`Nhà nước` and the
  word `đất` ignored: allocation (`giao…`, `DG-…`, `4`, `5`), lease (`…thuê…`, `DT-THN`,
  `DT-TML`, `10`, `11`), recognition (`công nhận…`, `CNQ…`, `1`, `2`, `3`, `12`-`15`),
  conversion (`chuyển mục đích…`, `CMĐ`, `CMĐSDĐ`, `chuyển MĐSDĐ`), recovery (`thu hồi…`),
  not a State decision (`NCQ-…`, `DT-KCN…`, `6`-`9`, `16`); anything else is unreadable.
  An unreadable kind is judged as a grant (below) and as an allocation by
  `conversion-not-in-annual-plan`; recoveries and non-State records are judged by none of the
  grant rules (zoning, corridors, double allocation, annual plan, land cover).
* `zoning-conflict`: an allocation, lease or recognition (or an unreadable kind) with more than
  T of its area in zones (of the version in force) where its code is not allowed.
* `conversion-contrary-to-plan`: a conversion with more than T in zones where its code is not
  allowed, or, when its previous code is protected (LUA, LUC, LUK, LUN, RSX, RPH, RDD), where
  the zone does not designate it.
* `no-plan-version` (data quality, makes a decision unchecked): dated before the earliest
  approval (2020-12-31), not a non-State record; no zoning rule judges it.
* `outside-plan-period` (data quality, a note): dated before `plan_start` or after `plan_end`,
  with a plan version in force (judged against it), not a non-State record.
* `adjustment-legalises-violation` (on the plan layer, `source_row` = the zone's row in
  `plan_2023.gpkg`): a decision judged as a grant or a conversion that violates the zoning
  rules under the version in force on its date (the base plan) and complies with the
  adjustment (no zoning violation beyond T, not more than T outside the plan): one finding on
  each adjusted zone holding a part of it that was in conflict with the base plan, whose code
  changed to one that allows the granted code. The status of the decision does not change.
* `conversion-not-in-annual-plan`: a conversion, allocation or lease to a non-agricultural
  code, dated in a year that has projects (2023, 2024), with more than T of its area outside
  the union of the projects of that year whose purpose allows its code (an unreadable kind is
  judged as an allocation).
* `recovery-not-in-annual-plan`: a recovery dated in a year that has projects, with more than T
  of its area outside the projects of that year (whatever their purpose).
* Decision numbers are ordered as numbers: by their first run of digits (99/QĐ-UBND before
  100/QĐ-UBND), then as text.
* `quota-exceeded`: per quota row, the matching conversions sorted by (date, `so_qd` in that
  order, area); each one whose running total exceeds the quota is flagged.
* `protected-area`: any decision but a recovery or a non-State record whose code none of a
  corridor's `cho_phep` codes allows exactly (the code or a descendant of it; the
  compatibility table does not count), with more than T of its area in that corridor (one
  finding per corridor).
* `double-allocation`: two allocations, leases or recognitions overlapping by more than 5 % of
  the smaller parcel and more than 20 m²: the later one (by date, then `so_qd` in that order)
  is flagged (an unreadable kind counts as a holding when it is the later one). A record and
  its exact copy (same `so_qd`, sheet-parcel, date, kind, shape) are never a double
  allocation.
* `stale-plan-item` (on a project): a project of year Y with Y + 2 ≤ the year of `as_of` that
  no recovery, and no conversion, allocation or lease whose code the project's purpose allows,
  dated from 1 January Y to `as_of` overlaps by more than 20 m².
* `duplicate-id` (data quality): every row whose (`so_qd`, `shbando`-`shthua`) occurs twice.
* Data quality as before: `no-plan-coverage` (more than T outside the plan; unchecked when at
  most T is inside), `unknown-code`, `missing-code`, `empty-geometry` (these three make a
  decision unchecked), `invalid-geometry` (repaired, then checked); `unknown-kind` (an
  unreadable kind) and `not-state-decision` make a decision unchecked unless it is a violation.
* Land cover (with `landcover.csv`). A decision's **image** is the latest raster dated on or
  after its decision date and on or before `as_of`; a decision without one (dated after
  2025-06-30) is not judged, without a finding. Fractions are exact area-weighted pixel
  coverages (as exactextract computes them) of the parcel reprojected to the raster's CRS,
  over its valid (non-nodata) pixels; coverage = valid area / parcel area.
  * `landcover-unchecked` (data quality): coverage below 0.5 on its image; the two rules below
    do not judge it (the status does not change).
  * `wrong-purpose` (not on a recovery): more than 50 % of the valid area in classes not
    expected for the granted code (`landplan/data/landcover/expected.csv`, at the code or its
    nearest listed ancestor; a multi-purpose code such as `ONT+CLN` expects the union of its
    components' classes).
  * `unused-land`: an allocation, lease or conversion (or an unreadable kind) whose (first)
    code descends from OTC, CSK, DSN, TSC, CCC, CQP or CAN, at least 12 whole months before
    `as_of`, with a developed (built-up + bare) share below 20 % on its image, unless the
    developed share rose by 10 points or more from the raster before its image (2021) to its
    image (construction under way), whatever the decision's date. No planted case is both
    unused and used for another purpose, so it does not matter whether a checker skips
    `unused-land` where `wrong-purpose` fires.
* Status: `violation` with any finding of `zoning-conflict`, `conversion-contrary-to-plan`,
  `conversion-not-in-annual-plan`, `recovery-not-in-annual-plan`, `quota-exceeded`,
  `protected-area`, `double-allocation`, `wrong-purpose` or `unused-land`, else `unchecked`
  (see above, and `no-plan-version`), else `compliant`.

How ordinary rows stay compliant: each lies wholly inside one zone with a 2 m margin and carries
a code that zone allows (the same code; `ONT+CLN` in ONT; `ODT+CLN` in ODT; `SKC` in SKN); an
ordinary conversion from protected land only where the zone designates the new code (else it
converts HNK). Ordinary rows in a zone the adjustment changes are dated before 2023-07-01;
allocations and conversions to non-agricultural codes are dated in 2023 or 2024 only when they
lie wholly inside a matching project of that year (else in 2021, 2022 or 2025); no ordinary
parcel touches a corridor that does not allow its code, nor a project planted as stale or
empty. Each project whose role is "holds decisions" holds a planted allocation dated in its
year (so no 2023 project but the two planted ones is stale).

## Planted cases

The planted rows are shuffled among the {n_ordinary} ordinary ones, except the land-cover cases
(`unused-land` to `cloud-partial`), appended as rows {lc_first}-{lc_last}; `source_row` is the
0-based row in `decisions.shp` (or in `projects.gpkg` for layer `projects`). Dates of planted
cases are chosen on purpose; the older cases (`inside-violation` to `shared-edge`) are dated in
2021-2022, so the base plan applies to them, and none lies in commune {quota_commune}. The
land-cover cases lie in zones the adjustment leaves unchanged, outside the quota commune, at
least 16 m from any other parcel and off the projects and corridors, and every other rule
passes on them.

| case | layer | rows | expected_status | expected_rule | what |
|---|---|---|---|---|---|
{case_table}

`ground_truth.csv` has one row per expected finding (a decision with two findings has two rows)
and one row with an empty `expected_rule` per planted case that must produce no finding at all.
Every decision not in the file produces no finding. Rows are sorted by `layer`, `source_row`,
`expected_rule`. Columns: `layer` (`decisions`, `plan` or `projects`), `source_row`, `so_qd`
(empty for projects; the legalised decision's for `plan`), `expected_status` (the decision's
status; empty for projects), `expected_rule`,
`planned` (the planned code at the conflicting place for `zoning-conflict` and
`conversion-contrary-to-plan`, the project's purpose for `stale-plan-item`, the adjusted zone's
new code for `adjustment-legalises-violation`, else empty),
`granted` (the code as written), `case` (tag: description, with measured values).

## Licence

CC0 1.0 (public domain dedication). Synthetic data; any resemblance of names to real people or
companies is coincidental.
"""

# ------------------------------------------ kinds as officials write them (issue 16, kinds)
# A few rows get another hinh_thuc once every value is drawn, chosen in row order by fixed
# criteria (no random draw: every other value, the rasters and the quotas stay as they were).
# The kinds the rows were built as (``kinds``: land-cover painting, quotas) do not change;
# each row is chosen where its new reading changes nothing but what the case is about.
KIND_SPELLINGS: tuple[tuple[str, str], ...] = (  # (kind built as, written as): compliant
    ("allocation", "QĐ giao đất"),
    ("allocation", "Nhà nước giao đất có thu tiền sử dụng đất"),
    ("allocation", "DG-CTT"),
    ("lease", "Nhà nước cho thuê đất trả tiền hàng năm"),
    ("lease", "DT-THN"),
    ("recognition", "CNQ-KTT"),
    ("recognition", "Công nhận quyền sử dụng đất"),
    ("recognition", "12"),
    ("conversion", "CMĐSDĐ"),
    ("conversion", "Chuyển MĐSDĐ"),
    ("conversion", "chuyển MĐSD"),
)
KIND_CASES = {
    "kind-spelling": "kinds as officials write them (`QĐ giao đất`, `Nhà nước cho thuê đất trả "
    "tiền hàng năm`, `DG-CTT`, `DT-THN`, `CNQ-KTT`, `12`, `CMĐSDĐ`, `Chuyển MĐSDĐ`…) on "
    "compliant parcels",
    "recovery": "a recognition dated 2023/2024 off every project, written `Thu hồi đất`: a "
    "recovery outside its year's projects",
    "recovery-near": "an allocation inside its 2023 project written `QĐ thu hồi đất`: the "
    "recovery carries the project out (not judged as a grant)",
    "not-state": "a recognition written `NCQ-3` (a transfer between land users): not a State "
    "decision, not checked",
    "unknown-kind": "an otherwise compliant recognition of farmland whose kind is `GCNQSDĐ` "
    "(the certificate) or blank: never compliant",
    "unknown-kind-violation": "a parcel wholly inside a zone that forbids its code, kind "
    "written `Cấp GCNQSDĐ`: judged as a grant, the violation stands",
}


def relabel_kinds(
    rows: pd.DataFrame,
    attrs: pd.DataFrame,
    kinds: list[str],
    dates: list[dt.date],
    world: sample_plan.World,
) -> None:
    """Write the kind cases' hinh_thuc into ``attrs`` and their expectations into ``rows``."""
    ordinary = (rows["case"] == "").to_numpy()
    agricultural = ("LUC", "LUK", "HNK", "CLN", "NTS")
    projects = shapely.union_all([p.geometry for p in world.projects])
    used: set[int] = set()

    def first(test: Callable[[int], bool], among: np.ndarray = ordinary) -> int:
        for i in np.flatnonzero(among):
            if int(i) not in used and test(int(i)):
                used.add(int(i))
                return int(i)
        raise RuntimeError("no row for a kind case")

    def mark(i: int, text: str, tag: str, status: str, rule: str, what: str) -> None:
        attrs.at[i, "hinh_thuc"] = text
        rows.at[i, "case"] = f"{tag}: {what}"
        rows.at[i, "status"] = status
        rows.at[i, "rule"] = rule
        rows.at[i, "planned"] = ""

    for kind, text in KIND_SPELLINGS:
        i = first(lambda i, k=kind: kinds[i] == k)
        mark(i, text, "kind-spelling", "compliant", "", f"{kind} written '{text}'")
    i = first(
        lambda i: kinds[i] == "recognition"
        and dates[i].year in sample_plan.PROJECT_YEARS
        and not shapely.intersects(rows.geometry.iat[i], projects)
    )
    mark(i, "Thu hồi đất", "recovery", "violation", "recovery-not-in-annual-plan",
         f"{rows.base.iat[i]} recovered in {dates[i].year} outside every project of the year")
    near = rows["case"].str.startswith("annual-plan-near: ONT allocated in 2023 inside")
    near = near.to_numpy()
    i = first(lambda i: True, near)
    mark(i, "QĐ thu hồi đất", "recovery-near", "compliant", "",
         "ONT recovered in 2023 inside its 2023 project: carries it out")
    i = first(lambda i: kinds[i] == "recognition")
    mark(i, "NCQ-3", "not-state", "unchecked", "not-state-decision",
         f"{rows.base.iat[i]} transferred between land users (NCQ-3)")
    for text in ("GCNQSDĐ", ""):
        i = first(lambda i: kinds[i] == "recognition" and rows.base.iat[i] in agricultural)
        mark(i, text, "unknown-kind", "unchecked", "unknown-kind",
             f"{rows.base.iat[i]} recognised, kind written '{text}': not read")
    tags = rows["case"].str.split(":").str[0].to_numpy()
    violation = (tags == "inside-violation") & (rows.previous == "").to_numpy()
    i = first(lambda i: kinds[i] in ("allocation", "lease", "recognition"), violation)
    extra = rows["extra"].tolist()
    extra[i] = (*extra[i], ("unknown-kind", ""))
    rows["extra"] = extra
    rows.at[i, "case"] = rows["case"].iat[i].replace(
        "inside-violation:", "unknown-kind-violation:"
    ) + ", kind written 'Cấp GCNQSDĐ'"
    attrs.at[i, "hinh_thuc"] = "Cấp GCNQSDĐ"


CASE_HELP = {
    "inside-violation": "wholly inside a zone that forbids the code (ODT/ONT/TMD/SKC in "
    "LUC/LUK; ONT in DGT/SON/DTL/NTD; TMD in DGD; SKC in NTS); the rule depends on the kind",
    "straddle": "30-60 % (> 20 m²) across the boundary into an incompatible zone",
    "sliver": "1-3 % across the boundary into an incompatible zone",
    "sliver-small": "8-15 % across but under 20 m² (100-150 m² parcels)",
    "multipart-violation": "MultiPolygon, one part (10-45 %) wholly in an incompatible zone",
    "multipart-compliant": "MultiPolygon, both parts in the same compatible zone",
    "hole": "polygon with a hole, inside a compatible zone",
    "hole-around-zone": "ONT parcel whose hole is exactly an NTS pond zone (overlap 0)",
    "bowtie": "self-intersecting polygon inside a compatible zone; compliant after repair",
    "outside": "wholly outside the district",
    "partly-outside": "30-60 % outside the district, rest in a compatible zone",
    "unknown-code": "code in no list (`XYZ`, `ABC1`, `QQQ`)",
    "missing-code": "empty code",
    "empty-geometry": "null shape",
    "shared-edge": "shares one straight edge exactly with an incompatible neighbour zone",
    "version-after": "dated after 2023-07-01 in a changed zone, granted the new code: "
    "compliant (the base plan would forbid it)",
    "version-before": "dated before 2023-07-01 in a changed zone, granted the new code: the "
    "base plan applies",
    "version-boundary": "TMD recognitions in the HNK->TMD zone dated 2023-07-01 (adjustment: "
    "compliant) and 2023-06-30 (base plan: violation)",
    "version-old-code": "the zone's old code granted after the adjustment changed it",
    "legalised": "the adjusted zones of the version-before violations and of the 2023-06-30 "
    "version-boundary lease: the adjustment legalises them (one finding on the zone)",
    "contrary": "conversion from protected rice land to a code the zone allows but does not "
    "designate (LUC->CLN and LUK->NTS in ONT, LUC->DTL in LUC, LUK->SKC in SKN)",
    "contrary-near": "HNK->CLN in ONT and HNK->SKC in SKN (HNK is not protected); "
    "LUC->ONT+CLN in ONT (designated)",
    "period": "compliant place, dated 2020-06-15 (before the base plan: no plan version in "
    "force, unchecked), 2020-12-31 (before plan_start), 2026-01-05, 2026-03-17 (after "
    "plan_end): judged against the version in force, noted",
    "period-near": "dated exactly 2021-01-01 and 2025-12-31",
    "two-rules": "ONT recognised in a LUC zone and dated 2020-09-10, before the base plan: "
    "no plan version in force, so unchecked and no zoning-conflict",
    "annual-plan": "allocation, lease or conversion to non-agricultural use in 2023/2024 "
    "outside every matching project: outside all, inside a TMD project with an SKC code, "
    "30-60 % outside its project, inside a project of the other year, a TMD lease outside "
    "all, 40-50 % outside a project listed twice (its overlap counts once)",
    "annual-plan-near": "allocation in 2022; a TMD lease inside its 2023 project; 1-3 % "
    "outside its project; an allocation inside each project (role 'holds decisions'), dated "
    "in its year",
    "quota": "the last three rice conversions of the quota commune, beyond its quota",
    "quota-near": "the rice conversion just before them, still within the quota",
    "protected": "ONT in the dyke corridors, ODT and TMD in the QL37 corridor (their zones "
    "allow them); CLN in a dyke corridor (HNK is listed, and the list is exact)",
    "protected-near": "ONT touching a dyke corridor by < 20 m²; LUC in a dyke corridor; CLN "
    "in the relic site",
    "double-allocation": "the later of two overlapping holdings (one pair overlaps < 5 % of "
    "the later, larger parcel but > 5 % of the smaller; one pair is of one day, and "
    "100000/QĐ-UBND comes after 99999/QĐ-UBND: numbers in numeric order)",
    "double-allocation-first": "the earlier of those pairs",
    "double-allocation-near": "pairs overlapping < 20 m², or > 20 m² but < 5 % of the smaller, "
    "or a conversion over an allocation",
    "duplicate": "an HNK->ONT conversion and an ONT allocation, each written twice (same "
    "so_qd, sheet, parcel, shape, date, kind): duplicate-id only, not double-allocation",
    "stale": "2023 projects without any decision",
    "stale-near": "a 2024 project without decisions (not due before 2026)",
    "unused-land": "allocation, lease or conversion for a development use, 2022-2023, whose "
    "parcel is still cropland or grass (developed share < 20 %, not rising by 10 points)",
    "unused-land-near": "ONT allocated 2025-03-01 still cropland (under 12 months); ONT "
    "allocated 2022 with developed 0 % -> 15 % (construction under way); ONT recognised 2022 "
    "still cropland (recognitions are out of scope)",
    "wrong-purpose": "LUC recognised, built over; ONT recognised, dug into a pond; NTS "
    "pond leased, filled and built over (unexpected cover > 50 %)",
    "wrong-purpose-near": "LUC with 30 % built-up; ONT+CLN with 60 % shrub (expected through CLN)",
    "landcover-tiny": "a 6 m x 6 m ONT+CLN parcel, smaller than a pixel, painted correctly",
    "landcover-no-image": "TMD lease dated after the last image, cropland there: not judged",
    "cloud-unchecked": "CLN parcel under the 2025 cloud: valid pixels cover < 50 % of it "
    "(its visible part is built-up)",
    "cloud-partial": "CLN parcels partly under the cloud (55-70 % valid), judged on the valid "
    "pixels only: 30 % built-up of the valid area (compliant) and 70 % (violation)",
    **KIND_CASES,
}
PROJECT_ROLES = {
    "active": "holds decisions",
    "stale": "no decision: stale",
    "empty": "no decision, not yet due",
    "other": "purpose TMD in an SKN zone",
    "overlap": "the same land as another 2024 project (listed twice)",
}


def write_readme(
    plan: gpd.GeoDataFrame,
    world: sample_plan.World,
    decisions: gpd.GeoDataFrame,
    truth: pd.DataFrame,
    quotas: pd.DataFrame,
    district: Polygon,
    n_ordinary: int,
    cover: sample_landcover.Landcover,
    paint_stats: dict,
    n_existing: int,
) -> None:
    tags = truth["case"].str.split(":").str[0]
    assert set(tags) == set(CASE_HELP), set(tags) ^ set(CASE_HELP)
    table = []
    for tag in CASE_HELP:
        sub = truth[tags == tag]
        layer = sub.layer.iat[0]
        status = "/".join(sorted(set(sub.expected_status) - {""})) or "-"
        rule = "/".join(sorted(set(sub.expected_rule) - {""})) or "(none)"
        table.append(f"| {tag} | {layer} | {len(sub)} | {status} | {rule} | {CASE_HELP[tag]} |")
    table.append(f"| **total** | | **{len(truth)}** | | | |")
    changed = [
        f"| {z + 1} | {z} | {plan.ma_xa.iat[z]} {plan.ten_xa.iat[z]} | {old} | {new} | "
        f"{plan.geometry.iat[z].area / 1e4:.2f} |"
        for z, (old, new) in sorted(world.changed.items())
    ]
    projects = [
        f"| {k} | {p.year} | {p.code} | {p.ma_xa} | {p.name} | {PROJECT_ROLES[p.role]} |"
        for k, p in enumerate(world.projects)
    ]
    corridors = [
        f"| {k} | {c.ten} | `{c.loai}` | `{c.cho_phep}` | {c.geometry.area / 1e4:.2f} |"
        for k, c in enumerate(world.corridors.itertuples())
    ]
    quota_lines = ["| unit | from | to | quota_ha |", "|---|---|---|---|"] + [
        f"| `{q.unit}` | `{q._2}` | `{q.to}` | {q.quota_ha} |" for q in quotas.itertuples()
    ]
    counts = plan.maloaidat.value_counts().sort_index()
    xmin, ymin, xmax, ymax = district.bounds
    lc = landcover_readme(cover, paint_stats, decisions, truth, n_existing)
    years = [p.year for p in world.projects]
    commune = sample_plan.QUOTA_COMMUNE
    text = README.format(
        n_zones=len(plan),
        n_changed=len(world.changed),
        n_rows=len(decisions),
        n_projects=len(world.projects),
        n_2023=years.count(2023),
        n_2024=years.count(2024),
        n_corridors=len(world.corridors),
        n_quotas=len(quotas),
        n_truth=len(truth),
        n_ordinary=n_ordinary,
        width=(xmax - xmin) / 1000,
        height=(ymax - ymin) / 1000,
        area=district.area / 1e6,
        n_communes=len(COMMUNES),
        zone_counts=", ".join(f"{k} {v}" for k, v in counts.items()),
        changed_table="\n".join(changed),
        project_table="\n".join(projects),
        corridor_table="\n".join(corridors),
        quota_table="\n".join(quota_lines),
        quota_commune=f"{commune} ({dict(COMMUNES)[commune]})",
        quota_value=quotas.quota_ha[quotas.unit == commune].iat[0],
        toml=(HERE / "landplan.toml").read_text(encoding="utf-8"),
        kinds="\n".join(
            f"  * {kind.removesuffix('-free')}: " + ", ".join(f"`{v}`" for v, _ in values)
            for kind, values in KIND_VALUES.items()
            if kind != "allocation-free"
        ),
        n_empty=int(decisions.geometry.isna().sum()),
        n_invalid=int((~decisions.geometry.dropna().is_valid).sum()),
        case_table="\n".join(table),
        **lc,
    )
    (HERE / "README.md").write_text(text, encoding="utf-8")


def landcover_readme(
    cover: sample_landcover.Landcover,
    paint_stats: dict,
    decisions: gpd.GeoDataFrame,
    truth: pd.DataFrame,
    n_existing: int,
) -> dict[str, object]:
    """README fields about the rasters and the land-cover cases."""

    def pct(x: float) -> str:
        return f"{100 * x:.1f} %"

    grid = cover.grid
    t = grid.transform
    r0, c0 = cover.cloud
    n = sample_landcover.CLOUD_PIXELS
    classes = pd.read_csv(sample_landcover.SCHEME_DIR / "classes.csv", dtype=str)
    class_lines = [
        f"| {c.value} | `{c._2}` | {c.name_en} ({c.name_vi}) | {c.developed} |"
        for c in classes.itertuples()
    ]
    class_lines.insert(0, "| 0 | nodata | no data (the cloud) | |")
    rules = (
        truth[truth.layer == "decisions"]
        .groupby("source_row")["expected_rule"]
        .agg(lambda r: ", ".join(x for x in r if x) or "(none)")
    )
    lines = []
    for j, p in enumerate(cover.placed):
        i = n_existing + j
        m, spec = p.measure, p.spec
        judged = spec.date <= sample_landcover.RASTERS[-1][1]
        kind = spec.kind if not spec.previous else f"conversion from {spec.previous}"
        if not judged:
            measured = "- | - | - | -"
        elif m.coverage(1) < sample_rules.MIN_COVERAGE:
            measured = f"2025-06-30 | {pct(m.coverage(1))} | - | -"
        else:
            expected = sample_landcover.SCHEME.expected(sample_plan.split_code(spec.granted))
            unexpected = 1 - m.share(1, sorted(expected))
            measured = (
                f"2025-06-30 | {pct(m.coverage(1))} | {pct(unexpected)} | "
                f"{pct(m.developed(0))} → {pct(m.developed(1))}"
            )
        lines.append(f"| {i} | {kind} | {spec.granted} | {spec.date} | {measured} | {rules[i]} |")
    return {
        "lc_dates": " and ".join(d.isoformat() for _, d in sample_landcover.RASTERS),
        "lc_csv": (HERE / "landcover.csv").read_text(encoding="utf-8"),
        "lc_width": grid.width,
        "lc_height": grid.height,
        "lc_x0": t.c,
        "lc_y1": t.f,
        "lc_margin": sample_landcover.EXTENT_MARGIN,
        "lc_classes": "\n".join(class_lines),
        "lc_worst": pct(paint_stats["worst_unexpected"]),
        "lc_least": pct(paint_stats["least_developed"]),
        "lc_plain": paint_stats["plain"],
        "lc_r0": r0,
        "lc_r1": r0 + n - 1,
        "lc_c0": c0,
        "lc_c1": c0 + n - 1,
        "lc_cx0": t.c + c0 * sample_landcover.RES,
        "lc_cx1": t.c + (c0 + n) * sample_landcover.RES,
        "lc_cy0": t.f - (r0 + n) * sample_landcover.RES,
        "lc_cy1": t.f - r0 * sample_landcover.RES,
        "lc_first": n_existing,
        "lc_last": len(decisions) - 1,
        "lc_table": "\n".join(lines),
    }


# ------------------------------------------------------------------------------- main


def check_quota_commune(
    result: sample_rules.Result,
    decisions: gpd.GeoDataFrame,
    kinds: list[str],
    previous: list[str],
    rows: pd.DataFrame,
) -> None:
    """The quota commune's rice conversions have no finding but quota-exceeded, so a checker
    that leaves violating or unchecked decisions out of the running total agrees."""
    f = result.findings
    for i in range(len(decisions)):
        if (
            kinds[i] == "conversion"
            and previous[i] in ("LUC", "LUK")
            and decisions.ma_xa.iat[i] == sample_plan.QUOTA_COMMUNE
        ):
            rules = set(f.rule[(f.layer == "decisions") & (f.source_row == i)])
            assert rules <= {"quota-exceeded"}, (i, rules)
            assert decisions.geometry.iat[i].is_valid


def main() -> None:
    rng = np.random.default_rng(SEED)
    plan, layout = build_plan(rng)
    index = PlanIndex(plan, layout.district)
    world = sample_plan.build_world(rng, layout, index, sample_rules.Compat(COMPAT_CSV))
    registry = Registry(world.blocked)
    sample_plan.reserve_projects(world, registry)
    planted = sample_plan.NewCases(rng, index, registry, world).build()
    # The older cases stay out of the quota commune: its running total then holds only
    # compliant conversions, whatever a checker does with violating or unchecked ones.
    quota_commune = shapely.union_all(plan.geometry[plan.ma_xa == sample_plan.QUOTA_COMMUNE])
    registry.blocked = shapely.union_all([world.blocked, quota_commune])
    shapely.prepare(registry.blocked)
    planted += plant_cases(rng, index, layout, registry)
    ordinary = ordinary_parcels(rng, index, registry, sample_plan.ordinary_filter(world))

    planted_rows = pd.DataFrame(
        {
            "geometry": [c.geometry for c in planted],
            "written": [c.granted for c in planted],
            "base": [c.granted for c in planted],
            "previous": [c.previous for c in planted],
            "kind": [c.kind for c in planted],
            "date": [c.date for c in planted],
            "no_conversion": [c.no_conversion for c in planted],
            "status": [c.status for c in planted],
            "rule": [c.rule for c in planted],
            "planned": [c.planned for c in planted],
            "extra": [c.extra for c in planted],
            "group": [c.group for c in planted],
            "duplicate": [c.duplicate for c in planted],
            "so_qd": [c.so_qd for c in planted],
            "case": [c.case for c in planted],
            "host": -1,
        }
    )
    ordinary_rows = pd.DataFrame(
        {
            "geometry": ordinary.geometry,
            "written": ordinary.written,
            "base": ordinary.granted,
            "previous": "",
            "kind": "",
            "date": None,
            "no_conversion": False,
            "status": "",
            "rule": "",
            "planned": "",
            "extra": [()] * len(ordinary),
            "group": -1,
            "duplicate": "",
            "so_qd": "",
            "case": "",
            "host": ordinary.zone.astype(int),
        }
    )
    rows = pd.concat([ordinary_rows, planted_rows], ignore_index=True)
    rows = rows.iloc[rng.permutation(len(rows))].reset_index(drop=True)

    attrs, kinds, previous, dates = decision_attributes(rng, rows, index, world)
    fixed = (rows.so_qd != "").to_numpy()  # planted decision numbers (issue 16: their order)
    attrs.loc[fixed, "so_qd"] = rows.so_qd[fixed].to_numpy()
    relabel_kinds(rows, attrs, kinds, dates, world)  # kinds as officials write them
    for key in sorted(set(rows.duplicate) - {""}):  # exact duplicate rows
        same = np.flatnonzero(rows.duplicate == key)
        for k, column in enumerate(attrs.columns):
            attrs.iloc[same[1:], k] = attrs[column].iat[same[0]]
    text = attrs.select_dtypes(exclude="number").columns
    attrs[text] = attrs[text].apply(nfc)
    decisions = gpd.GeoDataFrame(attrs, geometry=rows.geometry.to_list(), crs=CRS)
    assert 2_000 <= len(decisions) <= 4_000
    single = (rows.duplicate == "").to_numpy()
    assert not decisions[single].duplicated(["shbando", "shthua"]).any()
    assert decisions.so_qd[single].is_unique
    # No two parcels overlap (convex hulls at least GAP apart) but within a planted group.
    has_geom = np.flatnonzero(decisions.geometry.notna().to_numpy())
    hulls = shapely.convex_hull(decisions.geometry.to_numpy()[has_geom])
    left, right = shapely.STRtree(hulls).query(hulls, predicate="intersects")
    group = rows.group.to_numpy()[has_geom]
    clash = (left != right) & ((group[left] < 0) | (group[left] != group[right]))
    assert not clash.any(), "parcels overlap"

    tags = rows["case"].str.split(":").str[0]
    quota_rows = sorted(np.flatnonzero(tags == "quota"), key=lambda i: dates[i])
    quotas = sample_plan.quota_table(
        decisions, kinds, previous, dates, int(np.flatnonzero(tags == "quota-near")[0]), quota_rows
    )

    # Land cover: its own random stream, so everything above stays as it was; its planted
    # decisions are appended after every other row.
    n_existing = len(decisions)
    cover = sample_landcover.Landcover(
        np.random.default_rng([SEED, 2]),
        index,
        world,
        registry,
        layout.district,
        [(c.polygon, c.code) for c in layout.corridors],
    )
    cover_cases = cover.plant()
    rows, decisions, kinds, previous, dates = append_cases(
        cover.rng, cover_cases, rows, decisions, kinds, previous, dates, index
    )

    truth = build_truth(rows, decisions, kinds, world)
    write_outputs(plan, world, decisions, truth, quotas)
    arrays, paint_stats = cover.paint(
        plan, world.plan2023, decisions, kinds, previous, dates, n_existing
    )
    cover.write(arrays)
    verify_outputs(decisions, truth)
    result = sample_rules.evaluate(HERE, COMPAT_CSV)
    sample_rules.compare(result, truth)
    cover.verify(
        result,
        truth,
        n_existing,
        lambda variants: sample_rules.landcover_variants(HERE, COMPAT_CSV, variants),
    )
    check_quota_commune(result, decisions, kinds, previous, rows)
    n_ordinary = int((rows["case"] == "").sum())
    write_readme(
        plan,
        world,
        decisions,
        truth,
        quotas,
        layout.district,
        n_ordinary,
        cover,
        paint_stats,
        n_existing,
    )
    counts = truth.assign(tag=truth["case"].str.split(":").str[0]).groupby("tag").size()
    print(
        f"zones: {len(plan)}; decisions: {len(decisions)} "
        f"({int((rows['case'] == '').sum())} ordinary, {int((rows['case'] != '').sum())} "
        f"planted); projects: {len(world.projects)}; truth rows: {len(truth)}"
    )
    print(", ".join(f"{k} {v}" for k, v in counts.items()))
    print(
        f"land cover: {cover.grid.width} x {cover.grid.height} pixels; existing parcels: "
        f"unexpected share at most {paint_stats['worst_unexpected']:.3f}, developed share of "
        f"development decisions at least {paint_stats['least_developed']:.3f}, "
        f"{paint_stats['plain']} painted with their main class only"
    )


if __name__ == "__main__":
    main()
