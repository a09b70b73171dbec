"""Independent evaluation of every landplan rule on the written sample files.

``generate.py`` builds each planted case on purpose and records what it should produce; after
writing the files it calls :func:`evaluate` and asserts that the result is exactly
``ground_truth.csv``. This module reads the files back as a user would (pyogrio, CSV, TOML)
and evaluates every rule for every decision and every project from the definitions below. It
does not import ``landplan``; it only reads the library's data table ``compatibility.csv``.

Definitions (the contract the library implements):

* Tolerance T: an area counts when it is > 5 % of the parcel's area and > 20 m2; areas in
  EPSG:9209 on the parcel repaired with ``make_valid``.
* ``allowed(g, p)``: g == p, or g descends from p (Circular 27/2018 tree), or (P, G) is a row
  of compatibility.csv with P an ancestor-or-self of p and G one of g; a multi-purpose code
  ``A+B`` is allowed when every component is. ``designates(p, g)``: g's first component is p or
  descends from it and the other components are allowed(., p).
* The plan version in force is the latest approved on or before the decision date. A decision
  dated before every approval has none: it was issued under the previous plan (Land Law 2024
  Art. 60), is ``no-plan-version`` and unchecked, and no zoning rule judges it.
  ``outside-plan-period`` (dated before ``plan_start`` or after ``plan_end``, with a version in
  force) is a note, not a violation.
* ``adjustment-legalises-violation`` (on the plan layer): a decision that violated (the zoning
  rules' judgement) the version in force on its date, still violates version j-1 and complies
  with version j (no zoning violation beyond T, and not more than T outside the zones) is
  legalised by adjustment j: one finding on each zone of version j that holds a part of it
  that was in conflict with version j-1 and whose new code differs from the old one and allows
  the granted code. The sample's versions share their zones' geometry, so a zone of one version
  is the same place in the other.
* Land cover (when ``landcover.csv`` lists rasters): see :func:`landcover_evaluate`. Class
  fractions are exact area-weighted pixel coverages of the parcel (reprojected to the
  raster's CRS), computed here with shapely intersections of the parcel and pixel squares;
  the class scheme and the expected classes per code are the library's data tables
  ``landcover/classes.csv`` and ``landcover/expected.csv``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

TOL_PCT = 0.05
TOL_M2 = 20.0
# Plan versions of the sample: file and approval date.
VERSIONS: tuple[tuple[str, dt.date], ...] = (
    ("plan.gpkg", dt.date(2020, 12, 31)),
    ("plan_2023.gpkg", dt.date(2023, 7, 1)),
)
PROTECTED = ("LUA", "LUC", "LUK", "LUN", "RSX", "RPH", "RDD")
STALE_YEARS = 2
COMPLIANCE = (
    "zoning-conflict",
    "conversion-contrary-to-plan",
    "conversion-not-in-annual-plan",
    "quota-exceeded",
    "protected-area",
    "double-allocation",
    "recovery-not-in-annual-plan",
    "wrong-purpose",
    "unused-land",
)
BLOCKING = ("empty-geometry", "missing-code", "unknown-code", "no-plan-version")
# Unchecked unless a compliance rule finds a violation: an unreadable kind, a record that is
# no State decision.
UNLESS_VIOLATION = ("unknown-kind", "not-state-decision")
GRANTS = ("allocation", "lease", "recognition")

# Circular 27/2018/TT-BTNMT: parent -> children.
TREE = """
NNP: SXN LNP NTS LMU NKH
SXN: CHN CLN
CHN: LUA HNK
LUA: LUC LUK LUN
HNK: BHK NHK
LNP: RSX RPH RDD
PNN: OTC CDG TON TIN NTD SON MNC PNK
OTC: ONT ODT
CDG: TSC CQP CAN DSN CSK CCC
DSN: DTS DVH DXH DYT DGD DTT DKH DNG DSK
CSK: SKK SKN SKT TMD SKC SKS SKX
CCC: DGT DTL DDT DDL DSH DKV DNL DBV DCH DRA DCK
CSD: BCS DCS NCS
MVB: MVT MVR MVK
"""
PARENT: dict[str, str | None] = {"NNP": None, "PNN": None, "CSD": None, "MVB": None}
for _line in TREE.strip().splitlines():
    _parent, _children = _line.split(":")
    for _child in _children.split():
        PARENT[_child] = _parent.strip()
GROUPS = {"agricultural": "NNP", "non-agricultural": "PNN"}


def ancestors(code: str) -> list[str]:
    """The code and its ancestors, nearest first."""
    out: list[str] = []
    c: str | None = code
    while c is not None:
        out.append(c)
        c = PARENT[c]
    return out


def parse_code(raw: object) -> tuple[str, ...] | None:
    """Components of a written code ('' or None -> ()), None when a component is unknown."""
    if not isinstance(raw, str) or not raw.strip():
        return ()
    parts = tuple(p.strip().upper() for p in raw.split("+"))
    return parts if all(p in PARENT for p in parts) else None


def matches(code: str, pattern: str) -> bool:
    """A quota pattern: a code (itself and its descendants) or a group name."""
    return GROUPS.get(pattern, pattern) in ancestors(code)


def number_key(so_qd: object) -> tuple[float, str]:
    """Order of decision numbers of one day: the first run of digits as a number (99/QĐ
    before 100/QĐ; none: after those with one), then the text."""
    text = so_qd if isinstance(so_qd, str) else ""
    digits = ""
    for ch in text:
        if "0" <= ch <= "9":
            digits += ch
        elif digits:
            break
    return (float(digits) if digits else float("inf"), text)


def exact_allowed(codes: Sequence[str], listed: str) -> bool:
    """A corridor's list is exact: every component is the listed code or descends from it."""
    return all(listed in ancestors(g) for g in codes)


