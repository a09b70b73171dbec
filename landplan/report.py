"""Tables and files: the summary, and writing a check's outputs to a folder.

Tabular outputs are deterministic: the same inputs give byte-identical CSV files
(UTF-8 with BOM so that Excel shows Vietnamese text correctly, stable row order,
fixed float formatting).
"""

from __future__ import annotations

import codecs
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrowtext import any_byte, mostly_repeated, string_bytes, text_bytes
from ._formula import neutralise_array
from ._gpkg import Unsupported, write_layer
from ._labels import check_lang
from ._outdir import block_interrupt_in_thread, no_interrupt, staged
from ._steps import step
from .check import DECISION_OUTPUT_COLUMNS, FINDING_COLUMNS, STATUSES, CheckResult

if TYPE_CHECKING:
    from .maps import MapBudget

__all__ = ["OUTPUT_FILES", "OUTPUT_FOLDERS", "PLAN_DIFF_FILES", "SUMMARY_COLUMNS", "summarize",
           "write_outputs", "write_plan_diff"]

log = logging.getLogger(__name__)

_CSV_ROWS = 100_000  # rows of a CSV formatted at a time
_CENTS = pa.array([f".{c:02d}" for c in range(100)], pa.string())
SUMMARY_COLUMNS = ["dimension", "value", "n_decisions", "n_findings", "area_m2",
                   "conflict_area_m2", "note", "n_zones"]
OUTPUT_FILES = ("findings.gpkg", "findings.csv", "decisions.csv", "summary.csv", "map.html",
                "bao_cao.xlsx")
"""The files a check writes into its output folder (an earlier run's are replaced or
removed by name; no other file there is touched)."""
OUTPUT_FOLDERS = ("maps/",)
"""The folders a check writes into its output folder: ``maps/``, the units' maps when the
map does not fit one file (an earlier run's maps there are removed; other files are left)."""
CURRENT_USE_FILES = ("current_use.gpkg", "current_use.csv", "current_use_summary.csv",
                     "current_use_progress.csv")
"""The files a comparison of current use with the plan writes
(:func:`write_current_use`)."""
PLAN_DIFF_FILES = ("plan_diff.gpkg", "plan_diff.csv", "plan_diff_summary.csv", "plan_diff.html")


def summarize(result: CheckResult) -> pd.DataFrame:
    """Summarise counts and areas by status, rule, severity, kind and administrative unit.

    Returns
    -------
    pandas.DataFrame
        Columns ``dimension`` (``total``, ``status``, ``rule``, ``severity``, ``kind``,
        ``unit``, ``rule_not_run``), ``value``, ``n_decisions``, ``n_findings``,
        ``area_m2`` (parcel area), ``conflict_area_m2``, ``note``, ``n_zones``. Rows of
        ``rule`` and ``severity`` count findings and the decisions that have them. A plan
        with several versions adds the rows of
        :func:`landplan.plandiff.adjustment_summary` per unit (``adjustment_unit``,
        ``adjustment_change``): ``n_zones`` changed zones, ``area_m2`` the changed area,
        ``n_findings`` and ``conflict_area_m2`` the changes that legalised earlier
        violations and their area (``n_decisions`` 0); ``n_zones`` is empty on the other
        rows.
    """
    d = pd.DataFrame(result.decisions[["source_row", "status", "kind", "unit", "n_findings",
                                       "area_m2", "conflict_area_m2"]])  # no geometry copies
    f = pd.DataFrame(result.findings[["source_row", "layer", "rule", "severity",
                                      "conflict_area_m2"]])
    nf = d["n_findings"]
    parts = [pd.DataFrame([{
        "dimension": "total", "value": "all", "n_decisions": len(d),
        "n_findings": int(nf.sum()), "area_m2": d["area_m2"].sum(),
        "conflict_area_m2": d["conflict_area_m2"].sum(),
    }])]
    status = d.assign(status=pd.Categorical(d["status"], categories=STATUSES))
    parts.append(_by(status, "status"))
    for dim in ("kind", "unit"):
        parts.append(_by(d.assign(**{dim: d[dim].fillna("(none)")}), dim))
    on_decision = f.assign(decision_row=f["source_row"].where(f["layer"] == "decisions"))
    area_of = d.set_index("source_row")["area_m2"]
    for dim in ("rule", "severity"):
        grouped = on_decision.groupby(dim, sort=True, observed=True).agg(
            n_decisions=("decision_row", "nunique"), n_findings=("rule", "size"),
            conflict_area_m2=("conflict_area_m2", "sum"))
        grouped["area_m2"] = [
            area_of.reindex(on_decision.loc[on_decision[dim] == v, "decision_row"]
                            .dropna().unique()).sum()
            for v in grouped.index
        ]
        parts.append(grouped.reset_index().rename(columns={dim: "value"}).assign(dimension=dim))
    states = result.rules[result.rules["state"] != "ran"]
    parts.append(pd.DataFrame({"dimension": "rule_not_run", "value": states["rule"],
                               "n_decisions": 0, "n_findings": 0, "area_m2": 0.0,
                               "conflict_area_m2": 0.0,
                               "note": states["state"] + ": " + states["reason"]}))
    adjustments = _adjustments(result)
    if len(adjustments):
        parts.append(adjustments)
    out = pd.concat(parts, ignore_index=True)
    out["note"] = out["note"].fillna("") if "note" in out.columns else ""
    if "n_zones" not in out.columns:
        out["n_zones"] = pd.NA
    out["n_zones"] = out["n_zones"].astype("Int64")
    out = out[SUMMARY_COLUMNS]
    out["value"] = out["value"].astype(str)
    out["n_decisions"] = out["n_decisions"].astype(int)
    out["n_findings"] = out["n_findings"].astype(int)
    return out


