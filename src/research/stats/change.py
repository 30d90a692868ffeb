"""Survey change from the baseline wave to the final wave, per item and per dimension.

One function per statistic, each returning a tidy DataFrame in the style of pingouin
(estimate, ci_low, ci_high, effect size, p, p_adjusted, method):

- `linkage` decides once for the whole survey whether the waves are analysed *paired*
  (respondents' pseudonyms link the waves) or *unpaired* (Welch), and records why;
- `mean_difference` is the difference final - baseline with its t interval and effect size
  (Hedges' g for unpaired samples, d_z for paired ones);
- `item_change` applies it per item with Benjamini-Hochberg across items;
- `dimension_change` uses each respondent's mean over a dimension's items, with Holm across
  the target-state dimensions;
- `ordinal_change` treats each item as ordinal (statsmodels `OrderedModel`, wave as the only
  predictor) beside the mean-based view, with BH across items.

Rows for groups smaller than `min_n` keep their counts but no statistics (privacy and
honesty: a mean of three answers is not evidence).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from research.core.errors import UserError
from research.stats.models import guarded_fit

RESULT_COLUMNS = ["estimate", "ci_low", "ci_high", "effect_size", "effect_type", "d_av", "p",
                  "p_adjusted", "method", "design", "n_baseline", "n_final", "n_pairs",
                  "mean_baseline", "mean_final"]


def check_waves(responses: pd.DataFrame, baseline: str = "baseline", final: str = "final",
                file: str | None = None) -> None:
    """Both waves present, and every final-wave item asked at the baseline too."""
    waves = set(responses["wave"].dropna().unique())
    for wave in (baseline, final):
        if wave not in waves:
            raise UserError(f"no responses of wave '{wave}' (waves found: "
                            f"{', '.join(sorted(waves)) or 'none'})", file=file, column="wave")
    base_items = set(responses.loc[responses["wave"] == baseline, "item"])
    extra = sorted(set(responses.loc[responses["wave"] == final, "item"]) - base_items)
    if extra:
        raise UserError(f"item(s) {', '.join(extra)} of wave '{final}' are missing from wave "
                        f"'{baseline}'; change can only be measured on items asked in both "
                        "waves", file=file, column="item")


def linkage(responses: pd.DataFrame, baseline: str = "baseline", final: str = "final",
            min_pairs: int = 5) -> dict:
    """Paired or unpaired, and why: {design, reason, n_linked, n_baseline, n_final}.

    Paired when at least `min_pairs` pseudonyms answer both waves and they are at least half
    of the respondents of each wave; otherwise unpaired (Welch). `reason` is a code:
    'linked', 'no_links', 'few_links' or 'partly_linked' (the report explains each one).
    """
    base = set(responses.loc[responses["wave"] == baseline, "respondent"])
    fin = set(responses.loc[responses["wave"] == final, "respondent"])
    linked = len(base & fin)
    out = {"n_linked": linked, "n_baseline": len(base), "n_final": len(fin)}
    if linked == 0:
        return {"design": "unpaired", "reason": "no_links", **out}
    if linked < min_pairs:
        return {"design": "unpaired", "reason": "few_links", **out}
    if linked < 0.5 * len(base) or linked < 0.5 * len(fin):
        return {"design": "unpaired", "reason": "partly_linked", **out}
    return {"design": "paired", "reason": "linked", **out}


def mean_difference(baseline, final, paired: bool = False, confidence: float = 0.95) -> dict:
    """Difference of means final - baseline with its t interval, effect size and p.

    Unpaired: Welch's t (unequal variances, Welch-Satterthwaite df) and Hedges' g (Cohen's d
    with the pooled SD, times 1 - 3/(4(n1+n2)-9)). Paired (arrays aligned by respondent):
    t on the differences and d_z = mean difference / SD of the differences; beside it
    d_av = mean difference / sqrt((SD_baseline^2 + SD_final^2) / 2), the change in units of
    the answers' usual spread (Cumming 2012; `pingouin.compute_effsize(paired=True)`), which
    is comparable with an unpaired d. `d_av` is NaN for unpaired samples (Hedges' g is
    already in those units).
    """
    b = np.asarray(baseline, dtype=float)
    f = np.asarray(final, dtype=float)
    alpha = 1 - confidence
    if paired:
        if len(b) != len(f):
            raise ValueError("paired samples must have the same length")
        d = f - b
        n = len(d)
        est, se, dof = d.mean(), d.std(ddof=1) / np.sqrt(n), n - 1
        p = float(stats.ttest_rel(f, b).pvalue)
        effect, etype, method = d.mean() / d.std(ddof=1), "d_z", "paired t"
        d_av = d.mean() / np.sqrt((b.var(ddof=1) + f.var(ddof=1)) / 2)
    else:
        n1, n2 = len(f), len(b)
        v1, v2 = f.var(ddof=1), b.var(ddof=1)
        est = f.mean() - b.mean()
        se = np.sqrt(v1 / n1 + v2 / n2)
        dof = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
        p = float(stats.ttest_ind(f, b, equal_var=False).pvalue)
        pooled = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
        effect = est / pooled * (1 - 3 / (4 * (n1 + n2) - 9))
        etype, method, d_av = "hedges_g", "Welch t", np.nan
    half = stats.t.ppf(1 - alpha / 2, dof) * se
    return {"estimate": float(est), "ci_low": float(est - half), "ci_high": float(est + half),
            "effect_size": float(effect), "effect_type": etype, "d_av": float(d_av), "p": p,
            "method": method,
            "mean_baseline": float(b.mean()), "mean_final": float(f.mean())}


def _compare(scores: pd.DataFrame, key: str, design: str, baseline: str, final: str,
             min_n: int, confidence: float) -> pd.DataFrame:
    """Per value of `key`: the difference of `value` between the waves (scores are tidy)."""
    rows = []
    for name, part in scores.groupby(key, sort=True):
        b = part[part["wave"] == baseline].set_index("respondent")["value"].dropna()
        f = part[part["wave"] == final].set_index("respondent")["value"].dropna()
        paired = design == "paired"
        if paired:
            common = b.index.intersection(f.index).sort_values()
            b, f = b.loc[common], f.loc[common]
        row = {key: name, "design": design, "n_baseline": len(b), "n_final": len(f),
               "n_pairs": len(b) if paired else 0}
        if min(len(b), len(f)) >= max(min_n, 2):
            row.update(mean_difference(b.to_numpy(), f.to_numpy(), paired, confidence))
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.reindex(columns=[key] + RESULT_COLUMNS)


def _design(responses: pd.DataFrame, design: str | None, baseline: str, final: str,
            min_n: int) -> tuple[str, str]:
    """The design and its reason code: from `linkage`, or 'given' when the caller chose it."""
    if design is not None:
        if design not in ("paired", "unpaired"):
            raise ValueError("design must be 'paired' or 'unpaired'")
        return design, "given"
    link = linkage(responses, baseline, final, min_n)
    return link["design"], link["reason"]


def _adjust(df: pd.DataFrame, method: str) -> pd.DataFrame:
    ok = df["p"].notna()
    df["p_adjusted"] = np.nan
    if ok.any():
        df.loc[ok, "p_adjusted"] = multipletests(df.loc[ok, "p"].to_numpy(float),
                                                 method=method)[1]
    df["correction"] = {"fdr_bh": "Benjamini-Hochberg", "holm": "Holm"}[method]
    return df


def item_change(responses: pd.DataFrame, design: str | None = None,
                baseline: str = "baseline", final: str = "final", min_n: int = 5,
                confidence: float = 0.95) -> pd.DataFrame:
    """Per item: difference final - baseline, interval, effect size, p and BH-adjusted p.

    `design` None lets `linkage` decide paired or unpaired; `reason` says why (see there).
    """
    check_waves(responses, baseline, final)
    design, reason = _design(responses, design, baseline, final, min_n)
    out = _compare(responses[responses["wave"].isin([baseline, final])], "item", design,
                   baseline, final, min_n, confidence)
    return _adjust(out.assign(reason=reason), "fdr_bh")


def dimension_scores(responses: pd.DataFrame, dimensions: Mapping[str, str]) -> pd.DataFrame:
    """Each respondent's mean over the answered items of each dimension, per wave.

    Unanswered ("don't know", NaN) items are skipped; a respondent with no answer in a
    dimension has no score there.
    """
    unknown = sorted(set(responses["item"]) - set(dimensions))
    if unknown:
        raise UserError(f"item(s) {', '.join(unknown)} have no dimension in the instrument",
                        column="item")
    df = responses.assign(dimension=responses["item"].map(dimensions))
    return (df.groupby(["dimension", "wave", "respondent"], as_index=False, sort=True)["value"]
            .mean().dropna(subset=["value"]).reset_index(drop=True))


def dimension_change(responses: pd.DataFrame, dimensions: Mapping[str, str],
                     design: str | None = None, baseline: str = "baseline",
                     final: str = "final", min_n: int = 5,
                     confidence: float = 0.95) -> pd.DataFrame:
    """Per dimension: difference of respondents' dimension means, with Holm across dimensions."""
    check_waves(responses, baseline, final)
    design, reason = _design(responses, design, baseline, final, min_n)
    scores = dimension_scores(responses[responses["wave"].isin([baseline, final])], dimensions)
    out = _compare(scores, "dimension", design, baseline, final, min_n, confidence)
    return _adjust(out.assign(reason=reason), "holm")


