"""The pre-check's speed-ups keep check's answers: one check gives both languages' messages
(``_check``'s ``also``), and a plan whose overlaps were resolved once (``resolved``) gives
the check a fresh resolution gives; the pre-check's answers agree with two checks, one per
language, on the whole layers' subset as before."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from tests.serve_helpers import sample_layers


@pytest.fixture(scope="module")
def data():
    from landplan._serve_index import ServeData

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ServeData(**sample_layers())


def test_other_language_reasons_are_those_of_a_check_in_that_language(sample_check):
    import landplan
    from landplan._problems import strict_mode
    from landplan._sample import sample_inputs, sample_result
    from landplan.check import _check

    inputs, config = sample_inputs()
    plans = {d: landplan.load_plan(p) for p, d in inputs.plans}
    decisions = landplan.load_decisions(inputs.decisions)
    with warnings.catch_warnings(), strict_mode(False):
        warnings.simplefilter("ignore")
        both = _check(
            landplan.plan_versions(plans), decisions,
            projects=landplan.load_projects(inputs.projects),
            corridors=landplan.load_corridors(inputs.corridors[0]),
            quotas=landplan.load_quotas(inputs.quotas), landcover=inputs.landcover,
            config=config, codes=None, compat=None, plan_columns=None,
            decision_columns=None, overlay=None,
            also={"en": (config.updated(lang="en"),
                         decisions["decision_no"].to_numpy(dtype=object))})
        english = sample_result(lang="en")
    reasons = both.decisions.pop("_reason_en")
    assert english.decisions["reason"].notna().sum() > 50
    assert (reasons.fillna("<none>").tolist()
            == english.decisions["reason"].fillna("<none>").tolist())
    # the check's own language is untouched by the option
    pd.testing.assert_frame_equal(both.decisions, sample_check.decisions)
    pd.testing.assert_frame_equal(both.findings, sample_check.findings)


def test_a_plan_resolved_once_checks_as_a_fresh_resolution():
    """On the sample plan with overlapping zones added (insets over granted parcels, of
    another code): the zones ``ServeData`` resolved once give the check's own answers."""
    import geopandas as gpd

    from landplan import check
    from landplan._problems import strict_mode
    from landplan._serve_index import ServeData
    from landplan.check import _check

    layers = sample_layers()
    plan = layers["plan"].to_crs(layers["parcels"].crs)
    granted = layers["parcels"][layers["parcels"]["geometry_status"] != "unusable"]
    insets = plan.iloc[:0].copy()
    picks = granted.iloc[::40]
    insets = gpd.GeoDataFrame(
        {c: [plan[c].iloc[0]] * len(picks) for c in plan.columns if c != plan.geometry.name},
        geometry=picks.geometry.buffer(15).to_numpy(), crs=plan.crs)
    insets["land_use"] = "SKC"
    layers["plan"] = gpd.GeoDataFrame(pd.concat([plan, insets], ignore_index=True),
                                      crs=plan.crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = ServeData(**layers)
    decisions = data.parcels
    kw = {"projects": data.projects, "corridors": data.corridors, "config": data.configs["vi"],
          "codes": data.codes, "compat": data.compat}
    with warnings.catch_warnings(), strict_mode(False):
        warnings.simplefilter("ignore")
        fresh = check(data.plan, decisions, **kw)
        once = _check(data.plan, decisions, quotas=None, landcover=None, plan_columns=None,
                      decision_columns=None, overlay=None, resolved=data.zones, **kw)
    pd.testing.assert_frame_equal(once.decisions, fresh.decisions)
    assert (fresh.decisions["status"] == "violation").sum() > 20
    columns = [c for c in fresh.findings.columns if c != "finding_id"]
    pd.testing.assert_frame_equal(once.findings[columns].reset_index(drop=True),
                                  fresh.findings[columns].reset_index(drop=True))


def test_precheck_messages_agree_with_one_check_per_language(data):
    """The reference: the pre-check as it was (one ``check`` per language, the overlaps of
    the subset resolved at each call)."""
    from landplan import check
    from landplan._labels import label
    from landplan._serve_precheck import DRAFT, _application, _near, _own, precheck

    p = data.parcels
    ok = ((p["geometry_status"] != "unusable") & p["land_use"].notna()
          & p["decision_date"].notna()).to_numpy()
    rows = np.flatnonzero(ok)[::7][:30]
    seen = set()
    for i in rows:
        r = p.iloc[int(i)]
        args = {"geometry": r.geometry, "parcel": {"unit": r["unit"], "sheet": r["sheet"],
                                                   "parcel_no": r["parcel_no"]},
                "kind": "conversion", "land_use": r["land_use"], "prev_land_use": "LUC",
                "decision_date": r["decision_date"].date()}
        plan, _, projects, corridors, others = _near(data, r.geometry)
        for lang in ("vi", "en"):
            answer = precheck(data, lang=lang, **args)
            for language in ("vi", "en"):
                app = _application(data, r.geometry, args["parcel"], "conversion", "conversion",
                                   r["land_use"], "LUC", pd.Timestamp(args["decision_date"]),
                                   DRAFT[language], others)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ref = check(plan, app, projects=projects, corridors=corridors,
                                config=data.configs[language], codes=data.codes,
                                compat=data.compat)
                row = ref.decisions.iloc[0]
                want = row["reason"] if isinstance(row["reason"], str) and row["reason"] \
                    else label(f"status.{row['status']}", language)
                assert answer["messages"][language] == want, (i, lang, language)
                assert answer["status"] == row["status"]
                if language == lang:
                    got = [{k: f[k] for k in ("rule", "message")} for f in answer["findings"]]
                    assert got == [{k: f[k] for k in ("rule", "message")}
                                   for f in _own(ref.findings, DRAFT[lang])]
            seen.add(answer["status"])
    assert {"violation", "compliant"} <= seen
