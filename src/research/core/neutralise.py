"""Exports that a spreadsheet opens safely: text that would start a formula is neutralised.

A cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return is taken by Excel,
LibreOffice and Google Sheets as a formula (CSV injection; openpyxl even writes such a string
as a live formula). Following the OWASP CSV-injection guidance, `neutralise` puts a single quote
before such text, so it is shown as the text it is. Numbers are never changed: neither numeric
values nor text that is a plain number (`-1.5`, `+358`), so figures stay figures.
"""

from __future__ import annotations

import re

import pandas as pd

#: first characters that make a spreadsheet read a cell as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def neutralise(value):
    """`value`, with a `'` in front if it is text that a spreadsheet would run as a formula."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells are neutralised; numbers unchanged."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out
