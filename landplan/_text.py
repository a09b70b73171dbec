"""Small text helpers: Unicode normalisation and accent folding for matching."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrowtext import any_byte, mostly_repeated, text_bytes
from ._data import load_toml
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


def sort_keys(values: object) -> np.ndarray:
    """Keys that sort texts in Vietnamese dictionary order (``landplan/data/alphabet.toml``).

    "Xã Đoàn Thượng" after "Xã Dương Quang" and before "Xã Gia Khánh" (``đ`` is the letter
    after ``d``, where code points put it after ``z``); case is ignored, and tones decide
    only between texts that are otherwise equal. One key per distinct value; None and NaN
    give None (pandas sorts them last).
    """
    return per_distinct(np.asarray(values, dtype=object), _sort_key, missing=None)


def _sort_key(text: object) -> str:
    """Return the key of one text: its letters as places in the alphabet, then its tones."""
    letters, tones = _alphabet()
    base, marks = [], []
    for ch in unicodedata.normalize("NFD", nfc(str(text)).lower()):
        if ch in tones:
            marks[-1:] = [chr(0x30 + 1 + tones.index(ch))]
        elif ch in ("\u0306", "\u0302", "\u031b") and base:  # ă â ê ô ơ ư as one letter
            base[-1] = unicodedata.normalize("NFC", base[-1] + ch)
        else:
            base.append(ch)
            marks.append("0")
    return "".join(chr(0x2000 + letters.index(c)) if c in letters else c for c in base) \
        + "\x00" + "".join(marks)


@cache
def _alphabet() -> tuple[str, tuple[str, ...]]:
    data = load_toml("alphabet.toml")
    return data["letters"], tuple(data["tones"])


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

    Text columns go through Arrow's string kernels in one pass, a column of few distinct
    texts (kinds, dates, codes) once per distinct text; each kernel runs only where the
    column's bytes say it may change something (:mod:`landplan._arrowtext`). Mixed columns
    go value by value (once per distinct value).
    """
    if isinstance(values.dtype, pd.StringDtype):
        arr = pc.cast(pa.array(values, from_pandas=True), pa.string())
    elif pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        arr = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    else:
        return pd.Series(per_distinct(values, clean_value), index=values.index, dtype=object)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if mostly_repeated(arr):
        encoded = pc.dictionary_encode(arr)
        cleaned = np.append(_clean_text(encoded.dictionary).to_numpy(zero_copy_only=False),
                            None)  # the last: for nulls
        codes = pc.fill_null(encoded.indices, len(cleaned) - 1).to_numpy()
        out = cleaned[codes]
    else:
        out = _clean_text(arr).to_numpy(zero_copy_only=False)
    return pd.Series(out, index=values.index, dtype=object)


def _clean_text(arr: pa.Array) -> pa.Array:
    """:func:`clean_value` of every text of an Arrow string array (null for blanks)."""
    if _maybe_not_nfc(text_bytes(arr)):
        arr = pc.utf8_normalize(arr, form="NFC")
    if _maybe_invisible(text_bytes(arr)):
        arr = pc.replace_substring_regex(arr, _RE2_INVISIBLE, "")
    if _maybe_spacing(text_bytes(arr)):
        arr = pc.replace_substring_regex(arr, _RE2_SPACES, " ")
    arr = pc.utf8_trim(arr, " ")
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _maybe_not_nfc(data: np.ndarray) -> bool:
    """Whether UTF-8 text may not be NFC.

    Text of characters below U+0300 (Latin, with ``ư ơ ă â đ``) and in U+1E00–U+1EFF (the
    precomposed Vietnamese letters with tones, ``ế ộ ả``) is NFC: they are all starters that
    never compose with one another.
    """
    high = np.flatnonzero(data >= 0xCC)  # lead bytes of U+0300 and above
    if not len(high):
        return False
    if (data[high] != 0xE1).any():
        return True
    follow = data[np.minimum(high + 1, len(data) - 1)]
    return bool(((follow < 0xB8) | (follow > 0xBB)).any())  # E1 B8..BB: U+1E00–U+1EFF


def _maybe_invisible(data: np.ndarray) -> bool:
    """Whether UTF-8 text may hold a character of ``_INVISIBLE``.

    Their lead bytes are C2 (U+00AD), D8 (U+061C), E2 (U+200B…U+206F), EF (U+FEFF,
    U+FFF9…) and E1 followed by A0 (U+180E).
    """
    return any_byte(data, b"\xc2\xd8\xe2\xef") or _lead_then(data, 0xE1, 0xA0)


def _maybe_spacing(data: np.ndarray) -> bool:
    """Whether UTF-8 text may hold spacing that ``_SPACES`` would change.

    That is, a control space (tab … carriage return, U+001C…U+001F), two spaces in a row, or
    a Unicode space: lead bytes C2 (U+0085, U+00A0), E2 (U+2000…), E3 (U+3000) and E1
    followed by 9A (U+1680).
    """
    if any_byte(data, b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\xc2\xe2\xe3"):
        return True
    spaces = data == 0x20
    return bool((spaces[:-1] & spaces[1:]).any()) or _lead_then(data, 0xE1, 0x9A)


def _lead_then(data: np.ndarray, lead: int, then: int) -> bool:
    """Whether the byte ``lead`` is somewhere followed by the byte ``then``."""
    at = np.flatnonzero(data[:-1] == lead)
    return bool((data[at + 1] == then).any())


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
