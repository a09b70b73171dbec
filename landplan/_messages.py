"""The findings' messages: a rule's template filled in with each finding's values.

A template is a :meth:`str.format` text (``rules.toml``'s ``message_vi``/``message_en``,
or the configuration's): ``"Quyết định {decision_no} … {area:.1f} m²"``. Its fields are
filled column by column, not finding by finding: each field's values are formatted as a
column (``format(value, spec)``, as :meth:`str.format_map` does, a plain text field taken
as it is) and the pieces joined by Arrow. A template with fields that index or look up
attributes (``{a[0]}``, ``{a.b}``) or nest fields in a format specification is filled
finding by finding instead, with the same values.

Numbers are written the way the message's language writes them: a field with a format
specification (``{area:,.1f}``, ``{pct:.1f}``) of a number is formatted as Python does, then,
in Vietnamese, its separators are swapped (``1,439.5`` → ``1.439,5``, ``100.0`` → ``100,0``)
on the whole column at once by Arrow. A field without a specification (a year) is left as
it is.

The values a template may use: every column of the rule's rows; on a decision, its number
(``decision_no``, or "(row N)" when it has none), the decision named by its kind and number
(``decision``: "Quyết định giao đất số 12/QĐ-UBND", "Allocation decision 12/QĐ-UBND", the
words of ``labels.toml`` ``[message.decision]``), the name of its commune (``unit_name``)
and granted use; ``granted``, ``planned``, ``prev``, ``old`` (codes, "" when missing) and
their names ``granted_name`` ("?" when unknown), ``planned_name``, ``prev_name``,
``old_name``; ``area`` and ``pct`` (NaN when the rule gives none). A field the template
names but nothing fills is empty text.
"""

from __future__ import annotations

from string import Formatter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._distinct import per_distinct
from ._labels import label, labels
from ._numbers import localized_number, localized_numbers, python_style
from .codes import code_name, code_names

__all__ = ["messages"]

_CONVERT = {"r": repr, "s": str, "a": ascii}
_CODES = ("granted", "planned", "prev", "old")


def messages(template: str, found: pd.DataFrame, decisions: pd.DataFrame,
             codes: pd.DataFrame, lang: str) -> pd.api.extensions.ExtensionArray:
    """Fill ``template`` in for each row of ``found`` (a rule's rows; ``row`` and ``layer``).

    Parameters
    ----------
    template
        The rule's message template in ``lang``.
    found
        The rule's rows: ``row`` (a row of ``decisions`` or another layer's, -1 for none),
        ``layer`` and the rule's own columns.
    decisions
        The normalised decisions (``decision_no``, ``source_row``, ``land_use``).
    codes
        The code registry (code names).
    lang
        The language of the message: of the "(row N)" of a decision without a number, of
        the decision's kind, of code names and of the numbers' separators.

    Returns
    -------
    pandas.api.extensions.ExtensionArray
        One message per row, as text (pandas' Arrow-backed ``str``: no Python string per
        message).
    """
    parsed = _parsed(template)
    n = len(found)
    if parsed is None:  # fields the columns cannot fill: one row at a time, same values
        values = _values(found, decisions, codes, lang)
        return _text([_LangFormatter(lang).vformat(template, (), _Defaults(
            {key: column[i] for key, column in values.items() if column[i] is not _ABSENT}))
            for i in range(n)])
    values = _values(found, decisions, codes, lang,
                     needed={name for _, name, _, _ in parsed if name is not None})
    pieces: list[pa.Array | pa.Scalar] = []
    for literal, name, spec, conversion in parsed:
        if literal:
            pieces.append(pa.scalar(literal, pa.large_string()))
        if name is not None:
            pieces.append(_formatted(values.get(name, _absent(n)), spec, conversion, lang))
    if not any(isinstance(p, pa.Array) for p in pieces):  # no field: the same text for all
        return _text([template.format_map(_Defaults())] * n)
    if len(pieces) == 1:
        return _text(pieces[0])
    return _text(pc.binary_join_element_wise(*pieces, pa.scalar("", pa.large_string())))


