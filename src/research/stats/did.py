"""Indicator change of the programme municipalities against comparison municipalities.

Three views of one yearly panel (`unit, year, value`, e.g. the unemployment rate):

- `twfe_did`: difference-in-differences as a two-way fixed-effects OLS (unit and year
  effects) with separate effects for the programme years (`during`) and the years after
  (`after`), cluster-robust by unit and with a seeded wild cluster bootstrap, because ten
  or so municipalities are few clusters;
- `event_study` and `pretrend_test`: the treated-minus-comparison gap year by year relative
  to the programme start (the year before is the reference), and a check that the gap did
  not already move before the programme;
- `synthetic_control` and `synth_placebos`: for the sub-region, a weighted average of donor
  municipalities (weights non-negative, summing to 1, fitted on the years before) and the
  same fit for each donor in turn, whose post/pre RMSPE ratios give a permutation p-value.

None of these proves causation with so few units and a short programme; the report says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize

from research.core.errors import UserError
from research.stats.models import cluster_ols, guarded_fit

PERIODS = ("before", "during", "after")


def rate(numerator: pd.DataFrame, denominator: pd.DataFrame, keys=("unit", "year"),
         scale: float = 100.0) -> pd.DataFrame:
    """`scale * numerator / denominator` matched on `keys` (e.g. unemployed / labour force)."""
    keys = list(keys)
    df = numerator[keys + ["value"]].merge(denominator[keys + ["value"]], on=keys,
                                           suffixes=("_num", "_den"), validate="one_to_one")
    df["value"] = scale * df["value_num"] / df["value_den"]
    return df[keys + ["value"]]


def yearly_mean(monthly: pd.DataFrame) -> pd.DataFrame:
    """Monthly `unit, month ('YYYY-MM'), value` -> yearly `unit, year, value` (mean of months)."""
    year = monthly["month"].astype(str).str[:4].astype(int)
    return (monthly.assign(year=year).groupby(["unit", "year"], as_index=False, sort=True)
            ["value"].mean())


def did_panel(values: pd.DataFrame, treated: list[str], comparison: list[str],
              start: int, end: int) -> pd.DataFrame:
    """The panel of treated and comparison units: adds `treated`, `period` and the DiD terms.

    `period` is 'before' (< start), 'during' (start..end) or 'after' (> end); `did_during`
    and `did_after` are treated x period indicators. Units in both lists are an error.
    """
    both = sorted(set(treated) & set(comparison))
    if both:
        raise UserError(f"{', '.join(both)} is both a programme and a comparison "
                        "municipality; a comparison municipality must be outside the programme")
    df = values[values["unit"].isin(list(treated) + list(comparison))].dropna(subset=["value"])
    df = df.sort_values(["unit", "year"], kind="stable").reset_index(drop=True)
    df["treated"] = df["unit"].isin(treated).astype(float)
    df["period"] = np.select([df["year"] < start, df["year"] > end], ["before", "after"],
                             "during")
    df["did_during"] = df["treated"] * (df["period"] == "during")
    df["did_after"] = df["treated"] * (df["period"] == "after")
    return df


def twfe_did(panel: pd.DataFrame, confidence: float = 0.95, seed: int = 0,
             B: int = 999) -> pd.DataFrame:
    """DiD by two-way fixed effects: value ~ did_during + did_after + C(unit) + C(year).

    One row per period ('during', 'after'): the change of the treated-minus-comparison gap
    against the years before, with CR1 interval and p and the wild-bootstrap p (`p_wild`).
    """
    out = cluster_ols(panel, "value ~ did_during + did_after + C(unit) + C(year)", "unit",
                      ["did_during", "did_after"], confidence, "webb", B, seed)
    out.insert(0, "period", out.pop("term").str.removeprefix("did_"))
    out["n_treated"] = panel.loc[panel["treated"] == 1, "unit"].nunique()
    out["n_comparison"] = panel.loc[panel["treated"] == 0, "unit"].nunique()
    return out


def _event_terms(panel: pd.DataFrame, event_year: int, reference: int):
    rel = panel["year"] - event_year
    df = panel.assign(rel=rel)
    names = {}
    for k in sorted(rel.unique()):
        if k == reference:
            continue
        name = f"ev_m{-k}" if k < 0 else f"ev_p{k}"
        df[name] = df["treated"] * (rel == k)
        names[name] = int(k)
    return df, names


def _fit_cluster(df: pd.DataFrame, formula: str, params: list[str], joint: bool):
    import statsmodels.formula.api as smf

    groups = pd.factorize(df["unit"], sort=True)[0]
    return guarded_fit(lambda: smf.ols(formula, df).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True), params=params,
        joint=joint)


def event_study(panel: pd.DataFrame, event_year: int, reference: int = -1,
                confidence: float = 0.95) -> pd.DataFrame:
    """Treated x relative-year effects (reference year = 0) with cluster-robust intervals.

    Columns: rel_time, year, estimate, ci_low, ci_high, p, problem. A degenerate fit gives
    NaN numbers with its problem code.
    """
    df, names = _event_terms(panel, event_year, reference)
    formula = "value ~ " + " + ".join(list(names) + ["C(unit)", "C(year)"])
    fit = _fit_cluster(df, formula, list(names), joint=False)
    rows = [{"rel_time": reference, "estimate": 0.0, "ci_low": 0.0, "ci_high": 0.0,
             "p": np.nan, "problem": ""}]
    for name, k in names.items():
        row = {"rel_time": k, "problem": fit.problem}
        if fit.ok:
            ci = fit.result.conf_int(alpha=1 - confidence).loc[name]
            row.update(estimate=float(fit.result.params[name]), ci_low=float(ci.iloc[0]),
                       ci_high=float(ci.iloc[1]), p=float(fit.result.pvalues[name]))
        rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=["rel_time", "estimate", "ci_low", "ci_high", "p",
                                              "problem"])
    out.insert(1, "year", out["rel_time"] + event_year)
    return out.sort_values("rel_time").reset_index(drop=True)


def pretrend_test(panel: pd.DataFrame, event_year: int, reference: int = -1, seed: int = 0,
                  B: int = 999) -> pd.DataFrame:
    """Did the gap move before the programme? Two tests, one row each.

    'joint': cluster-robust F test that every lead is zero. The cluster-robust covariance has
    rank at most G-1, so with more leads than that the test is not defined and the row says
    'too_many_leads' instead of a p-value. 'linear': a differential linear trend of the treated
    units in the years before (value ~ treated:year + C(unit) + C(year)), with CR1 and wild
    bootstrap p-values.
    """
    df, names = _event_terms(panel, event_year, reference)
    leads = [n for n, k in names.items() if k < 0]
    G = panel["unit"].nunique()
    joint = {"test": "joint", "statistic": np.nan, "df": len(leads), "p": np.nan,
             "p_wild": np.nan, "wild_draws": 0, "wild_exact": False, "n_clusters": G,
             "problem": ""}
    if not leads:
        joint["problem"] = "no_leads"
    elif len(leads) > G - 1:
        joint["problem"] = "too_many_leads"
    else:
        formula = "value ~ " + " + ".join(list(names) + ["C(unit)", "C(year)"])
        fit = _fit_cluster(df, formula, leads, joint=True)
        joint["problem"] = fit.problem
        if fit.ok:
            test = fit.result.f_test(", ".join(f"{n} = 0" for n in leads))
            joint.update(statistic=float(np.squeeze(test.fvalue)), p=float(test.pvalue))
    pre = panel[panel["year"] < event_year].assign(
        trend=lambda d: d["treated"] * (d["year"] - event_year))
    lin = cluster_ols(pre, "value ~ trend + C(unit) + C(year)", "unit", ["trend"],
                      seed=seed, B=B).iloc[0]
    linear = {"test": "linear", "statistic": lin["estimate"], "df": 1, "p": lin["p"],
              "p_wild": lin["p_wild"], "wild_draws": int(lin["wild_draws"]),
              "wild_exact": bool(lin["wild_exact"]), "n_clusters": G, "problem": lin["problem"]}
    return pd.DataFrame([joint, linear])


def synth_weights(target: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """Non-negative weights summing to 1 minimising ||target - donors @ w||^2 (SLSQP)."""
    target = np.asarray(target, dtype=float)
    donors = np.asarray(donors, dtype=float)
    J = donors.shape[1]
    scale = float(np.mean(target ** 2)) or 1.0

    def loss(w):
        r = target - donors @ w
        return r @ r / scale

    def grad(w):
        return -2 * donors.T @ (target - donors @ w) / scale

    res = optimize.minimize(loss, np.full(J, 1.0 / J), jac=grad, method="SLSQP",
                            bounds=[(0.0, 1.0)] * J,
                            constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0,
                                          "jac": lambda w: np.ones_like(w)}],
                            options={"ftol": 1e-12, "maxiter": 1000})
    w = np.clip(res.x, 0.0, None)
    return w / w.sum()


def _rmspe(gap: pd.Series) -> float:
    return float(np.sqrt(np.mean(np.square(gap)))) if len(gap) else np.nan


def synthetic_control(wide: pd.DataFrame, treated: str, donors: list[str],
                      event_year: int) -> dict:
    """Synthetic control of column `treated` from `donors` (a year x unit table).

    Returns {weights: Series, path: DataFrame(year, actual, synthetic, gap), rmspe_pre,
    rmspe_post, ratio}. Years with a missing value in any used column are dropped.
    """
    data = wide[[treated] + list(donors)].dropna().sort_index()
    pre = data.index < event_year
    if pre.sum() < 2:
        raise ValueError("synthetic control needs at least two years before the programme")
    w = synth_weights(data.loc[pre, treated].to_numpy(), data.loc[pre, donors].to_numpy())
    synthetic = data[donors].to_numpy() @ w
    path = pd.DataFrame({"year": data.index.astype(int), "actual": data[treated].to_numpy(),
                         "synthetic": synthetic})
    path["gap"] = path["actual"] - path["synthetic"]
    pre_gap, post_gap = path.loc[pre, "gap"], path.loc[~pre, "gap"]
    rmspe_pre, rmspe_post = _rmspe(pre_gap), _rmspe(post_gap)
    return {"weights": pd.Series(w, index=list(donors), name="weight"), "path": path,
            "rmspe_pre": rmspe_pre, "rmspe_post": rmspe_post,
            "ratio": rmspe_post / rmspe_pre if rmspe_pre > 0 else np.inf}


def synth_placebos(wide: pd.DataFrame, treated: str, donors: list[str],
                   event_year: int, pre_rmspe_max: float = 2.0) -> pd.DataFrame:
    """The treated unit and every donor as a placebo 'treated' unit (donors without the treated).

    Columns: unit, role ('treated'|'placebo'), rmspe_pre, rmspe_post, ratio, rank (1 = largest
    ratio), p, kept, rank_kept, p_kept, n_kept. `p` (on every row) is the permutation p-value
    of the treated unit: the share of all units whose post/pre RMSPE ratio is at least the
    treated unit's. `p_kept` is the same among the units whose pre-period RMSPE is at most
    `pre_rmspe_max` times the treated unit's (`kept`; Abadie, Diamond and Hainmueller 2010):
    a placebo that was not fitted well before the programme says nothing about the treated.
    """
    rows = []
    for unit in [treated] + sorted(donors):
        pool = [d for d in donors if d != unit]
        sc = synthetic_control(wide, unit, pool, event_year)
        rows.append({"unit": unit, "role": "treated" if unit == treated else "placebo",
                     "rmspe_pre": sc["rmspe_pre"], "rmspe_post": sc["rmspe_post"],
                     "ratio": sc["ratio"]})
    out = pd.DataFrame(rows)
    out["rank"] = out["ratio"].rank(ascending=False, method="min").astype(int)
    is_treated = out["role"] == "treated"
    treated_ratio = out.loc[is_treated, "ratio"].iloc[0]
    out["p"] = float(np.mean(out["ratio"] >= treated_ratio - 1e-12))
    treated_pre = out.loc[is_treated, "rmspe_pre"].iloc[0]
    out["kept"] = is_treated | (out["rmspe_pre"] <= pre_rmspe_max * treated_pre + 1e-12)
    kept = out.loc[out["kept"], "ratio"]
    out["rank_kept"] = kept.rank(ascending=False, method="min").reindex(out.index).astype("Int64")
    out["p_kept"] = float(np.mean(kept >= treated_ratio - 1e-12))
    out["n_kept"] = int(out["kept"].sum())
    return out
