"""The output folder: inputs never overwritten, a file as --out refused early, outputs of one
run at a time (staged and moved into place, stale files removed, a lock against concurrent
runs, Ctrl-C), and CSV cells that a spreadsheet would take for a formula."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import landplan.cli
import landplan.report
from landplan import _outdir
from landplan._formula import FORMULA_START, neutralise
from landplan._outdir import FOLDER_FILE, LOCK_NAME, TMP_PREFIX
from landplan.cli import main
from landplan.report import OUTPUT_FILES, _csv

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


@pytest.fixture
def files(plan, decisions, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    plan.to_file(data / "plan.gpkg", engine="pyogrio")
    decisions.to_file(data / "decisions.gpkg", engine="pyogrio")
    return data / "plan.gpkg", data / "decisions.gpkg"


def _check(plan, dec, out, *more):
    return ["check", "--plan", str(plan), "--decisions", str(dec), "--out", str(out), "-q",
            *more]


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir()
                  if p.name == LOCK_NAME or p.name.startswith(TMP_PREFIX))


@pytest.fixture
def no_check(monkeypatch):
    """Fail the test if the check itself runs (the error must come before it)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the check ran")
    monkeypatch.setattr(landplan.cli, "check", refuse)


# --------------------------------------------------------------------------- 1. inputs


def _as_output(kind: str, plan: Path, dec: Path, out: Path) -> tuple[list[str], Path]:
    """The check's arguments with the input ``kind`` placed in ``out`` under an output's
    name; and that input's path."""
    out.mkdir()
    args = {"plan": plan, "decisions": dec}
    extra: list[str] = []
    if kind in ("plan", "decisions"):
        target = out / "findings.gpkg"
        shutil.copy(args[kind], target)
        args[kind] = target
    elif kind in ("projects", "corridors"):
        target = out / "findings.gpkg"
        shutil.copy(SAMPLE / f"{kind}.gpkg", target)
        extra = [f"--{kind}", str(target)]
    elif kind == "quotas":
        target = out / "summary.csv"
        shutil.copy(SAMPLE / "quotas.csv", target)
        extra = ["--quotas", str(target)]
    elif kind == "landcover":
        target = out / "decisions.csv"
        target.write_text(f"path,date\n{SAMPLE / 'landcover_2021.tif'},2021-01-15\n")
        extra = ["--landcover", str(target)]
    elif kind == "landcover-raster":
        target = out / "bao_cao.xlsx"
        shutil.copy(SAMPLE / "landcover_2021.tif", target)
        table = out.parent / "landcover.csv"
        table.write_text(f"path,date\n{target},2021-01-15\n")
        extra = ["--landcover", str(table)]
    elif kind == "raster":
        target = out / "map.html"
        shutil.copy(SAMPLE / "landcover_2021.tif", target)
        extra = ["--raster", str(target)]
    elif kind == "config":
        target = out / "findings.csv"
        target.write_text('lang = "en"\n')
        extra = ["--config", str(target)]
    elif kind == "gpkg-journal":
        target = out / "findings.gpkg-journal"
        shutil.copy(plan, target)
        args["plan"] = target
    return _check(args["plan"], args["decisions"], out, *extra), target


KINDS = ("plan", "decisions", "projects", "corridors", "quotas", "landcover",
         "landcover-raster", "raster", "config", "gpkg-journal")


@pytest.mark.parametrize("kind", KINDS)
def test_an_input_named_like_an_output_inside_out_is_refused(kind, files, tmp_path, capsys,
                                                             no_check):
    plan, dec = files
    out = tmp_path / "ket_qua"
    argv, target = _as_output(kind, plan, dec, out)
    argv += ["--lang", "en"]
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert target.name in err and "another --out" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing touched


def test_an_input_reached_through_another_spelling_is_refused(files, tmp_path, capsys,
                                                              no_check):
    plan, dec = files
    out = tmp_path / "ket_qua"
    out.mkdir()
    shutil.copy(dec, out / "findings.gpkg")
    (tmp_path / "link").symlink_to(out)  # the same file through a linked folder
    code = main(_check(plan, tmp_path / "link" / "findings.gpkg", out / ".." / "ket_qua"))
    assert code == 2
    assert "findings.gpkg" in capsys.readouterr().err


def test_out_that_is_an_input_file_is_refused(files, capsys, no_check):
    plan, dec = files
    before = dec.read_bytes()
    assert main(_check(plan, dec, dec, "--lang", "en")) == 2
    err = capsys.readouterr().err
    assert "is the input file given to --decisions" in err
    assert dec.read_bytes() == before


