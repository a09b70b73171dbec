"""The Excel report: one workbook of a check that an official can file in a dossier and print.

:func:`write_xlsx` writes five sheets — the summary (a header block saying what was checked,
as of when, against which plan files and with which tolerances, then the totals), the
violations, the data notes, the decisions that could not be checked, and every decision —
with headers in Vietnamese (or English), commune names beside codes, numbers as numbers,
dates as real dates (``dd/mm/yyyy``), a frozen header row with an auto-filter, column widths
taken from the content and wrapped long texts; every sheet prints on A4 landscape, one page
wide, its header row on every page, page numbers in the footer. Labels live in
``landplan/data/labels.toml``.

The workbook is written with openpyxl rather than XlsxWriter because openpyxl also reads
workbooks, which the tests use to check what was written. Sheets are streamed (openpyxl's
write-only mode), so memory stays modest on large districts.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import math
import os
import re
import weakref
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from ._formula import is_formula
from ._labels import labels as _section
from ._outdir import no_interrupt
from ._text import sort_keys
from ._version import installed_version
from .check import DECISION_OUTPUT_COLUMNS, FINDING_COLUMNS, STATUSES, CheckResult
from .config import CheckConfig
from .plandiff import adjustment_summary, plan_adjustments
from .rules import RULES, severity_rank
from .schema import KINDS, version_table
from .units import unit_names

__all__ = ["FIXED_TIME", "excel_labels", "write_xlsx"]

FIXED_TIME = dt.datetime(2000, 1, 1)
"""The workbook's ``created``/``modified`` time and the time stamp of every part of the file,
fixed so that the same result gives a byte-identical workbook."""

# Number formats (Excel codes; Excel shows the separators of the reader's locale).
M2, HA, PCT, COUNT, DATE = "#,##0.0", "#,##0.0000", "0.0", "#,##0", "dd/mm/yyyy"
INT = None  # whole numbers (rows, counts in lists): Excel's General shows them as they are
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # not allowed in XML
_MAX_CELL_TEXT = 32_767  # Excel's limit per cell
_MIN_WIDTH, _MAX_WIDTH, _SUMMARY_MAX_WIDTH = 6, 60, 40
_LINE_HEIGHT, _MAX_HEIGHT = 15.0, 409.0  # points: a line of 11-point text, Excel's limit
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")

_STYLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # workbook -> its styles
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD_FILL = PatternFill("solid", start_color="FFD9E1F2")
_HEAD_BORDER = Border(bottom=Side(style="thin"))
_HEAD_ALIGN = Alignment(wrap_text=True, vertical="center")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_LEFT = Alignment(wrap_text=True, vertical="top", horizontal="left")


@dataclass(frozen=True)
class _Col:
    """A column of a list sheet: header key in ``[column]``, number format, wrapping, width."""

    key: str
    fmt: str | None = None
    wrap: bool = False
    cap: int = _MAX_WIDTH  # the widest the column gets (characters); longer texts wrap


# Columns of names and long texts wrap within a width that keeps a sheet printable.
_NAME, _OWNER, _KIND, _TITLE_COL, _TEXT, _LAW, _FILE = (
    _Col("unit_name", wrap=True, cap=16), _Col("owner", wrap=True, cap=18),
    _Col("kind", wrap=True, cap=14), _Col("rule_title", wrap=True, cap=22),
    _Col("message", wrap=True, cap=50), _Col("legal_basis", wrap=True, cap=30),
    _Col("source_file", wrap=True, cap=16))
_VIOLATION_SHEET = (
    _Col("stt", INT), _Col("severity"), _NAME, _Col("decision_no"), _Col("decision_date", DATE),
    _Col("parcel_id"), _OWNER, _KIND, _Col("land_use"), _Col("planned_land_use"), _TITLE_COL,
    _TEXT, _Col("violation_area_m2", M2), _Col("conflict_pct", PCT), _LAW, _FILE,
    _Col("row", INT), _Col("finding_id"),
)
_NOTE_SHEET = (
    _Col("stt", INT), _Col("severity"), _Col("category", wrap=True, cap=14),
    _Col("layer", wrap=True, cap=12), _NAME, _Col("decision_no"), _Col("parcel_id"),
    _TITLE_COL, _Col("message", wrap=True, cap=60), _FILE, _Col("row", INT),
    _Col("finding_id"),
)
_UNCHECKED_SHEET = (
    _Col("stt", INT), _NAME, _Col("decision_no"), _Col("parcel_id"), _OWNER,
    _Col("land_use"), _KIND, _Col("decision_date", DATE), _Col("reason", wrap=True, cap=60),
    _FILE, _Col("row", INT),
)
_DECISION_FORMATS = {"row": INT, "decision_date": DATE, "conflict_area_m2": M2,
                     "conflict_pct": PCT, "n_findings": INT, "area_m2": M2,
                     "violation_area_m2": M2}
# decisions.csv's columns, the row counted from 1, the land user beside the parcel
_DECISION_KEYS = [k for c in DECISION_OUTPUT_COLUMNS
                  for k in ({"source_row": ["row"], "parcel_id": ["parcel_id", "owner"]}
                            .get(c, [c]))]
_DECISION_SHEET = tuple({"unit_name": _NAME, "owner": _OWNER, "kind": _KIND}.get(
    c, _Col(c, _DECISION_FORMATS.get(c), wrap=c == "reason")) for c in _DECISION_KEYS)
_PERSONAL = ("owner",)  # columns left out of a public report
# Coded values translated through the label table of the same name.
_TRANSLATED = {"layer": "layer", "category": "category", "severity": "severity",
               "max_severity": "severity", "kind": "kind", "status": "status",
               "geometry_status": "geometry_status"}
_VALUES = (*dict.fromkeys(_TRANSLATED.values()), "state")  # and the rules' states


def excel_labels(lang: str) -> dict[str, Any]:
    """Load the report's labels in ``lang`` (``vi`` or ``en``) from ``labels.toml``.

    Its own words (``excel``), the column headers (``columns``) and the coded values
    (``status``, ``kind`` …).
    """
    return {**_section("excel", lang), "columns": _section("column", lang),
            **{name: _section(name, lang) for name in _VALUES}}


def write_xlsx(result: CheckResult, path: str | Path, *, lang: str | None = None,
               public: bool = False) -> Path:
    """Write the check's Excel report to ``path`` (only that file is written).

    Sheets (names in ``lang``): ``Tổng hợp``/``Summary`` (the header block — what was
    checked, as of when, the plan versions with their files and approval dates, the
    tolerances, the input files and their records, the tool's version — then the totals
    and the counts and areas by administrative unit, rule and kind of decision, and the
    rules not run; the same numbers as :func:`landplan.summarize`), ``Vi phạm``/
    ``Violations`` (one row per compliance finding: why and how much), ``Ghi chú dữ
    liệu``/``Data notes`` (the other findings: data quality, the plan), both sorted by
    severity (critical first), commune and decision number, ``Không kiểm tra
    được``/``Unchecked`` (the decisions with status ``unchecked`` and why) and ``Quyết
    định``/``Decisions`` (every decision in input order, the columns of ``decisions.csv``).
    ``lang`` is by default the language the check ran in; messages and reasons stay in
    that language whatever ``lang`` is. Rows are numbered from 1 (``Dòng``: the feature's
    position in its file, as a GIS attribute table counts). ``public=True`` leaves out the
    land users' names (:attr:`CheckResult.personal`).

    Cell texts are never formulas: a text starting with ``=``, ``+``, ``-`` or ``@`` is
    written as text. The same result gives a byte-identical file (see :data:`FIXED_TIME`):
    the report's date is the check's evaluation date (``CheckConfig.as_of``), not the time
    it was written.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    With a result of :func:`landplan.check`::

        from landplan.excel import write_xlsx
        write_xlsx(result, "out/ket_qua_kiem_tra.xlsx")          # the check's language
        write_xlsx(result, "out/check_report.xlsx", lang="en")   # English
        write_xlsx(result, "out/cong_khai.xlsx", public=True)    # no land users' names
    """
    lang = result.lang if lang is None else lang
    labels = excel_labels(lang)
    path = Path(path)
    wb = Workbook(write_only=True)
    wb.properties.title = labels["title"]
    wb.properties.creator = "landplan"
    wb.properties.language = lang
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME

    sheets = labels["sheets"]
    source = _Sources.of(result, public)
    page = _page_texts(result, labels)
    try:
        f = result.findings[FINDING_COLUMNS]  # no geometries
        compliance = (f["category"] == "compliance").to_numpy()
        frames = {"findings": _finding_frame(f[compliance], source, lang),
                  "notes": _finding_frame(f[~compliance], source, lang)}
        del f
        _summary_sheet(wb.create_sheet(sheets["summary"]), result, labels, lang, source,
                       (len(frames["findings"]), len(frames["notes"])), page)
        for name, cols in (("findings", _VIOLATION_SHEET), ("notes", _NOTE_SHEET)):
            cols = source.visible(cols)  # each sheet's frame goes once its rows are made
            _list_sheet(wb.create_sheet(sheets[name]), cols,
                        _frame_rows(frames.pop(name), [c.key for c in cols], labels), labels,
                        page)
        d = result.decisions
        unchecked = (d["status"] == "unchecked").to_numpy()
        cols = source.visible(_UNCHECKED_SHEET)
        _list_sheet(wb.create_sheet(sheets["unchecked"]), cols,
                    _frame_rows(source.decision_frame(unchecked), [c.key for c in cols],
                                labels), labels, page)
        cols = source.visible(_DECISION_SHEET)
        _list_sheet(wb.create_sheet(sheets["decisions"]), cols,
                    _frame_rows(source.decision_frame(None), [c.key for c in cols], labels,
                                stt=False), labels, page)
        buffer = io.BytesIO()
        wb.save(buffer)
    except BaseException:  # Ctrl-C or an error: close the streamed sheets now, quietly
        _discard(wb)
        raise
    _write_stable(buffer.getvalue(), path)
    return path


# --- rows ------------------------------------------------------------------------------


@dataclass
class _Sources:
    """What the rows take from beyond their own table: commune names, files, land users."""

    result: CheckResult
    public: bool
    names: dict  # unit code -> commune name
    files: dict  # layer -> file name
    owners: np.ndarray | None  # per decision (None: not known, or a public report)

    @classmethod
    def of(cls, result: CheckResult, public: bool) -> _Sources:
        d, plan = result.decisions, result.plan
        # the decisions' names (landplan.units chose them); a unit only the plan has gets
        # its name by the same rule
        named = pd.DataFrame({"unit": d["unit"].to_numpy(dtype=object),
                              "name": d["unit_name"].to_numpy(dtype=object)}).dropna()
        named = named.drop_duplicates("unit")  # a layer's own names may differ: the first
        names = dict(zip(named["unit"], named["name"], strict=True))
        others = np.array(sorted(set(plan["unit"].dropna()) - set(names)), dtype=object)
        names.update(zip(others, unit_names(others, plan=plan), strict=True))
        files = {layer: _file_name(source) for layer, (source, _) in
                 (result.inputs or {}).items()}
        for layer in ("projects", "corridors"):
            frame = getattr(result, layer)
            if frame is not None and files.get(layer) is None:
                files[layer] = _file_name(frame.attrs.get("source"))
        versions = _plan_files(result)
        files["plan"] = " / ".join(dict.fromkeys(f for f in versions.values() if f)) or None
        personal = result.personal
        owners = None
        if (not public and personal is not None and "owner" in personal.columns
                and len(personal) == len(d)):
            owners = personal["owner"].to_numpy(dtype=object)
        return cls(result, public, names, files, owners)

    def visible(self, cols: Sequence[_Col]) -> tuple[_Col, ...]:
        """Return a sheet's columns, without the land users' names in a public report."""
        return tuple(c for c in cols if not (self.public and c.key in _PERSONAL))

    def unit_names(self, units: pd.Series) -> np.ndarray:
        return units.astype(object).map(self.names).to_numpy(dtype=object)

    def decision_frame(self, mask: np.ndarray | None) -> pd.DataFrame:
        """Return the decisions of ``mask`` (all for None) with the report's columns."""
        d = self.result.decisions
        columns = [c for c in DECISION_OUTPUT_COLUMNS if c != "source_row"]
        frame = pd.DataFrame({c: d[c].array for c in columns})
        frame["row"] = d["source_row"].to_numpy() + 1
        frame["owner"] = self.owners
        frame["source_file"] = self.files.get("decisions")
        return frame if mask is None else frame[mask]


