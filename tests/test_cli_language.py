"""Every word the command line prints follows ``--lang`` (issue 17).

Each command — ``check``, ``demo``, ``plan-diff``, ``info``, ``rules``, every ``--help``, and
errors (a missing file, a missing required option, a bad ``--as-of`` date) — is run with
``--lang vi`` and with ``--lang en``; its stdout and stderr together must hold no word of the
other language (``tests/data/words_vi.txt``, ``tests/data/words_en.txt``).

What legitimately appears in both languages is taken out before the words are compared:
paths and file names, option names (``--plan``), rule ids (``zoning-conflict``), command
names, identifiers (``plan_start``), upper-case codes and metavariables (``LUC``,
``EPSG:9209``, ``PATH``), numbers, and the texts read from the input files (commune names,
the values of a column: the data is in the language it was written in).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from landplan import schema
from landplan.cli import main
from landplan.rules import rule_table

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
WORDS = {lang: frozenset(
    line.strip().lower()
    for line in (Path(__file__).parent / "data" / f"words_{lang}.txt").read_text(
        encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")) for lang in ("vi", "en")}
OTHER = {"vi": "en", "en": "vi"}
COMMANDS = ("check", "demo", "plan-diff", "info", "rules", "serve")
ROLES = sorted({*schema.DECISION_COLUMNS, *schema.PLAN_COLUMNS, *schema.PROJECT_COLUMNS,
                *schema.CORRIDOR_COLUMNS} - {"geometry"})

_REMOVE = [
    r"\S*[/\\]\S*",                 # paths
    r"\S+\.(?:gpkg|shp|csv|html|xlsx|tif|toml|zip|geojson|prj|cpg)\b",  # file names
    r"(?<![\w-])--?[A-Za-z][\w-]*",  # options
    r"\b\w*_\w*\b",                 # identifiers: plan_start, LANDPLAN_LANG, land_use
    r"\b[A-Z][A-Z0-9:=\[\]@.-]+\b",  # codes, metavariables, EPSG:9209
    r"\b\w*\d\w*\b",                # numbers, decision numbers
    r"\blandplan\b",
    r"\{[^}]*\}",                  # choices of an option: {never,violation,unchecked}
    r"'[^']*'",                     # quoted values: what was typed, the choices
]


def _words(text: str, data: frozenset[str]) -> set[str]:
    """The words of ``text`` after what legitimately appears in both languages is removed."""
    rule_ids = sorted(rule_table("en")["rule"], key=len, reverse=True)
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))  # wrapped lines as one
    for rule in rule_ids:
        text = text.replace(rule, " ")
    if data:  # whole values only: the layer "plan" is not the "plan" of "landplan"
        values = "|".join(re.escape(v) for v in sorted(data, key=len, reverse=True))
        text = re.sub(rf"(?<![\w-])(?:{values})(?![\w-])", " ", text)
    for role in ROLES:  # "- unit: ma_xa", "[vai trò: unit]": what --plan-column names
        text = re.sub(rf"(?<=- ){role}(?=:)|(?<=: ){role}(?=\])", " ", text)
    for command in COMMANDS:
        text = re.sub(rf"(?<![\w-]){re.escape(command)}(?![\w-])", " ", text)
    for pattern in _REMOVE:
        text = re.sub(pattern, " ", text)
    return set(re.findall(r"[^\W\d_]+", text.lower()))


def _file_texts(*paths: Path) -> frozenset[str]:
    """Every text value and column name of the layers of ``paths`` (data, not words)."""
    out: set[str] = set()
    for path in paths:
        for layer, _ in pyogrio.list_layers(path):
            out.add(str(layer))
            frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
            out.update(str(c) for c in frame.columns)
            for column in frame.columns:
                if not pd.api.types.is_numeric_dtype(frame[column]):
                    out.update(str(v) for v in frame[column].dropna().unique() if str(v))
    return frozenset(unicodedata.normalize("NFC", re.sub(r"\s+", " ", v))
                     for v in out if len(v) > 1)


def _legal_bases() -> frozenset[str]:
    """The legal basis of each rule: names of Vietnamese laws, in both languages."""
    return frozenset(str(v) for lang in ("vi", "en")
                     for v in rule_table(lang)["legal_basis"].dropna() if str(v))


def _run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as stop:  # --help and argparse's errors
        code = stop.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(scope="module")
def sample_texts() -> frozenset[str]:
    return _file_texts(SAMPLE / "plan.gpkg", SAMPLE / "plan_2023.gpkg") | _legal_bases()


def _cases(tmp: Path, files: tuple[Path, Path]) -> dict[str, tuple[list[str], int]]:
    import geopandas as gpd

    plan, decisions = files
    empty = tmp / "empty_plan.gpkg"
    tmp.mkdir(parents=True, exist_ok=True)
    if not empty.exists():
        gpd.read_file(plan).iloc[:0].to_file(empty)
    return {
        "empty plan": (["check", "--plan", str(empty), "--decisions", str(decisions),
                        "--out", str(tmp / "empty"), "--no-map"], 2),
        "check": (["check", "--plan", str(plan), "--decisions", str(decisions),
                   "--out", str(tmp / "check"), "--no-map"], 0),
        "check --current-use": (["check", "--plan", str(plan), "--decisions", str(decisions),
                                 "--out", str(tmp / "current"), "--current-use"], 0),
        "demo": (["demo", "--out", str(tmp / "demo"), "--no-map"], 0),
        "plan-diff": (["plan-diff", str(SAMPLE / "plan.gpkg"), str(SAMPLE / "plan_2023.gpkg"),
                       "--out", str(tmp / "diff"), "--no-map"], 0),
        "info": (["info", str(SAMPLE / "plan.gpkg")], 0),
        "rules": (["rules"], 0),
        "rules --long": (["rules", "--long"], 0),
        "missing file": (["check", "--plan", str(tmp / "nothing.gpkg"), "--decisions",
                          str(decisions), "--out", str(tmp / "missing"), "--no-map"], 2),
        "missing option": (["check", "--plan", str(plan), "--decisions", str(decisions)], 2),
        "bad --as-of": (["check", "--plan", str(plan), "--decisions", str(decisions),
                         "--out", str(tmp / "date"), "--as-of", "31/02/2023"], 2),
        "bad numbers": (["check", "--plan", str(plan), "--decisions", str(decisions),
                         "--out", str(tmp / "numbers"), "--tolerance-pct", "abc",
                         "--map-budget-mb", "0,5", "--plan-end", "1800"], 2),
        "--out is a file": (["check", "--plan", str(plan), "--decisions", str(decisions),
                             "--out", str(plan)], 2),
        "no such layer": (["check", "--plan", str(plan), "--decisions", str(decisions),
                           "--out", str(tmp / "layer"), "--plan-layer", "nothing"], 2),
        "bad choice": (["check", "--plan", str(plan), "--decisions", str(decisions),
                        "--out", str(tmp / "choice"), "--fail-on", "sometimes"], 2),
        "serve off loopback": (["serve", "--demo", "--host", "0.0.0.0"], 2),
        "serve without a plan": (["serve"], 2),
        **{f"{command} --help": ([command, "--help"], 0) for command in COMMANDS},
    }


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_command_speaks_only_its_language(lang, files, tmp_path, capsys, monkeypatch,
                                                sample_texts):
    monkeypatch.delenv("LANDPLAN_LANG", raising=False)
    data = sample_texts | _file_texts(*files)
    foreign: dict[str, set[str]] = {}
    printed: dict[str, str] = {}
    for name, (argv, expected) in _cases(tmp_path / lang, files).items():
        code, text = _run([*argv, "--lang", lang], capsys)
        assert code == expected, (name, text)
        assert text.strip(), name
        printed[name] = text
        found = _words(text, data) & WORDS[OTHER[lang]]
        if found:
            foreign[name] = found
    monkeypatch.setenv("LANDPLAN_LANG", lang)  # the top-level --help has no --lang
    code, text = _run(["--help"], capsys)
    assert code == 0
    found = _words(text, data) & WORDS[OTHER[lang]]
    if found:
        foreign["--help"] = found
    assert not foreign, "\n".join(f"{name}: {sorted(words)}\n{printed.get(name, text)}"
                                  for name, words in foreign.items())
    # and the words of its own language are there (the lists are not just missing words)
    assert _words(printed["check"], data) & WORDS[lang]
    assert _words(printed["missing file"], data) & WORDS[lang]


def test_help_language_is_known_before_parsing(capsys, monkeypatch):
    monkeypatch.setenv("LANDPLAN_LANG", "en")
    assert _run(["rules", "--help"], capsys)[1].startswith("usage:")
    assert "tùy chọn" in _run(["rules", "--help", "--lang=vi"], capsys)[1]
    monkeypatch.delenv("LANDPLAN_LANG")
    assert not _run(["rules", "--help"], capsys)[1].startswith("usage:")  # vi by default


def test_vietnamese_numbers_in_the_summary(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "d"), "--no-map", "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert "3.084" in out and "3,084" not in out
    assert re.search(r"\d+,\d giây", out)
    assert main(["demo", "--out", str(tmp_path / "e"), "--no-map", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "3,084" in out and re.search(r"\d+\.\d s\b", out)


def test_quiet_prints_only_errors_and_default_no_info_lines(files, tmp_path, capsys):
    plan, decisions = files
    argv = ["check", "--plan", str(plan), "--decisions", str(decisions), "--no-map"]
    assert main([*argv, "--out", str(tmp_path / "q"), "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert main([*argv, "--out", str(tmp_path / "d"), "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert "INFO" not in captured.err and "WARNING" in captured.err  # a rule was skipped
    assert main([*argv, "--out", str(tmp_path / "v"), "-v"]) == 0
    assert "INFO landplan" in capsys.readouterr().err


def test_rules_fit_100_columns(capsys):
    for lang in ("vi", "en"):
        assert main(["rules", "--lang", lang]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines and max(len(line) for line in lines) <= 100


def test_landplan_lang_is_the_default_of_every_command(files, tmp_path, capsys, monkeypatch):
    plan, decisions = files
    monkeypatch.setenv("LANDPLAN_LANG", "en")
    assert main(["check", "--plan", str(plan), "--decisions", str(decisions), "--out",
                 str(tmp_path / "en"), "--no-map"]) == 0
    assert capsys.readouterr().out.startswith("Checked ")
    assert pd.read_csv(tmp_path / "en" / "summary.csv", encoding="utf-8-sig").size  # ran
    assert main(["info", str(plan)]) == 0
    assert capsys.readouterr().out.startswith("File: ")
    assert main(["check", "--plan", str(plan), "--decisions", str(decisions), "--out",
                 str(tmp_path / "vi"), "--no-map", "--lang", "vi"]) == 0  # --lang wins
    assert capsys.readouterr().out.startswith("Đã kiểm tra ")
