"""Decision kinds as officials write them, recoveries, non-State records and unreadable kinds.

The plan of conftest: LUC rice [0,100]×[0,200], ONT village [100,300]×[0,200], DGT road
[0,300]×[200,210]. Expectations are worked out by hand from the rules' definitions.
"""

from __future__ import annotations

import math
import unicodedata

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

import landplan
import landplan.schema as schema
from landplan import CheckConfig
from landplan._data import data_path
from landplan.info import file_info, format_info
from landplan.schema import kind_key, normalize_kinds, read_kind

from .conftest import at
from .test_rules import decisions_of, rules_of, run

# --- reading ------------------------------------------------------------------------------

WRITTEN = [
    # abbreviations of "chuyển mục đích sử dụng đất"
    ("chuyển MĐSD", "conversion"), ("CMĐ", "conversion"), ("CMĐSDĐ", "conversion"),
    ("CM\u00d0", "conversion"),  # Ð (U+00D0) for Đ, from legacy fonts
    ("Chuyển MĐSDĐ", "conversion"), ("cmđsdđ", "conversion"),
    # leading QĐ / Quyết định / Nhà nước, and "đất" anywhere
    ("QĐ giao đất", "allocation"), ("Quyết định giao đất", "allocation"),
    ("QUYẾT ĐỊNH VỀ VIỆC GIAO ĐẤT", "allocation"),
    ("Nhà nước giao đất có thu tiền sử dụng đất", "allocation"),
    ("Nhà nước giao đất không thu tiền sử dụng đất", "allocation"),
    ("Nhà nước cho thuê đất trả tiền hàng năm", "lease"),
    ("Nhà nước cho thuê đất trả tiền hằng năm", "lease"),
    ("Cho thuê đất, trả tiền thuê đất hàng năm", "lease"),
    ("Công nhận QSDĐ", "recognition"), ("CNQSDĐ", "recognition"),
    ("QĐ giao đất/cho thuê đất", "allocation"),
    # accents, case, spacing, Unicode form
    ("giao dat", "allocation"), ("  GIAO   ĐẤT ", "allocation"),
    (unicodedata.normalize("NFD", "Giao đất"), "allocation"),
    (unicodedata.normalize("NFD", "Thuê đất trả tiền hằng năm"), "lease"),
    # origin-of-use codes of cadastral databases
    ("DG-CTT", "allocation"), ("DG-KTT", "allocation"), ("DG-QL", "allocation"),
    ("dg ctt", "allocation"), ("CNQ", "recognition"), ("CNQ-CTT", "recognition"),
    ("CNQ-KTT", "recognition"), ("DT-THN", "lease"), ("DT-TML", "lease"),
    ("DT-KCN", "non-state"), ("DT-KCN-THN", "non-state"), ("DT-KCN-TML", "non-state"),
    ("NCQ-1", "non-state"), ("NCQ-17", "non-state"), ("Nhận chuyển nhượng", "non-state"),
    # VBDLIS numeric ids
    ("1", "recognition"), ("2", "recognition"), ("12", "recognition"), ("3", "recognition"),
    ("13", "recognition"), ("14", "recognition"), ("15", "recognition"),
    ("4", "allocation"), ("04", "allocation"), (4.0, "allocation"), ("5", "allocation"),
    ("10", "lease"), ("11", "lease"),
    ("6", "non-state"), ("7", "non-state"), ("8", "non-state"), ("9", "non-state"),
    ("16", "non-state"),
    # recovery
    ("thu hồi", "recovery"), ("Thu hồi đất", "recovery"), ("QĐ thu hồi đất", "recovery"),
    ("recovery", "recovery"),
]


@pytest.mark.parametrize("value, kind", WRITTEN)
def test_kinds_are_read_as_officials_write_them(value, kind):
    assert read_kind(value) == kind


@pytest.mark.parametrize("value", [
    "GCNQSDĐ",       # the certificate: "CNQSDĐ" is never matched inside a word
    "HĐCNQSDĐ",      # a transfer contract
    "Cấp GCNQSDĐ",
    "QĐ",            # only a prefix
    "giao đất ABC",  # no fuzzy guessing
    "chuyển",
    "99", "0", "17", "", "   ", None, float("nan"),
])
def test_text_that_matches_no_spelling_stays_unrecognised(value):
    assert read_kind(value) is None


