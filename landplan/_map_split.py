"""Maps that open, whatever the count (:mod:`landplan.maps`): a file's budget, the split.

A map file holds at most :attr:`MapBudget.max_mb` megabytes and draws at most
:attr:`MapBudget.max_features` features (decisions, findings, plan zones, projects,
corridors, plan adjustments), which keeps its first render in a browser within seconds.
What the map of a check draws is its *items* — each drawn decision with its drawn findings,
and any drawn finding whose decision is not drawn — and the *context* of their area: the
plan zones of every version, the plan adjustments, corridors and projects there.

When all of it fits one file, the check has one map. Otherwise the items are grouped by
their unit (the decisions' ``unit``) and each unit's are halved, again and again, across
the longer side of their extent (at the median of the items' centres) until each part
fits: one map per unit, or per part of a unit. Items at one spot stay together, so a part
whose items all sit at one spot (a pile of identical parcels) cannot be halved: it draws
what fits, the most severe first (:func:`choose`), and says what is left out. The planning
works on each item's estimated size (its features' share of the compact encoding,
:func:`landplan._map_codec.encode_layer`); the written file is measured again, and a part
that is still too large is halved or given less.

File names are ASCII and stable: ``maps/<slug>-<id>.html``, ``maps/<slug>-<id>-<part>.html``
(:func:`page_file`), where the slug is the unit's name in lower-case letters and digits and
the id the first 8 hex digits of its SHA-1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._distinct import per_distinct
from ._labels import ranks
from ._map_budget import MapBudget, page_file, slug
from ._map_json import _encoded, _to_wgs84
from ._map_layers import decision_props, drawn_decisions, drawn_findings, finding_props
from .check import CheckResult

__all__ = ["Choice", "Context", "Items", "Page", "Planner", "choose", "hull", "items",
           "page_summary"]

_MARGIN = 0.9  # plan to 90 % of the byte limit: the estimate is checked on the written page
_MAX_DEPTH = 20  # halvings of one unit at most (a million parts): stops a runaway split
_SEVERITY_RANK = ranks("severity")


# --------------------------------------------------------------------------- what is drawn


@dataclass
class Items:
    """What a map of a check draws, item by item, with the estimated cost of each.

    Items are the drawn decisions (in ``decisions`` order), then the drawn findings whose
    decision is not drawn.
    """

    decisions: np.ndarray  # positions in result.decisions of the drawn decisions
    findings: np.ndarray  # positions in result.findings of the drawn findings
    owner: np.ndarray  # the item of each drawn finding
    finding_rank: np.ndarray  # severity rank of each drawn finding
    finding_size: np.ndarray  # estimated bytes of each drawn finding
    unit: np.ndarray  # per item: the unit (None when missing)
    box: np.ndarray  # per item: bounds (minx, miny, maxx, maxy), working CRS
    rank: np.ndarray  # per item: the higher, the earlier it is drawn when not all fit
    size: np.ndarray  # per item: estimated bytes of its own feature (0: no feature)
    features: np.ndarray = field(init=False)  # per item: features it draws
    total: np.ndarray = field(init=False)  # per item: estimated bytes with its findings

    def __post_init__(self) -> None:
        """Add up each item's features and bytes with its findings'."""
        n = len(self.unit)
        own = (self.size > 0).astype(np.int64)
        self.features = own + np.bincount(self.owner, weights=self.finding_size > 0,
                                          minlength=n).astype(np.int64)
        self.total = self.size + np.bincount(self.owner, weights=self.finding_size,
                                             minlength=n).astype(np.int64)

    @property
    def n_decisions(self) -> int:
        """Return how many items are decisions."""
        return len(self.decisions)


def items(result: CheckResult, *, lang: str, public: bool, all_decisions: bool) -> Items:
    """Return the items a map of ``result`` draws, with their units, extents and costs."""
    d, f_all = result.decisions, result.findings
    positions = np.flatnonzero(drawn_decisions(d, all_decisions))
    f_pos = np.flatnonzero(drawn_findings(f_all))
    chosen, f = d.iloc[positions], f_all.iloc[f_pos]
    d_size = _sizes(chosen, lambda part: decision_props(part, f_all, lang=lang, public=public))
    f_size = _sizes(f, lambda part: finding_props(part, lang=lang))
    rows = f["source_row"].to_numpy(dtype="float64", na_value=np.nan)
    owner = pd.Index(chosen["source_row"].to_numpy(dtype="float64")).get_indexer(rows)
    orphan = owner < 0
    owner[orphan] = len(chosen) + np.arange(int(orphan.sum()))
    status_rank = chosen["status"].map({"violation": 20, "unchecked": 10}).fillna(0)
    severity = chosen["max_severity"].map(_SEVERITY_RANK).fillna(0).to_numpy()
    f_rank = f["severity"].map(_SEVERITY_RANK).fillna(0).to_numpy() + 20
    mine = ~orphan
    np.maximum.at(severity, owner[mine], f_rank[mine] - 20)  # at least its worst finding
    units = np.concatenate([_units(chosen["unit"]), _units(f["unit"][orphan])])
    boxes = np.concatenate([shapely.bounds(np.asarray(chosen.geometry.values)),
                            shapely.bounds(np.asarray(f.geometry.values[orphan]))])
    return Items(decisions=positions, findings=f_pos, owner=owner.astype(np.int64),
                 finding_rank=f_rank.astype(np.int64),
                 finding_size=np.where(orphan, 0, f_size),
                 unit=units, box=boxes.reshape(-1, 4),
                 rank=np.concatenate([status_rank.to_numpy() + severity, f_rank[orphan]])
                 .astype(np.int64),
                 size=np.concatenate([d_size, f_size[orphan]]))


_SIZE_ROWS = 100_000  # features encoded at a time to learn their sizes


def _sizes(frame: gpd.GeoDataFrame,
           props: Callable[[gpd.GeoDataFrame], pd.DataFrame]) -> np.ndarray:
    """Return the bytes each feature of ``frame`` takes on a map, encoding a chunk at a time.

    Only the sizes are kept: at 10⁶ findings the encoded layer would take gigabytes.
    """
    sizes = [_encoded(_to_wgs84(frame.iloc[start:start + _SIZE_ROWS]),
                      props(frame.iloc[start:start + _SIZE_ROWS]))[1]
             for start in range(0, len(frame), _SIZE_ROWS)]
    return np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int64)


def _units(values: pd.Series) -> np.ndarray:
    """Return unit names as text, None where missing (once per distinct unit)."""
    return per_distinct(values, str)


@dataclass
class Context:
    """One context layer (plan version, adjustments, corridors, projects) of a split map."""

    key: str
    frame: gpd.GeoDataFrame
    size: np.ndarray  # estimated bytes of each feature
    tree: shapely.STRtree

    @classmethod
    def of(cls, key: str, frame: gpd.GeoDataFrame) -> Context:
        """Return the context layer ``key`` of ``frame`` (rows without geometry left out)."""
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        geoms = frame.geometry.values
        size = shapely.get_num_coordinates(np.asarray(geoms, dtype=object)) * 5 + 24
        return cls(key, frame, size.astype(np.int64), shapely.STRtree(np.asarray(geoms)))

    def hits(self, box: np.ndarray | None) -> np.ndarray:
        """Return the positions of the features within ``box`` (all of them for None)."""
        if box is None:
            return np.arange(len(self.frame))
        return np.sort(self.tree.query(shapely.box(*box), predicate="intersects"))


# --------------------------------------------------------------------------- planning


@dataclass
class Page:
    """One map of a split check: the items of one unit, or of one part of it."""

    unit: str | None
    items: np.ndarray  # item positions
    part: int = 1
    parts: int = 1
    share: float = 1.0  # of the byte budget the estimate may use (less after a miss)

    @property
    def file(self) -> str:
        """Return the page's file name inside ``maps/``."""
        return page_file(self.unit, self.part, self.parts)


