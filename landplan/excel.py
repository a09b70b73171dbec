"""The Excel report: one workbook of a check that an official can open and hand on.

:func:`write_xlsx` writes four sheets — the summary, the findings, the decisions that could
not be checked, and every decision — with headers in Vietnamese (or English), numbers as
numbers, dates as real dates (``dd/mm/yyyy``), a frozen header row with an auto-filter, and
column widths taken from the content. Labels live in ``landplan/data/labels.toml``.

The workbook is written with openpyxl rather than XlsxWriter because openpyxl also reads
workbooks, which the tests use to check what was written. Sheets are streamed (openpyxl's
write-only mode), so memory stays modest on large districts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from ._formula import is_formula
from ._labels import labels as _section
from ._outdir import no_interrupt
from .check import DECISION_OUTPUT_COLUMNS, STATUSES, CheckResult
from .plandiff import adjustment_summary, plan_adjustments
from .rules import RULES, severity_rank
from .schema import KINDS

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
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD_FILL = PatternFill("solid", start_color="FFD9E1F2")
_HEAD_BORDER = Border(bottom=Side(style="thin"))
_HEAD_ALIGN = Alignment(wrap_text=True, vertical="center")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


@dataclass(frozen=True)
class _Col:
    """A column of a list sheet: header key in ``[LANG.columns]``, number format, wrapping."""

    key: str
    fmt: str | None = None
    wrap: bool = False


_FINDING_SHEET = (
    _Col("stt", INT), _Col("finding_id"), _Col("layer"), _Col("source_row", INT),
    _Col("decision_no"), _Col("parcel_id"), _Col("rule"), _Col("rule_title", wrap=True),
    _Col("category"), _Col("severity"), _Col("message", wrap=True), _Col("planned_land_use"),
    _Col("land_use"), _Col("conflict_area_m2", M2), _Col("conflict_area_ha", HA),
    _Col("conflict_pct", PCT), _Col("kind"), _Col("decision_date", DATE), _Col("unit"),
    _Col("legal_basis", wrap=True),
)
_UNCHECKED_SHEET = (
    _Col("stt", INT), _Col("source_row", INT), _Col("decision_no"), _Col("parcel_id"),
    _Col("land_use"), _Col("kind"), _Col("decision_date", DATE), _Col("unit"),
    _Col("reason", wrap=True),
)
_DECISION_FORMATS = {"source_row": INT, "decision_date": DATE, "conflict_area_m2": M2,
                     "conflict_pct": PCT, "n_findings": INT, "area_m2": M2}
_DECISION_SHEET = tuple(_Col(c, _DECISION_FORMATS.get(c), wrap=c == "reason")
                        for c in DECISION_OUTPUT_COLUMNS)
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


def write_xlsx(result: CheckResult, path: str | Path, *, lang: str | None = None) -> Path:
    """Write the check's Excel report to ``path`` (only that file is written).

    Sheets (names in ``lang``): ``Tổng hợp``/``Summary`` (counts and areas by
    administrative unit, rule and kind of decision, and the rules not run; the same numbers
    as :func:`landplan.summarize`), ``Vi phạm``/``Findings`` (one row per finding),
    ``Không kiểm tra được``/``Unchecked`` (the decisions with status ``unchecked`` and why)
    and ``Quyết định``/``Decisions`` (every decision, the columns of ``decisions.csv``).
    ``lang`` is by default the language the check ran in; messages and reasons stay in
    that language whatever ``lang`` is.

    Cell texts are never formulas: a text starting with ``=``, ``+``, ``-`` or ``@`` is
    written as text. The same result gives a byte-identical file (see :data:`FIXED_TIME`).

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
    try:
        _summary_sheet(wb.create_sheet(sheets["summary"]), result, labels, lang)
        f = result.findings
        _list_sheet(wb.create_sheet(sheets["findings"]), _FINDING_SHEET,
                    _finding_rows(f, labels, lang), labels)
        unchecked = result.decisions[result.decisions["status"] == "unchecked"]
        _list_sheet(wb.create_sheet(sheets["unchecked"]), _UNCHECKED_SHEET,
                    _frame_rows(unchecked, [c.key for c in _UNCHECKED_SHEET], labels), labels)
        _list_sheet(wb.create_sheet(sheets["decisions"]), _DECISION_SHEET,
                    _frame_rows(result.decisions, DECISION_OUTPUT_COLUMNS, labels, stt=False),
                    labels)
        buffer = io.BytesIO()
        wb.save(buffer)
    except BaseException:  # Ctrl-C or an error: close the streamed sheets now, quietly
        _discard(wb)
        raise
    _write_stable(buffer.getvalue(), path)
    return path


# --- rows ------------------------------------------------------------------------------


def _finding_rows(f: pd.DataFrame, labels: dict, lang: str) -> list[list[Any]]:
    keys = [c.key for c in _FINDING_SHEET]
    frame = f.assign(
        rule_title=[_rule_title(r, lang) for r in f["rule"]],
        conflict_area_ha=f["conflict_area_m2"] / 10_000,
    )
    return _frame_rows(frame, keys, labels)


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


