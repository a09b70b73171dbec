"""Issue problems at the library boundary: warnings, errors in strict mode, missing extras.

A :class:`~landplan.errors.LandplanWarning` is issued with :func:`warn`: through
:func:`warnings.warn`, attributed to the first caller outside the landplan package (the
user's line in a notebook or script). Inside :func:`strict_mode` — a public function called
with ``strict=True`` — it is raised as :class:`~landplan.errors.StrictError` instead. The
mode is a context variable: nothing global changes, and other threads are not affected.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from string import Formatter
from typing import Any

from ._data import load_toml
from .errors import LandplanWarning, MissingDependencyError, StrictError

__all__ = ["Joined", "Said", "Text", "localized", "missing_dependency", "os_error_text",
           "problem_text", "strict_mode", "warn"]

_STRICT: ContextVar[bool] = ContextVar("landplan_strict", default=False)
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


@contextmanager
def strict_mode(strict: bool = True) -> Iterator[None]:
    """Make :func:`warn` raise :class:`~landplan.errors.StrictError` within the block.

    Only when ``strict``; otherwise the mode around it is kept.
    """
    if not strict:
        yield
        return
    token = _STRICT.set(True)
    try:
        yield
    finally:
        _STRICT.reset(token)


def warn(warning: LandplanWarning, origin: str) -> None:
    """Issue ``warning`` for the user's code, or raise it in strict mode.

    Parameters
    ----------
    warning
        The warning, with its message.
    origin
        The issuing module's ``__name__`` (the command line prints it as the logger name).

    Raises
    ------
    StrictError
        In :func:`strict_mode`, carrying the message and the warning.
    """
    warning.origin = origin
    if _STRICT.get():
        raise StrictError(str(warning), warning)
    warnings.warn(warning, stacklevel=_outside_level())


def _outside_level() -> int:
    """Return the ``stacklevel`` of the first frame outside the landplan package.

    As :func:`warn`'s call to :func:`warnings.warn` counts it: the user's call of a public
    function.
    """
    frame = sys._getframe(1)  # warn
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
        level += 1
    return level


def missing_dependency(feature: str, package: str, extra: str) -> MissingDependencyError:
    """Return the error for an optional dependency that is not installed.

    To be raised ``from`` the ImportError: English as ``str()``, Vietnamese with
    ``localized("vi")`` (as the command line prints it), with the ``pip install`` command.

    Parameters
    ----------
    feature
        What needs it, as the user wrote it (``engine='fiona'``, ``landplan.distributed``).
    package
        The missing import.
    extra
        The extra of ``pyproject.toml`` that installs it.
    """
    error = MissingDependencyError.of("missing_dependency", feature=feature, package=package,
                                      extra=extra)
    error.name = package
    return error


# --- the templates of errors and warnings: landplan/data/problems.toml --------------------

_FILE = "problems.toml"
_LANGS = ("vi", "en")


def problem_text(key: str, lang: str, fields: Mapping[str, Any] | None = None) -> str:
    """Write the template ``key`` of ``problems.toml`` in ``lang``, filled with ``fields``.

    A field that is itself an error or warning of landplan (or a list of them) is written in
    ``lang`` too.

    Raises
    ------
    KeyError
        When ``key`` is not a template of the table.
    landplan.errors.ConfigError
        When ``lang`` is not one of ``vi``, ``en``.
    """
    from ._labels import check_lang

    template = _templates()[key][check_lang(lang)]
    values = {name: _field(value, lang) for name, value in (fields or {}).items()}
    return template.format(**values)


def localized(part: Any, lang: str) -> str:
    """``part.localized(lang)`` for an error or warning of landplan, else ``str(part)``."""
    return part.localized(lang) if hasattr(part, "localized") else str(part)


def os_error_text(error: OSError, lang: str) -> str:
    """Say an :class:`OSError` (unreadable file, full disk …) in ``lang``.

    The reason is the ``[os]`` template of its ``errno`` name when there is one, else the
    system's own words.
    """
    import errno as errnos

    name = errnos.errorcode.get(error.errno or 0, "")
    reason = (problem_text(f"os.{name}", lang) if f"os.{name}" in _templates()
              else error.strerror or str(error))
    path = error.filename if error.filename is not None else ""
    return problem_text("os_error", lang, {"path": path, "reason": reason}) if path \
        else reason


class Text(str):
    """A text of ``problems.toml`` that is also a :class:`str` (its English words).

    For texts that are not errors but end up in one, or in ``attrs`` (the note on a CRS):
    ``str`` code keeps working, and :meth:`localized` writes it in another language.
    """

    key: str
    fields: dict[str, Any]

    def __new__(cls, key: str, /, **fields: Any) -> Text:
        made = super().__new__(cls, problem_text(key, "en", fields))
        made.key, made.fields = key, fields
        return made

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:
        return (self.key,), self.fields  # copied and pickled (pandas deep-copies attrs)

    def localized(self, lang: str) -> str:
        """Return the text in ``lang``."""
        return problem_text(self.key, lang, self.fields)


class Said(str):
    """The English words of an error (a :class:`str`) that can say themselves in any language.

    For a message kept as text (``landplan info``'s ``"error"`` of a layer). ``thing`` is
    an error or warning of landplan, or a function of the language that writes the words.
    """

    def __new__(cls, thing: Any) -> Said:
        made = super().__new__(cls, thing("en") if callable(thing) else str(thing))
        made.thing = thing
        return made

    def __getnewargs__(self) -> tuple[Any]:
        return (self.thing,)

    def localized(self, lang: str) -> str:
        """Return the message in ``lang``."""
        return self.thing(lang) if callable(self.thing) else localized(self.thing, lang)


class Joined:
    """Errors (or texts) one after the other, each in the language of the message they fill.

    A field of a template: ``ConfigError.of("config.invalid", problems=Joined(found, sep))``.
    """

    def __init__(self, parts: Iterable[Any], sep: str = "\n") -> None:
        self.parts, self.sep = tuple(parts), sep

    def localized(self, lang: str) -> str:
        """Return the parts in ``lang``, joined by the separator."""
        return self.sep.join(localized(part, lang) for part in self.parts)

    def __str__(self) -> str:
        return self.localized("en")


def _field(value: Any, lang: str) -> Any:
    if hasattr(value, "localized"):
        return value.localized(lang)
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "localized")
                                                          for v in value):
        return "\n".join(v.localized(lang) for v in value)
    return value


@cache
def _templates() -> dict[str, dict[str, str]]:
    """Return every template by its dotted key.

    Checked once: both languages, and no field in ``vi`` that ``en`` lacks (English plurals
    may have one Vietnamese does not need: ``problem{s}``).
    """
    out: dict[str, dict[str, str]] = {}
    problems: list[str] = []

    def walk(node: dict[str, Any], path: str) -> None:
        for key, value in node.items():
            at = f"{path}.{key}" if path else key
            if not isinstance(value, dict):
                problems.append(f"{at} is neither a template nor a section")
            elif set(value) & set(_LANGS):
                texts = {lang: value.get(lang) for lang in _LANGS}
                if not all(isinstance(t, str) and t for t in texts.values()):
                    problems.append(f"{at} lacks a vi or en text")
                    continue
                vi, en = ({f for _, f, _, _ in Formatter().parse(t) if f} for t in texts.values())
                if not vi <= en:  # the callers give the fields of the English text
                    problems.append(f"{at}: vi fills fields en does not: {sorted(vi - en)}")
                out[at] = texts
            else:
                walk(value, at)

    walk(load_toml(_FILE), "")
    if problems:
        raise ValueError(f"landplan/data/{_FILE}:\n  - " + "\n  - ".join(problems))
    return out
