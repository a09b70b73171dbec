"""One vocabulary, one lookup: every word landplan writes for people is an entry of
``landplan/data/labels.toml`` with both languages, written once, and every key the code
looks up is there; the writers default to the language the check ran in."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import landplan
from landplan import _labels
from landplan._data import load_toml
from landplan._dates import format_date, format_dates
from landplan._labels import LANGS, colors, label, label_keys, labels, ranks
from landplan._rulemeta import SEVERITIES, rule_meta
from landplan.check import LAYERS, STATUSES, CheckResult
from landplan.errors import ConfigError
from landplan.excel import excel_labels, write_xlsx
from landplan.maps import _labels as map_labels
from landplan.rules._registry import _CATEGORIES
from landplan.schema import KINDS

PACKAGE = Path(landplan.__file__).resolve().parent


def _raw_entries(node: dict, path: str = "") -> dict[str, dict]:
    """Every entry of the file as written (``same_as`` not resolved), by dotted key."""
    out = {}
    for key, value in node.items():
        at = f"{path}.{key}" if path else key
        if {*LANGS, "same_as"} & value.keys():
            out[at] = value
        else:
            out.update(_raw_entries(value, at))
    return out


# --- the table ---------------------------------------------------------------------------


def test_every_label_has_every_language():
    keys = label_keys()
    assert len(keys) > 100
    for key in keys:
        for lang in LANGS:
            text = label(key, lang)
            assert isinstance(text, str) and text.strip(), (key, lang)


def test_every_entry_as_written_has_both_languages_or_names_the_entry_it_is_the_same_as():
    for key, entry in _raw_entries(load_toml("labels.toml")).items():
        if "same_as" in entry:
            assert set(entry) == {"same_as"}, key
            assert entry["same_as"] in label_keys(), key
            assert "same_as" not in _raw_entries(load_toml("labels.toml"))[entry["same_as"]]
        else:
            assert set(LANGS) <= set(entry) <= {*LANGS, "color", "rank"}, key


def test_no_label_is_written_twice():
    seen = defaultdict(list)
    for key, entry in _raw_entries(load_toml("labels.toml")).items():
        if "same_as" not in entry:
            seen[tuple(entry[lang] for lang in LANGS)].append(key)
    assert {words: keys for words, keys in seen.items() if len(keys) > 1} == {}


def test_same_as_gives_the_words_of_the_entry_it_names():
    assert label("map.date", "vi") == label("column.decision_date", "vi") == "Ngày QĐ"
    assert label("map.date", "en") == label("column.decision_date", "en") == "Date"


def test_every_coded_value_of_the_outputs_has_its_words():
    assert list(labels("status", "vi")) == ["violation", "unchecked", "compliant"]  # legend
    assert set(colors("status")) == set(STATUSES) == set(labels("status", "en"))
    assert set(ranks("severity")) == set(colors("severity")) == set(SEVERITIES)
    assert SEVERITIES == ("info", "low", "medium", "high", "critical")
    assert set(labels("kind", "vi")) == set(KINDS)
    assert set(labels("category", "vi")) == set(_CATEGORIES) >= {
        m.category for m in rule_meta().values()}
    assert set(labels("geometry_status", "vi")) == {"ok", "repaired", "unusable"}
    assert set(labels("state", "vi")) == {"ran", "skipped", "disabled"}
    # findings on the quota table keep "quotas" as it is (no entry, as before)
    assert set(labels("layer", "vi")) == set(LAYERS) - {"quotas"}


def test_an_unknown_key_or_language_is_refused_clearly():
    unknown = re.escape("no label 'status.nope' in landplan/data/labels.toml")
    with pytest.raises(KeyError, match=unknown):
        label("status.nope", "vi")
    with pytest.raises(KeyError, match="'map' is a section"):
        label("map", "vi")
    with pytest.raises(KeyError, match=re.escape("'status.violation' is a label")):
        labels("status.violation", "vi")
    with pytest.raises(KeyError, match="no label 'nope'"):
        labels("nope", "vi")
    for lookup in (lambda: label("status.violation", "fr"), lambda: labels("map", "fr"),
                   lambda: map_labels("fr"), lambda: excel_labels("fr")):
        with pytest.raises(ConfigError, match="'fr'; use one of vi, en"):
            lookup()


def test_a_broken_table_names_every_broken_entry(monkeypatch):
    table = {"status": {"violation": {"vi": "Trái quy hoạch"},
                        "compliant": {"same_as": "status.nope"},
                        "unchecked": {"vi": "x", "en": "y", "colour": "#FFFFFF"}}}
    monkeypatch.setattr(_labels, "load_toml", lambda name: table)
    _labels._table.cache_clear()
    try:
        with pytest.raises(ValueError) as err:
            label("status.violation", "vi")
    finally:
        monkeypatch.undo()
        _labels._table.cache_clear()
    assert str(err.value).splitlines() == [
        "landplan/data/labels.toml:",
        "  - status.violation has no en text",
        "  - status.compliant: same_as 'status.nope' is not an entry with words",
        "  - status.unchecked has unknown field(s) colour"]


# --- the code looks up only what is there ------------------------------------------------

# Lookup functions whose first argument is a key (label) or a section (the others), as the
# modules import them.
_KEY_CALLS = {"label"}
_SECTION_CALLS = {"labels", "_section", "colors", "ranks"}
# Dicts of labels the modules index with literal keys: (module, variable) -> the dict.
_DICTS = {
    ("maps.py", "labels"): lambda: map_labels("vi"),
    ("maps.py", "_labels(lang)"): lambda: map_labels("vi"),
    ("excel.py", "labels"): lambda: excel_labels("vi"),
    ("excel.py", "cols"): lambda: labels("column", "vi"),
    ("excel.py", "sheets"): lambda: labels("excel.sheets", "vi"),
    ("info.py", "t"): lambda: labels("info", "vi"),
    ("io.py", "t"): lambda: labels("layer_kind", "vi"),
}


def _module_of(path: Path) -> str:
    """The module name of ``_DICTS`` for ``path``: the map's private modules are ``maps.py``."""
    return "maps.py" if path.name.startswith("_map") else path.name