def ordinal_change(responses: pd.DataFrame, baseline: str = "baseline", final: str = "final",
                   min_n: int = 5, confidence: float = 0.95) -> pd.DataFrame:
    """Per item: proportional-odds (ordered logit) model with the wave as the only predictor.

    `estimate` is the log odds ratio of answering higher in the final wave (CI and p from the
    model), `odds_ratio` its exponential; `problem` names a degenerate fit (no numbers then).
    The model treats the waves as independent samples even where respondents are linked.
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    check_waves(responses, baseline, final)
    rows = []
    data = responses[responses["wave"].isin([baseline, final])].dropna(subset=["value"])
    for item, part in data.groupby("item", sort=True):
        n_b = int((part["wave"] == baseline).sum())
        n_f = int((part["wave"] == final).sum())
        row = {"item": item, "n_baseline": n_b, "n_final": n_f, "method": "ordered logit",
               "problem": ""}
        levels = np.sort(part["value"].unique())
        if min(n_b, n_f) < max(min_n, 2):
            row["problem"] = "small_n"
        elif len(levels) < 2:
            row["problem"] = "one_category"
        else:
            endog = pd.Series(pd.Categorical(part["value"], categories=levels, ordered=True))
            exog = pd.DataFrame({"final": (part["wave"] == final).astype(float).to_numpy()})
            fit = guarded_fit(lambda: OrderedModel(endog, exog, distr="logit").fit(
                method="bfgs", disp=False, maxiter=500), params=["final"])
            row["problem"] = fit.problem
            if fit.ok:
                res = fit.result
                ci = res.conf_int(alpha=1 - confidence).loc["final"]
                row.update(estimate=float(res.params["final"]), ci_low=float(ci.iloc[0]),
                           ci_high=float(ci.iloc[1]), p=float(res.pvalues["final"]))
        rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=["item", "estimate", "ci_low", "ci_high", "p",
                                              "method", "n_baseline", "n_final", "problem"])
    out["odds_ratio"] = np.exp(out["estimate"])
    return _adjust(out, "fdr_bh")


def fixed_effects_change(responses: pd.DataFrame, dimensions: Mapping[str, str],
                         baseline: str = "baseline", final: str = "final", seed: int = 0,
                         B: int = 999, confidence: float = 0.95) -> pd.DataFrame:
    """Across municipalities, per dimension: score ~ final + municipality fixed effects.

    Standard errors are clustered by municipality (CR1, t with G-1 df) and the p-value is
    also given by a seeded wild cluster bootstrap (Webb weights), because with four clusters
    the cluster-robust p-value alone is too optimistic. Holm across dimensions (on the
    bootstrap p-value).
    """
    from research.stats.models import cluster_ols

    check_waves(responses, baseline, final)
    data = responses[responses["wave"].isin([baseline, final])]
    muni = data.drop_duplicates(["respondent", "wave"]).set_index(["respondent", "wave"])[
        "municipality_code"]
    scores = dimension_scores(data, dimensions)
    scores["municipality_code"] = [muni[(r, w)] for r, w in zip(scores["respondent"],
                                                                scores["wave"])]
    scores["final"] = (scores["wave"] == final).astype(float)
    parts = []
    for dim, part in scores.groupby("dimension", sort=True):
        res = cluster_ols(part, "value ~ final + C(municipality_code)", "municipality_code",
                          ["final"], confidence, "webb", B, seed)
        parts.append(res.assign(dimension=dim))
    out = pd.concat(parts, ignore_index=True).drop(columns="term")
    ok = out["p_wild"].notna()
    out["p_adjusted"] = np.nan
    if ok.any():
        out.loc[ok, "p_adjusted"] = multipletests(out.loc[ok, "p_wild"].to_numpy(float),
                                                  method="holm")[1]
    return out[["dimension"] + [c for c in out.columns if c != "dimension"]]


def random_effects_check(responses: pd.DataFrame, dimensions: Mapping[str, str],
                         baseline: str = "baseline", final: str = "final") -> pd.DataFrame:
    """Per dimension: does a random-intercept model (MixedLM) fit at all? {dimension, problem}.

    Shown in the report only as a diagnosis: why the fixed-effects model is used instead.
    """
    from research.stats.models import mixedlm_fit

    data = responses[responses["wave"].isin([baseline, final])]
    muni = data.drop_duplicates(["respondent"]).set_index("respondent")["municipality_code"]
    scores = dimension_scores(data, dimensions)
    scores["municipality_code"] = scores["respondent"].map(muni)
    scores["final"] = (scores["wave"] == final).astype(float)
    rows = []
    for dim, part in scores.groupby("dimension", sort=True):
        fit = mixedlm_fit(part.reset_index(drop=True), "value ~ final", "municipality_code")
        rows.append({"dimension": dim, "problem": fit.problem, "detail": fit.detail})
    return pd.DataFrame(rows, columns=["dimension", "problem", "detail"])
