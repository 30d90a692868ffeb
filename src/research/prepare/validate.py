"""The validation layer every reader of `research prepare` passes through.

A raw export is checked in the order it is read, and every problem is one `UserError` that
names the file, the file's own line, the column and what was expected:

- `decode`, `records`, `check_width`, `read_csv` (from `research.core.textfile`): bytes to
  text (UTF-8, UTF-16, cp1252; a binary file named, never printed), CSV records with strict
  quotes (a stray `"` reported where it opens), one field per column in every row.
- `check_frame`: types and plausible ranges of the values read, declared as data with the
  indicator (`range` in the catalogue) or the instrument, checked with pandera.
- `check_expected`: a file ends where its structure says: the number of areas and the
  years (or months) a catalogue source declares under `expect`, each area in every period.
- `check_shrink`: a table that would shrink by more than the configured share compared with
  the previous prepare is refused unless the user allows it.

Messages show cell values through `shown`: control characters escaped, long values cut.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from research.core import yamlfile
from research.core.errors import UserError, shown
from research.core.textfile import (EXPECTED_TEXT, SEPARATORS, check_width,  # noqa: F401
                                    decode, ends_with_newline, read_csv, records,
                                    sniff_separator)

SETTINGS_FILE = Path(__file__).with_name("validation.yml")


def settings() -> dict:
    """The validation settings shipped with the kit (`prepare/validation.yml`)."""
    return dict(yamlfile.load(SETTINGS_FILE, "validation settings") or {})


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