def _summary_sheet(ws: Any, result: CheckResult, labels: dict, lang: str) -> None:
    """Title, then tables by unit, by rule, by kind, and the rules not run."""
    cols = labels["columns"]
    status_head = [labels["status"].get(s, s) for s in STATUSES]
    tail_head = [cols["n_decisions"], cols["n_findings"], cols["area_ha"],
                 cols["conflict_area_ha"]]
    status_formats = [COUNT] * (len(STATUSES) + 2) + [HA, HA]
    d = result.decisions
    units = sorted(str(u) for u in d["unit"].dropna().unique())
    others = sorted(str(k) for k in d["kind"].dropna().unique() if k not in KINDS)
    kinds = [k for k in KINDS if (d["kind"] == k).any()] + others
    tables = [
        (labels["by_unit"], [cols["unit"], *status_head, *tail_head],
         [None, *status_formats], _status_rows(d, "unit", units, labels)),
        (labels["by_rule"],
         [cols["rule"], cols["rule_title"], cols["category"], cols["severity"],
          cols["n_findings"], cols["n_decisions"]],
         [None, None, None, None, COUNT, COUNT], _rule_rows(result, labels, lang)),
        (labels["by_kind"], [cols["kind"], *status_head, *tail_head],
         [None, *status_formats], _status_rows(d, "kind", kinds, labels, labels["kind"])),
        (labels["not_run"], [cols["rule"], cols["rule_title"], cols["state"], cols["reason"]],
         [None, None, None, None], _not_run_rows(result, labels, lang)),
        *_adjustment_tables(result, labels),
    ]
    n_cols = max(len(head) for _, head, _, _ in tables)
    widths = [_MIN_WIDTH] * n_cols
    for _, head, formats, rows in tables:
        _fit(widths, head, formats, rows, _SUMMARY_MAX_WIDTH)
    _set_widths(ws, widths)
    _page_setup(ws)
    ws.append([_cell(ws, labels["title"], font=_TITLE)])
    for heading, head, formats, rows in tables:
        ws.append([])
        ws.append([_cell(ws, heading, font=_BOLD)])
        ws.append([_head(ws, h) for h in head])
        for i, row in enumerate(rows):
            bold = i == len(rows) - 1 and row[0] == labels["total"]
            ws.append([_cell(ws, v, fmt, font=_BOLD if bold else None,
                             align=_WRAP if isinstance(v, str) else _TOP)
                       for v, fmt in zip(row, formats, strict=True)])


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


def _adjustment_tables(result: CheckResult, labels: dict) -> list[tuple]:
    """Return the tables of the plan's adjustments per unit (none for a plan of one version).

    The rows of :func:`landplan.plandiff.adjustment_summary`: changed zones, area changed,
    and the changes that legalised earlier violations, by unit and by unit and land-use
    group change.
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
        tables.append((heading, [first, *head], formats, body))
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
        cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
    if fmt:
        cell.number_format = fmt
    if font is not None:
        cell.font = font
    if align is not None:
        cell.alignment = align
    return cell


def _head(ws: Any, text: str) -> Any:
    cell = _cell(ws, text, font=_BOLD, align=_HEAD_ALIGN)
    cell.fill = _HEAD_FILL
    cell.border = _HEAD_BORDER
    return cell


def _list_sheet(ws: Any, cols: Sequence[_Col], rows: list[list[Any]], labels: dict) -> None:
    """Write a table sheet: header row frozen and filtered, widths from content, then the rows."""
    head = [labels["columns"][c.key] for c in cols]
    formats = [c.fmt for c in cols]
    widths = [_MIN_WIDTH] * len(cols)
    _fit(widths, head, formats, rows, _MAX_WIDTH)
    _set_widths(ws, widths)
    _page_setup(ws)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(rows) + 1}"
    ws.append([_head(ws, h) for h in head])
    wrapped = [i for i, c in enumerate(cols) if c.wrap]
    for row in rows:
        # A row whose text wraps onto several lines has all its cells aligned at the top.
        tall = any(isinstance(row[i], str) and len(row[i]) + 2 > widths[i] for i in wrapped)
        aligns = [(_WRAP if c.wrap else _TOP) if tall else (_WRAP if c.wrap and row[i] else None)
                  for i, c in enumerate(cols)]
        ws.append([_cell(ws, v, fmt, align=a)
                   for v, fmt, a in zip(row, formats, aligns, strict=True)])


def _fit(widths: list[float], head: Sequence[str], formats: Sequence[str | None],
         rows: Iterable[Sequence[Any]], cap: int) -> None:
    """Widen ``widths`` to fit the header and the displayed values, up to ``cap`` characters.

    The header wraps: its longest word is fitted, or all of it when short. Longer texts
    wrap.
    """
    for i, text in enumerate(head):
        need = max(min(len(text), 16), *(len(w) for w in text.split()))
        widths[i] = max(widths[i], min(cap, need + 2))
    for row in rows:
        for i, (value, fmt) in enumerate(zip(row, formats, strict=False)):
            widths[i] = max(widths[i], min(cap, _shown_len(value, fmt) + 2))


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


def _page_setup(ws: Any) -> None:
    """Print landscape, one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


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
