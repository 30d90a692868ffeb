"""Evaluation charts: event-study coefficients and the synthetic control's path.

Takes the tidy results of `research.stats.did` and the texts to show.
"""

from __future__ import annotations

import pandas as pd

from research.report import style


def event_study_figure(es: pd.DataFrame, event_year: int, end_year: int, title: str,
                       ylabel: str, xlabel: str, sentence: str, language: str):
    """Event-study coefficients with intervals; the programme years shaded; `sentence` is the
    computed part of the alt text."""
    from matplotlib.ticker import MaxNLocator

    fig, ax = style.subplots(figsize=(style.WIDTH, 4))
    ok = es.dropna(subset=["estimate"])
    ax.axvspan(event_year - 0.5, end_year + 0.5, color=style.SHADE, alpha=0.7, lw=0)
    ax.axhline(0, color="black", lw=0.7)
    ax.errorbar(ok["year"], ok["estimate"], yerr=[ok["estimate"] - ok["ci_low"],
                                                  ok["ci_high"] - ok["estimate"]],
                fmt="o", color=style.HIGHLIGHT, ecolor="0.5", capsize=3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    style.layout(fig, left=0.9, right=0.25, top=0.4, bottom=0.6)
    return style.describe(fig, title, sentence, language)


def synth_figure(path: pd.DataFrame, event_year: int, end_year: int, labels: dict,
                 language: str):
    """Actual against synthetic series; `labels` has title, actual, synthetic, xlabel, ylabel
    and sentence (the computed part of the alt text)."""
    from matplotlib.ticker import MaxNLocator

    fig, ax = style.subplots(figsize=(style.WIDTH, 4))
    ax.axvspan(event_year - 0.5, end_year + 0.5, color=style.SHADE, alpha=0.7, lw=0)
    ax.plot(path["year"], path["synthetic"], color=style.GREY_DARK, ls="--", lw=1.8,
            label=labels["synthetic"])
    ax.plot(path["year"], path["actual"], color=style.HIGHLIGHT, lw=2.4, label=labels["actual"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(labels["title"])
    ax.set_xlabel(labels["xlabel"])
    ax.set_ylabel(labels["ylabel"])
    style.legend_outside(fig, ax, left=0.9, top=0.4, bottom=0.6)
    return style.describe(fig, labels["title"], labels["sentence"], language)

