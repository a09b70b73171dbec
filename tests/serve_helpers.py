"""Shared by the web-service tests: the sample district's layers, loaded once per module."""

from __future__ import annotations

import warnings

from tests.conftest import importorskip_or_fail

importorskip_or_fail("fastapi")  # the [serve] extra; a skip is a failure in CI


def sample_layers() -> dict:
    """The sample district as ``landplan serve --demo`` loads it: keyword arguments of
    :func:`landplan.serve.create_app` (the decisions layer stands for the cadastre)."""
    import landplan
    from landplan._sample import sample_inputs

    inputs, config = sample_inputs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = landplan.plan_versions({date: landplan.load_plan(path)
                                       for path, date in inputs.plans})
        return {"plan": plan, "parcels": landplan.load_decisions(inputs.decisions),
                "projects": landplan.load_projects(inputs.projects),
                "corridors": landplan.load_corridors(inputs.corridors[0]), "config": config}
