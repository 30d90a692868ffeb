"""Verb 'denominate': indicator values from the tidy indicators table, as rates, changes or
levels, for municipalities or for areas (from summed numerators and denominators)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.index.framework import KEY, Framework


def _wide(table: pd.DataFrame, series: list[str]) -> pd.DataFrame:
    sub = table[table["indicator"].isin(series)]
    wide = sub.pivot(index=["municipality_code", "year"], columns="indicator", values="value")
    wide.index = wide.index.set_names(KEY)
    return wide.reindex(columns=sorted(set(series)))


def _change(s: pd.Series, lag: int) -> pd.Series:
    w = s.unstack("year")
    years = np.arange(int(w.columns.min()), int(w.columns.max()) + 1)
    w = w.reindex(columns=years)
    prev = w.reindex(columns=years - lag)
    prev.columns = years
    out = 100.0 * (w / prev - 1.0)
    return out.stack(future_stack=True).rename(s.name)


def denominate(table: pd.DataFrame, fw: Framework, groups: pd.Series | None = None
               ) -> pd.DataFrame:
    """Step 'denomination': indicator values (rows code x year, one column per indicator).

    Without `groups` the units are municipalities. With `groups` (municipality code -> area
    code) the units are areas, computed from summed numerators and denominators (rates), a
    summed source (changes) or a `weight_by`-weighted mean (levels), never from averaged scores.
    """
    series = sorted({s for _, r in fw.indicators.iterrows() for s in fw.sources(r)}
                    | set(fw.indicators.loc[fw.indicators["kind"] == "level", "weight_by"]))
    raw = _wide(table, series)
    if groups is not None:
        raw = raw[raw.index.get_level_values("code").isin(groups.index)]
        keys = [raw.index.get_level_values("code").map(groups), raw.index.get_level_values("year")]

    def total(s: pd.Series) -> pd.Series:
        out = s.groupby(keys).sum(min_count=1)
        out.index = out.index.set_names(KEY)
        return out

    cols = {}
    for _, r in fw.indicators.iterrows():
        if r["kind"] == "rate":
            num, den = raw[r["numerator"]], raw[r["denominator"]]
            ok = num.notna() & den.notna() & (den > 0)
            if groups is not None:
                num, den = total(num.where(ok)), total(den.where(ok))
            cols[r["id"]] = r["scale"] * num / den.where(den > 0)
        elif r["kind"] == "change":
            src = raw[r["source"]]
            cols[r["id"]] = _change(total(src) if groups is not None else src, int(r["lag"]))
        else:
            val = raw[r["source"]]
            if groups is not None:
                w = raw[r["weight_by"]] if r["weight_by"] in raw else pd.Series(1.0, raw.index)
                ok = val.notna() & w.notna()
                val = total((val * w).where(ok)) / total(w.where(ok))
            cols[r["id"]] = val
    out = pd.DataFrame(cols)
    out = out[list(fw.indicators["id"])].sort_index()
    return out.dropna(how="all")


def denomination_table(fw: Framework, values: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, r in fw.indicators.iterrows():
        v = values[r["id"]].dropna()
        formula = {"rate": f"{r['scale']:g} * {r['numerator']} / {r['denominator']}",
                   "change": f"100 * ({r['source']}[t] / {r['source']}[t-{int(r['lag'])}] - 1)",
                   "level": r["source"]}[r["kind"]]
        years = v.index.get_level_values("year")
        rows.append({"indicator": r["id"], "kind": r["kind"], "formula": formula,
                     "n_values": len(v), "first_year": int(years.min()) if len(v) else None,
                     "last_year": int(years.max()) if len(v) else None})
    return pd.DataFrame(rows)
