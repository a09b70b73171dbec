"""One parser for every date a user gives: layer columns, options, configuration, CSV lists.

Forms read (day first whenever the day and month are both numbers and the year is last):

* ``dd/mm/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy`` (one- or two-digit day and month), also with
  a two-digit year (``15/03/23``: 00–68 → 2000s, 69–99 → 1900s, as Python's ``%y``) and with
  a time after it (``15/03/2023 08:30``), which is dropped;
* ISO ``yyyy-mm-dd`` (also ``yyyy/mm/dd``, ``yyyy.mm.dd``, ``yyyymmdd`` and with a time,
  ``2023-03-15T08:30:00+07:00``);
* date and datetime columns, and Python/NumPy/pandas date objects;
* in layer columns only, Excel serial day numbers (``44927`` = 1 January 2023);
* in options and configuration only, a bare year where a period bound is meant
  (``plan_start = 2021`` is 1 January 2021, ``plan_end = 2025`` is 31 December 2025).

A date outside :data:`PLAUSIBLE` (1 January 1945 – 31 December 2100) is a typing error
(``15/03/0203``, ``31/12/9999``, a GeoPackage ``0001-01-01`` placeholder), not a date: in a
layer it reads as no date (the record gets a ``missing-date`` finding), in an option it is an
error. Month-first text (``03/15/2023``) is not read: month 15 does not exist.

And one formatter for every date written for people (in messages): :func:`format_date`,
:func:`format_dates`, ``dd/mm/yyyy`` in Vietnamese and ``yyyy-mm-dd`` in English (the
``date.format`` of ``landplan/data/labels.toml``).
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

from ._labels import label
from .errors import ConfigError

__all__ = ["DATE_FORMS", "PLAUSIBLE", "format_date", "format_dates", "parse_date",
           "parse_dates"]

#: The dates landplan accepts as real: the Democratic Republic of Vietnam (1945) to 2100.
PLAUSIBLE = (pd.Timestamp("1945-01-01"), pd.Timestamp("2100-12-31"))
#: The accepted forms, as error messages list them.
DATE_FORMS = "dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy or yyyy-mm-dd"

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Excel serial day numbers between 1954 and 2119; outside that a number is not a date.
_EXCEL_RANGE = (20000, 80000)
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_PATTERN = re.compile(
    rf"^(?:(?P<d1>\d{{1,2}})(?P<s1>[/.\-])(?P<m1>\d{{1,2}})(?P=s1)(?P<y1>\d{{4}}|\d{{2}}){_TIME}"
    rf"|(?P<y2>\d{{4}})(?P<s2>[/.\-])(?P<m2>\d{{1,2}})(?P=s2)(?P<d2>\d{{1,2}}){_TIME}"
    r"|(?P<y3>\d{4})(?P<m3>\d{2})(?P<d3>\d{2}))$")
_YEAR = re.compile(r"^\d{4}$")


def parse_dates(values: pd.Series, *, serials: bool = True) -> pd.Series:
    """Parse a column of dates into ``datetime64[ns]`` (NaT where not a date).

    Accepts datetime columns (any resolution, with or without time zone), columns of date
    objects, text in the forms of this module, and (``serials``) Excel serial day numbers.
    Dates outside :data:`PLAUSIBLE` are NaT. Each distinct value is parsed once.
    """
    index = values.index
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_localize(None)
        years = stamps.dt.year
        ok = years.between(PLAUSIBLE[0].year, PLAUSIBLE[1].year)
        out = stamps.where(ok).dt.normalize().astype("datetime64[ns]")
        return pd.Series(out.to_numpy(), index=index, dtype="datetime64[ns]")
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    parsed = _parse_distinct(pd.Series(uniques, dtype=object), serials)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    found = codes >= 0
    out[found] = parsed.to_numpy(dtype="datetime64[ns]")[codes[found]]
    return pd.Series(out, index=index, dtype="datetime64[ns]")


def _parse_distinct(values: pd.Series, serials: bool) -> pd.Series:
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if not len(values):
        return result
    numeric = pd.Series(pd.NA, index=values.index, dtype="Float64")
    plain = values.map(lambda v: isinstance(v, (int, float, np.integer, np.floating, str))
                       and not isinstance(v, (bool, np.bool_)))
    if serials and plain.any():
        numeric[plain] = pd.to_numeric(values[plain].astype(str).str.strip(), errors="coerce")
    serial = (numeric.between(*_EXCEL_RANGE) & (numeric % 1 == 0)).fillna(False)
    serial = serial.to_numpy(dtype=bool)
    if serial.any():
        days = numeric[serial].astype("int64").to_numpy()
        result[serial] = _EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
    text = values.map(_as_text).astype("string").str.strip()
    parts = text.str.extract(_PATTERN)
    year = _first(parts, "y1", "y2", "y3")
    month = _first(parts, "m1", "m2", "m3")
    day = _first(parts, "d1", "d2", "d3")
    short = (parts["y1"].str.len() == 2).fillna(False).to_numpy(dtype=bool)
    year = year.where(~short, year + np.where(year < 69, 2000, 1900))
    todo = ~serial & year.notna().to_numpy()
    if todo.any():
        iso = (year[todo].astype(int).astype(str).str.zfill(4) + "-"
               + month[todo].astype(int).astype(str).str.zfill(2) + "-"
               + day[todo].astype(int).astype(str).str.zfill(2))
        plausible = year[todo].between(PLAUSIBLE[0].year, PLAUSIBLE[1].year).to_numpy()
        stamps = pd.to_datetime(iso.where(plausible), format="%Y-%m-%d", errors="coerce")
        result[todo] = stamps.to_numpy(dtype="datetime64[ns]")
    inside = (result >= PLAUSIBLE[0]) & (result <= PLAUSIBLE[1])
    return result.where(inside).dt.normalize()


def _as_text(value: object) -> object:
    """Date objects as ISO text (a year outside pandas' range stays readable); else as is."""
    if isinstance(value, (_dt.date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return str(value)
    return value


def _first(parts: pd.DataFrame, *names: str) -> pd.Series:
    out = pd.Series(np.nan, index=parts.index, dtype=float)
    for name in names:
        out = out.fillna(pd.to_numeric(parts[name], errors="coerce").astype(float))
    return out


def parse_date(value: object, *, bare_year: str | None = None) -> pd.Timestamp:
    """One date given by the user (an option, a configuration value, a list cell).

    Parameters
    ----------
    value
        Text in the forms of this module, or a date/datetime object; an integer or
        four-digit text is a year only when ``bare_year`` is ``"start"`` (1 January) or
        ``"end"`` (31 December).

    Raises
    ------
    landplan.errors.ConfigError
        (a :class:`ValueError`) Saying why the value is not a date (its form, or a date
        outside 1945–2100), in English and, with ``localized(lang)``, in Vietnamese.
    """
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise _not_a_date()
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, (int, np.integer)) or (isinstance(text, str) and _YEAR.match(text)):
        if bare_year is None:
            raise ConfigError.of("dates.year_alone", forms=ConfigError.of("dates.forms"))
        year = int(text)
        if not PLAUSIBLE[0].year <= year <= PLAUSIBLE[1].year:
            raise _out_of_range()
        return pd.Timestamp(year, 1, 1) if bare_year == "start" else pd.Timestamp(year, 12, 31)
    if not isinstance(text, (str, _dt.date, pd.Timestamp, np.datetime64)):
        raise _not_a_date()
    stamp = parse_dates(pd.Series([text], dtype=object), serials=False).iloc[0]
    if pd.isna(stamp):
        year = _year_of(text)
        if year is not None and not PLAUSIBLE[0].year <= year <= PLAUSIBLE[1].year:
            raise _out_of_range()
        raise _not_a_date()
    return pd.Timestamp(stamp)


def _year_of(value: object) -> int | None:
    """Return the year of a well-formed date whatever its value (to tell 'out of range' apart)."""
    if isinstance(value, (_dt.date, pd.Timestamp)):
        return value.year
    match = _PATTERN.match(str(value).strip())
    if not match:
        return None
    year = next(int(match[g]) for g in ("y1", "y2", "y3") if match[g] is not None)
    return year if match["y1"] is None or len(match["y1"]) == 4 else None


def _not_a_date() -> ConfigError:
    return ConfigError.of("dates.not_a_date", forms=ConfigError.of("dates.forms"))


def _out_of_range() -> ConfigError:
    return ConfigError.of("dates.out_of_range", first=f"{PLAUSIBLE[0]:%d/%m/%Y}",
                          last=f"{PLAUSIBLE[1]:%d/%m/%Y}")


def format_date(value: pd.Timestamp | _dt.date, lang: str) -> str:
    """One date as people read it in ``lang``: ``15/03/2023`` (vi), ``2023-03-15`` (en)."""
    return value.strftime(label("date.format", lang))


def format_dates(values: pd.Series, lang: str) -> np.ndarray:
    """Format a column of dates as :func:`format_date` does.

    An object array; NaN where there is no date.
    """
    return values.dt.strftime(label("date.format", lang)).to_numpy(dtype=object)
