"""Reflection-workshop charts: this workshop's comparison, the trend, item distributions.

The numbers come from `research.stats.workshops`; every chart returns None when the report
has no feedback to analyse, and suppressed groups are not drawn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.report import alt, style
from research.report.workshops import workshop_name
from research.stats import privacy
from research.stats.workshops import PROGRAMME, Workshops, has_feedback, is_suppressed


def comparison_chart(summary: pd.DataFrame, W: Workshops, L):
    """Dot-and-interval chart: each scale's mean per municipality and for the programme in
    this workshop; the report's municipality in red; suppressed groups are not drawn."""
    if summary is None:
        return None
    part = summary[(summary["wave"] == W.workshop) & ~summary["suppressed"].astype(bool)]
    groups = W.municipalities + [PROGRAMME]
    scales = list(W.instrument.scales)
    fig, ax = style.subplots(figsize=(style.WIDTH, 0.7 * len(scales) + 1.6))
    step = 0.8 / len(groups)
    for g, code in enumerate(groups):
        rows = part[part["municipality_code"] == code].set_index("scale").reindex(scales)
        y = np.arange(len(scales))[::-1] + 0.4 - g * step
        focus = code == W.focus
        colour = style.HIGHLIGHT if focus else (style.COUNTRY if code == PROGRAMME
                                                else style.GREY)
        label = L("report.whole_programme") if code == PROGRAMME else W.name(code)
        if rows["mean"].isna().all():
            continue      # a hidden group is neither drawn nor listed in the legend
        ax.errorbar(rows["mean"], y, xerr=[rows["mean"] - rows["ci_low"],
                                            rows["ci_high"] - rows["mean"]],
                    fmt="osD^vP"[g % 6], color=colour, markersize=7 if focus else 5,
                    linewidth=2 if focus else 1, capsize=2, label=label)
    ax.set_yticks(np.arange(len(scales))[::-1])
    scale_names = [W.scale_name(s) for s in scales]
    ax.set_yticklabels(scale_names)
    low, high = W.instrument.items[0].low, W.instrument.items[0].high
    ax.set_xlim(low, high)
    ax.set_xlabel(L("workshop.axis_score", low=low, high=high))
    title = L("workshop.comparison_title", workshop=workshop_name(W, W.workshop))
    ax.set_title(title)
    style.legend_outside(fig, ax, left=style.label_width(scale_names), top=0.4, bottom=0.6)
    own = part[part["municipality_code"] == W.focus]
    who = L("report.whole_programme") if W.focus == PROGRAMME else W.name(W.focus)
    return style.describe(fig, title, alt.best_worst(L, who, {
        W.scale_name(s): m for s, m in zip(own["scale"], own["mean"])},
        alt.number(W.language, 2)), W.language)


def trend_chart(summary: pd.DataFrame, W: Workshops, L):
    """Small multiples, one per scale: the focus group's mean and interval at each workshop,
    and the programme's for comparison (dashed) in a municipality's report."""
    if summary is None:
        return None
    scales = list(W.instrument.scales)
    fig, axes = style.subplots(1, len(scales), figsize=(min(2.2 * len(scales) + 0.8, 9.5), 3.9),
                               sharey=True)
    axes = np.atleast_1d(axes)
    x = np.arange(len(W.order))
    low, high = W.instrument.items[0].low, W.instrument.items[0].high
    series = [(W.focus, style.HIGHLIGHT, "-", 0.0)]
    if W.focus != PROGRAMME:
        series.append((PROGRAMME, style.GREY_DARK, "--", 0.12))
    for ax, scale in zip(axes, scales):
        for code, colour, line, dx in series:
            rows = summary[(summary["municipality_code"] == code) & (summary["scale"] == scale)]
            rows = rows.set_index("wave").reindex(W.order)
            shown = ~rows["suppressed"].fillna(True).astype(bool)
            m = rows["mean"].where(shown)
            ax.errorbar(x + dx, m, yerr=[m - rows["ci_low"].where(shown),
                                         rows["ci_high"].where(shown) - m],
                        color=colour, linestyle=line, marker="o", capsize=2,
                        label=L("report.whole_programme") if code == PROGRAMME
                        else W.name(code))
        ax.set_title(_wrap(W.scale_name(scale), 20), fontsize=style.FONT_SMALL)
        # numbered ticks and one key below: workshop names do not fit side by side
        ax.set_xticks(x, [str(i + 1) for i in x])
        ax.set_xlim(-0.5, len(x) - 0.5)
        ax.set_ylim(low, high)
    axes[0].set_ylabel(L("workshop.axis_score", low=low, high=high))
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, frameon=False, loc="lower center", ncol=2)
    key = _fill(fig, L("workshop.trend_key", workshops=" · ".join(
        f"{i + 1} {workshop_name(W, w)}" for i, w in enumerate(W.order))))
    lines = key.count("\n") + 1
    fig.text(0.5, (0.4 + 0.2 * lines) / fig.get_size_inches()[1], key, ha="center",
             va="top", fontsize=style.FONT_SMALL)
    title = L("workshop.trend_title")
    head = style.figure_title(fig, title)
    style.layout(fig, left=0.7, right=0.15, top=head + 0.45, bottom=0.85 + 0.2 * lines,
                 wspace=0.12)
    return style.describe(fig, title, _trend_sentence(summary, W, L), W.language)


def _trend_sentence(summary: pd.DataFrame, W: Workshops, L) -> str:
    """The focus group's best and worst scale at its latest workshop with shown means."""
    rows = summary[(summary["municipality_code"] == W.focus)
                   & ~summary["suppressed"].fillna(True).astype(bool)].dropna(subset=["mean"])
    rows = rows[rows["wave"].isin(W.order)]
    if rows.empty:
        return L("chart.no_values")
    last = max(rows["wave"], key=W.order.index)
    rows = rows[rows["wave"] == last]
    who = L("report.whole_programme") if W.focus == PROGRAMME else W.name(W.focus)
    return alt.best_worst(L, f"{who}, {workshop_name(W, last)}", {W.scale_name(s): m for s, m in
                                               zip(rows["scale"], rows["mean"])},
                          alt.number(W.language, 2))


def _wrap(text: str, width: int) -> str:
    """Lines of at most `width` characters, broken between words only."""
    import textwrap
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or text


def _fill(fig, text: str) -> str:
    """`text` wrapped (between words) to the figure's width, measured."""
    import textwrap
    lines = text
    for chars in range(len(text), 19, -4):
        lines = "\n".join(textwrap.wrap(text, chars, break_long_words=False))
        if style.text_width(lines) <= fig.get_size_inches()[0] - 0.4:
            break
    return lines


def likert(W: Workshops, L):
    """This workshop's item distributions for the focus group; every bar hidden when the
    group is (see `is_suppressed`)."""
    from research.report.workshops import who
    from research.report.survey_charts import likert_chart
    from research.stats.scales import likert_counts

    if not has_feedback(W):
        return None
    responses = W.responses[W.responses["municipality_code"].isin(W.municipalities)]
    counts = likert_counts(responses, W.instrument, W.workshop, W.municipality, W.threshold)
    answers = ["dont_know", *[c for c in counts.columns if isinstance(c, int)]]
    counts = privacy.hide_same_answer(counts, answers, W.threshold)
    if is_suppressed(W):
        counts = counts.assign(suppressed=True)
    return likert_chart(counts, W.instrument, W.language,
                        L("workshop.likert_title", workshop=workshop_name(W, W.workshop),
                          who=who(W, L)),
                        L("workshop.dont_know"), L("privacy.mark", threshold=W.threshold),
                        who(W, L))
