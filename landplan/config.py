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

from ._dates import DATE_FORMS, parse_date
from ._labels import LANGS
from ._numbers import parse_number
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
            raise ConfigError(_problem_text(problems))
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
_NUMBERS = {"tolerance_pct": (0.0, 100.0, "in [0, 100)"), "tolerance_m2": (0.0, None, "≥ 0")}


def check_settings(values: Mapping[str, Any], label: Callable[[str], str] = str,
                   *, text_numbers: bool = False) -> tuple[dict[str, Any], list[str]]:
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
    problems: list[str] = []
    for name, value in values.items():
        where = label(name)
        if name in _DATES:
            if value is None or value == "":
                clean[name] = None
                continue
            try:
                stamp = parse_date(value, bare_year=_DATES[name])
            except ValueError as why:
                kind = ("a date or a year" if _DATES[name] else "a date")
                problems.append(f"{where} must be {kind}, got {value!r}: {why}")
                continue
            clean[name] = stamp
        elif name in _NUMBERS:
            low, high, text = _NUMBERS[name]
            number = _number(value, text_numbers)
            if number is None or not (low <= number and (high is None or number < high)):
                hint = (" (write it without quotes)" if isinstance(value, str)
                        and not text_numbers else "")
                problems.append(f"{where} must be a finite number {text}{hint}, got {value!r}")
                continue
            clean[name] = number
        elif name == "lang":
            if value not in LANGS:
                problems.append(f"{where} must be one of {', '.join(LANGS)}, got {value!r}")
                continue
            clean[name] = value
        elif name == "rules":
            if not isinstance(value, Mapping):
                problems.append(f"{where} must be a table of rule settings ([rules.<id>])")
                continue
            problems += _rules_problems(value, where, rules)
            clean[name] = {k: dict(v) for k, v in value.items() if isinstance(v, Mapping)}
        else:
            clean[name] = value
    return clean, problems


def _rules_problems(value: Mapping[str, Any], where: str,
                    rules: Mapping[str, Any]) -> list[str]:
    """Check the per-rule settings (``[rules.<id>]`` tables) against the rules' metadata.

    Returns every problem: unknown rule ids and settings, a required rule disabled, wrong
    severities and parameters that do not fit the type of their default.
    """
    problems: list[str] = []
    for rule_id, settings in value.items():
        at = f"{where}.{rule_id}"
        if rule_id not in rules:
            problems.append(f"{at}: unknown rule id '{rule_id}' "
                            f"(known: {', '.join(rules)})")
            continue
        if not isinstance(settings, Mapping):
            problems.append(f"{at} must be a table of settings")
            continue
        rule = rules[rule_id]
        extra = set(settings) - {"enabled", "severity"} - set(rule.params)
        if extra:
            problems.append(f"{at}: unknown setting(s) {', '.join(sorted(extra))} "
                            f"(known: {', '.join(['enabled', 'severity', *rule.params])})")
        enabled = settings.get("enabled", True)
        if not isinstance(enabled, bool):
            problems.append(f"{at}.enabled must be true or false (without quotes), "
                            f"got {enabled!r}")
        elif enabled is False and rule.required:
            problems.append(f"rule '{rule_id}' cannot be disabled: it marks records "
                            "that cannot be checked")
        for key in ("severity", *(k for k in rule.params if k.startswith("severity"))):
            sev = settings.get(key)
            if sev is not None and sev not in SEVERITIES:
                problems.append(f"{at}.{key} must be one of {', '.join(SEVERITIES)}, "
                                f"got {sev!r}")
        for key, default in rule.params.items():
            if key in settings and not key.startswith("severity"):
                why = (_param_problem(settings[key], default)
                       or _limit_problem(settings[key], rule.limits.get(key)))
                if why:
                    problems.append(f"{at}.{key} {why}, got {settings[key]!r}")
    return problems


def _limit_problem(value: float, limits: tuple[float, float] | None) -> str | None:
    """Say how a rule parameter lies outside its ``limits`` (a share above 1: ``50``)."""
    if limits is None or limits[0] <= value <= limits[1]:
        return None
    share = limits == (0, 1)
    return (f"must be between {limits[0]} and {limits[1]}"
            + (" (a share: 0.5 means 50 %)" if share else ""))


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


def _param_problem(value: Any, default: Any) -> str | None:
    """Say what is wrong with a rule parameter, judged by the type of its default."""
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "must be true or false (without quotes)"
    if isinstance(default, int):
        ok = (isinstance(value, int) and not isinstance(value, bool) and value >= 0)
        return None if ok else "must be a whole number ≥ 0"
    if isinstance(default, float):
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
              and math.isfinite(value) and value >= 0)
        return None if ok else "must be a finite number ≥ 0"
    if isinstance(default, list):
        ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
        return None if ok else 'must be a list of codes, e.g. ["LUA", "RPH"]'
    if isinstance(default, str):
        return None if isinstance(value, str) else "must be text (in quotes)"
    return None


def _cross_problems(clean: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    start, end = clean.get("plan_start"), clean.get("plan_end")
    if start is not None and end is not None and start > end:
        return [f"{labels.get('plan_start', 'plan_start')} {start:%d/%m/%Y} is after "
                f"{labels.get('plan_end', 'plan_end')} {end:%d/%m/%Y}"]
    return []


def _problem_text(problems: list[str]) -> str:
    return ("Invalid configuration (" + str(len(problems)) + " problem"
            + ("s" if len(problems) > 1 else "") + "):\n  - " + "\n  - ".join(problems)
            + f"\nDates: {DATE_FORMS}; see docs/cli.md for every setting.")


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read the raw settings of a TOML configuration file (UTF-8, with or without a BOM)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(f"Configuration file not found: {path}") from exc
    except OSError as exc:
        raise ConfigError(f"Configuration file {path} cannot be read: {exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Configuration file {path} is not UTF-8 text (byte {exc.start}); "
                          "save it as UTF-8.") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Configuration file {path} is not valid TOML: {exc}. "
                          "Write settings as name = value, text in quotes, e.g. "
                          'lang = "en", tolerance_m2 = 20.0.') from exc


def resolve_config(path: str | Path | None = None, options: Mapping[str, Any] | None = None,
                   base: CheckConfig | None = None) -> CheckConfig:
    """Build the configuration of a command from its file and command-line options.

    The file at ``path`` (else ``base``, else the defaults) with the command-line
    ``options`` (``{setting: text}``, None = not given) on top. Every value of the file and
    the options is validated in one pass; all problems are raised together in one
    :class:`~landplan.errors.ConfigError`.
    """
    problems: list[str] = []
    settings: dict[str, Any] = {}
    labels: dict[str, str] = {}
    if path is not None:
        raw = read_config_file(path)
        known = {f.name for f in fields(CheckConfig)}
        for name in sorted(set(raw) - known):
            problems.append(f"{path}: unknown setting '{name}' (known: "
                            f"{', '.join(sorted(known))})")
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
        raise ConfigError(_problem_text(problems))
    return CheckConfig(**settings)


def _option_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def load_config(path: str | Path) -> CheckConfig:
    """Read a TOML configuration file into a :class:`CheckConfig`.

    Every value is validated; all problems are reported together.
    """
    return resolve_config(path)
