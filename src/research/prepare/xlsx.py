"""Reading PxWeb and other spreadsheet downloads (.xlsx) into plain tables of text.

A PxWeb "xlsx" download has a title in A1, a blank row, a header of one or more rows (the
upper rows name a group of columns once, in its first column: `0 - 17` over ten activity
columns), then the data, whose leading "stub" columns (area, year) have no header and give
the area only on the first row of its block, and a footer of notes (`Lähde: Tilastokeskus`,
`Sisäinen viitekoodi`). Other exports (the State Treasury's) have a one-row header and a
filter note below the table.

`read_xlsx_text` finds the table from the content: the data start at the first row whose
last column holds a number (or one of Statistics Finland's symbols) and end before the first
row with no number or symbol outside column A (a blank row or a note); the header is the
run of non-blank rows above it, a title row (only column A filled) excepted. Column names
join the header rows with " / " (upper rows carried to the right over their group); stub
columns without a header are named by their Excel letter (`A`, `B`) and carried down over
their block. `_line` is the Excel row number, so an error names the row a user sees in the
spreadsheet.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from research.core.errors import UserError

XLSX_MAGIC = b"PK\x03\x04"
_SYMBOLS = ("..", ".", "-")
LINE = "_line"


def is_xlsx(path: str | Path) -> bool:
    """True if the file is a zip container (an .xlsx workbook), whatever its name."""
    with open(path, "rb") as fh:
        return fh.read(4) == XLSX_MAGIC


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _is_value(cell: str) -> bool:
    if cell in _SYMBOLS:
        return True
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    with open(path, "rb") as fh:  # a file object: the format comes from the content
        try:
            wb = load_workbook(fh, read_only=True, data_only=True)
            ws = wb.worksheets[0]
            rows = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        except (zipfile.BadZipFile, OSError, KeyError, ValueError, IndexError) as exc:
            raise UserError(f"cannot read the file as an xlsx workbook: {exc}",
                            file=path) from None
        wb.close()
    width = max((max((i + 1 for i, c in enumerate(r) if c), default=0) for r in rows), default=0)
    return [(r + [""] * width)[:width] for r in rows]


def _header_names(header: list[list[str]], width: int) -> list[str]:
    """One name per column: header rows joined with ' / ', upper rows carried right."""
    carried = []
    for depth, row in enumerate(header):
        last = depth == len(header) - 1
        out, current = [], ""
        for cell in row:
            current = cell if (cell or last) else current
            out.append(current)
        carried.append(out)
    names = []
    for col in range(width):
        parts = [r[col] for r in carried if r[col]]
        names.append(" / ".join(parts) if parts else get_column_letter(col + 1))
    return names


def read_xlsx_text(path: str | Path) -> pd.DataFrame:
    """The first sheet's table as text cells with `_line` (Excel row numbers)."""
    path = Path(path)
    rows = _rows(path)
    if not rows or not rows[0]:
        raise UserError("cannot read the file: the first sheet is empty", file=path)
    width = len(rows[0])
    last = width - 1
    start = next((i for i, r in enumerate(rows) if _is_value(r[last]) and any(r[:last])), None)
    if start is None:
        raise UserError("cannot read the file: no table with numbers in its last column "
                        f"({get_column_letter(width)}) found", file=path)
    end = next((i for i in range(start, len(rows))
                if not any(_is_value(c) for c in rows[i][1:])), len(rows))
    top = start
    while top > 0 and any(rows[top - 1]) and any(rows[top - 1][1:]):
        top -= 1
    names = _header_names(rows[top:start], width)
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise UserError(f"the header has column '{dup}' more than once", file=path,
                        row=top + 1 if top < start else start, column=dup)
    df = pd.DataFrame(rows[start:end], columns=names, dtype=object)
    stubs = [n for n, c in zip(names, range(width)) if n == get_column_letter(c + 1)]
    for col in stubs:
        df[col] = df[col].replace("", pd.NA).ffill().fillna("")
    df[LINE] = list(range(start + 1, end + 1))
    df.attrs["header_line"] = top + 1 if top < start else start
    return df
