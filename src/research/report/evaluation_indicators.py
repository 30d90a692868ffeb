"""The final-evaluation report: indicator change against comparison municipalities.

Difference-in-differences, event study and pre-trend tests for the unit, and for the region
the synthetic control of the sub-region (`research.stats.did`), in words from the labels.
The indicator is the config's `phases.evaluation.indicator`; its name and unit come from the
indicator catalogue. Calling convention as in `research.report.evaluation`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.core.labels import localise_number
from research.core.numbers import format_value
from research.report import alt
from research.report import evaluation_charts as charts
from research.report.evaluation import (ALPHA, _problem, _table, fmt_ci, fmt_p, fmt_p_eq,
                                        fmt_p_wild, units)
from research.stats import did


def programme_years(R) -> tuple[int, int]:
    p = R.config["programme"]
    return int(p["start_year"]), int(p["end_year"])


def indicator_label(R, with_unit: bool = False) -> str:
    """The evaluation indicator's name in the report language from the catalogue (with its
    unit after a comma when `with_unit`); the indicator id when the catalogue lacks it."""
    code = R.config.phases["evaluation"]["indicator"]
    cat = R.table("indicator_catalogue")
    row = cat[cat["indicator"] == code]
    if row.empty:
        return str(code)
    name = str(row[f"name_{R.language}"].iloc[0])
    unit = row[f"unit_{R.language}"].iloc[0]
    return f"{name}, {unit}" if with_unit and isinstance(unit, str) and unit else name


def indicator_values(R) -> pd.DataFrame | None:
    """The DiD indicator as `unit, year, value` for programme and comparison municipalities."""
    ind = R.table("indicators")
    name = R.config.phases["evaluation"]["indicator"]
    df = ind[ind["indicator"] == name].rename(columns={"municipality_code": "unit"})
    return df[["unit", "year", "value"]].reset_index(drop=True) if len(df) else None


def did_results(values: pd.DataFrame | None, R) -> dict | None:
    """DiD, event study and pre-trend tests of the unit against the comparison municipalities;
    None without indicator values."""
    if values is None:
        return None
    ev = R.config.phases["evaluation"]
    start, end = programme_years(R)
    panel = did.did_panel(values, units(R), ev["comparison"], start, end)
    return {"panel": panel,
            "did": did.twfe_did(panel, seed=ev["seed"], B=ev["bootstrap_draws"]),
            "event": did.event_study(panel, start),
            "pretrend": did.pretrend_test(panel, start, seed=ev["seed"],
                                          B=ev["bootstrap_draws"])}


def did_none(R) -> str:
    return R.L("evaluation.did.none", indicator=R.config.phases["evaluation"]["indicator"])


def did_intro(D: dict | None, R) -> str:
    """What is compared with what and over which years; why not, without the indicator."""
    if D is None:
        return did_none(R)
    panel = D["panel"]
    start, end = programme_years(R)
    comp = R.config.phases["evaluation"]["comparison"]
    unit = (R.unit_name if R.is_municipality else
            R.L("evaluation.did.treated_region", name=R.unit_name, n=len(units(R))))
    return R.L("evaluation.did.intro", indicator=indicator_label(R),
               unit=unit, n_comparison=len(comp),
               comparison=", ".join(R.name(c) for c in comp), start=start, end=end,
               first=int(panel["year"].min()), last=int(panel["year"].max()))


def did_table(D: dict | None, R) -> pd.DataFrame | None:
    if D is None:
        return None
    lang, res = R.language, D["did"]
    out = res.assign(period=[R.L(f"evaluation.did.period_{p}") for p in res["period"]])
    out["ci"] = [fmt_ci(a, b, lang) for a, b in zip(out["ci_low"], out["ci_high"])]
    out["p_txt"] = [fmt_p(p, lang) for p in out["p"]]
    out["p_wild_txt"] = [fmt_p_wild(p, d, e, lang) for p, d, e in
                         zip(out["p_wild"], out["wild_draws"], out["wild_exact"])]
    return _table(R, out, {"period": "evaluation.col.period", "estimate": "evaluation.col.did",
                           "ci": "evaluation.col.ci", "p_txt": "evaluation.col.p_cluster",
                           "p_wild_txt": "evaluation.col.p_wild"})


def plain_did_table(D: dict | None, R) -> pd.DataFrame | None:
    """The municipal report's version of `did_table`: period, change and interval only."""
    table = did_table(D, R)
    return None if table is None else table.iloc[:, :3]


