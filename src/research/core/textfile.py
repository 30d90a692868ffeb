"""Reading a user's text file safely: bytes to text, CSV records with strict quotes, one field
per column. The lowest part of the validation layer (`research.prepare.validate`), here so
that every reader, in any layer, passes through the same checks.

- `decode`: UTF-8 (with or without BOM), UTF-16 (with a BOM, or recognised by its zero bytes)
  and cp1252/Latin-1 are read; a binary file (a workbook, a PDF, an image) is named for what
  it is, and its bytes never reach the terminal.
- `records`: CSV records with their line numbers, quotes checked strictly: a stray `"` that
  would swallow the rest of the file into one cell is reported at the line where it opens.
- `check_width`: every row has as many fields as the header (no silently dropped or padded
  cells), so a shifted or cut-off row is refused.
- `read_csv`: a plain one-header CSV through all of these, as a DataFrame of text.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pandas as pd

from research.core.errors import UserError

#: leading bytes of binary files that users mistake for CSV exports
MAGIC = ((b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?)"),
         (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook"),
         (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
         (b"\x1f\x8b", "a gzip archive"))
SEPARATORS = (";", "\t", ",")
EXPECTED_TEXT = "expected a text export (CSV in UTF-8, UTF-16 or cp1252)"


# --------------------------------------------------------------------------------------------
# bytes -> text


def _binary_kind(data: bytes) -> str:
    return next((what for magic, what in MAGIC if data.startswith(magic)), "binary data")


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when every other byte of the text is zero."""
    even, odd = head[0::2], head[1::2]
    if len(head) >= 4 and odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if len(head) >= 4 and even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode(path: str | Path) -> tuple[str, str]:
    """The file's text and its encoding; a binary file is refused by what it is."""
    path = Path(path)
    if not path.is_file():
        raise UserError("cannot read the file: it does not exist", file=path)
    data = path.read_bytes()
    if not data.strip():
        raise UserError("cannot read the file: it is empty", file=path)
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return _strict(path, data[2:], encoding), "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(path, data[3:], "utf-8"), "utf-8-sig"
    if b"\x00" in data[:4096]:
        encoding = _utf16_without_bom(data[:4096])
        if encoding is None or data.startswith(tuple(m for m, _ in MAGIC)):
            raise UserError(f"cannot read the file: it is {_binary_kind(data)}, not text; "
                            f"{EXPECTED_TEXT}", file=path)
        return _strict(path, data, encoding), "utf-16"
    for encoding in ("utf-8", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        encoding, text = "latin-1", data.decode("latin-1")
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\x0c")
    if controls > max(16, 0.05 * min(len(text), 20000)) or data.startswith(tuple(m for m, _ in MAGIC)):
        raise UserError(f"cannot read the file: it is {_binary_kind(data)}, not text; "
                        f"{EXPECTED_TEXT}", file=path)
    return text, encoding


def _strict(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UserError(f"cannot read the file as {encoding.upper()} text (invalid bytes at "
                        f"offset {exc.start}); {EXPECTED_TEXT}", file=path) from None


# --------------------------------------------------------------------------------------------
# CSV structure


def sniff_separator(text: str) -> str:
    """The separator that splits the first lines into the most rows of one common width."""
    sample = [line for line in text.splitlines()[:60] if line.strip()]
    best, best_score = ",", (0, 0)
    for sep in SEPARATORS:
        widths = [len(r) for r in csv.reader(sample, delimiter=sep)]
        common = Counter(w for w in widths if w > 1).most_common(1)
        if not common:
            continue
        width, count = common[0]
        if (count, width) > best_score:
            best, best_score = sep, (count, width)
    return best


def read_csv(path: str | Path) -> pd.DataFrame:
    """A plain CSV file (one header line, any of ; tab ,) as text cells, through every check
    of this module: decoding, balanced quotes, one field per column in every row."""
    path = Path(path)
    text, _ = decode(path)
    recs = [r for r in records(text, sniff_separator(text), path) if any(c.strip() for c in r[1])]
    if not recs:
        raise UserError("cannot read the file: it is empty", file=path)
    header = recs[0][1]
    check_width(recs[1:], len(header), path)
    return pd.DataFrame([cells for _, cells in recs[1:]], columns=header, dtype=str)


def records(text: str, sep: str, path: Path) -> list[tuple[int, list[str]]]:
    """(line where the record starts, cells) of every record; quotes must be balanced."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    out: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for rec in reader:
            out.append((start, rec))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc) or "EOF" in str(exc):
            raise UserError('a quote (") opened on this row is never closed, so the rest of '
                            "the file would be read as one cell; expected quotes in pairs "
                            "around a cell", file=path, row=start) from None
        raise UserError('text after the closing quote (") of a cell; expected a cell either '
                        'wholly in quotes (with "" for a quote inside it) or without quotes',
                        file=path, row=reader.line_num) from None
    return out


def check_width(rows: list[tuple[int, list[str]]], width: int, path: Path,
                what: str = "the header") -> None:
    """Every row has `width` fields; the first that has not is an error."""
    for line, cells in rows:
        if len(cells) != width:
            more = "more" if len(cells) > width else "fewer"
            raise UserError(f"the row has {len(cells)} fields, {more} than the {width} of "
                            f"{what}; expected one field per column (a separator or a quote "
                            "inside a cell, or a cut-off row?)", file=path, row=line)


def ends_with_newline(text: str) -> bool:
    return text.endswith(("\n", "\r"))
