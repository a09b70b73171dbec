"""The one date parser (landplan._dates) and the number parser (landplan._numbers)."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from landplan._dates import parse_date, parse_dates
from landplan._numbers import parse_number, parse_numbers
from landplan.errors import InputError
from landplan.landcover import load_landcover


def test_slash_dash_and_dot_dates_are_day_first_and_iso_is_accepted():
    got = parse_dates(pd.Series(["01/07/2023", "01-07-2023", "1.7.2023", "2023-07-01",
                                 "01/07/23", "01/07/2023 08:30"], dtype=object))
    assert (got == pd.Timestamp("2023-07-01")).all()


def test_dates_outside_1945_to_2100_are_no_date_in_a_column():
    values = pd.Series(["15/03/0203", "31/12/9999", "01/01/1500", datetime.date(1, 1, 1),
                        "31/12/1944", "01/01/1945", "31/12/2100"], dtype=object)
    got = parse_dates(values)
    assert got.isna().tolist() == [True, True, True, True, True, False, False]
    typed = pd.Series(np.array(["0001-01-01", "2023-03-15"], dtype="datetime64[s]"))
    assert parse_dates(typed).isna().tolist() == [True, False]


def test_option_dates_are_day_first_and_a_bare_year_is_a_period_bound():
    assert parse_date("01/02/2023") == pd.Timestamp("2023-02-01")
    assert parse_date(datetime.date(2021, 1, 1)) == pd.Timestamp("2021-01-01")
    assert parse_date(2021, bare_year="start") == pd.Timestamp("2021-01-01")
    assert parse_date("2025", bare_year="end") == pd.Timestamp("2025-12-31")


@pytest.mark.parametrize("value", ["2023-13-45", "hôm nay", "31/02/2023", "03/15/2023", True,
                                   "44927"])
def test_option_values_that_are_not_dates_are_refused_with_the_forms(value):
    with pytest.raises(ValueError, match="dd/mm/yyyy"):
        parse_date(value)


def test_option_dates_out_of_range_and_bare_years_without_a_bound_are_refused():
    with pytest.raises(ValueError, match="1945"):
        parse_date("31/12/9999")
    with pytest.raises(ValueError, match="year alone"):
        parse_date("2025")


def _geotiff(path) -> None:
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="uint8",
                       crs="EPSG:9209", transform=from_origin(583_000, 2_308_000, 10, 10)) as r:
        r.write(np.ones((1, 2, 2), dtype="uint8"))


def test_landcover_list_dates_are_day_first(tmp_path):
    for name in ("a.tif", "b.tif"):
        _geotiff(tmp_path / name)
    listing = tmp_path / "lop_phu.csv"
    listing.write_text("path;date\na.tif;01/06/2024\nb.tif;02/01/2024\n", encoding="utf-8")
    got = load_landcover(listing)
    assert [(d, p.name) for d, p in got] == [(pd.Timestamp("2024-01-02"), "b.tif"),
                                             (pd.Timestamp("2024-06-01"), "a.tif")]


def test_landcover_list_date_that_is_not_a_date_names_the_forms(tmp_path):
    _geotiff(tmp_path / "a.tif")
    listing = tmp_path / "lop_phu.csv"
    listing.write_text("path,date\na.tif,tháng 6\n", encoding="utf-8")
    with pytest.raises(InputError, match="dd/mm/yyyy"):
        load_landcover(listing)


@pytest.mark.parametrize(("text", "number"), [
    ("3.240,5", 3240.5), ("0,05", 0.05), ("1.234", 1234.0), ("3 240,5", 3240.5),
    ("3\u00a0240,5", 3240.5), ("3240.5", 3240.5), ("1.234.567", 1234567.0),
    ("1,234,567", 1234567.0), ("3,240.5", 3240.5), ("-2,5", -2.5), ("0.500", 0.5)])
def test_user_numbers_in_vietnamese_and_plain_forms(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize("text", ["nan", "inf", "120 m2", "", "một"])
def test_what_is_not_a_finite_number_is_nan(text):
    assert np.isnan(parse_number(text))


def test_an_ambiguous_number_follows_the_way_its_column_writes_numbers():
    assert parse_numbers(pd.Series(["1.234", "0,5"])).tolist() == [1234.0, 0.5]
    assert parse_numbers(pd.Series(["1.234", "3240.5"])).tolist() == [1.234, 3240.5]
    assert parse_numbers(pd.Series(["1,234", "3240.5"])).tolist() == [1234.0, 3240.5]
    assert parse_numbers(pd.Series(["1,234"])).tolist() == [1.234]
