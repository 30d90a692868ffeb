"""Development targets in words: the ranked shortfalls of `research.stats.targets` with a
short evidence text per target from the labels.

`development_targets` takes the survey candidates of `stats.targets.shortfalls`, adds the
statistical weaknesses of the official-statistics profile when given (a DataFrame with
`indicator, name, theme, value, peer_median, difference, standing`, as
`strengths_weaknesses` returns), and returns a short list with one short evidence text per
target (a long statement is cut short). A difference whose interval includes the
sub-region's mean is flagged as indicative only. When the municipality has no survey
answers, the targets are the statistical weaknesses alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.core import labels
from research.core.instrument import Instrument
from research.stats import targets as stats_targets

SHORT_TEXT = 60
COLUMNS = ["source", "kind", "key", "target", "evidence", "shortfall"]


def short(text: str, width: int = SHORT_TEXT) -> str:
    """`text` cut at a word boundary to at most `width` characters, with an ellipsis."""
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    cut = text[:width - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return cut + "…"


def _theme(theme, language: str) -> str:
    key = f"stats.theme.{theme}"
    return labels.text(key, language) if key in labels.table() else str(theme)


def _survey_row(row, instrument: Instrument, L, language: str) -> dict:
    """Target name and evidence sentence of one `shortfalls` row."""
    if row.kind == "dimension":
        evidence = L("targets.evidence.dimension", mean=row.mean, low=row.ci_low,
                     high=row.ci_high, n=int(row.n), sub=row.subregion_mean,
                     diff=row.difference)
        if pd.notna(row.weakest_item):
            evidence += " " + L("targets.evidence.weakest_item",
                                text=short(instrument.item(row.weakest_item).text(language)),
                                mean=row.weakest_mean)
        if not row.clear:
            evidence += " " + L("targets.within_ci")
        target = L("targets.target.dimension", dimension=instrument.scale_name(row.key, language))
    elif row.kind == "item":
        target = instrument.item(row.key).text(language)
        evidence = L("targets.evidence.item", mean=row.mean, n=int(row.n),
                     sub=row.subregion_mean, diff=row.difference)
    else:
        role_q = instrument.background_question("role")
        low, high = (role_q.option_text(row.low_role, language),
                     role_q.option_text(row.high_role, language))
        target = L("targets.target.role_gap",
                   dimension=instrument.scale_name(row.key, language), role=low)
        evidence = L("targets.evidence.role_gap", low_role=low, low_mean=row.low_mean,
                     low_n=int(row.low_n), high_role=high, high_mean=row.high_mean,
                     high_n=int(row.high_n), gap=row.shortfall)
    return {"source": "survey", "kind": row.kind, "key": row.key, "target": target,
            "evidence": evidence, "shortfall": row.shortfall}


def development_targets(score_tab: pd.DataFrame, responses: pd.DataFrame,
                        instrument: Instrument, unit: str, wave: str, language: str = "fi",
                        threshold: int = 5, statistics: pd.DataFrame | None = None,
                        n_survey: int = 3, n_statistics: int = 2, min_gap: float = 0.5,
                        min_shortfall: float = 0.2) -> pd.DataFrame:
    """A short ranked list: `rank, source, kind, key, target, evidence, shortfall`.

    The first `n_survey` survey candidates (`stats.targets.shortfalls`), then the first
    `n_statistics` weaknesses of `statistics` (in its order). When `unit` has no answers in
    `wave`, there are no survey candidates and up to `n_survey + n_statistics` weaknesses
    are listed.
    """
    L = labels.labeller(language)
    answered = ((responses["wave"] == wave) & (responses["municipality_code"] == unit)).any()
    if not answered:
        n_statistics += n_survey
    ranked = stats_targets.shortfalls(score_tab, responses, instrument, unit, wave, threshold,
                                      n_survey, min_gap, min_shortfall)
    survey = pd.DataFrame([_survey_row(r, instrument, L, language)
                           for r in ranked.itertuples()], columns=COLUMNS)
    stats_rows = []
    if statistics is not None and len(statistics):
        weak = statistics[statistics["standing"] == "weakness"].head(n_statistics)
        for row in weak.itertuples():
            stats_rows.append({"source": "statistics", "kind": "indicator", "key": row.indicator,
                               "target": str(row.name),
                               "evidence": L("targets.evidence.indicator",
                                             theme=_theme(row.theme, language),
                                             value=float(row.value),
                                             peer_median=float(row.peer_median),
                                             difference=float(row.difference)),
                               "shortfall": np.nan})
    out = pd.concat([survey, pd.DataFrame(stats_rows, columns=COLUMNS)],
                    ignore_index=True) if stats_rows else survey.reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def targets_display(targets: pd.DataFrame, language: str = "fi") -> pd.DataFrame | None:
    """The targets as a report table: rank, source, target and evidence columns labelled;
    None when there are no targets."""
    if not len(targets):
        return None
    L = labels.labeller(language)
    return pd.DataFrame({
        L("targets.col.rank"): targets["rank"].astype(int),
        L("targets.col.source"): [L(f"targets.source.{s}") for s in targets["source"]],
        L("targets.col.target"): targets["target"],
        L("targets.col.evidence"): targets["evidence"],
    })
