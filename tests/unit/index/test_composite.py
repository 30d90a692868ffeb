"""Tests of the composite (vitality) index: each step against a hand calculation or an
independent implementation (scipy, pandas, pingouin)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from research.index.aggregate import aggregate
from research.index.build import (PARTS, STEPS, IndexResult, combine, compute_index,
                                  compute_part, finish_part, index_change, start)
from research.index.coherence import cronbach_alpha
from research.index.denominate import denominate
from research.index.export import export_index
from research.index.framework import (AGGREGATIONS, NORMALISATIONS, Framework, load_framework,
                                      select_available, with_catalogue)
from research.index.normalise import fit_goalposts, normalise
from research.index.treat import apply_treatment, fit_treatment, skew_kurt
from research.index.uncertainty import draw_choices, rank_by_year
from research.core.errors import UserError

FIXTURE = Path(__file__).parents[2] / "fixtures" / "vitality" / "index.yml"
YEARS = (2015, 2016, 2017)


def _code(i: int) -> str:
    return f"{i:03d}"


@pytest.fixture(scope="module")
def municipalities() -> pd.DataFrame:
    """24 municipalities: sub-regions A (1-4), B (5-12), C (13-20), D (21-24, Åland)."""
    rows = []
    for i in range(1, 25):
        sub = "A" if i <= 4 else "B" if i <= 12 else "C" if i <= 20 else "D"
        region = "01" if i <= 12 else "02" if i <= 20 else "21"
        rows.append({"year": 2017, "municipality_code": _code(i), "name_fi": f"Kunta {i}",
                     "name_sv": f"Kommun {i}", "subregion_code": sub, "subregion_name": sub,
                     "region_code": region, "region_name": region,
                     "urban_rural_code": str(1 + i % 3), "urban_rural_name": "",
                     "language_code": "0"})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def indicators() -> pd.DataFrame:
    """Hand-made tidy indicators with known gaps: 003 lacks `odd` in 2016, 005 lacks it
    always, 006 lacks `unemployed` in 2017; 020 has an outlier (1000) in 2017."""
    rows = []
    for i in range(1, 25):
        pop = 1000.0 * i
        for y in YEARS:
            if y > 2015:
                pop = pop * (1 + 0.002 * ((i * 7 + y) % 11 - 5))
            odd = 1000.0 if (i == 20 and y == 2017) else float(i)
            values = {"population": pop, "odd": odd, "unemployed": float(i + 5 + (y - 2015)),
                      "labour_force": 500.0 + 10 * i}
            if (i == 3 and y == 2016) or i == 5:
                values["odd"] = np.nan
            if i == 6 and y == 2017:
                values["unemployed"] = np.nan
            for name, v in values.items():
                rows.append({"municipality_code": _code(i), "year": y, "indicator": name,
                             "value": v, "flag": ""})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(FIXTURE)


@pytest.fixture(scope="module")
def result(indicators, municipalities, framework) -> IndexResult:
    return compute_index(indicators, municipalities, framework, 2017, 2017)


# --- normalisation ---------------------------------------------------------------------------


def test_minmax_zscore_percentile_by_hand():
    g = fit_goalposts(np.array([2.0, 4.0, 6.0, 10.0]), 1)
    assert normalise([4.0], g, "minmax")[0] == pytest.approx(25.0)
    sd = np.sqrt((3.5**2 + 1.5**2 + 0.5**2 + 4.5**2) / 3)
    assert normalise([4.0], g, "zscore")[0] == pytest.approx(50 + 10 * (4 - 5.5) / sd)
    assert normalise([4.0], g, "percentile")[0] == pytest.approx(
        stats.percentileofscore([2, 4, 6, 10], 4, kind="mean"))
    assert normalise([4.0], g, "percentile")[0] == pytest.approx(37.5)


def test_negative_direction_and_fixed_goalposts():
    g = fit_goalposts(np.array([2.0, 4.0, 6.0, 10.0]), -1)
    assert normalise([4.0], g, "minmax")[0] == pytest.approx(75.0)
    up = fit_goalposts(np.array([2.0, 4.0, 6.0, 10.0]), 1)
    # a later year beyond the reference range keeps the base year's goalposts
    assert normalise([12.0], up, "minmax")[0] == pytest.approx(125.0)
    assert normalise([12.0], up, "percentile")[0] == pytest.approx(100.0)


# --- outlier treatment -------------------------------------------------------------------------


def test_skew_and_kurtosis_are_coinr_definitions():
    x = np.r_[np.arange(1, 11), 30, 100.0]
    s, k = skew_kurt(x)
    assert s == pytest.approx(pd.Series(x).skew())
    assert k == pytest.approx(pd.Series(x).kurt())


def test_winsorisation_triggered_by_skew_and_kurtosis():
    x = np.r_[np.arange(1, 11), 30, 100.0]       # COINr's own example: skew 3.06, kurt 9.74
    fit = fit_treatment(x)
    assert fit["method"] == "winsorise"
    assert fit["n_winsorised"] == 1               # 100 -> 30 is enough
    assert fit["hi"] == 30.0 and fit["lo"] == 1.0
    y = apply_treatment(x, fit)
    assert y[-1] == 30.0 and fit["skew_after"] == pytest.approx(pd.Series(y).skew())
    # the rule needs both: with a kurtosis limit above 9.74 nothing is treated
    assert fit_treatment(x, kurtosis_threshold=20)["method"] == "none"


def test_log_transform_when_five_points_do_not_suffice():
    x = np.r_[np.ones(30), np.arange(2, 9) ** 4.0]
    fit = fit_treatment(x)
    assert fit["method"] == "log" and fit["sign"] == 1
    expected = np.log(x - 1 + 0.01 * (4096 - 1))
    np.testing.assert_allclose(apply_treatment(x, fit), expected)


def test_log_transform_of_negative_skew_mirrors():
    x = -np.r_[np.ones(30), np.arange(2, 9) ** 4.0]
    fit = fit_treatment(x)
    assert fit["method"] == "log" and fit["sign"] == -1
    a = 0.01 * (4096 - 1)
    np.testing.assert_allclose(apply_treatment(x, fit), -np.log(-1 + a - x))


# --- aggregation --------------------------------------------------------------------------------


def test_geometric_and_arithmetic_means_by_hand():
    S = np.array([[10.0, 40.0, 20.0]])
    theme_of = np.array([0, 0, 1])
    w_ind, w_theme = np.array([1.0, 3.0, 1.0]), np.array([1.0, 1.0])
    themes, index = aggregate(S, theme_of, w_ind, w_theme, "geometric")
    assert themes[0, 0, 0] == pytest.approx(10 ** 0.25 * 40 ** 0.75)     # = 20 * sqrt(2)
    assert index[0, 0] == pytest.approx(np.sqrt(20 * np.sqrt(2) * 20))
    themes, index = aggregate(S, theme_of, w_ind, w_theme, "arithmetic")
    assert themes[0, 0, 0] == pytest.approx((10 + 3 * 40) / 4)
    assert index[0, 0] == pytest.approx((32.5 + 20) / 2)


def test_missing_indicator_shares_its_weight_and_draws_are_columns():
    S = np.array([[10.0, np.nan, 20.0]])
    w = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 3.0]])          # two draws
    themes, index = aggregate(S, np.array([0, 0, 1]), w, np.array([[1.0, 1.0], [1.0, 3.0]]))
    assert themes[0, 0].tolist() == [10.0, 10.0]
    assert index[0].tolist() == pytest.approx([15.0, (10 + 3 * 20) / 4])


def test_ranks_match_scipy_with_ties():
    x = np.array([[3.0, 1.0], [5.0, 1.0], [3.0, 2.0], [1.0, 0.5]])
    ranks = rank_by_year(x, np.array([1, 1, 1, 1]))
    np.testing.assert_array_equal(ranks, stats.rankdata(-x, method="min", axis=0))


def test_cronbach_alpha_matches_pingouin():
    pingouin = pytest.importorskip("pingouin")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 1)) + rng.normal(scale=0.8, size=(40, 3))
    expected = pingouin.cronbach_alpha(pd.DataFrame(X))[0]
    assert cronbach_alpha(X) == pytest.approx(expected)


# --- framework ---------------------------------------------------------------------------------


def test_framework_drops_indicators_without_data(result):
    fw = result.step("framework").set_index("indicator")
    assert not fw.loc["absent", "available"]
    assert fw.loc["absent", "missing_series"] == "not_in_the_table"
    assert list(result.framework.indicators["id"]) == ["growth", "odd", "unemployment"]


def test_framework_errors_name_file_row_and_key(tmp_path):
    bad = tmp_path / "bad.yml"
    text = FIXTURE.read_text(encoding="utf-8").replace("direction: -1", "direction: 0")
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as exc:
        load_framework(bad)
    assert str(exc.value) == (f"{bad}, row 17: key 'indicators[2].direction': "
                              "expected 1 or -1, got 0")
    bad.write_text(text.replace("seed: 7", "seeds: 7"), encoding="utf-8")
    with pytest.raises(UserError) as exc:
        load_framework(bad)
    assert str(exc.value) == (
        f"{bad}, row 10: key 'settings.seeds': is not a known key; did you mean 'seed'? "
        "(valid keys here: aggregation, count_noise, draws, geometric_floor, impute_max_gap, "
        "kurtosis_threshold, min_coverage, min_reference, normalisation, "
        "require_base_and_final, seed, skew_threshold, weight_spread, winsor_max)")
    cases = {  # the one validator (research.core.schema): the same words as every YAML file
        ("weight: 2}", "weight: -2}"): "row 13: key 'themes[1].weight': expected a positive "
                                       "number, got -2",
        ("theme: work, direction: -1", "theme: play, direction: -1"):
            "row 17: key 'indicators[2].theme': 'play' is not a theme id (themes: people, work)",
        ("numerator: unemployed,", ""): "row 17: key 'indicators[2]': 'numerator' is required "
                                        "for kind 'rate'",
        ("draws: 200", "draws: many"): "row 9: key 'settings.draws': expected a whole number, "
                                       "got 'many'",
        ("kind: change", "kind: changes"): "row 15: key 'indicators[0].kind': expected one of "
                                           "level, rate, change, got 'changes'; did you mean "
                                           "'change'?",
    }
    good = FIXTURE.read_text(encoding="utf-8")
    for (old, new), message in cases.items():
        assert old in good
        bad.write_text(good.replace(old, new), encoding="utf-8")
        with pytest.raises(UserError) as exc:
            load_framework(bad)
        assert str(exc.value) == f"{bad}, {message}"
    with pytest.raises(UserError) as exc:
        load_framework(tmp_path / "none.yml")
    assert str(exc.value) == f"{tmp_path / 'none.yml'}: index framework file not found"


# --- denomination and sub-regions from sums --------------------------------------------------


def test_subregion_rate_from_summed_numerators_and_denominators(indicators, framework):
    fw, _ = select_available(framework, indicators)
    groups = pd.Series(["A"] * 4, index=[_code(i) for i in range(1, 5)])
    values = denominate(indicators, fw, groups)
    unemployed = sum(i + 5 + 2 for i in range(1, 5))
    labour = sum(500 + 10 * i for i in range(1, 5))
    assert values.loc[("A", 2017), "unemployment"] == pytest.approx(100 * unemployed / labour)
    mean_of_rates = np.mean([100 * (i + 7) / (500 + 10 * i) for i in range(1, 5)])
    assert values.loc[("A", 2017), "unemployment"] != pytest.approx(mean_of_rates)
    pop = indicators[(indicators["indicator"] == "population")
                     & indicators["municipality_code"].isin(groups.index)]
    total = pop.groupby("year")["value"].sum()
    assert values.loc[("A", 2017), "growth"] == pytest.approx(100 * (total[2017] / total[2016]
                                                                     - 1))


# --- screening, imputation and the audit ------------------------------------------------------


def test_screening_lists_the_municipality_left_out(result):
    excluded = result.step("screening")
    assert excluded[["code", "year"]].values.tolist() == [["005", 2015]]
    assert excluded["coverage"].iloc[0] == pytest.approx(1 / 3)
    muni = result.scores[result.scores["level"] == "municipality"]
    assert not ((muni["code"] == "005") & (muni["year"] == 2015)).any()


def test_imputation_nearest_year_and_group_median_in_audit(result):
    imp = result.step("imputation").set_index(["code", "year", "indicator"])
    own = imp.loc[("003", 2016, "odd")]
    assert (own["method"], own["source"], own["value"]) == ("nearest_year", "2015", 3.0)
    later = imp.loc[("006", 2017, "unemployment")]
    assert later["method"] == "nearest_year" and later["source"] == "2016"
    assert later["value"] == pytest.approx(100 * (6 + 5 + 1) / 560)
    # 005 has no `odd` at all: the median of its urban/rural group (i % 3 == 2) that year
    med = imp.loc[("005", 2016, "odd")]
    assert med["method"] == "group_median" and med["source"] == "3"
    assert med["value"] == np.median([2, 8, 11, 14, 17, 20, 23])
    scores = result.indicator_scores.set_index(["level", "code", "year", "indicator"])
    assert bool(scores.loc[("municipality", "005", 2016, "odd"), "imputed"])


def test_treated_values_in_audit(result):
    treat = result.step("treatment").set_index("indicator")
    assert treat.loc["odd", "method"] == "winsorise"
    assert treat.loc["odd", "n_winsorised"] == 1
    assert treat.loc["odd", "reference_year"] == 2017
    assert treat.loc["odd", "n_reference"] == 20        # mainland only: Åland left out
    points = result.step("treated_values").set_index(["code", "year", "indicator"])
    row = points.loc[("020", 2017, "odd")]
    assert row["value"] == 1000.0 and row["treated"] == treat.loc["odd", "hi"] == 19.0


def test_minmax_scores_of_reference_population(result):
    s = result.indicator_scores
    ref = s[(s["level"] == "municipality") & (s["year"] == 2017) & (s["indicator"] == "odd")
            & ~s["code"].isin([_code(i) for i in range(21, 25)])]
    assert ref["score"].min() == pytest.approx(0.0)
    assert ref["score"].max() == pytest.approx(100.0)
    one = ref.set_index("code").loc["010"]
    assert one["score"] == pytest.approx(100 * (10 - 1) / (19 - 1))


def test_areas_ranked_and_aland_not_ranked(result):
    s = result.scores
    subs = s[(s["level"] == "subregion") & (s["year"] == 2017)]
    assert sorted(subs["code"]) == ["A", "B", "C"]
    assert sorted(subs["rank"].astype(int)) == [1, 2, 3]
    aland = s[(s["level"] == "municipality") & (s["code"] == "022")]
    assert aland["rank"].isna().all() and aland["index"].notna().all()
    muni = s[(s["level"] == "municipality") & (s["year"] == 2017) & s["rank"].notna()]
    assert len(muni) == 20 and (muni["n_ranked"] == 20).all()
    assert ((muni["rank_p05"] <= muni["rank_median"])
            & (muni["rank_median"] <= muni["rank_p95"])).all()


# --- Monte Carlo ------------------------------------------------------------------------------


def test_monte_carlo_reproducible_with_seed(indicators, municipalities, framework, result):
    again = compute_index(indicators, municipalities, framework, 2017, 2017)
    pd.testing.assert_frame_equal(result.scores, again.scores)
    pd.testing.assert_frame_equal(result.sensitivity, again.sensitivity)
    a = draw_choices(framework, 50, 7, 3, 2)
    b = draw_choices(framework, 50, 7, 3, 2)
    c = draw_choices(framework, 50, 8, 3, 2)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["w_ind"], c["w_ind"])
    w = a["w_ind"]
    assert w.min() >= 0.75 and w.max() <= 1.25


def test_the_parts_of_a_runner_combine_into_the_same_index(indicators, municipalities,
                                                          framework, result):
    parts = {part: compute_part(part, indicators, municipalities, framework, 2017, 2017)
             for part in reversed(PARTS)}
    assert set(parts) == {"municipalities", "areas"}
    joined = combine(framework, parts["municipalities"], parts["areas"])
    for name in ("scores", "indicator_scores", "change", "sensitivity"):
        pd.testing.assert_frame_equal(getattr(joined, name), getattr(result, name))
    assert [s.name for s in joined.audit] == [s.name for s in result.audit]
    assert joined.audit[-1].name == "areas" and joined.audit[-1].args == result.audit[-1].args
    for a, b in zip(joined.audit, result.audit):
        pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(joined.coherence["indicators"], result.coherence["indicators"])
    assert joined.framework.indicators.equals(result.framework.indicators)
    # a runner's way: the first steps once, the areas' part from a pickled copy of them
    started = start(indicators, municipalities, framework, 2017, 2017)
    copy = pickle.dumps(started)
    handed = combine(framework, finish_part("municipalities", started),
                     finish_part("areas", pickle.loads(copy)))
    for name in ("scores", "indicator_scores", "change", "sensitivity"):
        pd.testing.assert_frame_equal(getattr(handed, name), getattr(result, name))
    assert [s.name for s in handed.audit] == [s.name for s in result.audit]
    alone = combine(framework, parts["municipalities"])
    assert set(alone.scores["level"]) == {"municipality"}
    with pytest.raises(ValueError, match="unknown part 'regions'"):
        compute_part("regions", indicators, municipalities, framework, 2017, 2017)


def test_index_change_band(indicators, municipalities, framework):
    r = compute_index(indicators, municipalities, framework, 2016, 2017, draws=100)
    ch = index_change(r, ["001", "A"]).set_index("code")
    s = r.scores.set_index(["level", "code", "year"])
    expected = s.loc[("municipality", "001", 2017), "index"] - s.loc[("municipality", "001",
                                                                      2016), "index"]
    assert ch.loc["001", "change"] == pytest.approx(expected)
    assert ch.loc["001", "change_p05"] <= ch.loc["001", "change_median"] <= ch.loc[
        "001", "change_p95"]
    assert ch.loc["A", "level"] == "subregion"


# --- export -------------------------------------------------------------------------------


def test_export_index_csv_and_workbook(result, municipalities, tmp_path):
    from research.report import vitality
    table = vitality.index_table(result, municipalities, "en")
    assert list(table.columns[:4]) == ["level", "code", "name", "year"]
    assert table.loc[table["code"] == "SSS", "name"].iloc[0] == "Mainland Finland"
    paths = export_index(table, tmp_path / "out")
    assert [p.name for p in paths] == ["vitality_index.csv", "vitality_index.xlsx"]
    back = pd.read_csv(paths[0], dtype={"code": str})
    np.testing.assert_allclose(back["index"], table["index"], rtol=1e-5)
    book = pd.read_excel(paths[1], sheet_name=None)
    assert list(book) == ["index", "people", "work", "index_by_year"]
    work = book["work"].set_index("code")
    row = table[(table["code"] == "001") & (table["year"] == 2017)]
    assert work.loc["001", 2017] == pytest.approx(row["work"].iloc[0])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "vitality_index.csv", "vitality_index.xlsx"]        # no temporary files left


def test_bundled_framework_loads():
    fw = load_framework(Path(__file__).parents[3] / "config" / "vitality_index.yml")
    assert fw.settings["draws"] >= 1000
    assert set(fw.indicators["theme"]) <= set(fw.themes["id"])


def test_second_index_from_catalogue_flags(tmp_path, indicators, municipalities):
    cfg = tmp_path / "cat.yml"
    cfg.write_text("id: from_catalogue\nthemes:\n  - {id: people, name_fi: Väki, name_en: "
                   "People}\nindicators_from: catalogue\nsettings: {min_reference: 5, "
                   "draws: 20}\n", encoding="utf-8")
    catalogue = pd.DataFrame([
        # indicator, theme, direction, kind, numerator, denominator, scale, index
        ("population", "people", 1, "count", "", "", 1, "True"),
        ("unemployment", "work", -1, "rate", "unemployed", "labour_force", 100, "True"),
        ("odd", "people", 1, "rate", "", "population", 100, "True"),
        ("labour_force", "work", 1, "count", "", "", 1, "False"),
    ], columns=["indicator", "theme", "direction", "kind", "numerator", "denominator",
                "scale", "index"]).assign(weight=1.0, name_fi="n", name_en="n", unit_fi="")
    fw = with_catalogue(load_framework(cfg), catalogue)
    got = fw.indicators.set_index("id")
    assert list(got.index) == ["odd", "population_change_1y", "unemployment"]
    assert got.loc["population_change_1y", "kind"] == "change"
    assert (got.loc["unemployment", "numerator"], got.loc["unemployment", "denominator"]) == (
        "unemployed", "labour_force")
    assert (got.loc["odd", "kind"], got.loc["odd", "weight_by"]) == ("level", "population")
    assert list(fw.themes["id"]) == ["people", "work"]      # a theme named only in the catalogue
    r = compute_index(indicators, municipalities, fw, 2017, 2017)
    assert r.step("framework")["available"].all()


def test_config_final_year_not_before_base_year(tmp_path):
    from research.core.config import load_config
    root = Path(__file__).parents[3]
    text = (root / "config" / "suupohja.yml").read_text(encoding="utf-8")
    bad = tmp_path / "c.yml"
    bad.write_text(text.replace("final_year: 2021", "final_year: 2016"), encoding="utf-8")
    with pytest.raises(UserError) as exc:
        load_config(bad, raw_dir=root / "data" / "raw")
    assert str(exc.value) == (f"{bad}: key 'phases.vitality.final_year': must not be before "
                              "base_year (2017)")
    ok = load_config(root / "config" / "suupohja.yml", raw_dir=root / "data" / "raw")
    assert ok.phases["vitality"]["index"] == "config/vitality_index.yml"


def test_write_exports_for_the_runner(tmp_path, monkeypatch, processed):
    """The runner's entry point on the bundled config and the prepared bundled data."""
    from research.report import vitality
    from research.core.tables import read_table
    root = Path(__file__).parents[3]
    monkeypatch.chdir(root)
    paths = vitality.write_exports("config/suupohja.yml", tmp_path, processed=processed)
    table = pd.read_csv(paths[0], dtype={"code": str})
    assert {"municipality", "subregion", "region", "country"} == set(table["level"])
    sub = table[(table["code"] == "141") & (table["level"] == "subregion")]
    assert {2017, 2021} <= set(sub["year"])
    coverage = pd.read_csv(paths[-1]).set_index("theme")
    assert paths[-1].name == "vitality_index_coverage.csv"
    assert (coverage.loc["all", "n_framework"], coverage.loc["all", "n_entered"]) == (16, 14)
    classes = read_table(processed, "municipalities")
    latest = classes[(classes["year"] == classes["year"].max()) & (classes["region_code"] != "21")]
    assert (sub["n_ranked"] == latest["subregion_code"].nunique()).all()


def test_every_vitality_label_key_used_exists_in_both_languages():
    import re
    from research.core import labels
    root = Path(__file__).parents[3]
    text = "".join(p.read_text(encoding="utf-8") for p in (
        root / "src" / "research" / "report" / "vitality.py",
        root / "src" / "research" / "report" / "vitality_audit.py",
        root / "src" / "research" / "report" / "vitality_charts.py",
        root / "notebooks" / "vitality.py"))
    keys = set(re.findall(r'"(vitality\.[a-z_]+)"', text))
    keys |= {f"vitality.{p}{v}" for p, values in {
        "treat_": ["none", "winsorise", "log"], "method_": ["nearest_year", "group_median"],
        "factor_": ["normalisation", "aggregation", "imputation", "weights", "counts"],
        "norm_": list(NORMALISATIONS), "agg_": list(AGGREGATIONS),
        "group_": ["1", "2", "3"], "reason_": ["no_series", "no_year"]}.items()
        for v in values}
    keys |= {f"vitality.method_{step}" for step in STEPS if step not in ("imputation",)}
    table = labels.table()
    missing = sorted(k for k in keys if set(table.get(k, {})) != {"fi", "en", "sv"})
    assert missing == []
