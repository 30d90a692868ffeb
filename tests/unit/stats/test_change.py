"""Survey change and the model guard, checked against scipy, pingouin, statsmodels and hand sums."""

import itertools
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from research.stats import change, models
from research.core.errors import UserError

BASE = np.array([3, 4, 2, 5, 3, 4, 3, 2, 4, 3], dtype=float)
FINAL = np.array([4, 4, 3, 5, 4, 5, 3, 3, 5, 4, 2, 4], dtype=float)


def responses(paired: bool, seed: int = 3, n: int = 12, shift: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        muni = ["232", "846", "151", "218"][i % 4]
        for wave in ("baseline", "final"):
            rid = f"r{i}" if paired else f"r{i}-{wave}"
            for item, _dim in (("dyn_1", "dynamic"), ("dyn_2", "dynamic"), ("coo_1", "coordinated")):
                v = int(np.clip(np.round(3 + rng.normal() + (shift if wave == "final" else 0)),
                                1, 5))
                rows.append({"respondent": rid, "municipality_code": muni, "wave": wave,
                             "role": "leader", "item": item, "value": float(v)})
    return pd.DataFrame(rows)


DIMENSIONS = {"dyn_1": "dynamic", "dyn_2": "dynamic", "coo_1": "coordinated"}


def test_unpaired_difference_matches_pingouin_and_scipy():
    r = change.mean_difference(BASE, FINAL, paired=False)
    welch = stats.ttest_ind(FINAL, BASE, equal_var=False)
    pgt = pg.ttest(FINAL, BASE, correction=True).iloc[0]
    assert r["estimate"] == pytest.approx(FINAL.mean() - BASE.mean())
    assert r["p"] == pytest.approx(welch.pvalue)
    assert [r["ci_low"], r["ci_high"]] == pytest.approx(list(pgt["CI95"]), abs=5e-3)
    assert r["effect_size"] == pytest.approx(pg.compute_effsize(FINAL, BASE, eftype="hedges"))
    assert r["effect_type"] == "hedges_g" and r["method"] == "Welch t"


def test_paired_difference_matches_pingouin():
    b, f = BASE, FINAL[:10]
    r = change.mean_difference(b, f, paired=True)
    pgt = pg.ttest(f, b, paired=True).iloc[0]
    d = f - b
    assert r["estimate"] == pytest.approx(d.mean())
    assert r["p"] == pytest.approx(stats.ttest_rel(f, b).pvalue)
    half = stats.t.ppf(0.975, 9) * d.std(ddof=1) / np.sqrt(10)
    assert [r["ci_low"], r["ci_high"]] == pytest.approx([d.mean() - half, d.mean() + half])
    assert [r["ci_low"], r["ci_high"]] == pytest.approx(list(pgt["CI95"]), abs=5e-3)
    assert r["effect_size"] == pytest.approx(d.mean() / d.std(ddof=1))
    assert r["effect_type"] == "d_z"


def test_linkage_reasons():
    assert change.linkage(responses(True))["design"] == "paired"
    unp = change.linkage(responses(False))
    assert (unp["design"], unp["reason"], unp["n_linked"]) == ("unpaired", "no_links", 0)
    df = responses(False)
    # three respondents answer both waves: too few to pair
    for i in range(3):
        df.loc[df["respondent"] == f"r{i}-final", "respondent"] = f"r{i}-baseline"
    assert change.linkage(df)["reason"] == "few_links"


def test_item_change_bh_and_values():
    df = responses(True)
    out = change.item_change(df)
    assert list(out["item"]) == ["coo_1", "dyn_1", "dyn_2"]
    part = df[df["item"] == "dyn_1"].sort_values("respondent")
    b = part[part["wave"] == "baseline"]["value"].to_numpy()
    f = part[part["wave"] == "final"]["value"].to_numpy()
    row = out.set_index("item").loc["dyn_1"]
    assert row["estimate"] == pytest.approx((f - b).mean())
    assert row["p"] == pytest.approx(stats.ttest_rel(f, b).pvalue)
    assert row["design"] == "paired" and row["n_pairs"] == 12 and row["reason"] == "linked"
    assert list(out["p_adjusted"]) == pytest.approx(
        list(multipletests(out["p"], method="fdr_bh")[1]))


def test_dimension_change_holm_on_respondent_means():
    df = responses(False)
    out = change.dimension_change(df, DIMENSIONS).set_index("dimension")
    dyn = df[df["item"].str.startswith("dyn")].groupby(["wave", "respondent"])["value"].mean()
    expected = dyn["final"].mean() - dyn["baseline"].mean()
    assert out.loc["dynamic", "estimate"] == pytest.approx(expected)
    assert out.loc["dynamic", "p"] == pytest.approx(
        stats.ttest_ind(dyn["final"], dyn["baseline"], equal_var=False).pvalue)
    assert list(out["p_adjusted"]) == pytest.approx(
        list(multipletests(out["p"], method="holm")[1]))
    assert set(out["correction"]) == {"Holm"}
    assert set(out["reason"]) == {"no_links"} and set(out["method"]) == {"Welch t"}


def test_small_groups_get_no_statistics():
    df = responses(False, n=4)
    out = change.item_change(df, min_n=5)
    assert out["estimate"].isna().all() and list(out["n_baseline"]) == [4, 4, 4]


def test_final_item_missing_from_baseline_is_an_error():
    df = responses(True)
    extra = df[df["wave"] == "final"].head(1).assign(item="new_9")
    with pytest.raises(UserError) as exc:
        change.item_change(pd.concat([df, extra]))
    assert str(exc.value) == ("column 'item': item(s) new_9 of wave 'final' are missing from "
                              "wave 'baseline'; change can only be measured on items asked "
                              "in both waves")


def test_ordinal_binary_item_equals_hand_log_odds_ratio():
    # with two categories the ordered logit is a logistic regression: log OR of the 2x2 table
    b = [1] * 6 + [2] * 4           # baseline: 6 low, 4 high
    f = [1] * 3 + [2] * 7           # final: 3 low, 7 high
    df = pd.DataFrame({"respondent": [f"r{i}" for i in range(20)], "item": "x",
                       "wave": ["baseline"] * 10 + ["final"] * 10,
                       "value": np.array(b + f, dtype=float), "municipality_code": "232"})
    out = change.ordinal_change(df).iloc[0]
    assert out["problem"] == ""
    assert out["estimate"] == pytest.approx(np.log((7 / 3) / (4 / 6)), abs=1e-4)
    se = np.sqrt(1 / 6 + 1 / 4 + 1 / 3 + 1 / 7)
    assert out["ci_high"] - out["ci_low"] == pytest.approx(2 * 1.959964 * se, abs=1e-3)


def test_ordinal_single_category_is_reported_not_fitted():
    df = responses(False).assign(value=3.0)
    out = change.ordinal_change(df)
    assert set(out["problem"]) == {"one_category"} and out["estimate"].isna().all()


def four_groups(group_effect: bool) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"g": np.repeat(list("abcd"), 15), "x": np.tile([0.0, 1.0], 30),
                       "y": rng.normal(size=60)})
    df["y"] -= df.groupby("g")["y"].transform("mean")   # no between-group variance at all
    if group_effect:
        df["y"] += df["g"].map({"a": 0.0, "b": 3.0, "c": -2.0, "d": 5.0})
    return df


