"""The Excel report: sheets, headers, numbers and dates an official can use, and the same
counts as the CSV outputs."""

from __future__ import annotations

import datetime as dt
import zipfile
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest

import landplan
from landplan.check import DECISION_OUTPUT_COLUMNS, STATUSES
from landplan.errors import ConfigError
from landplan.excel import FIXED_TIME, excel_labels, write_xlsx

VI, EN = excel_labels("vi"), excel_labels("en")
INJECTION = '=HYPERLINK("http://x")'


@pytest.fixture(scope="module")
def sample(sample_check, tmp_path_factory):
    """The demo check (as `landplan demo` runs it, shared by the session), its CSV outputs and
    its workbook."""
    result = sample_check
    out = tmp_path_factory.mktemp("sample")
    landplan.write_outputs(result, out, map_html=False)
    path = write_xlsx(result, out / "report.xlsx")
    read = {"encoding": "utf-8-sig", "dtype": {"unit": str, "decision_no": str}}
    return SimpleNamespace(
        result=result, path=path, wb=openpyxl.load_workbook(path),
        decisions=pd.read_csv(out / "decisions.csv", **read),
        findings=pd.read_csv(out / "findings.csv", **read))


@pytest.fixture
def tiny(plan, decisions):
    """The synthetic district of conftest, one decision numbered like a formula; no
    projects, quotas or corridors (so those rules are skipped)."""
    decisions = decisions.copy()
    decisions.loc[0, "so_qd"] = INJECTION
    decisions.loc[1, "so_qd"] = "+84 912"
    decisions.loc[2, "so_qd"] = "-1/QĐ"
    decisions.loc[3, "so_qd"] = "@SUM(A1)"
    return landplan.check(plan, decisions)


def rows_of(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def body(ws) -> pd.DataFrame:
    """A list sheet as a frame, columns named by the header row."""
    rows = rows_of(ws)
    return pd.DataFrame(rows[1:], columns=rows[0])


def summary_table(ws, heading: str) -> pd.DataFrame:
    """The table under ``heading`` on the summary sheet (until the next blank row)."""
    rows = rows_of(ws)
    start = next(i for i, r in enumerate(rows) if r[0] == heading)
    head = [h for h in rows[start + 1] if h is not None]
    out = []
    for row in rows[start + 2:]:
        if all(v is None for v in row):
            break
        out.append(row[:len(head)])
    return pd.DataFrame(out, columns=head)


# --- sheets and headers ------------------------------------------------------------------


def test_sheets_are_named_in_the_report_language(tiny, tmp_path):
    vi = openpyxl.load_workbook(write_xlsx(tiny, tmp_path / "vi.xlsx"))
    en = openpyxl.load_workbook(write_xlsx(tiny, tmp_path / "en.xlsx", lang="en"))
    assert vi.sheetnames == ["Tổng hợp", "Vi phạm", "Không kiểm tra được", "Quyết định"]
    assert en.sheetnames == ["Summary", "Findings", "Unchecked", "Decisions"]
    assert vi["Tổng hợp"]["A1"].value == ("Kết quả kiểm tra quyết định so với quy hoạch sử "
                                          "dụng đất")
    assert en["Summary"]["A1"].value == EN["title"]


def test_list_sheets_have_vietnamese_headers(sample):
    head = rows_of(sample.wb["Vi phạm"])[0]
    assert head[:7] == ["STT", "Mã phát hiện", "Lớp dữ liệu", "Dòng (từ 0)", "Số QĐ",
                        "Thửa (tờ-số)", "Mã quy tắc"]
    for label in ("Mức độ", "Nội dung", "Quy hoạch", "Mục đích sử dụng theo quyết định",
                  "Diện tích trái quy hoạch (m²)", "Diện tích trái quy hoạch (ha)", "Tỷ lệ (%)",
                  "Hình thức",
                  "Ngày QĐ", "Đơn vị", "Căn cứ pháp lý"):
        assert label in head
    assert rows_of(sample.wb["Không kiểm tra được"])[0] == [
        "STT", "Dòng (từ 0)", "Số QĐ", "Thửa (tờ-số)", "Mục đích sử dụng theo quyết định",
        "Hình thức", "Ngày QĐ", "Đơn vị", "Lý do"]
    assert rows_of(sample.wb["Quyết định"])[0] == [
        VI["columns"][c] for c in DECISION_OUTPUT_COLUMNS]


def test_list_sheets_have_english_headers_on_request(tiny, tmp_path):
    wb = openpyxl.load_workbook(write_xlsx(tiny, tmp_path / "en.xlsx", lang="en"))
    head = rows_of(wb["Findings"])[0]
    assert head[:5] == ["No.", "Finding", "Layer", "Row (0-based)", "Decision no."]
    assert {"Severity", "Message", "Area contrary to the zoning (m²)", "Date",
            "Legal basis"} <= set(head)
    assert rows_of(wb["Unchecked"])[0][-1] == "Reason"
    assert rows_of(wb["Decisions"])[0][:2] == ["Row (0-based)", "Decision no."]
    assert not any(isinstance(v, str) and "Quyết định" in v for v in head)


def test_list_sheets_freeze_and_filter_their_header_row(sample):
    for name in ("Vi phạm", "Không kiểm tra được", "Quyết định"):
        ws = sample.wb[name]
        assert ws.freeze_panes == "A2", name
        last = openpyxl.utils.get_column_letter(ws.max_column)
        assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}", name


