"""Verb 'uncertainty': the seeded Monte Carlo over the modeller's choices (normalisation,
aggregation, weights +-25 %, imputation on/off), vectorised over the draws, its rank bands,
the one-at-a-time sensitivity and the change from the base to the final year."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from research.index.aggregate import aggregate
from research.index.framework import AGGREGATIONS, NORMALISATIONS, Framework

SENSITIVITY_WEIGHT_DRAWS = 250   # weight draws of the one-at-a-time sensitivity
CHUNK = 128  # draws aggregated at once: bounds memory to units x themes x CHUNK floats


def _rank_min(x: np.ndarray) -> np.ndarray:
    """Column-wise ranks of x (no NaN), 1 = highest, ties share the best ('min') rank."""
    order = np.argsort(-x, axis=0, kind="stable")
    sorted_x = np.take_along_axis(x, order, axis=0)
    pos = np.arange(1, len(x) + 1, dtype=float)[:, None]
    new = np.ones(x.shape, bool)
    new[1:] = sorted_x[1:] != sorted_x[:-1]
    ranks_sorted = np.maximum.accumulate(np.where(new, pos, 0.0), axis=0)
    out = np.empty(x.shape)
    np.put_along_axis(out, order, ranks_sorted, axis=0)
    return out


def rank_by_year(index: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Rank (1 = highest) within each year, for each column; ties share the best rank.

    A unit whose index is missing in a draw is left out of that year's ranking (NaN)."""
    index = index.reshape(len(years), -1)
    out = np.full(index.shape, np.nan)
    for y in np.unique(years):
        rows = np.flatnonzero(years == y)
        block = index[rows]
        if not np.isnan(block).any():
            out[rows] = _rank_min(block)
        else:
            out[rows] = stats.rankdata(-block, method="min", axis=0, nan_policy="omit")
    return out


@dataclass
class Prepared:
    """Scores of the ranked units under every normalisation, with and without imputation."""

    scores: dict          # (method, imputed: bool) -> n x k array
    years: np.ndarray
    theme_of: np.ndarray
    w_ind: np.ndarray
    w_theme: np.ndarray


def prepare(scorer, values: pd.DataFrame, missing: pd.DataFrame, fw: Framework) -> Prepared:
    """Scores of a set of units under every normalisation, with imputed values (True) and
    with them left out (False, NaN where `missing`), ready for the Monte Carlo."""
    theme_pos = {t: i for i, t in enumerate(fw.themes["id"])}
    sc = {}
    for m in NORMALISATIONS:
        full = scorer.scores(values, m).to_numpy()
        sc[(m, True)] = full
        sc[(m, False)] = np.where(missing.to_numpy(), np.nan, full)
    return Prepared(sc, values.index.get_level_values("year").to_numpy(),
                    fw.indicators["theme"].map(theme_pos).to_numpy(),
                    fw.indicators["weight"].to_numpy(float), fw.themes["weight"].to_numpy(float))


def draw_choices(fw: Framework, draws: int, seed: int, k: int, t: int) -> dict:
    """The seeded Monte Carlo draws: normalisation, aggregation, imputation and weights."""
    rng = np.random.default_rng(seed)
    spread = fw.settings["weight_spread"]
    return {"normalisation": rng.integers(0, len(NORMALISATIONS), draws),
            "aggregation": rng.integers(0, len(AGGREGATIONS), draws),
            "imputation": rng.integers(0, 2, draws).astype(bool),
            "w_ind": rng.uniform(1 - spread, 1 + spread, (k, draws)),
            "w_theme": rng.uniform(1 - spread, 1 + spread, (t, draws))}


def simulate(p: Prepared, choices: dict, floor: float) -> np.ndarray:
    """Index of every unit (rows) in every draw (columns), grouped by discrete choice."""
    d = len(choices["normalisation"])
    out = np.full((len(p.years), d), np.nan)
    w_ind = p.w_ind[:, None] * choices["w_ind"]
    w_theme = p.w_theme[:, None] * choices["w_theme"]
    for m, method in enumerate(NORMALISATIONS):
        for a, agg in enumerate(AGGREGATIONS):
            for imp in (True, False):
                sel = ((choices["normalisation"] == m) & (choices["aggregation"] == a)
                       & (choices["imputation"] == imp))
                cols = np.flatnonzero(sel)
                for start in range(0, len(cols), CHUNK):
                    part = cols[start:start + CHUNK]
                    _, idx = aggregate(p.scores[(method, imp)], p.theme_of, w_ind[:, part],
                                       w_theme[:, part], agg, floor)
                    out[:, part] = idx
    return out


