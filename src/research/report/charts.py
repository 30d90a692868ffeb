"""Charts of the baseline statistical profile, read at a glance by a municipal leader.

- `comparison_chart`: the latest value of a few indicators, the municipality highlighted
  against its peers and the programme's other municipalities, with the peers' median;
- `trend_chart`: the municipality's series with the sub-region's (from numerators and
  denominators), the country's and the peers' median;
- `score_chart`: the standardised score (direction-aware, positive = better than the country
  average) of every indicator by theme, the municipality against each peer.

All take the tables of `research.stats.profile` and the report (`R`) for labels and names; they
return a matplotlib figure for `show.figure`.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

from research.report import alt, style
from research.report.style import COUNTRY, PEER, PROGRAMME, SUBREGION
from research.report.style import HIGHLIGHT as UNIT


def _title(meta: pd.Series, language: str, year: str = "") -> str:
    """A panel's title wrapped to the width of half a figure."""
    return "\n".join(textwrap.wrap(f"{meta[f'name_{language}']} ({meta[f'unit_{language}']})"
                                    f"{year}", 46))


def _top(axes) -> float:
    """The top margin in inches for the (wrapped) panel titles of the first row."""
    lines = max(ax.get_title().count("\n") + 1 for ax in axes[0])
    return 0.15 + lines * style.FONT_SMALL * 1.3 / 72


def comparison_chart(indicators: pd.DataFrame, catalogue: pd.DataFrame, prof: pd.DataFrame,
                     unit: str, peers: list[str], programme: list[str], indicator_ids: list[str],
                     report):
    """Horizontal bars per indicator (its latest year): the unit red, programme municipalities
    light blue, peers grey; the dashed line is the peers' median."""
    lang = report.language
    ids = [i for i in indicator_ids if i in set(prof["indicator"])]
    meta = catalogue.set_index("indicator")
    years = prof.set_index("indicator")["latest_year"]
    codes = sorted(set(peers) | set(programme) | {unit})
    ncol = 2
    nrow = max(1, -(-len(ids) // ncol))
    names = [report.name(c) for c in codes]
    fig, axes = style.subplots(nrow, ncol, figsize=(style.WIDE, 1.3 + 2.5 * nrow), squeeze=False)
    n_high = n_low = 0
    shown = indicators[indicators["municipality_code"].isin(codes)
                       & indicators["indicator"].isin(ids)]
    for ax, ind in zip(axes.flat, ids):
        df = shown[(shown["indicator"] == ind) & (shown["year"] == years[ind])
                   ].dropna(subset=["value"])
        df = df.sort_values(["value", "municipality_code"], kind="stable")
        colours = [UNIT if c == unit else PROGRAMME if c in programme else PEER
                   for c in df["municipality_code"]]
        ax.barh([report.name(c) for c in df["municipality_code"]], df["value"], color=colours)
        if len(df) > 1 and unit in set(df["municipality_code"]):
            n_high += df["municipality_code"].iloc[-1] == unit
            n_low += df["municipality_code"].iloc[0] == unit
        peer_median = df[df["municipality_code"].isin(set(peers) - {unit})]["value"].median()
        if pd.notna(peer_median):
            ax.axvline(peer_median, color=style.REFERENCE, linestyle="--", linewidth=1)
        ax.set_title(_title(meta.loc[ind], lang, f", {int(years[ind])}"),
                     fontsize=style.FONT_SMALL)
    for ax in list(axes.flat)[len(ids):]:
        ax.axis("off")
    fig.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=c) for c in (UNIT, PROGRAMME, PEER)]
               + [plt.Line2D([0], [0], color=style.REFERENCE, linestyle="--")],
               labels=[report.unit_name, report.L("stats.programme_municipalities"),
                       report.L("stats.peer_municipalities"), report.L("label.peers_median")],
               loc="lower center", ncol=2, frameon=False)
    wl = style.label_width(names)
    style.layout(fig, left=wl, right=0.2, top=_top(axes), bottom=0.95, wspace=(wl + 0.3) / 4,
                 hspace=0.75)
    return style.describe(fig, report.L("chart.comparison_title"), report.L(
        "chart.comparison", name=report.unit_name, n_high=int(n_high), n_low=int(n_low),
        n=len(ids)), report.language)


