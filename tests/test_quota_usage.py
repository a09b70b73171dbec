"""The quota accounting a result carries is the quota rules' own, and a commune's subset."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.slow
def test_quota_usage_agrees_with_the_quota_rules_findings(sample_check):
    usage = sample_check.quota_usage
    f = sample_check.findings
    over = f[f["rule"] == "quota-exceeded"]
    assert usage["n_over"].sum() == len(over) > 0
    exceeded = usage[usage["n_over"] > 0]
    assert (exceeded["remaining_ha"] < 0).all()
    assert set(exceeded["unit"]) == set(over["unit"])
    d = sample_check.decisions
    conversions = d[(d["kind"] == "conversion") & (d["unit"] == exceeded["unit"].iat[0])
                    & d["prev_land_use"].isin(["LUA", "LUC", "LUK", "LUN"])]
    # the overrun's running total over the conversions of that unit, in hectares
    assert exceeded["used_ha"].iat[0] == pytest.approx(
        np.nansum(conversions.loc[conversions["geometry_status"] != "unusable", "area_m2"])
        / 10_000, rel=1e-9)


@pytest.mark.slow
def test_a_communes_subset_keeps_its_decisions_and_the_findings_on_no_decision(sample_check):
    unit = sample_check.decisions["unit"].dropna().iat[0]
    sub = sample_check.subset(units=[unit])
    assert (sub.decisions["unit"] == unit).all()
    assert len(sub.decisions) == (sample_check.decisions["unit"] == unit).sum()
    on_decisions = sub.findings[sub.findings["layer"] == "decisions"]
    assert (on_decisions["unit"] == unit).all()
    others = sample_check.findings[sample_check.findings["layer"] != "decisions"]
    assert len(sub.findings) == len(on_decisions) + len(others)
