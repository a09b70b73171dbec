"""The rule registry: ids, severities, bilingual messages and legal references.

Metadata lives in ``landplan/data/rules.toml``; code registers a function under the
same id with :func:`register`. Adding a rule = one module with a registered function
and one table in ``rules.toml``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._data import data_path, load_toml

__all__ = ["RULES", "SEVERITIES", "Rule", "register", "rule_reference", "rule_table",
           "severity_rank"]

_sev = pd.read_csv(data_path("severities.csv"), keep_default_na=False)
SEVERITIES: tuple[str, ...] = tuple(_sev.sort_values("rank")["severity"])
_RANK = dict(zip(_sev["severity"], _sev["rank"], strict=True))


def severity_rank(severity: str) -> int:
    """Order of a severity (info=0 … critical=4)."""
    return int(_RANK[severity])


@dataclass(frozen=True)
class Rule:
    """A registered rule: metadata from ``rules.toml`` and the function that applies it."""

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
    func: Callable[..., pd.DataFrame]
    needs: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    def title(self, lang: str) -> str:
        """Title in ``lang``."""
        return self.title_vi if lang == "vi" else self.title_en

    def template(self, lang: str) -> str:
        """Message template in ``lang``."""
        return self.message_vi if lang == "vi" else self.message_en

    def legal_basis(self) -> str:
        """Legal references as one line ("Luật Đất đai 2013 … Điều 52; … (unverified)")."""
        parts = []
        for ref in self.legal:
            text = f"{ref['law']}, {ref['article']}"
            if not ref.get("verified", False):
                text += " (chưa kiểm chứng / unverified)"
            parts.append(text)
        return "; ".join(parts)


RULES: dict[str, Rule] = {}


def register(rule_id: str) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Register a rule function under ``rule_id``; its metadata comes from ``rules.toml``."""
    meta = load_toml("rules.toml").get(rule_id)
    if meta is None:
        raise KeyError(f"rule '{rule_id}' has no entry in landplan/data/rules.toml")

    def decorate(func: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if rule_id in RULES:
            raise KeyError(f"rule '{rule_id}' registered twice")
        RULES[rule_id] = Rule(
            id=rule_id,
            category=meta["category"],
            severity=meta["severity"],
            required=bool(meta.get("required", False)),
            title_en=meta["title_en"],
            title_vi=meta["title_vi"],
            message_en=meta["message_en"],
            message_vi=meta["message_vi"],
            fields=tuple(meta.get("fields", ())),
            legal=tuple(meta.get("legal", ())),
            func=func,
            needs=tuple(meta.get("needs", ())),
            params=dict(meta.get("params", {})),
        )
        return func

    return decorate


def rule_table(lang: str = "en") -> pd.DataFrame:
    """The registered rules as a table: id, category, severity, required, title, legal basis."""
    rows = [
        {"rule": r.id, "category": r.category, "severity": r.severity, "required": r.required,
         "title": r.title(lang), "legal_basis": r.legal_basis()}
        for r in RULES.values()
    ]
    return pd.DataFrame(rows, columns=["rule", "category", "severity", "required", "title",
                                       "legal_basis"])


def rule_reference() -> str:
    """The rule reference in Markdown, generated from the registry (``docs/rules.md``)."""
    lines = [
        "# Rules",
        "",
        "<!-- Generated from landplan/data/rules.toml by landplan.rules.rule_reference();",
        "     do not edit by hand: run `python -m landplan.rules > docs/rules.md`. -->",
        "",
        "Each rule has a stable id (used in outputs, configuration and these docs), a default",
        "severity (info < low < medium < high < critical), a category and bilingual messages.",
        "`compliance` findings make a decision a `violation`; `data-quality` findings explain a",
        "repair, or — for *required* rules, which cannot be disabled — why a decision is",
        "`unchecked`; `plan` findings concern the plan's own items (annual-plan projects, the",
        "plan layer's overlapping zones and holes) and do not change any decision's status.",
        "Legal references marked *unverified* are kept as data and should be checked against",
        "the official text.",
        "",
        "Overlapping plan zones (a zone digitised twice, an inset drawn on top of the zone",
        "around it, slivers between neighbours) are resolved before the check, so that no land",
        "is counted twice: each overlap is given to the **smaller** of the two zones (an inset",
        "designates its part; a sliver goes to the smaller neighbour), to the zone listed",
        "**first** when both are equal (a duplicate), and a place covered by three or more",
        "zones to the smallest. A parcel's shares then never exceed 100 % and no summary area",
        "is doubled; every overlap is reported by `plan-overlap`, naming the zone that took",
        "it, so that the plan can be corrected (an overlap of two different codes means the",
        "plan itself is ambiguous there: check the findings of decisions on it). Two plan",
        "versions with the same approval date are refused (exit 2, naming both files).",
        "",
        "Area tolerance (all area rules): an area counts only when it is larger than",
        "`tolerance_pct` (5 %) of the parcel AND larger than `tolerance_m2` (20 m²).",
        "Each decision is checked against the plan version in force on its date (the latest",
        "approved on or before it; the earliest if it predates them all; the latest if it has",
        "no date).",
        "",
        "| id | category | severity | required | title (en) | title (vi) |",
        "|---|---|---|---|---|---|",
    ]
    for r in RULES.values():
        lines.append(f"| `{r.id}` | {r.category} | {r.severity} | {'yes' if r.required else 'no'}"
                     f" | {r.title_en} | {r.title_vi} |")
    for r in RULES.values():
        lines += ["", f"## `{r.id}`", "", f"**{r.title_en}** — *{r.title_vi}*", ""]
        doc = (r.func.__doc__ or "").strip()
        if doc:
            lines += [" ".join(doc.split()), ""]
        if r.needs:
            lines.append(f"- needs: {', '.join(r.needs)} (skipped, and said so, without it)")
        for name, value in r.params.items():
            lines.append(f"- parameter `{name}` = `{value!r}` (set in `[rules.{r.id}]`)")
        lines += [f"- category: {r.category}; default severity: {r.severity}",
                  f"- message (en): {r.message_en}", f"- message (vi): {r.message_vi}"]
        for ref in r.legal:
            mark = "" if ref.get("verified", False) else " — *unverified*"
            lines.append(f"- legal basis: {ref['law']}, {ref['article']}{mark}"
                         + (f": {ref['text_en']}" if ref.get("text_en") else ""))
    return "\n".join(lines) + "\n"
