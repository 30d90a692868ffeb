"""Data vintage: which source gave each figure, and the year each source reaches.

`sources_table` (run by `research prepare`) records, for every indicator and year of the
`indicators` table, the catalogue source(s) its municipal figures come from, with the
source's publisher and topic (`publisher: {fi, en}`, `topic: {fi, en}` in the catalogue's
`sources:`) and, for a monthly source, the last month of that year. A computed rate lists
the sources of its numerator and denominator.

`vintage(figures, sources, language)` turns the figures a report shows (`indicator, year`)
into the header text "Tilastokeskus: väestö 2022, työssäkäynti 2021; TEM:
työnvälitystilasto 12/2023": each publisher once (the one with most indicators first), each
of its topics with the latest year (or month) among the figures shown, latest first. No
figures, no text.
"""

from __future__ import annotations

import pandas as pd

from research.core.schema import in_language

COLUMNS = ["indicator", "year", "source", "last_period", "n", "publisher_fi", "publisher_en",
           "publisher_sv", "topic_fi", "topic_en", "topic_sv"]


def sources_table(indicators: pd.DataFrame, monthly: pd.DataFrame, sources: dict
                  ) -> pd.DataFrame:
    """One row per (indicator, year, source) of the municipal figures, with `n` rows."""
    df = indicators.dropna(subset=["value"])
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    df = df.assign(source=df["_source"].astype(str).str.split("+")).explode("source")
    out = (df.groupby(["indicator", "year", "source"], as_index=False)
           .agg(n=("municipality_code", "size")))
    out["last_period"] = out["year"].astype(int).astype(str)
    if len(monthly):
        m = monthly[monthly["area_type"] == "municipality"].dropna(subset=["value"])
        m = m.assign(year=m["month"].str[:4].astype(int))
        last = m.groupby(["_source", "year"])["month"].max()
        keyed = list(zip(out["source"], out["year"]))
        out["last_period"] = [last.get(k, p) for k, p in zip(keyed, out["last_period"])]
    for field in ("publisher", "topic"):
        for lang in ("fi", "en", "sv"):
            out[f"{field}_{lang}"] = [in_language(sources.get(s, {}).get(field), lang, s)
                                      for s in out["source"]]
    return out[COLUMNS].sort_values(["indicator", "year", "source"], kind="stable"
                                    ).reset_index(drop=True)


def _period_text(period: str) -> str:
    """'2023-12' -> '12/2023'; a year stays as it is."""
    if len(period) == 7 and period[4] == "-":
        return f"{int(period[5:])}/{period[:4]}"
    return period


def vintage_parts(figures: pd.DataFrame, sources: pd.DataFrame, language: str
                  ) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(publisher, [(topic, latest period)])] for the `indicator, year` pairs shown."""
    if figures is None or sources is None or figures.empty or sources.empty:
        return []
    shown = figures[["indicator", "year"]].drop_duplicates().astype({"year": int})
    df = sources.astype({"year": int}).merge(shown, on=["indicator", "year"])
    if df.empty:
        return []
    df = df.assign(_key=df["last_period"].astype(str).str.replace("-", "", regex=False)
                   .str.ljust(6, "9"))
    pub, topic = f"publisher_{language}", f"topic_{language}"
    latest = df.sort_values("_key", kind="stable").groupby([pub, topic], sort=False).last()
    count = df.groupby(pub)["indicator"].nunique()  # the publisher of most figures first
    order = count.sort_values(ascending=False, kind="stable")
    parts = []
    for publisher in order.index:
        rows = latest.loc[publisher].sort_values("_key", ascending=False, kind="stable")
        parts.append((publisher, [(t, _period_text(str(r["last_period"])))
                                  for t, r in rows.iterrows()]))
    return parts


def vintage(figures: pd.DataFrame, sources: pd.DataFrame, language: str) -> str:
    """'Tilastokeskus: väestö 2022, työssäkäynti 2021; TEM: työnvälitystilasto 12/2023'."""
    return "; ".join(f"{p}: " + ", ".join(f"{t} {y}" for t, y in topics)
                     for p, topics in vintage_parts(figures, sources, language))
