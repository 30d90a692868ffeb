"""The vitality index's uncertainty (issue 14, items 2 and 3): the change band on one scale,
the shown rank the median of the draws inside its band, and the chance variation of small
counts, each checked against a hand calculation or an independent implementation."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from research.index import uncertainty
from research.index.aggregate import aggregate, aggregate_draws
from research.index.build import compute_index, index_change
from research.index.denominate import count_basis, denominate
from research.index.framework import load_framework
from research.index.uncertainty import draw_choices, perturb
from research.report import vitality

N = 30          # municipalities; 001 is tiny (50 in the labour force), the others large
YEARS = (2016, 2017)


def _world() -> tuple[pd.DataFrame, pd.DataFrame]:
    """30 mainland municipalities, two years: unemployed / labour force (a rate) and a level
    `score`, both spread evenly (no outlier treatment)."""
    munis, rows = [], []
    for i in range(1, N + 1):
        code = f"{i:03d}"
        munis.append({"year": 2017, "municipality_code": code, "name_fi": f"K{i}",
                      "subregion_code": "S1" if i <= 10 else "S2" if i <= 20 else "S3",
                      "subregion_name": "S", "region_code": "01", "region_name": "R",
                      "urban_rural_code": "1"})
        for y in YEARS:
            lf = 50.0 if i == 1 else 1000.0 + 37 * i
            share = 0.04 + 0.004 * ((i * 7 + 3 * (y - 2016)) % 25)
            unemployed = {(1, 2016): 5.0, (1, 2017): 3.0}.get((i, y), round(share * lf))
            values = {"unemployed": unemployed, "labour_force": lf,
                      "score": float((i * 11 + 5 * (y - 2016)) % 31)}
            rows += [{"municipality_code": code, "year": y, "indicator": k, "value": v,
                      "flag": ""} for k, v in values.items()]
    return pd.DataFrame(rows), pd.DataFrame(munis)


def _framework(tmp_path, count_noise: bool, draws: int = 400):
    spec = {"id": "t", "settings": {"draws": draws, "seed": 11, "min_reference": 20,
                                    "count_noise": count_noise},
            "themes": [{"id": "work", "weight": 1}, {"id": "other", "weight": 2}],
            "indicators": [
                {"id": "unemployment", "theme": "work", "direction": -1, "kind": "rate",
                 "numerator": "unemployed", "denominator": "labour_force", "scale": 100},
                {"id": "score", "theme": "other", "direction": 1, "kind": "level",
                 "source": "score"}]}
    path = tmp_path / f"fw_{count_noise}.yml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return load_framework(path)


def _hand_scores(values: pd.DataFrame, method: str) -> pd.DataFrame:
    """Min-max, z-score and percentile scores by hand, goalposts from 2016 (all units)."""
    out = {}
    for col, direction in (("unemployment", -1), ("score", 1)):
        x = direction * values[col]
        ref = x[x.index.get_level_values("year") == 2016].to_numpy()
        if method == "minmax":
            out[col] = 100 * (x - ref.min()) / (ref.max() - ref.min())
        elif method == "zscore":
            out[col] = 50 + 10 * (x - ref.mean()) / ref.std(ddof=1)
        else:
            out[col] = x.map(lambda v: 100 * ((ref < v).sum() + 0.5 * (ref == v).sum())
                             / len(ref))
    return pd.DataFrame(out)


def _hand_draws(values: pd.DataFrame, fw, draws: int) -> tuple[np.ndarray, np.ndarray]:
    """Index of every unit-year in every draw, by hand: one indicator per theme, so a theme
    score is its indicator's score; the index is the theme-weighted arithmetic or geometric
    mean. Returns the index (rows x draws) and the normalisation of each draw."""
    ch = draw_choices(fw, draws, 11, 2, 2)
    scores = {m: _hand_scores(values, m).to_numpy() for m in ("minmax", "zscore",
                                                              "percentile")}
    out = np.empty((len(values), draws))
    for d in range(draws):
        s = scores[("minmax", "zscore", "percentile")[ch["normalisation"][d]]]
        w = np.array([1.0, 2.0]) * ch["w_theme"][:, d]
        if ch["aggregation"][d] == 0:
            out[:, d] = (s * w).sum(axis=1) / w.sum()
        else:
            out[:, d] = np.exp((np.log(np.maximum(s, 1.0)) * w).sum(axis=1) / w.sum())
    return out, ch["normalisation"]


@pytest.fixture(scope="module")
def world():
    return _world()


# --- item 2: one scale, the median rank inside its band ----------------------------------


def test_change_band_uses_the_nominal_scale_only(world, tmp_path):
    """Draws with z-scores or percentiles are on other scales: the band of a change in points
    is the percentile of the min-max draws' changes (by hand), not of all draws pooled."""
    indicators, municipalities = world
    fw = _framework(tmp_path, count_noise=False)
    result = compute_index(indicators, municipalities, fw, 2016, 2017, areas=False)
    values = denominate(indicators, fw)
    draws, norm = _hand_draws(values, fw, 400)
    codes = values.index.get_level_values("code")
    years = values.index.get_level_values("year")
    ch = index_change(result, level="municipality").set_index("code")
    for code in ("001", "017"):
        b = np.flatnonzero((codes == code) & (years == 2016))[0]
        f = np.flatnonzero((codes == code) & (years == 2017))[0]
        diff = draws[f] - draws[b]
        same = diff[norm == 0]
        assert ch.loc[code, "change_draws"] == (norm == 0).sum()
        assert ch.loc[code, "change_p05"] == pytest.approx(np.percentile(same, 5))
        assert ch.loc[code, "change_p95"] == pytest.approx(np.percentile(same, 95))
        assert ch.loc[code, "change_median"] == pytest.approx(np.median(same))
        assert np.percentile(diff, 95) != pytest.approx(np.percentile(same, 95))


