"""The messages of landplan's errors and warnings in every language: ``problems.toml``.

A template is a dotted key (``output.is_file``) with a Vietnamese and an English text that
``{fields}`` fill. :func:`problem_text` writes one in a language; an error or warning made
with ``LandplanError.of(key, **fields)`` (:mod:`landplan.errors`) keeps its key and fields
and says itself in any language with ``localized(lang)``. A field may itself be something
that says itself in a language — an error, a :class:`Text`, :class:`Said` or
:class:`Joined` — and is then written in the language of the message it fills.

This module imports nothing of landplan but its data files, so that :mod:`landplan.errors`
can use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from string import Formatter
from typing import Any

from ._data import load_toml

__all__ = ["Joined", "Said", "Text", "localized", "problem_text", "templates"]

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
    ValueError
        When ``lang`` is not one of ``vi``, ``en``.
    """
    if lang not in _LANGS:
        raise ValueError(f"Unknown language {lang!r}; use one of {', '.join(_LANGS)}.")
    template = templates()[key][lang]
    values = {name: _field(value, lang) for name, value in (fields or {}).items()}
    return template.format(**values)


def localized(part: Any, lang: str) -> str:
    """``part.localized(lang)`` for an error or warning of landplan, else ``str(part)``."""
    return part.localized(lang) if hasattr(part, "localized") else str(part)


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
def templates() -> dict[str, dict[str, str]]:
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
