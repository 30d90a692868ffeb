"""Issue 14: no sentence contradicts its own numbers. One test per item, each figure checked
against an independent implementation (statsmodels, scipy, pingouin, exact enumeration) or a
hand calculation."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from research.core.instrument import load_instrument
from research.core.labels import labeller
from research.report import context as report
from research.report import evaluation as ev
from research.report import evaluation_indicators as evi
from research.report import evaluation_results as evr
from research.report import workshop_consultants
from research.stats import agreement, change, did, models


def _setup(processed, unit="region", language="en"):
    return report.setup("config/suupohja.yml", "evaluation", unit, str(processed), "data/raw",
                        language)


# --- item 1: pre-trend tests -------------------------------------------------------------

def _panel(G_treated=4, G_comparison=6, first=2006, last=2023, start=2017):
    rng = np.random.default_rng(3)
    rows = [{"unit": f"u{i}", "year": y, "value": 8 + i + 0.1 * (y - first) + rng.normal(0, .3)}
            for i in range(G_treated + G_comparison) for y in range(first, last + 1)]
    values = pd.DataFrame(rows)
    units = sorted(values["unit"].unique())
    return did.did_panel(values, units[:G_treated], units[G_treated:], start, 2018)


def test_joint_pretrend_needs_leads_at_most_g_minus_one(processed):
    panel = _panel()                                   # 10 clusters, leads 2006..2015 = 10
    pt = did.pretrend_test(panel, 2017, B=199).set_index("test")
    assert pt.loc["joint", "df"] == 10 and pt.loc["joint", "n_clusters"] == 10
    assert pt.loc["joint", "problem"] == "too_many_leads"
    # independent: statsmodels' cluster-robust covariance of the 10 leads has rank G - 1 = 9
    df, names = did._event_terms(panel, 2017, -1)
    leads = [n for n, k in names.items() if k < 0]
    fit = smf.ols("value ~ " + " + ".join(list(names) + ["C(unit)", "C(year)"]), df).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(df["unit"], sort=True)[0]})
    cov = fit.cov_params().loc[leads, leads].to_numpy()
    assert np.linalg.matrix_rank(cov, tol=1e-10 * np.abs(cov).max()) <= 9 < len(leads)
    # nine leads (= G - 1) are not refused by the count; here the guard still finds the
    # covariance singular (rank 8) and says so; with eight leads the test is computed
    nine = did.pretrend_test(_panel(first=2007), 2017, B=199).set_index("test")
    assert nine.loc["joint", "df"] == 9 and nine.loc["joint", "problem"] == "singular_covariance"
    eight = did.pretrend_test(_panel(first=2008), 2017, B=199).set_index("test")
    assert eight.loc["joint", "df"] == 8 and eight.loc["joint", "problem"] == ""
    R = _setup(processed)
    text = evi.pretrend_text({"pretrend": pt.reset_index()}, R)
    assert text[1] == ("The joint test of all 10 lead years cannot be computed: the "
                       "cluster-robust covariance of 10 clusters has rank at most G − 1 = 9, "
                       "fewer than the 10 lead years tested (10 > 9).")
    # only one test ran: the conclusion says so instead of "neither test rejects"
    assert text[2].startswith("Only the linear pre-trend test could be computed, and it does "
                              "not reject") if pt.loc["linear", "p_wild"] >= 0.05 else \
        text[2].startswith("Warning: the linear pre-trend test rejects")
    assert not any(t.startswith("Neither") for t in text)


# --- item 4: kappa interval ---------------------------------------------------------------

def test_kappa_interval_does_not_collapse_at_perfect_agreement():
    from scipy.stats import binomtest

    a = [1, 1] + [0] * 55                              # 2 positives in 57, coders agree
    res = agreement.cohens_kappa(a, a)
    p_e = (55 / 57) ** 2 + (2 / 57) ** 2
    low = binomtest(57, 57).proportion_ci(method="exact").low      # = 0.025 ** (1 / 57)
    assert low == pytest.approx(0.025 ** (1 / 57))
    assert res["kappa"] == 1.0 and res["ci_high"] == 1.0
    assert res["ci_low"] == pytest.approx((low - p_e) / (1 - p_e))
    assert 0.05 < res["ci_low"] < 0.1                  # 0.07: far from "1.00 … 1.00"
    # imperfect agreement: the same construction, checked with statsmodels' Clopper-Pearson
    from statsmodels.stats.proportion import proportion_confint
    b = [0] * 7 + [1] * 3
    c = [0] * 6 + [1] + [0, 0, 1]
    res = agreement.cohens_kappa(b, c)
    lo, hi = proportion_confint(7, 10, method="beta")
    pe = 0.62
    assert res["kappa"] == pytest.approx((0.7 - pe) / (1 - pe))
    assert (res["ci_low"], res["ci_high"]) == pytest.approx(
        (max(-1, (lo - pe) / (1 - pe)), min(1, (hi - pe) / (1 - pe))))


# --- item 5: synthetic control ------------------------------------------------------------

def test_synthetic_control_p_without_badly_fitted_placebos():
    rng = np.random.default_rng(0)
    years = range(2006, 2024)
    base = {f"d{i}": 8 + 0.5 * i + np.sin(np.arange(18) + i) * (0.2 + 0.6 * (i >= 4))
            for i in range(6)}
    wide = pd.DataFrame(base, index=list(years))
    wide.insert(0, "T", wide[["d0", "d1", "d2"]].mean(axis=1) + rng.normal(0, .02, 18)
                - 1.0 * (wide.index >= 2017))
    pl = did.synth_placebos(wide, "T", list(base), 2017, pre_rmspe_max=2.0)
    t = pl[pl["role"] == "treated"].iloc[0]
    # hand: keep the treated unit and every placebo with pre-RMSPE <= 2 x the treated's
    keep = pl["rmspe_pre"] <= 2 * t["rmspe_pre"] + 1e-12
    ratios = pl.loc[keep, "ratio"]
    assert t["n_kept"] == keep.sum() < len(pl)
    assert t["p_kept"] == pytest.approx((ratios >= t["ratio"] - 1e-12).mean())
    assert t["p"] == pytest.approx((pl["ratio"] >= t["ratio"] - 1e-12).mean())
    assert t["rank_kept"] == int((ratios > t["ratio"]).sum()) + 1


def test_synthetic_control_text_names_the_aggregate_and_the_quantity(processed):
    R = _setup(processed)
    sc = evi.synth_results({}, R)
    text = evi.synth_text(sc, R)
    assert text.startswith("Suupohja is here an aggregate of 4 programme municipalities: its "
                           "figure is computed from their summed numerators and denominators")
    t = sc["placebos"].query("role == 'treated'").iloc[0]
    assert (f"the ratio ranks {int(t['rank_kept'])} of {int(t['n_kept'])} units, permutation "
            f"p {t['p_kept']:.2f}") in text
    assert "do not estimate exactly the same quantity" in text


# --- item 6: effect sizes -----------------------------------------------------------------

def test_d_av_beside_d_z_matches_pingouin():
    import pingouin as pg

    b = np.array([2.0, 3, 3, 2, 4, 3, 2, 3, 3])
    f = b + np.array([1.0, 1, 0.5, 1, 1, 1.5, 1, 1, 0.5])
    r = change.mean_difference(b, f, paired=True)
    assert r["effect_size"] == pytest.approx(pg.compute_effsize(f, b, paired=True,
                                                                eftype="cohen_dz"))
    assert r["d_av"] == pytest.approx(pg.compute_effsize(f, b, paired=True, eftype="cohen"))
    assert r["effect_size"] > 2 * r["d_av"] > 0          # d_z +3.15, d_av +1.47
    assert np.isnan(change.mean_difference(b, f, paired=False)["d_av"])
    assert ev._effect(r["effect_size"], "d_z", r["d_av"], "fi") == (
        f"{r['effect_size']:+.2f} (d_z); {r['d_av']:+.2f} (d_av)".replace(".", ","))


def test_effect_note_in_plain_words(processed):
    R = _setup(processed, unit="232")
    dims = pd.DataFrame({"dimension": ["dynamic", "coordinated"], "effect_size": [2.67, -0.3],
                         "d_av": [0.85, -0.1]})
    SR = {"link": {"design": "paired"}, "dimensions": dims,
          "names": {"dimension": {"dynamic": "Dynamic", "coordinated": "Coordinated"}}}
    assert ev.effect_note(SR, R).endswith(
        "for example, for Dynamic d_z is +2.67 but d_av +0.85, so the mean moved by 0.85 "
        "standard deviations of the answers.")
    assert ev.effect_note({**SR, "link": {"design": "unpaired"}}, R) is None


# --- item 7: Webb weights with four clusters ----------------------------------------------

def test_webb_bootstrap_with_four_clusters_is_enumerated_and_exact():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"g": np.repeat(list("abcd"), 12), "x": np.tile([0.0, 1.0], 24),
                       "y": rng.normal(size=48)})
    df["y"] += 0.35 * df["x"] + df["g"].map({"a": 0.0, "b": 3.0, "c": -2.0, "d": 5.0})
    out = models.cluster_ols(df, "y ~ x + C(g)", "g", ["x"], bootstrap="webb", B=999).iloc[0]
    assert out["wild_exact"] and out["wild_draws"] == 6 ** 4 == 1296
    # independent: every one of the 1,296 Webb weight vectors, refitted with statsmodels
    groups = pd.factorize(df["g"], sort=True)[0]
    t_obs = smf.ols("y ~ x + C(g)", df).fit(cov_type="cluster", cov_kwds={"groups": groups},
                                            use_t=True).tvalues["x"]
    restricted = smf.ols("y ~ C(g)", df).fit()
    hits = 0
    for w in itertools.product(models.WEBB, repeat=4):
        ystar = restricted.fittedvalues + restricted.resid * np.array(w)[groups]
        X = smf.ols("y ~ x + C(g)", df.assign(y=ystar)).fit(
            cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        hits += abs(X.tvalues["x"]) >= abs(t_obs) - 1e-9
    assert out["p_wild"] == pytest.approx(hits / 1296)
    # seedless: another seed gives the same p
    again = models.cluster_ols(df, "y ~ x + C(g)", "g", ["x"], B=999, seed=7).iloc[0]
    assert again["p_wild"] == out["p_wild"]


def test_bootstrap_p_shows_only_the_decimals_its_draws_support():
    assert ev.p_decimals(78 / 1296, 1296, True) == 3                  # resolution 0.00077
    assert ev.fmt_p_wild(78 / 1296, 1296, True, "fi") == "0,060"
    # sampled, 999 draws: Monte Carlo SE sqrt(.05 * .95 / 999) = 0.0069 -> 2 decimals
    assert np.sqrt(0.05 * 0.95 / 999) == pytest.approx(0.0069, abs=1e-4)
    assert ev.fmt_p_wild(0.05, 999, False, "fi") == "0,05"
    # at p = 0.414 the SE is 0.0156 -> 1 decimal
    assert ev.fmt_p_wild(0.414, 999, False, "en") == "0.4"
    assert ev.fmt_p_wild(0.0, 999, False, "en") == "< 0.01"
    assert ev.fmt_p_wild(float("nan"), 0, False, "en") == "–"


# --- item 8 is in test_targets (order by shortfall) -----------------------------------------

# --- item 10: direction of items and the regional summary ---------------------------------

def test_reverse_worded_items_are_marked(processed):
    R = _setup(processed, language="fi")
    S = ev.survey(R)
    assert S["item_names"]["dyn4"] == ("dyn4: Seudullinen yhteistyö on jäykkää ja hidasta. "
                                       "(↔ käänteinen, peilattu)")
    assert S["item_names"]["dyn1"] == "dyn1: Seudun kunnat tarttuvat nopeasti uusiin mahdollisuuksiin."


def test_item_drop_sign_from_the_rounded_values():
    instrument = load_instrument("templates/region/workshop_instrument.yml")
    item = instrument.items[0].code
    W = SimpleNamespace(instrument=instrument, language="fi")
    changes = pd.DataFrame({"item": [item, item], "before": [3.4812, 3.49],
                            "now": [3.4779, 3.47], "change": [-0.0033, -0.02],
                            "change_low": [-0.45, -0.5], "change_high": [0.44, 0.4],
                            "exceeds": [False, False]})
    out = workshop_consultants.item_drop_statements(changes, W, labeller("fi"))
    assert len(out) == 1 and "3,49 → 3,47" in out[0]            # not "3,48 → 3,48"


def test_regional_summary_follows_the_fixed_effects_model(processed):
    R = _setup(processed)
    five = pd.DataFrame({"dimension": list("abcde"), "estimate": [0.4] * 5,
                         "p_adjusted": [0.001] * 5})
    fixed = five.assign(p_adjusted=[0.3] * 5, n_clusters=4)
    point = evr.summary_points({"dimensions": five}, {"fixed": fixed}, None, None, R)[0]
    assert point == (
        "Survey: Of 5 dimensions, 5 improved and 0 declined significantly (Holm-corrected "
        "p < 0.05); the change of the others is within random variation. In the municipality "
        "fixed-effects model, which allows for the differences between municipalities "
        "(4 clusters, bootstrap p, Holm correction), of 5 dimensions 0 improved and 0 "
        "declined significantly. These two results disagree: the change that is significant "
        "when respondents are compared does not survive allowing for the differences between "
        "municipalities, so the survey change must be taken as uncertain.")
    agree = evr.summary_points({"dimensions": five}, {"fixed": five.assign(n_clusters=4)},
                               None, None, R)[0]
    assert "disagree" not in agree
