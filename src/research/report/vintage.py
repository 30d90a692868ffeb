"""The data vintage of a report's header: each source and the year it reaches, for the
figures that report shows ("Tilastokeskus: väestö 2022, työssäkäynti 2021; TEM:
työnvälitystilasto 12/2023").

Which figures a report shows follows its phase and the config:

- baseline: every catalogue indicator shown in the statistics profile, up to the baseline
  year, and the population series of its population section (every year);
- evaluation: the evaluation's indicator and its counts (every year), and the index series;
- vitality: the series of the index framework's indicators, from the base year (less an
  indicator's lag) to the final year;
- reflection and other phases: no statistics, so no vintage (empty text).

The years and sources come from the processed `indicator_sources` table
(`research.prepare.vintage`), never from a constant.
"""

from __future__ import annotations

import pandas as pd

from research.core.errors import UserError
from research.prepare.vintage import vintage

COLUMNS = ["indicator", "year"]


def _framework_figures(R, ind: pd.DataFrame) -> pd.DataFrame:
    from research.index.framework import load_framework, with_catalogue
    from research.report.vitality import framework_path

    vit = R.config.phases.get("vitality") or {}
    if not vit:
        return pd.DataFrame(columns=COLUMNS)
    fw = load_framework(framework_path(R))
    if fw.from_catalogue:
        fw = with_catalogue(fw, R.table("indicator_catalogue"))
    base, final = int(vit["base_year"]), int(vit["final_year"])
    parts = []
    for _, row in fw.indicators.iterrows():
        first = base - (int(row["lag"]) if row["kind"] == "change" else 0)
        sub = ind[ind["indicator"].isin(fw.sources(row)) & ind["year"].between(first, final)]
        parts.append(sub[COLUMNS])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)


def shown_figures(R) -> pd.DataFrame:
    """`indicator, year` of the statistics the report of `R.phase` shows."""
    ind = R.table("indicators").dropna(subset=["value"])
    if R.phase == "baseline":
        cat = R.table("indicator_catalogue")
        hidden = (cat["show"].astype(str).str.lower() == "false") if "show" in cat else False
        ids = set(cat.loc[~hidden, "indicator"]) if "show" in cat else set(cat["indicator"])
        year = int(R.config.phases["baseline"]["year"])
        profile = ind["indicator"].isin(ids) & (ind["year"] <= year)
        return ind[profile | (ind["indicator"] == "population")][COLUMNS]
    if R.phase == "evaluation":
        ev = R.config.phases["evaluation"]
        ids = [ev.get("indicator"), *(ev.get("indicator_counts") or [])]
        own = ind[ind["indicator"].isin([i for i in ids if i])][COLUMNS]
        return pd.concat([own, _framework_figures(R, ind)], ignore_index=True)
    if R.phase == "vitality":
        return _framework_figures(R, ind)
    return pd.DataFrame(columns=COLUMNS)


def vintage_text(R) -> str:
    """The header's data vintage for R's report, '' for a report without statistics."""
    if R.phase not in ("baseline", "evaluation", "vitality"):
        return ""
    try:
        sources = R.table("indicator_sources")
    except (UserError, FileNotFoundError):
        return ""
    return vintage(shown_figures(R), sources, R.language)
