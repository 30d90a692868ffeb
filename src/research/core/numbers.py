"""The one number formatter of the reports: Finnish or English number style.

- `localise_number(text, language)`: already formatted text in the report language's style
  ('1,234.5' -> '1 234,5' in Finnish: decimal comma, no-break space between thousands);
- `format_value(value, language, decimals)`: one number for a table or a sentence (thousands
  grouped, `decimals` places, integers and whole floats of 1 000 or more without decimals,
  missing as an en dash);
- `format_p(p, language)` / `format_p_eq(p, language)`: a p-value ('0.046', '< 0.001';
  'p = 0.046', 'p < 0.001');
- `format_ci(low, high, language, decimals)`: an interval '0.12 … 0.34' (never '-0.00').

Every function returns the en dash `MISSING` for a missing or non-finite number. This module
is in `core` so that every layer (statistics tables, labels, report tables) formats numbers
the same way; it has no text of its own.
"""

from __future__ import annotations

import math

MISSING = "–"


def localise_number(text: str, language: str) -> str:
    """Finnish number style for already formatted text: '1,234.5' -> '1 234,5'."""
    if language != "fi":
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


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


def format_value(value, language: str = "fi", decimals: int = 1) -> str:
    """One number in report style; NaN shows as an en dash."""
    if _missing(value):
        return MISSING
    if isinstance(value, int) and not isinstance(value, bool):
        return localise_number(f"{value:,}", language)
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1000:
            return localise_number(f"{value:,.0f}", language)
        return localise_number(f"{value:,.{decimals}f}", language)
    return str(value)


def _finite(*values) -> bool:
    return all(v is not None and math.isfinite(float(v)) for v in values)


def format_p(p: float, language: str) -> str:
    """A p-value for display: three decimals, '< 0.001' below that, a dash when missing."""
    if not _finite(p):
        return MISSING
    return localise_number("< 0.001" if p < 0.001 else f"{p:.3f}", language)


def format_p_eq(p: float, language: str) -> str:
    """'p = 0.046', 'p < 0.001' or 'p = –' (missing), localised."""
    text = format_p(p, language)
    return "p " + text if text.startswith("<") else "p = " + text


def format_ci(lo: float, hi: float, language: str, decimals: int = 2) -> str:
    """An interval 'low … high' with `decimals` places; a dash when either end is missing."""
    if not _finite(lo, hi):
        return MISSING
    lo, hi = round(float(lo), decimals) + 0.0, round(float(hi), decimals) + 0.0   # no "-0.00"
    return localise_number(f"{lo:.{decimals}f} … {hi:.{decimals}f}", language)


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
