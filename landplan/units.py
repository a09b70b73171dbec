"""Administrative units (communes, xã/phường/thị trấn): their names, for people.

Decisions and plans usually carry a commune *code* (``ma_xa``: ``10807``), and officials
read commune *names* (``Thị trấn Gia Lộc``). A decision's name is found, in this order:

1. the decisions layer's own name column (``ten_xa``, ``TenXa`` … : the ``unit_name`` role);
2. a units table given by the user (:func:`load_units`: a CSV ``unit,unit_name``, as Excel
   saves it);
3. the plan's zones, when they carry both code and name (the name most zones of that code
   give; ties to the first in alphabetical order, so the answer never depends on row order);
4. otherwise the code itself (so a name column is never empty where a unit is known).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._problems import Joined, Text
from ._text import clean_value
from ._texttable import read_text_table
from .errors import InputError

__all__ = ["UNIT_COLUMNS", "load_units", "normalize_units", "unit_names"]

UNIT_COLUMNS = ["unit", "unit_name"]
_ALIASES = {"unit": ("unit", "ma_xa", "maxa", "ma_dvhc", "madvhc", "code", "ma"),
            "unit_name": ("unit_name", "ten_xa", "tenxa", "ten_dvhc", "tendvhc", "name", "ten")}


def load_units(path: str | Path) -> pd.DataFrame:
    """Read a units table: one row per commune, its code and its name.

    UTF-8 (with or without BOM) or Windows-1258, separated by ``,`` or ``;``. Column names
    ``unit``/``ma_xa`` and ``unit_name``/``ten_xa`` (case-insensitive).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`UNIT_COLUMNS`, texts.

    Raises
    ------
    landplan.errors.InputError
        When a column is missing, or a code is given two different names (every such line
        is listed).
    """
    table = read_text_table(path, Text("units.table"), InputError)
    table.attrs["source"] = str(path)
    return normalize_units(table)


def normalize_units(table: pd.DataFrame) -> pd.DataFrame:
    """Validate a units table (see :func:`load_units`); every problem is reported at once."""
    source = table.attrs.get("source", "the units table")
    lines = table.attrs.get("lines") or [i + 2 for i in range(len(table))]
    lower = {str(c).strip().lower(): c for c in table.columns}
    found = {role: next((lower[a] for a in names if a in lower), None)
             for role, names in _ALIASES.items()}
    missing = [role for role, column in found.items() if column is None]
    if missing:
        raise InputError.of("units.lacks", source=source, missing=", ".join(missing),
                            expected=",".join(UNIT_COLUMNS),
                            columns=", ".join(map(str, table.columns)))
    out = pd.DataFrame({role: table[column].map(clean_value).to_numpy(dtype=object)
                        for role, column in found.items()})
    problems = [Text("units.empty_code", line=lines[i])
                for i in np.flatnonzero(out["unit"].isna())]
    named = out.dropna()
    twice = named.drop_duplicates().duplicated("unit", keep=False)
    for unit, group in named.drop_duplicates()[twice].groupby("unit", sort=True):
        problems.append(Text("units.two_names", unit=unit,
                             names=" / ".join(sorted(group["unit_name"]))))
    if problems:
        raise InputError.of("units.problems", source=source, count=len(problems),
                            problems=Joined(problems, "\n  - "))
    return named.drop_duplicates("unit").reset_index(drop=True)


def unit_names(units: np.ndarray, names: np.ndarray | None = None, *,
               table: pd.DataFrame | None = None,
               plan: pd.DataFrame | None = None) -> np.ndarray:
    """Return the name of each unit code, by the order of the module docstring.

    Parameters
    ----------
    units
        The unit code of each record (None where unknown).
    names
        The record's own name (None where it has none), or None.
    table
        A units table (:func:`load_units`), or None.
    plan
        Plan zones with ``unit`` and ``unit_name`` columns, or None.

    Returns
    -------
    numpy.ndarray
        Object array of names; None only where neither a name nor a code is known.
    """
    units = np.asarray(units, dtype=object)
    out = np.full(len(units), None, dtype=object) if names is None else \
        np.asarray(names, dtype=object).copy()
    lookups = []
    if table is not None and len(table):
        lookups.append(dict(zip(table["unit"], table["unit_name"], strict=True)))
    # the plan's names are counted only when a record with a code has no name of its own
    # (a pre-check's application has its parcel's)
    unnamed = (pd.isna(out) & pd.notna(units)).any()
    if plan is not None and {"unit", "unit_name"} <= set(plan.columns) and unnamed:
        pairs = pd.DataFrame({"unit": plan["unit"].to_numpy(dtype=object),
                              "unit_name": plan["unit_name"].to_numpy(dtype=object)}).dropna()
        if len(pairs):
            counts = pairs.value_counts().rename("n").reset_index()
            counts = counts.sort_values(["unit", "n", "unit_name"],
                                        ascending=[True, False, True], kind="stable")
            first = counts.drop_duplicates("unit")
            lookups.append(dict(zip(first["unit"], first["unit_name"], strict=True)))
    for lookup in lookups:
        todo = pd.isna(out) & pd.notna(units)
        if todo.any():
            out[todo] = pd.Series(units[todo]).map(lookup).to_numpy(dtype=object)
    todo = pd.isna(out)
    out[todo] = units[todo]
    out[pd.isna(out)] = None
    return out
