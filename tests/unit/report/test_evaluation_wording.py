"""Evaluation texts: indicator named from the catalogue, counts computed, None = no output."""

from __future__ import annotations

import shutil

import pandas as pd

from research.report import context as report
from research.report import evaluation as ev
from research.report import evaluation_indicators as evi
from research.report import evaluation_results as evr
from research.core.tables import read_table, write_tables


def _setup(processed, unit="region", language="en"):
    return report.setup("config/suupohja.yml", "evaluation", unit, str(processed), "data/raw", language)


def test_indicator_is_named_from_the_catalogue(processed, tmp_path):
    R = _setup(processed, language="fi")
    assert evi.indicator_label(R) == "Työttömyysaste"
    assert evi.indicator_label(R, with_unit=True) == "Työttömyysaste, % työvoimasta"
    # another name in the catalogue is the name in the report
    copy = tmp_path / "processed"
    shutil.copytree(processed, copy)
    cat = read_table(copy, "indicator_catalogue")
    cat.loc[cat["indicator"] == "unemployment_rate", "name_en"] = "Jobless share"
    write_tables(copy, {"indicator_catalogue": cat})
    other = _setup(copy)
    D = {"panel": pd.DataFrame({"year": [2006, 2023]}),
         "did": pd.DataFrame({"period": ["during", "after"], "estimate": [-0.5, 0.25],
                              "ci_low": [-1.0, -0.5], "ci_high": [0.0, 1.0],
                              "p_wild": [0.1, 0.6], "wild_draws": [999, 999],
                              "wild_exact": [False, False], "n_clusters": [10, 10],
                              "n_treated": [4, 4]})}
    assert evi.did_intro(D, other) == (
        "Jobless share: Suupohja (4 programme municipalities) against 6 comparison "
        "municipalities (Alavus, Kuortane, Lappajärvi, Soini, Vimpeli, Ähtäri), 2006–2023; "
        "programme years 2017–2018.")
    assert evr.summary_points(None, None, D, None, other)[1].startswith(
        "Jobless share: In the programme years 2017–2018 the gap to the comparison "
        "municipalities changed by \u22120.50 percentage points")
    # an indicator missing from the catalogue is named by its id
    write_tables(copy, {"indicator_catalogue": cat[cat["indicator"] != "unemployment_rate"]})
    assert evi.indicator_label(_setup(copy)) == "unemployment_rate"


def test_model_counts_are_computed(processed):
    R = _setup(processed)
    mixed = pd.DataFrame({"dimension": ["a", "b"], "problem": ["boundary_variance", ""]})
    assert ev.mixed_text({"mixed": mixed, "n_municipalities": 3}, R) == (
        "A random-effects model (MixedLM) does not suit 3 municipalities: for 1 of 2 "
        "dimensions the fit was degenerate (group variance collapsed to zero), so its results "
        "are not shown. Municipality fixed effects are used instead.")
    fine = mixed.assign(problem="")
    fi = _setup(processed, language="fi")
    assert ev.mixed_text({"mixed": fine, "n_municipalities": 5}, fi) == (
        "Satunnaisvaikutusmalli sovittui kaikilla 2 ulottuvuudella, mutta 5 kunnasta kuntien "
        "välistä varianssia ei voi arvioida luotettavasti; tuloksena käytetään kiinteiden "
        "vaikutusten mallia.")


def test_sections_show_nothing_without_results(processed):
    R = _setup(processed, unit="232")
    for fn in (ev.change_table, ):
        assert fn(None, R, "item") is None
    for fn in (ev.ordinal_table, ev.ordinal_note, ev.survey_summary, ev.dimensions_caption,
               ev.models_title, ev.mixed_text, ev.fixed_table, ev.fixed_caption,
               ev.few_clusters_note, evi.did_table, evi.did_text, evi.pretrend_text,
               evi.event_figure, evi.synth_heading, evi.synth_text, evi.synth_figure,
               evr.rubric_table):
        assert fn(None, R) is None, fn.__name__
    assert ev.survey_results(None, R) is None and evi.did_results(None, R) is None
    assert ev.design_text(None, R) == ev.survey_none(R)
    assert evi.did_intro(None, R) == ("Indicator unemployment_rate is not in the processed "
                                      "statistics, so indicator change cannot be computed.")
    # a municipality: the synthetic control is in the region's report
    SC = evi.synth_results({"did": None}, R)
    assert SC == {"region_only": True} and evi.synth_figure(SC, R) is None
    assert evi.synth_text(SC, R) == ("The synthetic control is computed for the sub-region; "
                                     "see the sub-region's report.")
    assert evi.synth_heading(SC, R) == "Synthetic control"
    assert ev.region_models({"responses": None}, R) is None


def test_the_plain_change_table_caption_explains_its_verdicts_not_p_values(processed):
    R = _setup(processed)
    SR = {"low": 1, "high": 5}
    assert ev.dimensions_caption(SR, R, plain=True) == (
        "Change per target-state dimension (final − baseline, scale 1–5, higher is always "
        "better). “Clearly better” or “clearly worse” means the change is larger than chance "
        "would explain when all dimensions are looked at together.")
    for key in ("up", "down"):
        # the caption names the verdict words of the table, in each language
        for lang in ("en", "fi", "sv"):
            L = _setup(processed, language=lang)
            assert L.L(f"evaluation.verdict.{key}") in ev.dimensions_caption(SR, L, True).lower()
    assert "p-values" in ev.dimensions_caption(SR, R)
