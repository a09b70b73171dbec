"""The 5-year plan's conversion quotas (chỉ tiêu chuyển mục đích) as a table.

A quota table is a CSV with one row per quota::

    unit,from,to,quota_ha
    10807,LUA,non-agricultural,12.5
    *,RPH,non-agricultural,0

``unit`` is an administrative unit as it appears in the decisions' ``unit`` column, or
``*`` for all units together; ``from``/``to`` are a land-use code (matching itself and its
descendants: LUA matches LUC and LUK) or a group (``agricultural``, ``non-agricultural``,
``unused``); ``quota_ha`` is the area in hectares that may be converted in the period.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._numbers import parse_numbers
from ._problems import Joined, Text
from ._text import clean_value
from ._texttable import read_text_table
from .codes import GROUPS, normalize_code
from .errors import InputError

__all__ = ["QUOTA_COLUMNS", "load_quotas", "normalize_quotas"]

QUOTA_COLUMNS = ["unit", "from", "to", "quota_ha"]


def load_quotas(path: str | Path) -> pd.DataFrame:
    """Read and validate a quota CSV, as Excel saves it.

    UTF-8 (with or without BOM) or Windows-1258, separated by ``,`` or ``;``, ``quota_ha``
    with a decimal comma or point (``12,5``, ``1.234,5``: see
    :func:`landplan._numbers.parse_numbers`).
    """
    table = read_text_table(path, Text("table.quotas"), InputError)
    table.attrs["source"] = str(path)
    return normalize_quotas(table)


def normalize_quotas(table: pd.DataFrame) -> pd.DataFrame:
    """Validate a quota table; every problem is reported at once with its line number."""
    source = table.attrs.get("source", "the quota table")
    lines = table.attrs.get("lines") or [i + 2 for i in range(len(table))]
    table = table.rename(columns=lambda c: str(c).strip().lower()).reset_index(drop=True)
    missing = [c for c in QUOTA_COLUMNS if c not in table.columns]
    if missing:
        raise InputError.of("quotas.lacks", source=source, missing=", ".join(missing),
                            expected=",".join(QUOTA_COLUMNS))
    out = pd.DataFrame({
        "unit": table["unit"].map(lambda v: clean_value(v) or "*"),
        "from": table["from"].map(_code_or_group),
        "to": table["to"].map(_code_or_group),
        "quota_ha": parse_numbers(table["quota_ha"]),
    })
    problems = []
    for i, row in out.iterrows():
        line = lines[int(i)]
        if not row["from"] or not row["to"]:
            problems.append(Text("quotas.empty_code", line=line))
        if pd.isna(row["quota_ha"]) or row["quota_ha"] < 0:
            problems.append(Text("quotas.quota_ha", line=line,
                                 value=repr(table.loc[i, "quota_ha"])))
    if problems:
        raise InputError.of("quotas.problems", source=source, count=len(problems),
                            problems=Joined(problems, "\n  - "))
    out = out.reset_index(drop=True)
    out.attrs["lines"] = list(lines)
    if "source" in table.attrs:  # the file it came from (the Excel report names it)
        out.attrs["source"] = table.attrs["source"]
    return out


def _code_or_group(value: object) -> str | None:
    text = clean_value(value)
    if text is None:
        return None
    lowered = text.lower().replace("_", "-").replace(" ", "-")
    return lowered if lowered in GROUPS else normalize_code(text)
