"""One parser for the numbers users type (legal areas, quota CSVs, options).

Vietnamese writes ``.`` between thousands and ``,`` before decimals (``3.240,5``); software
and English write ``3240.5`` or ``3,240.5``. Read:

* plain numbers ``3240``, ``3240.5``, ``-0.5``, ``1e3``; numeric columns as they are;
* a decimal comma ``0,05``, ``3240,5``; thousands dots ``1.234.567``, ``3.240,5``;
* English thousands commas ``1,234,567``, ``3,240.5``;
* spaces (also no-break and thin spaces) between groups of three digits: ``3 240,5``.

One form is ambiguous: a single separator followed by exactly three digits after a group of
one to three digits (``1.234``, ``1,234``). Such a value is read the way the rest of its column
writes numbers: the English way (``1.234`` = 1.234, ``1,234`` = 1234) when the column has
English forms (``3240.5``, ``1,234.5``) and no Vietnamese ones (``0,5``, ``1.234,5``);
otherwise the Vietnamese way (``1.234`` = 1234, ``1,234`` = 1.234). Anything else — units
(``120 m2``), words, ``nan``, ``inf`` — is not a number (NaN).

The other way round, :func:`format_number` and :func:`format_numbers` write numbers for
people in a language: ``3.084`` and ``12.345,67`` in Vietnamese, ``3,084`` and ``12,345.67``
in English (the separators are the ``[number]`` labels of ``landplan/data/labels.toml``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._labels import labels

__all__ = ["format_number", "format_numbers", "localized_number", "localized_numbers",
           "parse_number", "parse_numbers", "python_style"]

_GROUP_SPACE = r"(?<=\d)[ \u00a0\u202f\u2009](?=\d{3}(?:\D|$))"
_FORMS = {
    "int": r"[+-]?\d+",
    "plain": r"[+-]?(?:\d+\.\d*|\.\d+|\d+(?:\.\d+)?[eE][+-]?\d+)",
    "comma": r"[+-]?\d+,\d+",
    "vi_thousands": r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?",
    "en_thousands": r"[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?",
}
_AMBIGUOUS = r"[+-]?[1-9]\d{0,2}[.,]\d{3}"


def parse_numbers(values: pd.Series) -> pd.Series:
    """Read a column of user numbers as floats (NaN where not a finite number).

    See the module docstring for the forms and the rule for ambiguous values. Each distinct
    text is read once, with whole-column string operations.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        out = values.astype(float)
        return out.where(np.isfinite(out.to_numpy()))
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    parsed = _parse_distinct(pd.Series(uniques, dtype=object)).to_numpy(dtype=float)
    out = np.full(len(values), np.nan)
    found = codes >= 0
    out[found] = parsed[codes[found]]
    return pd.Series(out, index=values.index, dtype=float)


def _parse_distinct(values: pd.Series) -> pd.Series:
    result = pd.Series(np.nan, index=values.index, dtype=float)
    if not len(values):
        return result
    is_number = values.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))
                           and not isinstance(v, (bool, np.bool_))).to_numpy(dtype=bool)
    result[is_number] = values[is_number].astype(float).to_numpy()
    text = (values.where(~is_number).astype("string").str.strip()
            .str.replace(_GROUP_SPACE, "", regex=True))
    form = {name: text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
            for name, pattern in _FORMS.items()}
    ambiguous = text.str.fullmatch(_AMBIGUOUS).fillna(False).to_numpy(dtype=bool)
    vi = (form["comma"] | form["vi_thousands"]) & ~ambiguous
    en = (form["plain"] | form["en_thousands"]) & ~ambiguous
    english = bool(en.any()) and not bool(vi.any())
    # ASCII forms for float(): drop thousands separators, decimal comma -> dot.
    as_vi = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    as_en = text.str.replace(",", "", regex=False)
    take_vi = vi | (ambiguous if not english else np.zeros(len(text), dtype=bool))
    take_en = en | form["int"] | (ambiguous if english else np.zeros(len(text), dtype=bool))
    ascii_text = as_en.where(take_en, as_vi.where(take_vi))
    numbers = pd.to_numeric(ascii_text, errors="coerce").astype(float).to_numpy()
    readable = (take_vi | take_en) & ~is_number
    result[readable] = numbers[readable]
    return result.where(np.isfinite(result.to_numpy()))


