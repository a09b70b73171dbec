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
from landplan._text import sort_keys
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


def summary_facts(wb) -> dict:
    """The header block of the summary sheet: its label → value rows (until the first blank
    row)."""
    rows = rows_of(wb.worksheets[0])
    facts = {}
    for row in rows[1:]:
        if all(v is None for v in row):
            break
        facts[row[0]] = row[1]
    return facts


# --- sheets and headers ------------------------------------------------------------------


def test_sheets_are_named_in_the_report_language(tiny, tmp_path):
    vi = openpyxl.load_workbook(write_xlsx(tiny, tmp_path / "vi.xlsx"))
    en = openpyxl.load_workbook(write_xlsx(tiny, tmp_path / "en.xlsx", lang="en"))
    assert vi.sheetnames == ["Tổng hợp", "Vi phạm", "Ghi chú dữ liệu", "Không kiểm tra được",
                             "Quyết định"]
    assert en.sheetnames == ["Summary", "Violations", "Data notes", "Unchecked", "Decisions"]
    assert vi["Tổng hợp"]["A1"].value == ("Kết quả kiểm tra quyết định so với quy hoạch sử "
                                          "dụng đất")
    assert en["Summary"]["A1"].value == EN["title"]


def test_list_sheets_have_vietnamese_headers(sample):
    head = rows_of(sample.wb["Vi phạm"])[0]
    assert head == [
        "STT", "Mức độ", "Xã, phường, thị trấn", "Số QĐ", "Ngày QĐ", "Thửa (tờ-số)",
        "Người sử dụng đất", "Hình thức", "Mục đích sử dụng theo quyết định", "Quy hoạch",
        "Quy tắc",
        "Nội dung", "Diện tích vi phạm (m²)", "Tỷ lệ (%)", "Căn cứ pháp lý", "Tệp", "Dòng",
        "Mã phát hiện"]
    assert rows_of(sample.wb["Ghi chú dữ liệu"])[0] == [
        "STT", "Mức độ", "Loại", "Lớp dữ liệu", "Xã, phường, thị trấn", "Số QĐ",
        "Thửa (tờ-số)", "Quy tắc", "Nội dung", "Tệp", "Dòng", "Mã phát hiện"]
    assert rows_of(sample.wb["Không kiểm tra được"])[0] == [
        "STT", "Xã, phường, thị trấn", "Số QĐ", "Thửa (tờ-số)", "Người sử dụng đất",
        "Mục đích sử dụng theo quyết định", "Hình thức", "Ngày QĐ", "Lý do", "Tệp", "Dòng"]
    # the columns of decisions.csv, the row counted from 1, the land user beside the parcel
    columns = [VI["columns"][c] for c in DECISION_OUTPUT_COLUMNS]
    columns[0] = "Dòng"
    columns.insert(columns.index("Thửa (tờ-số)") + 1, "Người sử dụng đất")
    assert rows_of(sample.wb["Quyết định"])[0] == columns


def test_list_sheets_have_english_headers_on_request(tiny, tmp_path):
    wb = openpyxl.load_workbook(write_xlsx(tiny, tmp_path / "en.xlsx", lang="en"))
    head = rows_of(wb["Violations"])[0]
    assert head[:5] == ["No.", "Severity", "Commune", "Decision no.", "Date"]
    assert {"Land user", "Message", "Area in violation (m²)", "Legal basis", "File",
            "Row"} <= set(head)
    assert rows_of(wb["Unchecked"])[0][-3:] == ["Reason", "File", "Row"]
    assert rows_of(wb["Decisions"])[0][:2] == ["Row", "Decision no."]
    assert not any(isinstance(v, str) and "Quyết định" in v for v in head)


def test_list_sheets_freeze_and_filter_their_header_row(sample):
    for name in ("Vi phạm", "Ghi chú dữ liệu", "Không kiểm tra được", "Quyết định"):
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
    # long texts wrap within a width that keeps the sheet printable
    assert widths["Nội dung"] == 50 and widths["Căn cứ pháp lý"] == 30
    assert widths["STT"] < widths["Số QĐ"] < widths["Nội dung"]
    message = ws.cell(row=2, column=head.index("Nội dung") + 1)
    assert message.alignment.wrap_text
    # and its row is as tall as its lines (15 points a line)
    assert ws.row_dimensions[2].height >= 15 * 3


