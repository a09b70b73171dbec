"""format_number / format_numbers: numbers for people, Vietnamese 3.084 and 4,9."""

import numpy as np
import pandas as pd
import pytest

from landplan._numbers import format_number, format_numbers, parse_numbers
from landplan.errors import ConfigError


@pytest.mark.parametrize(("value", "decimals", "vi", "en"), [
    (3084, 0, "3.084", "3,084"),
    (4.94, 1, "4,9", "4.9"),
    (12345.67, 2, "12.345,67", "12,345.67"),
    (1234567, 0, "1.234.567", "1,234,567"),
    (-1234.5, 1, "-1.234,5", "-1,234.5"),
    (-0.001, 2, "0,00", "0.00"),
    (999, 0, "999", "999"),
    (float("nan"), 2, "", ""),
    (None, 0, "", ""),
    (float("inf"), 0, "", ""),
])
def test_format_number(value, decimals, vi, en):
    assert format_number(value, "vi", decimals) == vi
    assert format_number(value, "en", decimals) == en


def test_format_numbers_is_vectorised_and_keeps_shape():
    out = format_numbers(pd.Series([1.0, np.nan, 1234567.891]), "vi", decimals=2)
    assert out.dtype == object
    assert out.tolist() == ["1,00", "", "1.234.567,89"]
    grid = format_numbers(np.array([[1, 2000], [3, np.inf]]), "en")
    assert grid.shape == (2, 2)
    assert grid.tolist() == [["1", "2,000"], ["3", ""]]
    assert format_numbers([], "vi").tolist() == []


def test_format_then_parse_round_trips():
    values = pd.Series([3084.0, 12345.67, 0.5, 1234567.0])
    for lang in ("vi", "en"):
        text = pd.Series(format_numbers(values, lang, decimals=2))
        assert np.allclose(parse_numbers(text), values)


def test_unknown_language():
    with pytest.raises(ConfigError):
        format_number(1, "fr")
