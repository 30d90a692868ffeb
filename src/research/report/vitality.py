"""The vitality index in reports: build it from a config, word it in tables and sentences.

`build(report)` runs `research.index.build.compute_index` with the framework named in the
config (`phases.vitality.index`, default `config/vitality_index.yml`) and the config's base and
final years. The other functions turn the result into the tables and sentences of the vitality
report (one per sub-region) and of the baseline section (one per municipality); all text comes
from labels with the prefix `vitality.`; the charts are in `research.report.vitality_charts`.
`write_exports` writes the index table as CSV and Excel (`research.index.export`) and the
framework's coverage per theme (`vitality_index_coverage.csv`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from research.core.atomic import write_with
from research.index import export
from research.index.build import IndexResult, compute_index, index_change
from research.index.framework import load_framework, with_catalogue

COUNTRY = "SSS"


def framework_path(report) -> Path:
    """The index framework file of a config (see `Config.resolve`)."""
    return report.config.resolve(report.config["phases"]["vitality"]["index"])


def build(report, draws: int | None = None) -> IndexResult:
    """The vitality index of every municipality and area for a report's config.

    The index (with its Monte Carlo draws) depends only on the framework file, the processed
    tables and the years, so it is computed once per run, before the notebooks, and read
    from the run-level artefact (`research.report.runlevel`); outside the runner it is
    computed once per kernel. The result is the same as a fresh computation (seeded).
    `draws` other than the framework's computes it anew.
    """
    if draws is not None:
        return compute(report, draws)
    from research.report.runlevel import shared
    return shared(report)["index"]


def compute(report, draws: int | None = None) -> IndexResult:
    """The index computed from the processed tables (see `build`)."""
    return compute_index(*index_arguments(report), draws=draws)


def index_arguments(report) -> tuple:
    """The arguments of `compute_index` (and of `compute_part`) for a report's config:
    indicators, municipalities, the framework, the base and the final year."""
    vit = report.config["phases"]["vitality"]
    fw = load_framework(framework_path(report))
    if fw.from_catalogue:
        fw = with_catalogue(fw, report.table("indicator_catalogue"))
    return (report.table("indicators"), report.table("municipalities"), fw,
            int(vit["base_year"]), int(vit["final_year"]))


# ---------------------------------------------------------------------------------------------
# Names and focus units


def names(municipalities: pd.DataFrame, language: str) -> dict[tuple[str, str], str]:
    """(level, code) -> display name for municipalities, sub-regions, regions, the country."""
    from research.core.labels import text
    from research.geo.classification import name_column
    m = municipalities.reset_index() if "municipality_code" not in municipalities else \
        municipalities
    latest = m[m["year"] == m["year"].max()] if "year" in m else m
    out = {}
    for level in ("municipality", "subregion", "region"):
        column = name_column(level, language, latest.columns)
        out |= {(level, c): n for c, n in zip(latest[f"{level}_code"], latest[column])}
    out[("country", COUNTRY)] = text("vitality.country", language)
    return out


def index_table(result: IndexResult, municipalities: pd.DataFrame, language: str = "fi"
                ) -> pd.DataFrame:
    """The index table with names: level, code, name, year, theme scores, index, rank band."""
    return export.index_table(result, names(municipalities, language))


def focus(result: IndexResult, report) -> list[tuple[str, str]]:
    """(level, code) of the report's units: the unit first when it is a municipality, the
    programme municipalities it is compared with (all of a small programme, at most
    `max_compared`: `research.report.runlevel.compared`), its sub-region, its region and the
    country; for the region report of a national programme only the country (its
    municipalities and sub-regions are ranked in `ranking_table`)."""
    from research.report.runlevel import compared
    unit = report.unit if report.is_municipality else None
    munis = ([unit] if unit else []) + compared(report, unit)
    if unit is None and report.config["scope"] == "country":
        return [("country", COUNTRY)]
    classes = report.table("municipalities").sort_values("year", kind="stable")
    region = str(classes.drop_duplicates("municipality_code", keep="last")
                 .set_index("municipality_code")
                 .loc[unit or report.config.municipalities[0], "region_code"])
    return ([("municipality", c) for c in munis]
            + [("subregion", report.subregion_code), ("region", region), ("country", COUNTRY)])


def ranked_units(units: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The units of a rank table: all but the country (which is not ranked)."""
    return [u for u in units if u[0] != "country"]


