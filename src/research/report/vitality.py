"""The vitality index in reports: build it from a config, show it, export it.

`build(report)` runs `composite.compute_index` with the framework named in the config
(`phases.vitality.index`, default `config/vitality_index.yml`) and the config's base and final
years. The other functions turn the result into the tables, charts and sentences of the
vitality report (one per sub-region) and of the baseline section (one per municipality); all
text comes from labels with the prefix `vitality.`. `export_index(table, out_dir)` writes the
index table as CSV and as an Excel workbook with a sheet per theme, atomically.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from research.index import composite
from research.core.atomic import write_with
from research.core.neutralise import neutralise_frame
from research.index.composite import IndexResult

COUNTRY = "SSS"
#: Line colours of municipalities: no red (the report's own unit), blue (sub-region), green
#: (region) or grey (country).
PALETTE = ["#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
ALPHA_LOW = 0.7      # a theme's alpha below this: its indicators do not measure one thing
FIXED_COLUMNS = ["level", "code", "name", "year", "index", "coverage", "rank", "n_ranked",
                 "rank_median", "rank_p05", "rank_p95"]


def framework_path(report) -> Path:
    """The index framework file of a config (see `Config.resolve`)."""
    return report.config.resolve(report.config["phases"]["vitality"]["index"])


def build(report, draws: int | None = None) -> IndexResult:
    """The vitality index of every municipality and area for a report's config.

    The index (with its Monte Carlo draws) depends only on the framework file, the processed
    tables and the years, so it is computed once per kernel and reused by every report the
    runner executes in that kernel; the result is the same as a fresh computation (seeded).
    """
    from research.core.tables import DIGEST
    vit = report.config["phases"]["vitality"]
    path = framework_path(report)
    digest = Path(report.processed) / DIGEST
    key = (str(path.resolve()), path.read_bytes() if path.exists() else b"",
           digest.read_bytes() if digest.exists() else str(report.processed).encode(),
           int(vit["base_year"]), int(vit["final_year"]), draws)
    if key not in _BUILT:
        _BUILT.clear()
        fw = composite.load_framework(path)
        if fw.from_catalogue:
            fw = composite.with_catalogue(fw, report.table("indicator_catalogue"))
        _BUILT[key] = composite.compute_index(report.table("indicators"),
                                              report.table("municipalities"), fw,
                                              int(vit["base_year"]), int(vit["final_year"]),
                                              draws=draws)
    return _BUILT[key]


#: The last index built in this process (see `build`).
_BUILT: dict = {}


# ---------------------------------------------------------------------------------------------
# Names and focus units


def names(municipalities: pd.DataFrame, language: str) -> dict[tuple[str, str], str]:
    """(level, code) -> display name for municipalities, sub-regions, regions, the country."""
    from research.core.labels import text
    m = municipalities.reset_index() if "municipality_code" not in municipalities else \
        municipalities
    latest = m[m["year"] == m["year"].max()] if "year" in m else m
    out = {("municipality", c): n for c, n in zip(latest["municipality_code"], latest["name_fi"])}
    out |= {("subregion", c): n for c, n in zip(latest["subregion_code"],
                                                latest["subregion_name"])}
    out |= {("region", c): n for c, n in zip(latest["region_code"], latest["region_name"])}
    out[("country", COUNTRY)] = text("vitality.country", language)
    return out


def index_table(result: IndexResult, municipalities: pd.DataFrame, language: str = "fi"
                ) -> pd.DataFrame:
    """The index table with names: level, code, name, year, theme scores, index, rank band."""
    t = result.scores.copy()
    nm = names(municipalities, language)
    t["name"] = [nm.get((lv, c), c) for lv, c in zip(t["level"], t["code"])]
    cols = ["level", "code", "name", "year", *result.themes, "index", "coverage", "rank",
            "n_ranked", "rank_median", "rank_p05", "rank_p95"]
    order = {"municipality": 0, "subregion": 1, "region": 2, "country": 3}
    t = t.assign(_o=t["level"].map(order)).sort_values(["_o", "code", "year"], kind="stable")
    return t[cols].reset_index(drop=True)


def focus(result: IndexResult, report) -> list[tuple[str, str]]:
    """(level, code) of the report's units: programme municipalities (the unit first when it is
    a municipality), the sub-region, its region and the country."""
    cfg = report.config
    munis = list(cfg.municipalities)
    if report.is_municipality and report.unit in munis:
        munis.remove(report.unit)
        munis.insert(0, report.unit)
    elif report.is_municipality:
        munis.insert(0, report.unit)
    classes = report.table("municipalities").sort_values("year", kind="stable")
    region = str(classes.drop_duplicates("municipality_code", keep="last")
                 .set_index("municipality_code").loc[munis[0], "region_code"])
    return ([("municipality", c) for c in munis]
            + [("subregion", cfg.subregion), ("region", region), ("country", COUNTRY)])


def _pick(result: IndexResult, units: list[tuple[str, str]]) -> pd.DataFrame:
    s = result.scores
    keys = pd.MultiIndex.from_frame(s[["level", "code"]])
    return s[keys.isin(units)]


def _label(report, nm, level: str, code: str) -> str:
    return nm.get((level, code), code)


# ---------------------------------------------------------------------------------------------
# Tables and sentences


def rank_text(report, row) -> str:
    """'156 (90 %: 153–158) / 292' — a rank never without its band."""
    if pd.isna(row["rank"]):
        return "–"
    return report.L("vitality.rank_band", rank=int(row["rank"]), low=int(round(row["rank_p05"])),
                    high=int(round(row["rank_p95"])), n=int(row["n_ranked"]))


def rank_table(result: IndexResult, report, units: list[tuple[str, str]]) -> pd.DataFrame:
    """Index, theme scores and rank with its 90 % band in the base and final year."""
    nm = names(report.table("municipalities"), report.language)
    years = sorted({result.base_year, result.final_year})
    part = _pick(result, units)
    part = part[part["year"].isin(years)]
    order = {u: i for i, u in enumerate(units)}
    part = part.assign(_o=[order[(lv, c)] for lv, c in zip(part["level"], part["code"])])
    part = part.sort_values(["_o", "year"], kind="stable")
    out = pd.DataFrame({
        report.L("vitality.col_unit"): [_label(report, nm, lv, c)
                                        for lv, c in zip(part["level"], part["code"])],
        report.L("label.year"): part["year"].astype(str).to_numpy(),
    })
    for t in result.themes:
        out[theme_name(result, t, report.language)] = part[t].to_numpy()
    out[report.L("vitality.col_index")] = part["index"].to_numpy()
    out[report.L("vitality.col_rank")] = [rank_text(report, r) for _, r in part.iterrows()]
    return out


def theme_name(result: IndexResult, theme: str, language: str) -> str:
    th = result.framework.themes.set_index("id")
    return str(th.loc[theme, f"name_{language}"] or theme)


def indicator_name(result: IndexResult, indicator: str, language: str) -> str:
    ind = result.framework.indicators.set_index("id")
    return str(ind.loc[indicator, f"name_{language}"] or indicator)


def framework_table(result: IndexResult, report) -> pd.DataFrame:
    """Every indicator of the framework: theme, direction, weight, and whether it had data."""
    a = result.step("framework")
    yes, no = report.L("vitality.yes"), report.L("vitality.no")
    lang = report.language
    den = result.step("denomination").set_index("indicator")
    years = [f"{int(den.loc[i, 'first_year'])}–{int(den.loc[i, 'last_year'])}"
             if i in den.index else "–" for i in a["indicator"]]
    return pd.DataFrame({
        report.L("vitality.col_indicator"): [n or i for n, i in zip(a[f"name_{lang}"],
                                                                    a["indicator"])],
        report.L("vitality.col_theme"): a[f"theme_{lang}"].to_numpy(),
        report.L("vitality.col_direction"): ["+" if d > 0 else "−" for d in a["direction"]],
        report.L("vitality.col_weight"): a["weight"].to_numpy(),
        report.L("vitality.col_available"): [yes if v else no for v in a["available"]],
        report.L("vitality.col_reason"): [_reason(report, r) for r in a["reason"]],
        report.L("vitality.col_years"): years,
    })


def _reason(report, reason: str) -> str:
    if not reason:
        return ""
    if reason.startswith("no_year_"):
        return report.L("vitality.reason_no_year", year=int(reason.rsplit("_", 1)[1]))
    return report.L(f"vitality.reason_{reason}")


def strengths_table(result: IndexResult, report, code: str, year: int,
                    level: str = "municipality", n: int = 3) -> pd.DataFrame:
    """The unit's best and worst indicator scores in a year (nominal normalisation)."""
    s = result.indicator_scores
    part = s[(s["level"] == level) & (s["code"] == code) & (s["year"] == year)]
    part = part.dropna(subset=["score"]).sort_values(["score", "indicator"], ascending=[False,
                                                                                        True],
                                                     kind="stable")
    if part.empty:
        return pd.DataFrame()
    k = min(n, len(part) // 2) if len(part) > 1 else 1
    top = part.head(k).assign(_kind=report.L("vitality.strength"))
    bottom = part.tail(k).iloc[::-1].assign(_kind=report.L("vitality.weakness"))
    both = pd.concat([top, bottom]) if len(part) > 1 else top
    unit = result.framework.indicators.set_index("id")["unit"]
    return pd.DataFrame({
        report.L("vitality.col_kind"): both["_kind"].to_numpy(),
        report.L("vitality.col_indicator"): [indicator_name(result, i, report.language)
                                             for i in both["indicator"]],
        report.L("vitality.col_value"): both["value"].to_numpy(),
        report.L("vitality.col_unit_of"): [unit[i] for i in both["indicator"]],
        report.L("vitality.col_score"): both["score"].to_numpy(),
        report.L("vitality.col_imputed"): [report.L("vitality.yes") if v else ""
                                           for v in both["imputed"]],
    })


def audit_table(result: IndexResult, report) -> pd.DataFrame:
    """Per indicator: reference year, treatment and why, imputed values by method."""
    t = result.step("treatment")
    imp = result.step("imputation")
    counts = imp.groupby(["indicator", "method"]).size().unstack(fill_value=0)
    lang = report.language
    rows = []
    for _, r in t.iterrows():
        why = report.L(f"vitality.treat_{r['method']}", skew=float(r["skew_before"]),
                       kurt=float(r["kurtosis_before"]), n=int(r["n_winsorised"]))
        rows.append({
            report.L("vitality.col_indicator"): indicator_name(result, r["indicator"], lang),
            report.L("vitality.col_reference_year"): str(int(r["reference_year"])),
            report.L("vitality.col_treatment"): why,
            report.L("vitality.col_nearest"): int(counts.get("nearest_year", {}).get(
                r["indicator"], 0)),
            report.L("vitality.col_group_median"): int(counts.get("group_median", {}).get(
                r["indicator"], 0)),
        })
    return pd.DataFrame(rows)


def imputed_table(result: IndexResult, report, codes: list[str]) -> pd.DataFrame:
    """Every imputed value of the given municipalities from the base to the final year, and
    where it came from (the whole list is the audit step 'imputation')."""
    imp = result.step("imputation")
    imp = imp[imp["code"].isin(codes) & imp["year"].between(result.base_year, result.final_year)]
    nm = names(report.table("municipalities"), report.language)
    return pd.DataFrame({
        report.L("label.municipality"): [nm.get(("municipality", c), c) for c in imp["code"]],
        report.L("label.year"): imp["year"].astype(str).to_numpy(),
        report.L("vitality.col_indicator"): [indicator_name(result, i, report.language)
                                             for i in imp["indicator"]],
        report.L("vitality.col_value"): imp["value"].to_numpy(),
        report.L("vitality.col_method"): [
            report.L(f"vitality.method_{m}", source=report.L(f"vitality.group_{s}")
                     if m == "group_median" else s) for m, s in zip(imp["method"], imp["source"])],
    })


def imputed_display(result: IndexResult, report, codes: list[str]):
    """The imputed-values table of the programme municipalities, or a sentence if none."""
    from research.report import show
    table = imputed_table(result, report, codes)
    if table.empty:
        return show.para(report.L("vitality.no_imputed", base=result.base_year,
                                  final=result.final_year))
    return show.table(table, report.language, decimals=2, caption=report.L(
        "vitality.caption_imputed", base=result.base_year, final=result.final_year))


def audit_summary(result: IndexResult, report) -> str:
    fw = result.step("framework")
    screened = result.step("screening")
    imp = result.step("imputation")
    treated = result.step("treated_values")
    muni = result.scores[result.scores["level"] == "municipality"]
    lang = report.language
    missing = [n or i for n, i in zip(fw.loc[~fw["available"], f"name_{lang}"],
                                      fw.loc[~fw["available"], "indicator"])]
    return report.L("vitality.audit_summary", n_available=int(fw["available"].sum()),
                    n_indicators=len(fw), missing="; ".join(missing) or "–",
                    n_excluded=len(screened), n_imputed=len(imp), n_treated=len(treated),
                    n_units=int(muni["code"].nunique()), first=int(muni["year"].min()),
                    last=int(muni["year"].max()))


def coherence_table(result: IndexResult, report) -> pd.DataFrame:
    ind = result.coherence["indicators"]
    alpha = result.coherence["alpha"].set_index("theme")["alpha"]
    lang = report.language
    return pd.DataFrame({
        report.L("vitality.col_indicator"): [indicator_name(result, i, lang)
                                             for i in ind["indicator"]],
        report.L("vitality.col_theme"): [theme_name(result, t, lang) for t in ind["theme"]],
        report.L("vitality.col_r_theme"): ind["r_theme"].to_numpy(),
        report.L("vitality.col_r_index"): ind["r_index"].to_numpy(),
        report.L("vitality.col_alpha"): ind["theme"].map(alpha).to_numpy(),
        report.L("vitality.col_flag"): [report.L("vitality.negative") if f else ""
                                        for f in ind["negative"]],
    })


def coherence_text(result: IndexResult, report) -> str:
    """Negative correlations, low alphas and single-indicator themes, each sentence worded
    for its count (a count of zero gets a sentence of its own, not '0 indicators')."""
    ind = result.coherence["indicators"]
    flagged = ind.loc[ind["negative"], "indicator"]
    lang = report.language
    alpha = result.coherence["alpha"]
    single = int(alpha["n_indicators"].lt(2).sum())
    low = alpha[alpha["alpha"] < ALPHA_LOW]
    parts = [report.L("vitality.coherence_negative", year=result.base_year,
                      n_flagged=len(flagged),
                      flagged=", ".join(indicator_name(result, i, lang) for i in flagged))
             if len(flagged) else
             report.L("vitality.coherence_negative_none", year=result.base_year)]
    parts.append(report.L("vitality.coherence_alpha_low", limit=ALPHA_LOW, n_low=len(low),
                          low=", ".join(theme_name(result, t, lang) for t in low["theme"]))
                 if len(low) else report.L("vitality.coherence_alpha_ok", limit=ALPHA_LOW))
    if single:
        parts.append(report.L("vitality.coherence_single", n_single=single))
    return " ".join(parts)


def coverage_text(result: IndexResult, report) -> str:
    """How many of the framework's indicators entered the index ('5 of 16'), so that a
    reader of a short report knows how thin the index is."""
    fw = result.step("framework")
    n, total = int(fw["available"].sum()), len(fw)
    key = "vitality.coverage_all" if n == total else "vitality.coverage"
    return report.L(key, n_available=n, n_indicators=total)


def sensitivity_table(result: IndexResult, report) -> pd.DataFrame:
    s = result.sensitivity
    return pd.DataFrame({
        report.L("vitality.col_factor"): [report.L(f"vitality.factor_{f}") for f in s["factor"]],
        report.L("vitality.col_mean_shift"): s["mean_shift"].to_numpy(),
        report.L("vitality.col_max_shift"): s["max_shift"].astype(int).to_numpy(),
    })


def sensitivity_text(result: IndexResult, report) -> str:
    s = result.sensitivity.iloc[0]
    return report.L("vitality.sensitivity_text", factor=report.L(f"vitality.factor_{s['factor']}"),
                    shift=float(s["mean_shift"]),
                    draws=int(result.framework.settings["draws"]))


def summary(result: IndexResult, report, level: str, code: str) -> str:
    """One paragraph: the unit's index and rank band in the base and final year, the change."""
    nm = names(report.table("municipalities"), report.language)
    ch = composite.index_change(result, [code], level)
    if ch.empty:
        return report.L("vitality.no_change", name=_label(report, nm, level, code),
                        base=result.base_year, final=result.final_year)
    c = ch.iloc[0]
    s = result.scores
    rows = s[(s["level"] == level) & (s["code"] == code)].set_index("year")
    return report.L("vitality.summary", name=_label(report, nm, level, code),
                    base=result.base_year, final=result.final_year,
                    index_base=float(c["index_base"]), index_final=float(c["index_final"]),
                    change=float(c["change"]), low=float(c.get("change_p05", np.nan)),
                    high=float(c.get("change_p95", np.nan)),
                    rank_base=rank_text(report, rows.loc[result.base_year]),
                    rank_final=rank_text(report, rows.loc[result.final_year]))


def method_points(result: IndexResult, report) -> list[str]:
    """The method in plain language, step by step, with the settings actually used."""
    s = result.framework.settings
    return [report.L(f"vitality.method_{step}", coverage=100 * s["min_coverage"],
                     gap=s["impute_max_gap"], winsor=s["winsor_max"], skew=s["skew_threshold"],
                     kurt=s["kurtosis_threshold"], base=result.base_year,
                     normalisation=report.L(f"vitality.norm_{s['normalisation']}"),
                     aggregation=report.L(f"vitality.agg_{s['aggregation']}"),
                     draws=s["draws"], spread=100 * s["weight_spread"], seed=s["seed"])
            for step in ("framework", "denomination", "screening", "treatment",
                         "normalisation", "aggregation", "coherence", "uncertainty", "areas")]


# ---------------------------------------------------------------------------------------------
# Charts


STYLE = {"municipality": dict(linewidth=1.2, alpha=0.8),
         "subregion": dict(linewidth=2.6, color="#1f77b4"),
         "region": dict(linewidth=1.8, linestyle="--", color="#2ca02c"),
         "country": dict(linewidth=1.8, linestyle=":", color="0.35")}


def _draw_lines(ax, part: pd.DataFrame, column: str, units, highlight, labels: dict) -> None:
    """One line per unit: municipalities thin in palette colours, the sub-region thick blue,
    the region dashed green, the country dotted grey; the highlighted unit thick red."""
    colours = itertools.cycle(PALETTE)
    for level, code in units:
        rows = part[(part["level"] == level) & (part["code"] == code)].sort_values("year")
        kw = dict(STYLE[level])
        if level == "municipality":
            kw["color"] = next(colours)
        if (level, code) == highlight:
            kw |= dict(color="#d62728", linewidth=2.8, alpha=1.0)
        if not rows.empty:
            ax.plot(rows["year"], rows[column], label=labels.get((level, code), code), **kw)


def index_chart(result: IndexResult, report, units: list[tuple[str, str]],
                highlight: tuple[str, str] | None = None):
    """The index over the years for the given units; a vertical line marks the base year."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=90)
    _draw_lines(ax, _pick(result, units), "index", units, highlight,
                names(report.table("municipalities"), report.language))
    ax.axvline(result.base_year, color="black", linewidth=0.6)
    ax.set_title(report.L("vitality.index_chart_title",
                          name=result.framework.name(report.language)))
    ax.set_xlabel(report.L("label.year"))
    ax.set_ylabel(report.L("vitality.score_axis"))
    ax.legend(frameon=False, fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def theme_chart(result: IndexResult, report, units: list[tuple[str, str]],
                highlight: tuple[str, str] | None = None):
    """Small multiples: each theme score over the years for the given units."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    labels = names(report.table("municipalities"), report.language)
    themes = result.themes
    cols = min(2, len(themes))
    rows_n = int(np.ceil(len(themes) / cols))
    fig, axes = plt.subplots(rows_n, cols, figsize=(8, 2.8 * rows_n + 0.6), dpi=90,
                             squeeze=False, sharex=True)
    part = _pick(result, units)
    for ax, t in zip(axes.flat, themes):
        _draw_lines(ax, part, t, units, highlight, labels)
        ax.axvline(result.base_year, color="black", linewidth=0.6)
        ax.set_title(theme_name(result, t, report.language), fontsize=10)
    for ax in list(axes.flat)[len(themes):]:
        ax.set_visible(False)
    handles, names_ = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names_, frameon=False, fontsize=7, loc="lower center",
               ncol=min(len(names_), 4))
    fig.tight_layout(rect=(0, 0.12 if rows_n == 1 else 0.07, 1, 1))
    return fig