def _file_name(source: Any) -> str | None:
    """Return the file's name without its folder (``attrs["source"]`` is a path)."""
    return None if source is None else Path(str(source)).name


def _plan_files(result: CheckResult) -> dict:
    """Each plan version's file name (``{version: name}``)."""
    attrs = result.plan.attrs
    if "sources" in attrs:
        return {v: _file_name(s) for v, s in attrs["sources"].items()}
    versions = result.plan["plan_version"].fillna("v1").unique()
    return dict.fromkeys(versions, _file_name(attrs.get("source")))


def _finding_frame(f: pd.DataFrame, source: _Sources, lang: str) -> pd.DataFrame:
    """Return findings with the report's columns, in the report's order.

    By severity (critical first), commune, decision number (its number, then its text) and
    finding.
    """
    d = source.result.decisions
    on_decision = (f["layer"] == "decisions").to_numpy() & f["source_row"].notna().to_numpy()
    pos = np.full(len(f), -1, dtype=np.int64)
    if on_decision.any():
        pos[on_decision] = pd.Index(d["source_row"].to_numpy()).get_indexer(
            f["source_row"].to_numpy()[on_decision].astype(np.int64))
    known = pos >= 0

    def of_decision(values: np.ndarray) -> np.ndarray:
        out = np.full(len(f), None, dtype=object)
        out[known] = np.asarray(values, dtype=object)[pos[known]]
        return out

    titles = {r: _rule_title(r, lang) for r in f["rule"].unique()}
    area = f["conflict_area_m2"].to_numpy(dtype=float)
    parcel = np.full(len(f), np.nan)
    parcel[known] = d["area_m2"].to_numpy(dtype=float)[pos[known]]
    frame = pd.DataFrame({c: f[c].array for c in FINDING_COLUMNS if c in f.columns})
    frame["rule_title"] = f["rule"].map(titles).to_numpy(dtype=object)
    frame["unit_name"] = source.unit_names(f["unit"])
    frame["owner"] = None if source.owners is None else of_decision(source.owners)
    frame["status"] = of_decision(d["status"].to_numpy(dtype=object))
    # how much: the part found contrary, else the whole parcel (a rule that names no area)
    frame["violation_area_m2"] = np.where(np.isnan(area), parcel, area)
    frame["source_file"] = f["layer"].map(source.files).to_numpy(dtype=object)
    frame["row"] = (f["source_row"] + 1).to_numpy(dtype=object)
    number = pd.to_numeric(f["decision_no"].astype(object).str.extract(r"^\D*(\d+)")[0],
                           errors="coerce")
    key = pd.DataFrame({
        "severity": -f["severity"].map(severity_rank).to_numpy(dtype=np.int64),
        "unit_name": sort_keys(frame["unit_name"]),  # Vietnamese order: Đ after D
        "unit": f["unit"].astype(object).to_numpy(),
        "number": number.to_numpy(dtype=float),
        "decision_no": f["decision_no"].astype(object).to_numpy(),
        "finding_id": f["finding_id"].astype(object).to_numpy(),
    })
    order = key.sort_values(list(key.columns), kind="stable", na_position="last").index
    return frame.iloc[order.to_numpy()].reset_index(drop=True)