def test_rank_is_the_median_of_the_draws_and_inside_its_band(world, tmp_path, make_report):
    """Ranks by hand (scipy, ties 'min') of the hand-computed draws: the table's median and
    band are theirs; the rank shown in the report is that median."""
    indicators, municipalities = world
    fw = _framework(tmp_path, count_noise=False)
    result = compute_index(indicators, municipalities, fw, 2016, 2017, areas=False)
    values = denominate(indicators, fw)
    draws, _ = _hand_draws(values, fw, 400)
    years = values.index.get_level_values("year").to_numpy()
    ranks = np.empty_like(draws)
    for y in YEARS:
        rows = years == y
        ranks[rows] = stats.rankdata(-draws[rows], method="min", axis=0)
    s = result.scores.set_index(["code", "year"]).loc[values.index]
    np.testing.assert_allclose(s["rank_median"], np.median(ranks, axis=1))
    np.testing.assert_allclose(s["rank_p05"], np.percentile(ranks, 5, axis=1))
    np.testing.assert_allclose(s["rank_p95"], np.percentile(ranks, 95, axis=1))
    report = make_report(language="en")
    for _, row in result.scores.iterrows():
        shown, band = vitality.rank_text(report, row).split(" (")
        low, high = band.split(")")[0].split("–")
        assert int(low) <= int(shown) <= int(high)


def test_rank_text_shows_the_median_not_the_nominal_rank(make_report):
    """Karijoki 2017 today: nominal rank 216 outside its band 199-270 would be shown."""
    report = make_report(language="fi")
    row = pd.Series({"rank": 216.0, "rank_median": 230.4, "rank_p05": 199.0,
                     "rank_p95": 270.0, "n_ranked": 292.0})
    assert vitality.rank_text(report, row) == "230 (199–270) / 292"
    row["rank"] = 150.0   # outside the band: not what is shown
    assert vitality.rank_text(report, row) == "230 (199–270) / 292"


# --- item 3: chance variation of small counts ---------------------------------------------


def test_perturb_keeps_the_mean_and_gives_poisson_variance():
    """value = factor * count; redrawn counts are Poisson: mean = value, variance =
    factor^2 * |count| (hand calculation); values without a count stay as they are."""
    values = np.array([[2.0, 40.0, 7.0, -9.0]])
    count = np.array([[4.0, 400.0, np.nan, -9.0]])
    factor = np.array([[0.5, 0.1, np.nan, 1.0]])
    out = perturb(values, count, factor, np.random.default_rng(3), 40_000)[0]
    assert out.shape == (4, 40_000)
    np.testing.assert_allclose(out.mean(axis=1)[[0, 1, 3]], [2.0, 40.0, -9.0], atol=0.05)
    np.testing.assert_allclose(out.var(axis=1)[[0, 1, 3]], [0.25 * 4, 0.01 * 400, 9.0],
                               rtol=0.05)
    assert (out[2] == 7.0).all()


def test_count_basis_is_numerator_and_scale_over_denominator(world, tmp_path):
    indicators, _ = world
    fw = _framework(tmp_path, count_noise=True)
    values = denominate(indicators, fw)
    count, factor = count_basis(indicators, fw, values.index)
    assert count.loc[("001", 2016), "unemployment"] == 5.0
    assert factor.loc[("001", 2016), "unemployment"] == pytest.approx(100 / 50)
    np.testing.assert_allclose(count["unemployment"] * factor["unemployment"],
                               values["unemployment"])
    assert count["score"].isna().all()         # a level: its count is not known
    groups = pd.Series(["S1"] * 10 + ["S2"] * 10 + ["S3"] * 10,
                       index=[f"{i:03d}" for i in range(1, N + 1)])
    area = denominate(indicators, fw, groups)
    c, f = count_basis(indicators, fw, area.index, groups)
    wide = indicators.pivot_table(index=["municipality_code", "year"], columns="indicator",
                                  values="value")
    s1 = wide.loc[[f"{i:03d}" for i in range(1, 11)]].xs(2017, level="year")
    assert c.loc[("S1", 2017), "unemployment"] == s1["unemployed"].sum()   # summed counts
    assert f.loc[("S1", 2017), "unemployment"] == pytest.approx(100 / s1["labour_force"].sum())