def test_plan_diff_refuses_to_overwrite_its_input(files, tmp_path, capsys):
    plan, _ = files
    out = tmp_path / "diff"
    out.mkdir()
    old = out / "plan_diff.gpkg"
    shutil.copy(plan, old)
    before = old.read_bytes()
    assert main(["plan-diff", str(old), str(plan), "--out", str(out), "-q"]) == 2
    assert "plan_diff.gpkg" in capsys.readouterr().err
    assert old.read_bytes() == before


def test_an_output_name_linked_to_a_user_file_is_replaced_not_written_through(files,
                                                                               tmp_path):
    plan, dec = files
    out = tmp_path / "out"
    out.mkdir()
    mine = tmp_path / "my_notes.csv"
    mine.write_text("keep me\n")
    (out / "summary.csv").symlink_to(mine)
    os.link(mine, out / "findings.csv")  # a hard link too
    assert main(_check(plan, dec, out, "--no-map")) == 0
    assert mine.read_text() == "keep me\n"
    assert not (out / "summary.csv").is_symlink()
    assert (out / "summary.csv").read_text(encoding="utf-8-sig").startswith("dimension,")


# --------------------------------------------------------------------------- 2. --out a file


@pytest.mark.parametrize("where", ["file", "inside-file"])
def test_out_that_is_a_file_exits_two_before_the_check(where, files, tmp_path, capsys,
                                                       no_check):
    plan, dec = files
    report = tmp_path / "report.txt"
    report.write_text("mine")
    out = report if where == "file" else report / "ket_qua"
    assert main(_check(plan, dec, out, "--lang", "en")) == 2
    err = capsys.readouterr().err
    assert "not a folder" in err and "--out" in err and "Traceback" not in err
    assert report.read_text() == "mine"


def test_an_output_name_that_is_a_folder_is_refused_early(files, tmp_path, capsys,
                                                          no_check):
    plan, dec = files
    out = tmp_path / "out"
    (out / "map.html").mkdir(parents=True)
    assert main(_check(plan, dec, out, "--lang", "en")) == 2
    assert "map.html is a folder" in capsys.readouterr().err


def test_a_failed_run_does_not_leave_the_output_folder_it_created(files, tmp_path):
    plan, _ = files
    out = tmp_path / "new" / "ket_qua"
    assert main(_check(plan, tmp_path / "missing.shp", out)) == 2
    assert not (tmp_path / "new").exists()


# --------------------------------------------------------------------------- 3. one run


def test_a_second_run_removes_the_stale_outputs_of_the_first_and_nothing_else(files,
                                                                               tmp_path):
    plan, dec = files
    out = tmp_path / "out"
    assert main(_check(plan, dec, out, "--xlsx")) == 0
    assert {"map.html", "bao_cao.xlsx"} <= {p.name for p in out.iterdir()}
    (out / "ghi_chu.txt").write_text("user file")
    (out / "findings.gpkg-journal").write_bytes(b"left by a crashed writer")
    assert main(_check(plan, dec, out, "--no-map")) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "decisions.csv", "findings.csv", "findings.gpkg", "ghi_chu.txt", "summary.csv"]
    assert (out / "ghi_chu.txt").read_text() == "user file"


@pytest.fixture
def pile_files(tmp_path):
    """30 identical parcels at one spot: their map is split (an index and maps/) under a
    budget of 100 features (``--map-max-features 100``)."""
    from .test_maps_split import pile

    data = tmp_path / "pile"
    data.mkdir()
    plan, decisions = pile()
    plan.to_file(data / "plan.gpkg", engine="pyogrio")
    decisions.to_file(data / "decisions.gpkg", engine="pyogrio")
    return data / "plan.gpkg", data / "decisions.gpkg"


SPLIT = ("--map-max-features", "100")


