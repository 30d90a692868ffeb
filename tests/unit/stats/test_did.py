"""Difference-in-differences, event study and synthetic control on constructed panels."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from research.stats import did
from research.core.config import load_config
from research.core.errors import UserError

TREATED = ["151", "218", "232", "846"]
COMPARISON = ["010", "300", "403", "759", "934", "989"]


def counts_panel(effect_during=-1.0, effect_after=-2.0, seed=0, noise=0.3,
                 pre_trend=0.0) -> pd.DataFrame:
    """Unemployed and labour force per unit and year; the rate gets known effects."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, unit in enumerate(TREATED + COMPARISON):
        treated = unit in TREATED
        labour = 2000 + 500 * i
        for year in range(2006, 2024):
            r = 8 + 0.4 * i + 1.5 * np.sin(year / 2.0) + rng.normal(0, noise)
            if treated:
                r += effect_during * (2017 <= year <= 2018) + effect_after * (year > 2018)
                r += pre_trend * (year - 2017) * (year < 2017)
            rows.append({"unit": unit, "year": year, "unemployed": r / 100 * labour,
                         "labour": labour})
    return pd.DataFrame(rows)


def rate_panel(**kw) -> pd.DataFrame:
    c = counts_panel(**kw)
    return did.rate(c.rename(columns={"unemployed": "value"}),
                    c.rename(columns={"labour": "value"}))


def test_rate_and_yearly_mean():
    num = pd.DataFrame({"unit": ["a", "a"], "year": [2017, 2018], "value": [50.0, 30.0]})
    den = pd.DataFrame({"unit": ["a", "a"], "year": [2017, 2018], "value": [500.0, 600.0]})
    assert list(did.rate(num, den)["value"]) == pytest.approx([10.0, 5.0])
    monthly = pd.DataFrame({"unit": ["a"] * 3, "month": ["2017-01", "2017-02", "2018-01"],
                            "value": [4.0, 6.0, 9.0]})
    assert did.yearly_mean(monthly).to_dict("list") == {"unit": ["a", "a"],
                                                        "year": [2017, 2018],
                                                        "value": [5.0, 9.0]}


def test_did_equals_statsmodels_twfe_and_recovers_known_effect():
    panel = did.did_panel(rate_panel(), TREATED, COMPARISON, 2017, 2018)
    out = did.twfe_did(panel, B=199, seed=1).set_index("period")
    ref = smf.ols("value ~ did_during + did_after + C(unit) + C(year)", panel).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(panel["unit"], sort=True)[0]})
    assert out.loc["during", "estimate"] == pytest.approx(ref.params["did_during"])
    assert out.loc["after", "se"] == pytest.approx(ref.bse["did_after"])
    # the constructed effects (-1 during, -2 after) lie in the intervals and are close
    assert out.loc["during", "estimate"] == pytest.approx(-1.0, abs=0.3)
    assert out.loc["after", "estimate"] == pytest.approx(-2.0, abs=0.3)
    assert out.loc["after", "ci_low"] < -2.0 < out.loc["after", "ci_high"]
    assert out.loc["after", "p_wild"] < 0.05
    assert (out["n_clusters"] == 10).all() and out["few_clusters"].all()
    assert list(out["n_treated"]) == [4, 4] and list(out["n_comparison"]) == [6, 6]


def test_did_by_hand_with_two_periods():
    # 2 units x 2 years, no noise: DiD = (t1 - t0)_treated - (t1 - t0)_control
    values = pd.DataFrame({"unit": ["a", "a", "b", "b"], "year": [2016, 2017, 2016, 2017],
                           "value": [10.0, 7.0, 12.0, 11.0]})
    panel = did.did_panel(values, ["a"], ["b"], 2017, 2018)
    assert list(panel["did_during"]) == [0, 1, 0, 0]
    est = smf.ols("value ~ did_during + C(unit) + C(year)", panel).fit().params["did_during"]
    assert est == pytest.approx((7 - 10) - (11 - 12))


