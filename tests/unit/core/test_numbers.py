"""The one number formatter (research.core.numbers): Finnish and English style."""

import math

import numpy as np
import pandas as pd

from research.core import labels, numbers
from research.report import show


def test_localise_number_finnish_and_english():
    assert numbers.localise_number("1,234,567.25", "fi") == "1\u00a0234\u00a0567,25"
    assert numbers.localise_number("1,234.5", "en") == "1,234.5"


def test_format_value_integers_floats_and_missing():
    assert numbers.format_value(12345, "fi") == "12\u00a0345"
    assert numbers.format_value(12345, "en") == "12,345"
    assert numbers.format_value(1234.0, "fi") == "1\u00a0234"          # whole, >= 1000
    assert numbers.format_value(12.0, "fi") == "12,0"
    assert numbers.format_value(3.14159, "fi", 2) == "3,14"
    assert numbers.format_value(np.float64(2.25), "en", 1) == "2.2"  # round half to even
    for missing in (None, float("nan"), np.nan, pd.NA):
        assert numbers.format_value(missing) == "–"
    assert numbers.format_value("text") == "text"


def test_p_values_and_intervals():
    assert numbers.format_p(0.0456, "fi") == "0,046"
    assert numbers.format_p(0.0004, "en") == "< 0.001"
    assert numbers.format_p(math.inf, "en") == "–"
    assert numbers.format_p(None, "en") == "–"
    assert numbers.format_p_eq(0.0456, "en") == "p = 0.046"
    assert numbers.format_p_eq(0.0001, "fi") == "p < 0,001"
    assert numbers.format_p_eq(float("nan"), "fi") == "p = –"
    assert numbers.format_ci(-0.001, 0.256, "fi") == "0,00–0,26"    # no '−0,00'
    assert numbers.format_ci(-1.5, 2.25, "en", 1) == "\u22121.5\u00a0\u2013 2.2"
    assert numbers.format_ci(np.nan, 1.0, "en") == "–"


def test_one_formatter_everywhere():
    assert labels.localise_number is numbers.localise_number
    assert show.format_value is numbers.format_value
