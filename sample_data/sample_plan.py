"""The planning context of the sample and the planted cases of the newer rules.

Imported by ``generate.py`` (see its docstring for the whole picture). This module builds

* the plan adjustment approved 2023-07-01 (``plan_2023.gpkg``): the base plan with a few zones
  given a new code;
* the restriction corridors (``corridors.gpkg``): dyke corridors on both banks of the river, a
  road safety corridor along QL37 and a relic site;
* the annual-plan projects of 2023 and 2024 (``projects.gpkg``);
* the planted decisions of the rules on plan versions, conversions, the plan period, the
  annual plan, quotas, corridors, double allocation and duplicate ids;
* the decision dates of ordinary rows, chosen so that they stay compliant.

Every planted case records the findings it must produce; ``sample_rules.evaluate`` checks them
on the written files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sample_rules import (
    PROTECTED,
    Compat,
    exact_allowed,
    is_non_agricultural,
    matches,
    number_key,
    parse_code,
)
from shapely import Point, Polygon
from shapely.geometry.base import BaseGeometry

MARGIN = 2.0  # ordinary and "inside" parcels: parcel.buffer(MARGIN) lies within one zone
GAP = 1.0  # minimum distance between parcels that are not meant to overlap
D = dt.date
ADJUSTED = D(2023, 7, 1)  # approval of plan_2023.gpkg (the base plan: 2020-12-31)
PLAN_START, PLAN_END, AS_OF = D(2021, 1, 1), D(2025, 12, 31), D(2025, 12, 31)
PROJECT_YEARS = (2023, 2024)
FREE_YEARS = (2021, 2022, 2025)  # years without an annual plan in the sample
QUOTA_COMMUNE = "10825"  # Xã Đoàn Thượng: its rice-to-non-agricultural quota is exceeded
QUOTA_LAST_ORDINARY = D(2025, 8, 31)  # its ordinary rice conversions are dated up to here

DYKE_ALLOWED = "DGT,DTL,SON,LUC,LUK,HNK,NTS"
ROAD_ALLOWED = "DGT,DTL,LUC,LUK,HNK,CLN,NTS"
RELIC_ALLOWED = "DDT,TIN,TON,DGT,CLN,NTS"

# (old code, new code, preferred neighbour codes) of the zones the adjustment changes.
CHANGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("LUC", "ONT", ("ONT",)),
    ("LUK", "SKN", ("SKN", "SKC")),
    ("HNK", "TMD", ("DGT",)),
    ("ONT", "DGD", ("ONT",)),
    ("CLN", "ONT", ("ONT",)),
    ("LUK", "NTD", ("NTD",)),
)
# (year, zone code, project code, role, count). Roles: active (holds decisions), stale (a
# 2023 project nobody acted on), empty (a 2024 project without decisions), other (a project
# whose purpose differs from the zone's, used by one planted case).
PROJECT_SPECS: tuple[tuple[int, str, str, str, int], ...] = (
    (2023, "ONT", "ONT", "active", 4),
    (2023, "ODT", "ODT", "active", 2),
    (2023, "TMD", "TMD", "active", 1),
    (2023, "ONT", "ONT", "stale", 1),
    (2023, "NTD", "NTD", "stale", 1),
    (2024, "ONT", "ONT", "active", 4),
    (2024, "ODT", "ODT", "active", 1),
    (2024, "SKN", "SKN", "active", 1),
    (2024, "DGD", "DGD", "active", 1),
    (2024, "NTD", "NTD", "active", 1),
    (2024, "ONT", "ONT", "empty", 1),
    (2024, "SKN", "TMD", "other", 1),
)
HAMLETS = (
    "Đông",
    "Đoài",
    "Thượng",
    "Hạ",
    "Trung",
    "Nam",
    "Bắc",
    "Cầu",
    "Phú",
    "Quý",
    "Lạc",
    "Tiền",
    "Hậu",
    "Cận",
    "Mới",
    "An",
)


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.hypot(*v)


def perp(d: np.ndarray) -> np.ndarray:
    return np.array([-d[1], d[0]])


def rectangle(centre: np.ndarray, d: np.ndarray, w: float, h: float) -> Polygon:
    """Rectangle centred on ``centre``: side ``w`` along unit vector ``d``, ``h`` across it."""
    n = perp(d)
    signs = ((-1, -1), (1, -1), (1, 1), (-1, 1))
    return Polygon([centre + sx * d * w / 2 + sy * n * h / 2 for sx, sy in signs])


def an(code: str) -> str:
    """The English article before a code read as letters (an ONT zone, a LUC zone)."""
    return "an" if code[0] in "AEFHILMNORSX" else "a"


def split_code(code: str) -> tuple[str, ...]:
    return tuple(c.strip().upper() for c in code.split("+"))


# Expected rules that do not make a decision a violation (issue 16: outside-plan-period is a
# note; no-plan-version makes it unchecked).
NOT_VIOLATIONS = ("duplicate-id", "invalid-geometry", "outside-plan-period", "no-plan-version")


@dataclass
class Planted:
    """A planted decision and what the rules must say about it."""

    geometry: BaseGeometry | None
    granted: str
    status: str  # violation | unchecked | compliant
    rule: str  # first expected rule, '' when nothing is reported; "zoning-conflict" on a case
    # whose kind is drawn at random becomes "conversion-contrary-to-plan" for a conversion
    planned: str
    case: str
    previous: str = ""  # mucdichcu; forces a conversion when set and kind is ''
    kind: str = ""  # allocation | allocation-free | lease | recognition | conversion | ''
    date: dt.date | None = None  # None: drawn in 2021-2022
    extra: tuple[tuple[str, str], ...] = ()  # further (rule, planned) findings
    group: int = -1  # planted parcels of one group may overlap each other
    duplicate: str = ""  # rows sharing this key get identical attributes
    no_conversion: bool = False  # a drawn kind must not be a conversion
    so_qd: str = ""  # a fixed decision number ('' = drawn)


@dataclass
class Project:
    name: str
    year: int
    code: str
    ma_xa: str
    geometry: Polygon
    role: str
    zone: int


@dataclass
class World:
    compat: Compat
    plan2023: gpd.GeoDataFrame
    changed: dict[int, tuple[str, str]]  # zone row -> (old code, new code)
    corridors: gpd.GeoDataFrame
    blocked: BaseGeometry  # union of the corridors
    projects: list[Project]

    def projects_frame(self) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            {
                "ten_da": [p.name for p in self.projects],
                "nam": np.array([p.year for p in self.projects], dtype=np.int32),
                "maloaidat": [p.code for p in self.projects],
                "ma_xa": [p.ma_xa for p in self.projects],
            },
            geometry=[p.geometry for p in self.projects],
            crs=self.corridors.crs,
        )


def _lower_unit(ten_xa: str) -> str:
    return ten_xa.replace("Xã ", "xã ").replace("Thị trấn ", "thị trấn ")


def _neighbours(ix) -> dict[int, list[tuple[int, float]]]:
    out: dict[int, list[tuple[int, float]]] = {}
    for a, b, line in ix.pairs:
        out.setdefault(a, []).append((b, line.length))
        out.setdefault(b, []).append((a, line.length))
    return out


def _random_point(rng: np.random.Generator, region: BaseGeometry) -> np.ndarray | None:
    xmin, ymin, xmax, ymax = region.bounds
    for _ in range(200):
        p = rng.uniform([xmin, ymin], [xmax, ymax])
        if shapely.contains_xy(region, *p):
            return p
    return None


def make_corridors(rng: np.random.Generator, layout, ix) -> gpd.GeoDataFrame:
    """Dyke corridors (30 m on each bank), QL37's safety corridor (20 m each side) and a relic
    site inside a village zone."""
    district = ix.district
    river_c = layout.corridors[0]
    road_c = next(c for c in layout.corridors if c.name == "QL37")
    river, half = river_c.centreline, river_c.width / 2
    water = river.buffer(half, cap_style="flat")
    banks = [
        shapely.intersection(
            shapely.difference(shapely.buffer(river, s * (half + 30), single_sided=True), water),
            district,
        )
        for s in (1, -1)
    ]
    road, rhalf = road_c.centreline, road_c.width / 2
    road_band = shapely.intersection(
        shapely.difference(
            road.buffer(rhalf + 20, cap_style="flat"), road.buffer(rhalf, cap_style="flat")
        ),
        district,
    )
    lines = shapely.union_all([*banks, road_band])
    ont = [
        z
        for z in np.flatnonzero(ix.codes == "ONT")
        if ix.geoms[z].area > 40_000 and ix.geoms[z].distance(lines) > 150
    ]
    relic = None
    for z in rng.permutation(ont):
        p = _random_point(rng, ix.geoms[z].buffer(-60))
        if p is None:
            continue
        theta = np.linspace(0, 2 * np.pi, 14, endpoint=False)
        r = rng.uniform(40, 50) * (1 + 0.12 * np.sin(3 * theta + rng.uniform(0, 6.3)))
        relic = Polygon(p + r[:, None] * np.c_[np.cos(theta), np.sin(theta)])
        if ix.geoms[z].buffer(-5).contains(relic):
            break
        relic = None
    assert relic is not None
    records = [
        ("Hành lang bảo vệ đê tả ngạn sông Sặt", "hanh_lang_de", DYKE_ALLOWED, banks[0]),
        ("Hành lang bảo vệ đê hữu ngạn sông Sặt", "hanh_lang_de", DYKE_ALLOWED, banks[1]),
        ("Hành lang an toàn đường bộ QL37", "hanh_lang_giao_thong", ROAD_ALLOWED, road_band),
        ("Khu di tích đình làng Quán Đào", "di_tich", RELIC_ALLOWED, relic),
    ]
    frame = gpd.GeoDataFrame(
        [r[:3] for r in records],
        columns=["ten", "loai", "cho_phep"],
        geometry=[shapely.MultiPolygon(shapely.get_parts(r[3])) for r in records],
        crs=ix.plan.crs,
    )
    assert frame.is_valid.all() and (frame.area > 5_000).all()
    return frame


def choose_changes(rng: np.random.Generator, ix, avoid: BaseGeometry) -> dict[int, tuple[str, str]]:
    """Zones whose code the 2023 adjustment changes: mid-sized, away from the corridors."""
    neighbours = _neighbours(ix)
    chosen: dict[int, tuple[str, str]] = {}
    for old, new, near in CHANGES:
        cands = [
            int(z)
            for z in np.flatnonzero(ix.codes == old)
            if 20_000 <= ix.geoms[z].area <= 120_000
            and ix.geoms[z].distance(avoid) > 60
            and all(ix.geoms[z].distance(ix.geoms[c]) > 50 for c in chosen)
        ]
        close = [
            z
            for z in cands
            if any(ix.codes[b] in near and length >= 40 for b, length in neighbours.get(z, []))
        ]
        pool = close or cands
        chosen[pool[rng.integers(len(pool))]] = (old, new)
    return chosen


def make_projects(
    rng: np.random.Generator, ix, changed: dict[int, tuple[str, str]], avoid: BaseGeometry
) -> list[Project]:
    """Annual-plan projects: a part (1-3 ha, at most half) of one zone each."""
    projects: list[Project] = []
    used: set[int] = set(changed)
    hamlets = iter(rng.permutation(len(HAMLETS)).tolist() * 3)
    for year, zone_code, code, role, count in PROJECT_SPECS:
        for _ in range(count):
            for z in rng.permutation(np.flatnonzero(ix.codes == zone_code)):
                z = int(z)
                zone = ix.geoms[z]
                if z in used or zone.area < 20_000:
                    continue
                target = min(rng.uniform(12_000, 30_000), 0.5 * zone.area)
                centre = _random_point(rng, zone.buffer(-30))
                if centre is None:
                    continue
                a, r = rng.uniform(0, np.pi), rng.uniform(1.0, 1.6)
                d = np.array([np.cos(a), np.sin(a)])
                box = rectangle(centre, d, np.sqrt(target * r), np.sqrt(target / r))
                part = shapely.intersection(zone, box)
                parts = [p for p in shapely.get_parts(part) if p.geom_type == "Polygon"]
                poly = next((p for p in parts if p.contains(Point(centre))), None)
                if (
                    poly is None
                    or poly.area < 0.5 * target
                    or poly.distance(avoid) < 30
                    or any(poly.distance(p.geometry) < 30 for p in projects)
                ):
                    continue
                used.add(z)
                ma_xa, ten_xa = ix.plan.at[z, "ma_xa"], ix.plan.at[z, "ten_xa"]
                projects.append(
                    Project(
                        project_name(code, role, ten_xa, HAMLETS[next(hamlets)]),
                        year,
                        code,
                        ma_xa,
                        shapely.normalize(poly),
                        role,
                        z,
                    )
                )
                break
            else:
                raise RuntimeError(f"no zone for a {year} {code} project")
    assert len({p.name for p in projects}) == len(projects), "project names are unique"
    order = sorted(range(len(projects)), key=lambda k: (projects[k].year, projects[k].ma_xa, k))
    return [projects[k] for k in order]


def project_name(code: str, role: str, ten_xa: str, hamlet: str) -> str:
    where = _lower_unit(ten_xa)
    place = ten_xa.removeprefix("Xã ").removeprefix("Thị trấn ")
    if role == "other":
        return f"Khu dịch vụ hậu cần cụm công nghiệp {place}"
    return {
        "ONT": f"Khu dân cư mới thôn {hamlet}, {where}",
        "ODT": f"Khu dân cư đô thị mới phố {hamlet}, {where}",
        "TMD": f"Khu thương mại dịch vụ {place} {hamlet}",
        "SKN": f"Mở rộng cụm công nghiệp {place}",
        "DGD": f"Mở rộng trường mầm non {where}",
        "NTD": f"Mở rộng nghĩa trang nhân dân thôn {hamlet}, {where}",
    }[code]


def build_world(rng: np.random.Generator, layout, ix, compat: Compat) -> World:
    corridors = make_corridors(rng, layout, ix)
    blocked = shapely.union_all(corridors.geometry.to_numpy())
    changed = choose_changes(rng, ix, blocked)
    plan2023 = ix.plan.copy()
    for z, (old, new) in changed.items():
        assert plan2023.at[z, "maloaidat"] == old
        plan2023.at[z, "maloaidat"] = new
    projects = make_projects(rng, ix, changed, blocked)
    # issue 16: one 2024 project listed twice (a second phase on the same land), last row
    base = [p for p in projects if p.year == 2024 and p.code == "ONT" and p.role == "active"][2]
    projects.append(
        Project(base.name + " (giai đoạn 2)", base.year, base.code, base.ma_xa, base.geometry,
                "overlap", base.zone)
    )
    shapely.prepare(blocked)
    return World(compat, plan2023, changed, corridors, blocked, projects)


# ------------------------------------------------------------------------ planted cases


class NewCases:
    """Builds the planted decisions of the newer rules; each checks its geometry."""

    def __init__(self, rng: np.random.Generator, ix, registry, world: World) -> None:
        self.rng, self.ix, self.reg, self.world = rng, ix, registry, world
        self.cases: list[Planted] = []
        self.projects = shapely.union_all([p.geometry for p in world.projects])
        shapely.prepare(self.projects)
        self.groups = 0

    # -- helpers --------------------------------------------------------------------------
    def zones(self, codes: Sequence[str], commune: str | None = None) -> list[int]:
        """Unchanged zones with one of the codes (optionally in one commune)."""
        return [
            int(z)
            for z in np.flatnonzero(np.isin(self.ix.codes, codes))
            if int(z) not in self.world.changed
            and (commune is None or self.ix.plan.at[int(z), "ma_xa"] == commune)
        ]

    def _free(self, geom: BaseGeometry, corridor_ok: bool, projects_ok: bool) -> bool:
        if not self.reg.free(geom, blocked=not corridor_ok):
            return False
        return projects_ok or not shapely.dwithin(self.projects, geom, GAP)

    def inside(
        self,
        zones: Sequence[int],
        area: tuple[float, float] = (250, 500),
        aspect: tuple[float, float] = (1.2, 2.0),
        region: BaseGeometry | None = None,
        ok: Callable[[BaseGeometry], bool] | None = None,
        corridor_ok: bool = False,
        projects_ok: bool = False,
    ) -> BaseGeometry:
        """A rectangle with a 2 m margin inside one of ``zones`` (centre in ``region``)."""
        rng, ix = self.rng, self.ix
        zones = list(zones)
        for _ in range(6_000):
            where = region if region is not None else ix.geoms[zones[rng.integers(len(zones))]]
            c = _random_point(rng, where)
            if c is None:
                continue
            a, r, t = rng.uniform(*area), rng.uniform(*aspect), rng.uniform(0, np.pi)
            geom = rectangle(c, np.array([np.cos(t), np.sin(t)]), np.sqrt(a * r), np.sqrt(a / r))
            zi = ix.zone_with_margin(geom)
            if (
                zi in zones
                and self._free(geom, corridor_ok, projects_ok)
                and (ok is None or ok(geom))
            ):
                assert set(ix.overlaps(geom)) == {zi}
                return geom
        raise RuntimeError("no room for a planted parcel")

    def edge(
        self,
        zones: Sequence[int],
        target: BaseGeometry,
        frac: tuple[float, float],
        size: tuple[float, float],
        ok: Callable[[BaseGeometry], bool] | None = None,
        corridor_ok: bool = False,
        projects_ok: bool = False,
    ) -> tuple[BaseGeometry, float]:
        """A rectangle inside one of ``zones`` with a share in ``frac`` of its area in
        ``target`` (across target's boundary)."""
        rng, ix = self.rng, self.ix
        w, h = size
        room = shapely.union_all(ix.geoms[list(zones)])
        lines = [
            p
            for p in shapely.get_parts(shapely.intersection(shapely.boundary(target), room))
            if p.geom_type == "LineString" and p.length > w + 10
        ]
        assert lines, "target boundary does not cross the zones"
        lengths = np.array([line.length for line in lines])
        for _ in range(3_000):
            line = lines[rng.choice(len(lines), p=lengths / lengths.sum())]
            s = rng.uniform(w / 2 + 4, line.length - w / 2 - 4)
            p = np.array(line.interpolate(s).coords[0])
            ahead, behind = line.interpolate(s + 3).coords[0], line.interpolate(s - 3).coords[0]
            d = unit(np.subtract(ahead, behind))
            n = perp(d)
            if not shapely.contains_xy(target, *(p + 0.5 * n)):
                n = -n
                if not shapely.contains_xy(target, *(p + 0.5 * n)):
                    continue
            want = rng.uniform(0.3, 0.7) * (frac[1] - frac[0]) + frac[0]
            lo, hi = -h / 2 - 1, h / 2 + 1
            for _ in range(40):
                mid = (lo + hi) / 2
                g = rectangle(p + n * mid, d, w, h)
                if shapely.intersection(g, target).area / g.area < want:
                    lo = mid
                else:
                    hi = mid
            geom = rectangle(p + n * hi, d, w, h)
            share = shapely.intersection(geom, target).area / geom.area
            zi = ix.zone_with_margin(geom)
            if (
                frac[0] <= share <= frac[1]
                and zi in zones
                and self._free(geom, corridor_ok, projects_ok)
                and (ok is None or ok(geom))
            ):
                assert set(ix.overlaps(geom)) == {zi}
                return geom, share
        raise RuntimeError("no edge site")

    def pair(
        self,
        zones: Sequence[int],
        size1: tuple[float, float],
        size2: tuple[float, float],
        overlap: tuple[float, float],
    ) -> tuple[BaseGeometry, BaseGeometry, float]:
        """Two rectangles in one zone overlapping by an area in ``overlap`` (m2)."""
        rng, ix = self.rng, self.ix
        (w1, h1), (w2, h2) = size1, size2
        assert h2 <= h1
        for _ in range(6_000):
            z = zones[rng.integers(len(zones))]
            c = _random_point(rng, ix.geoms[z])
            if c is None:
                continue
            t = rng.uniform(0, np.pi)
            d = np.array([np.cos(t), np.sin(t)])
            want = rng.uniform(*overlap)
            shift = (w1 + w2) / 2 - want / h2
            across = rng.uniform(-0.4, 0.4) * (h1 - h2)
            g1 = rectangle(c, d, w1, h1)
            g2 = rectangle(c + d * shift + perp(d) * across, d, w2, h2)
            ov = shapely.intersection(g1, g2).area
            if not overlap[0] <= ov <= overlap[1]:
                continue
            if ix.zone_with_margin(g1) != z or ix.zone_with_margin(g2) != z:
                continue
            if not (self._free(g1, False, False) and self._free(g2, False, False)):
                continue
            return g1, g2, ov
        raise RuntimeError("no room for a pair")

    def add(
        self,
        geom: BaseGeometry,
        granted: str,
        rules: Sequence[tuple[str, str]],
        case: str,
        kind: str,
        date: dt.date,
        previous: str = "",
        group: int = -1,
        duplicate: str = "",
        register: bool = True,
        so_qd: str = "",
    ) -> None:
        rules = list(rules)
        rule, planned = rules[0] if rules else ("", "")
        # outside-plan-period is a note (Land Law 2024 Art. 60); no-plan-version: unchecked
        violation = any(r not in NOT_VIOLATIONS for r, _ in rules)
        status = "violation" if violation else "compliant"
        if any(r == "no-plan-version" for r, _ in rules):
            status = "unchecked"
        self.cases.append(
            Planted(
                geom,
                granted,
                status,
                rule,
                planned,
                case,
                previous,
                kind,
                date,
                tuple(rules[1:]),
                group,
                duplicate,
                so_qd=so_qd,
            )
        )
        if register:
            self.reg.add(geom)

    def new_group(self) -> int:
        self.groups += 1
        return 1000 + self.groups

    def corridor(self, name_part: str) -> tuple[int, BaseGeometry]:
        c = self.world.corridors
        k = int(np.flatnonzero(c.ten.str.contains(name_part))[0])
        return k, c.geometry.iloc[k]

    def clear_of_other_corridors(self, k: int) -> Callable[[BaseGeometry], bool]:
        others = [g for j, g in enumerate(self.world.corridors.geometry) if j != k]
        return lambda g: all(not shapely.dwithin(o, g, GAP) for o in others)

    # -- the cases --------------------------------------------------------------------------
    def plan_versions(self) -> None:
        by_change = {v: z for z, v in self.world.changed.items()}

        def z(old: str, new: str) -> list[int]:
            return [by_change[(old, new)]]

        after = "version-after: {g} granted after the 2023-07-01 adjustment, zone {o}->{n}"
        before = "version-before: {g} granted before the adjustment, zone {o}->{n}"
        for (o, n), g, kind, date, area in (
            (("LUC", "ONT"), "ONT", "recognition", D(2024, 5, 14), (200, 400)),
            (("LUK", "SKN"), "SKN", "lease", D(2025, 3, 2), (1200, 1900)),  # 2025: no annual plan
            (("ONT", "DGD"), "DGD", "allocation-free", D(2025, 6, 10), (1000, 1800)),
            (("CLN", "ONT"), "ONT+CLN", "recognition", D(2024, 8, 19), (400, 900)),
            (("LUK", "NTD"), "NTD", "allocation-free", D(2025, 2, 11), (300, 800)),
        ):
            geom = self.inside(z(o, n), area)
            self.add(geom, g, [], after.format(g=g, o=o, n=n) + ": compliant", kind, date)
        for (o, n), g, kind, date, area in (
            (("LUC", "ONT"), "ONT", "recognition", D(2022, 10, 5), (200, 400)),
            (("LUK", "SKN"), "SKN", "lease", D(2022, 2, 14), (1200, 1900)),  # 2022: no annual plan
            (("ONT", "DGD"), "DGD", "recognition", D(2023, 5, 22), (1000, 1800)),
            (("CLN", "ONT"), "ONT", "recognition", D(2021, 9, 3), (200, 400)),
        ):
            geom = self.inside(z(o, n), area)
            text = before.format(g=g, o=o, n=n) + f": the base plan ({o}) applies"
            self.add(geom, g, [("zoning-conflict", o)], text, kind, date)
        for date, rules, what in (
            (D(2023, 7, 1), [], "on the adjustment's approval day: compliant"),
            (D(2023, 6, 30), [("zoning-conflict", "HNK")], "the day before it: base plan (HNK)"),
        ):
            geom = self.inside(z("HNK", "TMD"), (300, 900))
            text = f"version-boundary: TMD recognised in a zone changed HNK->TMD, {what}"
            self.add(geom, "TMD", rules, text, "recognition", date)
        for (o, n), g, date in (
            (("LUC", "ONT"), "LUC", D(2024, 2, 1)),
            (("HNK", "TMD"), "HNK", D(2025, 4, 8)),
        ):
            geom = self.inside(z(o, n), (400, 1200))
            text = f"version-old-code: {g} recognised after the zone changed {o}->{n}"
            self.add(geom, g, [("zoning-conflict", n)], text, "recognition", date)

    def conversions(self) -> None:
        # Outside the quota commune, whose rice conversions must all be compliant.
        ont, luc, skn = (
            [z for z in self.zones([c]) if self.ix.plan.at[z, "ma_xa"] != QUOTA_COMMUNE]
            for c in ("ONT", "LUC", "SKN")
        )
        contrary = "conversion-contrary-to-plan"
        for zones, prev, g, date, area, aspect, zone_code, flagged in (
            (ont, "LUC", "CLN", D(2022, 4, 12), (300, 700), (1.2, 2.0), "ONT", True),
            (ont, "LUK", "NTS", D(2025, 3, 3), (300, 700), (1.2, 2.0), "ONT", True),
            (luc, "LUC", "DTL", D(2022, 7, 19), (150, 300), (5.0, 9.0), "LUC", True),
            (skn, "LUK", "SKC", D(2025, 5, 27), (900, 1600), (1.0, 1.8), "SKN", True),
            (ont, "HNK", "CLN", D(2022, 11, 8), (300, 700), (1.2, 2.0), "ONT", False),
            (ont, "LUC", "ONT+CLN", D(2021, 6, 21), (400, 900), (1.2, 2.0), "ONT", False),
            (skn, "HNK", "SKC", D(2025, 7, 14), (900, 1600), (1.0, 1.8), "SKN", False),
        ):
            geom = self.inside(zones, area, aspect)
            where = f"{prev}->{g} in {an(zone_code)} {zone_code} zone"
            if flagged:
                why = f"allowed there but not designated, and {prev} is protected"
                text, rules = f"contrary: {where}: {why}", [(contrary, zone_code)]
            elif prev in PROTECTED:
                text, rules = f"contrary-near: {where}: designated there", []
            else:
                text, rules = f"contrary-near: {where}: {prev} is not protected", []
            self.add(geom, g, rules, text, "conversion", date, previous=prev)

    def plan_period(self) -> None:
        # Issue 16: a decision dated before the earliest plan version (the base plan, approved
        # 2020-12-31) was issued under the previous plan, which the sample does not have: it
        # is unchecked (no-plan-version). Dated outside plan_start..plan_end but with a
        # version in force, it is judged against that version and noted (outside-plan-period,
        # not a violation: Land Law 2024 Art. 60).
        period = "outside-plan-period"
        none = "no-plan-version"
        for code, kind, date, rules, text in (
            ("LUC", "recognition", D(2020, 6, 15), [(none, "")],
             "dated before the base plan's approval: no plan version in force, unchecked"),
            (
                "ONT",
                "recognition",
                D(2020, 12, 31),
                [(period, "")],
                "dated on the base plan's approval day but before plan_start: noted",
            ),
            ("HNK", "allocation", D(2026, 1, 5), [(period, "")], "dated after plan_end: noted"),
            ("NTS", "lease", D(2026, 3, 17), [(period, "")], "dated after plan_end: noted"),
            ("LUC", "recognition", D(2021, 1, 1), [], "dated on plan_start: compliant"),
            ("CLN", "recognition", D(2025, 12, 31), [], "dated on plan_end: compliant"),
        ):
            geom = self.inside(self.zones([code]), (400, 1200))
            tag = "period" if rules else "period-near"
            self.add(geom, code, rules, f"{tag}: {code} {kind} {text}", kind, date)
        geom = self.inside(self.zones(["LUC"]), (200, 400))
        self.add(
            geom,
            "ONT",
            [(none, "")],
            "two-rules: ONT recognised inside a LUC zone, dated 2020-09-10, before the base "
            "plan: no plan version in force, so no zoning-conflict either",
            "recognition",
            D(2020, 9, 10),
        )

    def annual_plan(self) -> None:
        projects = self.world.projects
        annual = [("conversion-not-in-annual-plan", "")]

        def of(year: int, code: str, role: str = "active") -> list[Project]:
            return [p for p in projects if p.year == year and p.code == code and p.role == role]

        def outside_all(g: BaseGeometry) -> bool:
            return not shapely.dwithin(self.projects, g, 5.0)

        def within(p: Project) -> Callable[[BaseGeometry], bool]:
            return lambda g: p.geometry.contains(g.buffer(MARGIN))

        def only(p: Project) -> Callable[[BaseGeometry], bool]:
            others = [q.geometry for q in projects if q is not p]
            return lambda g: all(not shapely.dwithin(o, g, 5.0) for o in others)

        p23 = of(2023, "ONT")[0]
        geom = self.inside([p23.zone], (200, 400), ok=outside_all, projects_ok=True)
        self.add(
            geom,
            "ONT",
            annual,
            "annual-plan: ONT allocated in 2023 outside every project (its zone has a 2023 "
            "project elsewhere)",
            "allocation",
            D(2023, 8, 21),
        )
        geom = self.inside(self.zones(["ODT"]), (120, 300), ok=outside_all, projects_ok=True)
        self.add(
            geom,
            "ODT",
            annual,
            "annual-plan: HNK->ODT conversion in 2024 outside every project",
            "conversion",
            D(2024, 3, 12),
            previous="HNK",
        )
        other = of(2024, "TMD", "other")[0]
        geom = self.inside(
            [other.zone], (900, 1500), region=other.geometry, ok=within(other), projects_ok=True
        )
        self.add(
            geom,
            "SKC",
            annual,
            "annual-plan: SKC allocated in 2024 inside a 2024 project for TMD (another purpose)",
            "allocation",
            D(2024, 6, 4),
        )
        p24 = of(2024, "ONT")
        geom, share = self.edge(
            [p24[0].zone],
            p24[0].geometry,
            (0.4, 0.7),
            (28.0, 22.0),
            ok=only(p24[0]),
            projects_ok=True,
        )
        self.add(
            geom,
            "ONT+CLN",
            annual,
            f"annual-plan: ONT+CLN allocated in 2024 with {1 - share:.0%} outside its 2024 project",
            "allocation",
            D(2024, 10, 9),
        )
        geom = self.inside(
            [p24[1].zone], (200, 400), region=p24[1].geometry, ok=within(p24[1]), projects_ok=True
        )
        self.add(
            geom,
            "ONT",
            annual,
            "annual-plan: ONT allocated in 2023 inside a 2024 project (not of its year)",
            "allocation",
            D(2023, 4, 18),
        )
        near = "annual-plan-near"
        sizes = {
            "ONT": (200, 400),
            "ODT": (120, 300),
            "TMD": (400, 1000),
            "SKN": (1200, 1900),
            "DGD": (1000, 1800),
            "NTD": (300, 800),
        }
        for p in projects:
            if p.role != "active":
                continue
            geom = self.inside(
                [p.zone], sizes[p.code], region=p.geometry, ok=within(p), projects_ok=True
            )
            kind = "allocation-free" if p.code in ("DGD", "NTD") else "allocation"
            self.add(
                geom,
                p.code,
                [],
                f"{near}: {p.code} allocated in {p.year} inside its {p.year} project",
                kind,
                D(p.year, 6, 12),
            )
        geom = self.inside(self.zones(["ONT"]), (200, 400), ok=outside_all)
        self.add(
            geom,
            "ONT",
            [],
            f"{near}: ONT allocated in 2022 outside projects (no annual plan that year)",
            "allocation",
            D(2022, 5, 30),
        )
        # --- issue 16: leases follow the annual plan like allocations (LL2024 Art. 116) ---
        geom = self.inside(self.zones(["TMD"]), (400, 1000), ok=outside_all)
        self.add(
            geom,
            "TMD",
            annual,
            "annual-plan: TMD leased in 2024 outside every project (leases follow the annual "
            "plan like allocations)",
            "lease",
            D(2024, 2, 26),
        )
        p = of(2023, "TMD")[0]
        geom = self.inside([p.zone], (400, 1000), region=p.geometry, ok=within(p), projects_ok=True)
        self.add(
            geom, "TMD", [], f"{near}: TMD leased in 2023 inside its 2023 project", "lease",
            D(2023, 10, 16),
        )
        # --- issue 16: a parcel in two overlapping projects of its year (the same land listed
        # twice) counts that land once: 40-50 % of it lies outside both ---
        twin = next(q for q in projects if q.role == "overlap")
        p = next(q for q in projects if q.role == "active" and q.geometry.equals(twin.geometry))
        others = [q.geometry for q in projects if q is not p and q is not twin]
        geom, share = self.edge(
            [p.zone],
            p.geometry,
            (0.5, 0.6),
            (28.0, 22.0),
            ok=lambda g: all(not shapely.dwithin(o, g, 5.0) for o in others),
            projects_ok=True,
        )
        self.add(
            geom,
            "ONT",
            annual,
            f"annual-plan: ONT allocated in 2024, {share:.0%} in a project listed twice, "
            f"{1 - share:.0%} outside (the overlap counts once)",
            "allocation",
            D(2024, 7, 23),
        )
        p = of(2023, "ONT")[1]
        geom, share = self.edge(
            [p.zone], p.geometry, (0.97, 0.985), (24.0, 20.0), ok=only(p), projects_ok=True
        )
        self.add(
            geom,
            "ONT",
            [],
            f"{near}: ONT allocated in 2023 in its 2023 project, {1 - share:.1%} outside",
            "allocation",
            D(2023, 9, 27),
        )

    def quota(self) -> None:
        zones = self.zones(["ONT"], QUOTA_COMMUNE)
        for k, (prev, date) in enumerate(
            (
                ("LUC", D(2025, 9, 16)),
                ("LUC", D(2025, 10, 7)),
                ("LUK", D(2025, 11, 12)),
                ("LUC", D(2025, 12, 3)),
            )
        ):
            geom = self.inside(zones, (650, 900))
            if k == 0:
                rules, text = [], "quota-near: the last rice conversion within the quota"
            else:
                rules = [("quota-exceeded", "")]
                text = f"quota: rice conversion no. {k} beyond the commune's quota"
            self.add(
                geom,
                "ONT+CLN",
                rules,
                f"{text} ({prev}->ONT+CLN)",
                "conversion",
                date,
                previous=prev,
            )

    def protected(self) -> None:
        hit = [("protected-area", "")]
        for part, code, kind, date in (
            ("tả ngạn", "ONT", "recognition", D(2022, 3, 9)),
            ("hữu ngạn", "ONT", "allocation", D(2025, 8, 14)),
            ("QL37", "ODT", "recognition", D(2021, 11, 23)),
            ("QL37", "TMD", "lease", D(2022, 9, 30)),  # 2022: no annual plan
        ):
            k, band = self.corridor(part)
            zones = [z for z in self.zones([code]) if self.ix.geoms[z].intersects(band)]
            size = (18.0, 14.0) if code in ("ONT", "ODT") else (30.0, 20.0)
            geom, share = self.edge(
                zones, band, (0.4, 0.8), size, ok=self.clear_of_other_corridors(k), corridor_ok=True
            )
            name = self.world.corridors.ten.iloc[k]
            self.add(
                geom, code, hit, f"protected: {code} {kind}, {share:.0%} in '{name}'", kind, date
            )
        near = "protected-near"
        k, band = self.corridor("tả ngạn")
        zones = [z for z in self.zones(["ONT"]) if self.ix.geoms[z].intersects(band)]
        clear = self.clear_of_other_corridors(k)
        geom, share = self.edge(
            zones,
            band,
            (0.01, 0.045),
            (19.0, 15.0),
            ok=lambda g: clear(g) and shapely.intersection(g, band).area < 18,
            corridor_ok=True,
        )
        ov = shapely.intersection(geom, band).area
        self.add(
            geom,
            "ONT",
            [],
            f"{near}: ONT parcel touching the dyke corridor by {ov:.1f} m2 ({share:.1%})",
            "recognition",
            D(2022, 12, 12),
        )
        # issue 16: a corridor's list is exact: CLN is not allowed where only HNK is listed,
        # though the compatibility table pairs them
        for part, code, zone_code, date, why, rules in (
            ("tả ngạn", "LUC", "LUC", D(2023, 3, 15), "LUC is allowed there", []),
            (
                "hữu ngạn",
                "CLN",
                "CLN",
                D(2024, 1, 9),
                "only HNK is listed; the compatibility table does not widen the list",
                hit,
            ),
        ):
            k, band = self.corridor(part)
            zones = [z for z in self.zones([zone_code]) if self.ix.geoms[z].intersects(band)]
            geom, share = self.edge(
                zones,
                band,
                (0.5, 0.9),
                (30.0, 18.0),
                ok=self.clear_of_other_corridors(k),
                corridor_ok=True,
            )
            tag = "protected" if rules else near
            self.add(
                geom,
                code,
                rules,
                f"{tag}: {code} with {share:.0%} in a dyke corridor: {why}",
                "recognition",
                date,
            )
        k, relic = self.corridor("di tích")
        zone = self.ix.zone_with_margin(relic)
        geom = self.inside(
            [zone], (150, 300), region=relic, ok=lambda g: relic.contains(g), corridor_ok=True
        )
        self.add(
            geom,
            "CLN",
            [],
            f"{near}: CLN garden inside the relic site (CLN is allowed)",
            "recognition",
            D(2023, 10, 3),
        )

    def double_allocation(self) -> None:
        da = [("double-allocation", "")]
        for zones, (c1, k1, d1), (c2, k2, d2), s1, s2, ov, rules, tag in (
            (
                self.zones(["LUC"]),
                ("LUC", "recognition", D(2021, 3, 2)),
                ("LUC", "recognition", D(2022, 8, 17)),
                (40, 25),
                (30, 20),
                (120, 200),
                da,
                "double-allocation",
            ),
            (
                self.zones(["ONT"]),
                ("ONT", "allocation", D(2021, 10, 11)),
                ("ONT", "recognition", D(2025, 4, 22)),
                (20, 15),
                (18, 14),
                (90, 140),
                da,
                "double-allocation",
            ),
            (
                self.zones(["SKN"]),
                ("SKC", "lease", D(2022, 2, 8)),
                ("SKC", "lease", D(2025, 6, 30)),
                (40, 35),
                (36, 30),
                (300, 500),
                da,
                "double-allocation",
            ),
            (
                self.zones(["ONT"]),
                ("ONT", "recognition", D(2022, 1, 20)),
                ("ONT+CLN", "recognition", D(2024, 11, 5)),
                (12, 12),
                (40, 11),
                (24, 34),
                da,
                "double-allocation",
            ),
            (
                self.zones(["ONT"]),
                ("ONT", "recognition", D(2021, 5, 5)),
                ("ONT", "recognition", D(2023, 2, 2)),
                (13, 11),
                (13, 10),
                (9, 15),
                [],
                "double-allocation-near",
            ),
            (
                self.zones(["LUC"]),
                ("LUC", "recognition", D(2022, 6, 6)),
                ("LUC", "recognition", D(2024, 6, 6)),
                (50, 32),
                (48, 30),
                (35, 60),
                [],
                "double-allocation-near",
            ),
            (
                self.zones(["ONT"]),
                ("ONT", "allocation", D(2021, 7, 7)),
                ("ONT", "conversion", D(2022, 9, 9)),
                (20, 15),
                (18, 14),
                (90, 140),
                [],
                "double-allocation-near",
            ),
        ):
            g1, g2, area = self.pair(zones, s1, s2, ov)
            a1, a2 = g1.area, g2.area
            small = min(a1, a2)
            group = self.new_group()
            desc = f"{area:.0f} m2 overlap, {area / small:.1%} of the smaller parcel"
            if tag == "double-allocation":
                assert area > 20 and area > 0.05 * small
                first = f"double-allocation-first: {c1} {k1}, earlier of an overlapping pair"
                second = f"double-allocation: {c2} {k2} over an earlier {k1} ({desc})"
            elif k2 == "conversion":
                first = f"{tag}: {c1} {k1} overlapped by a later conversion ({desc})"
                second = (
                    f"{tag}: HNK->{c2} conversion over an earlier {k1} (conversions "
                    "are not holdings)"
                )
            else:
                assert not (area > 20 and area > 0.05 * small)
                first = f"{tag}: {c1} {k1}, earlier of a pair under tolerance ({desc})"
                second = f"{tag}: {c2} {k2}, later of a pair under tolerance ({desc})"
            prev2 = "HNK" if k2 == "conversion" else ""
            self.add(g1, c1, [], first, k1, d1, group=group)
            self.add(g2, c2, rules, second, k2, d2, previous=prev2, group=group)

    def duplicate(self) -> None:
        # --- issue 16: a grant written twice is a duplicate, never granted twice by itself ---
        pairs = (("ONT allocation", "allocation", D(2022, 4, 14), "", "dup-2",
                  " (not granted twice by its own copy)"),
                 ("HNK->ONT conversion", "conversion", D(2022, 10, 20), "HNK", "dup-1", ""))
        for what, kind, day, previous, key, why in pairs:
            geom = self.inside(self.zones(["ONT"]), (200, 400))
            group = self.new_group()
            for k in range(2):
                self.add(
                    geom,
                    "ONT",
                    [("duplicate-id", "")],
                    f"duplicate: {what}, row {k + 1} of an exact duplicate pair{why}",
                    kind,
                    day,
                    previous=previous,
                    group=group,
                    duplicate=key,
                    register=k == 0,
                )

    def number_order(self) -> None:
        """Issue 16: two recognitions of one day overlapping; 99999/QĐ-UBND was issued before
        100000/QĐ-UBND (numeric order; as text '100000' sorts first), so the later is flagged."""
        g1, g2, area = self.pair(self.zones(["ONT"]), (20, 15), (18, 14), (90, 140))
        group = self.new_group()
        day = D(2022, 3, 24)
        self.add(g1, "ONT", [], "double-allocation-first: ONT recognition 99999/QĐ-UBND, "
                 "the same day as 100000/QĐ-UBND and before it (numeric order)", "recognition",
                 day, group=group, so_qd="99999/QĐ-UBND")
        self.add(g2, "ONT", [("double-allocation", "")], "double-allocation: ONT recognition "
                 f"100000/QĐ-UBND over 99999/QĐ-UBND of the same day ({area:.0f} m2 overlap)",
                 "recognition", day, group=group, so_qd="100000/QĐ-UBND")

    def build(self) -> list[Planted]:
        self.plan_versions()
        self.protected()
        self.annual_plan()
        self.quota()
        self.conversions()
        self.plan_period()
        self.double_allocation()
        self.duplicate()
        self.number_order()
        return self.cases


def reserve_projects(world: World, registry) -> None:
    """Keep every parcel off the projects that must stay without decisions."""
    for p in world.projects:
        if p.role in ("stale", "empty"):
            registry.add(p.geometry)


def ordinary_filter(world: World) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Mask of ordinary candidates that no corridor forbids."""
    corridors = [
        (geom, [c.strip() for c in allowed.split(",")])
        for geom, allowed in zip(world.corridors.geometry, world.corridors.cho_phep, strict=True)
    ]

    def ok(polys: np.ndarray, granted: np.ndarray) -> np.ndarray:
        mask = np.ones(len(polys), dtype=bool)
        for geom, allowed in corridors:
            fine = {g: any(exact_allowed(split_code(g), c) for c in allowed) for g in set(granted)}
            hit = shapely.intersects(polys, geom)
            mask &= ~hit | np.array([fine[g] for g in granted])
        return mask

    return ok


# ------------------------------------------------------------------------ ordinary dates


def _uniform(rng: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))


def assign_dates(
    rng: np.random.Generator,
    rows: pd.DataFrame,
    kinds: list[str],
    previous: list[str],
    ma_xa: list[str],
    world: World,
) -> list[dt.date]:
    """Decision dates: fixed for new planted cases, 2021-2022 for the older planted cases,
    and for ordinary rows within 2021-2025 such that they stay compliant:

    * rows in a zone the adjustment changed are dated before 2023-07-01;
    * allocations, leases and conversions to non-agricultural use are dated in 2023 or 2024
      only when they lie inside a project of that year whose purpose allows their code;
    * rice-to-non-agricultural conversions of the quota commune are dated by 2025-08-31.

    (Each active 2023 project holds a planted allocation of 2023, so none is stale.)
    """
    compat = world.compat
    projects = world.projects
    prepared = [p.geometry for p in projects]
    for g in prepared:
        shapely.prepare(g)
    dates: list[dt.date] = []
    for i, row in enumerate(rows.itertuples()):
        if row.case:
            dates.append(
                row.date if row.date is not None else _uniform(rng, D(2021, 1, 1), D(2022, 12, 31))
            )
            continue
        codes = split_code(row.base)
        hi = PLAN_END
        if row.host in world.changed:
            hi = ADJUSTED - dt.timedelta(days=1)
        kind = kinds[i].removesuffix("-free")
        if (
            ma_xa[i] == QUOTA_COMMUNE
            and kind == "conversion"
            and previous[i]
            and matches(previous[i], "LUA")
            and is_non_agricultural(codes)
        ):
            hi = min(hi, QUOTA_LAST_ORDINARY)
        buffered = row.geometry.buffer(MARGIN)
        years = sorted(
            {
                p.year
                for p, g in zip(projects, prepared, strict=True)
                if compat.allowed(codes, p.code) and g.contains(buffered)
            }
        )
        restricted = kind in ("allocation", "lease", "conversion") and is_non_agricultural(codes)
        if not restricted:
            dates.append(_uniform(rng, PLAN_START, hi))
            continue
        years = [y for y in years if D(y, 1, 1) <= hi]
        if years and rng.random() < 0.7:
            y = years[rng.integers(len(years))]
            dates.append(_uniform(rng, D(y, 1, 1), min(D(y, 12, 31), hi)))
            continue
        while True:
            d = _uniform(rng, PLAN_START, hi)
            if d.year in FREE_YEARS:
                break
        dates.append(d)

    return dates


def quota_table(
    decisions: gpd.GeoDataFrame,
    kinds: list[str],
    previous: list[str],
    dates: list[dt.date],
    near: int,
    beyond: list[int],
) -> pd.DataFrame:
    """quotas.csv: comfortable quotas everywhere except the quota commune's rice conversions,
    whose quota lies half-way through the first planted conversion beyond it (``near`` is the
    last row within the quota, ``beyond`` the rows after it)."""
    area = np.array([0.0 if g is None else shapely.make_valid(g).area for g in decisions.geometry])
    legal = decisions.dientich.to_numpy(dtype=float)
    codes = [parse_code(c) for c in decisions.kyhieumucd]
    so_qd = decisions.so_qd.to_numpy()
    ma_xa = decisions.ma_xa.to_numpy()

    def members(frm: str, to: str, unit_code: str) -> list[int]:
        out = [
            i
            for i in range(len(decisions))
            if kinds[i] == "conversion"
            and previous[i]
            and matches(previous[i], frm)
            and codes[i]
            and matches(codes[i][0], to)
            and unit_code in ("*", ma_xa[i])
        ]
        return sorted(out, key=lambda i: (dates[i], *number_key(so_qd[i]), area[i]))

    rows = []
    for xa in sorted(set(ma_xa)):
        m = members("LUA", "non-agricultural", xa)
        if xa == QUOTA_COMMUNE:
            k = m.index(near)
            assert m[k + 1 :] == beyond, "the planted conversions are the last ones"
            lo = max(sizes[m[: k + 1]].sum() for sizes in (area, legal))
            hi = min(sizes[m[: k + 2]].sum() for sizes in (area, legal))
            assert hi - lo > 300, (lo, hi)
            rows.append((xa, "LUA", "non-agricultural", f"{(lo + hi) / 2 / 10_000:.4f}"))
        else:
            total = max(area[m].sum(), legal[m].sum())
            quota = np.ceil(total * 1.3 + 3_000) / 1e4
            rows.append((xa, "LUA", "non-agricultural", f"{quota:.2f}"))
    for frm, to in (("LUA", "OTC"), ("agricultural", "non-agricultural")):
        m = members(frm, to, "*")
        total = max(area[m].sum(), legal[m].sum())
        rows.append(("*", frm, to, f"{np.ceil(total * 1.2 + 10_000) / 1e4:.2f}"))
    return pd.DataFrame(rows, columns=["unit", "from", "to", "quota_ha"])
