"""The notebooks are kept with their outputs stripped (they run in the suite via nbmake)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_the_two_workflow_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["01_explore_district_plan.ipynb",
                                           "02_inspection_session.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_outputs_are_stripped_in_git(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [], f"{path.name}: strip outputs before commit"
            assert cell.get("execution_count") is None