def test_column_widths_fit_the_content_up_to_a_cap_and_long_texts_wrap(sample):
    ws = sample.wb["Vi phạm"]
    head = rows_of(ws)[0]
    widths = {h: ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width
              for i, h in enumerate(head, start=1)}
    assert all(6 <= w <= 60 for w in widths.values()), widths
    assert widths["Nội dung"] == 60 and widths["Căn cứ pháp lý"] == 60
    assert widths["STT"] < widths["Số QĐ"] < widths["Nội dung"]
    message = ws.cell(row=2, column=head.index("Nội dung") + 1)
    assert message.alignment.wrap_text


# --- the rows --------------------------------------------------------------------------


def test_findings_sheet_has_one_row_per_finding_of_findings_csv(sample):
    sheet = body(sample.wb["Vi phạm"])
    csv = sample.findings
    assert len(sheet) == len(csv) > 0
    assert list(sheet["Mã phát hiện"]) == list(csv["finding_id"])
    assert list(sheet["STT"]) == list(range(1, len(csv) + 1))
    assert set(sheet["Lớp dữ liệu"]) == {VI["layer"][x] for x in csv["layer"]}
    assert "Công trình, dự án" in set(sheet["Lớp dữ liệu"])  # projects-layer findings too
    assert list(sheet["Mã quy tắc"]) == list(csv["rule"])
    assert list(sheet["Mức độ"]) == [VI["severity"][s] for s in csv["severity"]]
    assert list(sheet["Nội dung"]) == list(csv["message"])
    m2 = sheet["Diện tích trái quy hoạch (m²)"].astype(float)
    assert m2.round(2).fillna(-1).tolist() == csv["conflict_area_m2"].fillna(-1).tolist()
    ha = sheet["Diện tích trái quy hoạch (ha)"].astype(float)
    assert ((ha * 10_000 - m2).abs().fillna(0) < 1e-6).all()


def test_unchecked_sheet_has_exactly_the_unchecked_decisions(sample):
    sheet = body(sample.wb["Không kiểm tra được"])
    unchecked = sample.decisions[sample.decisions["status"] == "unchecked"]
    assert len(unchecked) > 0
    assert list(sheet["Dòng (từ 0)"]) == list(unchecked["source_row"])
    assert list(sheet["Số QĐ"]) == list(unchecked["decision_no"])
    assert list(sheet["Lý do"]) == list(unchecked["reason"])


def test_decisions_sheet_has_every_decision_in_input_order(sample):
    sheet = body(sample.wb["Quyết định"])
    csv = sample.decisions
    assert list(sheet["Dòng (từ 0)"]) == list(csv["source_row"])
    assert list(sheet["Tình trạng"]) == [VI["status"][s] for s in csv["status"]]
    area = sheet["Diện tích thửa (m²)"].astype(float).round(2)
    assert area.fillna(-1).tolist() == csv["area_m2"].fillna(-1).tolist()