def summaries(result: IndexResult, report, units: list[tuple[str, str]]) -> list[str] | None:
    """One `summary` (without the note) per municipality and sub-region of `units`."""
    items = [summary(result, report, level, code, note=False) for level, code in units
             if level in ("municipality", "subregion")]
    return items or None


def ranking_heading(report) -> str | None:
    """The heading of the national rankings (`phases.vitality.rank_all`), else None."""
    return report.L("vitality.heading_ranking") if _rank_all(report) else None


def _rank_all(report) -> bool:
    return bool(report.config["phases"]["vitality"]["rank_all"])


def ranking_table(result: IndexResult, report, level: str) -> pd.DataFrame | None:
    """Every municipality or sub-region of the country by its rank in the final year (the
    median of the draws with its 90 % band), with its index and its rank in the base year;
    None unless the config asks for the rankings (`phases.vitality.rank_all`)."""
    if not _rank_all(report):
        return None
    nm = names(report.table("municipalities"), report.language)
    s = result.scores[result.scores["level"] == level]
    final = s[s["year"] == result.final_year].dropna(subset=["rank_median"])
    final = final.sort_values(["rank_median", "code"], kind="stable")
    base = s[s["year"] == result.base_year].set_index("code")
    return pd.DataFrame({
        report.L("vitality.col_unit"): [nm.get((level, c), c) for c in final["code"]],
        f"{report.L('vitality.col_index')} {result.final_year}": final["index"].to_numpy(),
        f"{report.L('vitality.col_rank')} {result.final_year}": [
            rank_text(report, r) for _, r in final.iterrows()],
        f"{report.L('vitality.col_rank')} {result.base_year}": [
            rank_text(report, base.loc[c]) if c in base.index else "–" for c in final["code"]],
    })


def pick(result: IndexResult, units: list[tuple[str, str]]) -> pd.DataFrame:
    s = result.scores
    keys = pd.MultiIndex.from_frame(s[["level", "code"]])
    return s[keys.isin(units)]


def _label(report, nm, level: str, code: str) -> str:
    return nm.get((level, code), code)


# ---------------------------------------------------------------------------------------------
# Tables and sentences


def rank_text(report, row) -> str:
    """'156 (153–158) / 292': the median rank of the Monte Carlo draws, never without its 90 %
    band (so never outside it)."""
    if pd.isna(row["rank_median"]):
        return "–"
    return report.L("vitality.rank_band", rank=int(round(row["rank_median"])),
                    low=int(round(row["rank_p05"])),
                    high=int(round(row["rank_p95"])), n=int(row["n_ranked"]))


def rank_table(result: IndexResult, report, units: list[tuple[str, str]]) -> pd.DataFrame:
    """Index, theme scores and rank with its 90 % band in the base and final year."""
    nm = names(report.table("municipalities"), report.language)
    years = sorted({result.base_year, result.final_year})
    part = pick(result, units)
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
    """A theme's name: the framework's own if it gives one, else the catalogue theme's label
    (`stats.theme.<id>`, as in the baseline statistics), else its id."""
    from research.core import labels
    th = result.framework.themes.set_index("id")
    own = th.loc[theme, f"name_{language}"] if theme in th.index else ""
    if own:
        return str(own)
    key = f"stats.theme.{theme}"
    return labels.text(key, language) if key in labels.table() else theme


def indicator_name(result: IndexResult, indicator: str, language: str) -> str:
    ind = result.framework.indicators.set_index("id")
    return str(ind.loc[indicator, f"name_{language}"] or indicator)


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


def coverage_text(result: IndexResult, report) -> str:
    """How many of the framework's indicators entered the index ('5 of 16'), so that a
    reader of a short report knows how thin the index is."""
    fw = result.step("framework")
    n, total = int(fw["available"].sum()), len(fw)
    key = "vitality.coverage_all" if n == total else "vitality.coverage"
    text = report.L(key, n_available=n, n_indicators=total)
    if "theme" not in fw.columns:
        return text
    cov = export.coverage_table(result)
    cov = cov[cov["theme"] != "all"]
    themes = ", ".join(report.L("vitality.coverage_theme_item",
                                theme=theme_name(result, t, report.language), n=int(e),
                                total=int(f))
                       for t, e, f in zip(cov["theme"], cov["n_entered"], cov["n_framework"]))
    return text + " " + report.L("vitality.coverage_themes", themes=themes)