# --- the rows --------------------------------------------------------------------------


def test_violations_and_notes_sheets_share_out_the_findings_of_findings_csv(sample):
    violations, notes = body(sample.wb["Vi phạm"]), body(sample.wb["Ghi chú dữ liệu"])
    csv = sample.findings.set_index("finding_id")
    compliance = csv["category"] == "compliance"
    assert len(violations) == compliance.sum() > 0 and len(notes) == (~compliance).sum() > 0
    assert set(violations["Mã phát hiện"]) == set(csv.index[compliance])
    assert set(notes["Mã phát hiện"]) == set(csv.index[~compliance])
    assert list(violations["STT"]) == list(range(1, len(violations) + 1))
    assert "Công trình, dự án" in set(notes["Lớp dữ liệu"])  # projects-layer findings too
    assert set(notes["Loại"]) == {"Chất lượng dữ liệu", "Kế hoạch sử dụng đất"}
    for sheet in (violations, notes):
        rows = csv.loc[sheet["Mã phát hiện"]]
        assert list(sheet["Mức độ"]) == [VI["severity"][s] for s in rows["severity"]]
        assert list(sheet["Nội dung"]) == list(rows["message"])
        assert list(sheet["Quy tắc"]) == [landplan.RULES[r].title("vi") for r in rows["rule"]]
        # the row counted from 1, and the file it is in
        assert list(sheet["Dòng"]) == [None if pd.isna(r) else int(r) + 1
                                       for r in rows["source_row"]]
    on_decisions = csv.loc[violations["Mã phát hiện"], "layer"] == "decisions"
    assert on_decisions.all()
    assert set(violations["Tệp"]) == {"decisions.shp"}
    assert set(notes["Tệp"]) == {"decisions.shp", "projects.gpkg",
                                 "plan.gpkg / plan_2023.gpkg"}


def test_every_violation_says_why_and_how_much(sample):
    """Corridor, quota, land-cover and double-allocation findings included: the area is the
    part found contrary, else the whole parcel."""
    violations = body(sample.wb["Vi phạm"])
    csv = sample.findings.set_index("finding_id").loc[violations["Mã phát hiện"]]
    area = violations["Diện tích vi phạm (m²)"].astype(float).to_numpy()
    assert (area > 0).all() and violations["Nội dung"].str.len().gt(0).all()
    parcels = sample.decisions.set_index("source_row")["area_m2"]
    expected = csv["conflict_area_m2"].fillna(
        pd.Series(parcels.loc[csv["source_row"]].to_numpy(), index=csv.index))
    assert area == pytest.approx(expected.to_numpy(), abs=0.01)
    for rule in ("protected-area", "quota-exceeded", "double-allocation", "unused-land"):
        assert rule in set(csv["rule"]), rule
    # the decisions sheet: every violation with its reason and area
    decisions = body(sample.wb["Quyết định"])
    bad = decisions[decisions["Tình trạng"] == VI["status"]["violation"]]
    assert len(bad) == (sample.decisions["status"] == "violation").sum()
    assert bad["Lý do"].str.len().gt(0).all()
    assert (bad["Diện tích vi phạm (m²)"].astype(float) > 0).all()


