"""landplan — check land decisions against the approved land-use plan.

The short public API::

    import landplan
    plan = landplan.load_plan("plan.gpkg")
    decisions = landplan.load_decisions("decisions.shp")
    result = landplan.check(plan, decisions)          # (decisions, findings, plan)
    landplan.summarize(result)
    landplan.make_map(result)                          # folium.Map
    landplan.write_outputs(result, "out/")

Results are plain GeoDataFrames.
"""

from __future__ import annotations

import logging

from ._sample import sample_dir, sample_path
from ._version import installed_version
from .check import CheckResult, check
from .codes import load_codes, load_compatibility
from .config import CheckConfig, load_config
from .encodings import detect_encoding
from .errors import (
    CodeTableError,
    ColumnError,
    ConfigError,
    CRSError,
    CRSWarning,
    InputError,
    LandplanError,
    LandplanWarning,
    LayerNotFoundError,
    MissingDependencyError,
    OutputError,
    RuleSkippedWarning,
    StrictError,
    TextEncodingWarning,
    UnreadableRecordsWarning,
    UnsafeZipEntryWarning,
)
from .info import file_info, format_info
from .io import (
    list_layers,
    load_corridors,
    load_decisions,
    load_plan,
    load_projects,
    read_layer,
)
from .plandiff import plan_diff
from .quotas import load_quotas
from .report import summarize, write_outputs
from .rules import RULES, rule_table
from .schema import plan_versions
from .units import load_units

__version__ = installed_version()

__all__ = [
    "RULES",
    "CRSError",
    "CRSWarning",
    "CheckConfig",
    "CheckResult",
    "CodeTableError",
    "ColumnError",
    "ConfigError",
    "InputError",
    "LandplanError",
    "LandplanWarning",
    "LayerNotFoundError",
    "MissingDependencyError",
    "OutputError",
    "RuleSkippedWarning",
    "StrictError",
    "TextEncodingWarning",
    "UnreadableRecordsWarning",
    "UnsafeZipEntryWarning",
    "check",
    "detect_encoding",
    "file_info",
    "format_info",
    "list_layers",
    "load_codes",
    "load_compatibility",
    "load_config",
    "load_corridors",
    "load_decisions",
    "load_plan",
    "load_projects",
    "load_quotas",
    "load_units",
    "make_map",
    "plan_diff",
    "plan_versions",
    "read_layer",
    "rule_table",
    "sample_dir",
    "sample_path",
    "summarize",
    "write_outputs",
    "write_xlsx",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

_LAZY = {"make_map": "maps", "write_xlsx": "excel"}  # folium and openpyxl load on first use


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'landplan' has no attribute {name!r}")
