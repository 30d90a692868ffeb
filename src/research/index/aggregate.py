"""Verb 'aggregate': indicators into themes and themes into the index, weighted, for every
weight draw at once (matrix products), arithmetic or geometric."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _masked(S: np.ndarray, method: str, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """The values to average (0 where missing; logs of floored scores for a geometric mean)
    and the mask of the non-missing ones."""
    avail = ~np.isnan(S)
    if method == "geometric":
        return np.where(avail, np.log(np.maximum(np.where(avail, S, 1.0), floor)), 0.0), avail
    return np.where(avail, S, 0.0), avail


def _unmasked(mean: np.ndarray, method: str) -> np.ndarray:
    return np.exp(mean) if method == "geometric" else mean


def _weighted_mean(S: np.ndarray, B: np.ndarray, method: str, floor: float) -> np.ndarray:
    """Weighted means of the non-missing columns of S (n x k) for each column of B (k x m)."""
    vals, avail = _masked(S, method, floor)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (vals @ B) / (avail.astype(float) @ B)
    return _unmasked(out, method)


def aggregate(S: np.ndarray, theme_of: np.ndarray, w_ind: np.ndarray, w_theme: np.ndarray,
              method: str = "arithmetic", floor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Themes first, then the index, for every weight draw at once.

    S: scores (n units x k indicators, NaN = missing, its weight shared among the others);
    theme_of: theme position of each indicator (k); w_ind: k x d and w_theme: t x d weights of
    d draws (1-D arrays mean one draw). Returns theme scores (n x t x d) and index (n x d);
    geometric means use scores floored at `floor`."""
    w_ind = w_ind.reshape(len(theme_of), -1)
    w_theme = w_theme.reshape(-1, w_ind.shape[1])
    k, d = w_ind.shape
    t = w_theme.shape[0]
    member = (theme_of[:, None] == np.arange(t)[None, :]).astype(float)     # k x t
    B = (w_ind[:, None, :] * member[:, :, None]).reshape(k, t * d)
    themes = _weighted_mean(S, B, method, floor).reshape(len(S), t, d)
    return themes, _index(themes, w_theme, method, floor)


def _index(themes: np.ndarray, w_theme: np.ndarray, method: str, floor: float) -> np.ndarray:
    """The index (n x d) of theme scores (n x t x d) with theme weights (t x d)."""
    vals, avail = _masked(themes, method, floor)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = (np.einsum("ntd,td->nd", vals, w_theme)
                 / np.einsum("ntd,td->nd", avail.astype(float), w_theme))
    return _unmasked(index, method)


def aggregate_draws(S: np.ndarray, theme_of: np.ndarray, w_ind: np.ndarray,
                    w_theme: np.ndarray, method: str = "arithmetic", floor: float = 1.0
                    ) -> np.ndarray:
    """The index (n x d) when the scores differ from draw to draw: S is n x k x d (as from
    redrawn counts), w_ind k x d, w_theme t x d; otherwise as `aggregate`."""
    t = w_theme.shape[0]
    member = (theme_of[:, None] == np.arange(t)[None, :]).astype(float)     # k x t
    W = w_ind[:, None, :] * member[:, :, None]                               # k x t x d
    vals, avail = _masked(S, method, floor)
    with np.errstate(invalid="ignore", divide="ignore"):
        themes = (np.einsum("nkd,ktd->ntd", vals, W)
                  / np.einsum("nkd,ktd->ntd", avail.astype(float), W))
    return _index(_unmasked(themes, method), w_theme, method, floor)


def weights_table(themes: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """The audit table of the aggregation: each theme's share of the index and its indicators."""
    w_theme = themes["weight"].to_numpy(float)
    return pd.DataFrame({
        "theme": themes["id"], "weight": w_theme / w_theme.sum(),
        "indicators": [", ".join(indicators.loc[indicators["theme"] == t, "id"])
                       for t in themes["id"]]})
