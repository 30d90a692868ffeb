"""The official statistics section of the baseline report: glue between tables and labels.

`build(R)` computes everything the section shows once (peers, profile, peers' standardised
scores, yearly series) so that notebook cells stay one call each; the other functions turn
those tables into report text and display tables in the report language, from labels only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from research.stats import peers as peer_mod
from research.stats import profile as prof_mod
from research.report.show import format_value


@dataclass
class StatsSection:
    """What the section shows for one municipality."""

    unit: str
    year: int
    peers: pd.DataFrame
    peer_codes: list[str]
    profile: pd.DataFrame
    peer_scores: pd.DataFrame
    series: pd.DataFrame
    catalogue: pd.DataFrame
    indicators: pd.DataFrame
    raw_features: pd.DataFrame
    compared: list[str]

    @property
    def trend_ids(self) -> list[str]:
        return _per_theme(self.profile, min_years=5)

    @property
    def comparison_ids(self) -> list[str]:
        return _per_theme(self.profile, min_years=0)


def _per_theme(prof: pd.DataFrame, min_years: int) -> list[str]:
    """One rate per theme (the first marked for the index), with enough years of data."""
    df = prof[(prof["kind"] == "rate")]
    span = (df["latest_year"] - df["first_year"]).fillna(0)
    df = df[span >= min_years].sort_values("index", ascending=False, kind="stable")
    return df.drop_duplicates("theme")["indicator"].tolist()


def build(R) -> StatsSection:
    """Peers (from the config, or proposed), the profile and the chart series for R's unit;
    comparison groups from the classification of the config's `classification_year`."""
    from research.report.runlevel import compared, shared
    unit = R.unit if R.is_municipality else R.config.municipalities[0]
    year = int(R.config.phases["baseline"]["year"])
    ind, munis = R.table("indicators"), R.classification
    cat = R.table("indicator_catalogue")
    area = R.table("area_indicators")
    programme = R.config.municipalities
    run = shared(R)
    peers = peer_mod.peer_table(ind, munis, unit, programme, R.config.peers,
                                int(R.config["n_peers"]), year, raw=run["features"])
    codes = peers["municipality_code"].tolist()
    prof = prof_mod.profile(ind, cat, munis, unit, programme, codes, year, area,
                            areas=run["areas"])
    if "show" in cat.columns:  # helper counts (numerators, denominators) are not shown
        hidden = cat.loc[cat["show"].astype(str).str.lower() == "false", "indicator"]
        prof = prof[~prof["indicator"].isin(hidden)].reset_index(drop=True)
    years = prof.set_index("indicator")["latest_year"]
    z = run["reference"]
    z = z[(z["year"] == z["indicator"].map(years)) & z["municipality_code"].isin(codes)]
    trend_ids = _per_theme(prof, min_years=5)
    ser = prof_mod.series(ind[ind["year"] <= year], cat, munis, unit, codes, trend_ids,
                          areas=run["areas"][run["areas"]["year"] <= year])
    return StatsSection(unit=unit, year=year, peers=peers, peer_codes=codes, profile=prof,
                        peer_scores=z[["indicator", "municipality_code", "z"]]
                        .reset_index(drop=True), series=ser, catalogue=cat, indicators=ind,
                        raw_features=run["features"], compared=compared(R, unit))


def intro(S: StatsSection, R) -> str:
    return R.L("stats.intro", name=R.name(S.unit), n=len(S.profile), year=S.year,
               themes=S.profile["theme"].nunique())


def peers_intro(S: StatsSection, R) -> str:
    key = "stats.peers_config" if (S.peers["chosen"] == "config").all() else "stats.peers_proposed"
    return R.L(key, n=len(S.peers), name=R.name(S.unit))


def reasons(peer_df: pd.DataFrame, raw_unit: pd.Series, names: dict[str, str],
            class_names: dict[str, str], text, language: str = "fi") -> list[str]:
    """One sentence per peer naming its figures beside the unit's; `text(key, **values)` is
    the report's label function (`Report.L`). Missing figures show as a dash."""

    def fmt(value, decimals=1):
        return format_value(None if pd.isna(value) else float(value), language, decimals)

    out = []
    for _, p in peer_df.iterrows():
        cls = p["urban_rural"]
        same = pd.notna(cls) and int(cls) == int(raw_unit["urban_rural"])
        key = "stats.peer_reason_config" if p.get("chosen") == "config" else "stats.peer_reason"
        out.append(text(
            key, name=names.get(p["municipality_code"], p["municipality_code"]),
            population=fmt(p["population"], 0), unit_population=fmt(raw_unit["population"], 0),
            urban_rural=class_names.get(str(int(cls)), "") if pd.notna(cls) else "–",
            same=text("stats.same_class") if same else text("stats.other_class"),
            pensioners=fmt(p["pensioners_share"]),
            unit_pensioners=fmt(raw_unit["pensioners_share"]),
            employment=fmt(p["employment_rate"]),
            unit_employment=fmt(raw_unit["employment_rate"]),
            distance=fmt(p["distance"], 2)))
    return out


