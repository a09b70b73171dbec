"""Locating the bundled sample data (a source checkout's ``sample_data/`` folder)."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import LayerNotFoundError

__all__ = ["sample_dir", "sample_path"]


def sample_dir() -> Path:
    """The sample-data folder: ``$LANDPLAN_SAMPLE_DATA`` or the checkout's ``sample_data/``."""
    env = os.environ.get("LANDPLAN_SAMPLE_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[1] / "sample_data")
    for path in candidates:
        if (path / "plan.gpkg").exists():
            return path
    raise LayerNotFoundError(
        "Sample data not found. It ships in the sample_data/ folder of the landplan source "
        "tree: install from a checkout (pip install -e .) or set LANDPLAN_SAMPLE_DATA to "
        "that folder."
    )


def sample_path(name: str) -> Path:
    """Path of a sample file, e.g. ``sample_path("plan.gpkg")``."""
    return sample_dir() / name


def sample_result(**config_changes: object):
    """The check of the bundled sample district with every input it ships, as
    ``landplan demo`` runs it (``config_changes`` e.g. ``lang="en"``)."""
    from . import check, load_corridors, load_decisions, load_plan, load_projects, load_quotas
    from .cli import _demo_inputs
    from .schema import plan_versions

    inputs, config = _demo_inputs()
    plans = {date: load_plan(path) for path, date in inputs.plans}
    plan = plans[None] if None in plans else plan_versions(plans)
    return check(
        plan, load_decisions(inputs.decisions),
        projects=load_projects(inputs.projects) if inputs.projects else None,
        corridors=load_corridors(inputs.corridors[0]) if inputs.corridors else None,
        quotas=load_quotas(inputs.quotas) if inputs.quotas else None,
        landcover=inputs.landcover, config=config.updated(**config_changes))