def trend_chart(series_df: pd.DataFrame, catalogue: pd.DataFrame, indicator_ids: list[str],
                report):
    """Small multiples of yearly series: the unit, its sub-region, the country, peers' median."""
    lang = report.language
    ids = [i for i in indicator_ids if i in set(series_df["indicator"])]
    meta = catalogue.set_index("indicator")
    ncol = 2
    nrow = max(1, -(-len(ids) // ncol))
    fig, axes = style.subplots(nrow, ncol, figsize=(style.WIDE, 1.3 + 2.5 * nrow), squeeze=False)
    n_up = n_down = 0
    series = {
        "peers": dict(color=PEER, linewidth=1.8, label=report.L("label.peers_median")),
        "country": dict(color=COUNTRY, linewidth=1.2, label=report.L("label.country")),
        "subregion": dict(color=SUBREGION, linestyle="--", linewidth=1.8,
                          label=f"{report.L('label.subregion_total')} ({report.subregion_name})"),
        "unit": dict(color=UNIT, linewidth=2.6, label=report.unit_name),
    }
    for ax, ind in zip(axes.flat, ids):
        part = series_df[series_df["indicator"] == ind]
        for name, kw in series.items():
            s = part[part["series"] == name]
            if len(s):
                ax.plot(s["year"], s["value"], **kw)
        own = part[part["series"] == "unit"].sort_values("year").dropna(subset=["value"])
        if len(own) > 1:
            n_up += own["value"].iloc[-1] > own["value"].iloc[0]
            n_down += own["value"].iloc[-1] < own["value"].iloc[0]
        ax.set_title(_title(meta.loc[ind], lang), fontsize=style.FONT_SMALL)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in list(axes.flat)[len(ids):]:
        ax.axis("off")
    handles = [plt.Line2D([0], [0], **{k: v for k, v in kw.items() if k != "label"})
               for kw in series.values()]
    fig.legend(handles, [kw["label"] for kw in series.values()], loc="lower center", ncol=2,
               frameon=False)
    style.layout(fig, left=0.6, right=0.2, top=_top(axes), bottom=0.95, wspace=0.25,
                 hspace=0.75)
    return style.describe(fig, report.L("chart.trend_title"), report.L(
        "chart.trend", name=report.unit_name, n_up=int(n_up), n_down=int(n_down), n=len(ids)),
        report.language)


def score_chart(prof: pd.DataFrame, peer_scores: pd.DataFrame, report):
    """Standardised scores by theme: a dot per peer (grey) and the unit (red) per indicator;
    0 is the country's average, positive is better (direction taken into account)."""
    lang = report.language
    df = prof[prof["kind"] == "rate"].dropna(subset=["z"]).reset_index(drop=True)
    fig, ax = style.subplots(figsize=(style.WIDTH, 1.6 + 0.3 * len(df)))
    labels = [textwrap.fill(f"{report.L('stats.theme.' + t)}: {n}", 48) for t, n in
              zip(df["theme"], df[f"name_{lang}"])]
    ypos = {ind: len(df) - 1 - i for i, ind in enumerate(df["indicator"])}
    ps = peer_scores[peer_scores["indicator"].isin(ypos)]
    ax.scatter(ps["z"], ps["indicator"].map(ypos), color=PEER, s=18,
               label=report.L("stats.peer_municipalities"), zorder=2)
    ax.scatter(df["z"], df["indicator"].map(ypos), color=UNIT, s=48, label=report.unit_name,
               zorder=3)
    ax.axvline(0, color="black", linewidth=0.7)
    ax.set_yticks([ypos[i] for i in df["indicator"]], labels)
    ax.set_xlabel(report.L("stats.score_axis"))
    head = style.figure_title(fig, report.L("stats.score_title"))
    ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2,
              borderaxespad=0.3)
    style.layout(fig, left=style.label_width(labels), right=0.2, top=head + 0.4, bottom=0.6)
    sentence = alt.best_worst(report.L, report.unit_name, dict(zip(df[f"name_{lang}"], df["z"])),
                              alt.number(lang, 2))
    return style.describe(fig, report.L("stats.score_title"), sentence, report.language)
