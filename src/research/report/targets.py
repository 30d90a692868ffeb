"""Development targets: where a municipality is weakest, with the evidence behind each.

From the baseline survey of one municipality:

- `dimension_standing`: each target-state dimension's mean score (with its interval) against
  the sub-region's, from the suppressed `scales.score_table`;
- `item_standing`: each item's mean score (reverse-coded) against the sub-region's; items
  with fewer answers than the threshold in the municipality are left out;
- `role_gaps`: per dimension, the largest gap between two roles of the municipality, using
  only role cells that the privacy step left visible.

`development_targets` ranks these, survey candidates by how many scale points they fall
short (of the sub-region, or of the most positive role), adds the statistical weaknesses of
the official-statistics profile when given (a DataFrame with `indicator, name, theme, value,
peer_median, difference, standing`, as `strengths_weaknesses` returns), and returns a short
list with one short evidence text per target from the labels (a long statement is cut
short). A difference whose interval includes the sub-region's mean is flagged as indicative
only. When the municipality has no survey answers, the targets are the statistical
weaknesses alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.core import labels
from research.core.instrument import Instrument
from research.stats.scales import scored

SHORT_TEXT = 60


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


def dimension_standing(score_tab: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Per scale: `scale, n, mean, ci_low, ci_high, subregion_mean, difference, clear`."""
    mun = score_tab[(score_tab["level"] == "municipality")
                    & (score_tab["municipality_code"] == unit) & ~score_tab["suppressed"]]
    sub = score_tab[score_tab["level"] == "subregion"].set_index("scale")["mean"]
    out = mun[["scale", "n", "mean", "ci_low", "ci_high"]].copy()
    out["subregion_mean"] = out["scale"].map(sub)
    out["difference"] = out["mean"] - out["subregion_mean"]
    out["clear"] = (out["ci_high"] < out["subregion_mean"]) | (out["ci_low"] > out["subregion_mean"])
    return out.sort_values(["mean", "scale"], kind="stable").reset_index(drop=True)


def item_standing(responses: pd.DataFrame, instrument: Instrument, unit: str, wave: str,
                  threshold: int = 5) -> pd.DataFrame:
    """Per item: `item, scale, n, mean, subregion_mean, difference`, weakest first."""
    df = scored(responses[responses["wave"] == wave], instrument)
    sub = df.groupby("item")["score"].mean()
    mun = df[df["municipality_code"] == unit].groupby("item")["score"].agg(["size", "mean"])
    mun = mun[mun["size"] >= threshold]
    out = pd.DataFrame({"item": mun.index, "n": mun["size"].to_numpy(),
                        "mean": mun["mean"].to_numpy()})
    out["scale"] = out["item"].map({i.code: i.scale for i in instrument.items})
    out["subregion_mean"] = out["item"].map(sub)
    out["difference"] = out["mean"] - out["subregion_mean"]
    return (out[["item", "scale", "n", "mean", "subregion_mean", "difference"]]
            .sort_values(["difference", "item"], kind="stable").reset_index(drop=True))


