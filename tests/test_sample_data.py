"""The bundled sample district: every planted case found by the right rule, nothing else."""

from __future__ import annotations

import pandas as pd
import pytest

import landplan


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return pd.read_csv(landplan.sample_path("ground_truth.csv"), keep_default_na=False)


@pytest.fixture(scope="module")
def result(sample_check):
    """The check exactly as `landplan demo` runs it (conftest: one run per session)."""
    return sample_check


def test_sample_is_a_realistic_size(result, truth):
    assert 300 <= result.plan["plan_version"].fillna("v1").value_counts().max() <= 600
    assert 2000 <= len(result.decisions) <= 4500
    assert result.decisions.crs.to_epsg() == 9209
    assert len(truth) >= 60


def test_every_rule_runs_on_the_sample(result):
    assert set(result.rules["state"]) == {"ran"}, result.rules.to_string()


def test_every_input_record_appears_exactly_once(result):
    raw = landplan.read_layer(landplan.sample_path("decisions"))
    rows = result.decisions["source_row"]
    assert rows.is_unique
    assert sorted(rows) == list(range(len(raw)))


def test_every_planted_case_has_its_expected_status_and_nothing_else_is_flagged(result, truth):
    on_decisions = truth[truth["layer"] == "decisions"]
    expected = dict(zip(on_decisions["source_row"], on_decisions["expected_status"],
                        strict=False))
    d = result.decisions
    wanted = d["source_row"].map(expected).fillna("compliant")
    wrong = d.loc[d["status"] != wanted, ["source_row", "land_use", "status", "reason"]]
    assert wrong.empty, wrong.assign(expected=wanted[wrong.index]).to_string()


def test_every_planted_case_is_found_by_the_right_rule_and_only_by_it(result, truth):
    found = result.findings.groupby(["layer", "source_row"])["rule"].agg(
        lambda r: sorted(set(r)))
    planted = truth.groupby(["layer", "source_row"])["expected_rule"].agg(
        lambda r: sorted(x for x in set(r) if x))
    keys = set(found.index) | set(planted.index)
    wrong = {k: (found.get(k, []), planted.get(k, [])) for k in sorted(keys)
             if found.get(k, []) != planted.get(k, [])}
    assert not wrong, f"(layer, row): (found, expected) {wrong}"


def test_planted_zoning_violations_name_the_planned_code(result, truth):
    zoning = truth[truth["expected_rule"].isin(["zoning-conflict",
                                                 "conversion-contrary-to-plan"])]
    f = result.findings
    for row, rule, planned in zip(zoning["source_row"], zoning["expected_rule"],
                                  zoning["planned"], strict=True):
        got = set(f.loc[(f["source_row"] == row) & (f["rule"] == rule), "planned_land_use"])
        assert planned in got, (row, rule, planned, got)


def test_every_kind_is_in_the_sample_and_only_the_planted_unreadable_ones_are_not_read(
        result, truth):
    assert set(result.decisions["kind"].dropna()) == {"allocation", "lease", "recognition",
                                                      "conversion", "recovery", "non-state"}
    unread = result.decisions.loc[result.decisions["kind"].isna(), "source_row"]
    planted = truth.loc[truth["expected_rule"] == "unknown-kind", "source_row"]
    assert sorted(unread) == sorted(planted) and len(planted) == 3


def test_every_finding_on_a_drawn_parcel_has_a_geometry(result):
    f = result.findings
    usable = result.decisions.loc[result.decisions["geometry_status"] != "unusable",
                                  "source_row"]
    on_parcels = f[(f["layer"] == "decisions") & f["source_row"].isin(usable)]
    assert on_parcels.geometry.notna().all()
    assert (~on_parcels.geometry.is_empty).all()
