"""Texts that a spreadsheet would take for a formula ("CSV injection", OWASP).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a
formula when Excel or LibreOffice opens the file (``=HYPERLINK(…)``, ``-2+3+cmd|…``). Such
texts come from the user's data (a decision number, an owner's name, a note) and are written
as text: in the Excel report as a text cell with Excel's quote prefix, in CSV files with a
single quote ``'`` put in front (which is what Excel itself shows for typed text). Numbers
are never changed: only text cells are.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._arrowtext import string_bytes

__all__ = ["FORMULA_START", "QUOTE", "is_formula", "neutralise", "neutralise_array"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a text a formula."""
QUOTE = "'"
_PATTERN = "^[" + "".join("\\" + c if c in "-+" else c for c in FORMULA_START) + "]"
_STARTS = np.frombuffer("".join(FORMULA_START).encode("ascii"), dtype=np.uint8)


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would take the text ``text`` for a formula."""
    return text.startswith(FORMULA_START)


def neutralise(text: str) -> str:
    """Return ``text`` as a CSV field that a spreadsheet shows as text.

    ``'`` is put in front of a formula; every other text is unchanged.
    """
    return QUOTE + text if is_formula(text) else text


def neutralise_array(text: pa.Array) -> pa.Array:
    """:func:`neutralise` of every element of an Arrow string array (nulls stay null).

    The first bytes of the texts are looked at first (numpy, on Arrow's buffers): a column
    none of whose texts starts like a formula is returned as it is, without a regex.
    """
    if not _may_start_with(text, _STARTS):
        return text
    risky = pc.match_substring_regex(text, _PATTERN)
    if not pc.any(risky).as_py():
        return text
    return pc.if_else(risky, pc.binary_join_element_wise(QUOTE, text, ""), text)


def _may_start_with(text: pa.Array, first: np.ndarray) -> bool:
    """Whether a text of ``text`` may start with one of the bytes ``first`` (never wrongly no)."""
    if len(text) == 0:
        return False
    data, offsets = string_bytes(text)
    starts = offsets[:-1][np.diff(offsets) > 0]
    return bool(np.isin(data[starts], first).any())
