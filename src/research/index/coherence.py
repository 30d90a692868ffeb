"""Verb 'coherence': on the reference population, each indicator's correlation with its own
theme and with the index, Cronbach's alpha per theme, correlations between themes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.index.framework import Framework


def cronbach_alpha(X: np.ndarray) -> float:
    """Cronbach's alpha of the columns of X (complete rows only)."""
    X = np.asarray(X, float)
    X = X[~np.isnan(X).any(axis=1)]
    k = X.shape[1]
    if k < 2 or len(X) < 3:
        return float("nan")
    total = X.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / total))


def coherence(scores: pd.DataFrame, themes: pd.DataFrame, fw: Framework) -> dict:
    """Step 'coherence' on the reference population: each indicator's correlation with its
    own theme and the index, Cronbach's alpha per theme, correlations between themes."""
    rows = []
    for _, r in fw.indicators.iterrows():
        x = scores[r["id"]]
        rows.append({"indicator": r["id"], "theme": r["theme"],
                     "r_theme": float(x.corr(themes[r["theme"]])),
                     "r_index": float(x.corr(themes["index"]))})
    ind = pd.DataFrame(rows)
    ind["negative"] = ind["r_theme"] < 0
    alpha = pd.DataFrame([
        {"theme": t, "n_indicators": int((fw.indicators["theme"] == t).sum()),
         "alpha": cronbach_alpha(scores[list(fw.indicators.loc[fw.indicators["theme"] == t,
                                                               "id"])].to_numpy())}
        for t in fw.themes["id"]])
    return {"indicators": ind, "alpha": alpha,
            "indicator_correlations": scores[list(fw.indicators["id"])].corr(),
            "theme_correlations": themes[list(fw.themes["id"]) + ["index"]].corr()}