def is_non_agricultural(codes: Sequence[str]) -> bool:
    return bool(codes) and matches(codes[0], "non-agricultural")


class Compat:
    """allowed() and designates() with the library's compatibility table."""

    def __init__(self, path: Path) -> None:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        self.pairs = set(zip(table.planned.str.strip(), table.granted.str.strip(), strict=True))
        self._cache: dict[tuple[str, str], bool] = {}

    def allowed1(self, g: str, p: str) -> bool:
        key = (g, p)
        if key not in self._cache:
            anc_g, anc_p = ancestors(g), ancestors(p)
            self._cache[key] = p in anc_g or any((a, b) in self.pairs for a in anc_p for b in anc_g)
        return self._cache[key]

    def allowed(self, codes: Sequence[str], p: str) -> bool:
        return all(self.allowed1(g, p) for g in codes)

    def designates(self, p: str, codes: Sequence[str]) -> bool:
        return p in ancestors(codes[0]) and all(self.allowed1(g, p) for g in codes[1:])


def kind_of(value: object) -> str | None:
    """allocation | lease | recognition | conversion | recovery | non-state, from hinh_thuc as
    written; None when unreadable (blank included).

    The spellings of the sample: a leading "QĐ " or "Nhà nước " does not count; origin-of-use
    codes DG-… (allocation), DT-THN/DT-TML (lease), CNQ… (recognition), NCQ-…/DT-KCN… (no
    State decision); VBDLIS ids 1, 2, 3, 12-15 recognition, 4, 5 allocation, 10, 11 lease, 6-9
    and 16 no State decision. "GCNQSDĐ" (the certificate) is no kind.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    t = unicodedata.normalize("NFC", value).strip().lower()
    for prefix in ("qđ ", "nhà nước "):
        t = t.removeprefix(prefix)
    if t in ("chuyển mục đích", "chuyển mục đích sử dụng đất", "cmđ", "cmđsdđ", "chuyển mđsdđ",
             "chuyển mđsd"):
        return "conversion"
    if t.startswith("thu hồi"):
        return "recovery"
    if t.startswith(("ncq-", "dt-kcn")) or t in ("6", "7", "8", "9", "16"):
        return "non-state"
    if t in ("1", "2", "3", "12", "13", "14", "15") or t.startswith(("công nhận", "cnq")):
        return "recognition"
    if t in ("4", "5") or t.startswith(("giao", "dg-")):
        return "allocation"
    if t in ("10", "11", "dt-thn", "dt-tml") or "thuê" in t:
        return "lease"
    return None


def parse_date(value: str) -> dt.date:
    if "/" in value:
        d, m, y = (int(x) for x in value.split("/"))
        return dt.date(y, m, d)
    return dt.date.fromisoformat(value)


def over(area: float, total: float) -> bool:
    """The tolerance: > 5 % of the parcel and > 20 m2."""
    return area > TOL_PCT * total and area > TOL_M2


@dataclass
class Result:
    findings: pd.DataFrame  # layer, source_row, rule, planned
    status: pd.Series  # per decision row
    landcover: pd.DataFrame | None = None  # per decision row (see landcover_evaluate)


def _pair_areas(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, area of a[i] & b[j]) for every intersecting pair with area > 0."""
    valid_b = np.array([g is not None and not g.is_empty for g in b])
    tree = shapely.STRtree(np.where(valid_b, b, None))
    i, j = tree.query(a, predicate="intersects")
    areas = shapely.area(shapely.intersection(a[i], b[j])) if len(i) else np.zeros(0)
    keep = areas > 1e-9
    return i[keep], j[keep], areas[keep]


