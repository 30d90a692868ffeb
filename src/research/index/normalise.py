"""Verb 'normalise': scores against fixed goalposts of the reference population (min-max,
z-score or percentile; higher is always better), and the fitted scorer of an index."""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.index.framework import Framework
from research.index.treat import apply_treatment, fit_treatment


def fit_goalposts(reference: np.ndarray, direction: int) -> dict:
    """Goalposts of one indicator from its (treated) reference values, direction applied."""
    r = direction * np.asarray(reference, float)
    r = np.sort(r[~np.isnan(r)])
    return {"direction": direction, "min": float(r[0]), "max": float(r[-1]),
            "mean": float(r.mean()), "sd": float(r.std(ddof=1)) if len(r) > 1 else 0.0,
            "sorted": r}


def normalise(x, goalposts: dict, method: str) -> np.ndarray:
    """Score values against fixed goalposts; higher is always better.

    minmax: 100 (x - min) / (max - min), 0-100 in the reference population;
    zscore: 50 + 10 (x - mean) / sd (mean 50, sd 10 in the reference);
    percentile: the share (0-100) of the reference below x, ties counted half (kind 'mean').
    Scores of other years may fall outside the reference range: that is the change."""
    x = goalposts["direction"] * np.asarray(x, float)
    if method == "minmax":
        span = goalposts["max"] - goalposts["min"]
        return 100.0 * (x - goalposts["min"]) / span if span > 0 else np.where(
            np.isnan(x), np.nan, 50.0)
    if method == "zscore":
        sd = goalposts["sd"]
        return 50.0 + 10.0 * (x - goalposts["mean"]) / sd if sd > 0 else np.where(
            np.isnan(x), np.nan, 50.0)
    if method == "percentile":
        r = goalposts["sorted"]
        left = np.searchsorted(r, x, side="left")
        right = left.copy()
        tie = r[np.minimum(left, len(r) - 1)] == x   # the right side searched for ties only
        right[tie] = np.searchsorted(r, x[tie], side="right")
        return np.where(np.isnan(x), np.nan, 100.0 * (left + right) / 2.0 / len(r))
    raise ValueError(f"unknown normalisation {method!r}")


class Scorer:
    """Fitted treatment and goalposts; scores any unit-year table of indicator values."""

    def __init__(self, fw: Framework, reference: dict[str, np.ndarray]):
        self.fw = fw
        self.treat = {}
        self.goal = {}
        s = fw.settings
        for _, r in fw.indicators.iterrows():
            fit = fit_treatment(reference[r["id"]], s["winsor_max"], s["skew_threshold"],
                                s["kurtosis_threshold"])
            self.treat[r["id"]] = fit
            self.goal[r["id"]] = fit_goalposts(apply_treatment(reference[r["id"]], fit),
                                               int(r["direction"]))

    def treated(self, values: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({c: apply_treatment(values[c], self.treat[c]) for c in values},
                            index=values.index)

    def scores(self, values: pd.DataFrame, method: str) -> pd.DataFrame:
        t = self.treated(values)
        return pd.DataFrame({c: normalise(t[c], self.goal[c], method) for c in t},
                            index=values.index)

    def score_array(self, values: np.ndarray, method: str) -> np.ndarray:
        """Scores of an array of values (n x k x ..., indicators in framework order)."""
        out = np.empty_like(values, dtype=float)
        for j, c in enumerate(self.fw.indicators["id"]):
            out[:, j] = normalise(apply_treatment(values[:, j], self.treat[c]), self.goal[c],
                                  method)
        return out


def reference_year(values: pd.Series, base_year: int, minimum: int) -> int:
    """The year nearest the base year (earlier on a tie) with at least `minimum` values, else
    the year with the most values: the year whose values fix an indicator's goalposts."""
    counts = values.notna().groupby(level="year").sum()
    ok = counts[counts >= minimum]
    if ok.empty:
        ok = counts[counts == counts.max()]
    years = ok.index.to_numpy()
    return int(years[np.argmin(np.abs(years - base_year) * 2 + (years > base_year))])


def reference_values(values: pd.DataFrame, reference: np.ndarray, base_year: int,
                     minimum: int) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Per indicator: the values of the reference units (rows where `reference`) in its
    reference year, and that year."""
    out, years = {}, {}
    for c in values.columns:
        col = values[c][reference]
        y = reference_year(col, base_year, minimum)
        years[c] = y
        out[c] = col[col.index.get_level_values("year") == y].to_numpy()
    return out, years


def goalpost_table(scorer: Scorer, ref_years: dict[str, int]) -> pd.DataFrame:
    """The audit table of the goalposts: direction, min, max, mean, sd, reference year."""
    return pd.DataFrame([{"indicator": c, "direction": g["direction"], "min": g["min"],
                          "max": g["max"], "mean": g["mean"], "sd": g["sd"],
                          "reference_year": ref_years[c]} for c, g in scorer.goal.items()])


def treatment_table(scorer: Scorer, reference: dict[str, np.ndarray],
                    ref_years: dict[str, int]) -> pd.DataFrame:
    """The audit table of the fitted treatments, one row per indicator."""
    rows = []
    for c in scorer.fw.indicators["id"]:
        rows.append({"indicator": c, "reference_year": ref_years[c],
                     "n_reference": int(np.sum(~np.isnan(reference[c])))}
                    | {k: v for k, v in scorer.treat[c].items()})
    return pd.DataFrame(rows)
