"""Documentation generated from data cannot drift from it."""

from __future__ import annotations

from pathlib import Path
from string import Formatter

from landplan.check import DECISION_OUTPUT_COLUMNS, FINDING_COLUMNS
from landplan.rules import RULES, rule_reference

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_rule_reference_is_generated_from_the_registry():
    assert (DOCS / "rules.md").read_text(encoding="utf-8") == rule_reference(), (
        "docs/rules.md is stale: run `python -m landplan.rules > docs/rules.md`"
    )


def test_every_output_column_is_documented():
    text = (DOCS / "outputs.md").read_text(encoding="utf-8")
    for column in [*DECISION_OUTPUT_COLUMNS, *FINDING_COLUMNS]:
        assert f"`{column}`" in text, column


def _fields(message: str) -> set[str]:
    """The replacement fields a message template names (``{area:.0f}`` → ``area``)."""
    return {name for _, name, _, _ in Formatter().parse(message) if name is not None}


def test_every_rule_has_a_message_in_both_languages_naming_its_fields():
    for rule in RULES.values():
        assert rule.message_en and rule.message_vi
        assert _fields(rule.message_en) == _fields(rule.message_vi), rule.id
