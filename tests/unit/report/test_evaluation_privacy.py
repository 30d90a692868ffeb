"""The final evaluation's survey counts follow the run's plan: hidden counts show the
privacy mark, and what the report shows is recorded in its side file."""

import json

import pytest

from research.core.tables import read_table
from research.report import evaluation as ev
from research.report import published


@pytest.fixture(scope="module")
def few_in_isojoki(processed):
    """The bundled responses with only 3 of Isojoki's (151) final-wave respondents left,
    all three also in its baseline wave (chosen by that, not by their pseudonyms, which
    depend on the checkout's key)."""
    resp = read_table(processed, "responses")
    final = (resp["wave"] == "final") & (resp["municipality_code"] == "151")
    base = set(resp.loc[(resp["wave"] == "baseline") & (resp["municipality_code"] == "151"),
                        "respondent"])
    keep = sorted(set(resp.loc[final, "respondent"]) & base)[:3]
    return resp[~(final & ~resp["respondent"].isin(keep))].reset_index(drop=True)


def _report(make_report, unit, responses):
    R = make_report(unit, phase="evaluation", tables={"responses": responses})
    return R, ev.survey_results(ev.survey(R), R)


def test_a_count_the_plan_hides_shows_the_mark(make_report, few_in_isojoki, tmp_path,
                                               monkeypatch):
    monkeypatch.setenv(published.ENV, str(tmp_path))
    published._SIDE.clear()
    R, SR = _report(make_report, "151", few_in_isojoki)
    assert ev.design_text(SR, R) == (
        "Only × respondents answered both surveys, too few for a paired comparison; the "
        "waves are compared as independent samples (Welch t test, Hedges' g; baseline 20, "
        "final × respondents).")
    table = ev.change_table(SR, R, "dimension")
    assert table["n, baseline"].tolist() == ["20", "20", "20", "20", "19"]
    assert set(table["n, final"]) == {"×"}
    side = json.loads(published.side_file(tmp_path, "evaluation", "151").read_text("utf-8"))
    final = side["tables"]["survey/final:role"]
    assert [(c["key"], c["value"], c["hidden"]) for c in final] == [
        ('{"municipality_code": ["151"]}', None, True)]
    # the unpaired answers of each wave per dimension are recorded beside it
    assert side["tables"]["survey/baseline/change/dynamic:municipality"][0]["value"] == 20
    published._SIDE.clear()


def test_the_region_shows_the_programme_counts(make_report, few_in_isojoki):
    R, SR = _report(make_report, "region", few_in_isojoki)
    assert ev.design_text(SR, R).startswith(
        "Respondents could be linked across the waves: 64 answered both surveys (baseline "
        "123, final 97 respondents).")
