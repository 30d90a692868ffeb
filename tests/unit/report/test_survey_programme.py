"""The survey section uses the programme's municipalities only, says plainly when nobody
answered, and names waves in the report language: a config-like report object with
hand-made tables (no prepared data)."""

from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from research.core import labels
from research.stats import scales
from research.report import survey_report, targets

matplotlib.use("Agg")
FIX = Path(__file__).parents[2] / "fixtures" / "survey"
NAMES = {"005": "Alajärvi", "218": "Karijoki", "232": "Kauhajoki", "846": "Teuva"}


class Config:
    def __init__(self, municipalities):
        self.municipalities = municipalities
        self.min_group_size = 5
        self.phases = {"baseline": {"survey_wave": "baseline"}}

    def __getitem__(self, key):
        return {"survey": {"instrument": "instrument.yml"}, "max_compared": 10}[key]

    def resolve(self, path):
        return FIX / path


class Report:
    """What the survey functions ask of `research.report.context.Report`."""

    def __init__(self, unit, programme, tables, language="en"):
        self.config, self.unit, self.language = Config(programme), unit, language
        self.phase, self.tables = "baseline", tables
        self.is_municipality = True

    def L(self, key, **values):
        return labels.text(key, self.language, **values)

    def name(self, code):
        return NAMES[code]

    @property
    def unit_name(self):
        return NAMES[self.unit]

    def table(self, name):
        return self.tables[name].copy()


def answers(groups, wave="baseline"):
    """Five respondents per (municipality, role, dyn1, dyn2, com1, com2) group."""
    rows, k = [], 0
    for m, role, *values in groups:
        for _ in range(5):
            k += 1
            for item, v in zip(["dyn1", "dyn2", "com1", "com2"], values):
                rows.append((f"{m}-p{k}", m, wave, role, item, float(v)))
    return pd.DataFrame(rows, columns=["respondent", "municipality_code", "wave", "role",
                                       "item", "value"])


# Kauhajoki and Karijoki are the programme; Teuva answered too (another programme's export)
PROGRAMME = [("232", "elected", 4, 2, 3, 3), ("232", "office_holder", 4, 2, 3, 3),
             ("218", "elected", 2, 4, 3, 3), ("218", "office_holder", 3, 3, 3, 3)]
OTHER = [("846", "elected", 1, 5, 1, 1), ("846", "office_holder", 1, 5, 1, 1)]
COMMENTS = pd.DataFrame({"respondent": ["846-p41"], "municipality_code": ["846"],
                         "wave": ["baseline"], "question": ["open1"],
                         "text": ["Teuvan kommentti"]})


@pytest.fixture
def tables():
    return {"responses": answers(PROGRAMME + OTHER), "comments": COMMENTS}


def test_only_programme_municipalities_enter_the_figures(tables):
    R = Report("218", ["232", "218"], tables)
    ins, resp, wave = survey_report.load(R)
    assert wave == "baseline" and sorted(resp["municipality_code"].unique()) == ["218", "232"]
    assert survey_report.intro(R, resp, ins, wave).startswith(
        "The survey (baseline) was answered by 10 people from Karijoki and 20 from the "
        "whole sub-region.")
    tab = scales.score_table(resp, ins, wave, 5)
    sub = tab[tab["level"] == "subregion"].set_index("scale")
    # dynamic: Kauhajoki (4 + 4) / 2 = 4, Karijoki (2 + 2) / 2 and (3 + 3) / 2: mean 3.25
    assert sub.loc["dynamic", "mean"] == 3.25 and sub.loc["dynamic", "n"] == 20
    assert sub.loc["committed", "mean"] == 3.0
    fig = survey_report.scores_chart(tab, R, ins)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "Kauhajoki", "Karijoki", "Sub-region total"]
    shown = survey_report.scores_display(tab, R, ins)
    assert set(shown["Group"]) == {"Karijoki", "Karijoki: Elected official",
                                   "Karijoki: Office-holder", "Sub-region total"}
    assert (scales.reliability(resp, ins, wave)["n"] == 20).all()
    assert "Teuvan" not in survey_report.open_answers(R.table("comments"), R, ins, wave,
                                                      resp).data


def test_no_answers_in_the_programme_one_sentence_and_statistics_only(tables):
    R = Report("005", ["005"], tables)
    ins, resp, wave = survey_report.load(R)
    assert resp.empty and not survey_report.has_data(resp, wave)
    assert survey_report.intro(R, resp, ins, wave) == (
        "The survey (baseline) has no answers from the programme's municipalities, so no "
        "survey results can be shown.")
    tab = scales.score_table(resp, ins, wave, 5)
    assert not survey_report.has_scores(tab)
    weak = pd.DataFrame({"indicator": ["u"], "name": ["Unemployment rate"],
                         "theme": ["vitality"], "value": [9.8], "peer_median": [8.2],
                         "difference": [1.6], "standing": ["weakness"]})
    dev = targets.development_targets(tab, resp, ins, R.unit, wave, "en", statistics=weak)
    assert dev[["source", "target", "evidence"]].values.tolist() == [
        ["statistics", "Unemployment rate",
         "Vitality: value 9.8, peer median 8.2, difference +1.6."]]
    assert survey_report.targets_caveat(R, resp, wave, dev) == (
        "Alajärvi has no answers to the survey (baseline), so the development targets rest "
        "on the statistical weaknesses alone; survey evidence is missing.")
    none = dev.head(0)
    R.language = "fi"
    assert survey_report.targets_caveat(R, resp, wave, none) == (
        "Kehittämiskohteita ei löytynyt: kunnasta Alajärvi ei ole vastauksia kyselyyn "
        "(lähtötilanne), eikä tilastoissa ole heikkouksia vertailukuntiin nähden.")


def test_unit_without_answers_in_an_answering_programme(tables):
    R = Report("005", ["005", "232", "218"], tables, "fi")
    ins, resp, wave = survey_report.load(R)
    assert survey_report.has_data(resp, wave) and not survey_report.has_unit_data(R, resp, wave)
    assert survey_report.intro(R, resp, ins, wave) == (
        "Kyselyyn (lähtötilanne) vastasi 20 henkilöä ohjelman kunnista mutta ei yhtään "
        "kunnasta Alajärvi, joten kunnan omia tuloksia ei voi näyttää; alla ovat ohjelman "
        "kuntien tulokset.")
    assert survey_report.open_answers(R.table("comments"), R, ins, wave, resp) is None


def test_wave_names_come_from_the_labels(tables):
    R = Report("218", ["232", "218"], tables, "fi")
    assert [survey_report.wave_name(R, w) for w in ("baseline", "final", "pilot")] == [
        "lähtötilanne", "loppukysely", "pilot"]
    ins, resp, wave = survey_report.load(R)
    assert survey_report.intro(R, resp, ins, wave).startswith(
        "Kyselyyn (lähtötilanne) vastasi 10 henkilöä kunnasta Karijoki ja 20 koko "
        "seutukunnasta.")
    R.language = "en"
    assert survey_report.wave_name(R, "final") == "final"


def test_the_scores_chart_draws_only_the_municipalities_the_report_compares(tables,
                                                                             monkeypatch):
    from research.report import runlevel

    R = Report("218", ["232", "218"], tables)
    ins, resp, wave = survey_report.load(R)
    tab = scales.score_table(resp, ins, wave, 5)
    # a large programme compares the unit with a chosen few (here none of the others)
    monkeypatch.setattr(runlevel, "compared", lambda R, unit=None: [])
    fig = survey_report.scores_chart(tab, R, ins)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "Karijoki", "Sub-region total"]