def test_no_spelling_of_the_kinds_table_is_read_as_two_kinds():
    table = pd.read_csv(data_path("kinds.csv"), dtype=str, keep_default_na=False)
    keys = table.assign(key=table["alias"].map(kind_key))
    assert (keys["key"] != "").all()
    kinds_per_key = keys.groupby("key")["kind"].nunique()
    assert kinds_per_key[kinds_per_key > 1].empty
    assert set(table["kind"]) == set(schema.KINDS)


def test_kinds_are_read_once_per_distinct_value(monkeypatch):
    calls = []
    real = schema.read_kind
    monkeypatch.setattr(schema, "read_kind", lambda v: calls.append(v) or real(v))
    values = pd.Series(["Giao đất", "CMĐ", None, "GCNQSDĐ"] * 2_500, dtype=object)
    kinds = normalize_kinds(values)
    assert sorted(calls) == ["CMĐ", "GCNQSDĐ", "Giao đất"]
    assert kinds.iloc[:4].tolist() == ["allocation", "conversion", None, None]


def test_info_shows_how_each_kind_value_was_read_with_counts(tmp_path):
    path = tmp_path / "qd.gpkg"
    gpd.GeoDataFrame(
        {"so_qd": ["1", "2", "3", "4", "5"],
         "hinh_thuc": ["Giao đất", "NCQ-3", "GCNQSDĐ", None, "Giao đất"],
         "kyhieumucd": ["ONT"] * 5},
        geometry=[at(box(10 * i, 0, 10 * i + 5, 5)) for i in range(5)], crs="EPSG:9209",
    ).to_file(path, engine="pyogrio")
    info = file_info(path)[0]
    assert info["kinds"] == {"column": "hinh_thuc", "values": [
        {"value": "Giao đất", "kind": "allocation", "count": 2},
        {"value": None, "kind": None, "count": 1},
        {"value": "GCNQSDĐ", "kind": None, "count": 1},
        {"value": "NCQ-3", "kind": "non-state", "count": 1},
    ]}
    en = format_info([info], "en")
    assert "  Decision kinds as read (value → kind: records) (hinh_thuc):" in en
    assert "    - 'Giao đất' → Allocation (allocation): 2" in en
    assert "    - 'GCNQSDĐ' → UNRECOGNISED (never compliant): 1" in en
    assert "    - (blank) → UNRECOGNISED (never compliant): 1" in en
    assert "    - 'NCQ-3' → Not a State decision (non-state): 1" in en
    vi = format_info([info], "vi")
    assert "    - 'Giao đất' → Giao đất (allocation): 2" in vi
    assert "    - 'GCNQSDĐ' → KHÔNG NHẬN DẠNG ĐƯỢC (không bao giờ được coi là phù hợp): 1" in vi


# --- unreadable kinds ---------------------------------------------------------------------

def test_an_unreadable_kind_is_never_compliant_but_a_violation_stands(plan):
    d = decisions_of(
        {"kind": "GCNQSDĐ", "geom": box(120, 20, 140, 40)},   # ONT in ONT: would comply
        {"kind": "", "geom": box(120, 60, 140, 80)},          # blank: the same
        {"kind": "GCNQSDĐ", "geom": box(20, 20, 40, 40)},     # ONT in LUC: read as a grant
        {"kind": "Giao đất", "geom": box(160, 20, 180, 40)},  # readable: compliant
    )
    result = run(plan, d)
    assert result.decisions["status"].tolist() == ["unchecked", "unchecked", "violation",
                                                   "compliant"]
    assert [rules_of(result, i) for i in range(4)] == [
        ["unknown-kind"], ["unknown-kind"], ["unknown-kind", "zoning-conflict"], []]
    reasons = result.decisions["reason"]
    assert "'GCNQSDĐ' is not recognised" in reasons.iat[0]
    assert "Correct the kind" in reasons.iat[0]
    # a violation: its reason is the violation, not the unreadable kind
    assert "grants" in reasons.iat[2] and "not recognised" not in reasons.iat[2]
    assert result.decisions["rule"].iat[2] == "zoning-conflict"


