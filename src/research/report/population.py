"""Population development of a municipality against its sub-region and its peers.

The sub-region's series is the sum of its municipalities' populations (never an average),
and the peers are summarised by their median index, so that one large peer does not
dominate. Indexes are relative to the first year that every series has.
"""

from __future__ import annotations

import pandas as pd

from research.report import alt, style


def series(indicators: pd.DataFrame, municipalities: pd.DataFrame, unit: str,
           subregion: str, peers: list[str]) -> pd.DataFrame:
    """Tidy population series: columns `year, series, code, population, index`.

    `series` is 'unit', 'subregion' or 'peer'; `index` is 100 in the common first year.
    """
    pop = indicators[indicators["indicator"] == "population"][["municipality_code", "year",
                                                               "value"]]
    members = municipalities.index[municipalities["subregion_code"] == subregion].tolist()
    parts = [
        pop[pop["municipality_code"] == unit].assign(series="unit"),
        pop[pop["municipality_code"].isin(members)]
        .groupby("year", as_index=False)["value"].sum().assign(series="subregion",
                                                               municipality_code=subregion),
        pop[pop["municipality_code"].isin(peers)].assign(series="peer"),
    ]
    df = pd.concat(parts, ignore_index=True).rename(columns={"municipality_code": "code",
                                                             "value": "population"})
    df = df.dropna(subset=["population"])
    counts = df.groupby("year")["code"].nunique()
    expected = 2 + len(set(peers))
    common = counts[counts == expected].index
    base = int(common.min()) if len(common) else int(df["year"].min())
    base_values = df[df["year"] == base].set_index("code")["population"]
    df["index"] = 100 * df["population"] / df["code"].map(base_values)
    df["base_year"] = base
    return df.sort_values(["series", "code", "year"]).reset_index(drop=True)[
        ["year", "series", "code", "population", "index", "base_year"]]


def change_table(pop: pd.DataFrame) -> pd.DataFrame:
    """First and last year's population and the % change, per series code."""
    first, last = int(pop["base_year"].iloc[0]), int(pop["year"].max())
    wide = pop[pop["year"].isin([first, last])].pivot_table(
        index=["series", "code"], columns="year", values="population").reset_index()
    wide["change_pct"] = 100 * (wide[last] / wide[first] - 1)
    return wide.rename(columns={first: "first", last: "last"}).assign(first_year=first,
                                                                      last_year=last)


def summary(pop: pd.DataFrame, report) -> str:
    """One sentence: the unit's change, the sub-region's and the peers' median change."""
    ch = change_table(pop)
    if not (ch["series"] == "unit").any() or not (ch["series"] == "subregion").any():
        return report.L("population.no_data", name=report.unit_name)
    unit = ch[ch["series"] == "unit"].iloc[0]
    sub = ch[ch["series"] == "subregion"].iloc[0]
    peers = ch[ch["series"] == "peer"]["change_pct"]
    return report.L("population.summary", name=report.unit_name,
                    first_year=int(unit["first_year"]), first=int(unit["first"]),
                    last_year=int(unit["last_year"]), last=int(unit["last"]),
                    change=float(unit["change_pct"]), subregion=report.subregion_name,
                    sub_change=float(sub["change_pct"]),
                    peer_change=float(peers.median()) if len(peers) else float("nan"))


def index_chart(pop: pd.DataFrame, report):
    """Line chart of the population index: the unit highlighted, peers grey, sub-region dashed."""
    fig, ax = style.subplots(figsize=(style.WIDTH, 4.4))
    for _code, part in pop[pop["series"] == "peer"].groupby("code", sort=True):
        ax.plot(part["year"], part["index"], color=style.GREY_LIGHT, linewidth=1)
    peer_median = pop[pop["series"] == "peer"].groupby("year")["index"].median()
    if len(peer_median):
        ax.plot(peer_median.index, peer_median.values, color=style.GREY_DARK, linewidth=1.8,
                label=report.L("label.peers_median"))
    sub = pop[pop["series"] == "subregion"]
    ax.plot(sub["year"], sub["index"], color=style.SUBREGION, linestyle="--", linewidth=1.8,
            label=f"{report.L('label.subregion_total')} ({report.subregion_name})")
    unit = pop[pop["series"] == "unit"]
    ax.plot(unit["year"], unit["index"], color=style.HIGHLIGHT, linewidth=2.6,
            label=report.unit_name)
    ax.axhline(100, color="black", linewidth=0.6)
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))  # years
    title = report.L("population.index_title", base=int(pop["base_year"].iloc[0]))
    ax.set_title(title)
    ax.set_xlabel(report.L("label.year"))
    ax.set_ylabel(report.L("label.index"))
    style.legend_outside(fig, ax, left=0.75, top=0.4, bottom=0.6)
    last = int(pop["year"].max())
    final = {report.unit_name: unit.loc[unit["year"] == last, "index"],
             report.subregion_name: sub.loc[sub["year"] == last, "index"],
             report.L("label.peers_median"): peer_median.loc[[last]] if last in peer_median
             else pd.Series(dtype=float)}
    final = {k: float(v.iloc[0]) for k, v in final.items() if len(v)}
    return style.describe(fig, title, alt.extremes(report.L, last, final), report.language)
