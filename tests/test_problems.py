"""Errors and warnings say themselves in either language (landplan/data/problems.toml)."""

from __future__ import annotations

import argparse
import copy
import pickle
import re
from pathlib import Path

import pytest

import landplan
from landplan._cli_text import argparse_language, cli_language
from landplan._templates import Joined, Said, Text, problem_text, templates
from landplan.cli import main
from landplan.errors import ColumnError, ConfigError, CRSWarning, OutputError

PACKAGE = Path(landplan.__file__).parent


def test_every_template_key_the_code_names_is_in_the_table():
    keys = set(templates())
    named = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        named |= {(path.name, key) for key in re.findall(
            r"""(?:\.of|\bText)\(\s*["']([a-z_]+(?:\.[a-z_0-9A-Z]+)+|[a-z_]+)["']""", text)}
    assert named, "the pattern finds the keys"
    assert sorted((f, k) for f, k in named if k not in keys) == []
    # the keys the code makes up from parts
    for family, members in {"io.gdal": ("shx", "dbf", "json", "format", "permission",
                                        "not_found", "geometry", "other"),
                            "config": ("tolerance_pct", "tolerance_m2", "boolean", "whole",
                                       "finite", "codes", "text")}.items():
        assert {f"{family}.{m}" for m in members} <= keys


def test_an_error_is_english_as_str_and_says_itself_in_vietnamese(tmp_path):
    error = OutputError.of("output.is_file", out=tmp_path / "x", example=tmp_path / "ket_qua")
    assert isinstance(error, ValueError) and isinstance(error, landplan.LandplanError)
    assert str(error).startswith(f"--out {tmp_path / 'x'} is a file, not a folder")
    assert error.localized("en") == str(error)
    assert "là một tệp, không phải thư mục" in error.localized("vi")
    assert error.key == "output.is_file"


def test_fields_that_are_errors_follow_the_language():
    inner = [ConfigError.of("dates.not_a_date", forms=ConfigError.of("dates.forms"))]
    outer = ConfigError.of("config.invalid", count=1, s="", problems=Joined(inner, "\n  - "),
                           forms=ConfigError.of("dates.forms"))
    assert "not a date (dd/mm/yyyy" in str(outer)
    vi = outer.localized("vi")
    assert "không phải ngày" in vi and "not a date" not in vi
    joined = ConfigError.joined([inner[0], "plain text"])
    assert joined.localized("vi").splitlines()[1] == "plain text"
    assert str(ColumnError.of("schema.no_columns")) == "(none)"  # no KeyError quotes


def test_texts_are_strings_that_survive_copies():
    note = Text("crs.place", lon="1.000", lat="2.000")
    assert note == "lon 1.000, lat 2.000" and isinstance(note, str)
    for copied in (copy.deepcopy(note), pickle.loads(pickle.dumps(note))):
        assert copied.localized("vi") == "kinh độ 1.000, vĩ độ 2.000"
    said = Said(lambda lang: {"vi": "xin chào", "en": "hello"}[lang])
    assert said == "hello" and said.localized("vi") == "xin chào"
    warning = CRSWarning.of("io.crs_note", source="a.shp", note=note)
    assert str(warning) == "a.shp: lon 1.000, lat 2.000"
    assert warning.localized("vi") == "a.shp: kinh độ 1.000, vĩ độ 2.000"


def test_a_plain_error_is_the_same_in_every_language():
    error = landplan.InputError("as it was written")
    assert error.localized("vi") == error.localized("en") == "as it was written"
    with pytest.raises(ValueError):
        problem_text("output.is_file", "fr", {"out": "x", "example": "y"})


@pytest.mark.parametrize("argv, env, lang", [
    (["rules", "--lang", "en"], None, "en"),
    (["rules", "--lang=en"], "vi", "en"),
    (["rules"], "en", "en"),
    (["rules"], "EN ", "en"),
    (["rules"], "fr", "vi"),
    (["rules", "--lang", "fr"], None, "vi"),
    (["rules", "--", "--lang", "en"], None, "vi"),
    ([], None, "vi"),
])
def test_the_language_is_known_before_parsing(argv, env, lang, monkeypatch):
    if env is None:
        monkeypatch.delenv("LANDPLAN_LANG", raising=False)
    else:
        monkeypatch.setenv("LANDPLAN_LANG", env)
    assert cli_language(argv) == lang


def test_argparse_is_given_back_as_it_was(capsys, monkeypatch):
    monkeypatch.delenv("LANDPLAN_LANG", raising=False)
    before = argparse._, argparse.ngettext
    with argparse_language("vi"):
        assert argparse._("usage: ") == "cách dùng: "
        assert argparse._("not one of argparse's") == "not one of argparse's"
    assert (argparse._, argparse.ngettext) == before
    with pytest.raises(SystemExit):
        main(["rules", "--help"])
    assert (argparse._, argparse.ngettext) == before
    assert capsys.readouterr().out.startswith("cách dùng: landplan rules")
