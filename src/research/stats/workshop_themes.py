"""Themes of the reflection workshops' open answers, as tidy tables.

Open answers are coded by the codebook (`research.stats.codebook`); only answers from
groups shown in the run's plan count (`research.stats.workshops.eligible_comments`), and a
comparison of the whole programme across workshops counts the same municipalities
throughout (`comparison_set`). For the consultants: themes rising and falling (difference
of two proportions with a Newcombe interval).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.stats.workshops import (
    CONFIDENCE, PROGRAMME, Workshops, comparison_set, eligible_comments)


def theme_shares(W: Workshops) -> pd.DataFrame:
    """The share of the focus group's eligible open answers that mention each theme, in
    each workshop so far: columns `wave, theme, answers, share` (`answers` the number of
    eligible answers; `share` NaN when there are none, e.g. the group is hidden). For the
    whole programme only the municipalities shown in every workshop count
    (`comparison_set`), so that the columns compare the same municipalities."""
    from research.stats.codebook import code_answers, theme_counts

    ids = W.codebook.theme_ids
    among = comparison_set(W, W.order) if W.is_consultants else None
    parts = []
    for wave in W.order:
        comments = eligible_comments(W, wave, among)
        if comments.empty:
            shares = np.full(len(ids), np.nan)
        else:
            counts = theme_counts(comments.assign(_all="x"),
                                  code_answers(comments, W.codebook), W.codebook, ["_all"])
            shares = counts.set_index("theme")["share"].reindex(ids).to_numpy()
        parts.append(pd.DataFrame({"wave": wave, "theme": ids, "answers": len(comments),
                                   "share": shares}))
    return pd.concat(parts, ignore_index=True)


def theme_shares_by_group(W: Workshops) -> pd.DataFrame:
    """This workshop's theme shares of eligible answers per municipality and for the whole
    programme (`group` 'programme'): columns `group, theme, answers, share`. A hidden
    municipality has no eligible answers (share NaN), and they stay out of the programme
    too, so that no subtraction reveals them."""
    from research.stats.codebook import answer_themes, code_answers

    comments = eligible_comments(W.programme())
    flags = answer_themes(comments, code_answers(comments, W.codebook), W.codebook)
    ids = W.codebook.theme_ids
    parts = []
    for code in [*W.municipalities, PROGRAMME]:
        part = flags if code == PROGRAMME else flags[flags["municipality_code"] == code]
        parts.append(pd.DataFrame({
            "group": code, "theme": ids, "answers": len(part),
            "share": [part[t].mean() if len(part) else np.nan for t in ids]}))
    return pd.concat(parts, ignore_index=True)


def kwic_lines(W: Workshops, per_theme: int = 3, width: int = 45) -> pd.DataFrame:
    """Keyword-in-context lines (`theme, left, keyword, right`) from the eligible (masked)
    answers of this workshop, at most `per_theme` per theme, in codebook order."""
    from research.stats.codebook import code_answers, kwic

    comments = eligible_comments(W)
    lines = kwic(comments, code_answers(comments, W.codebook), width)
    order = {t: i for i, t in enumerate(W.codebook.theme_ids)}
    lines = (lines.assign(_o=lines["theme"].map(order)).sort_values("_o", kind="stable")
             .groupby("theme", sort=False).head(per_theme))
    return lines[["theme", "left", "keyword", "right"]].reset_index(drop=True)


def uncoded_answers(W: Workshops) -> pd.DataFrame:
    """The eligible (masked) answers of this workshop that no theme matched."""
    from research.stats.codebook import code_answers, uncoded

    comments = eligible_comments(W)
    return uncoded(comments, code_answers(comments, W.codebook))


def theme_cooccurrence(W: Workshops) -> pd.DataFrame | None:
    """Theme x theme co-occurrence in this workshop's eligible answers (theme ids), or None
    when there are no eligible answers."""
    from research.stats.codebook import code_answers, cooccurrence

    comments = eligible_comments(W)
    if comments.empty:
        return None
    return cooccurrence(comments, code_answers(comments, W.codebook), W.codebook)


def theme_shift(W: Workshops) -> pd.DataFrame:
    """Programme-wide theme shares in this and the previous workshop, the change in
    percentage points and its Newcombe interval; `exceeds` when it excludes 0. Only answers
    from municipalities shown in both workshops count (`comparison_set`), so that the
    change does not measure who was counted."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    from research.stats.codebook import answer_themes, code_answers

    rows = []
    if W.previous is None:
        return pd.DataFrame(columns=["theme", "share", "share_before", "change", "change_low",
                                     "change_high", "exceeds"])
    programme = W.programme()
    among = comparison_set(programme, [W.previous, W.workshop])
    flags = {}
    for wave in (W.previous, W.workshop):
        c = eligible_comments(programme, wave, among)
        flags[wave] = answer_themes(c, code_answers(c, W.codebook), W.codebook)
    now, before = flags[W.workshop], flags[W.previous]
    for theme in W.codebook.theme_ids:
        k1, n1 = int(now[theme].sum()), len(now)
        k0, n0 = int(before[theme].sum()), len(before)
        if n1 == 0 or n0 == 0:
            continue
        low, high = confint_proportions_2indep(k1, n1, k0, n0, method="newcomb",
                                               compare="diff", alpha=1 - CONFIDENCE)
        rows.append({"theme": theme, "share": k1 / n1, "share_before": k0 / n0,
                     "change": k1 / n1 - k0 / n0, "change_low": float(low),
                     "change_high": float(high), "exceeds": bool(low > 0 or high < 0)})
    return pd.DataFrame(rows)
