"""Each step of a check is timed and logged once, and shown on a terminal's progress line."""

from __future__ import annotations

import logging
import re
import sys

import pytest

from landplan._labels import labels
from landplan._steps import Step, showing, step
from landplan.cli import _step_text, main
from landplan.rules import RULES


def _check(files, out, *options):
    plan, dec = files
    return ["check", "--plan", str(plan), "--decisions", str(dec), "--out", str(out),
            "--no-map", *options]


_LINE = re.compile(r"^(?P<name>.+?): (?P<seconds>\d+\.\d\d) s(?: \((?P<note>.*)\))?$")


def test_with_verbose_every_step_logs_one_line_with_its_seconds(files, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="landplan.steps"):
        assert main(_check(files, tmp_path / "out", "-v", "--xlsx")) == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "landplan.steps"]
    assert all(_LINE.match(line) for line in lines), lines
    names = [_LINE.match(line)["name"] for line in lines]
    ran = [f"rule {rule}" for rule in RULES
           if rule not in {"conversion-not-in-annual-plan", "recovery-not-in-annual-plan",
                           "quota-exceeded", "quota-undated", "quota-unmatched",
                           "landcover-unchecked", "wrong-purpose", "unused-land",
                           "protected-area", "outside-plan-period", "stale-plan-item",
                           "project-year-unreadable"}]
    expected = ["read plan", "normalise plan", "read decisions", "normalise decisions",
                "prepare", "overlay", *ran, "messages", "findings", "statuses", "check",
                "write findings.csv", "write decisions.csv", "write summary.csv",
                "write bao_cao.xlsx", "write findings.gpkg findings",
                "write findings.gpkg decisions"]
    assert sorted(names) == sorted(expected)  # each once (the GeoPackage's in its thread)
    assert names[:6] == expected[:6]
    notes = {_LINE.match(line)["name"]: _LINE.match(line)["note"] for line in lines}
    assert notes["read decisions"] == "12 features"
    assert notes["rule zoning-conflict"].endswith(" findings")


def test_without_verbose_no_step_line_is_logged(files, tmp_path, caplog):
    with caplog.at_level(logging.INFO):
        assert main(_check(files, tmp_path / "out")) == 0
    assert not [r for r in caplog.records if r.name == "landplan.steps"]


def test_a_terminal_shows_the_steps_and_their_counts_in_the_run_language(files, tmp_path,
                                                                       monkeypatch, capsys):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(_check(files, tmp_path / "vi")) == 0
    err = capsys.readouterr().err
    for text in ("Đọc quy hoạch…", "Đọc quyết định… 12", "Chuẩn hoá quyết định… 12",
                 "Chồng lớp… 12", f"Quy tắc 1/{len(RULES)}: zoning-conflict…",
                 "Xác định trạng thái…", "Ghi decisions.csv…", "Ghi findings.gpkg…"):
        assert text in err, text
    assert "\r" in err  # one line, rewritten
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(_check(files, tmp_path / "en", "--lang", "en")) == 0
    err = capsys.readouterr().err
    assert "Reading decisions… 12" in err and f"Rule 1/{len(RULES)}: zoning-conflict…" in err
    assert "Đọc" not in err


@pytest.mark.parametrize("tty, options", [(False, []), (True, ["-q"])],
                         ids=["a pipe", "quiet on a terminal"])
def test_a_pipe_and_quiet_get_no_progress_line(files, tmp_path, monkeypatch, capsys, tty,
                                               options):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    assert main(_check(files, tmp_path / "out", *options)) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "Đọc" not in err and "Quy tắc" not in err


def test_counts_are_written_with_the_thousands_of_the_language():
    vi, en = labels("cli.progress", "vi"), labels("cli.progress", "en")
    assert _step_text(Step("read_decisions", count=1_234_567), vi) == \
        "Đọc quyết định… 1.234.567"
    assert _step_text(Step("read_decisions", count=1_234_567), en) == \
        "Reading decisions… 1,234,567"
    assert _step_text(Step("read_projects", count=1_500), vi) == \
        "Đọc công trình, dự án… 1.500"  # the label's own comma is kept
    assert _step_text(Step("rule", "double-allocation", index=7, total=23), vi) == \
        "Quy tắc 7/23: double-allocation…"
    assert _step_text(Step("write", "findings.csv"), en) == "Writing findings.csv…"


def test_every_step_the_library_takes_has_words_in_both_languages():
    keys = {"read_plan", "read_decisions", "read_projects", "read_corridors", "read_quotas",
            "normalise_plan", "normalise_decisions", "normalise_projects",
            "normalise_corridors", "prepare", "overlay", "landcover", "rule", "messages",
            "findings", "statuses", "write"}
    for lang in ("vi", "en"):
        assert keys <= set(labels("cli.progress", lang))


def test_a_display_sees_each_step_start_and_end_and_a_step_that_fails_is_not_ended():
    seen = []

    class Display:
        def started(self, s):
            seen.append(("start", s.name, s.count))

        def finished(self, s):
            seen.append(("end", s.name, s.count))

    with showing(Display()):
        with step("read_decisions") as s:
            s.count = 3
        with pytest.raises(ValueError), step("overlay"):
            raise ValueError
    with step("statuses"):  # no display: logged only
        pass
    assert seen == [("start", "read decisions", None), ("end", "read decisions", 3),
                    ("start", "overlay", None)]
