"""Area figures computed once per run equal the per-group aggregation of the profile."""

from __future__ import annotations

import math

import pandas as pd

from research.core.tables import read_table
from research.stats import profile

CATALOGUE = pd.DataFrame({
    "indicator": ["unemployed", "labour_force", "unemployment_rate", "tax", "population"],
    "kind": ["count", "count", "rate", "rate", "count"],
    "direction": [-1, 1, -1, 1, 1],
    "numerator": ["", "", "unemployed", "", ""],
    "denominator": ["", "", "labour_force", "population", ""],
    "scale": [1.0, 1.0, 100.0, 1.0, 1.0],
})
MUNIS = pd.DataFrame({"subregion_code": ["S1", "S1", "S2"], "region_code": ["R1", "R1", "R1"]},
                     index=pd.Index(["001", "002", "003"], name="municipality_code"))


def _table():
    rows = [("001", 2017, "unemployed", 50), ("002", 2017, "unemployed", 150),
            ("003", 2017, "unemployed", 30), ("001", 2017, "labour_force", 500),
            ("002", 2017, "labour_force", 1500), ("003", 2017, "labour_force", 600),
            ("001", 2016, "unemployed", 40),                       # 002 and 003 missing
            ("001", 2017, "tax", 3000), ("002", 2017, "tax", 2000), ("003", 2017, "tax", 1000),
            ("001", 2017, "population", 1000), ("002", 2017, "population", 3000),
            ("003", 2017, "population", 1000)]
    df = pd.DataFrame(rows, columns=["municipality_code", "year", "indicator", "value"])
    return df.assign(value=df["value"].astype(float), flag="")


def test_area_figures_by_hand():
    areas = profile.area_figures(_table(), CATALOGUE, MUNIS)
    s1 = profile.area_series(areas, "subregion", "S1").set_index(["indicator", "year"])["value"]
    # S1: 200 unemployed of 2,000 = 10 %; tax weighted by population (3000*1000 + 2000*3000)/4000
    assert s1[("unemployment_rate", 2017)] == 10.0
    assert s1[("tax", 2017)] == 2250.0
    assert ("unemployed", 2016) not in s1.index          # 002 has no figure for 2016
    country = profile.area_series(areas, "country", "SSS").set_index(["indicator", "year"])
    assert math.isclose(country.loc[("unemployment_rate", 2017), "value"], 100 * 230 / 2600)
    assert country.loc[("tax", 2017), "value"] == 2000.0   # (3e6 + 6e6 + 1e6) / 5000


def test_area_figures_equal_aggregate_of_every_group(processed):
    ind = read_table(processed, "indicators")
    cat = read_table(processed, "indicator_catalogue")
    munis = read_table(processed, "municipalities")
    munis = munis[munis["year"] == 2017].set_index("municipality_code")
    areas = profile.area_figures(ind, cat, munis, read_table(processed, "area_indicators"))
    groups = [("subregion", c, "subregion_code") for c in ("141", "146", "011")]
    groups += [("region", c, "region_code") for c in ("14", "01")]
    for level, code, column in groups:
        old = profile.aggregate(ind, cat, sorted(munis.index[munis[column] == code]))
        new = profile.area_series(areas, level, code)
        pd.testing.assert_frame_equal(old[["indicator", "year", "value"]], new, check_dtype=False)
    old = profile._country(ind, cat, sorted(munis.index), read_table(processed,
                                                                     "area_indicators"))
    new = profile.area_series(areas, "country", "SSS")
    key = ["indicator", "year"]
    pd.testing.assert_frame_equal(old.sort_values(key).reset_index(drop=True),
                                  new.sort_values(key).reset_index(drop=True), check_dtype=False)
