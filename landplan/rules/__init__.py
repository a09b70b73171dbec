"""Rules: small functions of a :class:`CheckContext` that return findings rows.

Each rule is registered once (:func:`register`) under a stable id whose severity,
bilingual messages and legal references live in ``landplan/data/rules.toml``.
Importing this package registers the built-in rules, in the order they run.
"""

from . import (  # noqa: F401  (registers the rules, in this order)
    conversion,
    landcover,
    overlap,
    period,
    planlayer,
    projects,
    quality,
    zoning,
)
from ._context import CheckContext
from ._registry import (
    RULES,
    SEVERITIES,
    Rule,
    register,
    rule_reference,
    rule_table,
    severity_rank,
)
from ._skip import SkipRule

__all__ = ["RULES", "SEVERITIES", "CheckContext", "Rule", "SkipRule", "register",
           "rule_reference", "rule_table", "severity_rank"]
