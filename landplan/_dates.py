"""Parsing decision dates as officials write them (day first)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Tried in order on text cells; day-first Vietnamese forms come before ISO.
_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%y",
            "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y%m%d")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Excel serial day numbers between 1954 and 2119; outside that a number is not a date.
_EXCEL_RANGE = (20000, 80000)


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse a column of dates into ``datetime64[ns]`` (NaT where not a date).

    Accepts datetime columns, text in the usual Vietnamese and ISO forms
    (``dd/mm/yyyy``, ``yyyy-mm-dd``, ``dd-mm-yyyy``, ``dd.mm.yyyy``), and Excel serial day
    numbers.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        out = pd.to_datetime(values, errors="coerce")
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        return out.dt.normalize().astype("datetime64[ns]")
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    numeric = pd.to_numeric(values, errors="coerce")
    serial = numeric.between(*_EXCEL_RANGE) & (numeric % 1 == 0)
    if serial.any():
        result[serial] = _EXCEL_EPOCH + pd.to_timedelta(numeric[serial].astype(np.int64), unit="D")
    text = values.where(~serial).astype("string").str.strip()
    for fmt in _FORMATS:
        todo = result.isna() & text.notna()
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        result[todo] = parsed
    return result.dt.normalize()