def peer_reasons(S: StatsSection, R) -> list[str]:
    munis = R.municipalities
    names = {c: R.name(c) for c in S.peers["municipality_code"] if c in munis.index}
    classes = {c: R.L(f"stats.urban_rural.{c}") for c in ("1", "2", "3")}
    unit_raw = S.raw_features.loc[S.unit] if S.unit in S.raw_features.index else pd.Series(
        {"urban_rural": float("nan"), "population": float("nan"),
         "pensioners_share": float("nan"), "employment_rate": float("nan")})
    return reasons(S.peers, unit_raw, names, classes, R.L, R.language)


def theme_table(S: StatsSection, R) -> pd.DataFrame:
    """The profile as a display table: one row per indicator, headers in the report language."""
    p, lang = S.profile, R.language

    def rank(g: str) -> list[str]:  # a count's rank mostly ranks size: not shown
        return [f"{int(r)}/{int(n)}" if pd.notna(r) and k == "rate" else "–"
                for r, n, k in zip(p[f"{g}_rank"], p[f"{g}_n"], p["kind"])]

    out = pd.DataFrame({
        R.L("stats.col.theme"): [R.L(f"stats.theme.{t}") for t in p["theme"]],
        R.L("stats.col.indicator"): p[f"name_{lang}"],
        R.L("stats.col.unit"): p[f"unit_{lang}"],
        R.L("stats.col.year"): p["latest_year"].astype(int).astype(str),
        R.L("stats.col.value"): p["value"],
        R.L("stats.col.annual_change"): p["annual_change"],
        R.L("stats.col.programme_rank"): rank("programme"),
        R.L("stats.col.peers_median"): p["peers_median"],
        R.L("stats.col.peers_difference"): p["peers_difference"],
        R.L("stats.col.subregion"): p["subregion_value"],
        R.L("stats.col.country"): p["country_value"],
        R.L("stats.col.country_rank"): rank("country"),
    })
    return out


def plain_theme_table(S: StatsSection, R) -> pd.DataFrame:
    """The municipal report's form of `theme_table`: seven columns that fit a screen and an
    A4 page (the unit beside the indicator's name; the ranks, the difference and the
    sub-region's value stay in the researcher report)."""
    p, lang = S.profile, R.language
    return pd.DataFrame({
        R.L("stats.col.theme"): [R.L(f"stats.theme.{t}") for t in p["theme"]],
        R.L("stats.col.indicator"): [f"{n} ({u})" for n, u in zip(p[f"name_{lang}"],
                                                                   p[f"unit_{lang}"])],
        R.L("stats.col.year"): p["latest_year"].astype(int).astype(str),
        R.L("stats.col.value"): p["value"],
        R.L("stats.col.annual_change"): p["annual_change"],
        R.L("stats.col.peers_median"): p["peers_median"],
        R.L("stats.col.country"): p["country_value"],
    })


def strengths_text(S: StatsSection, R, n: int = 3) -> list[str]:
    sw = prof_mod.strengths_weaknesses(S.profile, n=n, language=R.language)
    units = S.profile.set_index("indicator")[f"unit_{R.language}"]
    items = []
    for _, row in sw.iterrows():
        items.append(R.L(f"stats.{row['standing']}_item", name=row["name"],
                         value=format_value(float(row["value"]), R.language),
                         median=format_value(float(row["peer_median"]), R.language),
                         difference=format_value(float(row["difference"]), R.language),
                         unit=units[row["indicator"]]))
    return items or [R.L("stats.no_strengths")]


def caveats(S: StatsSection, R) -> list[str]:
    """The caveats that apply to this profile, with computed values."""
    p = S.profile
    old = p[p["latest_year"] < S.year]
    out = [R.L("stats.caveat_years", first=int(p["latest_year"].min()),
               last=int(p["latest_year"].max()), n_old=len(old), year=S.year,
               latest_old=int(old["latest_year"].max())) if len(old) else
           R.L("stats.caveat_years_all", year=S.year)]
    no_sub = p[(p["kind"] == "rate") & p["subregion_value"].isna()]
    if len(no_sub):
        out.append(R.L("stats.caveat_rates", n=len(no_sub)))
    out.append(R.L("stats.caveat_small", n=len(R.config.municipalities), peers=len(S.peers)))
    if "vacancies" in set(p["indicator"]):
        out.append(R.L("stats.caveat_vacancies"))
    return out


def comparison_figure(S: StatsSection, R):
    """The unit among its peers and the programme's municipalities it is compared with
    (at most `max_compared` of them, `research.report.runlevel.compared`), one rate per
    theme."""
    from research.report.charts import comparison_chart
    return comparison_chart(S.indicators, S.catalogue, S.profile, S.unit, S.peer_codes,
                            [S.unit, *S.compared], S.comparison_ids, R)


def trend_figure(S: StatsSection, R):
    """Trends of one rate per theme with the sub-region, the country and the peers."""
    from research.report.charts import trend_chart
    return trend_chart(S.series, S.catalogue, S.trend_ids, R)


def score_figure(S: StatsSection, R):
    """Standardised scores by theme, the unit against its peers."""
    from research.report.charts import score_chart
    return score_chart(S.profile, S.peer_scores, R)
