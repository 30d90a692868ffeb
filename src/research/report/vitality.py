"""The vitality index in reports: build it from a config, word it in tables and sentences.

`build(report)` runs `research.index.build.compute_index` with the framework named in the
config (`phases.vitality.index`, default `config/vitality_index.yml`) and the config's base and
final years. The other functions turn the result into the tables and sentences of the vitality
report (one per sub-region) and of the baseline section (one per municipality); all text comes
from labels with the prefix `vitality.`; the charts are in `research.report.vitality_charts`.
`write_exports` writes the index table as CSV and Excel (`research.index.export`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from research.index import export
from research.index.build import IndexResult, compute_index, index_change
from research.index.framework import load_framework, with_catalogue

COUNTRY = "SSS"
ALPHA_LOW = 0.7      # a theme's alpha below this: its indicators do not measure one thing


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
        fw = load_framework(path)
        if fw.from_catalogue:
            fw = with_catalogue(fw, report.table("indicator_catalogue"))
        _BUILT[key] = compute_index(report.table("indicators"), report.table("municipalities"),
                                    fw, int(vit["base_year"]), int(vit["final_year"]),
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
    return export.index_table(result, names(municipalities, language))


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


def pick(result: IndexResult, units: list[tuple[str, str]]) -> pd.DataFrame:
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
    ch = index_change(result, [code], level)
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
    """For the runner: build the index of a config and export it (see `research.index.export`) into
    `out_dir` (e.g. reports/vitality/); returns the written paths."""
    from research.report.context import setup
    rep = setup(str(config), "vitality", "region", str(processed), str(raw))
    table = index_table(build(rep), rep.table("municipalities"), rep.language)
    return export.export_index(table, out_dir)