def test_unknown_kind_cannot_be_disabled():
    with pytest.raises(landplan.ConfigError, match="unknown-kind"):
        CheckConfig(rules={"unknown-kind": {"enabled": False}})


def test_an_unreadable_kind_with_another_previous_use_is_judged_as_a_conversion(plan):
    # LUC → CLN in ONT: CLN is allowed in ONT (a grant would comply) but rice land is
    # protected and ONT does not designate CLN: the conversion reading is the violation.
    d = decisions_of({"kind": "??", "prev": "LUC", "code": "CLN", "geom": box(120, 60, 140, 80)})
    result = run(plan, d)
    assert rules_of(result, 0) == ["conversion-contrary-to-plan", "unknown-kind"]
    assert result.decisions["status"].item() == "violation"


def test_an_unreadable_kind_is_judged_as_an_allocation_by_the_annual_plan(plan, projects):
    d = decisions_of({"kind": "??", "geom": box(220, 20, 240, 40)},   # ONT outside projects
                     {"kind": "??", "geom": box(120, 20, 140, 40)})   # inside the ONT project
    result = run(plan, d, projects=projects)
    assert rules_of(result, 0) == ["conversion-not-in-annual-plan", "unknown-kind"]
    assert rules_of(result, 1) == ["unknown-kind"]
    assert result.decisions["status"].tolist() == ["violation", "unchecked"]


def test_an_unreadable_kind_is_a_later_grant_but_blames_no_later_decision(plan):
    d = decisions_of(
        {"no": "A", "date": "01/02/2022", "geom": box(120, 20, 160, 60)},
        {"no": "B", "date": "01/03/2022", "kind": "??", "geom": box(130, 30, 170, 70)},
        {"no": "C", "date": "01/02/2022", "kind": "??", "geom": box(200, 20, 240, 60)},
        {"no": "D", "date": "01/03/2022", "geom": box(210, 30, 250, 70)},
    )
    result = run(plan, d)
    assert [rules_of(result, i) for i in range(4)] == [
        [], ["double-allocation", "unknown-kind"], ["unknown-kind"], []]
    assert result.decisions["status"].tolist() == ["compliant", "violation", "unchecked",
                                                   "compliant"]


# --- non-State records --------------------------------------------------------------------

def test_a_record_that_is_no_state_decision_is_not_judged_as_a_grant(plan):
    d = decisions_of({"kind": "NCQ-3", "date": "15/03/2020", "geom": box(20, 20, 40, 40)})
    result = run(plan, d, config=CheckConfig(lang="en", as_of="2025-12-31",
                                             plan_start="2021-01-01"))
    assert rules_of(result, 0) == ["not-state-decision"]  # no zoning, no plan period
    assert result.decisions["status"].item() == "unchecked"
    assert "not a State decision" in result.decisions["reason"].item()
    assert math.isnan(result.decisions["conflict_area_m2"].item())


# --- recovery -----------------------------------------------------------------------------

def test_a_recovery_is_never_judged_as_a_grant(plan):
    d = decisions_of({"kind": "QĐ thu hồi đất", "geom": box(20, 20, 40, 40)},  # ONT in LUC
                     {"kind": "Giao đất", "geom": box(20, 60, 40, 80)})
    result = run(plan, d)
    assert result.decisions["kind"].tolist() == ["recovery", "allocation"]
    assert [rules_of(result, i) for i in range(2)] == [[], ["zoning-conflict"]]
    assert result.decisions["status"].tolist() == ["compliant", "violation"]
    assert math.isnan(result.decisions["conflict_area_m2"].iat[0])
    assert result.decisions["conflict_area_m2"].iat[1] == pytest.approx(400.0)


