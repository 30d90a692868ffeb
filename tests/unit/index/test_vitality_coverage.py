"""The vitality index on the bundled statistics covers the framework: at least 13 of its 16
indicators at the base year 2017 and the final year 2021, every theme with at least two,
and the export's coverage column is the share of the whole framework."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from research.core.config import load_config
from research.core.tables import read_table
from research.index.build import compute_index
from research.index.export import coverage_table
from research.index.framework import load_framework

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def result(processed):
    cfg = load_config(ROOT / "config" / "suupohja.yml", raw_dir=ROOT / "data" / "raw")
    vit = cfg["phases"]["vitality"]
    assert (vit["base_year"], vit["final_year"]) == (2017, 2021)
    fw = load_framework(ROOT / "config" / "vitality_index.yml")
    return compute_index(read_table(processed, "indicators"),
                         read_table(processed, "municipalities"), fw, 2017, 2021, draws=20)


def test_framework_covered_at_base_and_final_year(result):
    cov = coverage_table(result).set_index("theme")
    assert cov.loc["all", "n_framework"] == 16
    assert cov.loc["all", "n_entered"] >= 13
    themes = cov.drop("all")
    assert len(themes) == 5 and (themes["n_entered"] >= 2).all()
    long = result.indicator_scores
    muni = long[(long["level"] == "municipality") & long["year"].isin([2017, 2021])]
    observed = muni[~muni["imputed"] & muni["value"].notna()]
    per_year = observed.groupby("year")["indicator"].nunique()
    assert (per_year[2017], per_year[2021]) == (14, 13)  # tertiary 2021 from its 2020 value
    missing = set(result.step("framework").query("not available")["indicator"])
    assert missing == {"social_assistance_share", "early_school_leavers"}


def test_coverage_column_is_share_of_the_framework(result):
    s = result.scores
    k = s[(s["level"] == "municipality") & (s["code"] == "232")].set_index("year")["coverage"]
    assert k[2017] == pytest.approx(14 / 16)
    assert k[2021] == pytest.approx(13 / 16)
    assert np.nanmax(s["coverage"]) <= 14 / 16 + 1e-12
