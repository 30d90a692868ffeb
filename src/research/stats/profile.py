"""The baseline statistical profile of one municipality: level, trend and position.

For each catalogue indicator with data for the municipality: its latest value (up to the
baseline year), its trend over the years available (change and average annual change, in the
indicator's unit), its position among the programme's municipalities, its peers, its
sub-region, its region and the whole country (rank, percentile, difference to the median of
the others), and a standardised score against the whole country (direction-aware: positive
is better). Aggregates of several municipalities (`aggregate`) sum counts and recompute
rates from numerators and denominators; a rate is never averaged.

Tables in, tables out: `indicators` and `indicator_catalogue` from `data/processed/`, and the
classification rows indexed by municipality code (`Report.municipalities`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

GROUPS = ("programme", "peers", "subregion", "region", "country")
THEME_ORDER = ("vitality", "population", "wellbeing", "economy", "sustainability")
#: the code of the whole country
COUNTRY = "SSS"


def groups(municipalities: pd.DataFrame, unit: str, programme: list[str],
           peers: list[str]) -> dict[str, list[str]]:
    """Members (the unit included) of each comparison group, sorted codes."""
    row = municipalities.loc[unit]
    return {
        "programme": sorted(set(programme) | {unit}),
        "peers": sorted(set(peers) | {unit}),
        "subregion": sorted(municipalities.index[municipalities["subregion_code"]
                                                 == row["subregion_code"]]),
        "region": sorted(municipalities.index[municipalities["region_code"]
                                              == row["region_code"]]),
        "country": sorted(municipalities.index),
    }


def trend(indicators: pd.DataFrame, unit: str, year: int | None = None) -> pd.DataFrame:
    """Per indicator: first and latest year with a value (up to `year`), the values, the
    change and the average annual change (change / years between), in the unit of the
    indicator."""
    df = indicators[(indicators["municipality_code"] == unit) & indicators["value"].notna()]
    if year is not None:
        df = df[df["year"] <= year]
    df = df.sort_values(["indicator", "year"], kind="stable")
    first = df.groupby("indicator").first()
    last = df.groupby("indicator").last()
    out = pd.DataFrame({
        "first_year": first["year"], "first_value": first["value"],
        "latest_year": last["year"], "value": last["value"], "flag": last["flag"],
    })
    span = (out["latest_year"] - out["first_year"]).replace(0, np.nan)
    out["change"] = (out["value"] - out["first_value"]).where(span.notna())
    out["annual_change"] = out["change"] / span
    return out.reset_index()


def position(values: pd.Series, unit: str, direction: int) -> dict:
    """Rank (1 = best, ties share the better rank), number with data, percentile (share of
    the group, the unit included, at or below the unit, direction-aware: 100 = best), median
    of the other members and the unit's difference to it (in the indicator's unit)."""
    arr = values.to_numpy(dtype=float)
    ok = ~np.isnan(arr)
    n = int(ok.sum())
    mine = values.index == unit
    at = np.flatnonzero(ok & mine)
    if not at.size:
        return {"rank": np.nan, "n": n, "percentile": np.nan, "median": np.nan,
                "difference": np.nan}
    own = arr[at[0]]
    others = arr[ok & ~mine]
    median = float(np.median(others)) if others.size else np.nan
    directed = direction * arr[ok]
    return {
        "rank": int((directed > direction * own).sum()) + 1,
        "n": n,
        # scipy.stats.percentileofscore(directed, direction * own, kind="weak"), without
        # its argument handling (called for every indicator of every report)
        "percentile": float(np.count_nonzero(directed <= direction * own) * (100.0 / n)),
        "median": median,
        "difference": float(own - median) if others.size else np.nan,
    }


def aggregate(indicators: pd.DataFrame, catalogue: pd.DataFrame, codes: list[str]
              ) -> pd.DataFrame:
    """The figures of a group of municipalities: `indicator, year, value, n`.

    Counts are summed; a rate with a numerator and a denominator is scale * sum(numerator) /
    sum(denominator) (a sub-region's population change: sum of the changes over the sum of
    the previous year's populations); in years without the counts, and for a rate with only
    a denominator, it is sum(rate * denominator) / sum(denominator) (its numerators rebuilt);
    a rate without a denominator has no group figure. A year is given only when every
    member has the figures it needs.
    """
    codes = sorted(set(codes))
    sub = indicators[indicators["municipality_code"].isin(codes) & indicators["value"].notna()]
    meta = catalogue.set_index("indicator")
    need = len(codes)

    def complete(df: pd.DataFrame) -> pd.DataFrame:
        return df[df["n"] == need][["indicator", "year", "value", "n"]]

    counts_ids = meta.index[meta["kind"] == "count"]
    summed = (sub[sub["indicator"].isin(counts_ids)]
              .groupby(["indicator", "year"], as_index=False)
              .agg(value=("value", "sum"), n=("value", "size")))
    parts = [complete(summed)]
    wide_counts = summed.pivot(index="year", columns="indicator", values="value")
    wide_n = summed.pivot(index="year", columns="indicator", values="n")
    for ind, row in meta[meta["kind"] == "rate"].iterrows():
        num, den, scale = row["numerator"], row["denominator"], float(row["scale"])
        computed = pd.DataFrame(columns=["indicator", "year", "value", "n"])
        if num and den and num in wide_counts and den in wide_counts:
            value = scale * wide_counts[num] / wide_counts[den]
            n = np.minimum(wide_n[num], wide_n[den])
            computed = complete(pd.DataFrame({"indicator": ind, "year": value.index,
                                              "value": value.to_numpy(), "n": n.to_numpy()}))
            parts.append(computed.dropna(subset=["value"]))
        if den:  # years without counts: the published rates weighted by the denominator
            rate = sub[sub["indicator"] == ind][["municipality_code", "year", "value"]]
            weight = sub[sub["indicator"] == den][["municipality_code", "year", "value"]]
            both = rate.merge(weight, on=["municipality_code", "year"], suffixes=("", "_w"))
            both = both.assign(num=both["value"] * both["value_w"])
            g = both.groupby("year").agg(num=("num", "sum"), den=("value_w", "sum"),
                                         n=("value", "size")).reset_index()
            g["value"] = g["num"] / g["den"].replace(0, np.nan)
            g = complete(g.assign(indicator=ind))
            done = set(computed.dropna(subset=["value"])["year"])
            parts.append(g[~g["year"].isin(done)])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["indicator", "year"], kind="stable").reset_index(drop=True)


def _named(value) -> bool:
    return isinstance(value, str) and value != ""


def membership(municipalities: pd.DataFrame) -> pd.DataFrame:
    """Every area of the classification rows (indexed by code) with its members:
    `municipality_code, level, code` for each sub-region, region and the country (SSS)."""
    codes = pd.Series(municipalities.index.astype(str), index=municipalities.index)
    parts = [pd.DataFrame({"municipality_code": codes.to_numpy(), "level": level,
                           "code": municipalities[column].astype(str).to_numpy()})
             for level, column in (("subregion", "subregion_code"), ("region", "region_code"))]
    parts.append(pd.DataFrame({"municipality_code": codes.to_numpy(), "level": "country",
                               "code": COUNTRY}))
    return pd.concat(parts, ignore_index=True)


def aggregate_areas(indicators: pd.DataFrame, catalogue: pd.DataFrame,
                    members: pd.DataFrame) -> pd.DataFrame:
    """`aggregate` for many groups at once (`members`: `municipality_code, level, code`):
    `level, code, indicator, year, value, n`, the same figures as `aggregate` of each group's
    codes, computed in one pass over the indicators."""
    keys = ["level", "code"]
    members = members.drop_duplicates()
    need = members.groupby(keys).size().rename("need").reset_index()
    sub = indicators[indicators["value"].notna()].merge(members, on="municipality_code")
    meta = catalogue.set_index("indicator")
    kinds = meta["kind"]

    def complete(df: pd.DataFrame) -> pd.DataFrame:
        df = df.merge(need, on=keys)
        return df[df["n"] == df["need"]][[*keys, "indicator", "year", "value", "n"]]

    summed = (sub[sub["indicator"].map(kinds) == "count"]
              .groupby([*keys, "indicator", "year"], as_index=False)
              .agg(value=("value", "sum"), n=("value", "size")))
    rates = meta[meta["kind"] == "rate"]
    pairs = rates[[_named(n) and _named(d) for n, d in zip(rates["numerator"],
                                                           rates["denominator"])]]
    side = lambda which: summed.rename(columns={"indicator": which, "value": f"v_{which}",  # noqa: E731
                                                "n": f"n_{which}"})
    ratio = (pairs.reset_index()[["indicator", "numerator", "denominator", "scale"]]
             .merge(side("numerator"), on="numerator")
             .merge(side("denominator"), on=[*keys, "year", "denominator"]))
    ratio = ratio.assign(value=ratio["scale"].astype(float) * ratio["v_numerator"]
                         / ratio["v_denominator"],
                         n=np.minimum(ratio["n_numerator"], ratio["n_denominator"]))
    ratio = complete(ratio).dropna(subset=["value"])
    weighted = rates[[_named(d) for d in rates["denominator"]]]["denominator"]
    rate = sub[sub["indicator"].isin(weighted.index)]
    rate = rate.assign(denominator=rate["indicator"].map(weighted))
    weight = sub[["municipality_code", "year", *keys, "indicator", "value"]].rename(
        columns={"indicator": "denominator", "value": "value_w"})
    both = rate.merge(weight, on=["municipality_code", "year", *keys, "denominator"])
    both = both.assign(num=both["value"] * both["value_w"])
    g = both.groupby([*keys, "indicator", "year"], as_index=False).agg(
        num=("num", "sum"), den=("value_w", "sum"), n=("value", "size"))
    g = complete(g.assign(value=g["num"] / g["den"].replace(0, np.nan)))
    done = pd.MultiIndex.from_frame(ratio[[*keys, "indicator", "year"]])
    g = g[~pd.MultiIndex.from_frame(g[[*keys, "indicator", "year"]]).isin(done)]
    out = pd.concat([complete(summed), ratio, g], ignore_index=True)
    return out.sort_values([*keys, "indicator", "year"], kind="stable").reset_index(drop=True)


def area_figures(indicators: pd.DataFrame, catalogue: pd.DataFrame,
                 municipalities: pd.DataFrame, area_indicators: pd.DataFrame | None = None
                 ) -> pd.DataFrame:
    """The figures of every sub-region, region and the country (`level, code, indicator,
    year, value, n`), as `profile` and `series` show them: aggregated from the members (see
    `aggregate`); the country's filled with the source's published whole-country figure
    where the municipalities do not cover it. Computed once per run."""
    out = aggregate_areas(indicators, catalogue, membership(municipalities))
    own = out[out["level"] == "country"]
    pub = published(area_indicators, "country", COUNTRY)
    pub = pub[~pub.set_index(["indicator", "year"]).index.isin(
        own.set_index(["indicator", "year"]).index)]
    pub = pub.assign(level="country", code=COUNTRY, n=np.nan)
    return pd.concat([out, pub[out.columns]], ignore_index=True)


def area_series(areas: pd.DataFrame, level: str, code: str) -> pd.DataFrame:
    """One area's rows of `area_figures`: `indicator, year, value`."""
    part = areas[(areas["level"] == level) & (areas["code"] == code)]
    return part[["indicator", "year", "value"]].reset_index(drop=True)


def reference(indicators: pd.DataFrame, catalogue: pd.DataFrame, codes: list[str]
              ) -> pd.DataFrame:
    """The national reference distribution of every indicator and year: direction-aware
    z-scores of `codes` (`indicator, year, municipality_code, z`), as `standardised` gives
    them for one year per indicator. Computed once per run."""
    direction = catalogue.set_index("indicator")["direction"]
    df = indicators[indicators["municipality_code"].isin(codes)
                    & indicators["indicator"].isin(direction.index)].dropna(subset=["value"])
    g = df.groupby(["indicator", "year"])["value"]
    z = (df["value"] - g.transform("mean")) / g.transform("std").replace(0, np.nan)
    df = df.assign(z=z * df["indicator"].map(direction))
    return df[["indicator", "year", "municipality_code", "z"]].reset_index(drop=True)


def standardised(indicators: pd.DataFrame, catalogue: pd.DataFrame, codes: list[str],
                 years: pd.Series) -> pd.DataFrame:
    """Direction-aware z-scores against all `codes` in each indicator's year (`years`:
    indicator -> year): `indicator, municipality_code, z` (positive = better)."""
    direction = catalogue.set_index("indicator")["direction"]
    df = indicators[indicators["indicator"].isin(years.index)
                    & indicators["municipality_code"].isin(codes)]
    df = df[df["year"] == df["indicator"].map(years)].dropna(subset=["value"])
    g = df.groupby("indicator")["value"]
    z = (df["value"] - g.transform("mean")) / g.transform("std").replace(0, np.nan)
    df = df.assign(z=z * df["indicator"].map(direction))
    return df[["indicator", "municipality_code", "z"]].reset_index(drop=True)


def published(area_indicators: pd.DataFrame | None, area_type: str, code: str
              ) -> pd.DataFrame:
    """An area's figures as the sources publish them: `indicator, year, value`."""
    if area_indicators is None or area_indicators.empty:
        return pd.DataFrame(columns=["indicator", "year", "value"])
    df = area_indicators[(area_indicators["area_type"] == area_type)
                         & (area_indicators["area_code"] == code)]
    return df.dropna(subset=["value"])[["indicator", "year", "value"]]


def _country(indicators, catalogue, codes, area_indicators) -> pd.DataFrame:
    """The country's figures: aggregated from municipalities; where they do not cover the
    whole country, the figure the source publishes for the whole country (SSS)."""
    own = aggregate(indicators, catalogue, codes)[["indicator", "year", "value"]]
    pub = published(area_indicators, "country", "SSS")
    pub = pub[~pub.set_index(["indicator", "year"]).index.isin(
        own.set_index(["indicator", "year"]).index)]
    return pd.concat([own, pub], ignore_index=True)


def _figures(indicators, catalogue, municipalities, unit, members, area_indicators, areas
             ) -> dict[str, pd.DataFrame]:
    """The unit's sub-region's and the country's figures: from `areas` when given."""
    if areas is not None:
        return {"subregion": area_series(areas, "subregion",
                                         str(municipalities.loc[unit, "subregion_code"])),
                "country": area_series(areas, "country", COUNTRY)}
    return {"subregion": aggregate(indicators, catalogue, members["subregion"]),
            "country": _country(indicators, catalogue, members["country"], area_indicators)}


def series(indicators: pd.DataFrame, catalogue: pd.DataFrame, municipalities: pd.DataFrame,
           unit: str, peers: list[str], indicator_ids: list[str],
           area_indicators: pd.DataFrame | None = None, areas: pd.DataFrame | None = None
           ) -> pd.DataFrame:
    """Yearly series for trend charts: `indicator, year, series, value` with series 'unit',
    'subregion' (from numerators and denominators), 'country' and 'peers' (the median of
    the peers, the unit excluded). `areas` (`area_figures`, computed once per run) gives the
    sub-region's and the country's figures instead of aggregating them again."""
    members = groups(municipalities, unit, [unit], peers)
    df = indicators[indicators["indicator"].isin(indicator_ids)].dropna(subset=["value"])
    cols = ["indicator", "year", "value"]
    figures = _figures(indicators, catalogue, municipalities, unit, members, area_indicators,
                       areas)
    parts = [
        df[df["municipality_code"] == unit][cols].assign(series="unit"),
        figures["subregion"][cols].assign(series="subregion"),
        figures["country"][cols].assign(series="country"),
        df[df["municipality_code"].isin(set(peers) - {unit})]
        .groupby(["indicator", "year"], as_index=False)["value"].median().assign(series="peers"),
    ]
    out = pd.concat(parts, ignore_index=True)
    out = out[out["indicator"].isin(indicator_ids)]
    return out.sort_values(["indicator", "series", "year"], kind="stable").reset_index(drop=True)


def profile(indicators: pd.DataFrame, catalogue: pd.DataFrame, municipalities: pd.DataFrame,
            unit: str, programme: list[str], peers: list[str], year: int | None = None,
            area_indicators: pd.DataFrame | None = None, areas: pd.DataFrame | None = None
            ) -> pd.DataFrame:
    """One row per indicator with data for `unit`: catalogue metadata, trend, the position
    in each group (`<group>_rank`, `_n`, `_percentile`, `_median`, `_difference`), the
    sub-region's and the country's figure in the same year (`subregion_value`,
    `country_value`, from numerators and denominators; for the country the source's
    published whole-country figure where the municipalities do not cover it), the country's
    mean and standard deviation across municipalities (`country_mean`, `country_sd`) and the
    standardised score `z` (positive = better). `areas` (`area_figures`) gives the
    sub-region's and the country's figures when they were computed once per run."""
    members = groups(municipalities, unit, programme, peers)
    tr = trend(indicators, unit, year)
    meta = catalogue.set_index("indicator")
    tr = tr[tr["indicator"].isin(meta.index)].set_index("indicator")
    years = tr["latest_year"]
    cross = indicators[indicators["indicator"].isin(years.index)]
    cross = cross[cross["year"] == cross["indicator"].map(years)]
    wide = cross.pivot(index="municipality_code", columns="indicator", values="value")
    rows = []
    grouped = {g: wide.reindex(codes) for g, codes in members.items()}
    for ind in tr.index:
        row = {"indicator": ind, **meta.loc[ind].to_dict(), **tr.loc[ind].to_dict()}
        for g, frame in grouped.items():
            pos = position(frame[ind], unit, int(meta.loc[ind, "direction"]))
            row.update({f"{g}_{k}": v for k, v in pos.items()})
        rows.append(row)
    out = pd.DataFrame(rows)
    figures = _figures(indicators, catalogue, municipalities, unit, members, area_indicators,
                       areas)
    for g, agg in figures.items():
        agg = agg[agg["year"] == agg["indicator"].map(years)].set_index("indicator")["value"]
        out[f"{g}_value"] = out["indicator"].map(agg)
    country = wide.reindex(members["country"])
    out["country_mean"] = out["indicator"].map(country.mean())
    out["country_sd"] = out["indicator"].map(country.std().replace(0, np.nan))
    out["z"] = out["direction"] * (out["value"] - out["country_mean"]) / out["country_sd"]
    order = {t: i for i, t in enumerate(THEME_ORDER)}
    out = out.assign(_t=out["theme"].map(order)).sort_values(["_t", "indicator"], kind="stable")
    return out.drop(columns="_t").reset_index(drop=True)


def strengths_weaknesses(profile_df: pd.DataFrame, n: int = 3, language: str = "fi",
                         group: str = "peers") -> pd.DataFrame:
    """The `n` indicators where the unit stands best and the `n` where it stands worst
    against the median of `group` (default its peers), direction taken into account.

    Only rates are compared (a count such as the number of unemployed mostly measures the
    municipality's size). Differences in different units are made comparable by the
    country's standard deviation (`score` = direction * difference / sd, in standardised
    units).
    Columns: `indicator, name, theme, value, peer_median, difference, standing` ('strength' |
    'weakness'), `score`; strengths first, best first, then weaknesses, worst first.
    """
    df = profile_df[profile_df["kind"] == "rate"].dropna(subset=[f"{group}_difference", "z"])
    df = df.assign(score=df["direction"] * df[f"{group}_difference"] / df["country_sd"])
    df = df.dropna(subset=["score"])
    best = df[df["score"] > 0].sort_values(["score", "indicator"], ascending=[False, True],
                                           kind="stable").head(n)
    worst = df[df["score"] < 0].sort_values(["score", "indicator"], kind="stable").head(n)
    out = pd.concat([best.assign(standing="strength"), worst.assign(standing="weakness")])
    out = out.rename(columns={f"{group}_median": "peer_median", f"{group}_difference":
                              "difference"})
    out["name"] = out[f"name_{language}"]
    return out[["indicator", "name", "theme", "value", "peer_median", "difference", "standing",
                "score"]].reset_index(drop=True)

