"""The evaluation report's glue: unit selection, reverse coding, region series, texts."""

import numpy as np
import pandas as pd
import pytest

from research.report import evaluation as ev
from research.report import evaluation_indicators as evi
from research.report import evaluation_results as evr
from research.report import context as report
from research.prepare.steps import prepare, step_classification
from research.stats.rubric import step_rubric
from research.core.tables import write_tables

PROGRAMME = ["151", "218", "232", "846"]
COMPARISON = ["010", "300", "403", "759", "934", "989"]


def indicators() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    rows = []
    for i, code in enumerate(PROGRAMME + COMPARISON):
        labour = 1000.0 * (i + 1)
        for year in range(2006, 2024):
            rate = 9 + 0.3 * i + np.sin(year) + rng.normal(0, 0.05)
            if code in PROGRAMME and year >= 2017:
                rate -= 1.5
            for ind, value in (("unemployed", rate / 100 * labour), ("labour_force", labour),
                               ("unemployment_rate", rate)):
                rows.append({"municipality_code": code, "year": year, "indicator": ind,
                             "value": value, "flag": ""})
    return pd.DataFrame(rows)


def responses() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for i in range(40):
        code = PROGRAMME[i % 4]
        for wave in ("baseline", "final"):
            for item in ("dyn1", "dyn4", "coo1"):
                rows.append({"respondent": f"r{i:02d}", "municipality_code": code, "wave": wave,
                             "role": "expert", "item": item,
                             "value": float(rng.integers(1, 6))})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    prepare("data/raw", out, steps=[("classification", step_classification),
                                    ("rubric", step_rubric)])
    write_tables(out, {"indicators": indicators(), "responses": responses()})
    return out


def setup(processed, unit):
    return report.setup("config/suupohja.yml", "evaluation", unit, str(processed), "data/raw",
                        "en")


def test_units_and_reverse_coding(processed):
    R = setup(processed, "232")
    assert ev.units(R) == ["232"] and ev.units(setup(processed, "region")) == ["232", "846", "151", "218"]
    data = ev.survey(R)
    raw = responses()
    raw = raw[raw["municipality_code"] == "232"]
    both = raw.merge(data["responses"], on=["respondent", "wave", "item"], suffixes=("", "_s"))
    assert len(both) == len(raw) == len(data["responses"])
    # dyn4 is reverse-coded in the instrument (1..5): scored value = 6 - answer
    mask = both["item"] == "dyn4"
    assert list(both.loc[mask, "value_s"]) == list(6 - both.loc[mask, "value"])
    assert list(both.loc[~mask, "value_s"]) == list(both.loc[~mask, "value"])
    assert data["dimensions"]["dyn4"] == "dynamic"


def test_survey_without_final_wave_is_none(processed, tmp_path):
    R = setup(processed, "region")
    base_only = responses().query("wave == 'baseline'")
    write_tables(tmp_path, {"responses": base_only})
    R.processed = tmp_path
    assert ev.survey(R) is None
    assert ev.survey_none(R) == ("Survey change cannot be computed yet: the baseline or final "
                                 "survey responses are missing.")


def test_region_rate_from_counts_and_synthetic_control(processed):
    R = setup(processed, "region")
    wide = evi.region_wide(R)
    ind = indicators()
    part = ind[(ind["year"] == 2010) & ind["municipality_code"].isin(PROGRAMME)]
    by = part.pivot(index="municipality_code", columns="indicator", values="value")
    assert wide.loc[2010, "141"] == pytest.approx(100 * by["unemployed"].sum()
                                                  / by["labour_force"].sum())
    assert list(wide.columns) == ["141"] + COMPARISON
    sc = evi.synth_results({}, R)
    assert sc["weights"].sum() == pytest.approx(1.0) and (sc["weights"] >= 0).all()
    assert len(sc["placebos"]) == 7
    assert "Synthetic Suupohja" in evi.synth_text(sc, R)


def test_did_results_recover_effect_and_text(processed):
    R = setup(processed, "region")
    res = evi.did_results(evi.indicator_values(R), R)
    did = res["did"].set_index("period")
    assert did.loc["during", "estimate"] == pytest.approx(-1.5, abs=0.1)
    assert did.loc["after", "estimate"] == pytest.approx(-1.5, abs=0.1)
    text = evi.did_text(res, R)
    assert f"{did.loc['during', 'estimate']:+.2f} percentage points".replace("-", "\u2212") in text
    assert "There are 10 clusters" in text
    one = evi.did_text(evi.did_results(evi.indicator_values(R), setup(processed, "232")),
                       setup(processed, "232"))
    assert "only one programme municipality" in one