def test_stale_unit_maps_go_and_other_files_in_maps_stay(pile_files, files, tmp_path):
    plan, dec = pile_files
    out = tmp_path / "out"
    assert main(_check(plan, dec, out, *SPLIT)) == 0
    [unit_map] = (out / "maps").iterdir()
    assert FOLDER_FILE.fullmatch(unit_map.name)
    assert main(_check(plan, dec, out, *SPLIT)) == 0  # again: the same maps, replaced
    assert [p.name for p in (out / "maps").iterdir()] == [unit_map.name]
    assert main(_check(plan, dec, out)) == 0  # fits one file now: no maps/ left
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES[:5])
    assert main(_check(plan, dec, out, *SPLIT)) == 0
    (out / "maps" / "ghi_chu.txt").write_text("user file")
    (out / "maps" / "ban_do_cua_toi.html").write_text("user map")
    assert main(_check(*files, out, "--no-map")) == 0
    assert sorted(p.name for p in (out / "maps").iterdir()) == [
        "ban_do_cua_toi.html", "ghi_chu.txt"]  # landplan's map gone, the user's files kept
    assert not (out / "map.html").exists()
    assert main(_check(plan, dec, out, *SPLIT)) == 0  # into the folder the user still has
    assert sorted(p.name for p in (out / "maps").iterdir()) == sorted(
        ["ban_do_cua_toi.html", "ghi_chu.txt", unit_map.name])
    assert not any(p.name.startswith(TMP_PREFIX) or p.name == LOCK_NAME
                   for p in out.iterdir())


def test_a_file_named_maps_is_refused_and_a_linked_maps_folder_is_replaced(
        pile_files, tmp_path, capsys):
    plan, dec = pile_files
    out = tmp_path / "out"
    out.mkdir()
    (out / "maps").write_text("mine")
    assert main(_check(plan, dec, out, *SPLIT, "--lang", "en")) == 2
    assert "maps is a file" in capsys.readouterr().err
    assert (out / "maps").read_text() == "mine"
    (out / "maps").unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "maps").symlink_to(elsewhere)
    assert main(_check(plan, dec, out, *SPLIT)) == 0
    assert not (out / "maps").is_symlink() and list(elsewhere.iterdir()) == []


def test_an_input_named_like_a_unit_map_in_maps_is_refused(pile_files, tmp_path, capsys,
                                                          no_check):
    plan, dec = pile_files
    out = tmp_path / "out"
    (out / "maps").mkdir(parents=True)
    raster = out / "maps" / "xa-dong-0123abcd.html"
    shutil.copy(SAMPLE / "landcover_2021.tif", raster)
    assert main(_check(plan, dec, out, "--raster", str(raster))) == 2
    assert "maps/xa-dong-0123abcd.html" in capsys.readouterr().err
    assert raster.exists()


def test_the_library_writer_stages_and_cleans_up_too(files, tmp_path):
    import landplan

    plan, dec = files
    result = landplan.check(landplan.load_plan(plan), landplan.load_decisions(dec))
    out = tmp_path / "lib"
    landplan.write_outputs(result, out, map_html=True, xlsx=True)
    landplan.write_outputs(result, out, map_html=False)
    assert sorted(p.name for p in out.iterdir()) == [
        "decisions.csv", "findings.csv", "findings.gpkg", "summary.csv"]


def _hold_lock(out: Path) -> int:
    """Lock ``out`` as another process would (an OS lock on its own open file)."""
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT)
    os.write(fd, b"4242\n")
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


@pytest.mark.skipif(os.name == "nt", reason="POSIX file lock in the test")
def test_a_run_into_a_locked_folder_exits_two_at_once(files, tmp_path, capsys, no_check):
    plan, dec = files
    out = tmp_path / "out"
    fd = _hold_lock(out)
    try:
        assert main(_check(plan, dec, out, "--lang", "en")) == 2
    finally:
        os.close(fd)
    err = capsys.readouterr().err
    assert "Another landplan run (process 4242) is writing into" in err
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]  # not removed: not ours


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "landplan.cli", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _wait_for(predicate, process: subprocess.Popen, what: str, limit: float = 240) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        if process.poll() is not None:
            pytest.fail(f"the run ended (exit {process.returncode}) before {what}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no {what} within {limit} s")
        time.sleep(0.02)


def _language(out: Path) -> set[str]:
    """The language of each output of a run, as far as it shows."""
    findings = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    text = " ".join(findings["message"])
    book = openpyxl.load_workbook(out / "bao_cao.xlsx", read_only=True)
    html = (out / "map.html").read_text(encoding="utf-8")
    return {"vi" if "quy hoạch" in text else "en",
            "vi" if book.sheetnames[0] == "Tổng hợp" else "en",
            "vi" if "Trái quy hoạch" in html else "en"}


