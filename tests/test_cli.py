"""The command line: exit codes, outputs, messages."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from landplan.cli import main


def test_check_writes_every_output_and_exits_zero(files, tmp_path, capsys):
    plan, dec = files
    out = tmp_path / "out"
    code = main(["check", "--plan", str(plan), "--decisions", str(dec), "--out", str(out),
                 "--lang", "en"])
    assert code == 0
    for name in ("findings.gpkg", "findings.csv", "decisions.csv", "summary.csv", "map.html"):
        assert (out / name).stat().st_size > 0, name
    decisions = pd.read_csv(out / "decisions.csv", encoding="utf-8-sig")
    assert decisions["status"].value_counts().to_dict()["violation"] == 3
    assert "Contradicts the plan" in capsys.readouterr().out  # the status, in English


def test_fail_on_violation_exits_one(files, tmp_path):
    plan, dec = files
    code = main(["check", "--plan", str(plan), "--decisions", str(dec), "--out",
                 str(tmp_path / "o"), "--fail-on", "violation", "--no-map", "-q"])
    assert code == 1


def test_missing_crs_exits_two_with_the_fix(files, tmp_path, capsys):
    plan, dec = files
    dec.with_suffix(".prj").unlink()
    code = main(["check", "--plan", str(plan), "--decisions", str(dec), "--out",
                 str(tmp_path / "o"), "-q", "--lang", "en"])
    assert code == 2
    err = capsys.readouterr().err
    assert "no coordinate reference system" in err and "--crs EPSG:9209" in err
    assert "Traceback" not in err
    code = main(["check", "--plan", str(plan), "--decisions", str(dec), "--out",
                 str(tmp_path / "o"), "-q", "--crs", "EPSG:9209", "--no-map"])
    assert code == 0


def test_bad_column_option_exits_two(files, tmp_path, capsys):
    plan, dec = files
    code = main(["check", "--plan", str(plan), "--decisions", str(dec), "--out",
                 str(tmp_path / "o"), "--decisions-column", "land_use", "-q"])
    assert code == 2
    assert "ROLE=COLUMN" in capsys.readouterr().err


def test_csv_outputs_are_byte_identical_across_runs(files, tmp_path):
    plan, dec = files
    for name in ("a", "b"):
        main(["check", "--plan", str(plan), "--decisions", str(dec), "--out",
              str(tmp_path / name), "--no-map", "-q"])
    for name in ("findings.csv", "decisions.csv", "summary.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_rules_lists_every_rule(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for rule in ("zoning-conflict", "no-plan-coverage", "unknown-code", "invalid-geometry"):
        assert rule in out


def test_demo_runs_on_the_bundled_sample(demo_output):
    out = demo_output  # `landplan demo --out DIR`, run once per session (conftest)
    decisions = pd.read_csv(out / "decisions.csv", encoding="utf-8-sig")
    assert set(decisions["status"]) == {"compliant", "violation", "unchecked"}
    findings = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    assert "quy hoạch" in " ".join(findings["message"])  # Vietnamese by default
    assert (out / "map.html").stat().st_size > 10_000
    assert sorted(p.name for p in out.iterdir()) == ["decisions.csv", "findings.csv",
                                                      "findings.gpkg", "map.html",
                                                      "summary.csv"]


@pytest.fixture
def adjusted_plan(plan, tmp_path):
    adjusted = plan.copy()
    adjusted.loc[0, "maloaidat"] = "ONT"
    path = tmp_path / "adjusted.gpkg"
    adjusted.to_file(path, engine="pyogrio")
    return path


def test_plan_versions_on_the_command_line(files, adjusted_plan, tmp_path):
    plan, dec = files
    out = tmp_path / "v"
    code = main(["check", "--plan", f"{plan}@2021-01-01", "--plan", f"{adjusted_plan}@2023-01-01",
                 "--decisions", str(dec), "--out", str(out), "--no-map", "-q"])
    assert code == 0
    decisions = pd.read_csv(out / "decisions.csv", encoding="utf-8-sig")
    assert set(decisions["plan_version"]) == {"v2"}  # all dated 15/03/2023
    assert (decisions["status"] == "violation").sum() == 0  # the rice zone became ONT


def test_several_plan_versions_need_their_dates(files, adjusted_plan, tmp_path, capsys):
    plan, dec = files
    code = main(["check", "--plan", str(plan), "--plan", str(adjusted_plan), "--decisions",
                 str(dec), "--out", str(tmp_path / "x"), "-q"])
    assert code == 2
    assert "@2020-12-31" in capsys.readouterr().err


def test_plan_diff_writes_table_layer_and_map(files, adjusted_plan, tmp_path, capsys):
    plan, _ = files
    out = tmp_path / "diff"
    assert main(["plan-diff", str(plan), str(adjusted_plan), "--out", str(out)]) == 0
    summary = pd.read_csv(out / "plan_diff_summary.csv", encoding="utf-8-sig")
    row = summary[(summary["dimension"] == "change")].iloc[0]
    assert row["value"] == "LUC → ONT" and row["area_ha"] == pytest.approx(2.0)
    assert (out / "plan_diff.gpkg").exists() and (out / "plan_diff.html").exists()
    assert "LUC → ONT" in capsys.readouterr().out


def test_skipped_rules_are_said_on_the_terminal(files, tmp_path, capsys):
    plan, dec = files
    main(["check", "--plan", str(plan), "--decisions", str(dec), "--out", str(tmp_path / "s"),
          "--no-map", "--lang", "en"])
    out = capsys.readouterr().out
    assert "Rules not run:" in out and "quota-exceeded" in out
    assert "no quotas (--quotas) given" in out  # says which option gives it


def test_no_progress_bar_in_a_pipe_and_a_summary_table_at_the_end(files, tmp_path, capsys):
    plan, dec = files
    assert main(["check", "--plan", str(plan), "--decisions", str(dec), "--out",
                 str(tmp_path / "p"), "--no-map", "--lang", "en"]) == 0
    captured = capsys.readouterr()
    # A bar would write its step name, "n/N [mm:ss]" and carriage returns to stderr.
    assert not re.search(r"\d+/\d+ \[\d\d:\d\d\]", captured.err), captured.err
    assert "\r" not in captured.err and "█" not in captured.err
    assert "Findings by rule and severity:" in captured.out
    assert "Outputs:" in captured.out


def test_xlsx_option_writes_the_excel_report(files, tmp_path):
    from openpyxl import load_workbook

    plan, dec = files
    out = tmp_path / "x"
    assert main(["check", "--plan", str(plan), "--decisions", str(dec), "--out", str(out),
                 "--no-map", "-q", "--xlsx"]) == 0
    book = load_workbook(out / "bao_cao.xlsx", read_only=True)
    assert book.sheetnames[:4] == ["Tổng hợp", "Vi phạm", "Ghi chú dữ liệu", "Không kiểm tra được"]


def test_encoding_applies_to_the_decisions_layer_only(plan, decisions, tmp_path):
    # The plan's code column has a Vietnamese name: read as cp1252 it would be mojibake
    # ("MÃ£ loáº¡i Ä‘áº¥t") and the plan would lack its land-use column (exit 2).
    plan_path = tmp_path / "plan.gpkg"
    plan.rename(columns={"maloaidat": "Mã loại đất"}).to_file(plan_path, engine="pyogrio")
    folder = tmp_path / "legacy"
    folder.mkdir()
    # "Ð" (U+00D0) is byte 0xD0 in cp1252; in cp1258, which detection would pick, it is "Đ".
    legacy = decisions.assign(so_qd=[f"{i}/QÐ" for i in range(len(decisions))],
                              ngay_qd="15/03/2023", hinh_thuc="Giao dat")
    legacy.to_file(folder / "qd.shp", engine="pyogrio", encoding="cp1252")
    (folder / "qd.cpg").unlink(missing_ok=True)
    out = tmp_path / "enc"
    assert main(["check", "--plan", str(plan_path), "--decisions", str(folder / "qd.shp"),
                 "--out", str(out), "--encoding", "cp1252", "--no-map", "-q"]) == 0
    decisions_out = pd.read_csv(out / "decisions.csv", encoding="utf-8-sig")
    assert list(decisions_out["decision_no"]) == [f"{i}/QÐ" for i in range(len(decisions))]
    assert (decisions_out["status"] == "violation").sum() == 3  # the plan's codes were read
