"""Scale scores, Cronbach's alpha (against pingouin), suppression of score tables, Likert counts."""

from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from research.stats import scales
from research.core.instrument import load_instrument

FIX = Path(__file__).parents[2] / "fixtures" / "survey"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(FIX / "instrument.yml")


def _responses(rows):
    return pd.DataFrame(rows, columns=["respondent", "municipality_code", "wave", "role",
                                       "item", "value"])


def test_scored_reverse_and_dont_know(instrument):
    r = _responses([("a", "232", "b", "elected", "dyn1", 4.0), ("a", "232", "b", "elected", "dyn2", 4.0),
                    ("a", "232", "b", "elected", "com1", np.nan), ("a", "232", "b", "elected", "com2", 7.0)])
    s = scales.scored(r, instrument).set_index("item")["score"]
    assert s.to_dict() == {"dyn1": 4.0, "dyn2": 2.0, "com2": 7.0}   # dyn2 reversed: 1+5-4
    p = scales.respondent_scores(r, instrument).set_index("scale")
    assert p.loc["dynamic", "score"] == 3.0 and p.loc["committed", "k"] == 1


def test_mean_ci_matches_statsmodels():
    x = pd.Series([3.0, 4.0, 2.5, 5.0, 3.5, 4.0, np.nan])
    got = scales.mean_ci(x)
    low, high = DescrStatsW(x.dropna().to_numpy()).tconfint_mean(alpha=0.05)
    assert got["n"] == 6 and got["mean"] == pytest.approx(22.0 / 6)
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((low, high))


def test_cronbach_alpha_against_pingouin():
    rng = np.random.default_rng(5)
    person = rng.normal(size=40)
    data = pd.DataFrame({f"i{j}": np.clip(np.rint(3 + person + rng.normal(0, 0.9, 40)), 1, 5)
                         for j in range(4)})
    alpha, low, high, n = scales.cronbach_alpha(data)
    ref, ci = pg.cronbach_alpha(data=data, ci=0.95)
    assert n == 40 and alpha == pytest.approx(ref, abs=1e-12)
    assert (low, high) == pytest.approx(tuple(ci), abs=6e-4)    # pingouin rounds to 3 decimals
    # listwise deletion: the same alpha as pingouin's listwise policy (whose interval keeps
    # the n before deletion; ours uses the 39 complete rows, as Feldt's interval should)
    data.iloc[3, 1] = np.nan
    alpha, low, high, n = scales.cronbach_alpha(data)
    ref, _ = pg.cronbach_alpha(data=data, nan_policy="listwise")
    assert n == 39 and alpha == pytest.approx(ref, abs=1e-12)
    complete = data.dropna()
    assert (low, high) == pytest.approx(tuple(pg.cronbach_alpha(data=complete)[1]), abs=6e-4)


def test_reliability_uses_reverse_coded_items(instrument):
    rng = np.random.default_rng(1)
    rows = []
    for p in range(30):
        base = rng.integers(1, 6)
        d1 = base
        d2 = 6 - np.clip(base + rng.integers(-1, 2), 1, 5)          # reverse-worded item
        rows += [(f"p{p}", "232", "b", "elected", "dyn1", float(d1)),
                 (f"p{p}", "232", "b", "elected", "dyn2", float(d2))]
    rel = scales.reliability(_responses(rows), instrument, "b").set_index("scale")
    wide = pd.DataFrame({"dyn1": [r[5] for r in rows[::2]], "dyn2": [6 - r[5] for r in rows[1::2]]})
    assert rel.loc["dynamic", "alpha"] == pytest.approx(pg.cronbach_alpha(data=wide)[0])
    assert rel.loc["dynamic", "alpha"] > 0.5
    assert np.isnan(rel.loc["committed", "alpha"])                # no answers at all


def test_score_table_suppresses_small_groups_and_their_complements(instrument):
    rows = []
    sizes = {("232", "elected"): 8, ("232", "business"): 6, ("218", "elected"): 6,
             ("218", "business"): 2}
    k = 0
    for (m, role), n in sizes.items():
        for _ in range(n):
            k += 1
            rows += [(f"p{k}", m, "b", role, "dyn1", float(1 + k % 5)),
                     (f"p{k}", m, "b", role, "dyn2", float(1 + (k * 3) % 5))]
    t = scales.score_table(_responses(rows), instrument, "b", threshold=5)
    t = t[t["scale"] == "dynamic"].set_index(["level", "municipality_code", "role"])
    assert t.loc[("municipality", "218", ""), "n"] == 8
    assert t.loc[("municipality_role", "218", "business"), "suppression"] == "primary"
    # Karijoki's total is published: hide its elected too; the business role total is
    # published: hide Kauhajoki's business; Kauhajoki's total then needs its elected hidden
    assert t.loc[("municipality_role", "218", "elected"), "suppression"] == "complementary"
    assert t.loc[("municipality_role", "232", "business"), "suppression"] == "complementary"
    assert t.loc[("municipality_role", "232", "elected"), "suppression"] == "complementary"
    assert t.loc[("subregion", "subregion", ""), "n"] == 22
    hidden = t[t["suppressed"]]
    assert hidden[["n", "mean", "ci_low", "ci_high"]].isna().all().all()
    # the mean of the sub-region: dyn1 and reverse-coded dyn2 averaged per person
    vals = [((1 + k % 5) + (6 - (1 + (k * 3) % 5))) / 2 for k in range(1, 23)]
    assert t.loc[("subregion", "subregion", ""), "mean"] == pytest.approx(np.mean(vals))


def test_likert_counts_by_hand(instrument):
    rows = [(f"p{k}", "232", "b", "elected", "dyn1", v)
            for k, v in enumerate([1, 2, 2, 5, np.nan, 4])]
    rows += [("q", "218", "b", "elected", "dyn1", 3.0)]
    c = scales.likert_counts(_responses(rows), instrument, "b", "232").set_index("item")
    assert c.loc["dyn1", [1, 2, 3, 4, 5, "n", "dont_know"]].tolist() == [1, 2, 0, 1, 1, 6, 1]
    assert c.loc["dyn2", "suppression"] == "" and c.loc["dyn2", "n"] == 0
    few = scales.likert_counts(_responses(rows[:3]), instrument, "b", "232").set_index("item")
    assert few.loc["dyn1", "suppressed"] and np.isnan(few.loc["dyn1", 2])