def test_violations_and_notes_are_sorted_by_severity_commune_and_decision_number(sample):
    csv = sample.findings
    names = dict(zip(sample.decisions["unit"], sample.decisions["unit_name"], strict=True))
    rank = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
    for name, mine in (("Vi phạm", csv["category"] == "compliance"),
                       ("Ghi chú dữ liệu", csv["category"] != "compliance")):
        f = csv[mine]
        number = f["decision_no"].str.extract(r"^\D*(\d+)")[0].astype(float)
        # communes in Vietnamese dictionary order (Đ after D, not after Y)
        expected = f.assign(r=-f["severity"].map(rank), n=sort_keys(f["unit"].map(names)),
                            num=number).sort_values(
            ["r", "n", "unit", "num", "decision_no", "finding_id"], na_position="last",
            kind="stable")
        sheet = body(sample.wb[name])
        assert list(sheet["Mã phát hiện"]) == list(expected["finding_id"]), name
    sheet = body(sample.wb["Vi phạm"])
    ranks = [-rank[k] for k in sheet["Mức độ"].map({v: k for k, v in VI["severity"].items()})]
    assert ranks == sorted(ranks) and sheet["Mức độ"].iloc[0] == "Nghiêm trọng"
    first = sheet[sheet["Mức độ"] == "Nghiêm trọng"]
    communes = list(first["Xã, phường, thị trấn"])
    keys = sort_keys(communes)
    assert list(keys) == sorted(keys)


def test_unchecked_sheet_has_exactly_the_unchecked_decisions(sample):
    sheet = body(sample.wb["Không kiểm tra được"])
    unchecked = sample.decisions[sample.decisions["status"] == "unchecked"]
    assert len(unchecked) > 0
    assert list(sheet["Dòng"]) == list(unchecked["source_row"] + 1)
    assert list(sheet["Số QĐ"]) == list(unchecked["decision_no"])
    assert list(sheet["Lý do"]) == list(unchecked["reason"])
    assert list(sheet["Xã, phường, thị trấn"]) == list(unchecked["unit_name"])


def test_decisions_sheet_has_every_decision_in_input_order(sample):
    sheet = body(sample.wb["Quyết định"])
    csv = sample.decisions
    assert list(sheet["Dòng"]) == list(csv["source_row"] + 1)  # counted from 1
    assert list(sheet["Tình trạng"]) == [VI["status"][s] for s in csv["status"]]
    area = sheet["Diện tích thửa (m²)"].astype(float).round(2)
    assert area.fillna(-1).tolist() == csv["area_m2"].fillna(-1).tolist()


def test_communes_are_named_in_every_sheet_and_land_users_beside_decisions(sample):
    d = sample.decisions
    names = dict(zip(d["unit"], d["unit_name"], strict=True))
    assert len(set(names.values())) == len(names) > 5 and None not in names.values()
    owners = sample.result.personal["owner"]
    assert owners.notna().all()
    decisions = body(sample.wb["Quyết định"])
    assert list(decisions["Xã, phường, thị trấn"]) == list(d["unit_name"])
    assert list(decisions["Người sử dụng đất"]) == list(owners)
    by_row = dict(zip(d["source_row"] + 1, owners, strict=True))
    for name in ("Vi phạm", "Không kiểm tra được"):
        sheet = body(sample.wb[name])
        assert list(sheet["Người sử dụng đất"]) == [by_row[r] for r in sheet["Dòng"]], name
    for name in ("Vi phạm", "Ghi chú dữ liệu", "Không kiểm tra được"):
        sheet = body(sample.wb[name])
        assert sheet["Xã, phường, thị trấn"].notna().all(), name
        assert set(sheet["Xã, phường, thị trấn"]) <= set(names.values()), name
    for heading in ("by_unit", "by_adjustment_unit"):
        table = summary_table(sample.wb["Tổng hợp"], VI[heading]).iloc[:-1]
        assert len(table) > 3, heading
        assert list(table["Xã, phường, thị trấn"]) == [names[u] for u in table["Đơn vị"]]


def test_a_public_report_names_no_land_user(sample_check, tmp_path):
    out = landplan.write_outputs(sample_check, tmp_path / "out", map_html=False, xlsx=True,
                                 public=True)
    wb = openpyxl.load_workbook(out["bao_cao.xlsx"])
    owners = set(sample_check.personal["owner"].dropna())
    assert owners
    for ws in wb.worksheets:
        texts = {v for row in ws.iter_rows(values_only=True) for v in row
                 if isinstance(v, str)}
        assert "Người sử dụng đất" not in texts, ws.title
        assert not texts & owners, ws.title
    assert summary_facts(wb)["Phiên bản báo cáo"] == VI["edition_public"]
    full = openpyxl.load_workbook(write_xlsx(sample_check, tmp_path / "full.xlsx"))
    assert "Người sử dụng đất" in rows_of(full["Vi phạm"])[0]
    assert summary_facts(full)["Phiên bản báo cáo"] == VI["edition_full"]


