"""Check configuration: tolerances, language, and per-rule settings (TOML file or code).

Example ``landplan.toml``::

    lang = "en"
    tolerance_pct = 5.0     # a conflict counts only above 5 % of the parcel ...
    tolerance_m2 = 20.0     # ... and above 20 m²

    [rules.unknown-kind]
    enabled = false

    [rules.zoning-conflict]
    severity = "critical"
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

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
        Per-rule settings: ``{rule_id: {"enabled": bool, "severity": str}}``.
    """

    tolerance_pct: float = 5.0
    tolerance_m2: float = 20.0
    lang: str = "vi"
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from .rules import RULES, SEVERITIES

        problems = []
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
            extra = set(settings) - {"enabled", "severity"}
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

    def updated(self, **changes: Any) -> CheckConfig:
        """A copy with some settings changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


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
