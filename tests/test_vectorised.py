"""The column-wise steps of a check give what the row-by-row ones gave."""

from __future__ import annotations

import random
import string

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

import landplan
from landplan import CheckConfig, _interior
from landplan._messages import messages
from landplan._text import clean_value, clean_values
from landplan.codes import code_name, code_names, load_codes
from landplan.planlayer import coverage_versions, plan_gaps, plan_overlaps
from landplan.rules import overlap

from .conftest import at

# --- text cleaning ------------------------------------------------------------------------

_PIECES = ["a", "b ", " Q", "Đ", "đ", "ư", "ơ", "ế", "ộ", "ả", ",", "/", "-", "\t", "\n",
           "\r", "  ", "\x1c", "\x1f", "\u00ad", "\u061c", "\u180e", "\u200b", "\u200f",
           "\u202a", "\u2060", "\u2066", "\ufeff", "\ufff9", "\u0085", "\u00a0", "\u1680",
           "\u2000", "\u2001", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000",
           "e\u0302", "e\u0302\u0301", "\u0301", "\u0323", "A\u030a", "\u212b", "\u1ea0"]


@pytest.mark.parametrize("dtype", ["object", "string", "str"])
@pytest.mark.parametrize("distinct", [3, 400], ids=["few values", "many values"])
def test_a_column_is_cleaned_as_each_of_its_values_is(dtype, distinct):
    rng = random.Random(distinct)
    pool = ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 6)))
            for _ in range(distinct)]
    values = pd.Series([rng.choice([*pool, None]) for _ in range(500)], dtype=dtype)
    expected = [clean_value(v) for v in values.astype(object).where(values.notna(), None)]
    assert clean_values(values).tolist() == expected


@pytest.mark.parametrize("piece", _PIECES)
def test_a_column_with_one_odd_character_is_cleaned_as_its_values_are(piece):
    # alone in its column: the byte tests that spare the kernels must see it
    for values in (pd.Series([f"a{piece}b", f" {piece} x", "plain"] * 30, dtype="str"),
                   pd.Series([f"{i}{piece}{piece}" for i in range(90)], dtype="str")):
        assert clean_values(values).tolist() == [clean_value(v) for v in values]


# --- messages -----------------------------------------------------------------------------

class _Defaults(dict):
    def __missing__(self, key):
        return ""


def _one_by_one(template, found, d, codes, lang):
    """The messages as they were made before: one ``format_map`` per finding."""
    names = code_names(codes, lang)
    row_word = "dòng" if lang == "vi" else "row"  # label("message.row", lang)
    extra = [c for c in found.columns if c not in {"row", "geometry", "blocking", "layer"}]
    columns = {c: found[c].tolist() for c in extra}
    out = []
    for i, (r, layer) in enumerate(zip(found["row"], found["layer"], strict=True)):
        values = {c: columns[c][i] for c in extra}
        if layer == "decisions" and r >= 0:
            if not isinstance(values.get("granted"), str):
                values["granted"] = d["land_use"].to_numpy()[r] or ""
            number = d["decision_no"].to_numpy()[r]
            values["decision_no"] = (number if not pd.isna(number) and number
                                     else f"({row_word} {d['source_row'].to_numpy()[r]})")
        for key in ("granted", "planned", "prev"):
            code = values.get(key)
            values[key] = code = code if isinstance(code, str) else ""
            values[f"{key}_name"] = code_name(code, codes, names=names) if code else ""
        values["granted_name"] = values["granted_name"] or "?"
        for key in ("area", "pct"):
            values.setdefault(key, float("nan"))
        out.append(_Localized(lang).vformat(template, (), _Defaults(values)))
    return out


class _Localized(string.Formatter):
    """``str.format``, numbers given a specification written with vi's separators in vi."""

    def __init__(self, lang):
        self.lang = lang

    def format_field(self, value, spec):
        text = format(value, spec)
        if self.lang == "vi" and spec and isinstance(value, (int, float, np.number)) \
                and not isinstance(value, bool):
            text = text.translate(str.maketrans({",": ".", ".": ","}))
        return text


