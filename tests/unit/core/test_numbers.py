"""The one number formatter (research.core.numbers): Finnish, Swedish and English style."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

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


NBSP, MINUS, DASH = "\u00a0", "\u2212", "\u2013"


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_finnish_and_swedish_number_style(language):
    assert numbers.format_value(-1234.5, language, 1) == f"{MINUS}1{NBSP}234,5"
    assert numbers.format_value(1000, language) == f"1{NBSP}000"
    assert numbers.format_value(-0.04, language, 1) == "0,0"                  # never '−0,0'
    assert numbers.format_value(0.25, language, 2, signed=True) == "+0,25"
    assert numbers.format_range(3.14, 4.2, language) == f"3,1{DASH}4,2"
    assert numbers.format_range(-0.123, 0.5, language, 2) == f"{MINUS}0,12{NBSP}{DASH} 0,50"
    assert numbers.format_range(0.1, 0.5, language, 1, signed=True) == f"+0,1{NBSP}{DASH} +0,5"
    assert numbers.format_years(2017, 2021) == f"2017{DASH}2021"
    assert numbers.format_percent(90, language) == f"90{NBSP}%"
    assert numbers.format_percent(12.345, language, 1) == f"12,3{NBSP}%"
    assert numbers.format_date("2018-01-24", language) == "24.1.2018"
    assert numbers.localise_number("-1,234.5", language) == f"{MINUS}1{NBSP}234,5"


def test_english_number_style():
    assert numbers.format_value(-1234.5, "en", 1) == f"{MINUS}1,234.5"
    assert numbers.format_value(1000, "en") == "1,000"
    assert numbers.format_range(3.14, 4.2, "en") == f"3.1{DASH}4.2"
    assert numbers.format_range(-1.25, -0.5, "en", 2) == f"{MINUS}1.25{NBSP}{DASH} {MINUS}0.50"
    assert numbers.format_percent(90, "en") == "90%"
    assert numbers.format_date(dt.date(2018, 1, 24), "en") == "2018-01-24"
    assert numbers.format_p_eq(0.0456, "en") == "p = 0.046"
    assert numbers.localise_number("w1-232 and 2017-2021", "en") == "w1-232 and 2017-2021"


def test_missing_values_are_an_en_dash_everywhere():
    for value in (None, float("nan"), np.nan):
        assert numbers.format_value(value, "sv") == DASH
        assert numbers.format_range(value, 1.0, "fi") == DASH
        assert numbers.format_percent(value, "en") == DASH
    assert numbers.format_date(None, "fi") == DASH
    assert numbers.format_years(2017, 2017) == "2017"


def test_typeset_spaces_percent_signs_and_range_dashes_of_a_label():
    assert numbers.typeset("{x:.0f} % ja 95 %:n väli", "fi") == f"{{x:.0f}}{NBSP}% ja 95{NBSP}%:n väli"
    assert numbers.typeset("95 % CI {a} – {b}", "en") == f"95% CI {{a}}{NBSP}{DASH} {{b}}"
    assert numbers.typeset("Share (%)", "sv") == "Share (%)"


def test_tick_decimals_show_every_tick_exactly():
    assert numbers.tick_decimals([2016.0, 2018.0, 2020.0]) == 0
    assert numbers.tick_decimals([-0.5, 0.0, 0.5, 1.0]) == 1
    assert numbers.tick_decimals([0.25, 0.5, 0.75]) == 2
    assert numbers.tick_decimals([]) == 0


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_tick_labels_in_finnish_and_swedish(language):
    assert numbers.format_tick(-0.5, language, 1) == "\u22120,5"
    assert numbers.format_tick(2017.0, language, 0) == "2017"           # a year stays a year
    assert numbers.format_tick(12000.0, language, 0) == "12\u00a0000"
    assert numbers.format_tick(-1e-12, language, 1) == "0,0"            # never "−0,0"
    assert numbers.format_tick(float("nan"), language, 1) == ""
    assert numbers.format_tick(5000.0, language, 0, grouped=True) == "5\u00a0000"
    assert numbers.tick_grouping([0, 5000, 10000]) and not numbers.tick_grouping([2017, 2021])


def test_tick_labels_in_english():
    assert numbers.format_tick(-0.5, "en", 1) == "\u22120.5"
    assert numbers.format_tick(12000.0, "en", 0) == "12,000"
    assert numbers.format_tick(97.5, "en", 1) == "97.5"
