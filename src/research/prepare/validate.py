"""The validation layer every reader of `research prepare` passes through.

A raw export is checked in the order it is read, and every problem is one `UserError` that
names the file, the file's own line, the column and what was expected:

- `decode`: bytes to text. UTF-8 (with or without BOM), UTF-16 (with a BOM, or recognised by
  its zero bytes) and cp1252/Latin-1 are read; a binary file (a workbook, a PDF, an image)
  is named for what it is, and its bytes never reach the terminal.
- `records`: CSV records with their line numbers, quotes checked strictly: a stray `"` that
  would swallow the rest of the file into one cell is reported at the line where it opens.
- `check_width`: every row has as many fields as the header (no silently dropped or
  padded cells), so a shifted or cut-off row is refused.
- `check_frame`: types and plausible ranges of the values read, declared as data with the
  indicator (`range` in the catalogue) or the instrument, checked with pandera.
- `check_expected`: a file ends where its structure says: the number of areas and the
  years (or months) a catalogue source declares under `expect`, each area in every period.
- `check_shrink`: a table that would shrink by more than the configured share compared with
  the previous prepare is refused unless the user allows it.

Messages show cell values through `shown`: control characters escaped, long values cut.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections import Counter
from pathlib import Path

import pandas as pd

from research.core import yamlfile
from research.core.errors import UserError, shown

SETTINGS_FILE = Path(__file__).with_name("validation.yml")
#: leading bytes of binary files that users mistake for CSV exports
MAGIC = ((b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?)"),
         (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook"),
         (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
         (b"\x1f\x8b", "a gzip archive"))
SEPARATORS = (";", "\t", ",")
EXPECTED_TEXT = "expected a text export (CSV in UTF-8, UTF-16 or cp1252)"


def settings() -> dict:
    """The validation settings shipped with the kit (`prepare/validation.yml`)."""
    return dict(yamlfile.load(SETTINGS_FILE, "validation settings") or {})


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


# --------------------------------------------------------------------------------------------
# values: types and plausible ranges (pandera)


def range_of(entry: dict, where: dict) -> tuple[float | None, float | None]:
    """The `range: [low, high]` an indicator declares (None for an open end)."""
    spec = entry.get("range")
    if spec is None:
        return None, None
    if not isinstance(spec, list) or len(spec) != 2 or not all(
            v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in spec):
        raise UserError(f"indicator '{entry.get('id')}': range must be [low, high] (numbers, "
                        f"or null for an open end), not {spec!r}", **where)
    return spec[0], spec[1]


def check_frame(df: pd.DataFrame, columns: dict[str, dict], path, line: str = "_line") -> None:
    """Check columns of `df` against `{column: {"range": (low, high), "what": text}}` with
    pandera; the first failing cell is a `UserError` with its file line and column."""
    import pandera.pandas as pa

    schema = pa.DataFrameSchema({
        col: pa.Column(float, checks=_range_checks(spec["range"]), nullable=True,
                       required=False)
        for col, spec in columns.items()})
    try:
        schema.validate(df[[c for c in columns if c in df.columns]], lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.dropna(subset=["index"])
        first = cases.sort_values("index", kind="stable").iloc[0]
        col, value = first["column"], first["failure_case"]
        low, high = columns[col]["range"]
        bound = (f"from {_num(low)} to {_num(high)}" if low is not None and high is not None
                 else f"at least {_num(low)}" if low is not None else f"at most {_num(high)}")
        raise UserError(f"{_num(value)} is outside the plausible range of "
                        f"{columns[col]['what']}; expected a value {bound}", file=path,
                        row=int(df.loc[first["index"], line]),
                        column=columns[col].get("column", col)) from None


def _range_checks(bounds: tuple) -> list:
    import pandera.pandas as pa

    low, high = bounds
    if low is not None and high is not None:
        return [pa.Check.in_range(low, high)]
    if low is not None:
        return [pa.Check.ge(low)]
    return [pa.Check.le(high)] if high is not None else []


def _num(value) -> str:
    return f"{float(value):g}"


# --------------------------------------------------------------------------------------------
# a file ends where its structure says


def check_expected(df: pd.DataFrame, expect: dict, path: Path, source: str,
                   period: str | None, cut_off: bool) -> None:
    """The areas and periods a catalogue source declares under `expect` are all there.

    `expect: {areas: 311}` (distinct areas), `years: [2000, 2022]` or
    `months: [2006-01, 2023-10]` (every area in every period of the span).
    """
    tail = (f"; the file ends without a line break, so it looks cut off after row "
            f"{int(df['_line'].max())}" if cut_off and len(df) else "")
    declared = f"declared for source '{source}' in the indicator catalogue"
    areas = df["_area_code"].nunique()
    if "areas" in expect and areas != int(expect["areas"]):
        raise UserError(f"the file has {areas} areas, expected {int(expect['areas'])} "
                        f"({declared}){tail}", file=path)
    for key in ("years", "months"):
        if key not in expect or period is None:
            continue
        first, last = (str(v) for v in expect[key])
        wanted = (list(range(int(first), int(last) + 1)) if key == "years" else
                  [str(p) for p in pd.period_range(first, last, freq="M")])
        have = df[period].astype(int if key == "years" else str)
        found = set(have)
        missing = [p for p in wanted if p not in found]
        if missing:
            raise UserError(f"the file has no rows for {shown(missing[0])}, expected {key} "
                            f"{first}-{last} ({declared}){tail}", file=path)
        counts = pd.crosstab(df["_area_code"], have).reindex(columns=wanted, fill_value=0)
        gaps = counts[(counts == 0).any(axis=1)]
        if len(gaps):
            area = gaps.index[0]
            gap = next(p for p in wanted if counts.loc[area, p] == 0)
            label = (df.loc[df["_area_code"] == area, "_area_label"].iloc[0]
                     if "_area_label" in df else area)
            raise UserError(f"area '{shown(label)}' has no row for {gap}, expected every area "
                            f"in every one of the {key} {first}-{last} ({declared}){tail}",
                            file=path)


# --------------------------------------------------------------------------------------------
# comparison with the previous prepare


def check_shrink(previous: dict[str, int], tables: dict[str, pd.DataFrame],
                 max_share: float) -> None:
    """Refuse a table that has fewer rows than in the previous prepare by more than
    `max_share` (0.25 = a quarter)."""
    for name in sorted(tables):
        before, after = previous.get(name, 0), len(tables[name])
        if before and after < before and (before - after) / before > max_share:
            share = 100 * (before - after) / before
            raise UserError(
                f"table '{name}' would shrink from {before} to {after} rows ({share:.0f} % "
                f"fewer, more than the {100 * max_share:g} % allowed); if the raw data really "
                f"lost rows, rerun with --max-shrink {min(1.0, (before - after) / before):.2f}")


# --------------------------------------------------------------------------------------------
# suggestions


def suggest_codes(code: str, known: dict[str, str], counts: dict[str, int] | None = None,
                  n: int = 2) -> str:
    """'; did you mean '232' (Kauhajoki)?' for a mistyped code such as '2322' (a digit too
    many, too few or changed), the likeliest first (`counts`: how often each code occurs
    nearby, e.g. in the same column); '' when nothing is close."""
    code = str(code).strip()
    counts = counts or {}
    cands = {code[:i] + code[i + 1:] for i in range(len(code))}             # one digit extra
    cands |= {code[:i] + d + code[i:] for i in range(len(code) + 1) for d in "0123456789"}
    cands |= {code[:i] + d + code[i + 1:] for i in range(len(code)) for d in "0123456789"}
    near = sorted((c for c in cands if c in known and c != code),
                  key=lambda c: (-counts.get(c, 0), -difflib.SequenceMatcher(None, c, code)
                                 .ratio(), c))[:n]
    if not near:
        return ""
    return "; did you mean " + " or ".join(f"'{c}' ({known[c]})" for c in near) + "?"