def role_gaps(score_tab: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Per scale: the lowest and highest visible role of the unit and the gap between them."""
    cells = score_tab[(score_tab["level"] == "municipality_role")
                      & (score_tab["municipality_code"] == unit) & ~score_tab["suppressed"]]
    rows = []
    for scale, part in cells.groupby("scale", sort=False):
        if len(part) < 2:
            continue
        part = part.sort_values(["mean", "role"], kind="stable")
        low, high = part.iloc[0], part.iloc[-1]
        rows.append({"scale": scale, "low_role": low["role"], "low_mean": low["mean"],
                     "low_n": low["n"], "high_role": high["role"], "high_mean": high["mean"],
                     "high_n": high["n"], "gap": high["mean"] - low["mean"]})
    cols = ["scale", "low_role", "low_mean", "low_n", "high_role", "high_mean", "high_n", "gap"]
    return (pd.DataFrame(rows, columns=cols).sort_values(["gap", "scale"], ascending=[False, True],
                                                         kind="stable").reset_index(drop=True))


def development_targets(score_tab: pd.DataFrame, responses: pd.DataFrame,
                        instrument: Instrument, unit: str, wave: str, language: str = "fi",
                        threshold: int = 5, statistics: pd.DataFrame | None = None,
                        n_survey: int = 3, n_statistics: int = 2, min_gap: float = 0.5,
                        min_shortfall: float = 0.2) -> pd.DataFrame:
    """A short ranked list: `rank, source, kind, key, target, evidence, shortfall`.

    Survey candidates: dimensions and items at least `min_shortfall` points below the
    sub-region (an item only if its dimension is not listed already; the weakest item of a
    listed dimension is named in its evidence), and role gaps of at least `min_gap` points.
    They are ranked by `shortfall` (scale points below the comparison) within their kind,
    weaknesses and role gaps take turns, and the first `n_survey` are kept; then the first
    `n_statistics` weaknesses of `statistics` (in its order) are added. When `unit` has no
    answers in `wave`, there are no survey candidates and up to `n_survey + n_statistics`
    weaknesses are listed.
    """
    L = labels.labeller(language)
    role_q = instrument.background_question("role")
    answered = ((responses["wave"] == wave) & (responses["municipality_code"] == unit)).any()
    dims = dimension_standing(score_tab, unit)
    items = item_standing(responses, instrument, unit, wave, threshold)
    gaps = role_gaps(score_tab, unit)
    if not answered:  # no survey evidence: the statistics alone
        dims, items, gaps = dims.head(0), items.head(0), gaps.head(0)
        n_statistics += n_survey
    candidates = []
    for row in dims[dims["difference"] <= -min_shortfall].itertuples():
        weakest = items[items["scale"] == row.scale].head(1)
        evidence = L("targets.evidence.dimension", mean=float(row.mean), low=float(row.ci_low),
                     high=float(row.ci_high), n=int(row.n), sub=float(row.subregion_mean),
                     diff=float(row.difference))
        if len(weakest):
            w = weakest.iloc[0]
            evidence += " " + L("targets.evidence.weakest_item",
                                text=short(instrument.item(w["item"]).text(language)),
                                mean=float(w["mean"]))
        if not row.clear:
            evidence += " " + L("targets.within_ci")
        candidates.append({"source": "survey", "kind": "dimension", "key": row.scale,
                           "target": L("targets.target.dimension",
                                       dimension=instrument.scale_name(row.scale, language)),
                           "evidence": evidence, "shortfall": -float(row.difference)})
    listed = {c["key"] for c in candidates}
    for row in items[(items["difference"] <= -min_shortfall)
                     & ~items["scale"].isin(listed)].itertuples():
        candidates.append({"source": "survey", "kind": "item", "key": row.item,
                           "target": instrument.item(row.item).text(language),
                           "evidence": L("targets.evidence.item", mean=float(row.mean),
                                         n=int(row.n), sub=float(row.subregion_mean),
                                         diff=float(row.difference)),
                           "shortfall": -float(row.difference)})
    for row in gaps[gaps["gap"] >= min_gap].itertuples():
        candidates.append({"source": "survey", "kind": "role_gap", "key": row.scale,
                           "target": L("targets.target.role_gap",
                                       dimension=instrument.scale_name(row.scale, language),
                                       role=role_q.option_text(row.low_role, language)),
                           "evidence": L("targets.evidence.role_gap",
                                         low_role=role_q.option_text(row.low_role, language),
                                         low_mean=float(row.low_mean), low_n=int(row.low_n),
                                         high_role=role_q.option_text(row.high_role, language),
                                         high_mean=float(row.high_mean),
                                         high_n=int(row.high_n), gap=float(row.gap)),
                           "shortfall": float(row.gap)})
    survey = pd.DataFrame(candidates, columns=["source", "kind", "key", "target", "evidence",
                                              "shortfall"])
    survey = survey.sort_values(["shortfall", "key"], ascending=[False, True], kind="stable")
    # weaknesses against the sub-region and gaps between roles take turns, so that large
    # role gaps cannot crowd out the municipality's weakest dimension (and vice versa)
    survey["_turn"] = survey.groupby(survey["kind"] == "role_gap").cumcount()
    survey["_gap"] = survey["kind"] == "role_gap"
    survey = (survey.sort_values(["_turn", "_gap"], kind="stable").head(n_survey)
              .drop(columns=["_turn", "_gap"]))
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
    out = pd.concat([survey, pd.DataFrame(stats_rows, columns=survey.columns)],
                    ignore_index=True) if stats_rows else survey.reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def targets_display(targets: pd.DataFrame, language: str = "fi") -> pd.DataFrame:
    """The targets as a report table: rank, source, target and evidence columns labelled."""
    L = labels.labeller(language)
    return pd.DataFrame({
        L("targets.col.rank"): targets["rank"].astype(int),
        L("targets.col.source"): [L(f"targets.source.{s}") for s in targets["source"]],
        L("targets.col.target"): targets["target"],
        L("targets.col.evidence"): targets["evidence"],
    })