def _frame_rows(frame: pd.DataFrame, keys: Sequence[str], labels: dict,
                stt: bool = True) -> list[list[Any]]:
    """Return the rows of ``frame`` in the order of ``keys`` (``stt`` = running number).

    Coded values are translated, missing values are empty cells.
    """
    columns = [k for k in keys if k != "stt"]
    data = frame[columns].astype(object).to_numpy()
    tables = [labels.get(_TRANSLATED[k], {}) if k in _TRANSLATED else None for k in columns]
    rows = []
    for i, values in enumerate(data, start=1):
        row = [_translate(_plain(v), t) for v, t in zip(values, tables, strict=True)]
        rows.append([i, *row] if stt else row)
    return rows


def _translate(value: Any, table: dict | None) -> Any:
    if table is None or not isinstance(value, str):
        return value
    return table.get(value, value)


def _plain(value: Any) -> Any:
    """Convert a pandas/numpy scalar to a plain Python value for a cell (None when missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, (str, dt.date)):
        return value
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _rule_title(rule: str, lang: str) -> str:
    return RULES[rule].title(lang) if rule in RULES else rule


# --- summary sheet ---------------------------------------------------------------------


def _summary_sheet(ws: Any, result: CheckResult, labels: dict, lang: str, source: _Sources,
                   listed: tuple[int, int], page: tuple[str, str, str]) -> None:
    """Write the summary sheet.

    The title, the header block and the totals, then the tables by unit, by rule, by kind,
    the rules not run and the plan's adjustments.
    """
    cols = labels["columns"]
    status_head = [labels["status"].get(s, s) for s in STATUSES]
    tail_head = [cols["n_decisions"], cols["n_findings"], cols["area_ha"],
                 cols["conflict_area_ha"]]
    status_formats = [COUNT] * (len(STATUSES) + 2) + [HA, HA]
    d = result.decisions
    units = sorted(str(u) for u in d["unit"].dropna().unique())
    others = sorted(str(k) for k in d["kind"].dropna().unique() if k not in KINDS)
    kinds = [k for k in KINDS if (d["kind"] == k).any()] + others
    by_unit = [[row[0], source.names.get(row[0]) if i < len(units) else None, *row[1:]]
               for i, row in enumerate(_status_rows(d, "unit", units, labels))]
    tables = [
        *_header_tables(result, labels, source, listed),
        _Table(labels["by_unit"], [cols["unit"], cols["unit_name"], *status_head, *tail_head],
               [None, None, *status_formats], by_unit),
        _Table(labels["by_rule"],
               [cols["rule"], cols["rule_title"], cols["category"], cols["severity"],
                cols["n_findings"], cols["n_decisions"]],
               [None, None, None, None, COUNT, COUNT], _rule_rows(result, labels, lang)),
        _Table(labels["by_kind"], [cols["kind"], *status_head, *tail_head],
               [None, *status_formats], _status_rows(d, "kind", kinds, labels, labels["kind"])),
        _Table(labels["not_run"], [cols["rule"], cols["rule_title"], cols["state"],
                                   cols["reason"]],
               [None, None, None, None], _not_run_rows(result, labels, lang)),
        *_adjustment_tables(result, labels, source.names),
    ]
    n_cols = max(len(t.formats) for t in tables)
    widths = [_MIN_WIDTH] * n_cols
    for t in tables:
        fitted = len(t.formats) if t.fit is None else t.fit
        _fit(widths, (t.head or [])[:fitted], t.formats[:fitted],
             [row[:fitted] for row in t.rows], _SUMMARY_MAX_WIDTH)
    _set_widths(ws, widths)
    _page_setup(ws, page)
    ws.append([_cell(ws, labels["title"], font=_TITLE)])
    n = 1
    for t in tables:
        if t.heading is not None:
            ws.append([])
            ws.append([_cell(ws, t.heading, font=_BOLD)])
            n += 2
        if t.head:
            n += 1
            _row_height(ws, n, t.head, widths)
            ws.append([_head(ws, h) for h in t.head])
            ws.row_dimensions.pop(n, None)
        for i, row in enumerate(t.rows):
            n += 1
            bold = t.head is not None and i == len(t.rows) - 1 and row[0] == labels["total"]
            cell_widths = list(widths[:len(row)])
            if t.span is not None:  # its text runs to the last column, wrapped there
                cell_widths[t.span] = sum(widths[t.span:])
                if n_cols - 1 > t.span:
                    first, last = get_column_letter(t.span + 1), get_column_letter(n_cols)
                    ws.merged_cells.add(f"{first}{n}:{last}{n}")
            _row_height(ws, n, [v.value if isinstance(v, _Formatted) else v for v in row],
                        cell_widths)
            ws.append([_cell(ws, v.value if isinstance(v, _Formatted) else v, fmt,
                             font=_BOLD if bold else None,
                             align=_LEFT if j == t.span else
                             _WRAP if isinstance(v, str) else _TOP)
                       for j, (v, fmt) in enumerate(zip(row, _formats(row, t.formats),
                                                        strict=True))])
            ws.row_dimensions.pop(n, None)  # written: not kept for the rest of the sheet


def _row_height(ws: Any, n: int, row: Sequence[Any], widths: Sequence[float]) -> None:
    """Give row ``n`` the height of its most wrapped text (before it is appended)."""
    lines = max([_lines(v, w) for v, w in zip(row, widths, strict=False)
                 if isinstance(v, str)] or [1])
    if lines > 1:
        ws.row_dimensions[n].height = min(_MAX_HEIGHT, _LINE_HEIGHT * lines)


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` characters wide."""
    per = _per_line(width)
    return sum(max(1, -(-len(line) // per)) for line in text.split("\n"))


def _per_line(width: float) -> int:
    """Return how many characters a line of a column ``width`` wide holds.

    An estimate: the width counts digits, letters are narrower on average.
    """
    return max(1, int(width * 1.15) - 1)


@dataclass
class _Table:
    """A table of the summary sheet.

    Heading (None: none), header row (None: none), a number format per column, the rows; a
    long text (the header block's, the notes) spans the columns to the right instead of
    widening its own.
    """

    heading: str | None
    head: list[str] | None
    formats: list[str | None]
    rows: list[list[Any]]
    fit: int | None = None  # the leading columns fitted to their content (None: all)
    span: int | None = None  # the column whose text runs to the last column, wrapped


@dataclass(frozen=True)
class _Formatted:
    """A value with its own number format (in a column of values of several kinds)."""

    value: Any
    fmt: str | None


def _formats(row: list[Any], formats: list[str | None]) -> list[str | None]:
    return [v.fmt if isinstance(v, _Formatted) else f for v, f in zip(row, formats,
                                                                     strict=True)]


def _header_tables(result: CheckResult, labels: dict, source: _Sources,
                   listed: tuple[int, int]) -> list[_Table]:
    """Return the header block's tables.

    What was checked, as of when, against which plan, with which tolerances, inputs and
    tool; then the totals and the notes on them.
    """
    cols, inputs_words = labels["columns"], labels["inputs"]
    config = result.config or CheckConfig()
    date_format = _section("date", result.lang)["format"]
    facts = [[labels["what"], labels["checked"]],
             [labels["as_of"], _Formatted(_plain(pd.Timestamp(config.as_of)), DATE)]]
    if config.plan_start is not None or config.plan_end is not None:
        ends = [f"{pd.Timestamp(x):{date_format}}" if x is not None else "…"
                for x in (config.plan_start, config.plan_end)]
        facts.append([labels["period"], " – ".join(ends)])
    facts += [[labels["tolerance_pct"], _Formatted(float(config.tolerance_pct), PCT)],
              [labels["tolerance_m2"], _Formatted(float(config.tolerance_m2), M2)],
              [labels["tool"], f"landplan {installed_version()}"],
              [labels["edition"], labels["edition_public" if source.public else "edition_full"]]]
    plan = result.plan
    files = _plan_files(result)
    versions = version_table(plan)
    zones = plan["plan_version"].fillna("v1").value_counts()
    plan_rows = [[v.plan_version, _plain(v.approved), files.get(v.plan_version),
                  int(zones.get(v.plan_version, 0))]
                 for v in versions.itertuples(index=False)]
    input_rows = [[inputs_words.get(layer, layer), _file_name(file), n]
                  for layer, (file, n) in (result.inputs or {}).items()]
    for _date, raster in result.landcover or []:
        input_rows.append([inputs_words["landcover"], _file_name(raster), None])
    counts = result.decisions["status"].value_counts()
    f = result.findings
    on_decisions = int((f["layer"] == "decisions").sum())
    sheets = labels["sheets"]
    totals = [[labels["status"][s], int(counts.get(s, 0))] for s in STATUSES]
    totals += [[labels["n_checked"], int(counts.sum())],
               [labels["n_on_decisions"], on_decisions],
               [labels["n_on_others"], len(f) - on_decisions],
               [labels["n_violation_rows"].format(sheet=sheets["findings"]), listed[0]],
               [labels["n_note_rows"].format(sheet=sheets["notes"]), listed[1]],
               [labels["n_findings_total"], len(f)]]
    notes = [[labels["note_totals"]], [labels["note_area"]],
             [labels["note_rows"].format(file=source.files.get("decisions") or "")]]
    return [
        _Table(None, None, [None, None], facts, fit=1, span=1),
        _Table(labels["plan"], [cols["plan_version"], cols["approved"], cols["source_file"],
                                cols["zones"]],
               [None, DATE, None, COUNT], plan_rows),
        _Table(labels["inputs_heading"], [cols["layer"], cols["source_file"],
                                          cols["n_records"]],
               [None, None, COUNT], input_rows),
        _Table(labels["results"], [cols["item"], cols["count"]], [None, COUNT], totals),
        _Table(None, None, [None], notes, fit=0, span=0),
    ]


def _status_rows(d: pd.DataFrame, dim: str, order: list[str], labels: dict,
                 names: dict | None = None) -> list[list[Any]]:
    """Return one row per value of ``dim`` (blank last), then the total row.

    Each row holds the decisions per status, decisions, findings, parcel area (ha) and
    conflict area (ha).
    """
    key = d[dim].astype(object).where(d[dim].notna(), None)
    key = key.map(lambda v: v if v is None else str(v))
    values: list[str | None] = list(order) + ([None] if key.isna().any() else [])
    rows = []
    for value in [*values, "__total__"]:
        sub = d if value == "__total__" else d[key.isna() if value is None else key == value]
        if value == "__total__":
            name = labels["total"]
        elif value is None:
            name = labels["none"]
        else:
            name = (names or {}).get(value, value)
        counts = sub["status"].value_counts()
        rows.append([name, *(int(counts.get(s, 0)) for s in STATUSES), len(sub),
                     int(sub["n_findings"].sum()), float(sub["area_m2"].sum()) / 10_000,
                     float(sub["conflict_area_m2"].sum()) / 10_000])
    return rows


def _rule_rows(result: CheckResult, labels: dict, lang: str) -> list[list[Any]]:
    """Return a row for every rule that ran (in run order, with zero counts) or has findings.

    Each row holds the id, title, category, severities found (highest first), findings and
    decisions concerned.
    """
    f = result.findings
    ran = result.rules.loc[result.rules["state"] == "ran", "rule"].tolist()
    rules = ran + sorted(set(f["rule"]) - set(ran))
    on_decision = f["source_row"].where(f["layer"] == "decisions")
    rows = []
    for rule in rules:
        mine = f["rule"] == rule
        severities = sorted(set(f.loc[mine, "severity"]), key=severity_rank, reverse=True)
        category = (RULES[rule].category if rule in RULES
                    else next(iter(f.loc[mine, "category"]), ""))
        rows.append([rule, _rule_title(rule, lang),
                     labels["category"].get(category, category),
                     ", ".join(labels["severity"].get(s, s) for s in severities),
                     int(mine.sum()), int(on_decision[mine].dropna().nunique())])
    rows.append([labels["total"], None, None, None, len(f),
                 int(on_decision.dropna().nunique())])
    return rows


def _adjustment_tables(result: CheckResult, labels: dict, names: dict) -> list[_Table]:
    """Return the tables of the plan's adjustments per unit (none for a plan of one version).

    The rows of :func:`landplan.plandiff.adjustment_summary`: changed zones, area changed,
    and the changes that legalised earlier violations, by unit and by unit and land-use
    group change; the units with their commune names (``names``).
    """
    if result.plan["plan_version"].fillna("v1").nunique() < 2:
        return []
    cols = labels["columns"]
    per_unit = adjustment_summary(plan_adjustments(result.plan), result.findings)
    head = [cols["n_zones"], cols["changed_area_ha"], cols["n_legalised"],
            cols["legalised_area_ha"]]
    formats = [None, COUNT, HA, COUNT, HA]
    tables = []
    for dimension, heading, first in (
            ("adjustment_unit", labels["by_adjustment_unit"], cols["unit"]),
            ("adjustment_change", labels["by_adjustment_change"], cols["change"])):
        rows = per_unit[per_unit["dimension"] == dimension]
        body = [[r.value, int(r.n_zones), float(r.area_m2) / 10_000, int(r.n_findings),
                 float(r.legalised_area_m2) / 10_000] for r in rows.itertuples(index=False)]
        body.append([labels["total"], int(rows["n_zones"].sum()),
                     float(rows["area_m2"].sum()) / 10_000, int(rows["n_findings"].sum()),
                     float(rows["legalised_area_m2"].sum()) / 10_000])
        if dimension == "adjustment_unit":  # the commune's name beside its code
            body = [[row[0], names.get(row[0]) if i < len(rows) else None, *row[1:]]
                    for i, row in enumerate(body)]
            tables.append(_Table(heading, [first, cols["unit_name"], *head],
                                 [None, *formats], body))
        else:
            tables.append(_Table(heading, [first, *head], formats, body))
    return tables


def _not_run_rows(result: CheckResult, labels: dict, lang: str) -> list[list[Any]]:
    rows = [[r.rule, _rule_title(r.rule, lang), labels["state"].get(r.state, r.state),
             _reason(r.reason, labels)]
            for r in result.rules.itertuples(index=False) if r.state != "ran"]
    return rows or [[labels["all_ran"], None, None, None]]


def _reason(reason: str, labels: dict) -> str:
    """Translate a rule's not-run reason into the report's language when it is a known one."""
    if reason in labels.get("reasons", {}):
        return labels["reasons"][reason]
    missing = re.fullmatch(r"no (.+) given", reason or "")
    if missing:
        inputs = [labels["inputs"].get(x, x) for x in missing.group(1).split(" or ")]
        return labels["reason_missing"].format(inputs=", ".join(inputs))
    return reason


# --- cells and sheets ------------------------------------------------------------------


def _cell(ws: Any, value: Any, fmt: str | None = None, *, font: Font | None = None,
          align: Alignment | None = None) -> Any:
    """Return ``value`` for a cell, as a value: texts are never formulas.

    A plain value is returned as it is (cheaper to write); one that needs a format, a style
    or protection as a cell.
    """
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)[:_MAX_CELL_TEXT]
        risky = is_formula(value)
    else:
        risky = False
        if value is None or isinstance(value, bool) or fmt is None:
            fmt = None
    if not (risky or fmt or font or align):
        return value
    cell = WriteOnlyCell(ws, value=value)
    if risky:
        cell.data_type = "s"
    # a style is registered with the workbook once, then copied (registering is slow)
    styles = _STYLES.setdefault(ws.parent, {})
    key = (risky, fmt, id(font), id(align))
    if key in styles:
        cell._style = copy.copy(styles[key])
        return cell
    if risky:
        cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
    if fmt:
        cell.number_format = fmt
    if font is not None:
        cell.font = font
    if align is not None:
        cell.alignment = align
    styles[key] = copy.copy(cell._style)
    return cell


def _head(ws: Any, text: str) -> Any:
    cell = _cell(ws, text, font=_BOLD, align=_HEAD_ALIGN)
    cell.fill = _HEAD_FILL
    cell.border = _HEAD_BORDER
    return cell


def _list_sheet(ws: Any, cols: Sequence[_Col], rows: list[list[Any]], labels: dict,
                page: tuple[str, str, str]) -> None:
    """Write a table sheet.

    Its header row frozen, filtered and printed on every page, widths from the content, then
    the rows (a row with wrapped text as tall as its text).
    """
    head = [labels["columns"][c.key] for c in cols]
    formats = [c.fmt for c in cols]
    widths = [_MIN_WIDTH] * len(cols)
    _fit(widths, head, formats, rows, [c.cap for c in cols])
    _set_widths(ws, widths)
    _page_setup(ws, page)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(rows) + 1}"
    _row_height(ws, 1, head, widths)
    ws.append([_head(ws, h) for h in head])
    ws.row_dimensions.pop(1, None)
    wrapped = [i for i, c in enumerate(cols) if c.wrap]
    wrapped_widths = [widths[i] for i in wrapped]
    wrapped_fit = [_per_line(w) for w in wrapped_widths]
    tall_aligns = [_WRAP if c.wrap else _TOP for c in cols]
    for n, row in enumerate(rows, start=2):
        # A row whose text wraps onto several lines is as tall as it, all its cells at the top.
        texts = [row[i] for i in wrapped]
        tall = any(isinstance(v, str) and (len(v) > fits or "\n" in v)
                   for v, fits in zip(texts, wrapped_fit, strict=True))
        if tall:
            _row_height(ws, n, texts, wrapped_widths)
            ws.append([_cell(ws, v, fmt, align=a)
                       for v, fmt, a in zip(row, formats, tall_aligns, strict=True)])
            ws.row_dimensions.pop(n, None)  # written: not kept for the rest of the sheet
        else:  # every text fits its column: nothing to align (plain cells are cheaper)
            ws.append([_cell(ws, v, fmt) for v, fmt in zip(row, formats, strict=True)])


def _fit(widths: list[float], head: Sequence[str], formats: Sequence[str | None],
         rows: Iterable[Sequence[Any]], cap: int | Sequence[int]) -> None:
    """Widen ``widths`` to fit the header and the displayed values, up to ``cap`` characters.

    ``cap``: one for every column, or one per column. The header wraps: its longest word is
    fitted, or all of it when short. Longer texts wrap.
    """
    caps = [cap] * len(widths) if isinstance(cap, int) else list(cap)
    for i, text in enumerate(head):
        need = max(min(len(text), 16), *(len(w) for w in text.split()))
        widths[i] = max(widths[i], min(caps[i], need + 2))
    for row in rows:
        for i, (value, fmt) in enumerate(zip(row, formats, strict=False)):
            widths[i] = max(widths[i], min(caps[i], _shown_len(value, fmt) + 2))


def _shown_len(value: Any, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return max(len(line) for line in value.splitlines()) if value else 0
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        decimals = {M2: 1, HA: 4, PCT: 1}.get(fmt or "", 2)
        return len(f"{value:,.{decimals}f}")
    return len(f"{value:,}" if fmt == COUNT else str(value))


def _set_widths(ws: Any, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = round(width, 1)


def _page_texts(result: CheckResult, labels: dict) -> tuple[str, str, str]:
    """Return the page header's left and right texts and the footer's (Excel's codes)."""
    config = result.config or CheckConfig()
    date = f"{pd.Timestamp(config.as_of):{_section('date', result.lang)['format']}}"
    return (labels["title"].replace("&", "&&"),
            labels["page_header"].format(date=date).replace("&", "&&"),
            labels["page_footer"])


def _page_setup(ws: Any, page: tuple[str, str, str]) -> None:
    """Print on A4 landscape, one page wide, with margins for a binder.

    The page header holds the title (left) and the evaluation date (right), the footer the
    sheet's name (left) and the page number of the pages (centre).
    """
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    margins = ws.page_margins  # inches: room on the left to bind, header and footer apart
    margins.left, margins.right, margins.top, margins.bottom = 0.8, 0.4, 0.7, 0.7
    margins.header = margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    title, date, pages = page
    ws.oddHeader.left.text, ws.oddHeader.right.text = title, date
    ws.oddHeader.left.size = ws.oddHeader.right.size = 9
    ws.oddFooter.left.text, ws.oddFooter.center.text = "&A", pages
    ws.oddFooter.left.size = ws.oddFooter.center.size = 9


def _discard(wb: Workbook) -> None:
    """Discard an unfinished write-only workbook: close its sheets, remove its temporary files.

    Otherwise openpyxl's generators of those files fail noisily when the interpreter exits.
    """
    from openpyxl.worksheet import _writer

    with no_interrupt():
        for ws in wb.worksheets:
            with contextlib.suppress(Exception):
                ws.close()
            out = getattr(getattr(ws, "_writer", None), "out", None)
            if isinstance(out, str) and out in _writer.ALL_TEMP_FILES:
                with contextlib.suppress(OSError, ValueError):
                    os.remove(out)
                    _writer.ALL_TEMP_FILES.remove(out)


# --- stable file -----------------------------------------------------------------------


def _write_stable(data: bytes, path: Path) -> None:
    """Write the workbook with fixed zip time stamps and ``modified`` time.

    openpyxl stamps both with the current time; the file is opened only once its bytes are
    ready.
    """
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, content)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
