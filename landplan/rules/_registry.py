"""The rule registry: the rule functions attached to their ``rules.toml`` tables.

Metadata lives in ``landplan/data/rules.toml`` (read by :mod:`landplan._rulemeta`); code
registers a function under the same id with :func:`register`. Adding a rule = one function
registered in a module of this package and one table in ``rules.toml``. The rules run in the
order of the tables in ``rules.toml``, whatever the order the modules are imported in;
:func:`rule_table_problems` lists every mismatch between the code and the tables.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

import pandas as pd

from .._data import data_path
from .._labels import LANGS, check_lang, label
from .._rulemeta import SEVERITIES, RuleMeta, rule_meta, severity_rank
from ._context import CheckContext

__all__ = ["RULES", "SEVERITIES", "Rule", "register", "rule_reference", "rule_table",
           "rule_table_problems", "severity_rank"]


@dataclass(frozen=True)
class Rule(RuleMeta):
    """A registered rule: metadata from ``rules.toml`` and the function that applies it."""

    func: Callable[..., pd.DataFrame] = field(kw_only=True)

    def title(self, lang: str) -> str:
        """Title in ``lang``."""
        return str(getattr(self, f"title_{check_lang(lang)}"))

    def template(self, lang: str) -> str:
        """Message template in ``lang``."""
        return str(getattr(self, f"message_{check_lang(lang)}"))

    def legal_basis(self, lang: str = "vi", on: date | None = None) -> str:
        """Return the legal references in force on ``on`` as one line, in ``lang``.

        ``"Luật Đất đai 2013 (45/2013/QH13), Điều 52; … Điều 63 (chưa kiểm chứng)"``: the
        references whose ``from``/``until`` hold ``on`` (every one when ``on`` is None: a
        decision without a date), consecutive references to the same law under its name
        once, unverified ones tagged in ``lang`` only.
        """
        lang = check_lang(lang)
        unverified = label("message.unverified", lang)
        groups: list[tuple[str, list[str]]] = []
        for ref in self.legal:
            if on is not None and not _in_force(ref, on):
                continue
            law = ref.get(f"law_{lang}", ref["law"])
            article = ref.get(f"article_{lang}", ref["article"])
            if not ref.get("verified", False):
                article = (f"{article[:-1]}, {unverified})" if article.endswith(")")
                           and article.startswith("(") else f"{article} ({unverified})")
            if groups and groups[-1][0] == law:
                groups[-1][1].append(article)
            else:
                groups.append((law, [article]))
        return "; ".join(law + ("" if articles[0].startswith("(") else ",") + " "
                         + ", ".join(articles) for law, articles in groups)

    def legal_periods(self, lang: str = "vi") -> tuple[list[date], list[str]]:
        """Return the dates where the references in force change, and each period's text.

        ``bounds`` sorted; ``texts[i]`` is the text for dates before ``bounds[i]`` and on or
        after ``bounds[i - 1]`` (``texts[len(bounds)]``: on or after the last), and one more,
        ``texts[-1]``, for no date (every reference).
        """
        bounds = sorted({ref["from"] for ref in self.legal if "from" in ref}
                        | {ref["until"] + timedelta(days=1) for ref in self.legal
                           if "until" in ref})
        starts = [bounds[0] - timedelta(days=1)] if bounds else [date(2000, 1, 1)]
        starts += bounds
        return bounds, [self.legal_basis(lang, on) for on in starts] + \
            [self.legal_basis(lang)]


def _in_force(ref: dict[str, Any], on: date) -> bool:
    """Whether a legal reference applies to a decision dated ``on`` (both ends included)."""
    return ref.get("from", date.min) <= on <= ref.get("until", date.max)


RULES: dict[str, Rule] = {}
"""The registered rules, in run order (the order of the tables in ``rules.toml``)."""

_UNKNOWN: dict[str, Callable[..., pd.DataFrame]] = {}  # registered without a table
_TWICE: list[str] = []  # ids registered more than once


def register(rule_id: str) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Register a rule function under ``rule_id``; its metadata comes from ``rules.toml``.

    A function without a table, or an id registered twice, is not added to :data:`RULES`
    but reported by :func:`rule_table_problems` (the registry's test fails on it).
    """
    def decorate(func: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        meta = rule_meta().get(rule_id)
        if rule_id in RULES or rule_id in _UNKNOWN:
            _TWICE.append(rule_id)
        elif meta is None:
            _UNKNOWN[rule_id] = func
        else:
            RULES[rule_id] = Rule(**{f.name: getattr(meta, f.name) for f in fields(RuleMeta)},
                                  func=func)
            _reorder()
        return func

    return decorate


def _reorder() -> None:
    """Put :data:`RULES` in the order of ``rules.toml`` (in place: it is imported by name)."""
    order = {rule_id: i for i, rule_id in enumerate(rule_meta())}
    ordered = sorted(RULES.items(), key=lambda item: order[item[0]])
    RULES.clear()
    RULES.update(ordered)


def _limit_problems(at: str, params: dict[str, Any],
                    limits: dict[str, tuple[float, float]]) -> list[str]:
    """Return the problems of a rule's ``limits``: unknown or non-numeric parameters, bad ranges."""
    problems = []
    for name, pair in limits.items():
        default = params.get(name)
        numeric = isinstance(default, (int, float)) and not isinstance(default, bool)
        if not numeric:
            problems.append(f"{at}: limits.{name} names no numeric parameter")
        elif len(pair) != 2 or not pair[0] <= default <= pair[1]:
            problems.append(f"{at}: limits.{name} = {list(pair)} is not a range holding "
                            f"its default {default!r}")
    return problems


def rule_table_problems(context_fields: set[str] | None = None) -> list[str]:
    """Every mismatch between the registered functions and ``rules.toml``, in one pass.

    Parameters
    ----------
    context_fields
        The names a rule may list in ``needs`` (default: the fields of
        :class:`~landplan.rules.CheckContext`).

    Returns
    -------
    list of str
        One line per problem (empty when the registry is sound): a table without a
        registered function, a function without a table, an id registered twice, a
        ``needs`` that is no input, an unknown category or severity, a message field not
        listed in ``fields`` (or listed and unused), a parameter of an unsupported type.
    """
    if context_fields is None:
        context_fields = {f.name for f in fields(CheckContext)}
    problems = [f"rule '{rule_id}' is registered in code but has no table in rules.toml"
                for rule_id in _UNKNOWN]
    problems += [f"rule '{rule_id}' is registered twice" for rule_id in _TWICE]
    for rule_id, meta in rule_meta().items():
        at = f"rules.toml [{rule_id}]"
        if rule_id not in RULES:
            problems.append(f"{at} has no registered function (@register({rule_id!r}))")
        if meta.category not in _CATEGORIES:
            problems.append(f"{at}: category {meta.category!r} is not one of "
                            f"{', '.join(_CATEGORIES)}")
        for key in ("severity", *(k for k in meta.params if k.startswith("severity"))):
            value = meta.severity if key == "severity" else meta.params[key]
            if value not in SEVERITIES:
                problems.append(f"{at}: {key} {value!r} is not one of {', '.join(SEVERITIES)}")
        problems += [f"{at}: needs {need!r}, which is not an input of CheckContext"
                     for need in meta.needs if need not in context_fields]
        for lang in LANGS:
            used = _template_fields(getattr(meta, f"message_{lang}"))
            if used - set(meta.fields):
                problems.append(f"{at}: message_{lang} uses {sorted(used - set(meta.fields))} "
                                "not listed in fields")
            if set(meta.fields) - used:
                problems.append(f"{at}: fields {sorted(set(meta.fields) - used)} are not used "
                                f"by message_{lang}")
        problems += _limit_problems(at, meta.params, meta.limits)
        for name, value in meta.params.items():
            if not _supported_param(value):
                problems.append(f"{at}: parameter {name} = {value!r} has a type the "
                                "configuration cannot check (use true/false, a number ≥ 0, "
                                "text or a list of texts)")
    return problems


_CATEGORIES = ("compliance", "data-quality", "plan")


def _template_fields(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(template) if name}


def _supported_param(value: Any) -> bool:
    if isinstance(value, list):
        return all(isinstance(v, str) for v in value)
    return isinstance(value, (bool, int, float, str))


def rule_table(lang: str = "en") -> pd.DataFrame:
    """Tabulate the registered rules: id, category, severity, required, title, legal basis."""
    rows = [
        {"rule": r.id, "category": r.category, "severity": r.severity, "required": r.required,
         "title": r.title(lang), "legal_basis": r.legal_basis(lang)}
        for r in RULES.values()
    ]
    return pd.DataFrame(rows, columns=["rule", "category", "severity", "required", "title",
                                       "legal_basis"])


def rule_reference() -> str:
    """Generate the rule reference in Markdown from the registry (``docs/rules.md``)."""
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
        "Each decision is checked against the plan version in force on its date: the latest",
        "approved on or before it (the latest if it has no date). A decision dated before every",
        "version with an approval date was issued under the previous plan, which stays in",
        "force until the next is approved (Land Law 2024 Art. 60): it is `unchecked`",
        "(`no-plan-version`) until that plan is given with `--plan FILE@DATE`. A plan given",
        "without an approval date (one file, no `@DATE`) is in force for every decision. Being",
        "dated outside `plan_start`..`plan_end` is a note (`outside-plan-period`, now data",
        "quality; earlier releases made it a violation), not a violation: the decision is",
        "judged against the version in force on its date.",
        "",
        "Between consecutive plan versions, `adjustment-legalises-violation` reports (on the",
        "plan layer, without changing any decision's status) each adjustment that made an",
        "earlier violation comply: the decision stays a violation of the plan in force when it",
        "was issued, and the adjustment is flagged for review (hợp thức hóa vi phạm).",
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
            when = _period_words(ref)
            lines.append(f"- legal basis: {ref['law']}, {ref['article']}{mark}{when}"
                         + (f": {ref['text_en']}" if ref.get("text_en") else ""))
    return "\n".join(lines + _kinds_section()) + "\n"


def _period_words(ref: dict[str, Any]) -> str:
    """When a reference applies, for the docs: " (decisions from 2024-08-01)"."""
    if "from" in ref and "until" in ref:
        return f" (decisions from {ref['from']} to {ref['until']})"
    if "from" in ref:
        return f" (decisions from {ref['from']})"
    if "until" in ref:
        return f" (decisions until {ref['until']})"
    return ""


_KINDS_TEXT = """
## Kinds of decision

The `kind` column (hình thức, nguồn gốc sử dụng) is read as officials write it:
`landplan/data/kinds.csv` lists the spellings, `landplan/data/kind_reading.toml` how a value
is compared with them. Accents, case, Unicode form (NFC/NFD), punctuation and spacing do not
count (`hàng năm` = `hằng năm`, `DG-CTT` = `dg ctt`); leading "QĐ", "Quyết định", "Nhà
nước", "về việc" are dropped, and so is "đất" wherever it stands (`Nhà nước giao đất có thu
tiền sử dụng đất` = `giao có thu tiền sử dụng`); "SDĐ" ending an abbreviation is "SD"
(`Chuyển MĐSDĐ` = `chuyển MĐSD`); `04` = `4`. A value that matches no spelling stays
unrecognised: there is no fuzzy guessing. "CNQSDĐ" is read only as a whole value:
`GCNQSDĐ` (the certificate) and `HĐCNQSDĐ` (a transfer contract) are not recognitions.
`landplan info FILE` lists how each distinct value of the kind column is read, with counts.

- **allocation, lease, recognition** grant a use of land; **conversion** permits a change
  of use. "QĐ giao đất/cho thuê đất" (allocation or lease) is read as an allocation, the
  reading more rules judge.
- **recovery** (thu hồi đất). Land Law 2024 Art. 76(7) (verified): what carries out the
  land of the annual plan is a recovery decision or a permission to change use. A recovery
  is never judged as a grant (not by `zoning-conflict`, `protected-area`,
  `double-allocation`, `unused-land`, `wrong-purpose`, `conversion-not-in-annual-plan`);
  it must lie inside a project of its year's annual plan (`recovery-not-in-annual-plan`)
  and carries that project out for `stale-plan-item`. Its `land_use` is read as the use
  of the land recovered, so it is matched with projects whatever their purpose.
- **non-state**: origin-of-use codes that are no State decision — DT-KCN, DT-KCN-THN,
  DT-KCN-TML (sub-lease from an industrial-park investor), NCQ-1…NCQ-17 (transfers:
  inheritance, gift, sale, auction…), the VBDLIS ids 6–9 and 16, and words such as
  `nhận chuyển nhượng`, `thừa kế`, `tặng cho`. Not judged as grants, nor by
  `outside-plan-period` (no plan is their basis): `not-state-decision` makes them
  `unchecked` unless `wrong-purpose` finds a violation. The codes come from cadastral
  software (the same list in four independent sources; no official list was found:
  unverified).
- **Numbers** are the VBDLIS origin-of-use ids seen in one system: 1 recognition, 2/12 and
  3/13 recognition as allocation with/without fee, 4/5 allocation with/without fee, 10/11
  lease yearly/one-off, 14/15 recognition as lease, 6–9 and 16 no State grant. That they
  are national codes is unverified: another system's numbers would be misread — check
  them with `landplan info`.

**An unrecognised kind never makes a decision look compliant.** A blank or unreadable
kind is read the most demanding way that applies: as a grant (`zoning-conflict`,
`double-allocation` as the later decision, `unused-land`, `protected-area`), as an
allocation (`conversion-not-in-annual-plan`), and as a change of use
(`conversion-contrary-to-plan` instead of `zoning-conflict`, as it asks more) when the
record has a previous use other than its granted one. It is never read as a recovery or a
non-State record, which would spare it those rules. A violation found so makes the
decision a `violation`; otherwise `unknown-kind` (required) makes it `unchecked`, with
the reason and the fix (correct the kind). It carries out no project for
`stale-plan-item`, is not counted in conversion quotas (`quota-exceeded` would otherwise
make other decisions violations on a guess), and as the earlier of two overlapping
decisions it makes no other decision a `double-allocation`.

The spellings read, by kind (`landplan/data/kinds.csv`):
"""


def _kinds_section() -> list[str]:
    """Return the docs' *Kinds of decision*: the policy and every spelling of ``kinds.csv``."""
    table = pd.read_csv(data_path("kinds.csv"), dtype=str, keep_default_na=False)
    lines = _KINDS_TEXT.splitlines()
    lines += ["| kind | spellings |", "|---|---|"]
    for kind, group in table.groupby("kind", sort=False):
        lines.append(f"| `{kind}` | " + ", ".join(f"`{a}`" for a in group["alias"]) + " |")
    return lines