def _union_area(geom: shapely.Geometry, parts: Iterable[shapely.Geometry]) -> float:
    parts = list(parts)
    if not parts:
        return 0.0
    return float(shapely.intersection(geom, shapely.union_all(parts)).area)


def evaluate(folder: Path, compat_path: Path) -> Result:
    """Every finding of every rule for the sample in ``folder``."""
    compat = Compat(compat_path)
    with open(folder / "landplan.toml", "rb") as f:
        config = tomllib.load(f)
    as_of, plan_start, plan_end = (
        dt.date.fromisoformat(str(config[k])) for k in ("as_of", "plan_start", "plan_end")
    )
    versions = [
        (gpd.read_file(folder / name, layer="plan", engine="pyogrio"), approved)
        for name, approved in VERSIONS
    ]
    dec = gpd.read_file(folder / "decisions" / "decisions.shp", engine="pyogrio")
    projects = gpd.read_file(folder / "projects.gpkg", layer="projects", engine="pyogrio")
    corridors = gpd.read_file(folder / "corridors.gpkg", layer="corridors", engine="pyogrio")
    quotas = pd.read_csv(folder / "quotas.csv", dtype={"unit": str}, keep_default_na=False)
    assert list(projects.columns) == ["ten_da", "nam", "maloaidat", "ma_xa", "geometry"]
    assert list(corridors.columns) == ["ten", "loai", "cho_phep", "geometry"]
    assert list(quotas.columns) == ["unit", "from", "to", "quota_ha"]
    for layer in (dec, projects, corridors, *(v for v, _ in versions)):
        assert layer.crs.to_epsg() == 9209

    n = len(dec)
    found: list[tuple[str, int, str, str]] = []

    def add(row: int, rule: str, planned: str = "", layer: str = "decisions") -> None:
        found.append((layer, row, rule, planned))

    # Per-decision basics.
    raw_geoms = dec.geometry.to_numpy()
    empty = np.array([g is None or g.is_empty for g in raw_geoms])
    geoms = np.array(
        [
            None if e else (g if g.is_valid else shapely.make_valid(g))
            for g, e in zip(raw_geoms, empty, strict=True)
        ],
        dtype=object,
    )
    # Keep only the polygonal part of repaired shapes.
    for i, g in enumerate(geoms):
        if g is not None and g.geom_type == "GeometryCollection":
            geoms[i] = shapely.union_all([p for p in g.geoms if p.area > 0])
    area = np.array([0.0 if g is None else g.area for g in geoms])
    codes = [parse_code(v) for v in dec.kyhieumucd]
    kinds = [kind_of(v) for v in dec.hinh_thuc]
    dates = [parse_date(v) for v in dec.ngay_qd]
    prev = [parse_code(v) for v in dec.mucdichcu]
    for i in range(n):
        if kinds[i] == "conversion":
            assert prev[i], (i, "a conversion names its previous use")
    blocked = np.zeros(n, dtype=bool)
    for i in range(n):
        if empty[i]:
            add(i, "empty-geometry")
            blocked[i] = True
        elif not raw_geoms[i].is_valid:
            add(i, "invalid-geometry")
        if codes[i] == ():
            add(i, "missing-code")
            blocked[i] = True
        elif codes[i] is None:
            add(i, "unknown-code")
            blocked[i] = True
    checkable = ~blocked  # geometry and a known code
    for i in range(n):
        if kinds[i] is None:
            add(i, "unknown-kind")
        elif kinds[i] == "non-state":
            add(i, "not-state-decision")
    unread = np.array([k is None for k in kinds])
    # An unreadable kind is judged as a change of use when it names another previous use.
    as_conversion = [
        kinds[i] == "conversion" or (kinds[i] is None and bool(prev[i]) and prev[i] != codes[i])
        for i in range(n)
    ]
    as_grant = [(kinds[i] in GRANTS or kinds[i] is None) and not as_conversion[i] for i in range(n)]

    # Plan coverage (both versions cover the same district).
    base = versions[0][0].geometry.to_numpy()
    for plan, _ in versions[1:]:
        assert shapely.equals(plan.geometry.to_numpy(), base).all(), "versions share geometry"
    district = shapely.union_all(base)
    ok_geom = ~empty
    inside = np.zeros(n)
    inside[ok_geom] = shapely.area(shapely.intersection(geoms[ok_geom], district))
    outside = area - inside
    outside[outside < 1e-6] = 0.0
    wholly_outside = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(ok_geom):
        if over(outside[i], area[i]):
            add(i, "no-plan-coverage")
        if not over(inside[i], area[i]):
            wholly_outside[i] = True

    # Zone overlaps per version: (decision, zone code, area).
    zone_share: list[dict[int, list[tuple[str, float]]]] = []
    for plan, _ in versions:
        zi, zj, za = _pair_areas(np.where(ok_geom, geoms, None), plan.geometry.to_numpy())
        share: dict[int, list[tuple[str, float]]] = {}
        zcodes = plan.maloaidat.to_numpy()
        for i, j, a in zip(zi, zj, za, strict=True):
            share.setdefault(int(i), []).append((str(zcodes[j]), float(a)))
        zone_share.append(share)

    def version_of(d: dt.date) -> int | None:
        best = None
        for k, (_, approved) in enumerate(versions):
            if approved <= d:
                best = k
        return best

    def bad_codes(i: int, k: int) -> dict[str, float]:
        """Area of decision i in zones of version k whose code does not allow it, per code."""
        g = codes[i]
        bad: dict[str, float] = {}
        for zcode, a in zone_share[k].get(int(i), []):
            if as_conversion[i]:
                protected = any(c in PROTECTED for c in prev[i] or ())
                wrong = not compat.allowed(g, zcode) or (
                    protected and not compat.designates(zcode, g)
                )
            else:
                wrong = not compat.allowed(g, zcode)
            if wrong:
                bad[zcode] = bad.get(zcode, 0.0) + a
        return bad

    # zoning-conflict and conversion-contrary-to-plan.
    for i in np.flatnonzero(checkable):
        if not (as_grant[i] or as_conversion[i]):  # recoveries, non-State records
            continue
        k = version_of(dates[i])
        if k is None:
            continue
        bad = bad_codes(i, k)
        if over(sum(bad.values()), area[i]):
            rule = "conversion-contrary-to-plan" if as_conversion[i] else "zoning-conflict"
            add(i, rule, max(bad, key=bad.get))

    # no-plan-version and outside-plan-period.
    for i in range(n):
        if kinds[i] == "non-state":  # no plan is its basis
            continue
        if version_of(dates[i]) is None:
            add(i, "no-plan-version")
        elif dates[i] < plan_start or dates[i] > plan_end:
            add(i, "outside-plan-period")

    # adjustment-legalises-violation (on the plan layer; zones share geometry across versions).
    for i in np.flatnonzero(checkable):
        if not (as_grant[i] or as_conversion[i]):  # recoveries, non-State records
            continue
        f = version_of(dates[i])
        if f is None or not over(sum(bad_codes(i, f).values()), area[i]):
            continue
        for j in range(f + 1, len(versions)):
            if over(sum(bad_codes(i, j).values()), area[i]):
                continue  # still a violation of version j
            if over(area[i] - sum(a for _, a in zone_share[j].get(int(i), [])), area[i]):
                break  # partly outside the plan: neither
            old_codes = versions[j - 1][0].maloaidat.to_numpy()
            new_codes = versions[j][0].maloaidat.to_numpy()
            zi, zj, za = _pair_areas(np.array([geoms[i]], dtype=object),
                                     versions[j][0].geometry.to_numpy())
            for z, a in zip(zj, za, strict=True):
                old, new = str(old_codes[z]), str(new_codes[z])
                was_bad = old in bad_codes(i, j - 1)
                if a > 0 and was_bad and new != old and compat.allowed(codes[i], new):
                    add(int(z), "adjustment-legalises-violation", new, layer="plan")
            break

    # conversion-not-in-annual-plan.
    pgeoms = projects.geometry.to_numpy()
    pyears = projects.nam.astype(int).to_numpy()
    pcodes = projects.maloaidat.to_numpy()
    years = set(pyears.tolist())
    for i in np.flatnonzero(checkable):
        g = codes[i]
        annual_plan_kind = kinds[i] in ("conversion", "allocation", "lease", None)
        if not annual_plan_kind or not is_non_agricultural(g):
            continue
        if dates[i].year not in years:
            continue
        match = [
            pgeoms[k]
            for k in range(len(projects))
            if pyears[k] == dates[i].year and compat.allowed(g, pcodes[k])
        ]
        if over(area[i] - _union_area(geoms[i], match), area[i]):
            add(i, "conversion-not-in-annual-plan")

    # recovery-not-in-annual-plan: a recovery must lie inside a project of its year (any
    # purpose: its code is the use of the land recovered).
    for i in range(n):
        if kinds[i] != "recovery" or empty[i] or dates[i].year not in years:
            continue
        mine = [pgeoms[k] for k in range(len(projects)) if pyears[k] == dates[i].year]
        if over(area[i] - _union_area(geoms[i], mine), area[i]):
            add(i, "recovery-not-in-annual-plan")

    # quota-exceeded (checked with the drawn and with the legal area: same result).
    for _, q in quotas.iterrows():
        flagged_sets = []
        for sizes in (area, dec.dientich.to_numpy(dtype=float)):
            members = [
                i
                for i in np.flatnonzero(checkable)
                if kinds[i] == "conversion"
                and any(matches(c, q["from"]) for c in prev[i][:1])
                and matches(codes[i][0], q["to"])
                and (q["unit"] == "*" or q["unit"] == dec.ma_xa[i])
            ]
            members.sort(key=lambda i, s=sizes: (dates[i], *number_key(dec.so_qd[i]), s[i]))
            total, flagged = 0.0, []
            for i in members:
                total += sizes[i]
                if total > float(q["quota_ha"]) * 10_000:
                    flagged.append(i)
            flagged_sets.append(flagged)
        assert flagged_sets[0] == flagged_sets[1], ("quota depends on the area used", q.to_dict())
        for i in flagged_sets[0]:
            add(i, "quota-exceeded")

    # protected-area.
    cgeoms = corridors.geometry.to_numpy()
    allowed_lists = [[c.strip() for c in s.split(",")] for s in corridors.cho_phep]
    judged = checkable & np.array([k not in ("recovery", "non-state") for k in kinds])
    ci, cj, ca = _pair_areas(np.where(judged, geoms, None), cgeoms)
    for i, j, a in zip(ci, cj, ca, strict=True):
        if any(exact_allowed(codes[i], c) for c in allowed_lists[j]):
            continue
        if over(a, area[i]):
            add(int(i), "protected-area", "")

    # double-allocation.
    holding = np.array([k in GRANTS or k is None for k in kinds]) & ok_geom
    hold = np.flatnonzero(holding)
    tree = shapely.STRtree(geoms[hold])
    a_idx, b_idx = tree.query(geoms[hold], predicate="intersects")
    sheet_parcel = (dec.shbando.astype(str) + "-" + dec.shthua.astype(str)).to_numpy()
    for a, b in zip(hold[a_idx], hold[b_idx], strict=True):
        if a >= b:
            continue
        copy = (
            dec.so_qd[a] == dec.so_qd[b]
            and sheet_parcel[a] == sheet_parcel[b]
            and dates[a] == dates[b]
            and kinds[a] == kinds[b]
            and geoms[a].equals(geoms[b])
        )
        if copy:  # a record is never in conflict with its own copy (duplicate-id says it)
            continue
        ov = float(shapely.intersection(geoms[a], geoms[b]).area)
        if over(ov, min(area[a], area[b])):
            ka, kb = (dates[a], *number_key(dec.so_qd[a])), (dates[b], *number_key(dec.so_qd[b]))
            assert ka != kb, "overlapping holdings differ in date or decision number"
            later, earlier = (b, a) if kb > ka else (a, b)
            if not unread[earlier]:  # an unreadable earlier holding blames no other
                add(int(later), "double-allocation")

    # duplicate-id (data quality).
    key = dec.so_qd.astype(str) + "|" + dec.shbando.astype(str) + "-" + dec.shthua.astype(str)
    for i in np.flatnonzero(key.duplicated(keep=False).to_numpy()):
        add(int(i), "duplicate-id")

    # stale-plan-item, on the projects.
    # What carries a project out: a recovery (any code), or a conversion, allocation or lease
    # whose code the project's purpose allows.
    realising = np.array([k in ("recovery", "conversion", "allocation", "lease") for k in kinds])
    realising &= ok_geom
    for k in range(len(projects)):
        y = int(pyears[k])
        if y + STALE_YEARS > as_of.year:
            continue
        start = dt.date(y, 1, 1)
        cand = [
            i
            for i in np.flatnonzero(realising)
            if start <= dates[i] <= as_of
            and shapely.intersects(geoms[i], pgeoms[k])
            and (kinds[i] == "recovery" or (bool(codes[i]) and compat.allowed(codes[i], pcodes[k])))
        ]
        if not any(shapely.intersection(geoms[i], pgeoms[k]).area > TOL_M2 for i in cand):
            add(k, "stale-plan-item", str(pcodes[k]), layer="projects")

    # Land cover: unused-land, wrong-purpose, landcover-unchecked.
    cover = None
    if (folder / "landcover.csv").exists():
        lc_found, cover = landcover_evaluate(
            folder, geoms, dec.crs, codes, kinds, dates, as_of, compat_path.parent / "landcover"
        )
        for i, rule in lc_found:
            add(i, rule)

    findings = pd.DataFrame(found, columns=["layer", "source_row", "rule", "planned"])
    rules_of = findings[findings.layer == "decisions"].groupby("source_row")["rule"].agg(set)
    status = []
    for i in range(n):
        rules = rules_of.get(i, set())
        if rules & set(COMPLIANCE):
            status.append("violation")
        elif rules & set(BLOCKING + UNLESS_VIOLATION) or wholly_outside[i]:
            status.append("unchecked")
        else:
            status.append("compliant")
    return Result(findings, pd.Series(status), cover)