def _adjustments(result: CheckResult) -> pd.DataFrame:
    """Return the summary rows of the plan's adjustments per unit (none for one version)."""
    from .plandiff import adjustment_summary, plan_adjustments

    plan = result.plan
    if plan["plan_version"].fillna("v1").nunique() < 2:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    per_unit = adjustment_summary(plan_adjustments(plan), result.findings)
    return pd.DataFrame({
        "dimension": per_unit["dimension"], "value": per_unit["value"], "n_decisions": 0,
        "n_findings": per_unit["n_findings"], "area_m2": per_unit["area_m2"],
        "conflict_area_m2": per_unit["legalised_area_m2"], "note": "",
        "n_zones": per_unit["n_zones"],
    })


def _by(d: pd.DataFrame, dim: str) -> pd.DataFrame:
    grouped = d.groupby(dim, sort=True, observed=False).agg(
        n_decisions=("source_row", "size"), n_findings=("n_findings", "sum"),
        area_m2=("area_m2", "sum"), conflict_area_m2=("conflict_area_m2", "sum"))
    return grouped.reset_index().rename(columns={dim: "value"}).assign(dimension=dim)


def _csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as UTF-8 CSV with a BOM (Excel opens it as Unicode).

    Numbers with two decimals, dates as YYYY-MM-DD, blanks for missing values, fields quoted
    only when they hold a comma, a quote or a line break — what ``DataFrame.to_csv`` writes,
    but formatted column by column with Arrow's compute kernels (~10× faster at 10⁶ rows),
    :data:`_CSV_ROWS` rows at a time (memory bounded by that, whatever the table's size),
    each chunk's text written as the bytes Arrow holds (no Python string per row).
    Text cells that a spreadsheet would take for a formula get a ``'`` in front
    (:mod:`landplan._formula`); numbers are written as they are.
    """
    names = pa.array([str(c) for c in frame.columns], pa.string())
    header = ",".join(_quote_fields(neutralise_array(names)).to_pylist())
    with open(path, "wb") as f:
        f.write(codecs.BOM_UTF8 + header.encode("utf-8") + b"\n")
        for start in range(0, len(frame), _CSV_ROWS):
            part = frame.iloc[start:start + _CSV_ROWS]
            columns = [_csv_column(part.iloc[:, i]) for i in range(part.shape[1])]
            lines = pc.binary_join_element_wise(*columns, ",") if len(columns) > 1 \
                else columns[0]
            data, offsets = string_bytes(pc.binary_join_element_wise(lines, "\n", ""))
            f.write(data[offsets[0]:offsets[-1]])


def _csv_column(values: pd.Series) -> pa.Array:
    """One column as CSV field text (Arrow strings, no nulls)."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        text = pa.array(np.where(values.to_numpy(dtype=bool), "True", "False"))
    elif pd.api.types.is_integer_dtype(dtype) and not values.isna().any():
        text = pc.cast(pa.array(values.to_numpy()), pa.string())
    elif pd.api.types.is_float_dtype(dtype):
        text = _two_decimals(values.to_numpy(dtype=float))
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        days = values.to_numpy(dtype="datetime64[D]")
        text = pc.cast(pa.array(days, type=pa.date32(), from_pandas=True), pa.string())
    elif isinstance(dtype, pd.StringDtype):
        text = _csv_text(pc.cast(pa.array(values, from_pandas=True), pa.string()))
    else:
        cells = values.to_numpy(dtype=object)
        try:
            text = _csv_text(pa.array(cells, type=pa.string(), from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not only text: str() each cell
            missing = pd.isna(cells)
            texts = np.array([isinstance(c, str) for c in cells])
            text = pa.array(np.where(missing, None, cells).astype(str), type=pa.string())
            text = pc.if_else(pa.array(texts), neutralise_array(text), text)  # not numbers
            text = pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text)
            text = _quote_fields(text)
    return pc.fill_null(text, "")


def _csv_text(text: pa.Array) -> pa.Array:
    """Text cells as CSV fields: formulas neutralised, special fields quoted (nulls stay).

    A column of few distinct texts (codes, statuses, kinds) is formatted once per distinct
    text (as a sample of its first rows suggests; the result is the same either way).
    """
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if mostly_repeated(text):
        encoded = pc.dictionary_encode(text)
        if 2 * len(encoded.dictionary) <= len(text):
            return pc.take(_quote_fields(neutralise_array(encoded.dictionary)),
                           encoded.indices)
    return _quote_fields(neutralise_array(text))


def _quote_fields(text: pa.Array) -> pa.Array:
    """Quote the fields that hold a comma, a quote or a line break (quotes doubled)."""
    if not any_byte(text_bytes(text), b',"\n\r'):
        return text  # (a null's span may hold such a byte: then the regex looks)
    special = pc.match_substring_regex(text, '[,"\n\r]')
    if pc.any(special).as_py():
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"',
                                             "")
        text = pc.if_else(special, quoted, text)
    return text


def _two_decimals(x: np.ndarray) -> pa.Array:
    """``"%.2f"`` of every value ("" for NaN), vectorised.

    Whole units as Arrow's text of integers, the cents from a table of ``.00`` … ``.99``.
    """
    finite = np.isfinite(x)
    cents = np.rint(np.where(finite, np.abs(x), 0.0) * 100.0).astype(np.int64)
    whole = pc.cast(pa.array(cents // 100), pa.string())
    text = pc.binary_join_element_wise(whole, pc.take(_CENTS, pa.array(cents % 100)), "")
    negative = (x < 0) & (cents > 0)
    if negative.any():
        text = pc.if_else(pa.array(negative), pc.binary_join_element_wise("-", text, ""), text)
    if not finite.all():
        text = pc.if_else(pa.array(finite), text, pa.scalar("", pa.string()))
    return text


def write_outputs(
    result: CheckResult,
    out_dir: str | Path,
    *,
    map_html: bool = True,
    lang: str | None = None,
    offline: bool = True,
    public: bool = False,
    all_decisions: bool = False,
    raster: str | Path | None = None,
    xlsx: bool = False,
    map_budget: MapBudget | None = None,
) -> dict[str, Path]:
    """Write a check's outputs into ``out_dir`` (created if needed; nothing else is touched).

    The files are written into a temporary folder inside ``out_dir`` and moved into place
    together at the end, after the files of :data:`OUTPUT_FILES` left by an earlier run are
    removed: ``out_dir`` holds the files of one run, never a mixture, also when the run
    fails or is interrupted (the temporary folder is always removed). While writing, the
    folder is locked (``.landplan.lock``): a second writer raises
    :class:`landplan.errors.OutputError` instead of mixing its files in.

    Files: ``findings.gpkg`` (layers ``findings`` and ``decisions``), ``findings.csv``,
    ``decisions.csv``, ``summary.csv`` and, unless ``map_html=False``, ``map.html`` (see
    :func:`landplan.make_map` for ``offline``, ``public``, ``all_decisions``, ``raster``;
    the file is self-contained and offline by default) — or, when the map does not fit one
    file of ``map_budget`` (:class:`landplan.maps.MapBudget`: 25 MB and 30,000 features by
    default), ``map.html`` as an index of the units' maps in the folder ``maps/``
    (:func:`landplan.maps.write_maps`) — and with ``xlsx=True`` the Excel
    report ``bao_cao.xlsx`` (:func:`landplan.excel.write_xlsx`; ``public=True`` leaves the
    land users' names out of it, as out of the map). The map and the report are
    in ``lang`` (``"vi"`` or ``"en"``), by default the language the check ran in.

    Returns
    -------
    dict
        File name → path of each file written (``"maps/"`` → the folder, when written).
    """
    lang = result.lang if lang is None else check_lang(lang)
    # GDAL writes the GeoPackage in a thread while the other files are made; Ctrl-C goes to
    # this thread, not GDAL's. It is held back while the worker starts, so that the pool
    # knows its worker and waits for it before the temporary folder is removed.
    with staged(out_dir, (*OUTPUT_FILES, *OUTPUT_FOLDERS, *CURRENT_USE_FILES)) as stage, \
            ThreadPoolExecutor(max_workers=1, initializer=block_interrupt_in_thread,
                               thread_name_prefix="landplan-gpkg") as pool:
        out = stage.tmp
        extra = [c for c in result.decisions.columns
                 if c.startswith(("landcover_", "cover_")) and c not in DECISION_OUTPUT_COLUMNS]
        decisions = result.decisions[[*DECISION_OUTPUT_COLUMNS, *extra, "geometry"]]
        findings = result.findings[[*FINDING_COLUMNS, "geometry"]]
        gpkg = out / "findings.gpkg"
        with no_interrupt():
            gpkg_done = pool.submit(_write_gpkg_layers, findings, decisions, gpkg)
        written: dict[str, Path] = {"findings.gpkg": gpkg}
        tables = (("findings.csv", lambda: findings[FINDING_COLUMNS]),
                  ("decisions.csv", lambda: decisions.drop(columns="geometry")),
                  ("summary.csv", lambda: summarize(result)))
        for name, table in tables:
            with step("write", name):
                _csv(table(), out / name)
            written[name] = out / name
        if xlsx:
            from .excel import write_xlsx

            with step("write", "bao_cao.xlsx"):
                written["bao_cao.xlsx"] = write_xlsx(result, out / "bao_cao.xlsx", lang=lang,
                                                     public=public)
        if map_html:
            from .maps import write_maps

            with step("write", "map.html"):
                written.update(write_maps(result, out, lang=lang, offline=offline,
                                          public=public, all_decisions=all_decisions,
                                          raster=raster, budget=map_budget))
        with step("write", "findings.gpkg", logged=False):  # its thread logs its layers
            gpkg_done.result()
        written = stage.commit(written)
    log.info("wrote %s", ", ".join(str(p) for p in written.values()))
    return written


def _write_gpkg_layers(findings: gpd.GeoDataFrame, decisions: gpd.GeoDataFrame,
                       path: Path) -> None:
    """Write the layers ``findings`` and ``decisions`` of ``findings.gpkg`` (a step each)."""
    for layer, frame in (("findings", findings), ("decisions", decisions)):
        with step("write", f"{path.name} {layer}", count=len(frame)):
            _write_gpkg(frame, path, layer)


def _write_gpkg(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Write ``frame`` as the layer ``layer`` of the GeoPackage ``path``.

    Dates as ``YYYY-MM-DD`` text. The frame is not copied: the dates replace the column in
    a new frame sharing the others; the layer is written in batches
    (:func:`landplan._gpkg.write_layer`, the same layer as ``to_file`` writes).
    """
    if "decision_date" in frame.columns:
        frame = frame.assign(decision_date=_iso_dates(frame["decision_date"]))
    try:
        write_layer(frame, path, layer)  # in batches: no second copy of the whole table
    except Unsupported:
        frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", use_arrow=True)


def _iso_dates(values: pd.Series) -> pd.Series:
    """Dates as ``YYYY-MM-DD`` text, missing for NaT (Arrow's date formatting)."""
    days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    text = pc.cast(pa.array(days, type=pa.date32(), from_pandas=True), pa.string())
    return pd.Series(text.to_numpy(zero_copy_only=False), index=values.index, dtype=object)


def write_plan_diff(diff: gpd.GeoDataFrame, new_plan: gpd.GeoDataFrame, out_dir: str | Path,
                    *, map_html: bool = True, lang: str = "vi",
                    offline: bool = True) -> dict[str, Path]:
    """Write what a plan adjustment changed (:func:`landplan.plan_diff`) into ``out_dir``.

    The files are ``plan_diff.gpkg`` (layer ``plan_diff``), ``plan_diff.csv``,
    ``plan_diff_summary.csv`` and, unless ``map_html=False``, ``plan_diff.html``.
    """
    from .plandiff import plan_diff_summary

    with staged(out_dir, PLAN_DIFF_FILES) as stage:
        out = stage.tmp
        gpkg = out / "plan_diff.gpkg"
        _write_gpkg(diff, gpkg, "plan_diff")
        written = {"plan_diff.gpkg": gpkg}
        for name, frame in (("plan_diff.csv", diff.drop(columns="geometry")),
                            ("plan_diff_summary.csv", plan_diff_summary(diff))):
            _csv(frame, out / name)
            written[name] = out / name
        if map_html:
            from .maps import plan_diff_map

            path = out / "plan_diff.html"
            plan_diff_map(new_plan, diff, lang=lang, offline=offline).save(str(path))
            written["plan_diff.html"] = path
        return stage.commit(written)


def write_current_use(result: gpd.GeoDataFrame, out_dir: str | Path, *,
                      before: gpd.GeoDataFrame | None = None) -> dict[str, Path]:
    """Write a comparison of current use with the plan into ``out_dir``.

    ``result`` is a :func:`landplan.currentuse.compare_current_use` result; the files are
    ``current_use.gpkg`` (layer ``current_use``), ``current_use.csv`` and
    ``current_use_summary.csv`` and, given the result of an earlier date as ``before``,
    ``current_use_progress.csv`` (:func:`landplan.currentuse.current_use_progress`). Like
    :func:`write_outputs`: staged in a temporary folder and moved into place together; a
    check's files left by an earlier run are removed (one run's files, never a mixture).
    """
    from .currentuse import CURRENT_USE_COLUMNS, current_use_progress, current_use_summary

    with staged(out_dir, (*CURRENT_USE_FILES, *OUTPUT_FILES, *OUTPUT_FOLDERS)) as stage:
        out = stage.tmp
        gpkg = out / "current_use.gpkg"
        with step("write", "current_use.gpkg", count=len(result)):
            _write_gpkg(result[[*CURRENT_USE_COLUMNS, "geometry"]], gpkg, "current_use")
        written = {"current_use.gpkg": gpkg}
        tables = [("current_use.csv", lambda: result[CURRENT_USE_COLUMNS]),
                  ("current_use_summary.csv", lambda: current_use_summary(result))]
        if before is not None:
            tables.append(("current_use_progress.csv",
                           lambda: current_use_progress(before, result)))
        for name, table in tables:
            with step("write", name):
                _csv(table(), out / name)
            written[name] = out / name
        written = stage.commit(written)
    log.info("wrote %s", ", ".join(str(p) for p in written.values()))
    return written
