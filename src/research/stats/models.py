"""Models that can be trusted with few municipalities, and a guard against those that cannot.

With four programme municipalities a random-effects model (statsmodels `MixedLM`) typically
puts its group variance on the boundary (zero) and says so only in a warning; its standard
errors then look precise and are not. This module therefore

- fits every model through `guarded_fit`, which turns a degenerate fit (not converged,
  warnings such as `ConvergenceWarning`, zero group variance, singular covariance of the
  coefficients of interest, NaN standard errors, an exception) into a `Fit` whose `ok` is
  False and whose `problem` says why, so that a report shows the problem, never the numbers;
- estimates with municipality *fixed* effects, cluster-robust (CR1) standard errors with
  t(G-1) reference, and a wild cluster restricted bootstrap (Webb six-point or Rademacher
  weights, seeded), because cluster-robust inference alone is too liberal with few clusters.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

#: Below this many clusters the cluster-robust standard errors are flagged as unreliable.
FEW_CLUSTERS = 20

#: Webb's six-point weights (Webb 2023), recommended when there are fewer than ~12 clusters.
WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
RADEMACHER = np.array([-1.0, 1.0])

#: Enumerate every distinct weight draw when there are at most this many (Webb weights with up
#: to 4 clusters: 6^4 = 1,296; Rademacher with up to 12): the exact p then costs about as much
#: as B ~ 1,000 sampled draws and has no Monte Carlo error.
ENUMERATE_MAX = 4096


@dataclass
class Fit:
    """A fitted model, or the reason it must not be reported.

    `problem` is '' for a usable fit, else one of 'error', 'warning', 'not_converged',
    'boundary_variance', 'singular_covariance', 'nan_se'; `detail` is the technical message.
    """

    result: Any
    problem: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem == ""


def _converged(result) -> bool:
    if hasattr(result, "converged"):
        return bool(result.converged)
    retvals = getattr(result, "mle_retvals", None)
    if isinstance(retvals, dict) and "converged" in retvals:
        return bool(retvals["converged"])
    return True


def guarded_fit(fit: Callable[[], Any], params: Sequence[str] | None = None,
                variance_tol: float = 1e-6, joint: bool = True) -> Fit:
    """Run `fit()` and check the result; a degenerate fit comes back with `ok` False.

    `params` names the coefficients whose covariance must be finite and non-singular (all
    when None); with `joint` False each one's variance is checked on its own (an event study
    with more terms than clusters has a singular joint covariance by construction, yet each
    coefficient's interval is defined). Fixed-effect dummies are left out on purpose: with clustering by
    the same groups their cluster-robust variance is degenerate by construction.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fit()
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as exc:
            return Fit(None, "error", f"{type(exc).__name__}: {exc}")
    if not _converged(result):
        return Fit(result, "not_converged", "the optimiser did not converge")
    cov_re = getattr(result, "cov_re", None)
    if cov_re is not None:
        variance = np.atleast_1d(np.diag(np.asarray(cov_re, dtype=float)))
        scale = float(getattr(result, "scale", 1.0)) or 1.0
        if np.any(~np.isfinite(variance)) or np.any(variance <= variance_tol * scale):
            return Fit(result, "boundary_variance",
                       f"group variance {variance.tolist()} is on the boundary (zero)")
    relevant = [w for w in caught if not issubclass(w.category, (DeprecationWarning,
                                                                 PendingDeprecationWarning,
                                                                 FutureWarning))]
    if relevant:
        w = relevant[0]
        return Fit(result, "warning", f"{w.category.__name__}: {w.message}")
    bse, cov = result.bse, result.cov_params()
    if params is not None and isinstance(bse, pd.Series):
        bse, cov = bse[list(params)], cov.loc[list(params), list(params)]
    bse, cov = np.asarray(bse, dtype=float), np.atleast_2d(np.asarray(cov, dtype=float))
    if not np.all(np.isfinite(bse)):
        return Fit(result, "nan_se", "a standard error is not a number")
    if not np.all(np.isfinite(cov)):
        return Fit(result, "singular_covariance", "the covariance matrix is not finite")
    if not joint:
        cov = np.diag(np.diag(cov))
    eig = np.linalg.eigvalsh((cov + cov.T) / 2)
    if eig.size and eig.min() <= 1e-12 * max(eig.max(), 1e-300):
        return Fit(result, "singular_covariance",
                   f"covariance of the coefficients is singular (smallest eigenvalue {eig.min():.3g})")
    return Fit(result)


def mixedlm_fit(df: pd.DataFrame, formula: str, group: str) -> Fit:
    """A random-intercept model, through the guard (with few groups it is usually degenerate)."""
    import statsmodels.formula.api as smf

    return guarded_fit(lambda: smf.mixedlm(formula, df, groups=df[group]).fit(reml=True))


def _cr1_factor(n: int, k: int, g: int) -> float:
    return g / (g - 1) * (n - 1) / (n - k)