def did_text(D: dict | None, R) -> str | None:
    if D is None:
        return None
    r = D["did"].set_index("period")
    start, end = programme_years(R)

    def p_wild(period):
        return fmt_p_wild(r.loc[period, "p_wild"], r.loc[period, "wild_draws"],
                          r.loc[period, "wild_exact"], R.language)

    return R.L("evaluation.did.text", start=start, end=end,
               during=float(r.loc["during", "estimate"]),
               during_ci=fmt_ci(r.loc["during", "ci_low"], r.loc["during", "ci_high"], R.language),
               during_p=p_wild("during"),
               after=float(r.loc["after", "estimate"]),
               after_ci=fmt_ci(r.loc["after", "ci_low"], r.loc["after", "ci_high"], R.language),
               after_p=p_wild("after"),
               G=int(r["n_clusters"].iloc[0])) + (
        " " + R.L("evaluation.did.one_treated") if int(r["n_treated"].iloc[0]) == 1 else "")


def pretrend_text(D: dict | None, R) -> list[str] | None:
    """One sentence per pre-trend test (what it found, or why it could not be computed), and
    a conclusion that names exactly the tests that ran and those that rejected."""
    if D is None:
        return None
    t = D["pretrend"].set_index("test")
    lin, joint = t.loc["linear"], t.loc["joint"]
    ran, rejected, out = [], [], []
    if lin["problem"] or not np.isfinite(lin["p_wild"]):
        out.append(R.L("evaluation.pretrend.linear_na", why=_problem(R, lin["problem"] or "nan_se")))
    else:
        ran.append("linear")
        if lin["p_wild"] < ALPHA:
            rejected.append("linear")
        out.append(R.L("evaluation.pretrend." + ("diverge" if rejected else "ok"),
                       slope=float(lin["statistic"]),
                       p=fmt_p_wild(lin["p_wild"], lin["wild_draws"], lin["wild_exact"],
                                    R.language)))
    if joint["problem"] == "too_many_leads":
        G = int(joint["n_clusters"])
        out.append(R.L("evaluation.pretrend.joint_rank", leads=int(joint["df"]), G=G, rank=G - 1))
    elif joint["problem"]:
        out.append(R.L("evaluation.pretrend.joint_na", leads=int(joint["df"]),
                       why=_problem(R, joint["problem"])))
    else:
        ran.append("joint")
        if joint["p"] < ALPHA:
            rejected.append("joint")
        out.append(R.L("evaluation.pretrend.joint", f=float(joint["statistic"]),
                       p=fmt_p_eq(joint["p"], R.language), leads=int(joint["df"])))
    # the conclusion follows the tests: any rejection at 5 % makes parallel trends doubtful
    which = lambda tests: "both" if len(tests) == 2 else tests[0]  # noqa: E731
    if rejected:
        out.append(R.L(f"evaluation.pretrend.doubtful_{which(rejected)}"))
    elif ran:
        out.append(R.L(f"evaluation.pretrend.supported_{which(ran)}"))
    else:
        out.append(R.L("evaluation.pretrend.none"))
    return out


def event_figure(D: dict | None, R):
    if D is None:
        return None
    start, end = programme_years(R)
    return charts.event_study_figure(D["event"], start, end,
                                     R.L("evaluation.event.title", unit=R.unit_name),
                                     R.L("evaluation.event.ylabel", ref=start - 1),
                                     R.L("label.year"), alt.best_worst(
                                         R.L, R.unit_name, {str(int(y)): e for y, e in zip(
                                             D["event"]["year"], D["event"]["estimate"])},
                                         alt.number(R.language, 2)), R.language)


