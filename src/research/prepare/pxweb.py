"""Reading Statistics Finland's export formats into plain tables of text.

Researchers get official statistics as PxWeb CSV exports (semicolon, comma or tab separated;
UTF-8, UTF-8 with BOM or Latin-1/cp1252; title lines above and footnotes below the table),
as PC-Axis `.px` files or as JSON-stat 2.0 API responses. This module turns any of them into
a DataFrame of text cells plus a `_line` column with the file's own line number (header =
line 1 of the table's first line in the file), so that later steps can name the line of a bad
cell. The format and the encoding are detected from the content, never from the extension.

It also parses Statistics Finland's values: decimal comma or point, spaces as thousands
separators, and the special symbols `..` (not available or confidential: NaN), `.` (logically
impossible: NaN) and `-` (nil: 0), which are kept in a `flag`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from research.core.errors import UserError, shown
from research.prepare import validate

#: Statistics Finland's special symbols and the value each stands for.
SYMBOLS = {"..": np.nan, ".": np.nan, "-": 0.0}
SEPARATORS = validate.SEPARATORS
#: a number whose commas could separate thousands: 13,610 or -1,234,567 (not 0,125)
GROUPED = r"-?[1-9]\d{0,2}(?:,\d{3})+"
LINE = "_line"


def decode(path: str | Path) -> tuple[str, str]:
    """The file's text and its encoding (see `research.prepare.validate.decode`)."""
    return validate.decode(path)


sniff_separator = validate.sniff_separator


def read_csv_text(path: str | Path) -> pd.DataFrame:
    """A PxWeb CSV export as text cells with `_line`; title and footnote lines are skipped.

    The table is the longest run of records that share the most common field count; its
    first record is the header.
    """
    text, _ = decode(path)
    path = Path(path)
    sep = sniff_separator(text)
    records = validate.records(text, sep, path)
    widths = Counter(len(r) for _, r in records if len(r) > 1)
    if not widths:
        raise UserError("cannot read the file: no table with two or more columns found",
                        file=path)
    width = widths.most_common(1)[0][0]
    first = next(i for i, (_, r) in enumerate(records) if len(r) == width)
    header = [h.strip() for h in records[first][1]]
    rows, lines = [], []
    end = len(records)
    last_cut = not validate.ends_with_newline(text)
    for i, (line, rec) in enumerate(records[first + 1:], start=first + 1):
        footnote = len(rec) == 1 and not (last_cut and i == len(records) - 1)
        if not rec or not any(c.strip() for c in rec) or footnote:
            end = i
            break
        rows.append([c.strip() for c in rec])
        lines.append(line)
    # the table ends at a blank line, a one-cell footnote or the end of the file: a row of
    # another width inside it is a shifted or cut-off row; table rows after the end are lost
    validate.check_width(list(zip(lines, rows)), width, path, what="the table's header")
    later = next(((line, rec) for line, rec in records[end:] if len(rec) == width), None)
    if later is not None and rows:
        raise UserError(f"a row of the table's {width} fields after the end of the table (a "
                        "blank line); expected the table in one block, footnotes below it",
                        file=path, row=later[0])
    seen = Counter(header)
    dup = [h for h, n in seen.items() if n > 1]
    if dup:
        raise UserError(f"the header has column '{dup[0]}' more than once", file=path,
                        row=records[first][0], column=dup[0])
    df = pd.DataFrame(rows, columns=header, dtype=object)
    df[LINE] = lines
    df.attrs["header_line"] = records[first][0]
    df.attrs["cut_off"] = end == len(records) and last_cut
    return df


def read_px_text(path: str | Path) -> pd.DataFrame:
    """A PC-Axis file (through pyaxis) as text cells; `_line` is the DATA line (1 + offset).

    Symbols stay as text (pyaxis is told not to replace them) so that `parse_values` keeps
    them in the flag.
    """
    from pyaxis import pyaxis

    text, encoding = decode(path)
    data_line = next((i + 1 for i, line in enumerate(text.splitlines())
                      if line.strip().startswith("DATA")), 1)
    try:
        parsed = pyaxis.parse(str(path), encoding=encoding.replace("-sig", ""),
                              null_values=r"(?!x)x", sd_values=r"(?!x)x")
    except Exception as exc:  # pyaxis raises bare exceptions on malformed files
        raise UserError(f"cannot read the file as PC-Axis: {exc}", file=path) from None
    df = parsed["DATA"].astype(object)
    df["DATA"] = df["DATA"].map(lambda v: str(v).strip().strip('"'))
    df[LINE] = data_line
    df.attrs["header_line"] = 1
    return df