def compare(result: Result, truth: pd.DataFrame) -> None:
    """Assert that the evaluated findings are exactly the ground truth."""
    f = result.findings
    dup = f.duplicated(["layer", "source_row", "rule"])
    assert not dup.any(), ("a rule fires twice on one record", f[dup])
    got = {(r.layer, int(r.source_row), r.rule) for r in f.itertuples()}
    want = {
        (r.layer, int(r.source_row), r.expected_rule)
        for r in truth.itertuples()
        if r.expected_rule != ""
    }
    missing, extra = sorted(want - got), sorted(got - want)
    assert not missing and not extra, f"missing {missing[:20]} extra {extra[:20]}"
    # Near-miss rows: a record listed with '' has no finding at all.
    for r in truth[truth.expected_rule == ""].itertuples():
        assert not ((f.layer == r.layer) & (f.source_row == r.source_row)).any(), r
    # Status of every decision.
    dec = truth[truth.layer == "decisions"]
    expected = dict(zip(dec.source_row, dec.expected_status, strict=True))
    for i, s in enumerate(result.status):
        assert s == expected.get(i, "compliant"), (i, s, expected.get(i))
    # The planned code of zoning findings and stale projects.
    named = f[f.rule.isin(["zoning-conflict", "conversion-contrary-to-plan", "stale-plan-item",
                           "adjustment-legalises-violation"])]
    planned = {(r.layer, int(r.source_row), r.rule): r.planned for r in named.itertuples()}
    for r in truth.itertuples():
        k = (r.layer, int(r.source_row), r.expected_rule)
        if k in planned:
            assert planned[k] == r.planned, (k, planned[k], r.planned)