@pytest.mark.parametrize("template", [
    "Quyết định {decision_no} cho {granted} ({granted_name}) tại {planned} ({planned_name}) "
    "trên {area:.1f} m² ({pct:.1f}%): {why}",
    "{decision_no}: {detail!r} {missing} {{literal}} {prev_name}",
    "{other} {area} {pct:,.2f} {year}",
    "{decision_no!s:>12}|{granted}",
    "no field at all {{x}}",
    "{a[0]} {decision_no}",  # indexes a field: made finding by finding
])
def test_messages_filled_by_column_are_the_messages_filled_one_by_one(template):
    rng = random.Random(7)
    codes = load_codes()
    d = pd.DataFrame({
        "decision_no": [rng.choice([None, "1/QĐ", "", "=x", f"{i}/QĐ"]) for i in range(30)],
        "source_row": np.arange(30) + 5,
        "land_use": pd.array([rng.choice([None, "LUC", "ONT", "XYZ", "LUC+ONT"])
                              for _ in range(30)], dtype="str"),
    })
    n = 60
    found = pd.DataFrame({
        "row": [rng.choice([-1, *range(30)]) for _ in range(n)],
        "layer": [rng.choice(["decisions", "decisions", "plan"]) for _ in range(n)],
        "granted": [rng.choice([None, "LUC", float("nan"), "ONT"]) for _ in range(n)],
        "planned": [rng.choice([None, "LUC", "ONT+CLN", "Q"]) for _ in range(n)],
        "area": [rng.choice([1.25, float("nan"), 3, None]) for _ in range(n)],
        "pct": [rng.random() * 100 for _ in range(n)],
        "detail": [rng.choice(["x", None, 5]) for _ in range(n)],
        "why": [rng.choice(["lý do", ""]) for _ in range(n)],
        "other": [rng.choice(["a", 1.5, None]) for _ in range(n)],
        "year": pd.array([rng.choice([2020, None]) for _ in range(n)], dtype="Int64"),
        "a": [[1, 2]] * n,
    })
    for lang in ("vi", "en"):
        made = list(messages(template, found, d, codes, lang))
        assert made == _one_by_one(template, found, d, codes, lang)


# --- double allocation --------------------------------------------------------------------

def _grants(n: int = 40) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 300, n), rng.uniform(0, 200, n)
    geoms = [at(box(a, b, a + rng.uniform(8, 30), b + rng.uniform(8, 30)))
             for a, b in zip(x, y, strict=True)]
    return gpd.GeoDataFrame({
        "so_qd": [f"{i}/QĐ" for i in range(n)], "ngay_qd": ["15/03/2023"] * n,
        "hinh_thuc": ["Giao đất"] * n, "kyhieumucd": ["ONT"] * n,
    }, geometry=geoms, crs="EPSG:9209")


def test_overlapping_grants_are_found_the_same_a_few_pairs_at_a_time(plan, monkeypatch):
    config = CheckConfig(lang="en", as_of="2025-12-31", tolerance_pct=0, tolerance_m2=0)
    whole = landplan.check(plan, _grants(), config=config).findings
    monkeypatch.setattr(overlap, "_PAIRS", 3)
    monkeypatch.setattr(_interior, "_SAT_CHUNK", 5)
    chunks = landplan.check(plan, _grants(), config=config).findings
    rule = whole["rule"] == "double-allocation"
    assert rule.sum() > 10
    pd.testing.assert_frame_equal(chunks.drop(columns="geometry"),
                                  whole.drop(columns="geometry"))
    assert shapely.equals_exact(chunks.geometry.values, whole.geometry.values, 0).all()


