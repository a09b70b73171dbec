"""Texts that a spreadsheet would take for a formula ("CSV injection", OWASP).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a
formula when Excel or LibreOffice opens the file (``=HYPERLINK(…)``, ``-2+3+cmd|…``). Such
texts come from the user's data (a decision number, an owner's name, a note) and are written
as text: in the Excel report as a text cell with Excel's quote prefix, in CSV files with a
single quote ``'`` put in front (which is what Excel itself shows for typed text). Numbers
are never changed: only text cells are.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["FORMULA_START", "QUOTE", "is_formula", "neutralise", "neutralise_array"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a text a formula."""
QUOTE = "'"
_PATTERN = "^[" + "".join("\\" + c if c in "-+" else c for c in FORMULA_START) + "]"


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would take the text ``text`` for a formula."""
    return text.startswith(FORMULA_START)


def neutralise(text: str) -> str:
    """Return ``text`` as a CSV field that a spreadsheet shows as text.

    ``'`` is put in front of a formula; every other text is unchanged.
    """
    return QUOTE + text if is_formula(text) else text


def neutralise_array(text: pa.Array) -> pa.Array:
    """:func:`neutralise` of every element of an Arrow string array (nulls stay null)."""
    risky = pc.match_substring_regex(text, _PATTERN)
    if not pc.any(risky).as_py():
        return text
    return pc.if_else(risky, pc.binary_join_element_wise(QUOTE, text, ""), text)
