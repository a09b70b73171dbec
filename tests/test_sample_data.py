"""The bundled sample district: every planted case found by the right rule, nothing else."""

from __future__ import annotations

import pandas as pd
import pytest

import landplan
from landplan import CheckConfig


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return pd.read_csv(landplan.sample_path("ground_truth.csv"), keep_default_na=False)


@pytest.fixture(scope="module")
def result():
    plan = landplan.load_plan(landplan.sample_path("plan.gpkg"))
    decisions = landplan.load_decisions(landplan.sample_path("decisions"))
    return landplan.check(plan, decisions, config=CheckConfig(lang="en"))


def test_sample_is_a_realistic_size(result, truth):
    assert 300 <= len(result.plan) <= 600
    assert 2000 <= len(result.decisions) <= 4000
    assert result.decisions.crs.to_epsg() == 9209
    assert len(truth) >= 60


def test_every_input_record_appears_exactly_once(result):
    raw = landplan.read_layer(landplan.sample_path("decisions"))
    rows = result.decisions["source_row"]
    assert rows.is_unique
    assert sorted(rows) == list(range(len(raw)))


def test_every_planted_case_has_its_expected_status_and_nothing_else_is_flagged(result, truth):
    expected = dict(zip(truth["source_row"], truth["expected_status"], strict=True))
    d = result.decisions
    wanted = d["source_row"].map(expected).fillna("compliant")
    wrong = d.loc[d["status"] != wanted, ["source_row", "land_use", "status", "reason"]]
    assert wrong.empty, wrong.assign(expected=wanted[wrong.index]).to_string()


def test_every_planted_case_is_found_by_the_right_rule_and_only_by_it(result, truth):
    found = result.findings.groupby("source_row")["rule"].agg(lambda r: sorted(set(r)))
    planted = {row: ([rule] if rule else []) for row, rule in
               zip(truth["source_row"], truth["expected_rule"], strict=True)}
    for row in result.decisions["source_row"]:
        assert found.get(row, []) == planted.get(row, []), (row, found.get(row))


def test_planted_violations_name_the_planned_code(result, truth):
    violations = truth[truth["expected_rule"] == "zoning-conflict"]
    f = result.findings[result.findings["rule"] == "zoning-conflict"]
    for row, planned in zip(violations["source_row"], violations["planned"], strict=True):
        assert planned in set(f.loc[f["source_row"] == row, "planned_land_use"]), row


def test_all_four_kinds_are_recognised_in_the_sample(result):
    assert set(result.decisions["kind"].dropna()) == {"allocation", "lease", "recognition",
                                                      "conversion"}
    assert result.decisions["kind"].notna().all()
    assert result.decisions["decision_date"].notna().all()