def region_wide(R) -> pd.DataFrame:
    """Year x unit table: the sub-region's rate (from counts) and each comparison municipality's.

    The sub-region's rate is numerator sum / denominator sum over its programme municipalities
    (config `indicator_counts`), or the plain mean of their rates when no counts are set.
    """
    ev = R.config.phases["evaluation"]
    ind = R.table("indicators")
    members = list(R.config.municipalities)
    rates = ind[ind["indicator"] == ev["indicator"]].pivot_table(
        index="year", columns="municipality_code", values="value")
    if ev["indicator_counts"]:
        num, den = ev["indicator_counts"]
        sums = (ind[ind["indicator"].isin([num, den]) & ind["municipality_code"].isin(members)]
                .pivot_table(index="year", columns="indicator", values="value", aggfunc="sum"))
        region = 100 * sums[num] / sums[den]
    else:
        region = rates[members].mean(axis=1)
    wide = rates[[c for c in ev["comparison"] if c in rates.columns]].copy()
    wide.insert(0, R.config.subregion, region)
    return wide


def synth_results(D: dict | None, R) -> dict | None:
    """The sub-region's synthetic control with its placebos; for a municipality
    `{"region_only": True}` (it is in the region's report); None without indicator values."""
    if D is None:
        return None
    if R.is_municipality:
        return {"region_only": True}
    start, _ = programme_years(R)
    wide = region_wide(R)
    donors = [c for c in wide.columns if c != R.config.subregion]
    sc = did.synthetic_control(wide, R.config.subregion, donors, start)
    sc["placebos"] = did.synth_placebos(
        wide, R.config.subregion, donors, start,
        pre_rmspe_max=R.config.phases["evaluation"]["placebo_pre_rmspe_max"])
    return sc


def synth_heading(SC: dict | None, R) -> str | None:
    return None if SC is None else R.L("evaluation.synth.heading")


def synth_text(SC: dict | None, R) -> str | None:
    """Weights, fit and permutation p of the synthetic control (all placebos, and without the
    badly fitted ones), that the sub-region is an aggregate, and whether it estimates what the
    difference-in-differences does."""
    if SC is None:
        return None
    if SC.get("region_only"):
        return R.L("evaluation.synth.region_only")
    ev = R.config.phases["evaluation"]
    pl = SC["placebos"]
    treated = pl[pl["role"] == "treated"].iloc[0]
    weights = ", ".join(f"{R.name(u)} {format_value(float(w), R.language, 2)}"
                        for u, w in SC["weights"].sort_values(ascending=False).items() if w >= 0.005)
    pooled = bool(ev["indicator_counts"])
    n_members = len(units(R))
    parts = [
        R.L("evaluation.synth.aggregate_" + ("counts" if pooled else "mean"),
            name=R.subregion_name, n=n_members),
        R.L("evaluation.synth.text", name=R.subregion_name, weights=weights,
            pre=SC["rmspe_pre"], post=SC["rmspe_post"], ratio=float(treated["ratio"]),
            rank=int(treated["rank"]), n=len(pl), p=float(treated["p"]), pmin=1 / len(pl)),
        R.L("evaluation.synth.restricted",
            k=localise_number(f"{ev['placebo_pre_rmspe_max']:g}", R.language),
            n_out=int((~pl["kept"]).sum()), rank=int(treated["rank_kept"]),
            n=int(treated["n_kept"]), p=float(treated["p_kept"]),
            pmin=1 / int(treated["n_kept"])),
        R.L("evaluation.synth.quantity_" + ("differs" if pooled and n_members > 1 else "same")),
    ]
    return " ".join(parts)


def synth_figure(SC: dict | None, R):
    if SC is None or SC.get("region_only"):
        return None
    start, end = programme_years(R)
    return charts.synth_figure(SC["path"], start, end, {
        "title": R.L("evaluation.synth.title", name=R.subregion_name),
        "actual": R.subregion_name, "synthetic": R.L("evaluation.synth.synthetic"),
        "xlabel": R.L("label.year"), "ylabel": indicator_label(R, with_unit=True),
        "sentence": _synth_sentence(SC["path"], R)}, R.language)


def _synth_sentence(path: pd.DataFrame, R) -> str:
    last = path.dropna(subset=["actual", "synthetic"]).sort_values("year")
    if last.empty:
        return R.L("chart.no_values")
    row = last.iloc[-1]
    return R.L("chart.synth", year=int(row["year"]), actual=float(row["actual"]),
               synthetic=float(row["synthetic"]))


def caveat(R) -> str:
    start, end = programme_years(R)
    return R.L("evaluation.caveat", years=end - start + 1,
               n_comparison=len(R.config.phases["evaluation"]["comparison"]))