def test_numbers_are_numbers_with_formats(sample):
    ws = sample.wb["Vi phạm"]
    head = rows_of(ws)[0]
    formats = {"Diện tích trái quy hoạch (m²)": "#,##0.0",
               "Diện tích trái quy hoạch (ha)": "#,##0.0000", "Tỷ lệ (%)": "0.0"}
    for label, fmt in formats.items():
        column = head.index(label) + 1
        cells = [ws.cell(row=r, column=column) for r in range(2, ws.max_row + 1)]
        filled = [c for c in cells if c.value is not None]
        assert filled, label
        assert all(isinstance(c.value, (int, float)) for c in filled), label
        assert {c.number_format for c in filled} == {fmt}, label
    assert all(isinstance(c.value, int) for c in ws["A"][1:])  # STT


def test_dates_are_real_excel_dates_shown_day_first(sample):
    for name, csv in (("Vi phạm", sample.findings), ("Quyết định", sample.decisions)):
        ws = sample.wb[name]
        column = rows_of(ws)[0].index("Ngày QĐ") + 1
        cells = [ws.cell(row=r, column=column) for r in range(2, ws.max_row + 1)]
        expected = pd.to_datetime(csv["decision_date"])
        assert expected.notna().any()
        for cell, want in zip(cells, expected, strict=True):
            if pd.isna(want):
                assert cell.value is None
            else:
                assert isinstance(cell.value, dt.datetime) and cell.is_date
                assert cell.value == want.to_pydatetime()
                assert cell.number_format == "dd/mm/yyyy"


def test_text_that_looks_like_a_formula_stays_text(tiny, tmp_path):
    path = write_xlsx(tiny, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    for name in ("Quyết định", "Vi phạm"):
        ws = wb[name]
        column = rows_of(ws)[0].index("Số QĐ") + 1
        cells = {c.value: c for c in next(ws.iter_cols(min_col=column, max_col=column))}
        for text in (INJECTION, "+84 912", "-1/QĐ"):
            if name == "Vi phạm" and text not in cells:
                continue  # only decisions with findings appear there
            assert cells[text].data_type == "s", (name, text)
            assert cells[text].quotePrefix, (name, text)
    assert INJECTION in [c.value for c in wb["Quyết định"]["B"]]
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)


# --- the summary -----------------------------------------------------------------------


def test_summary_by_unit_matches_decisions_csv_and_summarize(sample):
    table = summary_table(sample.wb["Tổng hợp"], VI["by_unit"])
    d = sample.decisions
    total = table.iloc[-1]
    assert total["Đơn vị"] == "Tổng cộng" and total["Số quyết định"] == len(d)
    table = table.iloc[:-1].set_index("Đơn vị")
    counts = pd.crosstab(d["unit"], d["status"])
    for status in STATUSES:
        label = VI["status"][status]
        assert table[label].to_dict() == counts.get(status, 0).to_dict(), status
        assert total[label] == (d["status"] == status).sum()
    by_unit = d.groupby("unit")
    assert table["Số quyết định"].to_dict() == by_unit.size().to_dict()
    assert table["Số phát hiện"].to_dict() == by_unit["n_findings"].sum().to_dict()
    assert table["Diện tích (ha)"].astype(float).to_numpy() == pytest.approx(
        (by_unit["area_m2"].sum() / 10_000).to_numpy(), abs=1e-4)
    assert table["Diện tích trái quy hoạch (ha)"].astype(float).to_numpy() == pytest.approx(
        (by_unit["conflict_area_m2"].sum() / 10_000).to_numpy(), abs=1e-4)
    summary = landplan.summarize(sample.result)
    units = summary[summary["dimension"] == "unit"].set_index("value")
    assert table["Diện tích trái quy hoạch (ha)"].astype(float).to_numpy() == pytest.approx(
        (units["conflict_area_m2"] / 10_000).to_numpy())


