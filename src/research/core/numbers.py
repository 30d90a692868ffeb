"""The one number formatter of the reports: one number style per report language.

| | Finnish (fi), Swedish (sv) | English (en) |
| --- | --- | --- |
| decimals, thousands | `1 234,5` (decimal comma, no-break space) | `1,234.5` |
| minus | `−0,12` (U+2212) | `−0.12` (U+2212) |
| range | `2017–2021`, `3,1–4,2`; `−0,12 – 0,34` | `2017–2021`, `3.1–4.2`; `−0.12 – 0.34` |
| percent | `90 %` (no-break space; Finnish labels write `90 %:n`) | `90%` |
| date | `24.1.2018` | `2018-01-24` (ISO 8601) |
| missing | `–` | `–` |

A range is always an en dash: closed up between unsigned numbers, spaced (a no-break space
before the dash) when an end carries a sign, so that '−0,12 – −0,05' stays readable.

- `localise_number(text, language)`: already formatted text ('1,234.5', '-0.5') in the
  language's style;
- `format_value(value, language, decimals, signed)`: one number for a table or a sentence
  (thousands grouped, integers and whole floats of 1 000 or more without decimals, never
  '−0,0');
- `format_range(low, high, ...)`, `format_ci(low, high, ...)`: an interval; `format_years`:
  a span of years; `format_percent`: a percentage; `format_date`: a day;
- `format_p(p, language)` / `format_p_eq(p, language)`: a p-value ('0,046', '< 0,001';
  'p = 0,046', 'p < 0,001'); `format_p_draws`: a bootstrap p with the decimals its draws
  support;
- `typeset(template, language)`: the percent and range spacing of a label's own text;
- `tick_decimals(values)`, `tick_grouping(values)`, `format_tick(value, language, decimals,
  grouped)`: the tick labels of a chart axis (`research.report.style` applies them to every
  numeric axis): the same style, one number of decimals for the whole axis, and thousands
  grouped only on an axis that reaches 10 000 (so a year reads as a year).

Every function returns the en dash `MISSING` for a missing or non-finite number. This module
is in `core` so that every layer (statistics tables, labels, report tables) formats numbers
the same way; it has no words of its own.
"""

from __future__ import annotations

import datetime as dt
import math
import re

#: languages that write a decimal comma and a space between thousands
COMMA_LANGUAGES = ("fi", "sv")
MINUS = "\u2212"
NBSP = "\u00a0"
DASH = "\u2013"
MISSING = DASH

# a hyphen-minus that is a sign: not after a letter, digit or another sign, before a number
_SIGN = re.compile(r"(?<![\w.,\u2212-])-(?=\.?\d)")
# a space before a percent sign after a number or a placeholder
_PERCENT = re.compile(r"(?<=[\d}])[ \u00a0\u202f]%")
# a spaced en dash after a number or a placeholder: no line break before it
_SPACED_DASH = re.compile(r"(?<=[\d}]) \u2013 ")


def localise_number(text: str, language: str) -> str:
    """Report number style for already formatted text: '-1,234.5' -> '−1 234,5' (fi, sv),
    '−1,234.5' (en)."""
    text = _SIGN.sub(MINUS, text)
    if language in COMMA_LANGUAGES:
        text = text.translate({ord(","): NBSP, ord("."): ","})
    return text


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd
        if value is pd.NA:
            return True
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return isinstance(value, float) and math.isnan(value)


def _plain(value):
    """numpy scalars as Python numbers."""
    return value.item() if hasattr(value, "item") and not isinstance(value, (int, float)) else value


def format_value(value, language: str = "fi", decimals: int = 1, signed: bool = False) -> str:
    """One number in report style ('+' before a positive number when `signed`); NaN shows
    as an en dash."""
    value = _plain(value)
    if _missing(value):
        return MISSING
    sign = "+" if signed else ""
    if isinstance(value, int) and not isinstance(value, bool):
        return localise_number(f"{value:{sign},}", language)
    if isinstance(value, float):
        if not math.isfinite(value):
            return MISSING
        if value.is_integer() and abs(value) >= 1000:
            return localise_number(f"{value:{sign},.0f}", language)
        value = round(value, decimals) + 0.0                           # no "-0.0"
        return localise_number(f"{value:{sign},.{decimals}f}", language)
    return str(value)


def _finite(*values) -> bool:
    return all(v is not None and not _missing(v) and math.isfinite(float(v)) for v in values)


def _join(low: str, high: str, spaced: bool) -> str:
    return f"{low}{NBSP}{DASH} {high}" if spaced else f"{low}{DASH}{high}"


def format_range(low, high, language: str = "fi", decimals: int = 1,
                 signed: bool = False) -> str:
    """'3,1–4,2'; '−0,1 – 0,3' when an end is negative or `signed`; a dash when either end
    is missing."""
    if not _finite(low, high):
        return MISSING
    a, b = (format_value(v, language, decimals, signed) for v in (low, high))
    return _join(a, b, signed or a.startswith(MINUS) or b.startswith(MINUS))


