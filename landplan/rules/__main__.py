"""``python -m landplan.rules`` prints the rule reference (docs/rules.md) in Markdown."""

from . import rule_reference

print(rule_reference(), end="")