@pytest.mark.slow  # two `landplan demo` subprocesses
@pytest.mark.timeout(600)
def test_two_runs_at_once_into_one_folder_never_mix(tmp_path):
    """The second run starts while the first holds the folder (its lock file is there and
    it still has the whole check and the writing ahead of it, several seconds, while the
    second needs about one to reach its own lock): it must stop with exit 2."""
    out = tmp_path / "out"
    first = subprocess.Popen(_cli("demo", "--out", str(out), "--xlsx", "--lang", "en", "-q"),
                             env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    second = None
    try:
        _wait_for(lambda: (out / LOCK_NAME).exists(), first, "lock file")
        second = subprocess.Popen(_cli("demo", "--out", str(out), "--xlsx", "--lang", "vi",
                                       "-q"), env=_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        assert first.poll() is None, "the first run ended before the second started"
        _, second_err = second.communicate(timeout=300)
        _, first_err = first.communicate(timeout=300)
    finally:
        for run in (first, second):
            if run is not None and run.poll() is None:
                run.kill()
    assert first.returncode == 0, first_err
    assert second.returncode == 2, second_err
    # the second run is --lang vi: "Another landplan run" in Vietnamese
    assert "Một lần chạy landplan khác" in second_err and "Traceback" not in second_err
    assert _language(out) == {"en"}  # every file of the first run, none of the second
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)


@pytest.mark.slow  # a `landplan demo` subprocess
@pytest.mark.timeout(600)
@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child process")
def test_ctrl_c_while_writing_exits_130_with_one_line_and_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    run = subprocess.Popen(_cli("demo", "--out", str(out), "--xlsx", "--lang", "en", "-q"),
                           env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        _wait_for(lambda: out.is_dir() and any(p.name.startswith(TMP_PREFIX)
                                               for p in out.iterdir()), run,
                  "temporary folder (writing)")
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["landplan: interrupted by Ctrl-C; no partial outputs were left."]
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.skipif(os.name == "nt", reason="raise_signal(SIGINT) in the test")
def test_ctrl_c_while_the_writer_thread_starts_waits_for_it_before_cleaning_up(
        files, tmp_path, monkeypatch, capsys):
    # Ctrl-C between a worker's start and the pool's record of it: the worker must still be
    # waited for, or it writes into the temporary folder after it was removed (GDAL then
    # prints "sqlite3_open ... failed" on the terminal).
    import threading

    plan, dec = files
    real_start, real_gpkg = threading.Thread.start, landplan.report._write_gpkg
    finished: list[bool] = []

    started: list[threading.Thread] = []

    def start(thread):
        real_start(thread)
        if thread.name.startswith("landplan-gpkg"):
            started.append(thread)
            signal.raise_signal(signal.SIGINT)

    def slow_gpkg(frame, path, layer):
        time.sleep(0.3)
        finished.append(path.parent.is_dir())
        real_gpkg(frame, path, layer)

    monkeypatch.setattr(threading.Thread, "start", start)
    monkeypatch.setattr(landplan.report, "_write_gpkg", slow_gpkg)
    out = tmp_path / "out"
    assert main(_check(plan, dec, out, "--no-map", "--lang", "en")) == 130
    for thread in started:
        thread.join(timeout=30)
    assert capsys.readouterr().err == \
        "landplan: interrupted by Ctrl-C; no partial outputs were left.\n"
    assert started
    assert finished in ([], [True], [True, True])  # never into a removed folder
    assert not out.exists() or list(out.iterdir()) == []


def test_interrupted_writer_leaves_the_earlier_run_whole(files, tmp_path, monkeypatch,
                                                          capsys):
    plan, dec = files
    out = tmp_path / "out"
    assert main(_check(plan, dec, out, "--xlsx")) == 0
    earlier = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = []

    def interrupted(frame, path):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return _csv(frame, path)

    monkeypatch.setattr(landplan.report, "_csv", interrupted)
    assert main(_check(plan, dec, out, "--no-map", "--lang", "en")) == 130
    err = capsys.readouterr().err
    assert err == "landplan: interrupted by Ctrl-C; no partial outputs were left.\n"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == earlier
    calls.clear()
    assert main(_check(plan, dec, tmp_path / "vi", "--no-map")) == 130
    assert capsys.readouterr().err == "landplan: đã dừng theo Ctrl-C; không để lại kết quả " \
                                      "dở dang nào.\n"
    assert not (tmp_path / "vi").exists()


@pytest.mark.skipif(os.name == "nt", reason="raise_signal(SIGINT) in the test")
def test_ctrl_c_while_moving_files_into_place_waits_until_all_are_there(files, tmp_path,
                                                                         monkeypatch, capsys):
    plan, dec = files
    out = tmp_path / "out"
    assert main(_check(plan, dec, out, "--xlsx", "--no-map")) == 0  # Vietnamese
    real_replace = os.replace
    moved = []

    def replace(src, dst):
        if not moved:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C after the stale files went
        moved.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(_outdir.os, "replace", replace)
    assert main(_check(plan, dec, out, "--xlsx", "--no-map", "--lang", "en")) == 130
    capsys.readouterr()
    assert sorted(moved) == sorted((*OUTPUT_FILES[:4], "bao_cao.xlsx"))
    assert sorted(p.name for p in out.iterdir()) == sorted(moved)  # all of the new run
    book = openpyxl.load_workbook(out / "bao_cao.xlsx", read_only=True)
    assert book.sheetnames[0] == "Summary"


# --------------------------------------------------------------------------- 4. formulas


def test_csv_text_cells_that_are_formulas_get_a_quote_and_numbers_stay(tmp_path):
    frame = pd.DataFrame({
        "text": ["=HYPERLINK(\"http://x\",\"y\")", "+84 912", "-2+3", "@SUM(A1)", "\tx",
                 "\rx", "ok", None],
        "string": pd.array(["=1", "a-b", "-", "b", "c", "d", None, "e"], dtype="string"),
        "mixed": [-3, "-3", 1.5, "=2", None, "x", -0.5, "y"],
        "area": [-1.25, 0.0, 2.0, -3.0, 4.0, 5.0, 6.0, float("nan")],
        "count": [-1, 2, 3, 4, 5, 6, 7, 8],
    })
    _csv(frame, tmp_path / "t.csv")
    lines = (tmp_path / "t.csv").read_bytes().decode("utf-8-sig").split("\n")
    assert lines[1] == '"\'=HYPERLINK(""http://x"",""y"")",\'=1,-3,-1.25,-1'
    assert lines[2] == "'+84 912,a-b,'-3,0.00,2"
    assert lines[3] == "'-2+3,'-,1.5,2.00,3"
    assert lines[4] == "'@SUM(A1),b,'=2,-3.00,4"
    assert lines[5] == "'\tx,c,,4.00,5"
    assert lines[6] == "\"'\rx\",d,x,5.00,6"
    assert lines[7] == "ok,,-0.5,6.00,7"


def test_decision_numbers_that_are_formulas_are_text_in_every_csv(files, decisions, plan,
                                                                  tmp_path):
    data = tmp_path / "f"
    data.mkdir()
    decisions = decisions.assign(so_qd=["=1+1", "-5/QĐ", "@x", *decisions["so_qd"][3:]])
    decisions.to_file(data / "d.gpkg", engine="pyogrio")
    plan_path, _ = files
    out = tmp_path / "out"
    assert main(_check(plan_path, data / "d.gpkg", out, "--no-map")) == 0
    table = pd.read_csv(out / "decisions.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(table["decision_no"][:3]) == ["'=1+1", "'-5/QĐ", "'@x"]
    findings = pd.read_csv(out / "findings.csv", encoding="utf-8-sig", keep_default_na=False)
    assert "'-5/QĐ" in set(findings["decision_no"])  # row 1 is a conflict
    for name in ("decisions.csv", "findings.csv", "summary.csv"):
        for line in (out / name).read_text(encoding="utf-8-sig").splitlines():
            for cell in line.split(","):
                assert not cell.startswith(("=", "@", "+")), (name, cell)


def test_one_rule_for_csv_and_excel():
    from landplan import _formula, excel

    assert excel.is_formula is _formula.is_formula
    assert all(neutralise(c + "x") == "'" + c + "x" for c in FORMULA_START)
    assert neutralise("x=1") == "x=1"


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_the_geopackage_writer_thread_does_not_take_ctrl_c(files, tmp_path, monkeypatch):
    """SIGINT must reach the main thread (KeyboardInterrupt there), not break a system call
    of GDAL in the thread that writes the GeoPackage."""
    plan, dec = files
    masks = []
    real = landplan.report._write_gpkg

    def write(frame, path, layer):
        masks.append(signal.pthread_sigmask(signal.SIG_BLOCK, set()))
        return real(frame, path, layer)

    monkeypatch.setattr(landplan.report, "_write_gpkg", write)
    assert main(_check(plan, dec, tmp_path / "out", "--no-map")) == 0
    assert masks and all(signal.SIGINT in mask for mask in masks)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
