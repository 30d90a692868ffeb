"""Benchmark of the vitality index: all municipalities, all years, 1,000 Monte Carlo draws.

Times `compute_index` twice: on the processed `indicators` table as it is (the
real report), and with every source series of the framework except population replaced by
a seeded synthetic series covering every year, so that all indicators enter (the worst
case). Prints both wall times; the budget is 20 s on 2 cores.

    PYTHONPATH=src python benchmarks/bench_vitality.py [config/vitality_index.yml]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from research.index.build import compute_index
from research.index.framework import Framework, load_framework, with_catalogue
from research.core.tables import read_table


def synthetic_supplement(indicators: pd.DataFrame, fw: Framework,
                         seed: int = 1) -> pd.DataFrame:
    """Seeded log-normal series, every year of population, for the framework's source
    series other than population (replacing the real ones)."""
    rng = np.random.default_rng(seed)
    indicators = indicators[indicators["indicator"] == "population"]
    have = {"population"}
    base = indicators[indicators["indicator"] == "population"][["municipality_code", "year"]]
    parts = []
    needed = sorted({s for _, r in fw.indicators.iterrows() for s in fw.sources(r)} - have)
    pop = indicators[indicators["indicator"] == "population"].set_index(
        ["municipality_code", "year"])["value"]
    for name in needed:
        level = rng.lognormal(0, 0.5, base["municipality_code"].nunique())
        codes = pd.Series(level, index=sorted(base["municipality_code"].unique()))
        v = base["municipality_code"].map(codes).to_numpy() * rng.lognormal(0, 0.1, len(base))
        if name in ("unemployed", "labour_force", "vacancies"):
            share = {"unemployed": 0.05, "labour_force": 0.5, "vacancies": 0.01}[name]
            v = v * share * pop.reindex(pd.MultiIndex.from_frame(base)).to_numpy()
        parts.append(base.assign(indicator=name, value=v, flag=""))
    return pd.concat([indicators, *parts], ignore_index=True)


def timed(label: str, indicators, municipalities, fw) -> float:
    start = time.perf_counter()
    result = compute_index(indicators, municipalities, fw, 2017, 2022, draws=1000)
    elapsed = time.perf_counter() - start
    muni = result.scores[result.scores["level"] == "municipality"]
    print(f"vitality index ({label}): {muni['code'].nunique()} municipalities x "
          f"{muni['year'].nunique()} years, {len(result.framework.indicators)} indicators, "
          f"1000 draws, with sub-regions and regions: {elapsed:.1f} s")
    return elapsed


def main(config: str = "config/vitality_index.yml", processed: str = "data/processed") -> float:
    fw = load_framework(config)
    indicators = read_table(processed, "indicators")
    municipalities = read_table(processed, "municipalities")
    if fw.from_catalogue:
        fw = with_catalogue(fw, read_table(processed, "indicator_catalogue"))
    real = timed("real data", indicators, municipalities, fw)
    full = timed("all indicators, synthetic", synthetic_supplement(indicators, fw),
                 municipalities, fw)
    return max(real, full)


if __name__ == "__main__":
    main(*sys.argv[1:])