@dataclass
class Planner:
    """Plans the pages of a split map from the items, the context layers and the budget.

    ``fixed`` is the estimated size of a page without layers (scripts, styles, panels,
    the raster image).
    """

    items: Items
    context: list[Context]
    budget: MapBudget
    fixed: int

    def box(self, idx: np.ndarray) -> np.ndarray:
        """Return the extent of the items ``idx``."""
        b = self.items.box[idx]
        return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])

    def cost(self, idx: np.ndarray | None) -> tuple[int, int]:
        """Return the features and estimated bytes of a page of the items ``idx``.

        None: every item and the whole context (the check in one map).
        """
        sel = slice(None) if idx is None else idx
        box = None if idx is None else (self.box(idx) if len(idx) else None)
        features = int(self.items.features[sel].sum())
        size = self.fixed + int(self.items.total[sel].sum())
        for layer in self.context:
            hits = layer.hits(box)
            features += len(hits)
            size += int(layer.size[hits].sum())
        return features, size

    def fits(self, idx: np.ndarray | None, share: float = 1.0) -> bool:
        """Return whether a page of the items ``idx`` (None: all) keeps the budget."""
        features, size = self.cost(idx)
        return features <= self.budget.max_features and \
            size <= _MARGIN * share * self.budget.max_bytes

    def pages(self) -> list[Page]:
        """Return the pages: per unit, halved until they fit.

        Units in alphabetical order, Vietnamese letters as their base letter (``Đ`` with
        ``D``); decisions without a unit last.
        """
        codes, names = pd.factorize(pd.Series(self.items.unit, dtype=object),
                                    use_na_sentinel=True)
        order = sorted(range(len(names)), key=lambda k: (slug(names[k]), names[k]))
        out = []
        for code, unit in [*((k, names[k]) for k in order), (-1, None)]:
            idx = np.flatnonzero(codes == code)
            if len(idx):
                out += self.unit_pages(unit, idx)
        return out

    def unit_pages(self, unit: str | None, idx: np.ndarray, share: float = 1.0) -> list[Page]:
        """Return the pages of one unit's items, numbered."""
        parts = self.split(idx, share)
        return [Page(unit, part, k, len(parts), share) for k, part in enumerate(parts, 1)]

    def split(self, idx: np.ndarray, share: float = 1.0, depth: int = 0) -> list[np.ndarray]:
        """Return ``idx`` as parts that fit, halved across the longer side of their extent."""
        if self.fits(idx, share) or depth >= _MAX_DEPTH:
            return [idx]
        halves = self.halves(idx)
        if halves is None:
            return [idx]
        return [*self.split(halves[0], share, depth + 1),
                *self.split(halves[1], share, depth + 1)]

    def halves(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Return ``idx`` halved at the median of its items' centres; None if it cannot be.

        Across the longer side of their extent (else the other): the items before the
        median and the others, so that items at one spot stay together. It cannot be halved
        when it is one item, or when every item has the same centre.
        """
        if len(idx) < 2:
            return None
        b = self.items.box[idx]
        centre = np.column_stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2])
        for axis in np.argsort(-np.ptp(centre, axis=0), kind="stable"):
            c = centre[:, axis]
            middle = np.median(c)
            for first in (c < middle, c <= middle):
                if first.any() and not first.all():
                    return idx[first], idx[~first]
        return None


# --------------------------------------------------------------------------- what fits


@dataclass
class Choice:
    """What one page draws: items' decisions and findings, context rows, and what it leaves."""

    decisions: np.ndarray  # positions in result.decisions
    findings: np.ndarray  # positions in result.findings
    context: dict[str, np.ndarray]  # context key -> positions in its frame
    left_decisions: int = 0
    left_findings: int = 0
    left_layers: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Return whether the page draws everything that is its own."""
        return not (self.left_decisions or self.left_findings or self.left_layers)


def choose(planner: Planner, page: Page) -> Choice:
    """Return what ``page`` draws.

    Everything when it fits. Otherwise the context layers, whole, in order of use (the
    newest plan first, older versions last) while they fit in what the items leave of the
    budget (at least half of it) — a layer is drawn whole or not at all, so that a plan
    never shows gaps it does not have — and then the items' features by severity, most
    severe first (a decision before its findings), while the rest of the budget lasts.
    """
    it, idx = planner.items, page.items
    box = planner.box(idx) if len(idx) else None
    hits = {layer.key: layer.hits(box) for layer in planner.context}
    if planner.fits(idx if box is not None else None, page.share):
        return _everything(it, idx, hits)
    max_bytes = int(_MARGIN * page.share * planner.budget.max_bytes) - planner.fixed
    max_features = planner.budget.max_features
    room_f = max(max_features // 2, max_features - int(it.features[idx].sum()))
    room_b = max(max_bytes // 2, max_bytes - int(it.total[idx].sum()))
    context, left_layers = {}, []
    used_f = used_b = 0
    for layer in planner.context:
        rows = hits[layer.key]
        size = int(layer.size[rows].sum())
        if used_f + len(rows) <= room_f and used_b + size <= room_b:
            context[layer.key] = rows
            used_f, used_b = used_f + len(rows), used_b + size
        elif len(rows):
            left_layers.append(layer.key)
    dec, fnd, left_d, left_f = _by_severity(it, idx, max_features - used_f,
                                            max_bytes - used_b)
    return Choice(dec, fnd, context, left_d, left_f, left_layers)


def _everything(it: Items, idx: np.ndarray, hits: dict[str, np.ndarray]) -> Choice:
    """Return a choice of every item ``idx`` and every context row ``hits``."""
    own = idx[idx < it.n_decisions]
    fnd = np.flatnonzero(np.isin(it.owner, idx))
    return Choice(np.sort(it.decisions[own]), np.sort(it.findings[fnd]), hits)


def _by_severity(it: Items, idx: np.ndarray, max_features: int,
                 max_bytes: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Return the decisions and findings of ``idx`` that fit, most severe first.

    And how many decisions and findings are left out.
    """
    own = idx[it.size[idx] > 0]
    fnd = np.flatnonzero(np.isin(it.owner, idx) & (it.finding_size > 0))
    # one entry per feature: (rank, item, 0 for the item's own feature / 1 for a finding)
    rank = np.concatenate([it.rank[own], it.finding_rank[fnd]])
    item = np.concatenate([own, it.owner[fnd]])
    second = np.concatenate([np.zeros(len(own)), np.ones(len(fnd))])
    size = np.concatenate([it.size[own], it.finding_size[fnd]])
    order = np.lexsort((np.concatenate([own * 0, fnd]), second, item, -rank))
    fits = (np.arange(1, len(order) + 1) <= max_features) & \
        (np.cumsum(size[order]) <= max_bytes)
    taken = order[: int(np.argmin(fits)) if not fits.all() else len(order)]
    is_item = taken < len(own)
    items_taken, findings_taken = own[taken[is_item]], fnd[taken[~is_item] - len(own)]
    decisions = items_taken[items_taken < it.n_decisions]
    orphans = np.flatnonzero(np.isin(it.owner, items_taken[items_taken >= it.n_decisions]))
    kept_findings = np.union1d(findings_taken, orphans)
    all_decisions = own[own < it.n_decisions]
    all_findings = np.flatnonzero(np.isin(it.owner, idx))
    return (np.sort(it.decisions[decisions]), np.sort(it.findings[kept_findings]),
            len(all_decisions) - len(decisions), len(all_findings) - len(kept_findings))


def page_summary(result: CheckResult, unit: str | None) -> CheckResult:
    """Return the part of ``result`` whose summary a unit's maps show: the unit's decisions."""
    d, f = result.decisions, result.findings
    d_in = d["unit"].isna() if unit is None else d["unit"].astype("string") == unit
    f_in = f["unit"].isna() if unit is None else f["unit"].astype("string") == unit
    return result._replace(decisions=d[d_in.fillna(False).to_numpy()],
                           findings=f[f_in.fillna(False).to_numpy()])


def hull(result: CheckResult, it: Items, page: Page) -> Any:
    """Return the convex hull of a page's items (working CRS), for the index map."""
    idx = page.items
    own = it.decisions[idx[idx < it.n_decisions]]
    orphans = it.findings[np.flatnonzero(np.isin(it.owner, idx[idx >= it.n_decisions]))]
    geoms = np.concatenate([np.asarray(result.decisions.geometry.values[own]),
                            np.asarray(result.findings.geometry.values[orphans])])
    return shapely.convex_hull(shapely.multipoints(shapely.get_coordinates(geoms)))