def _text(texts: pa.Array | list[str]) -> pd.api.extensions.ExtensionArray:
    """Texts as pandas' ``str`` array (Arrow-backed)."""
    if isinstance(texts, list):
        texts = pa.array(texts, type=pa.large_string())
    return pd.Series(texts.to_pandas(), dtype="str").array


def _parsed(template: str) -> list[tuple[str, str | None, str, str | None]] | None:
    """Parse ``template`` into (literal, field, spec, conversion); None if not by column."""
    parsed = list(Formatter().parse(template))
    for _, name, spec, _ in parsed:
        if name is not None and (not name.isidentifier() or "{" in (spec or "")):
            return None
    return [(literal, name, spec or "", conversion) for literal, name, spec, conversion
            in parsed]


def _formatted(values: np.ndarray, spec: str, conversion: str | None,
               lang: str = "en") -> pa.Array:
    """``format(value, spec)`` of each value (after ``!r``/``!s``/``!a``), as Arrow text.

    A value no one gave is formatted as empty text (as :class:`_Defaults` gives it). In a
    language that writes numbers otherwise than Python (not
    :func:`landplan._numbers.python_style`), the numbers formatted with a specification get
    that language's separators.
    """
    if not spec and conversion is None and \
            pd.api.types.infer_dtype(values, skipna=False) == "string":
        return pa.array(values, type=pa.large_string())  # plain texts: as they are
    convert = _CONVERT.get(conversion or "", lambda v: v)
    texts = pa.array([format(convert("" if v is _ABSENT else v), spec) for v in values],
                     type=pa.large_string())
    if not spec or conversion is not None or python_style(lang):
        return texts
    numeric = _is_number(values)
    if not numeric.any():
        return texts
    swapped = localized_numbers(texts, lang)
    return swapped if numeric.all() else pc.if_else(pa.array(numeric), swapped, texts)


_NUMBERS = ("floating", "integer", "mixed-integer-float", "decimal")
def _is_number(values: np.ndarray) -> np.ndarray:
    """Whether each value is a number (not a bool, not text)."""
    if pd.api.types.infer_dtype(values, skipna=True) in _NUMBERS:  # the usual: all numbers
        return np.ones(len(values), dtype=bool)
    return np.fromiter((isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                        for v in values), dtype=bool, count=len(values))


