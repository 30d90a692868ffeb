"""Privacy in the report layer: hidden cells marked for display, open answers masked and
escaped with the report's own words.

The statistics (which cells are hidden, what is masked) are in `research.stats.privacy`;
this module adds the labels (`privacy.mark`, `privacy.masked_email`, `privacy.masked_phone`)
and the HTML.
"""

from __future__ import annotations

import html
from typing import Iterable, Sequence

import pandas as pd

from research.core import labels
from research.stats.privacy import mask_text, n_suppressed, suppress

__all__ = ["clean_comments", "clean_text", "mark", "n_suppressed", "open_answers_html",
           "suppress"]


def mark(df: pd.DataFrame, language: str = "fi", threshold: int = 5,
         columns: Sequence[str] | None = None, decimals: int | dict | None = None
         ) -> pd.DataFrame:
    """A suppressed table for display: hidden values replaced by a mark, helper columns dropped.

    Hidden rows show the label `privacy.mark` (e.g. "< 5") in `columns` (default: every
    float column). With `decimals` (one number, or {column: decimals}) visible numbers are
    formatted as report text too, so that a column holds text only.
    """
    from research.report.show import format_value

    out = df.copy()
    hidden = out["suppressed"].astype(bool)
    if columns is None:
        columns = [c for c in out.columns if c not in ("suppressed", "suppression")
                   and pd.api.types.is_float_dtype(out[c])]
    text = labels.text("privacy.mark", language, threshold=threshold)
    for col in columns:
        values = out[col].astype(object)
        places = decimals.get(col) if isinstance(decimals, dict) else decimals
        if places is not None:
            values = pd.Series([v if pd.isna(v) else
                                format_value(int(round(v)) if places == 0 else float(v),
                                             language, places) for v in values],
                               index=out.index, dtype=object)
        out[col] = values.where(~hidden, text)
    return out.drop(columns=["suppressed", "suppression"])


def clean_text(text: str, language: str = "fi", escape: bool = True) -> str:
    """An open answer made safe to show: e-mails, phone numbers and person names masked,
    HTML-escaped."""
    text = mask_text(text, labels.text("privacy.masked_email", language),
                     labels.text("privacy.masked_phone", language),
                     labels.text("privacy.masked_name", language))
    return html.escape(text) if escape else text


def clean_comments(comments: pd.DataFrame, language: str = "fi", escape: bool = True,
                   column: str = "text") -> pd.DataFrame:
    """Open answers with `clean_text` applied and the respondent column dropped."""
    out = comments.drop(columns=[c for c in ("respondent",) if c in comments]).copy()
    out[column] = [clean_text(t, language, escape) for t in out[column]]
    return out[out[column] != ""].reset_index(drop=True)


def open_answers_html(texts: Iterable[str]):
    """Already cleaned (escaped) open answers as an HTML list, without escaping twice."""
    from IPython.display import HTML
    return HTML('<ul class="report-open-answers">'
                + "".join(f"<li>{t}</li>" for t in texts) + "</ul>")
