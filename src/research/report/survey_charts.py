"""Survey charts: the diverging stacked bars of the item distributions.

Takes the suppressed counts of `research.stats.scales.likert_counts` (a hidden item is not
drawn, only marked) and the texts to show; the statistics stay in `stats/`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.core.instrument import Instrument
from research.core import labels as label_table
from research.core.schema import in_language
from research.report import alt, style


def likert_chart(counts: pd.DataFrame, instrument: Instrument, language: str, title: str,
                 dont_know_label: str, suppressed_label: str, who: str):
    """Diverging stacked bars (percent of substantive answers) with a "don't know" bar;
    `who` answered (the subject of the alt text's sentence)."""
    import matplotlib.pyplot as plt

    items = list(instrument.items)
    fig, (ax, ax_dk) = style.subplots(1, 2, figsize=(9.5, 0.5 * len(items) + 1.9),
                                      sharey=True, gridspec_kw={"width_ratios": [5, 1]})
    low, high = items[0].low, items[0].high
    values = list(range(low, high + 1))
    colours = style.likert_colours(len(values))
    agree = {}
    mid = (low + high) / 2
    y = np.arange(len(items))[::-1]
    table = counts.set_index("item")
    for yi, item in zip(y, items):
        row = table.loc[item.code]
        if bool(row["suppressed"]):
            ax.text(0, yi, suppressed_label, ha="center", va="center", color=style.REFERENCE)
            continue
        answered = sum(row[v] for v in values)
        if answered == 0:
            continue
        share = {v: 100 * row[v] / answered for v in values}
        agree[item.text(language)] = sum(share[v] for v in values if v > mid)
        left = -sum(share[v] for v in values if v < mid) - share.get(mid, 0) / 2
        for v, colour in zip(values, colours):
            ax.barh(yi, share[v], left=left, color=colour, edgecolor="white", height=0.75)
            left += share[v]
        ax_dk.barh(yi, 100 * row["dont_know"] / row["n"], color=style.GREY, height=0.75)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y)
    item_labels = [_wrap(i.text(language), 48) for i in items]
    ax.set_yticklabels(item_labels)
    ax.set_xlim(-100, 100)
    ax.set_xlabel("%")
    ax.set_title(title)
    ax_dk.set_xlim(0, 100)
    ax_dk.set_xticks([50, 100])
    ax_dk.set_title(dont_know_label, fontsize=style.FONT_SMALL)
    ax_dk.set_xlabel("%")
    labels = items[0].labels
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours]
    names = [in_language(labels.get(v), language, str(v)) for v in values]
    fig.legend(handles, names, loc="lower center", ncol=min(len(values), 3), frameon=False)
    style.layout(fig, left=style.label_width(item_labels), right=0.2, top=0.4,
                 bottom=0.6 + 0.22 * -(-len(values) // 3), wspace=0.06)
    share = lambda v: label_table.text("chart.agree", language, share=v)  # noqa: E731
    return style.describe(fig, title, alt.best_worst(
        lambda key, **kw: label_table.text(key, language, **kw), who, agree, share), language)


def _wrap(text: str, width: int) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width)) or text
