"""The computed sentence of a chart's alt text (the title comes from the chart itself).

Each function takes the report's label function `L` (`Report.L`) and the values drawn, and
returns one sentence from the `chart.` labels: the highest and lowest value of a year, a
unit's best and worst item, or a note that nothing is drawn.
"""

from __future__ import annotations

import pandas as pd


def extremes(L, year, values: dict[str, float]) -> str:
    """'In {year} the highest value is A (x) and the lowest B (y).' over name -> value; ties
    go to the name first in sort order."""
    s = pd.Series(values, dtype=float).dropna()
    if s.empty:
        return L("chart.no_values")
    s = s.sort_index(kind="stable")
    return L("chart.extremes", year=year, high_name=s.idxmax(), high=float(s.max()),
             low_name=s.idxmin(), low=float(s.min()))


def best_worst(L, name: str, values: dict[str, float], fmt) -> str:
    """'{name}: highest A (fmt(x)), lowest B (fmt(y)).' over item -> value."""
    s = pd.Series(values, dtype=float).dropna()
    if s.empty:
        return L("chart.no_values")
    s = s.sort_index(kind="stable")
    return L("chart.best_worst", name=name, best=s.idxmax(), best_value=fmt(float(s.max())),
             worst=s.idxmin(), worst_value=fmt(float(s.min())))


def number(language: str, decimals: int = 1):
    """A formatter of one value in the report's number style."""
    from research.core.numbers import format_value
    return lambda v: format_value(float(v), language, decimals)
