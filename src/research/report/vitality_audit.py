"""The method and audit part of the vitality report, in words and tables: the framework's
indicators, what was imputed or treated, coherence, sensitivity and the method step by step
(text from labels with the prefix `vitality.`)."""

from __future__ import annotations

import pandas as pd

from research.core.numbers import format_years
from research.index.build import IndexResult
from research.report.vitality import indicator_name, names, theme_name

ALPHA_LOW = 0.7      # a theme's alpha below this: its indicators do not measure one thing


def framework_table(result: IndexResult, report) -> pd.DataFrame:
    """Every indicator of the framework: theme, direction, weight, and whether it had data."""
    a = result.step("framework")
    yes, no = report.L("vitality.yes"), report.L("vitality.no")
    lang = report.language
    den = result.step("denomination").set_index("indicator")
    years = [format_years(den.loc[i, "first_year"], den.loc[i, "last_year"])
             if i in den.index else "–" for i in a["indicator"]]
    return pd.DataFrame({
        report.L("vitality.col_indicator"): [n or i for n, i in zip(a[f"name_{lang}"],
                                                                    a["indicator"])],
        report.L("vitality.col_theme"): [n or theme_name(result, t, lang)
                                         for n, t in zip(a[f"theme_{lang}"], a["theme"])],
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


def sensitivity_table(result: IndexResult, report) -> pd.DataFrame:
    s = result.sensitivity
    return pd.DataFrame({
        report.L("vitality.col_factor"): [report.L(f"vitality.factor_{f}") for f in s["factor"]],
        report.L("vitality.col_mean_shift"): s["mean_shift"].to_numpy(),
        report.L("vitality.col_max_shift"): s["max_shift"].astype(int).to_numpy(),
    })


def sensitivity_text(result: IndexResult, report) -> str:
    s = result.sensitivity.iloc[0]
    key = ("vitality.sensitivity_text_counts" if result.framework.settings["count_noise"]
           else "vitality.sensitivity_text")
    return report.L(key, factor=report.L(f"vitality.factor_{s['factor']}"),
                    shift=float(s["mean_shift"]), draws=int(result.framework.settings["draws"]))


def method_points(result: IndexResult, report) -> list[str]:
    """The method in plain language, step by step, with the settings actually used."""
    s = result.framework.settings
    steps = ("framework", "denomination", "screening", "treatment", "normalisation",
             "aggregation", "coherence", "uncertainty", "areas")
    keys = [f"vitality.method_{step}" for step in steps]
    if s["count_noise"]:
        keys[steps.index("uncertainty")] = "vitality.method_uncertainty_counts"
    return [report.L(key, coverage=100 * s["min_coverage"],
                     gap=s["impute_max_gap"], winsor=s["winsor_max"], skew=s["skew_threshold"],
                     kurt=s["kurtosis_threshold"], base=result.base_year,
                     normalisation=report.L(f"vitality.norm_{s['normalisation']}"),
                     aggregation=report.L(f"vitality.agg_{s['aggregation']}"),
                     draws=s["draws"], spread=100 * s["weight_spread"], seed=s["seed"])
            for key in keys]
