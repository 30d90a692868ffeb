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


def _by_year(s: pd.Series, lag: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A series as units x years (every year in its range) and the same `lag` years earlier."""
    w = s.unstack("year")
    years = np.arange(int(w.columns.min()), int(w.columns.max()) + 1)
    w = w.reindex(columns=years)
    prev = w.reindex(columns=years - lag)
    prev.columns = years
    return w, prev


def _long(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame.stack(future_stack=True).rename(name)


def _change(s: pd.Series, lag: int) -> pd.Series:
    w, prev = _by_year(s, lag)
    return _long(100.0 * (w / prev - 1.0), s.name)


def _columns(table: pd.DataFrame, fw: Framework, groups: pd.Series | None, counts: bool
             ) -> dict[str, tuple]:
    """Per indicator: its values and, with `counts`, the count behind each value and the
    factor that makes the value of it (None, None for a level: its count is not known)."""
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
        count = factor = None
        if r["kind"] == "rate":
            num, den = raw[r["numerator"]], raw[r["denominator"]]
            ok = num.notna() & den.notna() & (den > 0)
            if groups is not None:
                num, den = total(num.where(ok)), total(den.where(ok))
            value = r["scale"] * num / den.where(den > 0)
            count, factor = (num, r["scale"] / den.where(den > 0)) if counts else (None, None)
        elif r["kind"] == "change":
            src = raw[r["source"]]
            src = total(src) if groups is not None else src
            value = _change(src, int(r["lag"]))
            if counts:
                w, prev = _by_year(src, int(r["lag"]))
                count, factor = _long(w - prev, r["id"]), _long(100.0 / prev, r["id"])
        else:
            value = raw[r["source"]]
            if groups is not None:
                w = raw[r["weight_by"]] if r["weight_by"] in raw else pd.Series(1.0, raw.index)
                ok = value.notna() & w.notna()
                value = total((value * w).where(ok)) / total(w.where(ok))
        cols[r["id"]] = (value, count, factor)
    return cols


def denominate(table: pd.DataFrame, fw: Framework, groups: pd.Series | None = None
               ) -> pd.DataFrame:
    """Step 'denomination': indicator values (rows code x year, one column per indicator).

    Without `groups` the units are municipalities. With `groups` (municipality code -> area
    code) the units are areas, computed from summed numerators and denominators (rates), a
    summed source (changes) or a `weight_by`-weighted mean (levels), never from averaged scores.
    """
    cols = _columns(table, fw, groups, counts=False)
    out = pd.DataFrame({k: v[0] for k, v in cols.items()})
    out = out[list(fw.indicators["id"])].sort_index()
    return out.dropna(how="all")


def count_basis(table: pd.DataFrame, fw: Framework, index: pd.Index,
                groups: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The counts behind the values of `denominate` (rows `index`, one column per indicator)
    and the factor that makes a value of its count (value = factor * count): for a rate its
    numerator and scale / denominator; for a change the change of the count over `lag` years
    and 100 / the earlier count. Levels, whose counts are not known, are NaN. These are the
    counts whose chance variation the uncertainty analysis draws (`uncertainty.perturb`)."""
    cols = _columns(table, fw, groups, counts=True)
    ids = list(fw.indicators["id"])
    nan = pd.Series(np.nan, index=index)
    count = pd.DataFrame({k: nan if c is None else c.reindex(index)
                          for k, (_, c, _) in cols.items()})[ids]
    factor = pd.DataFrame({k: nan if f is None else f.reindex(index)
                           for k, (_, _, f) in cols.items()})[ids]
    return count, factor


def denomination_table(fw: Framework, values: pd.DataFrame) -> pd.DataFrame:
    """The audit table of the denomination: each indicator's formula and years of data."""
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