def read_jsonstat_text(path: str | Path, naming: str = "label") -> pd.DataFrame:
    """A JSON-stat 2.0 dataset (through pyjstat) as text cells; `naming` 'label' or 'id'.

    Statistics Finland's symbols come in the `status` object; a cell with a status and no
    value gets the status as its text, so that the flag survives.
    """
    from pyjstat import pyjstat

    text, _ = decode(path)
    try:
        obj = json.loads(text)
        df = pyjstat.Dataset.read(text).write("dataframe", naming=naming)
    except Exception as exc:
        raise UserError(f"cannot read the file as JSON-stat: {exc}", file=path) from None
    df = df.astype(object)
    status = obj.get("status") or {}
    if isinstance(status, list):
        status = dict(enumerate(status))
    cells = [("" if v is None or (isinstance(v, float) and np.isnan(v)) else repr(float(v)))
             for v in df["value"]]
    for key, sym in status.items():
        i = int(key)
        if cells[i] == "":
            cells[i] = str(sym)
    df["value"] = cells
    df[LINE] = 1
    df.attrs["header_line"] = 1
    return df


def read_text_table(path: str | Path) -> pd.DataFrame:
    """Any supported export as text cells: the format is detected from the content."""
    text, _ = decode(path)
    head = text.lstrip()[:2000]
    if head.startswith("{"):
        return read_jsonstat_text(path)
    if any(head.startswith(k) for k in ("CHARSET", "AXIS-VERSION", "LANGUAGE", "CODEPAGE",
                                       "DECIMALS", "MATRIX")):
        return read_px_text(path)
    return read_csv_text(path)


def parse_values(cells: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(value, flag, bad) from text cells: decimal comma or point, symbols into `flag`.

    An empty cell is missing (NaN, empty flag). `bad` marks cells that are not numbers.
    Plain numbers take a vectorised fast path; only the other cells are cleaned one by one.
    A comma before exactly three digits (`13,610`) follows the column's style: thousands
    where other cells use a decimal point, decimals where other cells use a decimal comma,
    and `bad` (ambiguous) where nothing in the column tells.
    """
    raw = pd.Series(cells.to_numpy(dtype=object), index=cells.index, dtype=object)
    raw = raw.where(raw.notna(), "")
    value = pd.to_numeric(raw, errors="coerce").astype(float)
    flag = pd.Series("", index=cells.index, dtype=object)
    bad = pd.Series(False, index=cells.index)
    rest = value.isna()
    rest[rest] = raw[rest].map(str).str.strip() != ""
    if rest.any():
        text = raw[rest].map(str).str.strip().str.strip('"').str.strip()
        sym = text.isin(list(SYMBOLS))
        flag[rest] = text.where(sym, "")
        number = text.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
        comma_only = number.str.contains(",", regex=False) & ~number.str.contains(".",
                                                                                 regex=False)
        grouped = number.str.fullmatch(GROUPED) & ~sym
        ambiguous = pd.Series(False, index=number.index)
        if grouped.any():
            point = raw.map(str).str.contains(r"\d\.\d", regex=True).any()
            decimal_comma = (comma_only & ~grouped & ~sym).any()
            if point and not decimal_comma:
                comma_only = comma_only & ~grouped
            elif point or not decimal_comma:
                ambiguous = grouped
        number = number.where(~comma_only, number.str.replace(",", ".", regex=False))
        number = number.str.replace(",", "", regex=False).where(~ambiguous, "?")
        parsed = pd.to_numeric(number.where(~sym & (number != ""), None), errors="coerce")
        value[rest] = parsed.where(~sym, text[sym].map(SYMBOLS)).astype(float)
        bad[rest] = ~sym & (number != "") & parsed.isna()
    return value, flag, bad


def check_values(cells: pd.Series, lines: pd.Series, file, column: str):
    """`parse_values`, failing on the first cell that is not a number."""
    value, flag, bad = parse_values(cells)
    if bad.any():
        i = bad.idxmax()
        text = str(cells[i]).strip().strip('"').replace(" ", "").replace("\u00a0", "")
        if re.fullmatch(GROUPED, text):
            raise UserError(f"cannot tell whether the comma in '{shown(cells[i])}' separates "
                            "thousands or decimals (no other number of the column shows its "
                            f"style); expected {text.replace(',', '')} (no thousands separator) or "
                            f"{text.replace(',', '.')} (a decimal point)",
                            file=file, row=int(lines[i]), column=column)
        raise UserError(f"cannot read '{shown(cells[i])}' as a number (expected a number with a "
                        "decimal point or comma, or one of the symbols .. . -)", file=file,
                        row=int(lines[i]), column=column)
    return value, flag
