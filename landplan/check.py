"""Orchestration: normalise → overlay → rules → status.

:func:`check` takes the plan and the decisions (raw or normalised GeoDataFrames) and
returns plain GeoDataFrames: ``decisions`` (every input record exactly once, with its
status) and ``findings`` (one row per finding).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from string import Formatter
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from ._arrowtext import join_per_key
from ._distinct import flags
from ._labels import label
from ._messages import messages
from ._problems import strict_mode, warn
from ._steps import log as steps_log
from ._steps import step
from ._templates import Said, Text
from .codes import (
    allowed_matrix,
    load_codes,
    load_compatibility,
    shared_code_mapping,
)
from .config import CheckConfig
from .crs import working_crs
from .engine import overlay_pairs
from .errors import CRSError, InputError, RuleSkippedWarning
from .landcover import landcover_classes, landcover_table, load_landcover
from .planlayer import coverage_versions, plan_overlaps, resolve_overlaps
from .quotas import normalize_quotas
from .rules import RULES, CheckContext, Rule, SkipRule, severity_rank
from .rules._kinds import NOT_GRANTS
from .rules.conversion import quota_usage
from .schema import (
    is_normalized,
    normalize_corridors,
    normalize_decisions,
    normalize_plan,
    normalize_projects,
    version_table,
)
from .units import normalize_units, unit_names

__all__ = ["DECISION_OUTPUT_COLUMNS", "FINDING_COLUMNS", "STATUSES", "CheckResult", "check"]

log = logging.getLogger(__name__)

STATUSES = ("compliant", "violation", "unchecked")
LAYERS = ("decisions", "projects", "plan", "corridors", "quotas")
DECISION_OUTPUT_COLUMNS = [
    "source_row", "decision_no", "parcel_id", "kind", "decision_date", "land_use",
    "prev_land_use", "unit", "unit_name", "status", "rule", "reason", "planned_land_use",
    "conflict_area_m2", "conflict_pct", "violation_area_m2", "n_findings", "max_severity",
    "area_m2", "geometry_status", "plan_version",
]
FINDING_COLUMNS = [
    "finding_id", "layer", "source_row", "decision_no", "parcel_id", "rule", "category", "severity",
    "message", "planned_land_use", "land_use", "conflict_area_m2", "conflict_pct", "kind",
    "decision_date", "unit", "legal_basis",
]


class CheckResult(NamedTuple):
    """What :func:`check` returns: plain (Geo)DataFrames, all in the working CRS."""

    decisions: gpd.GeoDataFrame
    """Every input decision once, in input order, with ``status`` and the columns of
    :data:`DECISION_OUTPUT_COLUMNS`."""
    findings: gpd.GeoDataFrame
    """One row per finding (:data:`FINDING_COLUMNS`); geometry = the part concerned."""
    plan: gpd.GeoDataFrame
    """The normalised plan zones (all versions), with ``area_m2``."""
    rules: pd.DataFrame
    """One row per rule: ``rule``, ``state`` (ran, skipped, disabled), ``reason``,
    ``n_findings``."""
    projects: gpd.GeoDataFrame | None = None
    """The normalised annual-plan projects, when given."""
    corridors: gpd.GeoDataFrame | None = None
    """The normalised restriction corridors, when given."""
    landcover: list | None = None
    """The land-cover rasters ``[(date, path), ...]``, when given."""
    config: CheckConfig | None = None
    """The configuration the check ran with (its language is the outputs' default)."""
    quota_usage: pd.DataFrame | None = None
    """With quotas: each quota row's accounting as the quota rules count it (``unit``,
    ``from``, ``to``, ``quota_ha``, ``n_conversions``, ``used_ha``, ``undated_ha``,
    ``remaining_ha``, ``n_over``)."""
    inputs: dict | None = None
    """Each input layer given: ``{layer: (file, records)}`` (file: ``attrs["source"]``)."""
    personal: pd.DataFrame | None = None
    """The decisions' ``owner`` and ``address``, in the order of ``decisions``: personal
    data, in no CSV or GeoPackage (the Excel report shows owners unless ``public``)."""

    def subset(self, *, units: Iterable[str]) -> CheckResult:
        """Return the result for some administrative units only (a commune's report).

        The decisions of ``units`` (codes as in ``unit``) and their findings, with the
        findings that are on no decision (plan overlaps and gaps, whole layers, quota
        rows), which concern every unit; everything else is kept as it is.
        """
        wanted = set(units)
        keep = self.decisions["unit"].isin(wanted).to_numpy()
        f = self.findings
        keep_f = f["unit"].isin(wanted) | (f["layer"] != "decisions")
        personal = self.personal
        if personal is not None and len(personal) == len(keep):
            personal = personal[keep].reset_index(drop=True)
        return self._replace(decisions=self.decisions[keep], findings=f[keep_f.to_numpy()],
                             personal=personal)

    @property
    def lang(self) -> str:
        """The language the check ran in.

        Its messages' language, and the default of the writers (:func:`landplan.write_outputs`,
        :func:`landplan.make_map`, the Excel report).
        """
        return self.config.lang if self.config is not None else CheckConfig.lang


def check(
    plan: gpd.GeoDataFrame,
    decisions: gpd.GeoDataFrame,
    *,
    projects: gpd.GeoDataFrame | None = None,
    quotas: pd.DataFrame | None = None,
    corridors: gpd.GeoDataFrame | None = None,
    landcover: object = None,
    config: CheckConfig | None = None,
    codes: pd.DataFrame | None = None,
    compat: pd.DataFrame | None = None,
    plan_columns: Mapping[str, str] | None = None,
    decision_columns: Mapping[str, str] | None = None,
    overlay: Callable[[np.ndarray, np.ndarray], pd.DataFrame] | None = None,
    strict: bool = False,
    units: pd.DataFrame | None = None,
) -> CheckResult:
    """Check decisions against the plan.

    Parameters
    ----------
    plan
        Plan zones (raw layer or from :func:`landplan.load_plan`), with a CRS. Several
        versions (the approved plan and its adjustments) are given stacked, with
        ``plan_version`` and ``approved`` columns (see :func:`landplan.plan_versions`); each
        decision is checked against the version in force on its date.
    decisions
        Decisions/parcels (raw layer or from :func:`landplan.load_decisions`), with a CRS.
    projects
        Annual-plan projects (:func:`landplan.load_projects`), optional.
    quotas
        Conversion quotas of the 5-year plan (:func:`landplan.load_quotas`), optional.
    corridors
        Restriction corridors with the codes allowed inside (:func:`landplan.load_corridors`),
        optional.
    landcover
        Land-cover rasters with their dates: a CSV ``path,date`` or ``[(date, path), ...]``
        (:func:`landplan.landcover.load_landcover`), optional; adds the ``unused-land`` and
        ``wrong-purpose`` rules and the ``landcover_*``/``cover_*`` decision columns.
    config
        Tolerances, dates, language and rule settings; defaults to :class:`CheckConfig()`.
    codes, compat
        Code registry and compatibility table; default to the shipped Vietnamese ones.
    plan_columns, decision_columns
        Column overrides used when a raw layer is given.
    overlay
        The zoning overlay engine: ``overlay(parcels, zones) -> pairs`` with the contract
        of :func:`landplan.engine.overlay_pairs` (the default, on this machine's cores);
        e.g. :class:`landplan.distributed.DaskOverlay` runs it on a dask cluster.
    strict
        Raise :class:`~landplan.errors.StrictError` instead of issuing a
        :class:`~landplan.errors.LandplanWarning` (a rule that cannot run on the inputs
        given).
    units
        Commune names by code (:func:`landplan.load_units`), optional: the decisions'
        ``unit_name`` (see :mod:`landplan.units` for where else names come from).

    Returns
    -------
    CheckResult
        ``(decisions, findings, plan, rules)``. Rules whose optional input is missing are
        skipped and listed as such in ``rules``.

    Warns
    -----
    RuleSkippedWarning
        A rule could not run on the inputs given (``outside-plan-period`` without a plan
        approval date or period); an optional input not given is only listed in ``rules``.

    Examples
    --------
    >>> import landplan
    >>> plan = landplan.load_plan(landplan.sample_path("plan.gpkg"))
    >>> decisions = landplan.load_decisions(landplan.sample_path("decisions"))
    >>> result = landplan.check(plan, decisions)
    >>> len(result.decisions) == len(decisions)
    True
    """
    with strict_mode(strict):
        return _check(plan, decisions, projects=projects, quotas=quotas, corridors=corridors,
                      landcover=landcover, config=config, codes=codes, compat=compat,
                      plan_columns=plan_columns, decision_columns=decision_columns,
                      overlay=overlay, units=units)


def _check(
    plan: gpd.GeoDataFrame,
    decisions: gpd.GeoDataFrame,
    *,
    projects: gpd.GeoDataFrame | None,
    quotas: pd.DataFrame | None,
    corridors: gpd.GeoDataFrame | None,
    landcover: object,
    config: CheckConfig | None,
    codes: pd.DataFrame | None,
    compat: pd.DataFrame | None,
    plan_columns: Mapping[str, str] | None,
    decision_columns: Mapping[str, str] | None,
    overlay: Callable[[np.ndarray, np.ndarray], pd.DataFrame] | None,
    units: pd.DataFrame | None = None,
    resolved: np.ndarray | None = None,
    also: Mapping[str, tuple[CheckConfig, np.ndarray]] | None = None,
) -> CheckResult:
    """:func:`check` itself (in the strict mode :func:`check` sets).

    Two private options, for a caller that checks a few decisions many times on a plan it
    prepared once (the web service's pre-check, :mod:`landplan._serve_precheck`):

    ``resolved``
        The plan's zones with their overlaps already resolved (one geometry per row of
        ``plan``, given normalised and in its working CRS): the overlap resolution is not
        redone, and ``plan_overlaps``/``plan_coverages`` are not computed (the rules that
        need them, ``plan-overlap`` and ``plan-gap``, are skipped unless disabled).
    ``also``
        Other languages' messages: ``{lang: (config, decision numbers)}`` — the
        configuration in that language and the decision numbers as its messages name them
        (one per decision). The rules that found something run again in that language
        (some rules' rows carry text in the check's language: dates, reasons); the overlay,
        the statuses and everything else are not redone. Each adds the columns
        ``_message_<lang>`` to the findings and ``_reason_<lang>`` to the decisions.
    """
    started = time.perf_counter()
    config = config or CheckConfig()
    inputs = {name: (layer.attrs.get("source"), len(layer)) for name, layer in (
        ("decisions", decisions), ("projects", projects), ("corridors", corridors),
        ("quotas", quotas), ("units", units)) if layer is not None}
    codes = load_codes() if codes is None else codes
    compat = load_compatibility() if compat is None else compat
    mapping = shared_code_mapping()  # read once per process (check does not modify it)
    assumed = {name: layer.attrs.get("crs_assumed")
               for name, layer in (("decisions", decisions), ("plan", plan),
                                   ("projects", projects), ("corridors", corridors))
               if layer is not None}
    plan, decisions, projects, corridors = _normalized(
        plan, decisions, projects, corridors, plan_columns, decision_columns)
    if quotas is not None:
        quotas = normalize_quotas(quotas)
    with step("prepare"):
        plan, decisions, projects, corridors = _working(plan, decisions, projects, corridors)
        plan["area_m2"] = shapely.area(plan.geometry.values)
        # overlapping zones (slivers, duplicates, insets) are resolved before the overlay:
        # each overlap belongs to one zone (landplan.planlayer), so no land is counted twice
        drawn = plan.geometry.values
        if resolved is None:
            usable_zone = (plan["geometry_status"] != "unusable").to_numpy()
            zone_geoms = np.where(usable_zone, drawn, None)
            coverages = coverage_versions(zone_geoms, plan["plan_version"].to_numpy())
            overlaps = plan_overlaps(zone_geoms, plan["plan_version"].to_numpy(),
                                     plan["area_m2"].to_numpy(), coverages=coverages)
            resolved = resolve_overlaps(np.asarray(drawn), overlaps)
        else:  # prepared by the caller (see the docstring)
            coverages = overlaps = None
        zones = plan.set_geometry(np.asarray(resolved, dtype=object), crs=plan.crs)
        area = shapely.area(decisions.geometry.values).astype(float)
        granted = decisions["land_use"].to_numpy(dtype=object)
        checkable = (decisions["geometry_status"] != "unusable").to_numpy() & _known(granted,
                                                                                   codes)
        version_of, approvals = _versions(plan, decisions)
    with step("overlay", count=len(decisions)) as overlaying:
        pairs = _version_pairs(zones, decisions, checkable, version_of, approvals,
                               overlay or overlay_pairs)
        overlaying.note = (f"{len(decisions):,} decisions × {len(plan):,} zones → "
                           f"{len(pairs):,} pairs")
        _allowed_pairs(pairs, plan, granted, codes, compat, mapping)
    cover = rasters = None
    if landcover is not None:
        with step("landcover", count=len(decisions)) as reading:
            rasters = load_landcover(landcover)
            cover = landcover_table(decisions, rasters)
            reading.note = (f"{len(decisions):,} decisions × {cover['date'].nunique()} "
                            "rasters")
    # each decision's commune by name, before the rules: their messages name it
    decisions["unit_name"] = unit_names(
        decisions["unit"].to_numpy(dtype=object), decisions["unit_name"].to_numpy(dtype=object),
        table=None if units is None else normalize_units(units), plan=plan)
    ctx = CheckContext(decisions=decisions, plan=zones, pairs=pairs, area=area,
                       checkable=checkable, codes=codes, compat=compat, mapping=mapping,
                       config=config, projects=projects, quotas=quotas, corridors=corridors,
                       version_of=version_of, approvals=approvals, crs_assumed=assumed,
                       landcover=cover, plan_overlaps=overlaps, plan_drawn=np.asarray(drawn),
                       plan_coverages=coverages)
    findings, rules = _run_rules(ctx, also or {})
    with step("statuses", count=len(decisions)):
        decisions_out = _decision_status(ctx, findings, list(also or {}))
        decisions_out.insert(decisions_out.columns.get_loc("unit") + 1, "unit_name",
                             decisions["unit_name"].to_numpy(dtype=object))
    findings = findings.drop(columns=["_row", "_order", "blocking"])
    if also:  # the other languages' reasons go with the decisions only
        findings = findings.drop(columns=[f"_message_{lang}" for lang in also])
    steps_log.info("check: %.2f s (%s decisions, %s findings)", time.perf_counter() - started,
                   f"{len(decisions_out):,}", f"{len(findings):,}")
    usage = quota_usage(ctx) if quotas is not None else None
    personal = pd.DataFrame({c: _values(decisions[c]) for c in ("owner", "address")
                             if c in decisions.columns})
    return CheckResult(decisions_out, findings, plan, rules, projects, corridors, rasters,
                       config, usage, inputs, personal)


def _normalized(plan: gpd.GeoDataFrame, decisions: gpd.GeoDataFrame,
                projects: gpd.GeoDataFrame | None, corridors: gpd.GeoDataFrame | None,
                plan_columns: Mapping[str, str] | None,
                decision_columns: Mapping[str, str] | None) -> tuple:
    """Normalise the layers given raw (one step each); normalised layers are kept as they are.

    Raises
    ------
    CRSError
        A layer without a CRS.
    InputError
        A plan without a usable zone.
    """
    normalizers = {"plan": (normalize_plan, plan_columns),
                   "decisions": (normalize_decisions, decision_columns),
                   "projects": (normalize_projects, None),
                   "corridors": (normalize_corridors, None)}
    layers = {"plan": plan, "decisions": decisions, "projects": projects,
              "corridors": corridors}
    for name, layer in layers.items():
        if layer is not None and not is_normalized(layer, name):
            normalize, columns = normalizers[name]
            with step(f"normalise_{name}", count=len(layer)):
                layers[name] = normalize(layer, columns=columns)
    for name, layer in layers.items():
        if layer is not None and layer.crs is None:
            raise CRSError.of("check.no_crs", layer=Said(
                lambda lang, name=name: label(f"message.layer.{name}", lang)))
    plan = layers["plan"]
    if not (plan["geometry_status"] != "unusable").any():
        source = plan.attrs.get("source") or Text("check.the_plan")
        if len(plan) == 0:
            raise InputError.of("check.plan_empty", source=source)
        raise InputError.of("check.plan_no_zones", source=source, n=len(plan))
    return plan, layers["decisions"], layers["projects"], layers["corridors"]


def _working(*layers: gpd.GeoDataFrame | None) -> list[gpd.GeoDataFrame | None]:
    """Return the layers in the plan's working CRS (the plan first), rows numbered from 0.

    New frames sharing the layers' data (copy-on-write): a layer already in that CRS keeps
    its geometries, none is copied.
    """
    target = working_crs(layers[0])
    return [None if layer is None else layer.to_crs(target).reset_index(drop=True)
            for layer in layers]


def _allowed_pairs(pairs: pd.DataFrame, plan: gpd.GeoDataFrame, granted: np.ndarray,
                   codes: pd.DataFrame, compat: pd.DataFrame, mapping: pd.DataFrame) -> None:
    """Add ``plan_code_known`` and ``allowed`` (granted use allowed by the zone's) to ``pairs``."""
    planned = plan["land_use"].to_numpy(dtype=object)
    known = _known(planned, codes)[pairs["zone"].to_numpy()]
    pairs["plan_code_known"] = known
    allowed = np.zeros(len(pairs), dtype=bool)
    allowed[known] = allowed_matrix(granted[pairs["parcel"].to_numpy()[known]],
                                    planned[pairs["zone"].to_numpy()[known]], codes, compat,
                                    mapping)
    pairs["allowed"] = allowed


def _versions(plan: gpd.GeoDataFrame,
              decisions: gpd.GeoDataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Return the version in force for each decision and the table of the versions.

    The version in force is an index into the approvals table, ``plan_version, approved`` in
    approval order.

    The version in force is the latest approved on or before the decision's date; a
    decision without a date uses the latest. A decision dated before the earliest approval
    date has none (-1): it was issued under the previous plan (Land Law 2024 Art. 60), which
    was not given (``no-plan-version``). A version without an approval date (a single plan
    given without ``@DATE``, or undated versions listed first) is in force from the start:
    no decision comes before it.
    """
    versions = version_table(plan)
    dates = decisions["decision_date"].to_numpy(dtype="datetime64[ns]")
    approved = versions["approved"].to_numpy(dtype="datetime64[ns]")
    undated = int(np.isnat(approved).sum())
    if len(versions) == 1 or undated == len(versions):
        if len(versions) > 1:
            raise InputError.of("check.versions_undated")
        if undated:
            return np.zeros(len(decisions), dtype=np.int64), versions
    # undated versions sort first (version_table): the dated ones follow, in date order
    index = np.searchsorted(approved[undated:], dates, side="right") - 1 + undated
    index = np.where(index < 0, -1 if not undated else 0, index)
    index = np.where(np.isnat(dates), len(versions) - 1, index)
    return index.astype(np.int64), versions


def _version_pairs(plan: gpd.GeoDataFrame, decisions: gpd.GeoDataFrame, checkable: np.ndarray,
                   version_of: np.ndarray, approvals: pd.DataFrame,
                   overlay: Callable[[np.ndarray, np.ndarray], pd.DataFrame]) -> pd.DataFrame:
    """Overlay pairs of each decision with the zones of the plan version in force for it."""
    names = plan["plan_version"].fillna("v1").to_numpy(dtype=object)
    versions = approvals["plan_version"].tolist()
    usable_zone = (plan["geometry_status"] != "unusable").to_numpy()
    frames = []
    for v, name in enumerate(versions):
        zone_idx = np.flatnonzero((names == name) & usable_zone)
        mine = checkable & (version_of == v)
        parcels = np.where(mine, decisions.geometry.values, None)
        pairs = overlay(parcels, plan.geometry.values[zone_idx])
        pairs["zone"] = zone_idx[pairs["zone"].to_numpy()]
        frames.append(pairs)
    pairs = pd.concat(frames, ignore_index=True)
    return pairs.sort_values(["parcel", "zone"], kind="stable").reset_index(drop=True)


def _known(codes_arr: np.ndarray, codes: pd.DataFrame) -> np.ndarray:
    """Whether each (possibly multi-purpose) code is present and fully known."""
    return flags(codes_arr, lambda c: all(p in codes.index for p in c.split("+")))


def _run_rules(ctx: CheckContext,
               also: Mapping[str, tuple[CheckConfig, np.ndarray]] | None = None
               ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Apply every enabled rule (a step each); assemble the findings and the rules table.

    ``also``: other languages' messages from the same rows (:func:`_check`'s option).
    """
    config = ctx.config
    found_by: list[_Found] = []
    states = []
    unusable = set()  # rules that raised SkipRule: the inputs given do not allow them
    registered = list(RULES.values())
    for order, rule in enumerate(registered):
        missing = [need for need in rule.needs if getattr(ctx, need) is None]
        if not config.enabled(rule.id):
            states.append((rule.id, "disabled", "disabled in the configuration", 0))
            continue
        if missing:
            states.append((rule.id, "skipped", f"no {' or '.join(missing)} given", 0))
            continue
        try:
            with step("rule", rule.id, index=order + 1, total=len(registered)) as running:
                found = rule.func(ctx)
                n = 0 if found is None else len(found)
                running.count, running.note = n, f"{n:,} findings"
        except SkipRule as why:
            states.append((rule.id, "skipped", str(why), 0))
            unusable.add(rule.id)
            continue
        states.append((rule.id, "ran", "", n))
        if n:
            found_by.append(_Found(found, rule, order))
    rules = pd.DataFrame(states, columns=["rule", "state", "reason", "n_findings"])
    for rule_id, state, reason, _ in states:
        if state == "skipped" and rule_id in unusable:
            warn(RuleSkippedWarning(f"rule {rule_id} skipped: {reason}"), __name__)
        elif state == "skipped":  # an optional input not given: the user's choice
            log.warning("rule %s skipped: %s", rule_id, reason)
    total = sum(len(part.rows) for part in found_by)
    with step("messages", count=total):
        for part in found_by:
            template = part.rule.template(config.lang)
            part.message = messages(template, part.fields(template, config), ctx.decisions,
                                    ctx.codes, config.lang)
        for lang, (other_config, numbers) in (also or {}).items():
            _other_language(ctx, found_by, lang, other_config, numbers)
    with step("findings", count=total):
        others = {lang: _messages_in(found_by, None, lang) for lang in also or {}}
        findings = _assemble(ctx, found_by, registered)
        for lang, texts in others.items():
            findings[f"_message_{lang}"] = texts.take(findings["_taken"].to_numpy()) \
                if len(texts) else texts
        return findings.drop(columns="_taken"), rules


def _other_language(ctx: CheckContext, found_by: list[_Found], lang: str,
                    config: CheckConfig, numbers: np.ndarray) -> None:
    """Fill ``part.others[lang]``: the messages the check in ``lang`` would give.

    Each rule that found something runs again on the same context in ``lang`` (its rows
    may carry text in the language: dates, reasons), with the decisions numbered
    ``numbers``; a rule finds the same rows in every language.
    """
    other = replace(ctx, config=config, decisions=ctx.decisions.assign(decision_no=numbers),
                    _memo={})
    for part in found_by:
        rows = part.rule.func(other)
        if rows is None or len(rows) != len(part.rows):
            raise RuntimeError(f"rule {part.rule.id} found {0 if rows is None else len(rows)} "
                               f"rows in {lang}, {len(part.rows)} in {ctx.config.lang}")
        found = _Found(rows, part.rule, part.order)
        template = part.rule.template(lang)
        part.others[lang] = messages(template, found.fields(template, config),
                                     other.decisions, ctx.codes, lang)


@dataclass
class _Found:
    """A rule's rows, as it returned them, and their messages once made.

    What every finding of the rule carries (its id, category, default severity, legal basis)
    is not repeated on each row: the findings table takes it from the rule.
    """

    rows: pd.DataFrame | None
    rule: Rule
    order: int
    message: pd.api.extensions.ExtensionArray | None = None
    others: dict = field(default_factory=dict)
    """Other languages' messages (``_check``'s ``also``), by language."""

    def fields(self, template: str, config: CheckConfig) -> pd.DataFrame:
        """Return the rows with the rule's own values the message template names."""
        constants = {"rule": self.rule.id, "rule_order": self.order,
                     "category": self.rule.category,
                     "severity": config.severity(self.rule.id),
                     "legal_basis": self.rule.legal_basis(config.lang)}
        named = {name for _, name, _, _ in Formatter().parse(template) if name}
        extra = {key: value for key, value in constants.items()
                 if key not in self.rows.columns and any(n.split(".")[0].split("[")[0] == key
                                                         for n in named)}
        rows = self.rows.assign(**extra) if extra else self.rows
        return rows if "layer" in rows.columns else rows.assign(layer="decisions")


def _assemble(ctx: CheckContext, found_by: list[_Found],
              registered: list[Rule]) -> gpd.GeoDataFrame:
    """One findings table from the rules' rows, with the concerned record's fields.

    ``found_by`` is used up: each rule's rows and messages are let go as soon as the table
    holds them.
    """
    d = ctx.decisions
    if found_by:
        table = pd.concat([part.rows.assign(rule_order=part.order) for part in found_by],
                          ignore_index=True)
        for part in found_by:  # in the table now: the rules' own frames can go
            part.rows = None
    else:
        table = pd.DataFrame(columns=["row", "layer", "rule_order", "severity", "blocking"])
    for col in ("planned_land_use", "conflict_area_m2", "conflict_pct", "geometry"):
        if col not in table.columns:
            table[col] = None
    if "blocking" not in table.columns:
        table["blocking"] = False
    table["blocking"] = table["blocking"].fillna(False).astype(bool)
    rule_order = table["rule_order"].to_numpy(dtype=np.int64)
    table["layer"] = _filled(table, "layer", np.full(len(table), "decisions", dtype=object))
    severities = np.array([ctx.config.severity(r.id) for r in registered], dtype=object)
    table["severity"] = _filled(table, "severity", severities[rule_order])
    rows = table["row"].to_numpy(dtype=np.int64)
    layer = table["layer"].to_numpy(dtype=object)
    on_decision = (layer == "decisions") & (rows >= 0)
    on_project = (layer == "projects") & (rows >= 0)
    on_plan = (layer == "plan") & (rows >= 0)
    n = len(table)

    def pick(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.full(n, None, dtype=object)
        out[mask] = np.asarray(values, dtype=object)[rows[mask]]
        return out

    source_row = pd.array([None] * n, dtype="Int64")
    source_row[on_decision] = d["source_row"].to_numpy()[rows[on_decision]]
    land_use = pick(d["land_use"].to_numpy(), on_decision)
    unit = pick(d["unit"].to_numpy(), on_decision)
    geometry = np.array(table["geometry"].to_numpy(dtype=object), dtype=object, copy=True)
    missing_geom = pd.isna(table["geometry"]).to_numpy()  # None, or NaN after concat
    geometry[missing_geom] = None
    geometry[missing_geom & on_decision] = d.geometry.values[rows[missing_geom & on_decision]]
    if ctx.projects is not None and on_project.any():
        p = ctx.projects
        source_row[on_project] = p["source_row"].to_numpy()[rows[on_project]]
        land_use[on_project] = p["land_use"].to_numpy(dtype=object)[rows[on_project]]
        unit[on_project] = p["unit"].to_numpy(dtype=object)[rows[on_project]]
        fill = missing_geom & on_project
        geometry[fill] = p.geometry.values[rows[fill]]
    if on_plan.any():
        source_row[on_plan] = ctx.plan["source_row"].to_numpy()[rows[on_plan]]
        unit[on_plan] = ctx.plan["unit"].to_numpy(dtype=object)[rows[on_plan]]
    dates = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    dates[on_decision] = d["decision_date"].to_numpy(dtype="datetime64[ns]")[rows[on_decision]]
    # a finding on another layer about a decision (a plan adjustment that legalised it)
    # names the decision it concerns in ``decision_row``
    about = (pd.to_numeric(table["decision_row"]).fillna(-1).to_numpy(dtype=np.int64)
             if "decision_row" in table.columns else np.full(n, -1, dtype=np.int64))
    about = np.where(on_decision, rows, about)
    concerned = about >= 0
    land_use[concerned & ~on_decision] = d["land_use"].to_numpy(dtype=object)[
        about[concerned & ~on_decision]]
    dates[concerned] = d["decision_date"].to_numpy(dtype="datetime64[ns]")[about[concerned]]

    def about_decision(values: np.ndarray) -> np.ndarray:
        out = np.full(n, None, dtype=object)
        out[concerned] = np.asarray(values, dtype=object)[about[concerned]]
        return out

    planned = table["planned_land_use"].to_numpy(dtype=object)
    # the order of the table: layer, record, rule, planned code (the rows are taken once)
    order = pd.DataFrame({
        "layer": _layer_order(layer), "source": source_row.fillna(-1).to_numpy(dtype=np.int64),
        "rule": rule_order, "planned": planned,
    }).sort_values(["layer", "source", "rule", "planned"], kind="stable",
                   na_position="first").index.to_numpy()
    # what the findings take from the rules' rows, in order; the rows go before the table is
    # made (at 10⁶ findings they are hundreds of MB the new table need not sit beside)
    severity = _taken(table["severity"], order)
    conflict_area = pd.to_numeric(table["conflict_area_m2"]).to_numpy(dtype=float)[order]
    conflict_pct = pd.to_numeric(table["conflict_pct"]).to_numpy(dtype=float)[order]
    blocking = table["blocking"].to_numpy(dtype=bool)[order]
    del table
    out = gpd.GeoDataFrame({
        "finding_id": _finding_ids(n).array,
        "layer": layer[order],
        "source_row": source_row[order],
        "decision_no": about_decision(d["decision_no"].to_numpy())[order],
        "parcel_id": about_decision(d["parcel_id"].to_numpy())[order],
        "rule": _per_rule(_rule_constants(registered)[0], rule_order[order]),
        "category": _per_rule(_rule_constants(registered)[1], rule_order[order]),
        "severity": severity,
        "message": _messages_in(found_by, order),
        "planned_land_use": planned[order],
        "land_use": land_use[order],
        "conflict_area_m2": conflict_area,
        "conflict_pct": conflict_pct,
        "kind": about_decision(d["kind"].to_numpy())[order],
        "decision_date": dates[order],
        "unit": unit[order],
        "legal_basis": _legal_bases(registered, rule_order[order], dates[order],
                                    ctx.config.lang),
        "blocking": blocking,
        "_row": np.where(on_decision, rows, -1)[order],
        "_order": rule_order[order],
        "_taken": order,
    }, geometry=geometry[order], crs=d.crs)
    return out


_CONSTANTS: dict[tuple[int, ...], tuple] = {}


def _rule_constants(registered: list[Rule]) -> tuple[list[str], list[str]]:
    """Return the rules' ids and categories, made once per list of rules.

    (The rules are kept with them: their ids are not reused while the entry lives.)
    """
    key = tuple(id(r) for r in registered)
    if key not in _CONSTANTS:
        if len(_CONSTANTS) > 8:
            _CONSTANTS.clear()
        _CONSTANTS[key] = ([r.id for r in registered], [r.category for r in registered],
                           tuple(registered))
    return _CONSTANTS[key][:2]


def _filled(table: pd.DataFrame, column: str, default: np.ndarray) -> np.ndarray:
    """Return ``table[column]``, ``default`` where missing (or everywhere when absent)."""
    if column not in table.columns:
        return default
    values = table[column].to_numpy(dtype=object, copy=True)
    missing = pd.isna(values)
    values[missing] = default[missing]
    return values


def _per_rule(values: list[str], rule_order: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Return each finding's rule's value (by the rule's position) as text, made once here."""
    texts = pa.array(values, type=pa.large_string()).take(pa.array(rule_order))
    return pd.Series(texts.to_pandas(), dtype="str").array


def _legal_bases(registered: list[Rule], rule_order: np.ndarray, dates: np.ndarray,
                 lang: str) -> pd.api.extensions.ExtensionArray:
    """Each finding's legal basis: its rule's references in force on its decision's date.

    A few texts per rule (one per period of its references, one for no date: all of them,
    :meth:`Rule.legal_periods`), made once; each finding takes its text by index.
    """
    texts: list[str] = []
    index = np.zeros(len(rule_order), dtype=np.int64)
    undated = np.isnat(dates)
    for position in np.unique(rule_order):
        bounds, periods = registered[position].legal_periods(lang)
        mine = rule_order == position
        period = np.searchsorted(np.array(bounds, dtype="datetime64[ns]"), dates[mine],
                                 side="right")
        period[undated[mine]] = len(periods) - 1
        index[mine] = len(texts) + period
        texts += periods
    taken = pa.array(texts, type=pa.large_string()).take(pa.array(index))
    return pd.Series(taken.to_pandas(), dtype="str").array


def _messages_in(found_by: list[_Found], order: np.ndarray | None,
                 lang: str | None = None) -> pd.api.extensions.ExtensionArray:
    """Return the rules' messages, one after the other, in ``order`` (None: as they are).

    ``lang``: another language's messages (``part.others``) instead.
    """
    if not found_by:
        return pd.array([], dtype="str")
    texts = pa.chunked_array([pa.array(part.message if lang is None else part.others[lang],
                                       type=pa.large_string())
                              for part in found_by], type=pa.large_string())
    for part in found_by:  # only ``texts`` holds them now
        if lang is None:
            part.message = None
        else:
            part.others.pop(lang)
    if order is None:
        return pd.Series(texts.to_pandas(), dtype="str").array
    taken = texts.take(pa.array(order))
    del texts
    return pd.Series(taken.to_pandas(), dtype="str").array


def _taken(column: pd.Series, order: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """Return the values of ``column`` in ``order``; Arrow-backed text stays so (no copy out)."""
    if isinstance(column.dtype, pd.StringDtype):
        return column.array.take(order)
    return column.to_numpy()[order]


def _finding_ids(n: int) -> pd.Series:
    """Return ``F000001``, ``F000002`` … (at least six digits), as text (Arrow's kernels)."""
    numbers = pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise("F", pc.utf8_lpad(numbers, 6, "0"), "").to_pandas()


def _layer_order(layer: np.ndarray) -> np.ndarray:
    """Position of each finding's layer in :data:`LAYERS` (the findings' sort order)."""
    unknown = sorted(set(layer) - set(LAYERS))
    if unknown:  # a rule that reports on a layer the table order does not know
        raise RuntimeError(f"findings on unknown layer(s) {unknown}: add them to check.LAYERS")
    if len(layer) <= 1000:  # a few findings: the same positions without a Categorical
        return np.array([LAYERS.index(x) for x in layer], dtype=np.int8)
    return pd.Categorical(layer, categories=LAYERS).codes


def _dominant_codes(pairs: pd.DataFrame, planned: np.ndarray, n: int) -> np.ndarray:
    """Return each decision's planned code of largest area among ``pairs`` (None: no pair).

    Areas are summed per decision and code; between codes of equal area, the first in text
    order.
    """
    dominant = np.full(n, None, dtype=object)
    if pairs.empty:
        return dominant
    code, names = pd.factorize(planned[pairs["zone"].to_numpy()], sort=True)
    key = pairs["parcel"].to_numpy(dtype=np.int64) * len(names) + code
    sums = pd.Series(pairs["area_m2"].to_numpy()).groupby(key, sort=True).sum()
    keys, area = sums.index.to_numpy(), sums.to_numpy()
    row, code = keys // len(names), keys % len(names)
    order = np.lexsort((code, -area, row))  # by decision, largest area first, then code
    row, code = row[order], code[order]
    first = np.ones(len(row), dtype=bool)
    first[1:] = row[1:] != row[:-1]
    dominant[row[first]] = np.asarray(names, dtype=object)[code[first]]
    return dominant


def _values(column: pd.Series) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """Return a column's values for a new frame: Arrow-backed text as it is (no round trip)."""
    return column.array if isinstance(column.dtype, pd.StringDtype) else column.to_numpy()


def _version_names(ctx: CheckContext) -> np.ndarray:
    """Return the name of each decision's plan version in force (None: none was given)."""
    names = np.append(ctx.approvals["plan_version"].to_numpy(dtype=object), None)
    return names[np.where(ctx.version_of >= 0, ctx.version_of, len(names) - 1)]


def _why(rows: np.ndarray, ranks: np.ndarray, orders: np.ndarray, messages: np.ndarray,
         n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return each decision's deciding rule and reason from the findings that explain it.

    The rule is the most severe finding's (the earlier rule on a tie); the reason joins the
    messages most severe first, in rule order within a severity. Decisions with no such
    finding get None for both.
    """
    rule = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)
    if not len(rows):
        return rule, reason
    order = np.lexsort((orders, -ranks, rows))
    rows, orders, messages = rows[order], orders[order], messages[order]
    first = np.r_[True, rows[1:] != rows[:-1]]
    ids = np.array([r.id for r in RULES.values()], dtype=object)
    rule[rows[first]] = ids[orders[first]]
    keys, joined = join_per_key(rows, messages, " | ")
    reason[keys] = joined
    return rule, reason


def _decision_status(ctx: CheckContext, findings: gpd.GeoDataFrame,
                     also: list[str] | None = None) -> gpd.GeoDataFrame:
    """Each decision once, with status derived from its findings.

    ``also``: languages whose reasons (``_reason_<lang>``, from the findings'
    ``_message_<lang>``) are added too (:func:`_check`'s option).
    """
    d = ctx.decisions
    n = len(d)
    findings = findings[findings["_row"] >= 0]
    rows = findings["_row"].to_numpy(dtype=np.int64)
    compliance = findings["category"].to_numpy() == "compliance"
    violation = np.zeros(n, dtype=bool)
    violation[rows[compliance]] = True
    # a blocking finding of an `unless_violation` rule (an unreadable kind) makes the decision
    # unchecked only when no compliance rule found it a violation
    yields = np.array([r.unless_violation for r in RULES.values()], dtype=bool)
    blocks = (findings["blocking"].to_numpy(dtype=bool)
              & ~(yields[findings["_order"].to_numpy(dtype=np.int64)] & violation[rows]))
    blocking = np.zeros(n, dtype=bool)
    blocking[rows[blocks]] = True
    status = np.where(blocking, "unchecked", np.where(violation, "violation", "compliant"))
    ranks = findings["severity"].map(severity_rank).to_numpy(dtype=np.int64)
    # why: an unchecked decision's blocking findings, a violation's compliance findings
    why = np.where(blocking[rows], blocks, compliance & (status[rows] == "violation"))
    rule, reason = _why(rows[why], ranks[why], findings["_order"].to_numpy(dtype=np.int64)[why],
                        findings["message"].to_numpy(dtype=object)[why], n)
    reasons = {lang: _why(rows[why], ranks[why],
                          findings["_order"].to_numpy(dtype=np.int64)[why],
                          findings[f"_message_{lang}"].to_numpy(dtype=object)[why], n)[1]
               for lang in also or []}
    areas = findings["conflict_area_m2"].to_numpy(dtype=float)
    violation_area = np.full(n, np.nan)
    counted = compliance & ~np.isnan(areas)
    np.fmax.at(violation_area, rows[counted], areas[counted])
    # a rule that names no area (quota, unused land) concerns the whole parcel
    violation_area = np.where(np.isnan(violation_area), ctx.area, violation_area)
    violation_area[status != "violation"] = np.nan
    n_findings = np.bincount(rows, minlength=n)
    max_rank = np.full(n, -1, dtype=np.int64)
    np.maximum.at(max_rank, rows, ranks)
    by_rank = {severity_rank(s): s for s in findings["severity"].unique()}
    severity_of = np.full(max([-1, *by_rank]) + 2, None, dtype=object)  # rank + 1 -> name
    for rank, name in by_rank.items():
        severity_of[rank + 1] = name
    max_severity = severity_of[max_rank + 1]

    pairs = ctx.pairs
    known_pairs = pairs[pairs["plan_code_known"]]
    dominant = _dominant_codes(known_pairs, ctx.plan["land_use"].to_numpy(dtype=object), n)
    bad = known_pairs[~known_pairs["allowed"]]
    conflict = np.bincount(bad["parcel"], weights=bad["area_m2"], minlength=n)
    area = ctx.area
    with np.errstate(invalid="ignore", divide="ignore"):
        conflict_pct = 100.0 * conflict / area
    # recoveries and non-State records grant no use: not judged against the zoning; nor
    # decisions with no plan version in force on their date
    judged = ctx.judged & ~np.isin(ctx.kinds, NOT_GRANTS)
    conflict = np.where(judged, conflict, np.nan)
    conflict_pct = np.where(judged, conflict_pct, np.nan)

    out = gpd.GeoDataFrame({
        "source_row": d["source_row"].to_numpy(),
        "decision_no": _values(d["decision_no"]),
        "parcel_id": _values(d["parcel_id"]),
        "kind": _values(d["kind"]),
        "decision_date": d["decision_date"].to_numpy(),
        "land_use": _values(d["land_use"]),
        "prev_land_use": _values(d["prev_land_use"]),
        "unit": _values(d["unit"]),
        "status": status,
        "rule": rule,
        "reason": reason,
        "planned_land_use": dominant,
        "conflict_area_m2": conflict,
        "conflict_pct": conflict_pct,
        "violation_area_m2": violation_area,
        "n_findings": n_findings,
        "max_severity": max_severity,
        "area_m2": area,
        "geometry_status": _values(d["geometry_status"]),
        "plan_version": _version_names(ctx),
        **{f"_reason_{lang}": texts for lang, texts in reasons.items()},
    }, geometry=d.geometry.values, crs=d.crs)
    if ctx.landcover is not None:
        img = ctx.landcover_images()
        out["landcover_date"] = img["date"].to_numpy()
        out["landcover_coverage"] = img["coverage"].to_numpy(dtype=float)
        out["landcover_unknown"] = img["unknown"].to_numpy(dtype=float)
        for name in landcover_classes()["class"]:
            out[f"cover_{name}"] = img[name].to_numpy(dtype=float)
    return out
