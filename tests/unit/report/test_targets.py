"""Development targets from a hand-made survey and a hand-made statistics profile."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from research.stats import scales
from research.report import targets
from research.stats import targets as stats_targets
from research.core.instrument import load_instrument

FIX = Path(__file__).parents[2] / "fixtures" / "survey"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(FIX / "instrument.yml")


@pytest.fixture(scope="module")
def responses():
    rows = []
    # (municipality, role, dyn1, dyn2 as answered (reverse-worded), com1, com2) x 5 people
    groups = [("232", "elected", 4, 2, 3, 3), ("232", "office_holder", 4, 2, 3, 3),
              ("218", "elected", 2, 4, 3, 3), ("218", "office_holder", 3, 3, 3, 3)]
    k = 0
    for m, role, *answers in groups:
        for _ in range(5):
            k += 1
            for item, v in zip(["dyn1", "dyn2", "com1", "com2"], answers):
                rows.append((f"p{k}", m, "baseline", role, item, float(v)))
    return pd.DataFrame(rows, columns=["respondent", "municipality_code", "wave", "role",
                                       "item", "value"])


STATISTICS = pd.DataFrame({
    "indicator": ["unemployment", "tax_base", "migration"],
    "name": ["Unemployment rate", "Tax base per inhabitant", "Net migration"],
    "theme": ["Labour", "Economy", "Population"],
    "value": [9.5, 14000.0, -12.0],
    "peer_median": [7.0, 13000.0, -5.0],
    "difference": [2.5, 1000.0, -7.0],
    "standing": ["weakness", "strength", "weakness"],
})


def test_standings_by_hand(instrument, responses):
    tab = scales.score_table(responses, instrument, "baseline", threshold=5)
    dims = stats_targets.dimension_standing(tab, "218").set_index("scale")
    assert dims.loc["dynamic", "mean"] == 2.5 and dims.loc["dynamic", "subregion_mean"] == 3.25
    assert dims.loc["dynamic", "difference"] == -0.75 and dims.loc["dynamic", "clear"]
    assert dims.loc["committed", "difference"] == 0
    items = stats_targets.item_standing(responses, instrument, "218", "baseline")
    assert items["item"].tolist()[:2] == ["dyn1", "dyn2"]
    assert items["difference"].tolist()[:2] == [-0.75, -0.75]
    gaps = stats_targets.role_gaps(tab, "218")
    assert gaps.iloc[0][["scale", "low_role", "high_role", "gap"]].tolist() == [
        "dynamic", "elected", "office_holder", 1.0]


def test_development_targets_combine_survey_and_statistics(instrument, responses):
    tab = scales.score_table(responses, instrument, "baseline", threshold=5)
    out = targets.development_targets(tab, responses, instrument, "218", "baseline", "en",
                                      threshold=5, statistics=STATISTICS)
    assert out["rank"].tolist() == [1, 2, 3, 4]
    # weaknesses and role gaps take turns in the selection; the chosen are ordered by
    # shortfall as the text says: the role gap (1.00 points) before the dimension (0.75)
    assert out["kind"].tolist() == ["role_gap", "dimension", "indicator", "indicator"]
    assert out["shortfall"].iloc[:2].tolist() == pytest.approx([1.0, 0.75])
    assert out["key"].tolist() == ["dynamic", "dynamic", "unemployment", "migration"]
    assert out.loc[0, "target"] == "Narrow the gap between groups on “Dynamic” (lowest: Elected official)"
    assert out.loc[0, "evidence"] == ("Elected official 2.00 (n = 5), Office-holder 3.00 "
                                      "(n = 5); gap 1.00.")
    half = stats.t.ppf(0.975, 9) * np.std([2] * 5 + [3] * 5, ddof=1) / np.sqrt(10)
    assert out.loc[1, "evidence"] == (
        f"Mean 2.50 (95% CI {2.5 - half:.2f}–{2.5 + half:.2f}, n = 10); sub-region 3.25; "
        "difference \u22120.75. Weakest statement “Municipalities seize new opportunities, "
        "quickly.” 2.50.")
    assert out.loc[3, "evidence"] == ("Population: value \u221212.0, peer median \u22125.0, "
                                      "difference \u22127.0.")
    # without statistics: the survey part alone; Kauhajoki has nothing below the sub-region
    alone = targets.development_targets(tab, responses, instrument, "218", "baseline", "fi")
    assert alone["source"].tolist() == ["survey", "survey"]
    assert targets.development_targets(tab, responses, instrument, "232", "baseline").empty
    shown = targets.targets_display(out, "fi")
    assert list(shown.columns) == ["Sija", "Lähde", "Kehittämiskohde", "Perustelu"]
    assert shown["Lähde"].tolist() == ["Kysely", "Kysely", "Tilastot", "Tilastot"]


def test_suppressed_role_cells_are_not_used_for_gaps(instrument, responses):
    few = responses[~((responses["municipality_code"] == "218")
                      & (responses["respondent"].isin(["p11", "p12"])))]
    tab = scales.score_table(few, instrument, "baseline", threshold=5)
    assert stats_targets.role_gaps(tab, "218").empty     # 3 elected: hidden, and so its complement


def test_without_survey_answers_the_statistics_alone(instrument, responses):
    """A municipality without answers (here 005) gets its statistical weaknesses only, up to
    n_survey + n_statistics of them, with the theme named from the labels."""
    tab = scales.score_table(responses, instrument, "baseline", threshold=5)
    stats_df = pd.concat([STATISTICS, STATISTICS.assign(
        indicator=["a", "b", "c"], theme=["wellbeing", "economy", "vitality"],
        standing="weakness")], ignore_index=True)
    out = targets.development_targets(tab, responses, instrument, "005", "baseline", "fi",
                                      statistics=stats_df, n_survey=1, n_statistics=2)
    assert out["source"].tolist() == ["statistics"] * 3
    assert out["key"].tolist() == ["unemployment", "migration", "a"]
    assert out.loc[2, "evidence"] == ("Hyvinvointi: arvo 9,5, vertailukuntien mediaani 7,0, "
                                      "ero +2,5.")
    # the other wave has no answers at all: the same, and nothing without statistics
    assert targets.development_targets(tab, responses, instrument, "218", "final", "en",
                                       statistics=STATISTICS)["key"].tolist() == [
        "unemployment", "migration"]
    assert targets.development_targets(tab.head(0), responses.head(0), instrument, "218",
                                       "baseline").empty


def test_long_statements_are_cut_short():
    text = "Kunnat tarttuvat uusiin mahdollisuuksiin nopeasti ja rohkeasti, yhdessä ja erikseen."
    assert targets.short(text, 40) == "Kunnat tarttuvat uusiin…"
    assert targets.short("Lyhyt  väittämä.", 40) == "Lyhyt väittämä."
