"""Findings' messages are written in one language, as an official writes them.

The sample district is checked in Vietnamese and in English (every input it ships): no
message and no decision's reason holds a word of the other language
(``tests/data/msg_words_*.txt``), numbers are written the language's way (``1.439,5 m²`` and
``100,0%`` in Vietnamese, ``1,439.5 m²`` in English), decisions are named by their kind, and
the legal basis is the law in force on the decision's date, tagged in the output's language.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from landplan._messages import messages
from landplan.codes import load_codes

DATA = Path(__file__).parent / "data"
# what is not the message's own words: quoted data ('Hành lang …'), command-line options
# (--plan FILE@DATE), decision numbers and paths (12/QĐ-UBND, docs/rules.md)
_NOT_WORDS = re.compile(r"'[^']*'|--\S+|\S*/\S*")
_WORD = re.compile(r"[^\W\d][\w-]*")
_NUMBER_BEFORE_UNIT = re.compile(r"(\d[\d.,]*)\s?(?:m²|%|ha\b)")
_NUMBER_FORM = {"vi": re.compile(r"^\d{1,3}(?:\.\d{3})*(?:,\d+)?$"),
                "en": re.compile(r"^\d{1,3}(?:,\d{3})*(?:\.\d+)?$")}


def _words(name: str) -> set[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return {line.strip().lower() for line in lines if line.strip() and not line.startswith("#")}


def _foreign(text: str, words: set[str]) -> set[str]:
    return {w for w in _WORD.findall(_NOT_WORDS.sub(" ", text).lower()) if w in words}


@pytest.fixture(scope="module")
def english_check():
    from landplan._sample import sample_result

    return sample_result(lang="en")


@pytest.fixture(scope="module")
def checks(sample_check, english_check):
    return {"vi": sample_check, "en": english_check}


def _texts(result) -> list[str]:
    reasons = result.decisions["reason"].dropna().astype(str).tolist()
    return result.findings["message"].astype(str).tolist() + reasons


@pytest.mark.parametrize(("lang", "other"), [("vi", "msg_words_en.txt"),
                                             ("en", "msg_words_vi.txt")])
def test_no_word_of_the_other_language(checks, lang, other):
    words = _words(other)
    bad = {}
    for text in _texts(checks[lang]):
        found = _foreign(text, words)
        if found:
            bad.setdefault(frozenset(found), text)
    assert not bad, "\n".join(f"{sorted(k)}: {t}" for k, t in bad.items())


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_numbers_in_the_language_format(checks, lang):
    numbers = [n for text in checks[lang].findings["message"].astype(str)
               for n in _NUMBER_BEFORE_UNIT.findall(text)]
    assert numbers
    wrong = sorted({n for n in numbers if not _NUMBER_FORM[lang].match(n)})
    assert not wrong, wrong
    if lang == "vi":  # the decimal mark is a comma, and thousands are grouped by dots
        assert any("," in n for n in numbers)
        assert any(re.fullmatch(r"\d{1,3}\.\d{3},\d", n) for n in numbers)
    else:
        assert any(re.fullmatch(r"\d{1,3},\d{3}\.\d", n) for n in numbers)


@pytest.mark.parametrize(("lang", "phrase"), [
    ("vi", "Quyết định giao đất số "), ("vi", "Quyết định cho thuê đất số "),
    ("vi", "Quyết định công nhận quyền sử dụng đất số "),
    ("vi", "Quyết định cho phép chuyển mục đích sử dụng đất số "),
    ("vi", "Quyết định thu hồi đất số "),
    ("en", "Allocation decision "), ("en", "Lease decision "), ("en", "Recovery decision "),
])
def test_decisions_named_by_kind(checks, lang, phrase):
    assert checks[lang].findings["message"].astype(str).str.startswith(phrase).any()


def test_uses_by_name_then_code(sample_check):
    zoning = sample_check.findings.query("rule == 'zoning-conflict'")["message"].astype(str)
    assert zoning.str.contains(r"cho mục đích Đất [^()]+ \([A-Z]{3}\) tại vị trí quy hoạch "
                               r"là Đất [^()]+ \([A-Z]{3}\)").all()
    quota = sample_check.findings.query("rule == 'quota-exceeded'")["message"].astype(str)
    assert quota.str.contains("nhóm đất phi nông nghiệp").all()
    assert quota.str.contains(r"tại (?:Xã|Thị trấn|Phường) ").all()  # the commune's name


@pytest.mark.parametrize(("lang", "tag", "other_tag"), [("vi", "chưa kiểm chứng", "unverified"),
                                                        ("en", "unverified", "chưa kiểm chứng")])
def test_legal_basis_by_date_in_one_language(checks, lang, tag, other_tag):
    f = checks[lang].findings
    basis = f["legal_basis"].fillna("").astype(str)
    assert not basis.str.contains(other_tag).any()
    assert basis.str.contains(tag).any()
    assert not basis.str.contains(r", \(").any()  # "Nghị định …, (đất trồng lúa)"
    zoning = f["rule"].astype(str) == "zoning-conflict"
    dates = pd.to_datetime(f["decision_date"])
    old = zoning & (dates <= "2024-07-31")
    new = zoning & (dates >= "2024-08-01")
    assert old.any() and new.any()
    assert basis[old].str.contains("45/2013/QH13").all()
    assert not basis[old].str.contains("31/2024/QH15").any()
    assert basis[new].str.contains("31/2024/QH15").all()
    assert not basis[new].str.contains("45/2013/QH13").any()


def test_undated_finding_cites_every_period():
    from landplan.rules import RULES

    rule = RULES["zoning-conflict"]
    text = rule.legal_basis("vi")
    assert "45/2013/QH13" in text and "31/2024/QH15" in text
    bounds, texts = rule.legal_periods("en")
    assert [b.isoformat() for b in bounds] == ["2024-08-01"]
    assert "Art. 52" in texts[0] and "Art. 116" in texts[1] and texts[-1] == rule.legal_basis("en")


def test_messages_format_numbers_by_language():
    from landplan._numbers import localized_number

    decisions = pd.DataFrame({"decision_no": ["6936/QĐ-UBND", None], "source_row": [0, 1],
                              "land_use": ["ONT", "ONT"], "kind": ["allocation", None]})
    found = pd.DataFrame({"row": [0, 1], "layer": "decisions",
                          "area": [1439.5, 3.0], "pct": [100.0, 12.25], "year": [2024, 2023]})
    codes = load_codes()
    template = "{decision} ({year}): {area:,.1f} m² ({pct:.1f}%)"
    vi = list(messages(template, found, decisions, codes, "vi"))
    en = list(messages(template, found, decisions, codes, "en"))
    assert vi == ["Quyết định giao đất số 6936/QĐ-UBND (2024): 1.439,5 m² (100,0%)",
                  "Quyết định (dòng 1) (2023): 3,0 m² (12,2%)"]
    assert en == ["Allocation decision 6936/QĐ-UBND (2024): 1,439.5 m² (100.0%)",
                  "Decision (row 1) (2023): 3.0 m² (12.2%)"]
    # a template filled finding by finding formats numbers the same way
    rowwise = list(messages("{area:,.1f} m² {codes[0]}", found.assign(
        codes=[np.array(["A"]), np.array(["B"])]), decisions, codes, "vi"))
    assert rowwise == ["1.439,5 m² A", "3,0 m² B"]
    assert localized_number(3078, ",d", "vi") == "3.078"


def test_the_map_picks_the_legal_basis_by_the_decisions_date():
    from landplan._map_runtime import _legal

    zoning = _legal("en")["zoning-conflict"]
    assert [start for start, _ in zoning["p"]] == ["", "2024-08-01"]
    assert "Art. 52" in zoning["p"][0][1] and "Art. 116" in zoning["p"][1][1]
    assert "Art. 52" in zoning["*"] and "Art. 116" in zoning["*"]
    assert "chưa kiểm chứng" not in str(_legal("en")) and "unverified" not in str(_legal("vi"))


def test_the_commune_by_name():
    decisions = pd.DataFrame({"decision_no": ["1/QĐ"], "source_row": [0], "land_use": ["ONT"],
                              "kind": ["lease"], "unit_name": ["Xã Gia Tân"]})
    found = pd.DataFrame({"row": [0, -1], "layer": ["decisions", "projects"]})
    made = list(messages("{decision} tại {unit_name}", found, decisions, load_codes(), "vi"))
    assert made == ["Quyết định cho thuê đất số 1/QĐ tại Xã Gia Tân", " tại "]


@pytest.mark.parametrize(("note", "vi", "en"), [
    ("empty geometry", "không có hình thửa", "empty geometry"),
    ("Self-intersection[582510.865103341 2307344.85399232]",
     "tự cắt tại (582510,865; 2307344,854)", "self-intersection at (582510.865, 2307344.854)"),
    ("not a polygon but a LineString", "không phải vùng mà là đường",
     "not a polygon but a line"),
    ("no area left after repair of: Too few points[1 2]",
     "không còn diện tích sau khi sửa lỗi: quá ít điểm tại (1,000; 2,000)",
     "no area left after repair of: too few points at (1.000, 2.000)"),
    ("the record is marked deleted (*) in the .dbf",
     "bản ghi bị đánh dấu xóa (*) trong tệp .dbf", "the record is marked deleted (*) in the .dbf"),
    ("unreadable geometry: a ring that is not closed (its last point is not its first)",
     "hình thửa không đọc được: vòng không khép kín (điểm cuối khác điểm đầu)",
     "unreadable geometry: a ring that is not closed (its last point is not its first)"),
])
def test_geometry_notes_in_the_messages_language(note, vi, en):
    from landplan._geomnotes import geometry_notes

    notes = np.array([note, None, note], dtype=object)
    assert list(geometry_notes(notes, "vi")) == [vi, None, vi]
    assert list(geometry_notes(notes, "en")) == [en, None, en]


def test_encoding_reasons_in_the_outputs_language():
    from landplan._detect import detect_encoding

    found = detect_encoding(["Nguyễn Thị Hường".encode("vni")], declared="UTF-8")
    assert found.reason == found.reason_in("en")
    assert found.reason.startswith("declared UTF-8 overridden")
    assert found.reason_in("vi").startswith("không dùng bảng mã đã khai báo UTF-8")
    assert not _foreign(found.reason_in("vi"), {"of", "words", "declared", "next", "best"})