def _lookups(path: Path) -> tuple[set[str], set[str], dict[str, set[str]]]:
    """The keys and sections ``path`` looks up, and the literal keys it indexes each dict
    of labels with (``labels["legend"]``, ``t.get("none")``)."""
    keys, sections, indexed = set(), set(), defaultdict(set)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            name = node.func.id if isinstance(node.func, ast.Name) else None
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if name in _KEY_CALLS:
                    keys.add(first.value)
                elif name in _SECTION_CALLS:
                    sections.add(first.value)
                elif (isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                      and isinstance(node.func.value, (ast.Name, ast.Call))):
                    indexed[ast.unparse(node.func.value)].add(first.value)
            if name == "prefixed" and isinstance(first, ast.Tuple):
                sections.update(e.value for e in first.elts if isinstance(e, ast.Constant))
        elif (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
              and isinstance(node.slice.value, str)):
            indexed[ast.unparse(node.value)].add(node.slice.value)
    return keys, sections, indexed


def test_every_key_and_section_the_code_looks_up_is_in_the_table():
    found_keys, found_sections, missing = set(), set(), []
    for path in sorted(PACKAGE.rglob("*.py")):
        keys, sections, indexed = _lookups(path)
        found_keys |= keys
        found_sections |= sections
        missing += [f"{path.name}: label({k!r})" for k in sorted(keys - set(label_keys()))]
        for section in sorted(sections):
            try:
                labels(section, "vi")
            except KeyError:
                missing.append(f"{path.name}: section {section!r}")
        for (module, variable), table in _DICTS.items():
            if _module_of(path) == module:
                missing += [f"{module}: {variable}[{k!r}]"
                            for k in sorted(indexed.get(variable, set()) - set(table()))]
    assert missing == []
    # the scan sees the lookups (a scan that finds nothing would pass on anything)
    assert {"message.all_units", "message.row", "date.format", "cli.interrupted"} <= found_keys
    assert {"map", "info", "layer_kind", "excel", "column", "status", "severity",
            "kind", "message.layer"} <= found_sections


