"""Check configuration: tolerances, language, and per-rule settings (TOML file or code).

Example ``landplan.toml``::

    lang = "en"
    tolerance_pct = 5.0     # a conflict counts only above 5 % of the parcel ...
    tolerance_m2 = 20.0     # ... and above 20 m²

    as_of = 2025-12-31         # evaluation date (default: today); or "31/12/2025"
    plan_start = 2021          # the plan period (optional); a year is 1 January ...
    plan_end = 2025-12-31      # ... or 31 December (plan_end = 2025)

    [rules.area-mismatch]
    enabled = false

    [rules.zoning-conflict]
    severity = "critical"

    [rules.conversion-contrary-to-plan]
    protected = ["LUA", "RSX", "RPH", "RDD"]   # a rule parameter (see docs/rules.md)
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ._dates import parse_date
from ._labels import LANGS
from ._numbers import parse_number
from ._problems import Joined
from ._rulemeta import SEVERITIES, rule_meta
from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["LANGS", "CheckConfig", "check_settings", "load_config", "read_config_file",
           "resolve_config"]


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
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        clean, problems = check_settings(values)
        problems += _cross_problems(clean, {})
        if problems:
            raise _invalid(problems)
        for name, value in clean.items():
            object.__setattr__(self, name, value)
        if self.as_of is None:
            object.__setattr__(self, "as_of", pd.Timestamp(date.today()))

    def enabled(self, rule_id: str) -> bool:
        """Whether ``rule_id`` runs."""
        return bool(self.rules.get(rule_id, {}).get("enabled", True))

    def severity(self, rule_id: str) -> str:
        """Severity of ``rule_id``'s findings (configured, else the registry default)."""
        return str(self.rules.get(rule_id, {}).get("severity", rule_meta()[rule_id].severity))

    def param(self, rule_id: str, name: str) -> Any:
        """Return a rule parameter: configured, else the registry default."""
        return self.rules.get(rule_id, {}).get(name, rule_meta()[rule_id].params[name])

    def updated(self, **changes: Any) -> CheckConfig:
        """Return a copy with some settings changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_DATES = {"as_of": None, "plan_start": "start", "plan_end": "end"}
_NUMBERS = {"tolerance_pct": (0.0, 100.0), "tolerance_m2": (0.0, None)}


def check_settings(values: Mapping[str, Any], label: Callable[[str], str] = str,
                   *, text_numbers: bool = False) -> tuple[dict[str, Any], list[ConfigError]]:
    """Validate settings (type, range, finite) and convert them (dates to Timestamps).

    Parameters
    ----------
    values
        ``{setting: value}`` with :class:`CheckConfig` field names.
    label
        How a setting is named in messages (``"landplan.toml: tolerance_m2"``,
        ``"--tolerance-m2"``).
    text_numbers
        Whether numbers may be given as text (command-line options), read as user numbers
        (``0,5`` is 0.5).

    Returns
    -------
    (dict, list)
        The valid settings converted, and every problem found (nothing is raised).
    """
    rules = rule_meta()
    clean: dict[str, Any] = {}
    problems: list[ConfigError] = []
    for name, value in values.items():
        where = label(name)
        if name in _DATES:
            if value is None or value == "":
                clean[name] = None
                continue
            try:
                stamp = parse_date(value, bare_year=_DATES[name])
            except ValueError as why:
                key = "config.date_or_year" if _DATES[name] else "config.date"
                problems.append(ConfigError.of(key, where=where, value=repr(value), why=why))
                continue
            clean[name] = stamp
        elif name in _NUMBERS:
            low, high = _NUMBERS[name]
            number = _number(value, text_numbers)
            if number is None or not (low <= number and (high is None or number < high)):
                hint: object = (ConfigError.of("config.no_quotes") if isinstance(value, str)
                                and not text_numbers else "")
                problems.append(ConfigError.of(f"config.{name}", where=where, hint=hint,
                                               value=repr(value)))
                continue
            clean[name] = number
        elif name == "lang":
            if value not in LANGS:
                problems.append(ConfigError.of("config.lang", where=where,
                                               langs=", ".join(LANGS), value=repr(value)))
                continue
            clean[name] = value
        elif name == "rules":
            if not isinstance(value, Mapping):
                problems.append(ConfigError.of("config.rules_table", where=where))
                continue
            problems += _rules_problems(value, where, rules)
            clean[name] = {k: dict(v) for k, v in value.items() if isinstance(v, Mapping)}
        else:
            clean[name] = value
    return clean, problems


def _rules_problems(value: Mapping[str, Any], where: str,
                    rules: Mapping[str, Any]) -> list[ConfigError]:
    """Check the per-rule settings (``[rules.<id>]`` tables) against the rules' metadata.

    Returns every problem: unknown rule ids and settings, a required rule disabled, wrong
    severities and parameters that do not fit the type of their default.
    """
    problems: list[ConfigError] = []
    for rule_id, settings in value.items():
        at = f"{where}.{rule_id}"
        if rule_id not in rules:
            problems.append(ConfigError.of("config.unknown_rule", at=at, rule=rule_id,
                                           known=", ".join(rules)))
            continue
        if not isinstance(settings, Mapping):
            problems.append(ConfigError.of("config.rule_table", at=at))
            continue
        rule = rules[rule_id]
        extra = set(settings) - {"enabled", "severity"} - set(rule.params)
        if extra:
            problems.append(ConfigError.of(
                "config.unknown_rule_settings", at=at, extra=", ".join(sorted(extra)),
                known=", ".join(["enabled", "severity", *rule.params])))
        enabled = settings.get("enabled", True)
        if not isinstance(enabled, bool):
            problems.append(ConfigError.of("config.enabled", at=at, value=repr(enabled)))
        elif enabled is False and rule.required:
            problems.append(ConfigError.of("config.required_rule", rule=rule_id))
        for key in ("severity", *(k for k in rule.params if k.startswith("severity"))):
            sev = settings.get(key)
            if sev is not None and sev not in SEVERITIES:
                problems.append(ConfigError.of("config.severity", at=at, key=key,
                                               severities=", ".join(SEVERITIES),
                                               value=repr(sev)))
        for key, default in rule.params.items():
            if key in settings and not key.startswith("severity"):
                why = (_param_problem(settings[key], default)
                       or _limit_problem(settings[key], rule.limits.get(key)))
                if why:
                    problems.append(ConfigError.of("config.param", at=at, key=key, why=why,
                                                   value=repr(settings[key])))
    return problems


def _limit_problem(value: float, limits: tuple[float, float] | None) -> ConfigError | None:
    """Say how a rule parameter lies outside its ``limits`` (a share above 1: ``50``)."""
    if limits is None or limits[0] <= value <= limits[1]:
        return None
    key = "config.between_share" if limits == (0, 1) else "config.between"
    return ConfigError.of(key, low=limits[0], high=limits[1])


def _number(value: Any, text: bool) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif text and isinstance(value, str):
        number = parse_number(value)
    else:
        return None
    return number if math.isfinite(number) else None


def _param_problem(value: Any, default: Any) -> ConfigError | None:
    """Say what is wrong with a rule parameter, judged by the type of its default."""
    if isinstance(default, bool):
        ok, key = isinstance(value, bool), "boolean"
    elif isinstance(default, int):
        ok = (isinstance(value, int) and not isinstance(value, bool) and value >= 0)
        key = "whole"
    elif isinstance(default, float):
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
              and math.isfinite(value) and value >= 0)
        key = "finite"
    elif isinstance(default, list):
        ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
        key = "codes"
    elif isinstance(default, str):
        ok, key = isinstance(value, str), "text"
    else:
        return None
    return None if ok else ConfigError.of(f"config.{key}")


def _cross_problems(clean: Mapping[str, Any],
                    labels: Mapping[str, str]) -> list[ConfigError]:
    start, end = clean.get("plan_start"), clean.get("plan_end")
    if start is not None and end is not None and start > end:
        return [ConfigError.of("config.start_after_end",
                               start_name=labels.get("plan_start", "plan_start"),
                               start=f"{start:%d/%m/%Y}",
                               end_name=labels.get("plan_end", "plan_end"),
                               end=f"{end:%d/%m/%Y}")]
    return []


def _invalid(problems: list[ConfigError]) -> ConfigError:
    """Return the one error saying every problem of a configuration, a line each."""
    return ConfigError.of("config.invalid", count=len(problems),
                          s="s" if len(problems) > 1 else "",
                          problems=Joined(problems, "\n  - "),
                          forms=ConfigError.of("dates.forms"))


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read the raw settings of a TOML configuration file (UTF-8, with or without a BOM)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError.of("config.not_found", path=path) from exc
    except OSError as exc:
        raise ConfigError.of("config.unreadable", path=path, why=exc) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError.of("config.not_utf8", path=path, byte=exc.start) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError.of("config.not_toml", path=path, why=exc) from exc


def resolve_config(path: str | Path | None = None, options: Mapping[str, Any] | None = None,
                   base: CheckConfig | None = None) -> CheckConfig:
    """Build the configuration of a command from its file and command-line options.

    The file at ``path`` (else ``base``, else the defaults) with the command-line
    ``options`` (``{setting: text}``, None = not given) on top. Every value of the file and
    the options is validated in one pass; all problems are raised together in one
    :class:`~landplan.errors.ConfigError`.
    """
    problems: list[ConfigError] = []
    settings: dict[str, Any] = {}
    labels: dict[str, str] = {}
    if path is not None:
        raw = read_config_file(path)
        known = {f.name for f in fields(CheckConfig)}
        for name in sorted(set(raw) - known):
            problems.append(ConfigError.of("config.unknown_setting", path=path, name=name,
                                           known=", ".join(sorted(known))))
        file_values, found = check_settings({k: v for k, v in raw.items() if k in known},
                                            lambda k: f"{path}: {k}")
        problems += found
        settings.update(file_values)
        labels.update({k: f"{path}: {k}" for k in file_values})
    elif base is not None:
        settings.update({f.name: getattr(base, f.name) for f in fields(CheckConfig)})
    given = {k: v for k, v in (options or {}).items() if v is not None}
    option_values, found = check_settings(given, _option_name, text_numbers=True)
    problems += found
    settings.update(option_values)
    labels.update({k: _option_name(k) for k in option_values})
    problems += _cross_problems(settings, labels)
    if problems:
        raise _invalid(problems)
    return CheckConfig(**settings)


def _option_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def load_config(path: str | Path) -> CheckConfig:
    """Read a TOML configuration file into a :class:`CheckConfig`.

    Every value is validated; all problems are reported together.
    """
    return resolve_config(path)