def test_a_recovery_must_lie_inside_a_project_of_its_year(plan, projects):
    overlapping = pd.concat([projects, gpd.GeoDataFrame(
        {"ten_da": ["Mở rộng khu dân cư"], "nam": [2023], "maloaidat": ["ONT"]},
        geometry=[at(box(150, 0, 200, 100))], crs="EPSG:9209")], ignore_index=True)
    rec = {"kind": "Thu hồi đất", "code": "LUC"}  # the land recovered is rice land
    d = decisions_of(
        {**rec, "geom": box(120, 20, 140, 40)},                        # in the ONT project
        {**rec, "geom": box(220, 120, 240, 140)},                      # in the TMD project
        {**rec, "geom": box(220, 20, 240, 40)},                        # outside every project
        {**rec, "date": "15/03/2022", "geom": box(250, 20, 270, 40)},  # 2022: no projects
        # 800 m²: 400 m² in two overlapping projects (counted once), 400 m² outside: 50 %
        {**rec, "geom": box(180, 50, 220, 70)},
    )
    result = run(plan, d, projects=overlapping)
    assert [rules_of(result, i) for i in range(5)] == [
        [], [], ["recovery-not-in-annual-plan"], [], ["recovery-not-in-annual-plan"]]
    found = result.findings[result.findings["source_row"] == 4]
    assert found["conflict_area_m2"].item() == pytest.approx(400.0)
    assert ("Recovery decision 5/QĐ-UBND (2023): 400.0 m² (50.0% of the parcel) recovered "
            "outside every project of the 2023 annual land-use plan") in found["message"].item()
    assert result.decisions["status"].tolist() == ["compliant", "compliant", "violation",
                                                   "compliant", "violation"]


def _stale(result) -> list[int]:
    f = result.findings
    return f.loc[f["rule"] == "stale-plan-item", "source_row"].tolist()


def test_a_project_is_carried_out_by_a_recovery_or_a_decision_of_its_purpose(plan, projects):
    # project 0: ONT 2023 [100,200]×[0,100]; project 1: TMD 2023 [200,300]×[100,200]
    skc_in_tmd = {"kind": "Giao đất", "code": "SKC", "date": "01/03/2024",
                  "geom": box(220, 120, 240, 140)}
    luc_recovery = {"kind": "Thu hồi đất", "code": "LUC", "date": "01/03/2024",
                    "geom": box(120, 20, 140, 40)}
    result = run(plan, decisions_of(skc_in_tmd, luc_recovery), projects=projects)
    assert _stale(result) == [1]  # an SKC allocation does not carry out a TMD project
    message = result.findings.loc[result.findings["rule"] == "stale-plan-item", "message"]
    assert "no recovery decision or permission to change use" in message.item()
    lease = {**skc_in_tmd, "kind": "thuê", "code": "TMD"}
    skc_in_ont = {**luc_recovery, "kind": "Giao đất", "code": "SKC"}
    assert _stale(run(plan, decisions_of(lease, skc_in_ont), projects=projects)) == [0]
    recognition = {**luc_recovery, "kind": "Công nhận", "code": "ONT"}
    assert _stale(run(plan, decisions_of(lease, recognition), projects=projects)) == [0]


def test_recoveries_and_non_state_records_are_not_judged_in_a_corridor(plan):
    corridor = gpd.GeoDataFrame({"ten": ["Hành lang đê"], "loai": ["hanh_lang_de"],
                                 "cho_phep": ["DGT, DTL"]},
                                geometry=[at(box(100, 180, 300, 200))], crs="EPSG:9209")
    # each ONT parcel has 50 % (200 m²) in a dyke corridor that allows only DGT and DTL
    d = decisions_of({"kind": "Thu hồi đất", "geom": box(120, 170, 140, 190)},
                     {"kind": "NCQ-3", "geom": box(160, 170, 180, 190)},
                     {"kind": "??", "geom": box(200, 170, 220, 190)},
                     {"kind": "Giao đất", "geom": box(240, 170, 260, 190)})
    result = run(plan, d, corridors=corridor)
    assert [rules_of(result, i) for i in range(4)] == [
        [], ["not-state-decision"], ["protected-area", "unknown-kind"], ["protected-area"]]