def test_numbers_are_numbers_with_formats(sample):
    ws = sample.wb["Vi phạm"]
    head = rows_of(ws)[0]
    formats = {"Diện tích vi phạm (m²)": "#,##0.0", "Tỷ lệ (%)": "0.0"}
    for label, fmt in formats.items():
        column = head.index(label) + 1
        cells = [ws.cell(row=r, column=column) for r in range(2, ws.max_row + 1)]
        filled = [c for c in cells if c.value is not None]
        assert filled, label
        assert all(isinstance(c.value, (int, float)) for c in filled), label
        assert {c.number_format for c in filled} == {fmt}, label
    assert all(isinstance(c.value, int) for c in ws["A"][1:])  # STT


def test_dates_are_real_excel_dates_shown_day_first(sample):
    for name, csv, key in (("Vi phạm", sample.findings, "finding_id"),
                           ("Quyết định", sample.decisions, None)):
        ws = sample.wb[name]
        head = rows_of(ws)[0]
        column = head.index("Ngày QĐ") + 1
        cells = [ws.cell(row=r, column=column) for r in range(2, ws.max_row + 1)]
        if key is not None:  # the sheet's own order
            ids = [ws.cell(row=r, column=head.index("Mã phát hiện") + 1).value
                   for r in range(2, ws.max_row + 1)]
            csv = csv.set_index(key).loc[ids]
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


# --- a report for a dossier: the header block, totals that agree, printing --------------


def test_the_header_block_says_what_was_checked_when_against_what(sample):
    facts = summary_facts(sample.wb)
    config = sample.result.config
    assert facts["Nội dung kiểm tra"] == VI["checked"]
    # the report's date is the check's evaluation date (as_of), not the time it was written
    assert facts["Tính đến ngày (ngày đánh giá)"] == dt.datetime(2025, 12, 31)
    assert pd.Timestamp(config.as_of) == pd.Timestamp("2025-12-31")
    assert facts["Kỳ quy hoạch"] == "01/01/2021 – 31/12/2025"
    assert facts["Dung sai theo tỷ lệ thửa (%)"] == config.tolerance_pct == 5
    assert facts["Dung sai theo diện tích (m²)"] == config.tolerance_m2 == 20
    assert facts["Phần mềm kiểm tra"] == f"landplan {landplan.__version__}"
    ws = sample.wb["Tổng hợp"]
    plan = summary_table(ws, VI["plan"])
    assert plan.to_dict("list") == {
        "Phiên bản quy hoạch": ["v1", "v2"],
        "Ngày phê duyệt": [dt.datetime(2020, 12, 31), dt.datetime(2023, 7, 1)],
        "Tệp": ["plan.gpkg", "plan_2023.gpkg"],
        "Số khu quy hoạch": sample.result.plan["plan_version"].value_counts()
        .sort_index().tolist()}
    inputs = summary_table(ws, VI["inputs_heading"]).astype(object)
    inputs = inputs.where(inputs.notna(), None)
    assert inputs.to_dict("list") == {
        "Lớp dữ liệu": ["quyết định (thửa đất)", "công trình, dự án kế hoạch SDĐ",
                        "hành lang bảo vệ", "chỉ tiêu chuyển mục đích", "ảnh lớp phủ mặt đất",
                        "ảnh lớp phủ mặt đất"],
        "Tệp": ["decisions.shp", "projects.gpkg", "corridors.gpkg", "quotas.csv",
                "landcover_2021.tif", "landcover_2025.tif"],
        "Số bản ghi": [len(sample.decisions), len(sample.result.projects),
                       len(sample.result.corridors), 11, None, None]}
    # the date cells are dates shown day first
    dates = [c for row in ws.iter_rows(max_row=20) for c in row if getattr(c, "is_date", 0)]
    assert len(dates) == 3 and {c.number_format for c in dates} == {"dd/mm/yyyy"}


