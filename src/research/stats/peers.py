"""Peer municipalities: the ones the config lists, or the N most similar in the country.

When a programme names no peers, the kit proposes the nearest neighbours of the municipality
on standardised features: population (log scale, so that 2,000 and 4,000 are as far apart as
20,000 and 40,000), urban/rural class (Statistics Finland's kuntaryhmitys 1 urban, 2
semi-urban, 3 rural), age structure (share of pensioners) and employment (employment rate),
each the latest value up to the baseline year. Every feature is a z-score over the
municipalities that have all features, and the distance is Euclidean, so every feature
weighs the same. The report states each peer's figures beside the municipality's own, which
is the reason it was chosen (`research.report.statsreport.peer_reasons`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

#: indicator ids used as similarity features besides the urban/rural class
FEATURES = ("population", "pensioners_share", "employment_rate")


def features(indicators: pd.DataFrame, municipalities: pd.DataFrame, year: int,
             feature_ids: tuple[str, ...] = FEATURES) -> pd.DataFrame:
    """Raw features per municipality (index: code): `urban_rural` and each indicator's
    latest value up to `year`; municipalities lacking any feature are left out."""
    df = indicators[indicators["indicator"].isin(feature_ids) & (indicators["year"] <= year)]
    df = df.dropna(subset=["value"]).sort_values("year", kind="stable")
    wide = df.groupby(["municipality_code", "indicator"])["value"].last().unstack()
    wide = wide.reindex(columns=list(feature_ids))
    wide["urban_rural"] = pd.to_numeric(municipalities["urban_rural_code"], errors="coerce")
    wide = wide[wide.index.isin(municipalities.index)]
    return wide[["urban_rural", *feature_ids]].dropna().sort_index()


def standardise(raw: pd.DataFrame) -> pd.DataFrame:
    """z-scores of each feature; population on a log10 scale first."""
    x = raw.astype(float).copy()
    if "population" in x.columns:
        x["population"] = np.log10(x["population"])
    return (x - x.mean()) / x.std(ddof=1).replace(0, 1)


def propose(raw: pd.DataFrame, unit: str, n: int, exclude: list[str] = ()) -> pd.DataFrame:
    """The `n` municipalities nearest to `unit` (never `unit` or `exclude`): `municipality_code,
    distance, rank` and the raw features; ties broken by code."""
    z = standardise(raw)
    if unit not in z.index:
        raise KeyError(f"municipality {unit} lacks one of the peer features")
    d = cdist(z.loc[[unit]].to_numpy(), z.to_numpy())[0]
    out = raw.assign(distance=d).reset_index(names="municipality_code")
    out = out[~out["municipality_code"].isin({unit, *exclude})]
    out = out.sort_values(["distance", "municipality_code"], kind="stable").head(n)
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


def peer_table(indicators: pd.DataFrame, municipalities: pd.DataFrame, unit: str,
               programme: list[str], listed: list[str], n: int, year: int,
               raw: pd.DataFrame | None = None) -> pd.DataFrame:
    """The unit's peers: those listed in the config (`chosen` 'config'), or else the `n`
    proposed ones (`chosen` 'proposed'), with their features and distance to the unit.
    Proposed peers come from outside the programme; when the programme leaves fewer than
    `n` municipalities outside it (a national programme), from the whole country. `raw`
    is `features(...)` when computed once per run."""
    raw = features(indicators, municipalities, year) if raw is None else raw
    if listed:
        out = raw.reindex(sorted(listed)).reset_index(names="municipality_code")
        if unit in raw.index:
            z = standardise(raw)
            d = cdist(z.loc[[unit]].to_numpy(), z.reindex(out["municipality_code"]).to_numpy())
            out["distance"] = d[0]
        else:
            out["distance"] = np.nan
        out["rank"] = np.arange(1, len(out) + 1)
        chosen = "config"
    else:
        outside = len(set(raw.index) - set(programme))
        out = propose(raw, unit, n, exclude=programme if outside >= n else ())
        chosen = "proposed"
    out["chosen"] = chosen
    return out

