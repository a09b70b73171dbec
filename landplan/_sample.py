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