def test_summary_by_rule_matches_findings_csv(sample):
    table = summary_table(sample.wb["Tổng hợp"], VI["by_rule"])
    total, table = table.iloc[-1], table.iloc[:-1].set_index("Mã quy tắc")
    f = sample.findings
    assert total["Số phát hiện"] == len(f)
    counts = f["rule"].value_counts()
    assert table["Số phát hiện"].to_dict() == {r: int(counts.get(r, 0)) for r in table.index}
    ran = sample.result.rules.loc[sample.result.rules["state"] == "ran", "rule"]
    assert list(table.index) == list(ran)  # every rule that ran, zero counts included
    # decisions per rule: as counted from findings.csv, and as summarize (summary.csv) says
    on_decisions = f[f["layer"] == "decisions"].groupby("rule")["source_row"].nunique()
    assert table["Số quyết định"].to_dict() == {r: int(on_decisions.get(r, 0))
                                                for r in table.index}
    summary = landplan.summarize(sample.result)
    rules = summary[summary["dimension"] == "rule"].set_index("value")
    assert table.loc[rules.index, "Số quyết định"].tolist() == rules["n_decisions"].tolist()
    assert table.loc["zoning-conflict", "Quy tắc"] == \
        landplan.RULES["zoning-conflict"].title("vi")
    severities = table.loc["conversion-contrary-to-plan", "Mức độ"]
    assert severities == "Nghiêm trọng, Cao"  # highest first, as found


def test_summary_by_kind_crosses_kind_and_status(sample):
    table = summary_table(sample.wb["Tổng hợp"], VI["by_kind"])
    table = table.iloc[:-1].set_index("Hình thức")
    d = sample.decisions
    assert list(table.index) == ["Giao đất", "Cho thuê đất", "Công nhận QSDĐ",
                                 "Chuyển mục đích", "Thu hồi đất",
                                 "Không phải quyết định của Nhà nước", VI["none"]]
    counts = pd.crosstab(d["kind"].map(VI["kind"]).fillna(VI["none"]),
                         d["status"].map(VI["status"]))
    for label in VI["status"].values():
        assert table[label].to_dict() == counts[label].to_dict()


def test_summary_lists_the_rules_not_run_with_their_reason(tiny, sample, tmp_path):
    table = summary_table(sample.wb["Tổng hợp"], VI["not_run"])
    assert table.iloc[0, 0] == VI["all_ran"]
    wb = openpyxl.load_workbook(write_xlsx(tiny, tmp_path / "r.xlsx"))
    table = summary_table(wb["Tổng hợp"], VI["not_run"]).set_index("Mã quy tắc")
    not_run = tiny.rules[tiny.rules["state"] != "ran"]
    assert set(table.index) == set(not_run["rule"]) and len(not_run) > 0
    assert table.loc["quota-exceeded", "Trạng thái"] == "Bỏ qua"
    assert table.loc["quota-exceeded", "Lý do"] == \
        "không có dữ liệu đầu vào: chỉ tiêu chuyển mục đích"


# --- the file --------------------------------------------------------------------------


def test_the_same_result_gives_a_byte_identical_file(tiny, tmp_path):
    first = write_xlsx(tiny, tmp_path / "a.xlsx").read_bytes()
    second = write_xlsx(tiny, tmp_path / "b.xlsx").read_bytes()
    assert first == second
    props = openpyxl.load_workbook(tmp_path / "a.xlsx").properties
    assert props.created == props.modified == FIXED_TIME


def test_only_the_given_file_is_written(tiny, tmp_path):
    out = tmp_path / "out"
    assert write_xlsx(tiny, str(out / "report.xlsx")) == out / "report.xlsx"
    assert [p.name for p in tmp_path.rglob("*")] == ["out", "report.xlsx"]


def test_an_unknown_language_is_refused(tiny, tmp_path):
    with pytest.raises(ConfigError, match="vi, en"):
        write_xlsx(tiny, tmp_path / "r.xlsx", lang="fr")
    assert not (tmp_path / "r.xlsx").exists()
