"""The one lookup of the words landplan writes for people: ``landplan/data/labels.toml``.

Every status, severity, kind, column header and word of the Excel report, the map,
``landplan info`` and the rules' messages is an entry of that table, keyed by a stable
dotted key (``status.violation``, ``map.legend``) and written in every language of
:data:`LANGS`. Code looks words up here, never writes them: :func:`label` for one,
:func:`labels` for a section, :func:`colors` and :func:`ranks` for what statuses and
severities carry besides their words.

The table is read and checked once: an entry without both languages, or one that is the
``same_as`` an entry that does not exist, stops at the first lookup naming every such entry.
An unknown language raises :class:`~landplan.errors.ConfigError`; an unknown key raises
:class:`KeyError` naming it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from ._data import load_toml
from .errors import ConfigError

__all__ = ["LANGS", "check_lang", "colors", "label", "label_keys", "labels", "prefixed",
           "ranks"]

LANGS: tuple[str, ...] = ("vi", "en")
"""The languages of every label (and of a check's messages); the first is the default."""

_FILE = "labels.toml"
_ATTRIBUTES = ("color", "rank")  # what an entry may carry besides its words


def check_lang(lang: str) -> str:
    """``lang`` when it is one of :data:`LANGS`.

    Raises
    ------
    landplan.errors.ConfigError
        For any other language, naming the ones there are.
    """
    if lang not in LANGS:
        raise ConfigError(f"Unknown language {lang!r}; use one of {', '.join(LANGS)}.")
    return lang


def label(key: str, lang: str) -> str:
    """Return the label of ``key`` (``"status.violation"``) in ``lang``.

    Raises
    ------
    KeyError
        When ``key`` is not an entry of the table (or is a whole section).
    landplan.errors.ConfigError
        When ``lang`` is not one of :data:`LANGS`.
    """
    entry = _node(key)
    if not _is_entry(entry):
        raise KeyError(f"{key!r} is a section of landplan/data/{_FILE}, not a label: "
                       "use labels()")
    return entry[check_lang(lang)]


def labels(section: str, lang: str) -> dict[str, Any]:
    """Every label of ``section`` (``"map"``, ``"excel.sheets"``) in ``lang``, by key.

    Entries come in the order of the table; a sub-section (``excel.sheets`` in ``excel``)
    comes as a dict of its own. A new dict on every call: change it freely.
    """
    check_lang(lang)
    node = _node(section)
    if _is_entry(node):
        raise KeyError(f"{section!r} is a label of landplan/data/{_FILE}, not a section: "
                       "use label()")
    return _words(node, lang)


def prefixed(sections: Iterable[str], lang: str) -> dict[str, str]:
    """Return the labels of several sections in one dict, keys prefixed by their section.

    ``{"status_violation": …, "severity_high": …}``.
    """
    return {f"{section}_{key}": text for section in sections
            for key, text in labels(section, lang).items() if isinstance(text, str)}


def colors(section: str) -> dict[str, str]:
    """Return the map colour of every entry of ``section`` that has one.

    Statuses and severities, in the order of the table.
    """
    return _attribute(section, "color")


def ranks(section: str) -> dict[str, int]:
    """Return the ``rank`` of every entry of ``section`` that has one.

    Severities: info 0 … critical 4.
    """
    return _attribute(section, "rank")


def label_keys() -> tuple[str, ...]:
    """Return the key of every entry of the table, in its order (``"status.violation"``, …)."""
    out: list[str] = []

    def walk(node: dict[str, Any], path: str) -> None:
        for key, value in node.items():
            at = f"{path}.{key}" if path else key
            if _is_entry(value):
                out.append(at)
            else:
                walk(value, at)

    walk(_table(), "")
    return tuple(out)


# --- the table ---------------------------------------------------------------------------

def _is_entry(node: Any) -> bool:
    return isinstance(node, dict) and bool({*LANGS, "same_as"} & node.keys())


def _node(key: str) -> Any:
    node: Any = _table()
    for part in key.split("."):
        if _is_entry(node) or part not in node:
            raise KeyError(f"no label {key!r} in landplan/data/{_FILE}")
        node = node[part]
    return node


def _words(node: dict[str, Any], lang: str) -> dict[str, Any]:
    return {key: value[lang] if _is_entry(value) else _words(value, lang)
            for key, value in node.items()}


def _attribute(section: str, name: str) -> dict[str, Any]:
    return {key: entry[name] for key, entry in _node(section).items()
            if _is_entry(entry) and name in entry}


@cache
def _table() -> dict[str, Any]:
    """Return the table with every ``same_as`` replaced by the words it names.

    Checked; cached, do not mutate.
    """
    raw = load_toml(_FILE)
    problems: list[str] = []

    def resolve(node: dict[str, Any], path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            at = f"{path}.{key}" if path else key
            if not isinstance(value, dict):
                problems.append(f"{at} is neither an entry nor a section")
            elif not _is_entry(value):
                out[key] = resolve(value, at)
            elif "same_as" in value:
                out[key] = _same_as(raw, at, value, problems)
            else:
                out[key] = value
                missing = [lang for lang in LANGS
                           if not (isinstance(value.get(lang), str) and value[lang])]
                unknown = sorted(set(value) - {*LANGS, *_ATTRIBUTES})
                if missing:
                    problems.append(f"{at} has no {' or '.join(missing)} text")
                if unknown:
                    problems.append(f"{at} has unknown field(s) {', '.join(unknown)}")
        return out

    table = resolve(raw, "")
    if problems:
        raise ValueError(f"landplan/data/{_FILE}:\n  - " + "\n  - ".join(problems))
    return table


def _same_as(raw: dict[str, Any], at: str, entry: dict[str, Any],
             problems: list[str]) -> dict[str, Any]:
    """Return the words of the entry ``entry["same_as"]`` names (an entry with words)."""
    target: Any = raw
    for part in str(entry["same_as"]).split("."):
        target = target.get(part) if isinstance(target, dict) else None
    if set(entry) != {"same_as"}:
        problems.append(f"{at} has same_as and other fields")
    if not (_is_entry(target) and all(isinstance(target.get(lang), str) for lang in LANGS)):
        problems.append(f"{at}: same_as {entry['same_as']!r} is not an entry with words")
        return {lang: "" for lang in LANGS}
    return {lang: target[lang] for lang in LANGS}