def format_ci(lo: float, hi: float, language: str, decimals: int = 2,
              signed: bool = False) -> str:
    """A confidence interval: `format_range` with `decimals` places (never '−0,00')."""
    return format_range(lo, hi, language, decimals, signed)


def format_years(first, last) -> str:
    """A span of years, '2017–2021' (one year alone when both are the same)."""
    if _missing(first) or _missing(last):
        return MISSING
    first, last = int(first), int(last)
    return str(first) if first == last else f"{first}{DASH}{last}"


def format_percent(value, language: str = "fi", decimals: int = 0,
                   signed: bool = False) -> str:
    """'90 %' (fi, sv: a no-break space) or '90%' (en); a dash when missing."""
    text = format_value(value if not isinstance(value, int) else float(value), language,
                        decimals, signed)
    if text == MISSING:
        return text
    return text + (f"{NBSP}%" if language in COMMA_LANGUAGES else "%")


def format_date(day, language: str = "fi") -> str:
    """A day: '24.1.2018' in Finnish and Swedish, '2018-01-24' (ISO 8601) in English;
    `day` is a date, a datetime or ISO text."""
    if _missing(day) or day == "":
        return MISSING
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date):
        day = dt.date.fromisoformat(str(day)[:10])
    if language in COMMA_LANGUAGES:
        return f"{day.day}.{day.month}.{day.year}"
    return day.isoformat()


def typeset(template: str, language: str) -> str:
    """A label's own text in the language's style: the space before a percent sign after a
    number or placeholder ('95 %' -> '95 %' with a no-break space in fi/sv, '95%' in en),
    and a no-break space before a spaced range dash ('{low} – {high}')."""
    template = _PERCENT.sub(f"{NBSP}%" if language in COMMA_LANGUAGES else "%", template)
    return _SPACED_DASH.sub(f"{NBSP}{DASH} ", template)


def format_p(p: float, language: str) -> str:
    """A p-value for display: three decimals, '< 0.001' below that, a dash when missing."""
    if not _finite(p):
        return MISSING
    return localise_number("< 0.001" if p < 0.001 else f"{p:.3f}", language)


def format_p_eq(p: float, language: str) -> str:
    """'p = 0.046', 'p < 0.001' or 'p = –' (missing), localised."""
    text = format_p(p, language)
    return "p " + text if text.startswith("<") else "p = " + text


def p_decimals(p: float, draws: int, exact: bool) -> int:
    """How many decimals a bootstrap p-value of `draws` draws supports (at most 3).

    Enumerated (exact) p: the digits of the resolution 1/draws (1,296 draws: 3, 16: 1).
    Sampled p: the digits whose unit is at least the Monte Carlo standard error
    sqrt(p(1 - p)/draws) (999 draws at p = 0.05: 2, at p = 0.4: 1).
    """
    if draws <= 0:
        return 3
    if exact:
        return int(min(3, max(1, math.floor(math.log10(draws)))))
    se = math.sqrt(p * (1 - p) / draws)
    if se == 0:
        return int(min(3, max(1, math.floor(math.log10(draws)))))
    return int(min(3, max(1, math.floor(-math.log10(se)))))


def format_p_draws(p: float, draws: int, exact: bool, language: str) -> str:
    """A bootstrap p-value with no more decimals than its draws support ('< 0.01' when it
    rounds to zero), a dash when missing."""
    if not _finite(p):
        return MISSING
    d = p_decimals(float(p), int(draws), bool(exact))
    if round(float(p), d) == 0:
        return localise_number(f"< {10 ** -d:.{d}f}", language)
    return localise_number(f"{p:.{d}f}", language)


def tick_decimals(values) -> int:
    """The fewest decimals (at most 6) that show every tick of an axis exactly
    ([0, 0.5, 1] -> 1, [2017, 2018] -> 0)."""
    finite = [float(v) for v in values if _finite(v)]
    for decimals in range(7):
        if all(abs(round(v, decimals) - v) <= 1e-9 * max(1.0, abs(v)) for v in finite):
            return decimals
    return 6


def tick_grouping(values) -> bool:
    """Whether an axis groups thousands: when one of its ticks is 10 000 or more (so that
    an axis of years, 2017, 2018, is not grouped, and one axis never mixes '5000' and
    '10 000')."""
    return any(abs(float(v)) >= 10_000 for v in values if _finite(v))


def format_tick(value, language: str = "fi", decimals: int = 0,
                grouped: bool | None = None) -> str:
    """An axis tick in report style: '−0,5', '2017', '12 000' (fi, sv), '−0.5', '12,000'
    (en); `grouped` None groups the thousands of numbers of 10 000 or more."""
    if not _finite(value):
        return ""
    value = round(float(value), decimals) + 0.0                     # no "−0"
    if grouped is None:
        grouped = tick_grouping([value])
    grouping = "," if grouped else ""
    return localise_number(f"{value:{grouping}.{decimals}f}", language)
