"""The bad-input corpus (tests/corpus.py): every malformed or awkward input either runs and
accounts for every record, or exits 2 with a message naming the file and the fix — never an
internal error, a traceback, a hang, or a file written outside the output folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from landplan.cli import main

from .corpus import CASES, STANDARD_FILES, Case

CANARIES = ("canary_zipslip.shp", "canary_zipslip2.shp", "canary_zipslip3.shp")


def _params() -> list:
    marks = {case.name: [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail
             else [] for case in CASES}
    return [pytest.param(case, id=case.name, marks=marks[case.name]) for case in CASES]


def _snapshot(root: Path, skip: Path | None = None) -> dict[str, tuple]:
    """Every path under ``root`` (except under ``skip``): kind, size, mtime, content hash."""
    seen = {}
    for path in sorted(root.rglob("*")):
        if skip is not None and (path == skip or skip in path.parents):
            continue
        st = path.lstat()
        digest = (hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None)
        seen[str(path.relative_to(root))] = (path.is_dir(), st.st_size, st.st_mtime_ns, digest)
    return seen


def _build(case: Case, tmp_path: Path) -> tuple[Path, dict]:
    folder = tmp_path / "in"
    folder.mkdir()
    return folder, case.build(folder)


def _matches(text: str, needle: str | tuple[str, ...]) -> bool:
    options = (needle,) if isinstance(needle, str) else needle
    return any(option.lower() in text.lower() for option in options)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", _params())
def test_bad_input_runs_or_exits_two_and_writes_only_the_output_folder(case, tmp_path,
                                                                        capsys):
    _, spec = _build(case, tmp_path)
    out = tmp_path / "out"
    before = _snapshot(tmp_path)
    # the needles are English (the messages follow --lang; Vietnamese is the default)
    code = main(["check", *spec["args"], "--out", str(out), "--no-map", "--lang", "en"])
    captured = capsys.readouterr()
    text = captured.out + captured.err

    assert code != 3, f"internal error: {captured.err}"
    assert "Traceback" not in text
    after = _snapshot(tmp_path, skip=out)
    assert after == before, "input files changed or files written outside --out"
    for name in CANARIES:
        for place in (tmp_path, tmp_path.parent, Path("/tmp"), Path.cwd()):
            assert not (place / name).exists(), f"zip entry extracted to {place / name}"

    assert code == case.exit, f"exit {code}, expected {case.exit}:\n{captured.err}"
    if case.exit == 2:
        message = captured.err
        assert message.strip(), "exit 2 without a message"
        missing = [n for n in case.needles if not _matches(message, n)]
        assert not missing, f"message lacks {missing}:\n{message}"
        return

    decisions = pd.read_csv(out / "decisions.csv", encoding="utf-8-sig")
    findings = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    assert sorted(decisions["source_row"]) == list(range(spec["records"])), \
        "every input record exactly once in decisions.csv"
    on_decisions = findings[findings["layer"] == "decisions"]
    for rule, rows in case.rules.items():
        if rows is None:
            assert rule in set(findings["rule"]), f"no {rule} finding:\n{findings}"
            continue
        got = sorted(set(on_decisions.loc[on_decisions["rule"] == rule, "source_row"]
                         .astype(int)))
        assert got == sorted(rows), f"{rule} on rows {got}, expected {sorted(rows)}"
    by_row = decisions.set_index("source_row")
    for row, expected in case.statuses.items():
        got = by_row.at[row, "status"]
        assert got == expected, f"row {row} is {got}, expected {expected}"
    for (row, column), expected in case.values.items():
        got = by_row.at[row, column]
        assert got == expected, f"row {row} {column} is {got!r}, expected {expected!r}"


SIDECARS = {".shx", ".prj", ".cpg", ".qix", ".sbn", ".sbx"}
INFO_XFAIL: dict[str, str] = {}  # case name -> reason, for a known landplan bug


def _info_params() -> list:
    return [pytest.param(c, id=c.name, marks=[pytest.mark.xfail(strict=True,
                                                                reason=INFO_XFAIL[c.name])]
                         if c.name in INFO_XFAIL else []) for c in CASES]


def _info_targets(folder: Path, args: list[str], first: bool) -> list[Path]:
    """Every file of the case (a shapefile's .shx/.prj/.cpg only through its .shp, which
    `info` reads with them), and any folder or missing path given to `check`. The standard
    plan, the same in most cases, only in the first case (the corpus must stay fast)."""
    files = [p for p in sorted(folder.rglob("*"))
             if p.is_file() and (first or p not in STANDARD_FILES)]
    stems = {p.with_suffix("").as_posix().lower() for p in files if p.suffix.lower() == ".shp"}
    targets = [p for p in files if not (p.suffix.lower() in SIDECARS
                                        and p.with_suffix("").as_posix().lower() in stems)]
    given = [Path(a) for a in args if folder in Path(a).parents]
    return targets + [p for p in given if p.is_dir() or not p.exists()]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", _info_params())
def test_info_describes_every_corpus_file(case, tmp_path, capsys):
    folder, spec = _build(case, tmp_path)
    paths = _info_targets(folder, spec["args"], first=case is CASES[0])
    before = _snapshot(tmp_path)
    for path in paths:
        try:
            code = main(["info", str(path)])
        except SystemExit as exc:  # argparse: `info` unknown or its usage wrong
            pytest.fail(f"`landplan info {path.name}` is not a command here (exit {exc.code})")
        captured = capsys.readouterr()
        assert code in (0, 2), f"info {path.name}: exit {code}\n{captured.err}"
        assert "Traceback" not in captured.out + captured.err
        if code == 2:
            assert captured.err.strip(), f"info {path.name}: exit 2 without a message"
    assert _snapshot(tmp_path) == before, "info wrote or changed files"
