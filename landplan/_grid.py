"""Certification without GEOS (:mod:`landplan.engine`, step 1).

On a grid over the parcels' extent the zone boundaries are burnt in and the zones scan-line
filled at the cell centres, all in numpy; a parcel whose bounding box covers only
boundary-free cells lies wholly in the one zone those cells are in (or outside every zone).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely

from ._clip import _ranges

_GRID_MAX_CELLS = 60_000_000  # ~0.5 GB of grid arrays at most


@dataclass
class _Grid:
    """Boundary-free grid regions and the zone each lies in (see the module docstring)."""

    x0: float
    y1: float
    cell: float
    shape: tuple[int, int]
    blocked: np.ndarray  # integral image of boundary cells, (H + 1, W + 1)
    zone: np.ndarray  # position in ``near`` of the zone at each cell's centre; -1, -2
    near: np.ndarray  # the zones that reach the grid (positions in the input)

    @classmethod
    def build(cls, bounds: np.ndarray, zones: np.ndarray, cell: float | None) -> _Grid | None:
        """Build the grid over the parcels' extent (``bounds``: their ``shapely.bounds``)."""
        with np.errstate(invalid="ignore"):
            px0, py0 = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1])
            px1, py1 = np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3])
        zx0, zy0, zx1, zy1 = shapely.total_bounds(zones)
        x0, y0 = max(px0, zx0), max(py0, zy0)
        x1, y1 = min(px1, zx1), min(py1, zy1)
        if not np.isfinite([x0, y0, x1, y1]).all() or x1 <= x0 or y1 <= y0:
            return None
        if cell is None:
            sizes = (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])
            cell = max(float(np.sqrt(np.nanmedian(sizes))) / 3.0, 1.0)
        cell = max(cell, float(np.sqrt((x1 - x0) * (y1 - y0) / _GRID_MAX_CELLS)))
        x0, y1 = x0 - cell, y1 + cell
        width = int(np.ceil((x1 - x0) / cell)) + 2
        height = int(np.ceil((y1 - y0) / cell)) + 2
        tree = shapely.STRtree(zones)
        near = tree.query(shapely.box(x0, y1 - height * cell, x0 + width * cell, y1))
        with ThreadPoolExecutor(max_workers=2) as pool:  # numpy and GEOS release the GIL
            burnt = pool.submit(lambda: _integral(_burn(
                shapely.boundary(zones[near]), x0, y1, cell, (height, width))))
            filled = pool.submit(_fill, zones[near], x0, y1, cell, (height, width))
            blocked, zone = burnt.result(), filled.result()
        return cls(x0, y1, cell, (height, width), blocked, zone, near)

    def lookup(self, bounds: np.ndarray) -> np.ndarray:
        """Return, per parcel (given by its bounds), the zone position it is certified in.

        -1: certified outside every zone, -2: not certified.
        """
        b = bounds
        c0 = np.floor((b[:, 0] - self.x0) / self.cell)
        c1 = np.floor((b[:, 2] - self.x0) / self.cell)
        r0 = np.floor((self.y1 - b[:, 3]) / self.cell)
        r1 = np.floor((self.y1 - b[:, 1]) / self.cell)
        h, w = self.shape
        ok = (np.isfinite(b).all(axis=1) & (c0 >= 0) & (r0 >= 0) & (c1 < w) & (r1 < h))
        c0, c1, r0, r1 = (np.where(ok, v, 0).astype(np.int64) for v in (c0, c1, r0, r1))
        zone = np.full(len(b), -2, dtype=np.int64)
        free = np.flatnonzero(ok & (_box_sum(self.blocked, r0, r1, c0, c1) == 0))
        local = self.zone[r0[free], c0[free]]
        zone[free] = np.where(local >= 0, self.near[np.maximum(local, 0)], local)
        return zone


