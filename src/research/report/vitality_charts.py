"""Charts of the vitality index: the index and the theme scores over the years, and the rank
bands; one line per unit, the report's own unit highlighted (words from labels `vitality.`)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from research.index.build import IndexResult
from research.report import alt, style
from research.report.vitality import names, pick, theme_name

#: Line styles per level: municipalities thin in `style.PALETTE` colours (no red: the report's
#: own unit), the sub-region thick blue, the region dashed green, the country dotted grey.

STYLE = {"municipality": dict(linewidth=1.2, alpha=0.8),
         "subregion": dict(linewidth=2.6, color=style.SUBREGION),
         "region": dict(linewidth=1.8, linestyle="--", color=style.REGION),
         "country": dict(linewidth=1.8, linestyle=":", color=style.COUNTRY)}


def _draw_lines(ax, part: pd.DataFrame, column: str, units, highlight, labels: dict) -> None:
    """One line per unit: municipalities thin in palette colours, the sub-region thick blue,
    the region dashed green, the country dotted grey; the highlighted unit thick red. The
    x axis is years: whole numbers in steps of 1, 2, 5 or 10 (no "2002,5")."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    colours = itertools.cycle(style.PALETTE)
    for level, code in units:
        rows = part[(part["level"] == level) & (part["code"] == code)].sort_values("year")
        kw = dict(STYLE[level])
        if level == "municipality":
            kw["color"] = next(colours)
        if (level, code) == highlight:
            kw |= dict(color=style.HIGHLIGHT, linewidth=2.8, alpha=1.0)
        if not rows.empty:
            ax.plot(rows["year"], rows[column], label=labels.get((level, code), code), **kw)


def index_chart(result: IndexResult, report, units: list[tuple[str, str]],
                highlight: tuple[str, str] | None = None):
    """The index over the years for the given units; a vertical line marks the base year."""
    fig, ax = style.subplots(figsize=(style.WIDTH, 4.4))
    labels = names(report.table("municipalities"), report.language)
    part = pick(result, units)
    _draw_lines(ax, part, "index", units, highlight, labels)
    ax.axvline(result.base_year, color="black", linewidth=0.6)
    title = report.L("vitality.index_chart_title", name=result.framework.name(report.language))
    ax.set_title(title)
    ax.set_xlabel(report.L("label.year"))
    ax.set_ylabel(report.L("vitality.score_axis"))
    style.legend_outside(fig, ax, left=0.75, top=0.4, bottom=0.6)
    return style.describe(fig, title, _final_extremes(report, part, "index", result.final_year,
                                                      labels), report.language)


def _final_extremes(report, part: pd.DataFrame, column: str, year: int, labels: dict) -> str:
    last = part[part["year"] == year]
    return alt.extremes(report.L, year, {labels.get((lv, c), c): v for lv, c, v in
                                         zip(last["level"], last["code"], last[column])})


def theme_chart(result: IndexResult, report, units: list[tuple[str, str]],
                highlight: tuple[str, str] | None = None):
    """Small multiples: each theme score over the years for the given units."""
    labels = names(report.table("municipalities"), report.language)
    themes = result.themes
    cols = min(2, len(themes))
    rows_n = int(np.ceil(len(themes) / cols))
    fig, axes = style.subplots(rows_n, cols, figsize=(style.WIDTH, 2.8 * rows_n + 0.6),
                             squeeze=False, sharex=True)
    part = pick(result, units)
    for ax, t in zip(axes.flat, themes):
        _draw_lines(ax, part, t, units, highlight, labels)
        ax.axvline(result.base_year, color="black", linewidth=0.6)
        ax.set_title(theme_name(result, t, report.language), fontsize=style.FONT)
    for ax in list(axes.flat)[len(themes):]:
        ax.set_visible(False)
    handles, names_ = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names_, frameon=False, loc="lower center", ncol=min(len(names_), 3))
    legend_rows = -(-len(names_) // 3)
    style.layout(fig, left=0.55, right=0.2, top=0.35, bottom=0.45 + 0.22 * legend_rows,
                 wspace=0.15, hspace=0.35)
    highlighted = highlight or units[0]
    final = part[(part["year"] == result.final_year) & (part["level"] == highlighted[0])
                 & (part["code"] == highlighted[1])]
    values = {theme_name(result, t, report.language): float(final[t].iloc[0]) if len(final)
              else float("nan") for t in themes}
    sentence = alt.best_worst(report.L, f"{labels.get(highlighted, highlighted[1])} "
                              f"{result.final_year}", values, alt.number(report.language))
    return style.describe(fig, report.L("vitality.heading_themes"), sentence, report.language)


def percentiles(part: pd.DataFrame) -> pd.DataFrame:
    """The rank columns as percentiles within each unit's own level (100 = best, 0 = last of
    `n_ranked`), so that a chart can show municipalities of 292, sub-regions of 66 and regions
    of 18 on one axis."""
    span = (part["n_ranked"] - 1).where(part["n_ranked"] > 1)
    out = part.copy()
    for col in ("rank_median", "rank_p05", "rank_p95"):
        out[col.replace("rank", "pct")] = 100 * (part["n_ranked"] - part[col]) / span
    return out


def rank_band_chart(result: IndexResult, report, units: list[tuple[str, str]]):
    """Each ranked unit's rank in the base and final year as a percentile within its level
    (100 = best): a dot at the median of the draws and a bar over its 90 % Monte Carlo band."""
    labels = names(report.table("municipalities"), report.language)
    part = pick(result, units)
    part = percentiles(part[part["rank"].notna()])
    order = {u: i for i, u in enumerate(units)}
    rows = sorted({(lv, c) for lv, c in zip(part["level"], part["code"])}, key=order.get)
    row_labels = [labels.get(u, u[1]) for u in rows]
    fig, ax = style.subplots(figsize=(style.WIDTH, 0.45 * len(rows) + 1.9))
    for shift, year, colour in ((-0.15, result.base_year, style.GREY_DARK),
                                (0.15, result.final_year, style.HIGHLIGHT)):
        sel = part[part["year"] == year]
        for i, unit in enumerate(rows):
            r = sel[(sel["level"] == unit[0]) & (sel["code"] == unit[1])]
            if r.empty:
                continue
            r = r.iloc[0]
            ax.plot([r["pct_p05"], r["pct_p95"]], [i + shift] * 2, color=colour, linewidth=3,
                    alpha=0.6)
            ax.plot([r["pct_median"]], [i + shift], "o", color=colour,
                    label=str(year) if i == 0 else None)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(row_labels)
    ax.set_xlim(-2, 102)
    ax.invert_yaxis()
    ax.set_xlabel(_wrap(report.L("chart.percentile_axis"), 80))
    title = report.L("chart.rank_title")
    ax.set_title(title)
    ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2,
              borderaxespad=1.2)
    style.layout(fig, left=style.label_width(row_labels), right=0.3, top=0.75, bottom=0.85)
    final = part[part["year"] == result.final_year]
    return style.describe(fig, title, alt.extremes(report.L, result.final_year, {
        labels.get((lv, c), c): v for lv, c, v in zip(final["level"], final["code"],
                                                      final["pct_median"])}), report.language)


def _wrap(text: str, width: int) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width)) or text
