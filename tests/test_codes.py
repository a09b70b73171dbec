"""The land-use code registry and compatibility table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from landplan.codes import (
    allowed_matrix,
    ancestors,
    code_color,
    code_name,
    is_allowed,
    load_code_mapping,
    load_codes,
    load_compatibility,
    normalize_code,
)
from landplan.errors import CodeTableError


@pytest.fixture(scope="module")
def codes():
    return load_codes()


def test_registry_holds_the_circular_27_2018_leaves_with_names_groups_and_colours(codes):
    for code in ["LUC", "LUK", "LUN", "BHK", "NHK", "CLN", "RSX", "RPH", "RDD", "NTS", "LMU",
                 "NKH", "ONT", "ODT", "TSC", "CQP", "CAN", "DGD", "DYT", "SKK", "SKN", "TMD",
                 "SKC", "DGT", "DTL", "DDT", "NTD", "SON", "MNC", "PNK", "BCS", "DCS", "NCS"]:
        assert code in codes.index, code
    assert codes.loc["LUC", "group"] == "agricultural"
    assert codes.loc["ONT", "group"] == "non-agricultural"
    assert codes.loc["BCS", "group"] == "unused"
    assert codes.loc["LUC", "color"] == "#FFFC8C"
    assert codes.loc["DGT", "color"] == "#FFAA32"
    assert codes["name_vi"].str.len().gt(0).all()
    assert codes["name_en"].str.len().gt(0).all()


def test_registry_includes_codes_new_in_2024(codes):
    for code in ["CNT", "DKT", "DMT", "DCT", "DPC", "DDD", "MCS", "CNC"]:
        assert code in codes.index, code
        assert "2024" in codes.loc[code, "scheme"]


def test_hierarchy_walks_up_to_the_group(codes):
    assert ancestors("LUC", codes) == ["LUC", "LUA", "CHN", "SXN", "NNP"]


@pytest.mark.parametrize("raw", ["luc ", "LUC", " Luc", "l u c"])
def test_lookups_tolerate_case_and_whitespace(raw):
    assert normalize_code(raw) == "LUC"


def test_multi_purpose_codes_are_normalised():
    assert normalize_code(" odt + cln") == "ODT+CLN"
    assert normalize_code("") is None
    assert normalize_code(float("nan")) is None


def test_same_code_and_child_code_are_allowed(codes):
    assert is_allowed("LUC", "LUC", codes)
    assert is_allowed("LUC", "LUA", codes)
    assert not is_allowed("LUA", "LUC", codes)


def test_residential_use_is_not_allowed_on_rice_land(codes):
    for granted in ["ONT", "ODT", "TMD", "SKC"]:
        assert not is_allowed(granted, "LUC", codes)


def test_compatibility_table_allows_listed_pairs(codes):
    assert is_allowed("ONT+CLN", "ONT", codes)
    assert not is_allowed("ONT+SKC", "ONT", codes)


def test_2018_and_2024_codes_are_compared_through_the_mapping(codes):
    assert is_allowed("HNK", "BHK", codes)  # BHK merged into HNK in 2024


def test_allowed_matrix_matches_single_lookups(codes):
    # Repeated pairs in a shuffled order, so each row must get its own pair's verdict back
    # (the matrix decides each distinct pair once).
    pairs = [("ONT", "LUC", False), ("ONT", "ONT", True), ("LUC", "LUA", True),
             ("ONT", "LUC", False), ("ONT+CLN", "ONT", True), ("LUA", "LUC", False),
             ("ONT", "ONT", True), ("HNK", "BHK", True), ("ONT+SKC", "ONT", False),
             ("LUC", "LUA", True)]
    granted = pd.Series([g for g, _, _ in pairs]).to_numpy(dtype=object)
    planned = pd.Series([p for _, p, _ in pairs]).to_numpy(dtype=object)
    expected = [ok for _, _, ok in pairs]
    assert [is_allowed(g, p, codes) for g, p, _ in pairs] == expected
    assert allowed_matrix(granted, planned, codes).tolist() == expected
    empty = np.array([], dtype=object)
    assert allowed_matrix(empty, empty, codes).tolist() == []


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, "", " + "])
def test_allowed_matrix_never_allows_a_missing_code(codes, missing):
    granted = np.array(["ONT", "LUC", missing, "ONT"], dtype=object)
    planned = np.array(["LUC", "LUA", "ONT", missing], dtype=object)
    assert [is_allowed(g, p, codes) for g, p in zip(granted, planned, strict=True)] == [
        False, True, False, False]
    assert allowed_matrix(granted, planned, codes).tolist() == [False, True, False, False]


def test_names_and_colours_in_both_languages(codes):
    assert code_name("LUC", codes, "vi").startswith("Đất")
    assert "rice" in code_name("LUC", codes, "en").lower()
    assert code_color("XYZ", codes) == "#CCCCCC"


def test_mapping_covers_every_2018_code(codes):
    mapping = load_code_mapping()
    from_codes = set(mapping["code_from"])
    assert set(codes.index[codes["scheme"].str.contains("2018")]) <= from_codes
    assert mapping.loc[mapping["code_from"] == "BHK", "code_to"].item() == "HNK"


def test_a_user_code_table_replaces_the_vietnamese_one(tmp_path):
    path = tmp_path / "zoning.csv"
    path.write_text("code,name_vi,name_en,parent,group,level,color,note\n"
                    "R,,Residential,,non-agricultural,1,#FF0000,\n"
                    "R1,,Single family,R,non-agricultural,2,#FF8888,\n"
                    "AG,,Agriculture,,agricultural,1,#00FF00,\n", encoding="utf-8")
    codes = load_codes(path)
    assert list(codes.index) == ["R", "R1", "AG"]
    empty_compat = pd.DataFrame({"planned": [], "granted": []})
    assert is_allowed("R1", "R", codes, empty_compat)
    assert not is_allowed("R1", "AG", codes, empty_compat)


def test_a_malformed_code_table_lists_every_problem(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,parent,group,color\nA,,x,#FFF\nA,Z,x,#FFFFFF\n", encoding="utf-8")
    with pytest.raises(CodeTableError) as err:
        load_codes(path)
    text = str(err.value)
    assert "duplicate code(s) A" in text
    assert "parent code(s) not defined in the table: Z" in text
    assert "colour not in #RRGGBB form" in text


def test_compatibility_table_loads_with_notes():
    compat = load_compatibility()
    assert {"planned", "granted", "note"} <= set(compat.columns)
    assert compat["note"].str.len().gt(0).all()
