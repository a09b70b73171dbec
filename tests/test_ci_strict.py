"""In CI a test that cannot run for want of a tool (PostGIS, dask, iconv, mkdocs, a browser)
fails; on a developer machine it is skipped with the reason (conftest.skip_or_fail)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import ci_strict, importorskip_or_fail, skip_or_fail

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def developer(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Neither CI variable set, whatever this run's environment."""
    monkeypatch.delenv("LANDPLAN_CI", raising=False)
    monkeypatch.delenv("CI", raising=False)
    return monkeypatch


def test_on_a_developer_machine_a_missing_tool_skips(developer):
    assert not ci_strict()
    with pytest.raises(pytest.skip.Exception, match="no PostGIS server: initdb failed"):
        skip_or_fail("no PostGIS server: initdb failed")
    with pytest.raises(pytest.skip.Exception, match="could not import 'no_such_module_h14'"):
        importorskip_or_fail("no_such_module_h14")
    assert importorskip_or_fail("json").__name__ == "json"


@pytest.mark.parametrize("name, value", [("LANDPLAN_CI", "1"), ("CI", "true")])
def test_in_ci_a_missing_tool_fails(developer, name, value):
    developer.setenv(name, value)
    assert ci_strict()
    with pytest.raises(pytest.fail.Exception, match=r"iconv is not on PATH.*LANDPLAN_CI=1"):
        skip_or_fail("iconv is not on PATH")
    with pytest.raises(pytest.fail.Exception, match="could not import 'no_such_module_h14'"):
        importorskip_or_fail("no_such_module_h14")


@pytest.mark.parametrize("value", ["0", "", "true"])
def test_only_landplan_ci_1_turns_skips_into_failures(developer, value):
    developer.setenv("LANDPLAN_CI", value)
    assert not ci_strict()


def test_the_ci_script_exports_landplan_ci_before_running_the_tests():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    export = lines.index("export LANDPLAN_CI=1")
    pytest_run = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert export < pytest_run