# ------------------------------------------------------------------------------ land cover

MIN_COVERAGE = 0.5  # landcover-unchecked below this share of valid pixels
MAX_UNEXPECTED = 0.5  # wrong-purpose above this share of unexpected classes
UNUSED_MONTHS = 12
MIN_DEVELOPED = 0.2
MIN_RISE = 0.1
DEVELOPMENT = ("OTC", "CSK", "DSN", "TSC", "CCC", "CQP", "CAN")
UNUSED_KINDS = ("allocation", "lease", "conversion")


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (2022-03-18 -> 2023-03-17 is 11)."""
    return (end.year - start.year) * 12 + (end.month - start.month) - (end.day < start.day)


class CoverScheme:
    """The class scheme (classes.csv) and the expected classes per code (expected.csv)."""

    def __init__(self, folder: Path) -> None:
        classes = pd.read_csv(folder / "classes.csv", dtype=str, keep_default_na=False)
        self.name = {
            int(v): c.strip() for v, c in zip(classes.value, classes["class"], strict=True)
        }
        self.value = {c: v for v, c in self.name.items()}
        self.developed = {
            c.strip()
            for c, d in zip(classes["class"], classes.developed, strict=True)
            if d.strip().lower() == "true"
        }
        table = pd.read_csv(folder / "expected.csv", dtype=str, keep_default_na=False)
        self.table = {
            c.strip().upper(): frozenset(v.split())
            for c, v in zip(table.code, table.classes, strict=True)
        }

    def expected(self, codes: Sequence[str], nearest: bool = True) -> frozenset[str] | None:
        """Union over the components of the entry of the nearest ancestor-or-self listed in
        expected.csv (``nearest=False``: the union of every listed ancestor's entry). None when
        a component has no entry."""
        out: set[str] = set()
        for code in codes:
            hits = [self.table[a] for a in ancestors(code) if a in self.table]
            if not hits:
                return None
            out |= hits[0] if nearest else set().union(*hits)
        return frozenset(out)


def pixel_weights(
    geom: shapely.Geometry, transform: rasterio.Affine, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(flat pixel index, area of geom in that pixel) for every pixel of a north-up grid that
    the (polygonal) geometry covers with a positive area; pixels off the grid are left out."""
    res_x, res_y = transform.a, -transform.e
    x0, y1 = transform.c, transform.f
    xmin, ymin, xmax, ymax = geom.bounds
    c0 = max(int(np.floor((xmin - x0) / res_x)), 0)
    c1 = min(int(np.ceil((xmax - x0) / res_x)), shape[1])
    r0 = max(int(np.floor((y1 - ymax) / res_y)), 0)
    r1 = min(int(np.ceil((y1 - ymin) / res_y)), shape[0])
    if c1 <= c0 or r1 <= r0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    rr, cc = np.meshgrid(np.arange(r0, r1), np.arange(c0, c1), indexing="ij")
    rr, cc = rr.ravel(), cc.ravel()
    boxes = shapely.box(
        x0 + cc * res_x, y1 - (rr + 1) * res_y, x0 + (cc + 1) * res_x, y1 - rr * res_y
    )
    areas = shapely.area(shapely.intersection(boxes, geom))
    keep = areas > 0
    return (rr[keep] * shape[1] + cc[keep]).astype(np.int64), areas[keep]


def parcel_weights(
    geoms: Sequence[shapely.Geometry | None], transform: rasterio.Affine, shape: tuple[int, int]
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Per geometry: :func:`pixel_weights` and its area (empty for a missing geometry)."""
    out = []
    for g in geoms:
        if g is None or g.is_empty:
            out.append((np.zeros(0, dtype=np.int64), np.zeros(0), 0.0))
        else:
            out.append((*pixel_weights(g, transform, shape), g.area))
    return out


def class_areas(
    weights: Sequence[tuple[np.ndarray, np.ndarray, float]], data: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per geometry: the area in each pixel value (n x 256; value 0 is nodata) and its area."""
    out = np.zeros((len(weights), 256))
    flat = data.ravel()
    for i, (idx, w, _) in enumerate(weights):
        if len(idx):
            out[i] = np.bincount(flat[idx], weights=w, minlength=256)
    return out, np.array([a for _, _, a in weights])


def read_landcover(folder: Path) -> list[tuple[dt.date, Path]]:
    table = pd.read_csv(folder / "landcover.csv", dtype=str, keep_default_na=False)
    assert list(table.columns) == ["path", "date"]
    return sorted(
        (dt.date.fromisoformat(d), folder / p) for p, d in zip(table.path, table.date, strict=True)
    )


def landcover_measure(
    folder: Path, geoms: np.ndarray, crs: object, transformer: object = None
) -> dict[dt.date, tuple[np.ndarray, np.ndarray]]:
    """Per raster date: (area of each decision in each pixel value, the decision's area), the
    decisions reprojected to the raster's CRS (geopandas' default transformation, or
    ``transformer``)."""
    n = len(geoms)
    usable = np.array([g is not None and not g.is_empty for g in geoms])
    measured: dict[dt.date, tuple[np.ndarray, np.ndarray]] = {}
    cache: dict[tuple, list] = {}
    for date, path in read_landcover(folder):
        with rasterio.open(path) as src:
            assert src.count == 1 and src.dtypes[0] == "uint8" and src.nodata == 0
            data, transform, rcrs = src.read(1), src.transform, src.crs
        assert transform.b == 0 and transform.d == 0 and transform.e < 0
        key = (tuple(transform), data.shape, rcrs.to_wkt())
        if key not in cache:
            local = np.full(n, None, dtype=object)
            if transformer is None:
                local[usable] = gpd.GeoSeries(list(geoms[usable]), crs=crs).to_crs(rcrs).to_numpy()
            else:

                def to_raster(xy: np.ndarray, t=transformer) -> np.ndarray:
                    return np.column_stack(t.transform(xy[:, 0], xy[:, 1]))

                local[usable] = [shapely.transform(g, to_raster) for g in geoms[usable]]
            cache[key] = parcel_weights(local, transform, data.shape)
        measured[date] = class_areas(cache[key], data)
    return measured


def landcover_evaluate(
    folder: Path,
    geoms: np.ndarray,
    crs: object,
    codes: Sequence[tuple[str, ...] | None],
    kinds: Sequence[str | None],
    dates: Sequence[dt.date],
    as_of: dt.date,
    scheme_dir: Path,
    *,
    measured: dict[dt.date, tuple[np.ndarray, np.ndarray]] | None = None,
    nearest: bool = True,
    policy: str = "latest",
    skip_used_otherwise: bool = False,
) -> tuple[list[tuple[int, str]], pd.DataFrame]:
    """The land-cover findings, as ``[(row, rule)]``, and a table of what was measured.

    * A decision's image is the latest raster dated on or after its date and on or before
      ``as_of`` (none: not judged, no finding). Fractions are of the valid (non-nodata)
      area; coverage is the valid area over the parcel's area (raster CRS).
    * ``landcover-unchecked``: usable geometry, an image, coverage < 0.5 (not judged).
    * ``wrong-purpose``: known code, judged, share of classes not expected for the code
      (expected.csv at the code or its nearest listed ancestor; union over components) > 0.5.
    * ``unused-land``: allocation, lease or conversion whose first component descends from
      one of ``DEVELOPMENT``, at least 12 whole months before ``as_of``, judged, developed
      (built + bare) share < 0.2 on its image, unless an earlier raster exists and the
      developed share rose by >= 0.1 from the latest earlier raster to its image.

    The keyword arguments give variants used only to show that the sample does not depend on
    readings the contract leaves open: ``nearest=False`` (union of every listed ancestor),
    ``policy="earliest"`` (the earliest raster on or after the date), ``skip_used_otherwise``
    (no unused-land where wrong-purpose fires); ``measured`` (see :func:`landcover_measure`)
    may come from another transformation.
    """
    scheme = CoverScheme(scheme_dir)
    rasters = read_landcover(folder)
    n = len(geoms)
    if measured is None:
        measured = landcover_measure(folder, geoms, crs)
    raster_dates = [d for d, _ in rasters if d <= as_of]
    names = [scheme.name.get(v) for v in range(256)]
    developed_values = [v for v in range(1, 256) if names[v] in scheme.developed]

    def shares(i: int, date: dt.date) -> tuple[float, np.ndarray]:
        areas, total = measured[date]
        valid = areas[i, 1:].sum()
        return valid / total[i], areas[i] / valid if valid > 0 else np.zeros(256)

    found: list[tuple[int, str]] = []
    records = []
    for i in range(n):
        rec = {
            "image": None,
            "coverage": np.nan,
            "unexpected": np.nan,
            "developed": np.nan,
            "earlier": None,
            "developed_before": np.nan,
            "months": np.nan,
            "in_scope": False,
        }
        g = geoms[i]
        if g is None or g.is_empty:
            records.append(rec)
            continue
        on_after = [d for d in raster_dates if d >= dates[i]]
        if not on_after:
            records.append(rec)
            continue
        image = max(on_after) if policy == "latest" else min(on_after)
        coverage, frac = shares(i, image)
        rec.update(image=image, coverage=coverage)
        if coverage < MIN_COVERAGE:
            found.append((i, "landcover-unchecked"))
            records.append(rec)
            continue
        code = codes[i]
        if not code:  # unknown or missing code: nothing is expected, not judged
            records.append(rec)
            continue
        expected = scheme.expected(code, nearest)
        unexpected = float(
            sum(frac[v] for v in range(1, 256) if names[v] and names[v] not in expected)
        )
        developed = float(frac[developed_values].sum())
        rec.update(unexpected=unexpected, developed=developed)
        wrong = unexpected > MAX_UNEXPECTED and kinds[i] != "recovery"
        if wrong:
            found.append((i, "wrong-purpose"))
        in_scope = (kinds[i] in UNUSED_KINDS or kinds[i] is None) and any(
            a in DEVELOPMENT for a in ancestors(code[0])
        )
        months = months_between(dates[i], as_of)
        rec.update(in_scope=in_scope, months=months)
        earlier = [d for d in raster_dates if d < image]
        rising = False
        if earlier:
            before_cov, before = shares(i, max(earlier))
            developed_before = float(before[developed_values].sum())
            rec.update(earlier=max(earlier), developed_before=developed_before)
            if in_scope:
                assert before_cov >= MIN_COVERAGE, (i, "the earlier image covers the parcel")
            rising = developed - developed_before >= MIN_RISE
        if (
            in_scope
            and months >= UNUSED_MONTHS
            and developed < MIN_DEVELOPED
            and not rising
            and not (skip_used_otherwise and wrong)
        ):
            found.append((i, "unused-land"))
        records.append(rec)
    return found, pd.DataFrame(records)


def landcover_variants(
    folder: Path, compat_path: Path, variants: Sequence[dict]
) -> list[list[tuple[int, str]]]:
    """The land-cover findings alone, read from the files as in :func:`evaluate`, once per
    variant: keywords of :func:`landcover_evaluate`, or ``transformer`` (a pyproj
    transformer to the raster CRS instead of geopandas' default)."""
    with open(folder / "landplan.toml", "rb") as f:
        as_of = dt.date.fromisoformat(str(tomllib.load(f)["as_of"]))
    dec = gpd.read_file(folder / "decisions" / "decisions.shp", engine="pyogrio")
    geoms = np.array(
        [
            None if g is None or g.is_empty else (g if g.is_valid else shapely.make_valid(g))
            for g in dec.geometry
        ],
        dtype=object,
    )
    for i, g in enumerate(geoms):
        if g is not None and g.geom_type == "GeometryCollection":
            geoms[i] = shapely.union_all([p for p in g.geoms if p.area > 0])
    codes = [parse_code(v) for v in dec.kyhieumucd]
    kinds = [kind_of(v) for v in dec.hinh_thuc]
    dates = [parse_date(v) for v in dec.ngay_qd]
    default = landcover_measure(folder, geoms, dec.crs)
    out = []
    for variant in variants:
        kw = dict(variant)
        t = kw.pop("transformer", None)
        measured = default if t is None else landcover_measure(folder, geoms, dec.crs, t)
        found, _ = landcover_evaluate(
            folder,
            geoms,
            dec.crs,
            codes,
            kinds,
            dates,
            as_of,
            compat_path.parent / "landcover",
            measured=measured,
            **kw,
        )
        out.append(found)
    return out
