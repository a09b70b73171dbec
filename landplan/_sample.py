"""The bundled sample data (a source checkout's ``sample_data/`` folder).

Where it is, the inputs ``landplan demo`` checks, and their check.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .check import CheckResult, check
from .config import CheckConfig, load_config
from .errors import LayerNotFoundError
from .io import load_corridors, load_decisions, load_plan, load_projects
from .quotas import load_quotas
from .schema import plan_versions

__all__ = ["SampleInputs", "sample_dir", "sample_inputs", "sample_path", "sample_result"]


def sample_dir() -> Path:
    """Return the sample-data folder.

    ``$LANDPLAN_SAMPLE_DATA`` or the checkout's ``sample_data/``.
    """
    env = os.environ.get("LANDPLAN_SAMPLE_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[1] / "sample_data")
    for path in candidates:
        if (path / "plan.gpkg").exists():
            return path
    raise LayerNotFoundError.of("sample.not_found")


def sample_path(name: str) -> Path:
    """Path of a sample file, e.g. ``sample_path("plan.gpkg")``."""
    return sample_dir() / name


@dataclass
class SampleInputs:
    """The input files of the sample district (None: the sample does not ship it).

    ``plans`` lists each plan version as (path, approval date), the date None for a single
    plan.
    """

    plans: list[tuple[Path, str | None]]
    decisions: Path
    projects: Path | None = None
    corridors: list[Path] | None = None
    quotas: Path | None = None
    landcover: Path | None = None


def sample_inputs() -> tuple[SampleInputs, CheckConfig]:
    """Return the sample district with every optional input it ships, and its configuration.

    The configuration is its ``landplan.toml``, else the defaults.
    """
    root = sample_dir()
    plans: list[tuple[Path, str | None]] = [(root / "plan.gpkg", None)]
    if (root / "plan_2023.gpkg").exists():
        plans = [(root / "plan.gpkg", "2020-12-31"), (root / "plan_2023.gpkg", "2023-07-01")]
    inputs = SampleInputs(
        plans=plans, decisions=root / "decisions",
        projects=root / "projects.gpkg" if (root / "projects.gpkg").exists() else None,
        corridors=[root / "corridors.gpkg"] if (root / "corridors.gpkg").exists() else None,
        quotas=root / "quotas.csv" if (root / "quotas.csv").exists() else None,
        landcover=root / "landcover.csv" if (root / "landcover.csv").exists() else None,
    )
    config = load_config(root / "landplan.toml") if (root / "landplan.toml").exists() else None
    return inputs, config or CheckConfig()


def sample_result(**config_changes: Any) -> CheckResult:
    """Check the bundled sample district with every input it ships, as ``landplan demo`` does.

    ``config_changes`` change its configuration, e.g. ``lang="en"``.
    """
    inputs, config = sample_inputs()
    plans = {date: load_plan(path) for path, date in inputs.plans}
    plan = plans[None] if None in plans else plan_versions(plans)
    return check(
        plan, load_decisions(inputs.decisions),
        projects=load_projects(inputs.projects) if inputs.projects else None,
        corridors=load_corridors(inputs.corridors[0]) if inputs.corridors else None,
        quotas=load_quotas(inputs.quotas) if inputs.quotas else None,
        landcover=inputs.landcover, config=config.updated(**config_changes))
