"""Development targets: where a municipality is weakest, as tidy tables (no text).

From the baseline survey of one municipality:

- `dimension_standing`: each target-state dimension's mean score (with its interval) against
  the sub-region's, from the suppressed `scales.score_table`;
- `item_standing`: each item's mean score (reverse-coded) against the sub-region's; items
  with fewer answers than the threshold in the municipality are left out;
- `role_gaps`: per dimension, the largest gap between two roles of the municipality, using
  only role cells that the privacy step left visible;
- `shortfalls`: the survey candidates ranked by how many scale points they fall short (of
  the sub-region, or of the most positive role), with the figures behind each.

The wording (target names and evidence sentences) is in `research.report.targets`.
"""

from __future__ import annotations

import pandas as pd

from research.core.instrument import Instrument
from research.stats.scales import scored

#: columns of `shortfalls`
SHORTFALL_COLUMNS = ["kind", "key", "shortfall", "n", "mean", "ci_low", "ci_high",
                     "subregion_mean", "difference", "clear", "weakest_item", "weakest_mean",
                     "low_role", "low_mean", "low_n", "high_role", "high_mean", "high_n"]


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


def _candidates(dims: pd.DataFrame, items: pd.DataFrame, gaps: pd.DataFrame,
                min_gap: float, min_shortfall: float) -> list[dict]:
    rows = []
    for row in dims[dims["difference"] <= -min_shortfall].itertuples():
        weakest = items[items["scale"] == row.scale].head(1)
        rows.append({"kind": "dimension", "key": row.scale, "shortfall": -float(row.difference),
                     "n": int(row.n), "mean": float(row.mean), "ci_low": float(row.ci_low),
                     "ci_high": float(row.ci_high), "subregion_mean": float(row.subregion_mean),
                     "difference": float(row.difference), "clear": bool(row.clear),
                     "weakest_item": weakest["item"].iloc[0] if len(weakest) else None,
                     "weakest_mean": float(weakest["mean"].iloc[0]) if len(weakest) else None})
    listed = {r["key"] for r in rows}
    for row in items[(items["difference"] <= -min_shortfall)
                     & ~items["scale"].isin(listed)].itertuples():
        rows.append({"kind": "item", "key": row.item, "shortfall": -float(row.difference),
                     "n": int(row.n), "mean": float(row.mean),
                     "subregion_mean": float(row.subregion_mean),
                     "difference": float(row.difference)})
    for row in gaps[gaps["gap"] >= min_gap].itertuples():
        rows.append({"kind": "role_gap", "key": row.scale, "shortfall": float(row.gap),
                     "low_role": row.low_role, "low_mean": float(row.low_mean),
                     "low_n": int(row.low_n), "high_role": row.high_role,
                     "high_mean": float(row.high_mean), "high_n": int(row.high_n)})
    return rows


def shortfalls(score_tab: pd.DataFrame, responses: pd.DataFrame, instrument: Instrument,
               unit: str, wave: str, threshold: int = 5, n_survey: int = 3,
               min_gap: float = 0.5, min_shortfall: float = 0.2) -> pd.DataFrame:
    """The survey's development-target candidates of `unit`, at most `n_survey` rows.

    Candidates: dimensions and items at least `min_shortfall` points below the sub-region
    (an item only if its dimension is not listed already; the weakest item of a listed
    dimension is given in `weakest_item`), and role gaps of at least `min_gap` points. They
    are ranked by `shortfall` (scale points below the comparison) within their kind, and
    weaknesses and role gaps take turns in the selection of the first `n_survey`, so that
    large role gaps cannot crowd out the municipality's weakest dimension (and vice versa);
    the selected rows are then ordered by `shortfall`, largest first (ties by key). Empty
    when `unit` has no answers in `wave`. Columns: `SHORTFALL_COLUMNS` (figures that do not
    apply to a kind are missing).
    """
    answered = ((responses["wave"] == wave) & (responses["municipality_code"] == unit)).any()
    if not answered:
        return pd.DataFrame(columns=SHORTFALL_COLUMNS)
    rows = _candidates(dimension_standing(score_tab, unit),
                       item_standing(responses, instrument, unit, wave, threshold),
                       role_gaps(score_tab, unit), min_gap, min_shortfall)
    survey = pd.DataFrame(rows, columns=SHORTFALL_COLUMNS)
    survey = survey.sort_values(["shortfall", "key"], ascending=[False, True], kind="stable")
    turn = survey.groupby(survey["kind"] == "role_gap").cumcount()
    survey = survey.assign(_turn=turn, _gap=survey["kind"] == "role_gap")
    chosen = survey.sort_values(["_turn", "_gap"], kind="stable").head(n_survey)
    return (chosen.sort_values(["shortfall", "key"], ascending=[False, True], kind="stable")
            .drop(columns=["_turn", "_gap"]).reset_index(drop=True))
