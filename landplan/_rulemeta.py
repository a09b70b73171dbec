"""Rule metadata: the tables of ``landplan/data/rules.toml`` and the severities.

This module knows what the rules *are* (ids, severities, messages, parameters, legal
references), not what they do: it imports nothing of landplan but the data files, so
that the configuration (:mod:`landplan.config`) can validate rule settings without loading the
rules, and the rules (:mod:`landplan.rules`) can attach their functions to it. The order of
the tables in ``rules.toml`` is the order the rules run in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ._data import load_toml
from ._labels import ranks

__all__ = ["SEVERITIES", "RuleMeta", "rule_meta", "severity_rank"]

_RANK = ranks("severity")  # landplan/data/labels.toml
SEVERITIES: tuple[str, ...] = tuple(sorted(_RANK, key=_RANK.__getitem__))


def severity_rank(severity: str) -> int:
    """Order of a severity (info=0 … critical=4)."""
    return int(_RANK[severity])


@dataclass(frozen=True)
class RuleMeta:
    """What ``rules.toml`` says of one rule.

    Attributes
    ----------
    id, category, severity, required
        Stable id, ``compliance``/``data-quality``/``plan``, default severity, and whether
        the rule may be disabled (required rules may not).
    title_en, title_vi, message_en, message_vi
        Bilingual title and message template (a Python format string).
    fields
        The names the message templates use (checked against them by the registry's test).
    legal
        Legal references (``law``, ``article``, ``text_en``, ``verified``).
    needs
        Optional inputs (fields of :class:`~landplan.rules.CheckContext`) without which the
        rule is skipped.
    params
        Parameters and their defaults (settable in ``[rules.<id>]``).
    limits
        Inclusive ``(low, high)`` range of numeric parameters that have one
        (``[<id>.limits]``, e.g. a share between 0 and 1).
    why
        Extra texts the rule's function fills into its messages (``[<id>.why]``).
    unless_violation
        Its blocking findings make a decision ``unchecked`` only when no compliance rule
        finds the decision a violation (an unreadable kind: a violation found by the most
        demanding reading stands).
    """

    id: str
    category: str
    severity: str
    required: bool
    title_en: str
    title_vi: str
    message_en: str
    message_vi: str
    fields: tuple[str, ...]
    legal: tuple[dict[str, Any], ...]
    needs: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    limits: dict[str, tuple[float, float]] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)
    unless_violation: bool = False


def _meta(rule_id: str, table: dict[str, Any]) -> RuleMeta:
    return RuleMeta(
        id=rule_id,
        category=table["category"],
        severity=table["severity"],
        required=bool(table.get("required", False)),
        title_en=table["title_en"],
        title_vi=table["title_vi"],
        message_en=table["message_en"],
        message_vi=table["message_vi"],
        fields=tuple(table.get("fields", ())),
        legal=tuple(table.get("legal", ())),
        needs=tuple(table.get("needs", ())),
        params=dict(table.get("params", {})),
        limits={name: tuple(pair) for name, pair in table.get("limits", {}).items()},
        why=dict(table.get("why", {})),
        unless_violation=bool(table.get("unless_violation", False)),
    )


@cache
def rule_meta() -> dict[str, RuleMeta]:
    """Return every rule's metadata, in the order of ``rules.toml`` (the run order).

    The result is cached: do not mutate it.
    """
    return {rule_id: _meta(rule_id, table) for rule_id, table in load_toml("rules.toml").items()}
