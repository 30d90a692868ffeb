"""Verb 'treat': COINr's outlier rule (winsorise at most `winsor_max` points, else a log
transform), fitted once on the reference population and applied to every unit-year."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """Sample skewness and excess kurtosis as COINr computes them (e1071 type 2)."""
    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    if len(x) < 4 or np.ptp(x) == 0:
        return 0.0, 0.0
    return float(stats.skew(x, bias=False)), float(stats.kurtosis(x, bias=False))


def fit_treatment(x: np.ndarray, winsor_max: int = 5, skew_threshold: float = 2.0,
                  kurtosis_threshold: float = 3.5) -> dict:
    """COINr's rule for one indicator: if |skew| > threshold and kurtosis > threshold,
    winsorise the most extreme point on the skewed side (set it to the next value; tied
    points together), at most `winsor_max` points in all; if that does not pass,
    log-transform the original values instead (`log(x - min + a)` for positive skew,
    `-log(max + a - x)` for negative, a = 1 % of the range).
    Returns the fitted treatment: method none | winsorise | log and its parameters."""
    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    s0, k0 = skew_kurt(x)
    fit = {"method": "none", "lo": float(np.min(x)) if len(x) else np.nan,
           "hi": float(np.max(x)) if len(x) else np.nan, "skew_before": s0, "kurtosis_before": k0,
           "n_winsorised": 0, "sign": 0}

    def fails(s, k):
        return abs(s) > skew_threshold and k > kurtosis_threshold

    if not fails(s0, k0):
        return fit | {"skew_after": s0, "kurtosis_after": k0}
    y = x.copy()
    n = 0
    s, k = s0, k0
    while fails(s, k) and n < winsor_max:
        hit = y == (y.max() if s > 0 else y.min())
        if n + int(hit.sum()) > winsor_max or hit.all():
            break
        y[hit] = y[~hit].max() if s > 0 else y[~hit].min()
        n += int(hit.sum())
        s, k = skew_kurt(y)
    if not fails(s, k):
        return fit | {"method": "winsorise", "lo": float(y.min()), "hi": float(y.max()),
                      "n_winsorised": n, "skew_after": s, "kurtosis_after": k}
    fit |= {"method": "log", "sign": 1 if s0 > 0 else -1}
    s1, k1 = skew_kurt(apply_treatment(x, fit))
    return fit | {"skew_after": s1, "kurtosis_after": k1}


def apply_treatment(x, fit: dict) -> np.ndarray:
    """Apply a fitted treatment to any values (other years, areas) with the same parameters.

    Values outside the reference range are clipped to it before a log transform."""
    x = np.asarray(x, float)
    if fit["method"] == "winsorise":
        return np.clip(x, fit["lo"], fit["hi"])
    if fit["method"] == "log":
        lo, hi = fit["lo"], fit["hi"]
        a = 0.01 * (hi - lo)
        c = np.clip(x, lo, hi)
        return np.log(c - lo + a) if fit["sign"] > 0 else -np.log(hi + a - c)
    return x


def treated_points(values: pd.DataFrame, treated: pd.DataFrame, fits: dict[str, dict]
                   ) -> pd.DataFrame:
    """Every value a treatment changed: winsorised ones, and values outside the reference
    range that were clipped before a log transform. (A log transform changes every value of
    its indicator; the treated value of each is in `IndexResult.indicator_scores`.)"""
    rows = []
    for c in values.columns:
        fit = fits[c]
        if fit["method"] == "none":
            continue
        x = values[c]
        hit = x.notna() & ((x < fit["lo"]) | (x > fit["hi"]))
        method = "winsorise" if fit["method"] == "winsorise" else "clip_then_log"
        for (code, year), v in x[hit].items():
            rows.append({"code": code, "year": int(year), "indicator": c, "value": v,
                         "treated": treated.at[(code, year), c], "method": method})
    return pd.DataFrame(rows, columns=["code", "year", "indicator", "value", "treated",
                                       "method"])