def rank_band_chart(result: IndexResult, report, units: list[tuple[str, str]]):
    """Each ranked unit's rank in the base and final year: a dot at the nominal rank and a
    bar over its 90 % Monte Carlo band (rank 1 = best, at the left)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    labels = names(report.table("municipalities"), report.language)
    part = _pick(result, units)
    part = part[part["rank"].notna()]
    order = {u: i for i, u in enumerate(units)}
    rows = sorted({(lv, c) for lv, c in zip(part["level"], part["code"])}, key=order.get)
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(rows) + 1.2), dpi=90)
    for shift, year, colour in ((-0.15, result.base_year, "0.55"),
                                (0.15, result.final_year, "#d62728")):
        sel = part[part["year"] == year]
        for i, unit in enumerate(rows):
            r = sel[(sel["level"] == unit[0]) & (sel["code"] == unit[1])]
            if r.empty:
                continue
            r = r.iloc[0]
            ax.plot([r["rank_p05"], r["rank_p95"]], [i + shift] * 2, color=colour, linewidth=3,
                    alpha=0.6)
            ax.plot([r["rank"]], [i + shift], "o", color=colour,
                    label=str(year) if i == 0 else None)
    ax.set_yticks(range(len(rows)))
    n_ranked = part.groupby(["level", "code"])["n_ranked"].max()
    ax.set_yticklabels([f"{labels.get(u, u[1])} (/{int(n_ranked[u])})" for u in rows],
                       fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(report.L("vitality.rank_axis"))
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def profile_caption(result: IndexResult, report, year: int) -> str:
    norm = result.framework.settings["normalisation"]
    return report.L("vitality.caption_profile", year=year, base=result.base_year,
                    normalisation=report.L(f"vitality.norm_{norm}"))


def profile_table(result: IndexResult, report, units: list[tuple[str, str]], year: int
                  ) -> pd.DataFrame:
    """Indicator scores (nominal normalisation) of every unit in a year: rows indicators,
    columns units, so that strengths and weaknesses can be compared side by side."""
    s = result.indicator_scores
    s = s[s["year"] == year]
    labels = names(report.table("municipalities"), report.language)
    out = pd.DataFrame({report.L("vitality.col_indicator"): [
        indicator_name(result, i, report.language) for i in result.framework.indicators["id"]]})
    for level, code in units:
        part = s[(s["level"] == level) & (s["code"] == code)].set_index("indicator")["score"]
        out[labels.get((level, code), code)] = part.reindex(
            result.framework.indicators["id"]).to_numpy()
    return out


# ---------------------------------------------------------------------------------------------
# Export


def export_index(table: pd.DataFrame, out_dir: str | Path, stem: str = "vitality_index"
                 ) -> list[Path]:
    """Write the index table (from `index_table`) to `<stem>.csv` and `<stem>.xlsx` in
    `out_dir`, each by a temporary file and a rename. The workbook has a sheet `index` with
    the whole table and one sheet per theme (and one for the index) with units as rows and
    years as columns, for the municipalities' own follow-up. Returns the two paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    themes = [c for c in table.columns if c not in FIXED_COLUMNS]
    table = neutralise_frame(table)   # names cannot become live formulas (OWASP)
    csv = write_with(out_dir / f"{stem}.csv", lambda p: table.to_csv(
        p, index=False, lineterminator="\n", float_format="%.6g"))

    def write_xlsx(path):
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            table.to_excel(xw, sheet_name="index", index=False)
            for col in [*themes, "index"]:
                wide = table.pivot_table(index=["level", "code", "name"], columns="year",
                                         values=col, sort=False)
                wide.reset_index().to_excel(xw, sheet_name=f"{col}"[:31] if col != "index"
                                            else "index_by_year", index=False)
    xlsx = write_with(out_dir / f"{stem}.xlsx", write_xlsx)
    return [csv, xlsx]


def write_exports(config: str | Path, out_dir: str | Path, processed: str | Path =
                  "data/processed", raw: str | Path = "data/raw") -> list[Path]:
    """For the runner: build the index of a config and export it (see `export_index`) into
    `out_dir` (e.g. reports/vitality/); returns the written paths."""
    from research.report.context import setup
    rep = setup(str(config), "vitality", "region", str(processed), str(raw))
    table = index_table(build(rep), rep.table("municipalities"), rep.language)
    return export_index(table, out_dir)
