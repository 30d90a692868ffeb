"""The consultants' view of a workshop (report `w1-all`): themes rising and falling, and
the items whose programme mean dropped, compared over the same municipalities
(`research.stats.workshops.comparison_set`, named in the text)."""

from __future__ import annotations

import pandas as pd

from research.report.workshops import comparison_note, workshop_name
from research.stats.workshop_themes import theme_shift
from research.stats.workshops import Workshops, has_feedback, item_changes


def theme_shift_statements(shift: pd.DataFrame, W: Workshops, L) -> list[str]:
    """Themes that rose or fell, largest change first, each with its interval."""
    labels = W.codebook.labels(W.language)
    out = []
    for rec in shift.sort_values("change", key=abs, ascending=False, kind="stable"
                                 ).itertuples(index=False):
        if rec.change == 0:
            continue
        key = "workshop.theme_rises" if rec.change > 0 else "workshop.theme_falls"
        out.append(L(key, theme=labels[rec.theme], before=100 * rec.share_before,
                     now=100 * rec.share, low=100 * rec.change_low, high=100 * rec.change_high)
                   + " " + L("workshop.exceeds" if rec.exceeds else "workshop.within"))
    return out


def consultants_section(W: Workshops, L) -> list:
    """The consultants' view as display objects (empty in a municipality's report): themes
    rising and falling, and the items whose programme mean dropped."""
    from research.report import show

    if not W.is_consultants or not has_feedback(W):
        return []
    if W.previous is None:
        return [show.heading(L("workshop.consultants_heading")), show.para(L("workshop.trend_first"))]
    drops = item_drop_statements(item_changes(W), W, L)
    return [show.heading(L("workshop.consultants_heading")),
            show.para(L("workshop.consultants_intro", workshop=workshop_name(W, W.workshop),
                        previous=workshop_name(W, W.previous))),
            show.heading(L("workshop.themes_shift_heading"), 3),
            show.para(comparison_note(W, L, [W.previous, W.workshop]), "note"),
            show.bullets(theme_shift_statements(theme_shift(W), W, L)),
            show.heading(L("workshop.items_drop_heading"), 3),
            show.bullets(drops) if drops else show.para(L("workshop.items_drop_none"))]


def item_drop_statements(changes: pd.DataFrame, W: Workshops, L) -> list[str]:
    """One sentence per item whose programme mean dropped."""
    out = []
    # the sign of the change as shown: from the rounded means, so that no item "drops" at
    # "3.48 → 3.48"
    shown = lambda v: float(f"{v:.2f}")  # noqa: E731
    dropped = [shown(n) < shown(b) for b, n in zip(changes["before"], changes["now"])]
    for rec in changes[dropped].itertuples(index=False):
        item = W.instrument.item(rec.item)
        out.append(" ".join([
            L("workshop.item_drop", item=item.text(W.language), before=float(rec.before),
              now=float(rec.now), low=float(rec.change_low), high=float(rec.change_high)),
            L("workshop.exceeds" if rec.exceeds else "workshop.within"),
            *([L("workshop.reverse_note")] if item.reverse else [])]))
    return out