def _burn(lines: np.ndarray, x0: float, y1: float, cell: float,
          shape: tuple[int, int]) -> np.ndarray:
    """Mark the cells the lines pass through, and their neighbours (a conservative superset).

    The lines are densified to vertices at most half a cell apart, the vertices' cells
    marked and the mask dilated by one cell.
    """
    height, width = shape
    dense = shapely.segmentize(lines, cell / 2.0)
    coords = shapely.get_coordinates(dense)
    cols = np.floor((coords[:, 0] - x0) / cell).astype(np.int64)
    rows = np.floor((y1 - coords[:, 1]) / cell).astype(np.int64)
    keep = (rows >= -1) & (cols >= -1) & (rows <= height) & (cols <= width)
    padded = np.zeros((height + 2, width + 2), dtype=bool)
    padded[rows[keep] + 1, cols[keep] + 1] = True
    out = np.zeros(shape, dtype=bool)
    for dr in (0, 1, 2):
        for dc in (0, 1, 2):
            out |= padded[dr:dr + height, dc:dc + width]
    return out


def _fill(zones: np.ndarray, x0: float, y1: float, cell: float,
          shape: tuple[int, int]) -> np.ndarray:
    """Fill polygons at cell centres by scan line (even-odd rule, vectorised).

    The result is the position of the zone containing each cell's centre, -1 where none
    does, -2 where several do.
    """
    height, width = shape
    parts, part_owner = shapely.get_parts(zones, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[1:] == ring_of[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    owner = part_owner[ring_part[ring_of[:-1][same]]]
    ylo, yhi = np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1])
    r_lo = np.floor((y1 - yhi) / cell - 0.5).astype(np.int64) + 1  # centre < yhi
    r_hi = np.floor((y1 - ylo) / cell - 0.5).astype(np.int64)  # centre >= ylo
    r_lo, r_hi = np.maximum(r_lo, 0), np.minimum(r_hi, height - 1)
    n = np.maximum(r_hi - r_lo + 1, 0)
    seg = np.repeat(np.arange(len(n)), n)
    row = _ranges(r_lo, n)
    yc = y1 - (row + 0.5) * cell
    t = (yc - a[seg, 1]) / (b[seg, 1] - a[seg, 1])
    x = a[seg, 0] + t * (b[seg, 0] - a[seg, 0])
    who = owner[seg]
    order = np.lexsort((x, who.astype(np.int64) * height + row))  # by zone and row, then x
    x, row, who = x[order], row[order], who[order]
    start, end = x[0::2], x[1::2]  # inside between consecutive crossings of a zone's row
    row, who = row[0::2], who[0::2]
    c0 = np.ceil((start - x0) / cell - 0.5).astype(np.int64)  # first centre >= start
    c1 = np.ceil((end - x0) / cell - 0.5).astype(np.int64)  # first centre >= end
    c0, c1 = np.clip(c0, 0, width), np.clip(c1, 0, width)
    span = c1 > c0
    row, who, c0, c1 = row[span], who[span], c0[span], c1[span]
    start, end = row * width + c0, row * width + c1  # runs in the flattened raster
    order = np.argsort(start, kind="stable")
    start, end, who = start[order], end[order], who[order].astype(np.int32)
    # zones overlap where a run starts before an earlier one ends: cut the run there (and
    # mark the shared cells afterwards), so that the runs tile the raster in order
    reach = np.concatenate([[0], np.maximum.accumulate(end)[:-1]])
    cut = np.maximum(start, reach)
    keep = end > cut
    gaps = cut[keep] - np.concatenate([[0], end[keep][:-1]])
    values = np.full(2 * int(keep.sum()) + 1, -1, dtype=np.int32)  # -1: in no zone
    values[1::2] = who[keep]
    lengths = np.empty(len(values), dtype=np.int64)
    lengths[0:-1:2] = gaps
    lengths[1::2] = end[keep] - cut[keep]
    lengths[-1] = height * width - (end[keep][-1] if keep.any() else 0)
    zone = np.repeat(values, lengths)
    shared = start < np.minimum(reach, end)
    if shared.any():
        zone[_ranges(start[shared], np.minimum(reach, end)[shared] - start[shared])] = -2
    return zone.reshape(height, width)


def _integral(mask: np.ndarray) -> np.ndarray:
    s = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), dtype=np.int32)
    np.cumsum(np.cumsum(mask, axis=0, dtype=np.int32), axis=1, out=s[1:, 1:])
    return s


def _box_sum(s: np.ndarray, r0: np.ndarray, r1: np.ndarray, c0: np.ndarray,
             c1: np.ndarray) -> np.ndarray:
    return s[r1 + 1, c1 + 1] - s[r0, c1 + 1] - s[r1 + 1, c0] + s[r0, c0]