def coverage_display(result: IndexResult, report) -> pd.DataFrame:
    """The per-theme coverage as a display table (theme, in the framework, entered)."""
    cov = export.coverage_table(result)
    return pd.DataFrame({
        report.L("vitality.col_theme"): [report.L("vitality.coverage_total") if t == "all"
                                         else theme_name(result, t, report.language)
                                         for t in cov["theme"]],
        report.L("vitality.col_in_framework"): cov["n_framework"].to_numpy(),
        report.L("vitality.col_entered"): cov["n_entered"].to_numpy(),
    })


def summary(result: IndexResult, report, level: str, code: str, note: bool = True) -> str:
    """One paragraph: the unit's index and rank band in the base and final year, the change
    with its band, the band that chance variation of small counts alone gives it, and (with
    `note`) how the bands are made (`change_note`): every report that shows the change says
    so."""
    nm = names(report.table("municipalities"), report.language)
    ch = index_change(result, [code], level)
    if ch.empty:
        return report.L("vitality.no_change", name=_label(report, nm, level, code),
                        base=result.base_year, final=result.final_year)
    c = ch.iloc[0]
    s = result.scores
    rows = s[(s["level"] == level) & (s["code"] == code)].set_index("year")
    parts = [report.L("vitality.summary", name=_label(report, nm, level, code),
                      base=result.base_year, final=result.final_year,
                      index_base=float(c["index_base"]), index_final=float(c["index_final"]),
                      change=float(c["change"]), low=float(c.get("change_p05", np.nan)),
                      high=float(c.get("change_p95", np.nan)),
                      rank_base=rank_text(report, rows.loc[result.base_year]),
                      rank_final=rank_text(report, rows.loc[result.final_year]))]
    if pd.notna(c.get("chance_p05", np.nan)):
        parts.append(report.L("vitality.summary_chance", low=float(c["chance_p05"]),
                              high=float(c["chance_p95"])))
    if note and pd.notna(c.get("change_draws", np.nan)):
        parts.append(change_note(result, report, int(c["change_draws"])))
    return " ".join(parts)


def caveat(result: IndexResult, report) -> str:
    """What the index cannot say: a relative position, lagged statistics, and the change of
    the programme's own municipalities (counted from the config) is not its effect."""
    return report.L("vitality.caveat", base=result.base_year,
                    n=len(report.config.municipalities))


def change_note(result: IndexResult, report, n_scale: int) -> str:
    """How the bands of a change are made: points from the draws on the nominal scale (of
    `n_scale`), ranks from all draws, and (setting `count_noise`) counts redrawn."""
    s = result.framework.settings
    key = "vitality.change_note_counts" if s["count_noise"] else "vitality.change_note"
    return report.L(key, n_scale=n_scale, draws=int(s["draws"]),
                    normalisation=report.L(f"vitality.norm_{s['normalisation']}"))


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


def write_exports(config: str | Path, out_dir: str | Path, processed: str | Path =
                  "data/processed", raw: str | Path = "data/raw") -> list[Path]:
    """For the runner: build the index of a config and export it into `out_dir` (e.g.
    reports/vitality/): the machine-readable CSV (`research.index.export`), the workbook and
    the Excel CSV for officials (`research.report.exports`), the coverage CSV; returns the
    written paths (machine CSV, workbook, Excel CSV, coverage)."""
    from research.report import exports
    from research.report.context import setup
    rep = setup(str(config), "vitality", "region", str(processed), str(raw))
    result = build(rep)
    table = index_table(result, rep.table("municipalities"), rep.language)
    paths = export.export_index(table, out_dir, workbook=False)
    paths += exports.write_official(result, rep, focus(result, rep), out_dir)
    cov = export.coverage_table(result)
    path = Path(out_dir) / "vitality_index_coverage.csv"
    write_with(path, lambda p: cov.to_csv(p, index=False, lineterminator="\n",
                                          float_format="%.6g"))
    return [*paths, path]
