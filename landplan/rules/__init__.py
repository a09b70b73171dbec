"""Rules: small functions of a :class:`CheckContext` that return findings rows.

Each rule is registered once (:func:`register`) under a stable id whose severity,
bilingual messages and legal references live in ``landplan/data/rules.toml``.
Importing this package registers the built-in rules; they run in the order of the tables in
``rules.toml`` (not in the order of the imports below).
"""

from . import (  # noqa: F401  (registers the rules; the order is rules.toml's)
    adjustment,
    conversion,
    landcover,
    overlap,
    period,
    planlayer,
    projects,
    quality,
    recovery,
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
    rule_table_problems,
    severity_rank,
)
from ._skip import SkipRule

__all__ = ["RULES", "SEVERITIES", "CheckContext", "Rule", "SkipRule", "register",
           "rule_reference", "rule_table", "rule_table_problems", "severity_rank"]