def test_decisions_equal_on_date_number_parcel_and_area_are_ordered_by_their_shape(plan):
    grants = _grants(3).assign(so_qd="1/QĐ")
    grants = grants.set_geometry([at(box(10, 10, 30, 30)), at(box(200, 10, 220, 30)),
                                  at(box(20, 10, 40, 30))])
    result = landplan.check(plan, grants, config=CheckConfig(lang="en", as_of="2025-12-31"))
    found = result.findings[result.findings["rule"] == "double-allocation"]
    assert found["source_row"].tolist() == [2]  # its shape sorts after the first's: later
    shuffled = grants.iloc[[2, 1, 0]].reset_index(drop=True)
    again = landplan.check(plan, shuffled, config=CheckConfig(lang="en", as_of="2025-12-31"))
    assert again.findings.loc[again.findings["rule"] == "double-allocation",
                              "source_row"].tolist() == [0]  # the same parcel


# --- zoning conflicts ---------------------------------------------------------------------

def test_the_conflicting_part_of_a_parcel_inside_its_zone_is_the_parcel_itself(result,
                                                                                decisions):
    f = result.findings[result.findings["rule"] == "zoning-conflict"].set_index("source_row")
    inside = decisions.geometry.values[1]  # inside_conflict: wholly in the rice zone
    assert shapely.equals_exact(f.loc[1, "geometry"], inside, 0)
    crossing = f.loc[4, "geometry"]  # conflict_40pct: only its part in the rice zone
    assert crossing.area == pytest.approx(0.4 * decisions.geometry.values[4].area)


@pytest.fixture
def result(plan, decisions):
    return landplan.check(plan, decisions, config=CheckConfig(lang="en", as_of="2025-12-31"))


def test_a_decision_split_evenly_between_two_codes_takes_the_first_in_text_order(plan):
    d = _grants(1).set_geometry([at(box(90, 10, 110, 30))])  # 200 m² in LUC and in ONT
    result = landplan.check(plan, d, config=CheckConfig(lang="en", as_of="2025-12-31"))
    assert result.decisions["planned_land_use"].tolist() == ["LUC"]


# --- the plan layer -----------------------------------------------------------------------

def _grid(holes=(), overlap=False):
    cells = [box(x, y, x + 10, y + 10) for x in range(0, 50, 10) for y in range(0, 50, 10)
             if (x, y) not in holes]
    if overlap:
        cells.append(box(5, 5, 12, 12))
    return np.array([at(c) for c in cells], dtype=object)


@pytest.mark.parametrize("holes, overlap", [((), False), (((20, 20),), False),
                                            (((20, 20),), True), ((), True)],
                         ids=["tiling", "a hole", "a hole and an overlap", "an overlap"])
def test_gaps_and_overlaps_of_a_coverage_are_those_of_the_general_union(holes, overlap):
    zones = _grid(holes, overlap)
    versions = np.array(["v1"] * len(zones), dtype=object)
    coverages = coverage_versions(zones, versions)
    assert coverages == (set() if overlap else {"v1"})
    fast = plan_gaps(zones, versions, 1.0, coverages=coverages)
    slow = plan_gaps(zones, versions, 1.0)
    pd.testing.assert_frame_equal(fast.drop(columns="geometry"), slow.drop(columns="geometry"))
    assert len(slow) == len(holes)
    fast = plan_overlaps(zones, versions, coverages=coverages)
    slow = plan_overlaps(zones, versions)
    pd.testing.assert_frame_equal(fast.drop(columns="geometry"), slow.drop(columns="geometry"))
    assert (len(slow) > 0) == overlap


def test_finding_ids_keep_six_digits_and_grow_past_a_million():
    from landplan.check import _finding_ids

    ids = _finding_ids(1_000_001)
    assert ids.iloc[0] == "F000001" and ids.iloc[999_998] == "F999999"
    assert ids.iloc[-1] == "F1000001"


def test_the_messages_step_uses_no_python_text_per_finding():
    codes = load_codes()
    d = pd.DataFrame({"decision_no": ["1"], "source_row": [0], "land_use": ["LUC"]})
    found = pd.DataFrame({"row": [0, 0], "layer": ["decisions", "decisions"],
                          "area": [1.0, 2.0]})
    made = messages("{decision_no}: {area:.1f}", found, d, codes, "vi")
    assert isinstance(made, pd.api.extensions.ExtensionArray)
    assert str(made.dtype) == "str" and list(made) == ["1: 1,0", "1: 2,0"]  # vi: decimal comma