def wild_cluster_bootstrap(y: np.ndarray, X: np.ndarray, groups: np.ndarray, coef: int,
                           weights: str = "webb", B: int = 999, seed: int = 0,
                           enumerate_max: int = ENUMERATE_MAX) -> dict:
    """Wild cluster restricted (WCR) bootstrap-t p-value for H0: beta[coef] = 0.

    The null is imposed (the model is refitted without column `coef`), the restricted
    residuals are multiplied by one weight per cluster, and the CR1 t statistic of each draw is
    compared with the observed one. When the weights allow at most `max(B, enumerate_max)`
    distinct draws (Rademacher 2^G, Webb 6^G) every draw is enumerated, so the p-value is
    exact and seedless; otherwise `B` draws are sampled. Returns {t, p, draws, weights,
    enumerated, mc_se}: `mc_se` is the Monte Carlo standard error of a sampled p,
    sqrt(p(1 - p)/B), and 0 for an enumerated one.
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    codes, groups = np.unique(np.asarray(groups), return_inverse=True)
    G, (n, k) = len(codes), X.shape
    points = WEBB if weights == "webb" else RADEMACHER
    if weights not in ("webb", "rademacher"):
        raise ValueError("weights must be 'webb' or 'rademacher'")
    xtx_inv = np.linalg.pinv(X.T @ X)
    a = X @ xtx_inv[:, coef]                      # beta_k = a' y
    c = _cr1_factor(n, k, G)

    def t_stats(Y: np.ndarray) -> np.ndarray:     # Y: n x D
        beta = xtx_inv @ (X.T @ Y)
        resid = Y - X @ beta
        scores = np.zeros((G, Y.shape[1]))
        np.add.at(scores, groups, a[:, None] * resid)
        se = np.sqrt(c * (scores ** 2).sum(axis=0))
        return beta[coef] / se

    t_obs = float(t_stats(y[:, None])[0])
    Xr = np.delete(X, coef, axis=1)
    beta_r = np.linalg.lstsq(Xr, y, rcond=None)[0]
    fitted_r, resid_r = Xr @ beta_r, y - Xr @ beta_r
    enumerated = len(points) ** G <= max(B, enumerate_max)
    if enumerated:
        W = np.array(list(itertools.product(points, repeat=G))).T          # G x D
    else:
        W = np.random.default_rng(seed).choice(points, size=(G, B))
    Ystar = fitted_r[:, None] + resid_r[:, None] * W[groups]
    t_star = t_stats(Ystar)
    p = float(np.mean(np.abs(t_star) >= abs(t_obs) - 1e-12))
    mc_se = 0.0 if enumerated else float(np.sqrt(p * (1 - p) / W.shape[1]))
    return {"t": t_obs, "p": p, "draws": int(W.shape[1]), "weights": weights,
            "enumerated": bool(enumerated), "mc_se": mc_se}


def cluster_ols(df: pd.DataFrame, formula: str, group: str, terms: Sequence[str],
                confidence: float = 0.95, bootstrap: str = "webb", B: int = 999,
                seed: int = 0) -> pd.DataFrame:
    """OLS with cluster-robust (CR1, t with G-1 df) inference and a wild cluster bootstrap.

    One row per term in `terms`: estimate, se, ci_low, ci_high, p (cluster-robust),
    p_wild (wild cluster restricted bootstrap) with `wild_draws` (its number of draws) and
    `wild_exact` (every distinct draw enumerated), n, n_clusters, few_clusters, method, problem.
    A degenerate fit gives NaN numbers and its `problem` code.
    """
    import statsmodels.formula.api as smf

    df = df.reset_index(drop=True)
    groups = pd.factorize(df[group], sort=True)[0]
    G = int(groups.max()) + 1 if len(groups) else 0
    model = smf.ols(formula, df)
    fit = guarded_fit(lambda: model.fit(cov_type="cluster", cov_kwds={"groups": groups},
                                        use_t=True), params=list(terms))
    rows = []
    for term in terms:
        row = {"term": term, "n": len(df), "n_clusters": G, "few_clusters": G < FEW_CLUSTERS,
               "method": f"OLS, CR1 (t, {max(G - 1, 0)} df) + wild cluster bootstrap "
                         f"({bootstrap})", "problem": fit.problem}
        if fit.ok:
            res = fit.result
            ci = res.conf_int(alpha=1 - confidence).loc[term]
            X = model.exog
            wild = wild_cluster_bootstrap(model.endog, X, groups,
                                          model.exog_names.index(term), bootstrap, B, seed)
            row.update(estimate=float(res.params[term]), se=float(res.bse[term]),
                       ci_low=float(ci.iloc[0]), ci_high=float(ci.iloc[1]),
                       p=float(res.pvalues[term]), p_wild=wild["p"],
                       wild_draws=wild["draws"], wild_exact=wild["enumerated"])
        else:
            row.update(estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, p=np.nan,
                       p_wild=np.nan, wild_draws=0, wild_exact=False)
        rows.append(row)
    cols = ["term", "estimate", "se", "ci_low", "ci_high", "p", "p_wild", "wild_draws",
            "wild_exact", "n", "n_clusters", "few_clusters", "method", "problem"]
    return pd.DataFrame(rows, columns=cols)
