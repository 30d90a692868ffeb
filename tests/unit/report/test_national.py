"""A national programme: the config `new-region --country` writes, the bounded set of
municipalities a report compares with, and the vitality report's national rankings."""

from __future__ import annotations

import pytest

from research.core.config import load_config
from research.geo.regions import write_region_config
from research.report import runlevel, vitality
from research.run.matrix import build_matrix

from tests.conftest import RAW


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    return write_region_config(None, tmp_path_factory.mktemp("cfg") / "country.yml", RAW, 2017)


def test_country_config_has_every_mainland_municipality(national):
    cfg = load_config(national, RAW)
    assert len(cfg.municipalities) == 292
    assert "232" in cfg.municipalities and "478" not in cfg.municipalities   # Maarianhamina
    assert cfg.area == ("country", "SSS") and cfg.subregion == ""
    assert cfg["max_compared"] == 10 and cfg.phases["vitality"]["rank_all"] is True
    matrix = build_matrix(cfg)
    assert [u.key for u in matrix if u.phase != "baseline"] == ["evaluation/" + m for m in
                                                                 cfg.municipalities] + [
        "vitality/region"]
    assert sum(u.phase == "baseline" for u in matrix) == 292


def test_a_report_compares_with_a_bounded_set(national, make_report, processed):
    small = make_report("232", processed=processed)
    assert runlevel.compared(small) == ["846", "151", "218"]      # all others, config order
    big = make_report("232", processed=processed, config=national)
    chosen = runlevel.compared(big)
    assert len(chosen) == 10 and "232" not in chosen
    assert sorted(chosen[:3]) == ["151", "218", "846"]             # its own sub-region first
    subregions = big.classification["subregion_code"]
    assert all(subregions[c] != "141" for c in chosen[3:])
    region = make_report("region", processed=processed, config=national, phase="vitality")
    assert runlevel.compared(region) == []
    V = vitality.build(region)
    assert vitality.focus(V, region) == [("country", "SSS")]
    assert vitality.focus(V, big)[:1] == [("municipality", "232")]
    assert vitality.focus(V, big)[-3:] == [("subregion", "141"), ("region", "14"),
                                           ("country", "SSS")]


def test_the_vitality_report_ranks_every_municipality_and_subregion(national, make_report,
                                                                   processed):
    region = make_report("region", processed=processed, config=national, phase="vitality")
    V = vitality.build(region)
    munis = vitality.ranking_table(V, region, "municipality")
    s = V.scores[(V.scores["level"] == "municipality") & (V.scores["year"] == V.final_year)]
    assert len(munis) == s["rank_median"].notna().sum()
    best = s.sort_values(["rank_median", "code"]).iloc[0]
    assert munis.iloc[0, 0] == region.name(best["code"])
    assert munis.iloc[0, 2] == vitality.rank_text(region, best)
    subs = vitality.ranking_table(V, region, "subregion")
    assert len(subs) == V.scores.query("level == 'subregion' and year == @V.final_year")[
        "rank_median"].notna().sum()
    assert vitality.ranking_heading(region) == "Ranks of all municipalities and sub-regions"
    suupohja = make_report("region", processed=processed, phase="vitality")
    assert vitality.ranking_table(V, suupohja, "municipality") is None
    assert vitality.ranking_heading(suupohja) is None