def monte_carlo(p: Prepared, fw: Framework, nominal: dict, draws: int, seed: int,
                sensitivity: bool = True) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """All choices varied at once -> (index draws, rank draws); and one at a time ->
    sensitivity: mean and largest absolute rank shift from the nominal rank per choice
    (weights: the first `SENSITIVITY_WEIGHT_DRAWS` weight draws)."""
    k, t = len(p.theme_of), len(p.w_theme)
    choices = draw_choices(fw, draws, seed, k, t)
    floor = fw.settings["geometric_floor"]
    index = simulate(p, choices, floor)
    ranks = rank_by_year(index, p.years)
    if not sensitivity:
        return index, ranks, pd.DataFrame(columns=["factor", "mean_shift", "max_shift"])
    base = {"normalisation": np.full(1, NORMALISATIONS.index(nominal["normalisation"])),
            "aggregation": np.full(1, AGGREGATIONS.index(nominal["aggregation"])),
            "imputation": np.ones(1, bool), "w_ind": np.ones((k, 1)), "w_theme": np.ones((t, 1))}
    nominal_rank = rank_by_year(simulate(p, base, floor), p.years)[:, 0]
    rows = []
    for factor, n_alt in (("normalisation", len(NORMALISATIONS)),
                          ("aggregation", len(AGGREGATIONS)), ("imputation", 2),
                          ("weights", 0)):
        if factor == "weights":
            n = min(draws, SENSITIVITY_WEIGHT_DRAWS)
            alt = dict(base, normalisation=np.repeat(base["normalisation"], n),
                       aggregation=np.repeat(base["aggregation"], n),
                       imputation=np.ones(n, bool), w_ind=choices["w_ind"][:, :n],
                       w_theme=choices["w_theme"][:, :n])
        else:
            levels = [v for v in range(n_alt) if v != int(base[factor][0])] if factor != \
                "imputation" else [0]
            alt = {key: np.repeat(v, len(levels), axis=-1) for key, v in base.items()}
            alt[factor] = np.array(levels, dtype=bool if factor == "imputation" else int)
        r = rank_by_year(simulate(p, alt, floor), p.years)
        shift = np.abs(r - nominal_rank[:, None])
        rows.append({"factor": factor, "mean_shift": float(np.nanmean(shift)),
                     "max_shift": float(np.nanmax(shift))})
    sens = pd.DataFrame(rows).sort_values("mean_shift", ascending=False, kind="stable")
    return index, ranks, sens.reset_index(drop=True)


def _band(ranks: np.ndarray) -> np.ndarray:
    out = np.full((len(ranks), 3), np.nan)
    ok = ~np.isnan(ranks).all(axis=1)
    if ok.any():
        out[ok] = np.percentile(ranks[ok], [50, 5, 95], axis=1).T
    return out


def score_table(level: str, values: pd.DataFrame, p: Prepared, fw: Framework,
                nominal: dict, draws: int, seed: int, ranked: np.ndarray,
                sensitivity: bool = False) -> tuple[pd.DataFrame, dict | None, pd.DataFrame]:
    """Nominal theme scores, index, rank and the Monte Carlo rank band of a set of units;
    also the draws ({'index', 'rank'}: units x draws, NaN for units not ranked) or None."""
    S = p.scores[(nominal["normalisation"], True)]
    themes, index = aggregate(S, p.theme_of, p.w_ind, p.w_theme, nominal["aggregation"],
                              fw.settings["geometric_floor"])
    table = pd.DataFrame(themes[:, :, 0], index=values.index, columns=list(fw.themes["id"]))
    table["index"] = index[:, 0]
    weights = p.w_ind / p.w_ind.sum()
    table["coverage"] = (~np.isnan(p.scores[(nominal["normalisation"], False)])) @ weights
    table["rank"] = np.nan
    table["n_ranked"] = np.nan
    for col in ("rank_median", "rank_p05", "rank_p95"):
        table[col] = np.nan
    mc = None
    sens = pd.DataFrame()
    if ranked.any():
        sub = Prepared({k: v[ranked] for k, v in p.scores.items()}, p.years[ranked], p.theme_of,
                       p.w_ind, p.w_theme)
        nominal_rank = rank_by_year(table["index"].to_numpy()[ranked], sub.years)[:, 0]
        draws_idx, draws_rank, sens = monte_carlo(sub, fw, nominal, draws, seed, sensitivity)
        pos = np.flatnonzero(ranked)
        table.iloc[pos, table.columns.get_loc("rank")] = nominal_rank
        n = pd.Series(sub.years).map(pd.Series(sub.years).value_counts()).to_numpy()
        table.iloc[pos, table.columns.get_loc("n_ranked")] = n
        band = _band(draws_rank)
        for j, col in enumerate(("rank_median", "rank_p05", "rank_p95")):
            table.iloc[pos, table.columns.get_loc(col)] = band[:, j]
        mc = {"index": np.full((len(values), draws), np.nan),
              "rank": np.full((len(values), draws), np.nan)}
        mc["index"][pos] = draws_idx
        mc["rank"][pos] = draws_rank
    table = table.reset_index()
    table.insert(0, "level", level)
    return table, mc, sens


def change_table(table: pd.DataFrame, draws: dict | None, base_year: int, final_year: int
                 ) -> pd.DataFrame:
    """Index and rank change from base to final year, with 90 % Monte Carlo bands."""
    t = table.reset_index(drop=True)
    b = t.index[t["year"] == base_year]
    f = t.index[t["year"] == final_year]
    pos_b = pd.Series(b, index=t.loc[b, "code"])
    pos_f = pd.Series(f, index=t.loc[f, "code"])
    codes = sorted(set(pos_b.index) & set(pos_f.index))
    rows = []
    for code in codes:
        i, j = pos_b[code], pos_f[code]
        row = {"level": t.at[i, "level"], "code": code, "base_year": base_year,
               "final_year": final_year, "index_base": t.at[i, "index"],
               "index_final": t.at[j, "index"], "change": t.at[j, "index"] - t.at[i, "index"],
               "rank_base": t.at[i, "rank"], "rank_final": t.at[j, "rank"]}
        if (draws is not None and not np.isnan(draws["index"][i]).all()
                and not np.isnan(draws["index"][j]).all()):
            dc = draws["index"][j] - draws["index"][i]
            dr = draws["rank"][j] - draws["rank"][i]
            row |= dict(zip(["change_median", "change_p05", "change_p95"],
                            np.percentile(dc, [50, 5, 95])))
            row |= dict(zip(["rank_change_median", "rank_change_p05", "rank_change_p95"],
                            np.percentile(dr, [50, 5, 95])))
        rows.append(row)
    return pd.DataFrame(rows)
