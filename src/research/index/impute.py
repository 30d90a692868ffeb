"""Verbs 'screen' and 'impute': leave out unit-years with too few indicators, then fill each
remaining gap from the unit's nearest year or its group's median, logging every value."""

from __future__ import annotations

import numpy as np
import pandas as pd


def screen(values: pd.DataFrame, min_coverage: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step 'screening': keep unit-years with at least `min_coverage` of indicators observed.

    Years qualify when at least `min_coverage` of the indicators are observed for at least
    half of the units that year. Returns (kept values, table of left-out unit-years).
    """
    observed = values.notna()
    by_year = observed.groupby(level="year").mean()
    year_ok = (by_year >= 0.5).mean(axis=1) >= min_coverage - 1e-12
    coverage = observed.mean(axis=1)
    in_year = values.index.get_level_values("year").map(year_ok).to_numpy(dtype=bool)
    keep = in_year & (coverage.to_numpy() >= min_coverage - 1e-12)
    excluded = coverage[in_year & ~keep].rename("coverage").reset_index()
    return values[keep], excluded


def impute(values: pd.DataFrame, group: pd.Series, max_gap: int
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step 'imputation': fill each gap with the unit's own nearest year (within `max_gap`
    years, the earlier year on a tie), else with the median of its group (urban/rural class)
    that year. Returns (filled values, audit table of every imputed value)."""
    filled = values.copy()
    records = []
    years = np.arange(int(values.index.get_level_values("year").min()),
                      int(values.index.get_level_values("year").max()) + 1)
    for col in values.columns:
        w = values[col].unstack("year").reindex(columns=years)
        out = w.copy()
        source = pd.DataFrame(np.nan, index=w.index, columns=years)
        for gap in range(1, max_gap + 1):
            for shift in (gap, -gap):
                cand = w.shift(shift, axis=1)
                take = out.isna() & cand.notna()
                out = out.mask(take, cand)
                source = source.mask(take, pd.DataFrame(np.broadcast_to(years - shift, w.shape),
                                                        index=w.index, columns=years))
        long = out.stack(future_stack=True).reindex(values.index)
        src = source.stack(future_stack=True).reindex(values.index)
        gaps = (values[col].isna() & long.notna()).to_numpy()
        records += [{"code": code, "year": int(year), "indicator": col, "value": v,
                     "method": "nearest_year", "source": str(int(s))}
                    for (code, year), v, s in zip(values.index[gaps], long.to_numpy()[gaps],
                                                  src.to_numpy()[gaps])]
        col_values = values[col].where(~values[col].isna(), long)
        codes = values.index.get_level_values("code")
        g = codes.map(group)
        medians = values[col].groupby([g, values.index.get_level_values("year")]).median()
        still = col_values.isna().to_numpy()
        if still.any():
            where = values.index[still]
            their = [group.get(c) for c in where.get_level_values("code")]
            m = np.array([medians.get((k, y), np.nan) for k, y in
                          zip(their, where.get_level_values("year"))], dtype=float)
            ok = ~np.isnan(m)
            col_values.iloc[np.flatnonzero(still)[ok]] = m[ok]
            records += [{"code": code, "year": int(year), "indicator": col, "value": v,
                         "method": "group_median", "source": str(k)}
                        for (code, year), v, k, good in zip(where, m, their, ok) if good]
        filled[col] = col_values
    audit = pd.DataFrame(records, columns=["code", "year", "indicator", "value", "method",
                                           "source"])
    return filled, audit.sort_values(["indicator", "code", "year"]).reset_index(drop=True)