class _LangFormatter(Formatter):
    """:meth:`str.format` that writes the numbers given a specification in ``lang``'s way."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec and isinstance(value, (int, float, np.number)) \
                and not isinstance(value, bool):
            return localized_number(value, format_spec, self.lang)
        return format(value, format_spec)


def _values(found: pd.DataFrame, decisions: pd.DataFrame, codes: pd.DataFrame, lang: str,
            needed: set[str] | None = None) -> dict[str, np.ndarray]:
    """Return the values of the fields a template uses (``needed``; None: every field).

    One object array per field.
    """
    def wanted(*keys: str) -> bool:
        return needed is None or bool(needed.intersection(keys))

    n = len(found)
    rows = found["row"].to_numpy(dtype=np.int64)
    on_decision = (found["layer"].to_numpy(dtype=object) == "decisions") & (rows >= 0)
    values = {c: _objects(found[c].tolist()) for c in found.columns
              if c not in {"row", "geometry", "blocking", "layer"}
              and wanted(c, f"{c}_name")}
    if on_decision.any() and wanted("decision_no", "decision"):
        safe = np.where(on_decision, rows, 0)
        number = _objects(decisions["decision_no"].to_numpy()[safe].tolist())
        source = decisions["source_row"].to_numpy()[safe]
        row_word = label("message.row", lang)
        no_number = on_decision & (pd.isna(number) | ~_truthy(number))
        number[no_number] = [f"({row_word} {s})" for s in source[no_number].tolist()]
        decision_no = values.get("decision_no", _absent(n))
        decision_no[on_decision] = number[on_decision]
        values["decision_no"] = decision_no
    if on_decision.any() and wanted("decision"):
        values["decision"] = _decisions_named(values["decision_no"], rows,
                                              on_decision & ~no_number, on_decision,
                                              decisions, lang)
    if on_decision.any() and wanted("unit_name") and "unit_name" in decisions.columns:
        unit_name = values.get("unit_name", _absent(n))
        fill = on_decision & ~_is_text(unit_name)
        unit_name[fill] = decisions["unit_name"].to_numpy(dtype=object)[rows[fill]]
        unit_name[fill & pd.isna(unit_name)] = ""
        values["unit_name"] = unit_name
    if on_decision.any() and wanted("granted", "granted_name"):
        granted = values.get("granted", _absent(n))
        fill = on_decision & ~_is_text(granted)
        granted[fill] = decisions["land_use"].to_numpy()[rows[fill]]
        values["granted"] = granted
    names = code_names(codes, lang)
    for key in _CODES:
        if not wanted(key, f"{key}_name"):
            continue
        code = values.get(key, _absent(n))
        code[~_is_text(code)] = ""
        values[key] = code
        name = per_distinct(code, lambda c: code_name(c, codes, names=names) if c else "",
                            missing="")
        if key == "granted":
            name[name == ""] = "?"
        values[f"{key}_name"] = name
    for key in ("area", "pct"):
        if wanted(key):
            values.setdefault(key, np.full(n, float("nan"), dtype=object))
    return values


def _decisions_named(number: np.ndarray, rows: np.ndarray, numbered: np.ndarray,
                     on_decision: np.ndarray, decisions: pd.DataFrame,
                     lang: str) -> np.ndarray:
    """Each decision named by its kind and number: "Quyết định giao đất số 12/QĐ-UBND".

    The kind's words once per kind (``[message.decision]``), the pieces joined by Arrow; a
    decision without a number is named by its row ("Quyết định giao đất (dòng 7)").
    """
    n = len(rows)
    words = labels("message.decision", lang)
    kinds = decisions["kind"].take(np.where(on_decision, rows, 0)) \
        if "kind" in decisions.columns else np.full(n, None, dtype=object)
    phrase = per_distinct(kinds, lambda k: words.get(k, words["none"]), missing=words["none"])
    number = np.where(on_decision, number, "")
    if pd.api.types.infer_dtype(number, skipna=False) != "string":  # a rule's own numbers
        number = np.array([str(v) for v in number], dtype=object)
    phrase_arr = pa.array(phrase, type=pa.large_string())
    number_arr = pa.array(number, type=pa.large_string())
    pieces: list[pa.Array | pa.Scalar] = []
    for literal, name, _, _ in Formatter().parse(label("message.numbered", lang)):
        if literal:
            pieces.append(pa.scalar(literal, pa.large_string()))
        if name is not None:
            pieces.append(phrase_arr if name == "decision" else number_arr)
    empty = pa.scalar("", pa.large_string())
    with_number = pc.binary_join_element_wise(*pieces, empty)
    by_row = pc.binary_join_element_wise(phrase_arr, pa.scalar(" ", pa.large_string()),
                                         number_arr, empty)
    named = pc.if_else(pa.array(numbered), with_number, by_row)
    out = _absent(n)
    out[on_decision] = np.asarray(named.to_numpy(zero_copy_only=False),
                                  dtype=object)[on_decision]
    return out


_ABSENT = object()
"""A field a row has no value for (not None: None is a value, formatted as "None")."""


def _absent(n: int) -> np.ndarray:
    """Return a field no row has a value for yet."""
    return np.full(n, _ABSENT, dtype=object)


def _objects(items: list) -> np.ndarray:
    """``items`` as a 1-d object array (never a 2-d one, whatever the items are)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _truthy(values: np.ndarray) -> np.ndarray:
    """``bool(value)`` of each value."""
    return np.fromiter((bool(v) for v in values), dtype=bool, count=len(values))


def _is_text(values: np.ndarray) -> np.ndarray:
    """Whether each value is a ``str``."""
    return np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))


class _Defaults(dict):
    """Format values; a field a rule did not fill shows as empty text."""

    def __missing__(self, key: str) -> str:
        return ""