def test_the_scan_sees_what_the_modules_index_their_labels_with():
    indexed = defaultdict(set)
    for path in [PACKAGE / "maps.py", *sorted(PACKAGE.glob("_map*.py"))]:
        for variable, keys in _lookups(path)[2].items():
            indexed[variable] |= keys
    assert {"legend", "fullscreen", "decisions_count"} <= indexed["labels"]
    _, _, indexed = _lookups(PACKAGE / "excel.py")
    assert {"title", "columns", "total", "reasons"} <= indexed["labels"]
    _, _, indexed = _lookups(PACKAGE / "info.py")
    assert {"file", "crs_none", "kinds"} <= indexed["t"]
    _, _, indexed = _lookups(PACKAGE / "io.py")
    assert {"has", "only_code"} <= indexed["t"]


def test_no_language_branch_is_left_in_the_code():
    branches = [f"{path.relative_to(PACKAGE)}:{i}"
                for path in sorted(PACKAGE.rglob("*.py"))
                for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if re.search(r"\blang\s*[!=]=", line)]
    assert branches == []


# --- dates ---------------------------------------------------------------------------------


def test_dates_are_written_day_first_in_vietnamese_and_iso_in_english():
    day = pd.Timestamp("2023-03-05")
    assert format_date(day, "vi") == "05/03/2023"
    assert format_date(day, "en") == "2023-03-05"
    dates = pd.Series([day, pd.NaT])
    vi = format_dates(dates, "vi")
    assert vi[0] == "05/03/2023" and pd.isna(vi[1]) and vi.dtype == object
    with pytest.raises(ConfigError):
        format_date(day, "fr")


# --- the writers default to the run's language ----------------------------------------------


@pytest.fixture
def english(plan, decisions, tmp_path):
    """A check of the synthetic district of conftest run in English, and its outputs
    written without ``lang``."""
    result = landplan.check(plan, decisions, config=landplan.CheckConfig(lang="en"))
    out = tmp_path / "english"
    landplan.write_outputs(result, out, xlsx=True)
    return result, out


def test_a_result_carries_its_configuration_and_language(english):
    result, _ = english
    assert result.config.lang == result.lang == "en"
    assert CheckResult(*result[:4]).lang == "vi"  # a result made by hand: the default


def test_write_outputs_without_lang_writes_in_the_language_of_the_run(english):
    _, out = english
    wb = openpyxl.load_workbook(out / "bao_cao.xlsx")
    assert wb.sheetnames == list(labels("excel.sheets", "en").values())
    assert wb.properties.language == "en"
    html = (out / "map.html").read_text(encoding="utf-8")
    assert label("map.legend", "en") in html and label("map.legend", "vi") not in html
    assert label("status.violation", "en") in html


def test_the_writers_default_to_the_run_and_still_take_lang(english, tmp_path):
    result, _ = english
    assert openpyxl.load_workbook(write_xlsx(result, tmp_path / "a.xlsx")).sheetnames[0] \
        == label("excel.sheets.summary", "en")
    assert openpyxl.load_workbook(write_xlsx(result, tmp_path / "b.xlsx", lang="vi")) \
        .sheetnames[0] == label("excel.sheets.summary", "vi")
    default = landplan.make_map(result).get_root().render()
    vietnamese = landplan.make_map(result, lang="vi").get_root().render()
    assert label("map.legend", "en") in default and label("map.legend", "en") not in vietnamese
    written = landplan.write_outputs(result, tmp_path / "vi", lang="vi", xlsx=True,
                                     map_html=False)
    assert openpyxl.load_workbook(written["bao_cao.xlsx"]).properties.language == "vi"
    with pytest.raises(ConfigError, match="'fr'"):
        landplan.write_outputs(result, tmp_path / "fr", lang="fr")
    assert not (tmp_path / "fr").exists()