def test_change_of_a_count_has_the_change_as_its_count():
    from research.index.framework import Framework
    fw = Framework("x", {}, {}, pd.DataFrame({"id": ["t"], "name_fi": [""], "name_en": [""],
                                              "weight": [1.0]}),
                   pd.DataFrame([{"id": "g", "theme": "t", "direction": 1, "kind": "change",
                                  "source": "population", "lag": 1, "weight": 1.0,
                                  "scale": 1.0, "weight_by": "population"}]))
    table = pd.DataFrame({"municipality_code": ["001"] * 2, "year": [2016, 2017],
                          "indicator": ["population"] * 2, "value": [1200.0, 1208.0]})
    values = denominate(table, fw)
    count, factor = count_basis(table, fw, values.index)
    assert count.loc[("001", 2017), "g"] == 8.0                   # eight more residents
    assert factor.loc[("001", 2017), "g"] == pytest.approx(100 / 1200)
    assert values.loc[("001", 2017), "g"] == pytest.approx(100 * 8 / 1200)


def test_aggregate_draws_equals_aggregate_draw_by_draw():
    rng = np.random.default_rng(5)
    S = rng.uniform(0, 100, (6, 3, 4))
    S[1, 2, :] = np.nan
    theme_of = np.array([0, 0, 1])
    w_ind, w_theme = rng.uniform(0.5, 1.5, (3, 4)), rng.uniform(0.5, 1.5, (2, 4))
    for method in ("arithmetic", "geometric"):
        got = aggregate_draws(S, theme_of, w_ind, w_theme, method, 1.0)
        for d in range(4):
            _, ref = aggregate(S[:, :, d], theme_of, w_ind[:, d], w_theme[:, d], method, 1.0)
            np.testing.assert_allclose(got[:, d], ref[:, 0])


def _exact_quantiles(n_b, d_b, n_f, d_f, c, qs=(0.05, 0.95)):
    """Quantiles of c * (N_f / d_f - N_b / d_b) with N ~ Poisson(n), by enumeration."""
    kb = np.arange(0, stats.poisson.ppf(1 - 1e-12, n_b) + 1)
    kf = np.arange(0, stats.poisson.ppf(1 - 1e-12, n_f) + 1)
    diff = (c * (kf[None, :] / d_f - kb[:, None] / d_b)).ravel()
    prob = (stats.poisson.pmf(kb, n_b)[:, None] * stats.poisson.pmf(kf, n_f)[None, :]).ravel()
    order = np.argsort(diff)
    cdf = np.cumsum(prob[order])
    return [diff[order][np.searchsorted(cdf, q)] for q in qs]


def test_chance_band_of_a_small_unit_matches_exact_poisson(world, tmp_path, monkeypatch):
    """Unit 001: 5 of 50 unemployed in 2016, 3 of 50 in 2017. With only the counts redrawn,
    its index change is (weights 1:2, min-max) 2/3 of the level's change in points plus
    1/3 * 100 * 100 * (N16/50 - N17/50) / range: the band equals the exact quantiles of that difference of Poisson counts; a large
    unit's band is narrow; without `count_noise` there is no such band."""
    indicators, municipalities = world
    monkeypatch.setattr(uncertainty, "SENSITIVITY_WEIGHT_DRAWS", 6000)
    fw = _framework(tmp_path, count_noise=True, draws=6000)
    result = compute_index(indicators, municipalities, fw, 2016, 2017, areas=False)
    values = denominate(indicators, fw)
    ref = -values.xs(2016, level="year")["unemployment"]
    c = 100 / (ref.max() - ref.min()) / 3 * 100          # points per unit of the rate / 100
    score = 2 / 3 * 100 * (16 - 11) / (30 - 1)           # the level's part: not redrawn
    q = [score + x for x in _exact_quantiles(5, 50, 3, 50, -c, (0.04, 0.06, 0.94, 0.96))]
    ch = index_change(result, level="municipality").set_index("code")
    tiny = ch.loc["001"]
    # 6000 draws: the 5 % and 95 % points of the draws lie within the exact 4-6 % and
    # 94-96 % quantiles (more than 3 standard errors of a sample quantile's level)
    assert q[0] <= tiny["chance_p05"] <= q[1] and q[2] <= tiny["chance_p95"] <= q[3]
    assert q[1] - q[0] < 2 * c / 50 and q[3] - q[2] < 2 * c / 50    # the bounds are tight
    low, high = q[0], q[3]
    big = ch.drop("001")
    assert ((big["chance_p95"] - big["chance_p05"]) < 0.5 * (high - low)).all()
    off = compute_index(indicators, municipalities, _framework(tmp_path, False), 2016, 2017,
                        areas=False)
    assert "chance_p05" not in off.change
    assert "counts" not in set(off.sensitivity["factor"])
    assert "counts" in set(result.sensitivity["factor"])