def test_comparison_inside_programme_is_an_error(tmp_path):
    with pytest.raises(UserError) as exc:
        did.did_panel(rate_panel(), TREATED, ["232", "300"], 2017, 2018)
    assert str(exc.value) == ("232 is both a programme and a comparison municipality; a "
                              "comparison municipality must be outside the programme")
    text = open("config/suupohja.yml", encoding="utf-8").read().replace(
        'comparison: ["010"', 'comparison: ["846", "010"')
    cfg = tmp_path / "bad.yml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as exc:
        load_config(cfg, raw_dir="data/raw")
    assert str(exc.value) == (f"{cfg}: key 'phases.evaluation.comparison': 846 is also a "
                              "programme municipality; a comparison municipality must be "
                              "outside the programme")


def test_event_study_recovers_effects_and_flat_pretrend():
    panel = did.did_panel(rate_panel(noise=0.05), TREATED, COMPARISON, 2017, 2018)
    es = did.event_study(panel, 2017).set_index("year")
    assert es.loc[2016, "estimate"] == 0.0                       # reference year
    assert es.loc[2017, "estimate"] == pytest.approx(-1.0, abs=0.15)
    assert es.loc[2020, "estimate"] == pytest.approx(-2.0, abs=0.15)
    assert es.loc[2010, "estimate"] == pytest.approx(0.0, abs=0.15)
    pt = did.pretrend_test(panel, 2017, B=199).set_index("test")
    assert pt.loc["joint", "problem"] == "too_many_leads"      # 10 leads, 10 clusters
    assert pt.loc["linear", "p_wild"] > 0.05


def test_pretrend_detects_a_diverging_trend():
    panel = did.did_panel(rate_panel(noise=0.05, pre_trend=0.3), TREATED, COMPARISON, 2017,
                          2018)
    pt = did.pretrend_test(panel, 2017, B=199).set_index("test")
    assert pt.loc["linear", "statistic"] == pytest.approx(0.3, abs=0.05)
    assert pt.loc["linear", "p"] < 0.01
    short = panel[panel["year"] >= 2013]                        # 3 leads < 9: joint test
    pt2 = did.pretrend_test(short, 2017, B=199).set_index("test")
    assert pt2.loc["joint", "problem"] == "" and pt2.loc["joint", "p"] < 0.01


def test_synthetic_control_recovers_known_weights_and_placebo_p():
    rng = np.random.default_rng(4)
    years = np.arange(2006, 2024)
    donors = {u: 8 + rng.normal(0, 1.5, len(years)).cumsum() * 0.5 + i
              for i, u in enumerate(COMPARISON)}
    wide = pd.DataFrame(donors, index=years)
    true = np.array([0.5, 0.0, 0.3, 0.0, 0.2, 0.0])
    wide["141"] = wide[COMPARISON].to_numpy() @ true - 2.0 * (years >= 2017)
    sc = did.synthetic_control(wide, "141", COMPARISON, 2017)
    assert sc["weights"].to_numpy() == pytest.approx(true, abs=1e-3)
    assert sc["weights"].sum() == pytest.approx(1.0)
    assert sc["rmspe_pre"] == pytest.approx(0.0, abs=1e-3)
    assert sc["path"].loc[sc["path"]["year"] >= 2017, "gap"].to_numpy() == pytest.approx(-2.0,
                                                                                          abs=1e-2)
    pl = did.synth_placebos(wide, "141", COMPARISON, 2017)
    assert list(pl["unit"]) == ["141"] + COMPARISON
    treated = pl[pl["role"] == "treated"].iloc[0]
    assert treated["rank"] == 1 and treated["p"] == pytest.approx(1 / 7)


def test_synth_weights_non_negative_on_unreachable_target():
    donors = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 4.0]])
    w = did.synth_weights(np.array([0.0, 1.0, 2.0]), donors)   # below every donor
    assert w == pytest.approx([1.0, 0.0], abs=1e-6)
