"""Small text helpers: Unicode normalisation and accent folding for matching."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._distinct import per_distinct

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")
# Unicode format characters (category Cf) that Excel and Word paste invisibly: soft hyphen,
# zero-width spaces and joiners, direction marks, word joiner, BOM.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                        "\u2066-\u206f\ufeff\ufff9-\ufffb]")


def nfc(text: str) -> str:
    """Unicode NFC form of ``text``."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, accent-free form of ``text`` for tolerant matching ("Đất" -> "dat")."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", text.lower()).strip()


def name_key(text: str) -> str:
    """Key for matching column names: folded, without spaces, underscores or punctuation."""
    return _NON_ALNUM.sub("", fold(text))


# The same two classes for Arrow's RE2 engine (whose \\s is ASCII only).
_RE2_INVISIBLE = ("[\\x{00ad}\\x{061c}\\x{180e}\\x{200b}-\\x{200f}\\x{202a}-\\x{202e}"
                  "\\x{2060}-\\x{2064}\\x{2066}-\\x{206f}\\x{feff}\\x{fff9}-\\x{fffb}]")
_RE2_SPACES = ("[\\t-\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}"
               "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]+")


def clean_values(values: pd.Series) -> pd.Series:
    """Apply :func:`clean_value` to a whole column (object dtype, None for blanks).

    Text columns go through Arrow's string kernels in one pass; mixed columns value by value
    (once per distinct value).
    """
    if isinstance(values.dtype, pd.StringDtype):
        arr = pc.cast(pa.array(values, from_pandas=True), pa.string())
    elif pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        arr = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    else:
        arr = None
    if arr is not None:
        arr = pc.utf8_normalize(arr, form="NFC")
        arr = pc.replace_substring_regex(arr, _RE2_INVISIBLE, "")
        arr = pc.replace_substring_regex(arr, _RE2_SPACES, " ")
        arr = pc.utf8_trim(arr, " ")
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
        return pd.Series(arr.to_numpy(zero_copy_only=False), index=values.index, dtype=object)
    return pd.Series(per_distinct(values, clean_value), index=values.index, dtype=object)


def clean_value(value: object) -> str | None:
    """Return a text cell as NFC with collapsed spaces, or None when blank/NaN.

    Floats that are whole numbers ("4.0" from a DBF numeric field) become "4".
    """
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer():
            value = int(value)
    text = _SPACES.sub(" ", _INVISIBLE.sub("", nfc(str(value)))).strip()
    return text or None