# --- the bundled data ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled(processed):
    from research.report.context import setup
    rep = setup("config/suupohja.yml", "baseline", "218", str(processed), "data/raw", "fi")
    return rep, vitality.build(rep)


def test_no_shown_rank_outside_its_band_in_the_bundled_index(bundled):
    """Today 16 unit-years (14 municipalities, 2 sub-regions) show a nominal rank outside
    their own 90 % band."""
    rep, result = bundled
    s = result.scores[result.scores["rank_median"].notna()]
    assert len(s) > 5000
    for _, row in s.iterrows():
        shown, band = vitality.rank_text(rep, row).split(" (")
        low, high = band.split(")")[0].split("–")
        assert int(low) <= int(shown) <= int(high), row["code"]


def test_karijoki_change_sentence_names_chance_variation_and_one_scale(bundled):
    rep, result = bundled
    text = vitality.summary(result, rep, "municipality", "218")
    c = index_change(result, ["218"], "municipality").iloc[0]
    assert c["change_draws"] == (draw_choices(result.framework, 1000, 2017, 1, 1)
                                 ["normalisation"] == 0).sum()
    assert c["chance_p05"] < c["change"] < c["chance_p95"]
    assert text.startswith("Karijoki: indeksi 50,8 vuonna 2017 ja 56,1 vuonna 2021, muutos "
                           "+5,3 pistettä (90\u00a0%:n vaihteluväli ")
    assert "Pelkkä pienten lukumäärien satunnaisvaihtelu antaa muutokselle välin " in text
    assert "arvotaan Poisson-jakaumasta" in text and f"niistä {int(c['change_draws'])} " in text
    assert vitality.summary(result, rep, "municipality", "218", note=False) in text


def _noisy(world, tmp_path):
    from research.index.build import start
    indicators, municipalities = world
    fw = _framework(tmp_path, count_noise=True, draws=300)
    run, filled, scorer = start(indicators, municipalities, fw, 2016, 2017, None, None)
    p = uncertainty.prepare(scorer, filled, run.out["imputed"], fw,
                            count_basis(run.out["table"], fw, filled.index))
    return p, draw_choices(fw, 300, 11, 2, 2)


def test_counts_drawn_by_a_second_thread_are_the_numbers_of_one_thread(world, tmp_path):
    """`simulate` draws the counts in a thread ahead of their use; the result is that of
    drawing each chunk's counts from the one stream just before scoring it."""
    p, choices = _noisy(world, tmp_path)
    got = uncertainty.simulate(p, choices, 1.0, np.random.default_rng([11, 1]))
    rng = np.random.default_rng([11, 1])
    want = np.full_like(got, np.nan)
    w_ind, w_theme = p.w_ind[:, None] * choices["w_ind"], p.w_theme[:, None] * choices["w_theme"]
    for m, method in enumerate(uncertainty.NORMALISATIONS):
        for a, agg in enumerate(uncertainty.AGGREGATIONS):
            for imp in (True, False):
                cols = np.flatnonzero((choices["normalisation"] == m)
                                      & (choices["aggregation"] == a)
                                      & (choices["imputation"] == imp))
                for start in range(0, len(cols), uncertainty.NOISE_CHUNK):
                    part = cols[start:start + uncertainty.NOISE_CHUNK]
                    want[:, part] = aggregate_draws(p.noise.scores(method, imp, rng, len(part)),
                                                    p.theme_of, w_ind[:, part],
                                                    w_theme[:, part], agg, 1.0)
    assert choices["counts"].all() and not np.isnan(got).all()
    np.testing.assert_array_equal(got, want)


def test_an_error_of_the_drawing_thread_is_raised_where_its_draws_are_used(world, tmp_path,
                                                                          monkeypatch):
    import threading
    p, choices = _noisy(world, tmp_path)
    calls = []

    def draw(self, rng, draws):
        calls.append(draws)
        if len(calls) == 3:
            raise MemoryError("no room for the draws")
        return uncertainty.draw_counts(self.count, self.factor, rng, draws)

    monkeypatch.setattr(uncertainty.Noise, "draw", draw)
    with pytest.raises(MemoryError, match="no room for the draws"):
        uncertainty.simulate(p, choices, 1.0, np.random.default_rng(1))
    assert len(calls) == 3
    assert not [t for t in threading.enumerate() if t.name == "count-draws"]
