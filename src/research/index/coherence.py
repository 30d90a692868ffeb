"""Verb 'coherence': on the reference population, each indicator's correlation with its own
theme and with the index, Cronbach's alpha per theme, correlations between themes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.index.framework import Framework


def cronbach_alpha(X: np.ndarray) -> float:
    """Cronbach's alpha of the columns of X (complete rows only), computed by the one
    implementation in `research.stats.scales.cronbach_alpha`."""
    from research.stats.scales import cronbach_alpha as alpha_with_interval

    return alpha_with_interval(pd.DataFrame(np.asarray(X, float)))[0]


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
