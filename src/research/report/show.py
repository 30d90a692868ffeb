"""Display helpers for report notebooks: headings, sentences, tables and figures.

Every text shown is escaped HTML, so nothing from the data can inject markup. Tables are
shown without their index and with Finnish or English number style; figures are closed
after display so that a notebook never shows a figure twice.

Every helper takes `None` for its content and then shows nothing, so that a report function
returns `None` when it has nothing to show and a notebook cell stays one call.
"""

from __future__ import annotations

import html
import re
import unicodedata

import pandas as pd

from research.core.numbers import format_value


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


def heading(text: str | None, level: int = 2):
    """A section heading; level-2 headings make the report's table of contents."""
    if text is None:
        return None
    from IPython.display import HTML
    return HTML(f'<h{level} id="{_slug(text)}">{html.escape(text)}</h{level}>')


def para(text: str | None, kind: str = ""):
    """A paragraph of computed text; kind 'note' marks a caveat box."""
    if text is None:
        return None
    from IPython.display import HTML
    css = f' class="report-{kind}"' if kind else ""
    return HTML(f"<p{css}>{html.escape(text)}</p>")


def bullets(items: list[str] | None):
    """A bulleted list of computed sentences."""
    if items is None:
        return None
    from IPython.display import HTML
    return HTML("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")


def headline(title: str, sentences: list[str] | None):
    """The key-findings box that opens a report: a level-2 heading and plain sentences."""
    if not sentences:
        return None
    from IPython.display import HTML
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return HTML(f'<section class="report-headline"><h2 id="{_slug(title)}">'
                f"{html.escape(title)}</h2><ul>{items}</ul></section>")


NUMBER_LIKE = re.compile(r"^[\s\d.,\u00a0+\-−–×<>()%…]*$")


def _numeric_column(values: pd.Series, was_numeric: bool) -> bool:
    """Numbers (or formatted numbers, marks and intervals) are right-aligned, text is not."""
    if was_numeric:
        return True
    texts = [str(v) for v in values if str(v).strip()]
    return bool(texts) and all(NUMBER_LIKE.match(s) for s in texts)


def table(df: pd.DataFrame | None, language: str = "fi", caption: str = "", decimals: int = 1):
    """A DataFrame as an escaped HTML table with localised numbers and no index.

    Columns of numbers are right-aligned and their numbers do not wrap (their headers may);
    text columns are left-aligned.
    """
    if df is None:
        return None
    from IPython.display import HTML
    body = df.copy()
    numeric = {}
    for col in body.columns:
        was = (pd.api.types.is_numeric_dtype(body[col])
               and not pd.api.types.is_bool_dtype(body[col]))
        if was:
            body[col] = [format_value(v.item() if hasattr(v, "item") else v, language, decimals)
                         for v in body[col]]
        else:
            body[col] = ["–" if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))
                         else str(v) for v in body[col]]
        numeric[col] = _numeric_column(body[col], was)
    cls = {c: ' class="num"' if numeric[c] else "" for c in body.columns}
    head = "".join(f"<th{cls[c]}>{html.escape(str(c))}</th>" for c in body.columns)
    rows = "".join("<tr>" + "".join(f"<td{cls[c]}>{html.escape(v)}</td>"
                                    for c, v in zip(body.columns, row)) + "</tr>"
                   for row in body.itertuples(index=False, name=None))
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return HTML(f'<table class="dataframe report-table">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table>")


def figure(fig):
    """Show a matplotlib figure once, as an SVG image with its alt text (`style.html`), and close
    it."""
    if fig is None:
        return None
    import matplotlib.pyplot as plt
    from IPython.display import HTML, display

    from research.report import style
    try:
        display(HTML(style.html(fig)))
    finally:
        plt.close(fig)
