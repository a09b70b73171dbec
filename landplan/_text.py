"""Small text helpers: Unicode normalisation and accent folding for matching."""

from __future__ import annotations

import re
import unicodedata

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


def clean_value(value: object) -> str | None:
    """A text cell as NFC with collapsed spaces, or None when blank/NaN.

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