def test_the_header_block_in_english_and_without_optional_inputs(tiny, tmp_path):
    wb = openpyxl.load_workbook(write_xlsx(tiny, tmp_path / "en.xlsx", lang="en"))
    facts = summary_facts(wb)
    assert facts["What was checked"] == EN["checked"]
    assert facts["As of (evaluation date)"] == pd.Timestamp(tiny.config.as_of).to_pydatetime()
    assert "Plan period" not in facts  # none configured
    inputs = summary_table(wb["Summary"], EN["inputs_heading"])
    assert inputs["Layer"].tolist() == ["decisions (parcels)"]
    plan = summary_table(wb["Summary"], EN["plan"])
    assert plan["Plan version"].tolist() == ["v1"] and plan["Plan zones"].tolist() == [3]


def test_totals_agree_across_sheets_summary_csv_and_the_decisions(sample):
    """Sheet totals == summary.csv == the decisions by status; findings and decisions differ
    and the sheet says why."""
    ws = sample.wb["Tổng hợp"]
    results = summary_table(ws, VI["results"]).set_index("Nội dung")["Số lượng"]
    summary = pd.read_csv(sample.path.parent / "summary.csv", encoding="utf-8-sig")
    by_status = summary[summary["dimension"] == "status"].set_index("value")["n_decisions"]
    counts = sample.decisions["status"].value_counts()
    total = summary[summary["dimension"] == "total"].iloc[0]
    for status in STATUSES:
        assert results[VI["status"][status]] == by_status[status] == counts.get(status, 0)
    assert results["Số quyết định đã đối chiếu"] == total["n_decisions"] == len(sample.decisions)
    by_unit = summary_table(ws, VI["by_unit"]).set_index("Đơn vị")
    assert by_unit.loc["Tổng cộng", "Số quyết định"] == len(sample.decisions)
    for status in STATUSES:
        assert by_unit.loc["Tổng cộng", VI["status"][status]] == by_status[status]
    # findings: on decisions (summary.csv's total), on other layers, by sheet
    f = sample.findings
    assert results["Phát hiện về các quyết định"] == total["n_findings"] \
        == (f["layer"] == "decisions").sum()
    assert results["Phát hiện về quy hoạch, công trình, hành lang"] == \
        (f["layer"] != "decisions").sum()
    violations = len(body(sample.wb["Vi phạm"]))
    notes = len(body(sample.wb["Ghi chú dữ liệu"]))
    assert results["Dòng của trang «Vi phạm» (phát hiện vi phạm)"] == violations
    assert results["Dòng của trang «Ghi chú dữ liệu»"] == notes
    assert results["Tổng số phát hiện"] == violations + notes == len(f)
    by_rule = summary_table(ws, VI["by_rule"])
    assert by_rule.iloc[-1]["Số phát hiện"] == len(f)
    # why findings and decisions differ, said under the totals
    texts = [r[0] for r in rows_of(ws)]
    assert VI["note_totals"] in texts and VI["note_area"] in texts
    assert VI["note_rows"].format(file="decisions.shp") in texts


def test_every_sheet_prints_on_a4_landscape_one_page_wide_with_titles_and_page_numbers(sample):
    for ws in sample.wb.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape", ws.title
        assert int(setup.paperSize) == 9, ws.title  # A4
        assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.oddHeader.left.text == VI["title"], ws.title
        assert ws.oddHeader.right.text == "Tính đến 31/12/2025", ws.title
        assert ws.oddFooter.center.text == "Trang &P / &N", ws.title
        assert ws.oddFooter.left.text == "&A", ws.title  # the sheet's name
        margins = ws.page_margins
        assert 0.3 <= margins.right <= margins.left <= 1 and 0.5 <= margins.top <= 1
    for name in ("Vi phạm", "Ghi chú dữ liệu", "Không kiểm tra được", "Quyết định"):
        ws = sample.wb[name]
        assert ws.print_title_rows == "$1:$1", name  # the header row on every page
        assert ws.row_dimensions[1].height >= 30, name  # its wrapped words fit