def parse_number(value: object) -> float:
    """One user number (an option value): a finite float, or NaN when it is not one."""
    return float(parse_numbers(pd.Series([value], dtype=object)).iloc[0])


def format_number(value: float, lang: str, decimals: int = 0) -> str:
    """Write ``value`` for people in ``lang`` with ``decimals`` digits after the point.

    ``format_number(12345.678, "vi", 2)`` is ``"12.345,68"``, in ``"en"`` ``"12,345.68"``;
    ``format_number(3084, "vi")`` is ``"3.084"``. NaN, None and infinities give ``""``.

    Raises
    ------
    landplan.errors.ConfigError
        When ``lang`` is not one of :data:`landplan._labels.LANGS`.
    """
    return str(format_numbers(np.array([value], dtype=object), lang, decimals)[0])


def format_numbers(values: Any, lang: str, decimals: int = 0) -> np.ndarray:
    """Write every number of ``values`` for people in ``lang`` (see :func:`format_number`).

    Parameters
    ----------
    values
        Anything array-like of numbers (a list, numpy array, pandas Series); None, NaN and
        infinities become ``""``.
    lang
        ``"vi"`` or ``"en"``.
    decimals
        Digits after the decimal separator (rounded half to even, as Python's ``format``).

    Returns
    -------
    numpy.ndarray
        An object array of str, one per value, in the same shape as ``values``.
    """
    words = labels("number", lang)
    numbers = pd.to_numeric(pd.Series(np.asarray(values, dtype=object).ravel()),
                            errors="coerce").astype(float).to_numpy()
    shape = np.shape(values)
    out = np.full(numbers.shape, "", dtype=object)
    finite = np.isfinite(numbers)
    if finite.any():
        # one formatted text per distinct value, in the language's separators
        distinct, codes = np.unique(numbers[finite], return_inverse=True)
        spec = f",.{max(int(decimals), 0)}f"
        texts = pd.Series([localized_number(float(v), spec, lang) for v in distinct],
                          dtype=object)
        texts = texts.where(texts.str.strip("0" + words["thousands"] + words["decimal"]
                                            + "-").str.len() > 0,
                            texts.str.lstrip("-"))  # -0 and -0,00 are 0 and 0,00
        out[finite] = texts.to_numpy(dtype=object)[codes.ravel()]
    return out.reshape(shape)


def python_style(lang: str) -> bool:
    """Whether ``lang`` writes numbers as Python does (``1,439.5``): English does."""
    words = labels("number", lang)
    return (words["thousands"], words["decimal"]) == (",", ".")


def _swap(lang: str) -> tuple[str, str]:
    words = labels("number", lang)
    return words["thousands"], words["decimal"]


def localized_numbers(texts: Any, lang: str) -> Any:
    """Numbers Python formatted (``1,439.5``), an Arrow text array, in ``lang``'s way.

    ``1.439,5`` in Vietnamese: one pass of Arrow per separator over the whole column, no
    Python string per number. The separators are ``labels.toml``'s ``[number]``.
    """
    if python_style(lang):
        return texts
    import pyarrow.compute as pc

    thousands, decimal = _swap(lang)
    texts = pc.replace_substring(texts, ",", "\x00")
    texts = pc.replace_substring(texts, ".", decimal)
    return pc.replace_substring(texts, "\x00", thousands)


def localized_number(value: float, spec: str, lang: str) -> str:
    """``format(value, spec)`` with ``lang``'s separators (``1.439,5`` in Vietnamese)."""
    text = format(value, spec)
    if python_style(lang):
        return text
    thousands, decimal = _swap(lang)
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)