def test_formatting():
    assert ev.fmt_p(0.0004, "fi") == "< 0,001" and ev.fmt_p(0.0456, "en") == "0.046"
    assert ev.fmt_p(float("nan"), "en") == "–"
    assert ev.fmt_ci(-0.123, 1.5, "fi") == "\u22120,12\u00a0\u2013 1,50"
    assert ev.fmt_ci(-0.004, 0.2, "en") == "0.00\u20130.20"
    assert ev.fmt_p_eq(0.0004, "fi") == "p < 0,001" and ev.fmt_p_eq(0.0456, "en") == "p = 0.046"


def _pretrend(lin_p, joint_p, joint_problem=""):
    return {"pretrend": pd.DataFrame({
        "test": ["linear", "joint"], "statistic": [0.012, 40.2], "p_wild": [lin_p, np.nan],
        "p": [np.nan, joint_p], "df": [1, 10], "n_clusters": [10, 10],
        "problem": ["", joint_problem], "wild_draws": [999, 0], "wild_exact": [False, False]})}


def test_pretrend_conclusion_follows_the_tests(processed):
    R = setup(processed, "region")
    flat_but_joint = evi.pretrend_text(_pretrend(0.40, 0.0001), R)
    assert flat_but_joint == [
        "Before the programme the gap to the comparison municipalities did not change "
        "significantly as a steady trend: trend difference +0.012 pp per year (bootstrap p "
        "0.4).",
        "Joint test of all 10 lead years: F = 40.20, p < 0.001.",
        "Warning: the joint test of all lead years rejects parallel trends at the 5% level, so "
        "the assumption is doubtful. Read the difference-in-differences with caution: it may "
        "reflect earlier development rather than the programme."]
    assert evi.pretrend_text(_pretrend(0.01, 0.5), R)[-1].startswith(
        "Warning: the linear pre-trend test rejects")
    assert evi.pretrend_text(_pretrend(0.01, 0.001), R)[-1].startswith(
        "Warning: both pre-trend tests (the linear trend and the joint test of all lead years) "
        "reject")
    fine = evi.pretrend_text(_pretrend(0.40, 0.3), R)
    assert fine[1] == "Joint test of all 10 lead years: F = 40.20, p = 0.300."
    assert fine[2] == ("Neither pre-trend test (the linear trend and the joint test of all lead "
                       "years) rejects parallel trends at the 5% level. This supports, but does "
                       "not prove, the parallel-trends assumption.")


def test_rubric_table_layout(processed):
    R = setup(processed, "region")
    summary = evr.rubric_summary(R)
    table = evr.rubric_table(summary, R)
    assert list(table.columns) == ["Operating model", "Usefulness",
                                   "Transferability to other municipalities", "Ownership",
                                   "Cost", "Overall"]
    assert list(table["Operating model"]) == ["Business one-stop service",
                                              "Joint vitality team", "Shared procurement",
                                              "Youth pathways"]
    best = summary[summary["criterion"] == "all"].sort_values("mean").iloc[-1]
    assert best["model"] == "business_one_stop"
    assert f"Business one-stop service ({best['mean']:.1f};" in evr.rubric_text(summary, R)


def test_rubric_of_another_programme_is_not_shown(processed, tmp_path):
    import shutil
    import yaml
    cfg = yaml.safe_load(open("config/suupohja.yml", encoding="utf-8"))
    cfg["subregion"] = "146"
    cfg["municipalities"] = ["005", "052", "403", "759", "934"]
    cfg["phases"]["evaluation"]["comparison"] = ["010", "300", "989"]
    cfg["peers"] = ["010", "300"]
    path = tmp_path / "other.yml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    shutil.copytree(processed, tmp_path / "p")
    R = report.setup(str(path), "evaluation", "region", str(tmp_path / "p"), "data/raw", "en")
    assert evr.rubric_summary(R) is None
    # Suupohja's survey respondents never enter another programme's survey change
    assert ev.survey(R) is None
    assert ev.survey_none(R) == ("There are no baseline or final survey respondents from this "
                                 "programme's municipalities, so survey change is not computed.")
    assert evr.summary_points(None, None, None, None, R)[-1] == (
        "There are no evaluation workshop scores for this programme.")
