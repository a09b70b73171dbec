"""Check configuration: tolerances, language, and per-rule settings (TOML file or code).

Example ``landplan.toml``::

    lang = "en"
    tolerance_pct = 5.0     # a conflict counts only above 5 % of the parcel ...
    tolerance_m2 = 20.0     # ... and above 20 m²

    [rules.unknown-kind]
    enabled = false

    [rules.zoning-conflict]
    severity = "critical"

    as_of = 2025-12-31         # evaluation date (default: today)
    plan_start = 2021-01-01    # the plan period (optional)
    plan_end = 2025-12-31

    [rules.conversion-contrary-to-plan]
    protected = ["LUA", "RPH", "RDD"]   # a rule parameter (see docs/rules.md)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ._data import read_toml
from .errors import ConfigError

__all__ = ["LANGS", "CheckConfig", "load_config"]

LANGS = ("vi", "en")


@dataclass(frozen=True)
class CheckConfig:
    """Settings of a check.

    Parameters
    ----------
    tolerance_pct
        A conflict is reported only when the conflicting area exceeds this share of the
        parcel (percent) ...
    tolerance_m2
        ... and this many square metres (both must be exceeded).
    lang
        Language of messages in the outputs: ``"vi"`` or ``"en"``.
    rules
        Per-rule settings: ``{rule_id: {"enabled": bool, "severity": str, <param>: value}}``;
        a rule's parameters and their defaults are listed in ``docs/rules.md``.
    as_of
        Evaluation date for everything date-dependent (default: today).
    plan_start, plan_end
        The plan period; decisions dated outside it are flagged (optional).
    """

    tolerance_pct: float = 5.0
    tolerance_m2: float = 20.0
    lang: str = "vi"
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    as_of: Any = None
    plan_start: Any = None
    plan_end: Any = None

    def __post_init__(self) -> None:
        from .rules import RULES, SEVERITIES

        problems: list[str] = []
        for name in ("as_of", "plan_start", "plan_end"):
            object.__setattr__(self, name, _to_date(getattr(self, name), name, problems))
        if self.as_of is None:
            object.__setattr__(self, "as_of", pd.Timestamp(date.today()))
        if (self.plan_start is not None and self.plan_end is not None
                and self.plan_start > self.plan_end):
            problems.append(f"plan_start {self.plan_start.date()} is after plan_end "
                            f"{self.plan_end.date()}")
        if not (0 <= float(self.tolerance_pct) < 100):
            problems.append(f"tolerance_pct must be in [0, 100), got {self.tolerance_pct}")
        if float(self.tolerance_m2) < 0:
            problems.append(f"tolerance_m2 must be ≥ 0, got {self.tolerance_m2}")
        if self.lang not in LANGS:
            problems.append(f"lang must be one of {', '.join(LANGS)}, got {self.lang!r}")
        for rule_id, settings in self.rules.items():
            if rule_id not in RULES:
                problems.append(f"unknown rule id '{rule_id}' (known: {', '.join(RULES)})")
                continue
            if not isinstance(settings, dict):
                problems.append(f"rules.{rule_id} must be a table of settings")
                continue
            extra = set(settings) - {"enabled", "severity"} - set(RULES[rule_id].params)
            if extra:
                problems.append(f"rules.{rule_id}: unknown setting(s) {', '.join(sorted(extra))}")
            sev = settings.get("severity")
            if sev is not None and sev not in SEVERITIES:
                problems.append(f"rules.{rule_id}.severity must be one of "
                                f"{', '.join(SEVERITIES)}, got {sev!r}")
            if settings.get("enabled", True) is False and RULES[rule_id].required:
                problems.append(f"rule '{rule_id}' cannot be disabled: it marks records that "
                                "cannot be checked")
        if problems:
            raise ConfigError("Invalid configuration:\n  - " + "\n  - ".join(problems))

    def enabled(self, rule_id: str) -> bool:
        """Whether ``rule_id`` runs."""
        return bool(self.rules.get(rule_id, {}).get("enabled", True))

    def severity(self, rule_id: str) -> str:
        """Severity of ``rule_id``'s findings (configured, else the registry default)."""
        from .rules import RULES

        return str(self.rules.get(rule_id, {}).get("severity", RULES[rule_id].severity))

    def param(self, rule_id: str, name: str) -> Any:
        """A rule parameter: configured, else the registry default."""
        from .rules import RULES

        return self.rules.get(rule_id, {}).get(name, RULES[rule_id].params[name])

    def updated(self, **changes: Any) -> CheckConfig:
        """A copy with some settings changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _to_date(value: Any, name: str, problems: list[str]) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        problems.append(f"{name} must be a date (YYYY-MM-DD), got {value!r}")
        return None
    return stamp.normalize().tz_localize(None) if stamp.tzinfo else stamp.normalize()


def load_config(path: str | Path) -> CheckConfig:
    """Read a TOML configuration file into a :class:`CheckConfig`."""
    try:
        data = read_toml(path)
    except FileNotFoundError as exc:
        raise ConfigError(f"Configuration file not found: {path}") from exc
    except Exception as exc:
        raise ConfigError(f"Configuration file {path} is not valid TOML: {exc}") from exc
    known = {f.name for f in fields(CheckConfig)}
    extra = sorted(set(data) - known)
    if extra:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(extra)} "
                          f"(known: {', '.join(sorted(known))})")
    return CheckConfig(**data)
