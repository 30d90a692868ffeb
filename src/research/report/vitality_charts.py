"""Charts of the vitality index: the index and the theme scores over the years, and the rank
bands; one line per unit, the report's own unit highlighted (words from labels `vitality.`)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from research.index.build import IndexResult
from research.report.vitality import pick, names, theme_name

#: Line colours of municipalities: no red (the report's own unit), blue (sub-region), green
#: (region) or grey (country).
PALETTE = ["#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]


STYLE = {"municipality": dict(linewidth=1.2, alpha=0.8),
         "subregion": dict(linewidth=2.6, color="#1f77b4"),
         "region": dict(linewidth=1.8, linestyle="--", color="#2ca02c"),
         "country": dict(linewidth=1.8, linestyle=":", color="0.35")}


def _draw_lines(ax, part: pd.DataFrame, column: str, units, highlight, labels: dict) -> None:
    """One line per unit: municipalities thin in palette colours, the sub-region thick blue,
    the region dashed green, the country dotted grey; the highlighted unit thick red."""
    colours = itertools.cycle(PALETTE)
    for level, code in units:
        rows = part[(part["level"] == level) & (part["code"] == code)].sort_values("year")
        kw = dict(STYLE[level])
        if level == "municipality":
            kw["color"] = next(colours)
        if (level, code) == highlight:
            kw |= dict(color="#d62728", linewidth=2.8, alpha=1.0)
        if not rows.empty:
            ax.plot(rows["year"], rows[column], label=labels.get((level, code), code), **kw)


def index_chart(result: IndexResult, report, units: list[tuple[str, str]],
                highlight: tuple[str, str] | None = None):
    """The index over the years for the given units; a vertical line marks the base year."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=90)
    _draw_lines(ax, pick(result, units), "index", units, highlight,
                names(report.table("municipalities"), report.language))
    ax.axvline(result.base_year, color="black", linewidth=0.6)
    ax.set_title(report.L("vitality.index_chart_title",
                          name=result.framework.name(report.language)))
    ax.set_xlabel(report.L("label.year"))
    ax.set_ylabel(report.L("vitality.score_axis"))
    ax.legend(frameon=False, fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def theme_chart(result: IndexResult, report, units: list[tuple[str, str]],
                highlight: tuple[str, str] | None = None):
    """Small multiples: each theme score over the years for the given units."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    labels = names(report.table("municipalities"), report.language)
    themes = result.themes
    cols = min(2, len(themes))
    rows_n = int(np.ceil(len(themes) / cols))
    fig, axes = plt.subplots(rows_n, cols, figsize=(8, 2.8 * rows_n + 0.6), dpi=90,
                             squeeze=False, sharex=True)
    part = pick(result, units)
    for ax, t in zip(axes.flat, themes):
        _draw_lines(ax, part, t, units, highlight, labels)
        ax.axvline(result.base_year, color="black", linewidth=0.6)
        ax.set_title(theme_name(result, t, report.language), fontsize=10)
    for ax in list(axes.flat)[len(themes):]:
        ax.set_visible(False)
    handles, names_ = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names_, frameon=False, fontsize=7, loc="lower center",
               ncol=min(len(names_), 4))
    fig.tight_layout(rect=(0, 0.12 if rows_n == 1 else 0.07, 1, 1))
    return fig


def rank_band_chart(result: IndexResult, report, units: list[tuple[str, str]]):
    """Each ranked unit's rank in the base and final year: a dot at the nominal rank and a
    bar over its 90 % Monte Carlo band (rank 1 = best, at the left)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    labels = names(report.table("municipalities"), report.language)
    part = pick(result, units)
    part = part[part["rank"].notna()]
    order = {u: i for i, u in enumerate(units)}
    rows = sorted({(lv, c) for lv, c in zip(part["level"], part["code"])}, key=order.get)
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(rows) + 1.2), dpi=90)
    for shift, year, colour in ((-0.15, result.base_year, "0.55"),
                                (0.15, result.final_year, "#d62728")):
        sel = part[part["year"] == year]
        for i, unit in enumerate(rows):
            r = sel[(sel["level"] == unit[0]) & (sel["code"] == unit[1])]
            if r.empty:
                continue
            r = r.iloc[0]
            ax.plot([r["rank_p05"], r["rank_p95"]], [i + shift] * 2, color=colour, linewidth=3,
                    alpha=0.6)
            ax.plot([r["rank"]], [i + shift], "o", color=colour,
                    label=str(year) if i == 0 else None)
    ax.set_yticks(range(len(rows)))
    n_ranked = part.groupby(["level", "code"])["n_ranked"].max()
    ax.set_yticklabels([f"{labels.get(u, u[1])} (/{int(n_ranked[u])})" for u in rows],
                       fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(report.L("vitality.rank_axis"))
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