def test_guard_catches_mixedlm_collapse_on_four_groups():
    fit = models.mixedlm_fit(four_groups(False), "y ~ x", "g")
    assert not fit.ok and fit.problem == "boundary_variance"
    ok = models.mixedlm_fit(four_groups(True), "y ~ x", "g")
    assert ok.ok and float(ok.result.cov_re.iloc[0, 0]) > 1


def test_guard_catches_warnings_nonconvergence_and_nan():
    class Res:
        converged, bse = True, pd.Series([1.0, np.nan], index=["a", "b"])

        def cov_params(self):
            return pd.DataFrame(np.eye(2), index=["a", "b"], columns=["a", "b"])

    def warns():
        warnings.warn("did not converge", ConvergenceWarning)
        return Res()

    assert models.guarded_fit(warns).problem == "warning"
    assert models.guarded_fit(Res).problem == "nan_se"
    assert models.guarded_fit(Res, params=["a"]).ok
    nc = Res()
    nc.converged = False
    assert models.guarded_fit(lambda: nc).problem == "not_converged"

    def boom():
        raise np.linalg.LinAlgError("Singular matrix")
    assert models.guarded_fit(boom).problem == "error"


def test_cluster_ols_matches_statsmodels_and_brute_force_wild_bootstrap():
    df = four_groups(True)
    df["y"] += 0.4 * df["x"]
    out = models.cluster_ols(df, "y ~ x + C(g)", "g", ["x"], bootstrap="rademacher").iloc[0]
    groups = pd.factorize(df["g"], sort=True)[0]
    ref = smf.ols("y ~ x + C(g)", df).fit(cov_type="cluster", cov_kwds={"groups": groups},
                                          use_t=True)
    assert out["estimate"] == pytest.approx(ref.params["x"])
    assert out["se"] == pytest.approx(ref.bse["x"])
    assert out["p"] == pytest.approx(ref.pvalues["x"])
    assert out["few_clusters"] and out["n_clusters"] == 4
    # all 16 Rademacher sign vectors, each refitted with statsmodels
    restricted = smf.ols("y ~ C(g)", df).fit()
    t_obs = ref.tvalues["x"]
    hits = 0
    for signs in itertools.product([-1.0, 1.0], repeat=4):
        ystar = restricted.fittedvalues + restricted.resid * np.array(signs)[groups]
        t = smf.ols("y ~ x + C(g)", df.assign(y=ystar)).fit(
            cov_type="cluster", cov_kwds={"groups": groups}, use_t=True).tvalues["x"]
        hits += abs(t) >= abs(t_obs) - 1e-12
    assert out["p_wild"] == pytest.approx(hits / 16)


def test_fixed_effects_change_and_random_effects_check():
    df = responses(False, n=24)
    fe = change.fixed_effects_change(df, DIMENSIONS, B=199, seed=5)
    assert list(fe["dimension"]) == ["coordinated", "dynamic"]
    assert (fe["n_clusters"] == 4).all() and fe["few_clusters"].all()
    again = change.fixed_effects_change(df, DIMENSIONS, B=199, seed=5)
    pd.testing.assert_frame_equal(fe, again)
    re_ = change.random_effects_check(df, DIMENSIONS)
    assert list(re_["dimension"]) == ["coordinated", "dynamic"]


def test_dont_know_answers_are_skipped_in_dimension_scores():
    df = pd.DataFrame({"respondent": ["a", "a", "b", "b"], "wave": "baseline",
                       "item": ["dyn_1", "dyn_2", "dyn_1", "dyn_2"],
                       "value": [4.0, np.nan, np.nan, np.nan]})
    out = change.dimension_scores(df, DIMENSIONS)
    assert out.to_dict("list") == {"dimension": ["dynamic"], "wave": ["baseline"],
                                   "respondent": ["a"], "value": [4.0]}
