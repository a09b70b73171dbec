"""Commune names: the decisions' own, a units table's, the plan's, else the code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import landplan
from landplan.errors import InputError
from landplan.units import normalize_units, unit_names


def test_names_come_from_the_record_then_the_table_then_the_plan_then_the_code():
    units = np.array(["1", "2", "3", "4", None], dtype=object)
    own = np.array(["Xã Một", None, None, None, None], dtype=object)
    table = pd.DataFrame({"unit": ["1", "2"], "unit_name": ["Bảng Một", "Xã Hai"]})
    plan = pd.DataFrame({"unit": ["2", "3", "3", "3"],
                         "unit_name": ["QH Hai", "Xã Ba", "Xã Ba", "Sai Ba"]})
    names = unit_names(units, own, table=table, plan=plan)
    assert names.tolist() == ["Xã Một", "Xã Hai", "Xã Ba", "4", None]


def test_the_plan_name_of_a_code_does_not_depend_on_row_order():
    plan = pd.DataFrame({"unit": ["3", "3"], "unit_name": ["Xã Bê", "Xã A"]})
    units = np.array(["3"], dtype=object)
    first = unit_names(units, plan=plan)
    again = unit_names(units, plan=plan.iloc[::-1])
    assert first.tolist() == again.tolist() == ["Xã A"]


def test_a_units_table_as_excel_saves_it_is_read(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes("\ufeffMa_Xa;Ten_Xa\n10807;Thị trấn Gia Lộc\n10810;Xã Gia Khánh\n"
                     .encode("utf-8"))
    table = landplan.load_units(path)
    assert table.to_dict("list") == {"unit": ["10807", "10810"],
                                     "unit_name": ["Thị trấn Gia Lộc", "Xã Gia Khánh"]}


def test_a_code_with_two_names_is_refused_naming_both():
    table = pd.DataFrame({"unit": ["1", "1", "2"], "unit_name": ["Xã A", "Xã B", "Xã C"]})
    with pytest.raises(InputError, match="unit 1 has two names: Xã A / Xã B"):
        normalize_units(table)


def test_the_sample_decisions_get_the_commune_names_of_the_plan():
    plan = landplan.load_plan(landplan.sample_path("plan.gpkg"))
    decisions = landplan.load_decisions(landplan.sample_path("decisions"))
    with pytest.warns(landplan.RuleSkippedWarning):
        result = landplan.check(plan, decisions)
    named = result.decisions.dropna(subset=["unit"])
    assert len(named) and named["unit_name"].str.startswith(("Xã ", "Thị trấn ")).all()
    table = pd.DataFrame({"unit": ["10807"], "unit_name": ["Tên khác"]})
    with pytest.warns(landplan.RuleSkippedWarning):
        renamed = landplan.check(plan, decisions, units=table).decisions
    assert set(renamed.loc[renamed["unit"] == "10807", "unit_name"]) == {"Tên khác"}


def test_commune_names_sort_in_vietnamese_dictionary_order():
    from landplan._text import sort_keys

    names = ["Xã Yết Kiêu", "Xã Đoàn Thượng", "Xã Dương Quang", "xã Ăn", "Xã an", "Xã À",
             "Xã A", "Xã Ưng", "Xã Uy", None]
    keys = sort_keys(names)
    order = sorted(range(len(names) - 1), key=lambda i: keys[i])
    assert [names[i] for i in order] == ["Xã A", "Xã À", "Xã an", "xã Ăn", "Xã Dương Quang",
                                         "Xã Đoàn Thượng", "Xã Uy", "Xã Ưng", "Xã Yết Kiêu"]
    assert keys[-1] is None
