"""The baseline statistical profile and peer proposal, checked by hand on small tables."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from research.core import labels
from research.stats import peers, profile
from research.report import charts as statcharts
from research.report import statsreport

CATALOGUE = pd.DataFrame([
    # indicator, kind, direction, numerator, denominator, scale
    ("population", "count", 1, "", "", 1.0),
    ("unemployed", "count", -1, "", "", 1.0),
    ("labour_force", "count", 1, "", "", 1.0),
    ("unemployment_rate", "rate", -1, "unemployed", "labour_force", 100.0),
    ("tax", "rate", 1, "", "population", 1.0),
    ("gini", "rate", -1, "", "", 100.0),
], columns=["indicator", "kind", "direction", "numerator", "denominator", "scale"])
CATALOGUE["theme"] = ["population", "vitality", "vitality", "vitality", "economy", "wellbeing"]
CATALOGUE["name_fi"] = CATALOGUE["indicator"] + "_fi"
CATALOGUE["name_en"] = CATALOGUE["indicator"] + "_en"
CATALOGUE["unit_fi"] = CATALOGUE["unit_en"] = "u"

MUNIS = pd.DataFrame({
    "municipality_code": ["001", "002", "003", "004", "005", "006"],
    "subregion_code": ["S1", "S1", "S1", "S2", "S2", "S2"],
    "region_code": ["R1", "R1", "R1", "R1", "R1", "R2"],
    "urban_rural_code": ["3", "3", "2", "3", "1", "3"],
}).set_index("municipality_code")


def _rows(indicator, year, values):
    return [(code, year, indicator, float(v), "") for code, v in values.items()]


def _indicators():
    rows = []
    rows += _rows("population", 2015, {"001": 1000, "002": 2000, "003": 3000, "004": 4000,
                                       "005": 5000, "006": 6000})
    rows += _rows("population", 2017, {"001": 960, "002": 2000, "003": 3100, "004": 3900,
                                       "005": 5200, "006": 5800})
    rows += _rows("unemployed", 2017, {"001": 50, "002": 200, "003": 90, "004": 100,
                                       "005": 400, "006": 300})
    rows += _rows("labour_force", 2017, {"001": 500, "002": 1000, "003": 1500, "004": 2000,
                                         "005": 2500, "006": 3000})
    rows += _rows("unemployment_rate", 2017, {"001": 10.0, "002": 20.0, "003": 6.0,
                                              "004": 5.0, "005": 16.0, "006": 10.0})
    rows += _rows("tax", 2017, {"001": 3000, "002": 2500, "003": 2000, "004": 3500,
                                "005": 4000, "006": 1000})
    rows += _rows("gini", 2017, {"001": 25, "002": 27, "003": 30, "004": 24, "005": 26,
                                 "006": 28})
    rows += _rows("unemployed", 2016, {"001": 60, "002": 210})  # incomplete year
    return pd.DataFrame(rows, columns=["municipality_code", "year", "indicator", "value", "flag"])


def test_position_by_hand():
    values = pd.Series({"a": 10.0, "b": 20.0, "c": 30.0, "d": 40.0, "e": np.nan})
    up = profile.position(values, "c", 1)
    # higher is better: d is above c, so rank 2 of 4; 3 of 4 at or below c; others 10, 20, 40
    assert up == {"rank": 2, "n": 4, "percentile": 75.0, "median": 20.0, "difference": 10.0}
    down = profile.position(values, "c", -1)
    assert (down["rank"], down["percentile"]) == (3, 50.0)
    tie = profile.position(pd.Series({"a": 5.0, "b": 5.0, "c": 1.0}), "a", 1)
    assert (tie["rank"], tie["percentile"], tie["median"]) == (1, 100.0, 3.0)
    assert math.isnan(profile.position(values, "e", 1)["rank"])


def test_trend_by_hand():
    tr = profile.trend(_indicators(), "001").set_index("indicator")
    pop = tr.loc["population"]
    assert (pop["first_year"], pop["latest_year"], pop["change"], pop["annual_change"]) == \
        (2015, 2017, -40.0, -20.0)
    one = tr.loc["tax"]
    assert one["value"] == 3000 and math.isnan(one["change"])
    assert profile.trend(_indicators(), "001", year=2015).set_index("indicator").loc[
        "population", "value"] == 1000


def test_aggregate_sums_numerators_and_denominators():
    agg = profile.aggregate(_indicators(), CATALOGUE, ["001", "002", "003"])
    got = agg.set_index(["indicator", "year"])["value"]
    assert got[("population", 2017)] == 960 + 2000 + 3100
    assert got[("unemployment_rate", 2017)] == pytest.approx(100 * (50 + 200 + 90) /
                                                             (500 + 1000 + 1500))
    # not the mean of the rates (12.0)
    assert got[("unemployment_rate", 2017)] != pytest.approx((10 + 20 + 6) / 3)
    assert got[("tax", 2017)] == pytest.approx((3000 * 960 + 2500 * 2000 + 2000 * 3100) /
                                               (960 + 2000 + 3100))
    assert ("unemployed", 2016) not in got.index  # 003 missing that year
    assert "gini" not in set(agg["indicator"])  # a rate without denominator


def _profile():
    return profile.profile(_indicators(), CATALOGUE, MUNIS, "001", ["001", "002"],
                           ["004", "005"], year=2017)


def test_profile_positions_and_aggregates():
    p = _profile().set_index("indicator")
    ur = p.loc["unemployment_rate"]
    # lower is better; 001 = 10 among programme {10, 20} -> best; among peers {10, 5, 16} -> 2nd
    assert (ur["programme_rank"], ur["programme_n"]) == (1, 2)
    assert (ur["peers_rank"], ur["peers_n"], ur["peers_median"], ur["peers_difference"]) == \
        (2, 3, 10.5, -0.5)
    assert ur["peers_percentile"] == pytest.approx(200 / 3)
    # sub-region S1 and region R1 (001-005) and the country (all six); 006 ties with 001
    assert (ur["subregion_rank"], ur["subregion_n"]) == (2, 3)
    assert (ur["country_rank"], ur["country_n"]) == (3, 6)
    assert ur["subregion_value"] == pytest.approx(100 * 340 / 3000)
    assert ur["country_value"] == pytest.approx(100 * 1140 / 10500)
    rates = [10.0, 20.0, 6.0, 5.0, 16.0, 10.0]
    z = -(10.0 - statistics.mean(rates)) / statistics.stdev(rates)
    assert ur["z"] == pytest.approx(z)
    assert ur["country_sd"] == pytest.approx(statistics.stdev(rates))
    assert list(p.index[:1]) == ["labour_force"]  # vitality first, then by id
    assert p.loc["population", "annual_change"] == -20.0


def test_strengths_and_weaknesses_direction_aware():
    sw = profile.strengths_weaknesses(_profile(), n=1, language="en")
    assert list(sw.columns) == ["indicator", "name", "theme", "value", "peer_median",
                                "difference", "standing", "score"]
    p = _profile().set_index("indicator")
    scores = {i: p.loc[i, "direction"] * p.loc[i, "peers_difference"] / p.loc[i, "country_sd"]
              for i in ("unemployment_rate", "tax", "gini")}
    # tax: 3000 vs peer median 3750 (worse); gini 25 vs 25 -> 0; unemployment 10 vs 10.5
    assert scores["gini"] == 0
    assert sw["standing"].tolist() == ["strength", "weakness"]
    assert sw["indicator"].tolist() == ["unemployment_rate", "tax"]
    assert sw["name"].tolist() == ["unemployment_rate_en", "tax_en"]
    assert sw.loc[1, "difference"] == -750.0
    assert sw["score"].tolist() == pytest.approx([scores["unemployment_rate"], scores["tax"]])
    assert "population" not in set(profile.strengths_weaknesses(_profile(), n=5)["indicator"])


def test_series_subregion_from_numerators():
    s = profile.series(_indicators(), CATALOGUE, MUNIS, "001", ["004", "005"],
                       ["unemployment_rate"])
    got = s.set_index(["series", "year"])["value"]
    assert got[("subregion", 2017)] == pytest.approx(100 * 340 / 3000)
    assert got[("peers", 2017)] == pytest.approx((5.0 + 16.0) / 2)
    assert got[("unit", 2017)] == 10.0


# --- peers ---------------------------------------------------------------------------

def _features():
    return pd.DataFrame({
        "urban_rural": [3, 3, 3, 1, 3, 3],
        "population": [10000, 11000, 10000, 200000, 10000, 3000],
        "pensioners_share": [30.0, 30.5, 34.0, 20.0, 30.0, 40.0],
        "employment_rate": [70.0, 69.5, 66.0, 75.0, 70.0, 60.0],
    }, index=pd.Index(["001", "002", "003", "004", "005", "006"], name="municipality_code"))


def test_nearest_neighbours_known_answer():
    raw = _features()
    got = peers.propose(raw, "001", 2, exclude=["005"])  # 005 is identical but in programme
    assert got["municipality_code"].tolist() == ["002", "003"]
    x = raw.astype(float).assign(population=np.log10(raw["population"]))
    z = (x - x.mean()) / x.std(ddof=1)
    expected = np.sqrt(((z.loc["002"] - z.loc["001"]) ** 2).sum())
    assert got.loc[0, "distance"] == pytest.approx(expected)
    assert got["rank"].tolist() == [1, 2]


def test_features_and_peer_table():
    ind = pd.DataFrame([
        (c, y, i, v, "") for c, pop, pen, emp in [("001", 1000, 30, 70), ("002", 1100, 31, 69),
                                                  ("003", 5000, 20, 75), ("004", 900, 29, 71),
                                                  ("005", 1000, 30, 70), ("006", 300, 40, 60)]
        for y, i, v in [(2017, "population", pop), (2017, "pensioners_share", pen),
                        (2017, "employment_rate", emp), (2018, "population", 1)]
    ], columns=["municipality_code", "year", "indicator", "value", "flag"])
    feats = peers.features(ind, MUNIS, 2017)
    assert feats.loc["001"].tolist() == [3.0, 1000.0, 30.0, 70.0]
    listed = peers.peer_table(ind, MUNIS, "001", ["001", "005"], ["006", "002"], 3, 2017)
    assert listed["municipality_code"].tolist() == ["002", "006"]
    assert set(listed["chosen"]) == {"config"}
    proposed = peers.peer_table(ind, MUNIS, "001", ["001", "005"], [], 2, 2017)
    assert set(proposed["chosen"]) == {"proposed"}
    assert "005" not in set(proposed["municipality_code"])
    # 002 and 004 differ from 001 symmetrically in pensioners and employment, but on the log
    # scale 1,100 is nearer to 1,000 (0.041) than 900 is (0.046)
    assert proposed["municipality_code"].tolist() == ["002", "004"]


def test_peer_reason_sentence():
    raw = _features()
    got = peers.propose(raw, "001", 1).assign(chosen="proposed")
    text = statsreport.reasons(got, raw.loc["001"], {"005": "Fivetown"}, {"3": "Rural"},
                               lambda key, **v: labels.text(key, "en", **v), "en")
    assert text == ["Fivetown: population 10,000 (10,000); Rural, same urban/rural class; "
                    "pensioners 30.0% (30.0%); employment rate 70.0% (70.0%); "
                    "distance 0.00."]


class _Report:
    """The little of `report.Report` that the charts use."""

    language, unit_name, subregion_name = "en", "One", "S1"

    def L(self, key, **values):
        return labels.text(key, "en", **values)

    def name(self, code):
        return f"m{code}"


def test_comparison_chart_highlights_the_unit():
    import matplotlib.colors as mcolors

    p = _profile()
    fig = statcharts.comparison_chart(_indicators(), CATALOGUE, p, "001", ["004", "005"],
                                      ["001", "002"], ["unemployment_rate"], _Report())
    ax = fig.axes[0]
    bars = {t.get_text(): (b.get_width(), mcolors.to_hex(b.get_facecolor()))
            for t, b in zip(ax.get_yticklabels(), ax.patches)}
    assert bars == {"m004": (5.0, mcolors.to_hex(statcharts.PEER)), "m001": (10.0, mcolors.to_hex(statcharts.UNIT)),
                    "m005": (16.0, mcolors.to_hex(statcharts.PEER)), "m002": (20.0, mcolors.to_hex(statcharts.PROGRAMME))}
    assert ax.lines[0].get_xdata()[0] == 10.5  # the peers' median


def test_position_percentile_equals_scipys_weak_percentile_of_score():
    from scipy import stats

    rng = np.random.default_rng(7)
    for _ in range(200):
        values = pd.Series(rng.integers(0, 6, size=rng.integers(1, 30)).astype(float))
        values[rng.random(len(values)) < 0.2] = np.nan
        values.index = [f"m{i}" for i in range(len(values))]
        unit = f"m{rng.integers(len(values))}"
        for direction in (1, -1):
            got = profile.position(values, unit, direction)["percentile"]
            arr = values.dropna()
            want = (stats.percentileofscore(direction * arr.to_numpy(),
                                            direction * arr[unit], kind="weak")
                    if unit in arr.index else np.nan)
            assert got == want or (np.isnan(got) and np.isnan(want))
