"""Privacy for survey and workshop results: small-cell suppression and open-answer masking.

Every table or chart of respondents goes through `suppress` before it is shown:

- primary suppression: a cell with 0 < n < threshold respondents is hidden;
- complementary suppression: a published total (e.g. a municipality's total over roles, or
  the sub-region's total over municipalities) minus the visible cells would reveal a single
  hidden cell, so in every such group where exactly one cell is hidden, the smallest
  visible non-empty cell is hidden too. This repeats until every group is safe.

The functions are generic: a DataFrame with a count column and grouping columns, so that
the survey, workshop and evaluation analyses share them. Compute suppression on the whole
cross table (all municipalities), then show a report's slice, so that one municipality's
report and another's cannot be combined to undo it.

`mask_text` replaces e-mail addresses, phone numbers and person names (the list of
`NAMES_FILE`, with its source) in an open answer with given words; the report layer
(`research.report.privacy`) supplies them from the labels, escapes the text and marks
hidden cells for display. `same_answer` is the group-disclosure rule for distributions.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from research.core import yamlfile

PRIMARY = "primary"
COMPLEMENTARY = "complementary"


def suppress(df: pd.DataFrame, count: str = "n", threshold: int = 5,
             margins: Iterable[Sequence[str]] = ((),), values: Sequence[str] | None = None
             ) -> pd.DataFrame:
    """Suppress small cells and their complements; return a copy with two new columns.

    `margins` lists the published totals: each entry is a list of columns; the rows sharing
    the values of those columns add up to a total that is shown (``()`` is the grand total,
    ``["municipality_code"]`` a total per municipality over the other grouping columns).
    `values` are the columns to blank in hidden rows (default: `count` and every other
    numeric column). Adds `suppressed` (bool) and `suppression` ('', 'primary' or
    'complementary'); hidden rows keep their grouping columns but their values become NaN.
    """
    out = df.copy().reset_index(drop=True)
    n = out[count].astype(float)
    status = pd.Series("", index=out.index, dtype=object)
    status[(n > 0) & (n < threshold)] = PRIMARY
    changed = True
    while changed:
        changed = False
        for margin in margins:
            keys = list(margin)
            parts = ([part.index for _, part in out.groupby(keys, sort=True, dropna=False)]
                     if keys else [out.index])
            for index in parts:
                hidden = status[index] != ""
                if hidden.sum() != 1:
                    continue
                candidates = n[index][(~hidden) & (n[index] > 0)]
                if candidates.empty:
                    continue
                # the smallest visible cell; ties broken by row order, so results are stable
                status[candidates.sort_values(kind="stable").index[0]] = COMPLEMENTARY
                changed = True
    if values is None:
        values = [c for c in out.columns
                  if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])]
    values = list(dict.fromkeys([count, *values]))
    mask = status != ""
    for col in values:
        out[col] = out[col].astype(float).where(~mask)
    out["suppressed"] = mask
    out["suppression"] = status
    return out


def same_answer(counts: pd.DataFrame, answers: Sequence, threshold: int = 5,
                count: str = "n") -> pd.Series:
    """Group disclosure: the rows (groups of `count` >= threshold people) in which every
    member gave the same answer, i.e. exactly one of the `answers` columns is non-zero; a
    distribution of such a group would reveal each member's answer."""
    values = counts[list(answers)].fillna(0)
    return (counts[count] >= threshold) & ((values > 0).sum(axis=1) == 1)


def hide_same_answer(counts: pd.DataFrame, answers: Sequence, threshold: int = 5,
                     count: str = "n") -> pd.DataFrame:
    """`counts` (after `suppress`) with the same-answer groups hidden too ('group')."""
    out = counts.copy()
    same = same_answer(out, answers, threshold, count) & ~out["suppressed"].astype(bool)
    out.loc[same, "suppression"] = "group"
    out.loc[same, "suppressed"] = True
    for col in [count, *answers]:
        out[col] = out[col].astype(float).where(~same)
    return out


def hide_rows(counts: pd.DataFrame, hidden: Sequence[bool], reason: str = "plan"
              ) -> pd.DataFrame:
    """`counts` (after `suppress`) with the rows flagged in `hidden` hidden too (`reason`,
    e.g. the run's plan hides their count): every numeric value blanked."""
    out = counts.copy()
    mask = pd.Series(list(hidden), index=out.index, dtype=bool) & ~out["suppressed"].astype(bool)
    out.loc[mask, "suppression"] = reason
    out.loc[mask, "suppressed"] = True
    for col in out.columns:
        if (pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].astype(float).where(~mask)
    return out


def n_suppressed(df: pd.DataFrame) -> int:
    """How many cells `suppress` hid (for the caveat sentence of a report)."""
    return int(df["suppressed"].sum()) if "suppressed" in df else 0


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", flags=re.UNICODE)
# Finnish and international phone numbers: +358 40 123 4567, 040-1234567, (06) 241 2345 ...
PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d{1,4}\)?(?:[\s-]?\(?\d+\)?){2,6}(?!\w)")


def _is_phone(match: re.Match) -> bool:
    digits = re.sub(r"\D", "", match.group(0))
    return 7 <= len(digits) <= 15 and (match.group(0).lstrip("(").startswith(("+", "0")))


#: person names and titles to mask, with their source (data, not code)
NAMES_FILE = Path(__file__).resolve().parents[1] / "data" / "person_names.yml"
CAPITALISED = r"[A-ZÅÄÖ][\w-]*"


@functools.lru_cache(maxsize=4)
def name_pattern(path: Path = NAMES_FILE) -> re.Pattern:
    """A title followed by one or two capitalised words ("kunnanjohtaja Virtanen", any
    inflection of the title), a listed first name (with the capitalised word after it), or
    a listed surname in any inflection (Virtanen, Virtasen, Virtaselle)."""
    data = yamlfile.load(path, "person-name list")
    titles = "|".join(re.escape(t) for t in sorted(data["titles"], key=len, reverse=True))
    firsts = "|".join(re.escape(n) for n in data["first_names"])
    surnames = "|".join(re.escape(n[:-3]) + r"(?:nen|s[a-zåäö]*)" if n.endswith("nen")
                        else re.escape(n) + r"[a-zåäö]{0,6}" for n in data["surnames"])
    return re.compile(rf"\b(?i:(?:{titles})[a-zåäö]*)(?:\s+{CAPITALISED}){{1,2}}"
                      rf"|\b(?:{firsts})\b(?:\s+{CAPITALISED})?|\b(?:{surnames})\b")


def mask_text(text, email: str, phone: str, name: str | None = None,
              names: Path = NAMES_FILE) -> str:
    """An open answer with e-mail addresses replaced by `email`, phone numbers by `phone`,
    person names and titles with a name by `name` (when given; `name_pattern`), and runs of
    white space collapsed (not escaped: the report layer escapes)."""
    text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    text = EMAIL.sub(email, text)
    text = PHONE.sub(lambda m: phone if _is_phone(m) else m.group(0), text)
    if name is not None:
        text = name_pattern(Path(names)).sub(name, text)
    return re.sub(r"\s+", " ", text).strip()
