"""Seeded synthetic districts for the scale benchmark (issue: 5,041 zones of ~170 vertices in
30 km × 30 km; 10⁴–10⁶ parcels of 200–2,000 m², about a fifth crossing zone boundaries).

Zones are the cells of a 71 × 71 grid whose edges are shared wavy polylines (41 inner
vertices each, ±8 m), so the plan tiles the district exactly, as a real plan does. Parcels
tile a centred square (rows of 20–40 m, widths so that areas are log-uniform in
200–2,000 m²), so they do not overlap, like a cadastre.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

CODES = np.array(["LUC", "LUK", "ONT", "HNK", "CLN", "NTS", "SKC", "DGT"], dtype=object)
X0, Y0 = 568_000.0, 2_290_000.0  # south-west corner, EPSG:9209 (Hải Dương)
SIDE = 30_000.0


def zones(n_side: int = 71, inner: int = 41, jitter: float = 8.0, seed: int = 1,
          side: float = SIDE) -> gpd.GeoDataFrame:
    """``n_side``² zones with shared wavy edges; codes drawn in 3 × 3 blocks."""
    rng = np.random.default_rng(seed)
    step = side / n_side
    jitter = min(jitter, 0.75 * step / (inner + 1))  # keeps the zones valid at corners
    t = np.linspace(0.0, 1.0, inner + 2)  # along an edge, ends included
    # horizontal edges h[j, i]: from (i, j) to (i + 1, j); vertical v[i, j]: (i, j) to (i, j + 1)
    h_off = rng.uniform(-jitter, jitter, (n_side + 1, n_side, inner + 2))
    v_off = rng.uniform(-jitter, jitter, (n_side + 1, n_side, inner + 2))
    h_off[..., [0, -1]] = v_off[..., [0, -1]] = 0.0
    h_off[[0, -1]] = v_off[[0, -1]] = 0.0  # the district's outline is straight
    i, j = np.meshgrid(np.arange(n_side), np.arange(n_side), indexing="xy")
    i, j = i.ravel(), j.ravel()

    def hedge(ii, jj):  # (n, inner+2, 2) from left to right
        x = X0 + (ii[:, None] + t[None, :]) * step
        y = Y0 + jj[:, None] * step + h_off[jj, ii]
        return np.stack([x, y], axis=-1)

    def vedge(ii, jj):  # bottom to top
        x = X0 + ii[:, None] * step + v_off[ii, jj]
        y = Y0 + (jj[:, None] + t[None, :]) * step
        return np.stack([x, y], axis=-1)

    ring = np.concatenate([
        hedge(i, j)[:, :-1], vedge(i + 1, j)[:, :-1], hedge(i, j + 1)[:, ::-1][:, :-1],
        vedge(i, j)[:, ::-1][:, :-1], hedge(i, j)[:, :1]], axis=1)
    geoms = shapely.polygons(ring)
    blocks = -(-n_side // 3)
    block_code = rng.choice(CODES, blocks * blocks)
    code = block_code[(j // 3) * blocks + i // 3]
    return gpd.GeoDataFrame({"zone_id": np.arange(len(geoms)), "land_use": code},
                            geometry=geoms, crs="EPSG:9209")


def parcels(n: int, seed: int = 2, side: float = SIDE,
            plan: gpd.GeoDataFrame | None = None, p_same: float = 0.9) -> gpd.GeoDataFrame:
    """``n`` non-overlapping parcels tiling a centred square: rows of 20–40 m cut into
    quadrilaterals whose side edges lean (each shared break moves up to 3 m, and at most
    30 % of the narrower neighbour, independently at the bottom and the top), so that
    parcels are not their own bounding boxes, as real parcels are not."""
    rng = np.random.default_rng(seed)
    mean_area = (2000 - 200) / np.log(2000 / 200)  # log-uniform mean, ~782 m²
    region = min(side, float(np.sqrt(n * mean_area)) * 1.02)
    ox, oy = X0 + (side - region) / 2, Y0 + (side - region) / 2
    quads: list[np.ndarray] = []
    y, total = 0.0, 0
    while total < n and y < region - 20:
        h = min(rng.uniform(20, 40), region - y)
        areas = np.exp(rng.uniform(np.log(200), np.log(2000), int(region / 5) + 10))
        widths = np.maximum(areas / h, 1.0)
        breaks = np.concatenate([[0.0], np.cumsum(widths)])
        breaks = breaks[breaks <= region]
        gap = np.diff(breaks)
        room = np.minimum(3.0, 0.3 * np.minimum(np.concatenate([[0.0], gap]),
                                                np.concatenate([gap, [0.0]])))
        bottom = ox + breaks + rng.uniform(-1, 1, len(breaks)) * room
        upper = ox + breaks + rng.uniform(-1, 1, len(breaks)) * room
        top = y + h
        y0s, y1s = np.full(len(gap), oy + y), np.full(len(gap), oy + top)  # shared floats
        quads.append(np.stack([
            np.column_stack([bottom[:-1], y0s]), np.column_stack([bottom[1:], y0s]),
            np.column_stack([upper[1:], y1s]), np.column_stack([upper[:-1], y1s]),
            np.column_stack([bottom[:-1], y0s])], axis=1))
        total += len(gap)
        y = top
    q = np.concatenate(quads)
    if len(q) < n:
        raise ValueError(f"only {len(q)} parcels fit; lower n")
    q = q[rng.permutation(len(q))[:n]]
    q = q[np.lexsort((q[:, 0, 0], q[:, 0, 1]))]  # row by row, as cadastral sheets are
    geoms = shapely.polygons(q)
    b = shapely.bounds(geoms)
    k = np.arange(n)
    if plan is None:
        granted = rng.choice(CODES, n)
    else:
        planned = _planned(plan, b, side)
        granted = np.where(rng.random(n) < p_same, planned, rng.choice(CODES, n))
    return gpd.GeoDataFrame({
        "decision_no": np.char.add(k.astype(str), "/QĐ-UBND"),
        "decision_date": "15/03/2023",
        "kind": rng.choice(["Giao đất", "Cho thuê đất", "Công nhận", "Chuyển mục đích"], n),
        "land_use": granted,
    }, geometry=geoms, crs="EPSG:9209")


def _planned(plan: gpd.GeoDataFrame, bounds: np.ndarray, side: float = SIDE) -> np.ndarray:
    """The code of the :func:`zones` grid cell under each box's centre (wiggles aside)."""
    n_side = round(float(np.sqrt(len(plan))))
    step = side / n_side
    cx, cy = (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2
    col = np.clip(((cx - X0) // step).astype(int), 0, n_side - 1)
    row = np.clip(((cy - Y0) // step).astype(int), 0, n_side - 1)
    return plan["land_use"].to_numpy()[row * n_side + col]


def aligned(n: int, seed: int = 5, parcels_per_zone: float = 9.0, simplify: float = 1.0,
            jitter: float = 0.3, shear: float = 0.25,
            ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A plan drawn on the cadastral map, as district plans are: ``n`` parcels tiling the
    district (the quadrilaterals of a jittered, sheared grid of ~28 m: neighbours share
    vertices and whole edges) and zones that are unions of those parcels (nearest of
    ``n / parcels_per_zone`` random seeds), their edges then simplified by ``simplify``
    metres with ``shapely.coverage_simplify`` (0: the exact unions, every zone edge a
    parcel edge). Returns ``(zones, parcels)``; the parcels carry the columns of
    :func:`parcels`, 90 % of them granted their zone's code."""
    rng = np.random.default_rng(seed)
    step = float(np.sqrt((2000 - 200) / np.log(2000 / 200)))  # ~28 m: the mean parcel
    nx = max(2, int(np.ceil(np.sqrt(n))))
    ny = -(-n // nx)
    gx, gy = np.meshgrid(np.arange(nx + 1, dtype=float), np.arange(ny + 1, dtype=float))
    gx = (gx + rng.uniform(-jitter, jitter, gx.shape)) * step
    gy = (gy + rng.uniform(-jitter, jitter, gy.shape)) * step
    gx, gy = X0 + gx + shear * gy, Y0 + gy  # sheared: no edge is axis-parallel
    i, j = np.meshgrid(np.arange(nx), np.arange(ny))
    i, j = i.ravel()[:n], j.ravel()[:n]
    corners = [(j, i), (j, i + 1), (j + 1, i + 1), (j + 1, i), (j, i)]
    ring = np.stack([np.column_stack([gx[r, c], gy[r, c]]) for r, c in corners], axis=1)
    geoms = shapely.polygons(ring)
    k = np.arange(n)
    n_zones = max(1, round(n / parcels_per_zone))
    centres = shapely.centroid(geoms)
    seeds = shapely.points(rng.uniform(gx.min(), gx.max(), n_zones),
                           rng.uniform(gy.min(), gy.max(), n_zones))
    _, owner = shapely.STRtree(seeds).query_nearest(centres, all_matches=False)
    zone_code = rng.choice(CODES, n_zones)
    frame = gpd.GeoDataFrame({"zone": owner}, geometry=geoms, crs="EPSG:9209")
    dissolved = frame.dissolve(by="zone", method="coverage").reset_index()
    zone_geoms = dissolved.geometry.values
    if simplify:
        zone_geoms = shapely.coverage_simplify(zone_geoms, simplify)
    zones_gdf = gpd.GeoDataFrame({"zone_id": np.arange(len(zone_geoms)),
                                  "land_use": zone_code[dissolved["zone"].to_numpy()]},
                                 geometry=zone_geoms, crs="EPSG:9209")
    planned = zone_code[owner]
    granted = np.where(rng.random(n) < 0.9, planned, rng.choice(CODES, n))
    parcels_gdf = gpd.GeoDataFrame({
        "decision_no": np.char.add(k.astype(str), "/QĐ-UBND"),
        "decision_date": "15/03/2023",
        "kind": rng.choice(["Giao đất", "Cho thuê đất", "Công nhận", "Chuyển mục đích"], n),
        "land_use": granted,
    }, geometry=geoms, crs="EPSG:9209")
    return zones_gdf, parcels_gdf


def _days(rng: np.random.Generator, n: int, first: str, last: str) -> np.ndarray:
    """``n`` dates drawn uniformly from ``first`` to ``last`` (ISO), as ``dd/mm/yyyy`` text."""
    lo, hi = np.datetime64(first, "D"), np.datetime64(last, "D")
    days = lo + rng.integers(0, int((hi - lo).astype(int)) + 1, n).astype("timedelta64[D]")
    iso = np.datetime_as_string(days, unit="D").astype("U10").view("U1").reshape(n, 10)
    out = np.full((n, 10), "/", dtype="U1")  # dd/mm/yyyy from yyyy-mm-dd, character by character
    out[:, [0, 1, 3, 4, 6, 7, 8, 9]] = iso[:, [8, 9, 5, 6, 0, 1, 2, 3]]
    return out.view("U10").ravel().astype(object)


KINDS = np.array(["Giao đất", "Cho thuê đất", "Công nhận", "Chuyển mục đích"], dtype=object)


def stress(n: int, seed: int = 7, plan: gpd.GeoDataFrame | None = None, regrant: float = 0.3,
           p_same: float = 0.87, shift: float = 0.4, turn: float = 20.0,
           ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A bad day: ``n`` decisions of which a share ``regrant`` grant land granted before.

    The plan is :func:`zones` (the wavy one, unless ``plan`` is given). ``n - r`` parcels
    (``r = round(regrant * n)``) tile a centred square as in :func:`parcels`, dated
    2019–2021, a quarter of each kind; the other ``r`` are re-grants: each a copy of one of
    those parcels granted by allocation, lease or recognition, turned by up to ``turn``
    degrees about its centre and moved by up to ``shift`` of its box's width and height, so
    that it overlaps that parcel (and often its neighbours) well beyond the tolerance; they
    are grants dated 2022–2024, so each is the later decision of its overlaps
    (``double-allocation``). Every decision is granted the planned code of its place with
    probability ``p_same``, otherwise a random one (``zoning-conflict`` on part of those,
    and on parcels across zones of different codes). All vectorised; rows in cadastral order
    (by the first vertex), ``decision_no`` = ``"<row>/QĐ-UBND"``. Returns ``(zones,
    parcels)``.
    """
    rng = np.random.default_rng(seed)
    plan = zones() if plan is None else plan
    r = round(regrant * n)
    base = parcels(n - r, seed=seed + 1, plan=plan, p_same=p_same)
    kind = rng.choice(KINDS, n - r)
    granting = np.flatnonzero(kind != KINDS[3])
    target = rng.choice(granting, r, replace=r > len(granting))
    quads = shapely.get_coordinates(base.geometry.values[target]).reshape(r, 5, 2)
    centre = quads[:, :4].mean(axis=1, keepdims=True)
    theta = np.radians(rng.uniform(-turn, turn, r))[:, None]
    cos, sin = np.cos(theta), np.sin(theta)
    rel = quads - centre
    size = quads.max(axis=1) - quads.min(axis=1)  # (r, 2): box width and height
    move = rng.uniform(-shift, shift, (r, 2)) * size
    turned = np.stack([cos * rel[..., 0] - sin * rel[..., 1],
                       sin * rel[..., 0] + cos * rel[..., 1]], axis=-1)
    moved = shapely.polygons(turned + centre + move[:, None, :])
    geoms = np.concatenate([base.geometry.values, moved])
    planned = _planned(plan, shapely.bounds(moved))
    codes = np.concatenate([base["land_use"].to_numpy(),
                            np.where(rng.random(r) < p_same, planned, rng.choice(CODES, r))])
    kinds = np.concatenate([kind, rng.choice(KINDS[:3], r)])
    dates = np.concatenate([_days(rng, n - r, "2019-01-01", "2021-12-31"),
                            _days(rng, r, "2022-01-01", "2024-12-31")])
    first = shapely.get_coordinates(geoms).reshape(n, 5, 2)[:, 0]
    order = np.lexsort((first[:, 0], first[:, 1]))  # row by row, as cadastral sheets are
    return plan, gpd.GeoDataFrame({
        "decision_no": np.char.add(np.arange(n).astype(str), "/QĐ-UBND"),
        "decision_date": dates[order],
        "kind": kinds[order],
        "land_use": codes[order],
    }, geometry=geoms[order], crs="EPSG:9209")
