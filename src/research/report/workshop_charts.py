"""Reflection-workshop charts: this workshop's comparison, the trend, item distributions.

The numbers come from `research.stats.workshops`; every chart returns None when the report
has no feedback to analyse, and suppressed groups are not drawn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.stats import privacy
from research.stats.workshops import PROGRAMME, Workshops, has_feedback, is_suppressed


def workshop_name(W, wave: str) -> str:
    from research.report.workshops import workshop_name as name
    return name(W, wave)


def _style():
    import seaborn as sns
    sns.set_theme(style="whitegrid", context="notebook")


def comparison_chart(summary: pd.DataFrame, W: Workshops, L):
    """Dot-and-interval chart: each scale's mean per municipality and for the programme in
    this workshop; the report's municipality in red; suppressed groups are not drawn."""
    import matplotlib.pyplot as plt

    if summary is None:
        return None
    _style()
    part = summary[(summary["wave"] == W.workshop) & ~summary["suppressed"].astype(bool)]
    groups = W.municipalities + [PROGRAMME]
    scales = list(W.instrument.scales)
    fig, ax = plt.subplots(figsize=(8, 0.7 * len(scales) + 1.5), dpi=90)
    step = 0.8 / len(groups)
    for g, code in enumerate(groups):
        rows = part[part["municipality_code"] == code].set_index("scale").reindex(scales)
        y = np.arange(len(scales))[::-1] + 0.4 - g * step
        focus = code == W.focus
        colour = "#d62728" if focus else ("black" if code == PROGRAMME else "0.6")
        label = L("report.whole_programme") if code == PROGRAMME else W.name(code)
        ax.errorbar(rows["mean"], y, xerr=[rows["mean"] - rows["ci_low"],
                                            rows["ci_high"] - rows["mean"]],
                    fmt="osD^vP"[g % 6], color=colour, markersize=7 if focus else 5,
                    linewidth=2 if focus else 1, capsize=2, label=label)
    ax.set_yticks(np.arange(len(scales))[::-1])
    ax.set_yticklabels([W.scale_name(s) for s in scales])
    low, high = W.instrument.items[0].low, W.instrument.items[0].high
    ax.set_xlim(low, high)
    ax.set_xlabel(L("workshop.axis_score", low=low, high=high))
    ax.set_title(L("workshop.comparison_title", workshop=workshop_name(W, W.workshop)))
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1, 1))
    fig.tight_layout()
    return fig


def trend_chart(summary: pd.DataFrame, W: Workshops, L):
    """Small multiples, one per scale: the focus group's mean and interval at each workshop,
    and the programme's for comparison (dashed) in a municipality's report."""
    import matplotlib.pyplot as plt

    if summary is None:
        return None
    _style()
    scales = list(W.instrument.scales)
    fig, axes = plt.subplots(1, len(scales), figsize=(2.1 * len(scales), 3.2), dpi=90,
                             sharey=True)
    axes = np.atleast_1d(axes)
    x = np.arange(len(W.order))
    low, high = W.instrument.items[0].low, W.instrument.items[0].high
    series = [(W.focus, "#d62728", "-", 0.0)]
    if W.focus != PROGRAMME:
        series.append((PROGRAMME, "0.35", "--", 0.12))
    for ax, scale in zip(axes, scales):
        for code, colour, style, dx in series:
            rows = summary[(summary["municipality_code"] == code) & (summary["scale"] == scale)]
            rows = rows.set_index("wave").reindex(W.order)
            shown = ~rows["suppressed"].fillna(True).astype(bool)
            m = rows["mean"].where(shown)
            ax.errorbar(x + dx, m, yerr=[m - rows["ci_low"].where(shown),
                                         rows["ci_high"].where(shown) - m],
                        color=colour, linestyle=style, marker="o", capsize=2,
                        label=L("report.whole_programme") if code == PROGRAMME
                        else W.name(code))
        ax.set_title(W.scale_name(scale), fontsize=9)
        ax.set_xticks(x)
        ax.set_xticklabels([workshop_name(W, w) for w in W.order])
        ax.set_ylim(low, high)
    axes[0].set_ylabel(L("workshop.axis_score", low=low, high=high))
    axes[-1].legend(frameon=False, fontsize=7, loc="lower right")
    fig.suptitle(L("workshop.trend_title"), fontsize=10)
    fig.tight_layout()
    return fig


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
                        L("workshop.dont_know"), L("privacy.mark", threshold=W.threshold))
