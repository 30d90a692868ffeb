"""The final-evaluation report: gathers the evidence for one unit and puts it into words.

A unit is a programme municipality (its code) or `region` (all programme municipalities).
The statistics live in `change`, `models`, `did` and `rubric`; this module selects the
unit's data from the processed tables and the config, calls them, and turns the results
into display tables and sentences from `labels.yml`, so that the notebook stays a list of
short calls. Every sentence states its caveats (few clusters, small n, lagging indicators).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.stats import change, did, rubric
from research.core.errors import UserError
from research.core.labels import localise_number

ALPHA = 0.05


# ---------------------------------------------------------------- common helpers

def units(R) -> list[str]:
    """The programme municipalities of the report unit (one, or all for the region)."""
    return [R.unit] if R.is_municipality else list(R.config.municipalities)


def waves(R) -> tuple[str, str]:
    return (R.config.phases["baseline"]["survey_wave"],
            R.config.phases["evaluation"]["survey_wave"])


def fmt_p(p: float, language: str) -> str:
    """A p-value for display: three decimals, '< 0.001' below that, a dash when missing."""
    if p is None or not np.isfinite(p):
        return "–"
    return localise_number("< 0.001" if p < 0.001 else f"{p:.3f}", language)


def fmt_p_eq(p: float, language: str) -> str:
    """'p = 0.046', 'p < 0.001' or 'p = –' (missing), localised."""
    text = fmt_p(p, language)
    return "p " + text if text.startswith("<") else "p = " + text


def fmt_ci(lo: float, hi: float, language: str, decimals: int = 2) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "–"
    lo, hi = round(float(lo), decimals) + 0.0, round(float(hi), decimals) + 0.0   # no "-0.00"
    return localise_number(f"{lo:.{decimals}f} … {hi:.{decimals}f}", language)


def _problem(R, code: str) -> str:
    return R.L(f"evaluation.problem.{code}") if code else ""


def _in_order(df: pd.DataFrame, key: str, names: dict | None) -> pd.DataFrame:
    """Rows in the order of `names` (the instrument's order), keys replaced by the names."""
    names = names or {}
    rank = {k: i for i, k in enumerate(names)}
    out = df.assign(_rank=df[key].map(lambda k: rank.get(k, len(rank))))
    out = out.sort_values(["_rank", key], kind="stable").drop(columns="_rank")
    out[key] = out[key].map(lambda k: names.get(k, k))
    return out.reset_index(drop=True)


def _table(R, df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Rename `columns` (column -> label key) for display, in that order."""
    return df[list(columns)].rename(columns={c: R.L(k) for c, k in columns.items()})


# ---------------------------------------------------------------- survey change

def survey(R) -> dict | None:
    """The unit's scored responses and the instrument's item table, or None without data.

    Reverse-coded items are mirrored (low + high - answer), so that higher is better on every
    item and dimension. None when the responses table or one of the two waves is missing.
    """
    from research.core.instrument import load_instrument

    try:
        responses = R.table("responses")
    except UserError:
        return None
    base, final = waves(R)
    responses = responses[responses["wave"].isin([base, final])
                          & responses["municipality_code"].isin(units(R))]
    if set(responses["wave"]) != {base, final}:
        return None
    inst = load_instrument(R.config.resolve(R.config["survey"]["instrument"]))
    items = inst.items_table(R.language)
    bounds = {i.code: (i.low + i.high if i.reverse else None) for i in inst.items}
    mirror = responses["item"].map(bounds)
    responses = responses.assign(value=np.where(mirror.notna(), mirror - responses["value"],
                                                responses["value"]))
    return {"responses": responses.reset_index(drop=True), "items": items,
            "dimensions": dict(zip(items["item"], items["scale"])),
            "names": dict(zip(items["scale"], items["scale_name"])),
            "item_names": {i: f"{i}: {t}" for i, t in zip(items["item"], items["text"])},
            "base": base, "final": final}


def survey_none(R) -> str:
    """Why there is no survey change: no respondent from the unit's (programme's)
    municipalities at all, or one of the two waves missing."""
    try:
        responses = R.table("responses")
    except UserError:
        responses = pd.DataFrame(columns=["municipality_code", "wave"])
    base, final = waves(R)
    mine = responses[responses["wave"].isin([base, final])
                     & responses["municipality_code"].isin(units(R))]
    return R.L("evaluation.survey.none_here" if mine.empty else "evaluation.survey.none")


def survey_results(R, data: dict) -> dict:
    """Linkage, dimension, item and ordinal change for the unit (see `research.stats.change`)."""
    n = R.config.min_group_size
    kw = {"baseline": data["base"], "final": data["final"], "min_n": n}
    link = change.linkage(data["responses"], data["base"], data["final"], n)
    return {
        "link": link,
        "dimensions": change.dimension_change(data["responses"], data["dimensions"],
                                              design=link["design"], **kw),
        "items": change.item_change(data["responses"], design=link["design"], **kw),
        "ordinal": change.ordinal_change(data["responses"], **kw),
    }


def design_text(R, link: dict) -> str:
    """Why the waves are compared paired or unpaired, with the counts."""
    return R.L(f"evaluation.survey.design_{link['reason']}", **{k: int(v) for k, v in
                                                                link.items() if k.startswith("n_")})


def _n_text(R, n) -> str:
    return (R.L("privacy.fewer", threshold=R.config.min_group_size)
            if n < R.config.min_group_size else str(int(n)))


def change_table(R, df: pd.DataFrame, key: str, names: dict | None = None) -> pd.DataFrame:
    """A dimension or item change table for display (difference, CI, effect size, p)."""
    lang = R.language
    out = _in_order(df, key, names)
    out["ci"] = [fmt_ci(a, b, lang) for a, b in zip(out["ci_low"], out["ci_high"])]
    out["p_txt"] = [fmt_p(p, lang) for p in out["p"]]
    out["p_adj_txt"] = [fmt_p(p, lang) for p in out["p_adjusted"]]
    out["effect"] = [("–" if not np.isfinite(e) else
                      localise_number(f"{e:+.2f}", lang) + f" ({t})")
                     for e, t in zip(out["effect_size"], out["effect_type"].fillna(""))]
    out["n_b"] = [_n_text(R, v) for v in out["n_baseline"]]
    out["n_f"] = [_n_text(R, v) for v in out["n_final"]]
    return _table(R, out, {key: f"evaluation.col.{key}", "mean_baseline": "evaluation.col.mean_baseline",
                           "mean_final": "evaluation.col.mean_final",
                           "estimate": "evaluation.col.difference", "ci": "evaluation.col.ci",
                           "effect": "evaluation.col.effect", "p_txt": "evaluation.col.p",
                           "p_adj_txt": "evaluation.col.p_adjusted",
                           "n_b": "evaluation.col.n_baseline", "n_f": "evaluation.col.n_final"})


def ordinal_table(R, df: pd.DataFrame, names: dict | None = None) -> pd.DataFrame:
    lang = R.language
    out = _in_order(df, "item", names)
    out["ci"] = [fmt_ci(np.exp(a), np.exp(b), lang) for a, b in zip(out["ci_low"], out["ci_high"])]
    out["p_txt"] = [fmt_p(p, lang) for p in out["p"]]
    out["p_adj_txt"] = [fmt_p(p, lang) for p in out["p_adjusted"]]
    out["problem_txt"] = [_problem(R, c) for c in out["problem"]]
    return _table(R, out, {"item": "evaluation.col.item", "odds_ratio": "evaluation.col.odds_ratio",
                           "ci": "evaluation.col.ci", "p_txt": "evaluation.col.p",
                           "p_adj_txt": "evaluation.col.p_adjusted",
                           "problem_txt": "evaluation.col.problem"})


def survey_summary(R, dims: pd.DataFrame) -> str:
    """How many dimensions improved or declined after Holm correction."""
    sig = dims["p_adjusted"] < ALPHA
    return R.L("evaluation.survey.summary", n=int(dims["estimate"].notna().sum()),
               n_up=int((sig & (dims["estimate"] > 0)).sum()),
               n_down=int((sig & (dims["estimate"] < 0)).sum()))


def region_models(R, data: dict) -> dict:
    """Region only: the random-effects diagnosis and the fixed-effects change per dimension."""
    ev = R.config.phases["evaluation"]
    kw = {"baseline": data["base"], "final": data["final"]}
    return {"mixed": change.random_effects_check(data["responses"], data["dimensions"], **kw),
            "fixed": change.fixed_effects_change(data["responses"], data["dimensions"],
                                                 seed=ev["seed"], B=ev["bootstrap_draws"], **kw)}


def mixed_text(R, mixed: pd.DataFrame) -> str:
    bad = mixed[mixed["problem"] != ""]
    if len(bad):
        problems = ", ".join(sorted({_problem(R, c) for c in bad["problem"]}))
        return R.L("evaluation.models.mixed_degenerate", n_bad=len(bad), n=len(mixed),
                   problems=problems)
    return R.L("evaluation.models.mixed_ok", n=len(mixed))


def fixed_table(R, fixed: pd.DataFrame, names: dict) -> pd.DataFrame:
    lang = R.language
    out = _in_order(fixed, "dimension", names)
    out["ci"] = [fmt_ci(a, b, lang) for a, b in zip(out["ci_low"], out["ci_high"])]
    for col in ("p", "p_wild", "p_adjusted"):
        out[col + "_txt"] = [fmt_p(p, lang) for p in out[col]]
    out["problem_txt"] = [_problem(R, c) for c in out["problem"]]
    return _table(R, out, {"dimension": "evaluation.col.dimension",
                           "estimate": "evaluation.col.difference", "ci": "evaluation.col.ci",
                           "p_txt": "evaluation.col.p_cluster", "p_wild_txt": "evaluation.col.p_wild",
                           "p_adjusted_txt": "evaluation.col.p_adjusted",
                           "problem_txt": "evaluation.col.problem"})


def fixed_caption(R, fixed: pd.DataFrame) -> str:
    return R.L("evaluation.models.fixed_caption", G=int(fixed["n_clusters"].max()),
               B=int(R.config.phases["evaluation"]["bootstrap_draws"]))


# ---------------------------------------------------------------- indicator change

def programme_years(R) -> tuple[int, int]:
    p = R.config["programme"]
    return int(p["start_year"]), int(p["end_year"])


def indicator_values(R) -> pd.DataFrame | None:
    """The DiD indicator as `unit, year, value` for programme and comparison municipalities."""
    ind = R.table("indicators")
    name = R.config.phases["evaluation"]["indicator"]
    df = ind[ind["indicator"] == name].rename(columns={"municipality_code": "unit"})
    return df[["unit", "year", "value"]].reset_index(drop=True) if len(df) else None


def did_results(R, values: pd.DataFrame) -> dict:
    """DiD, event study and pre-trend tests of the unit against the comparison municipalities."""
    ev = R.config.phases["evaluation"]
    start, end = programme_years(R)
    panel = did.did_panel(values, units(R), ev["comparison"], start, end)
    return {"panel": panel,
            "did": did.twfe_did(panel, seed=ev["seed"], B=ev["bootstrap_draws"]),
            "event": did.event_study(panel, start),
            "pretrend": did.pretrend_test(panel, start, seed=ev["seed"],
                                          B=ev["bootstrap_draws"])}


def did_intro(R, panel: pd.DataFrame) -> str:
    start, end = programme_years(R)
    comp = R.config.phases["evaluation"]["comparison"]
    unit = (R.unit_name if R.is_municipality else
            R.L("evaluation.did.treated_region", name=R.unit_name, n=len(units(R))))
    return R.L("evaluation.did.intro", indicator=R.L("evaluation.indicator_name"),
               unit=unit, n_comparison=len(comp),
               comparison=", ".join(R.name(c) for c in comp), start=start, end=end,
               first=int(panel["year"].min()), last=int(panel["year"].max()))


def did_table(R, res: pd.DataFrame) -> pd.DataFrame:
    lang = R.language
    out = res.assign(period=[R.L(f"evaluation.did.period_{p}") for p in res["period"]])
    out["ci"] = [fmt_ci(a, b, lang) for a, b in zip(out["ci_low"], out["ci_high"])]
    out["p_txt"] = [fmt_p(p, lang) for p in out["p"]]
    out["p_wild_txt"] = [fmt_p(p, lang) for p in out["p_wild"]]
    return _table(R, out, {"period": "evaluation.col.period", "estimate": "evaluation.col.did",
                           "ci": "evaluation.col.ci", "p_txt": "evaluation.col.p_cluster",
                           "p_wild_txt": "evaluation.col.p_wild"})


def did_text(R, res: pd.DataFrame) -> str:
    r = res.set_index("period")
    start, end = programme_years(R)
    return R.L("evaluation.did.text", start=start, end=end,
               during=float(r.loc["during", "estimate"]),
               during_ci=fmt_ci(r.loc["during", "ci_low"], r.loc["during", "ci_high"], R.language),
               during_p=fmt_p(r.loc["during", "p_wild"], R.language),
               after=float(r.loc["after", "estimate"]),
               after_ci=fmt_ci(r.loc["after", "ci_low"], r.loc["after", "ci_high"], R.language),
               after_p=fmt_p(r.loc["after", "p_wild"], R.language),
               G=int(r["n_clusters"].iloc[0])) + (
        " " + R.L("evaluation.did.one_treated") if int(r["n_treated"].iloc[0]) == 1 else "")


def pretrend_text(R, pt: pd.DataFrame) -> list[str]:
    t = pt.set_index("test")
    lin, joint = t.loc["linear"], t.loc["joint"]
    key = "diverge" if lin["p_wild"] < ALPHA else "ok"
    out = [R.L(f"evaluation.pretrend.{key}", slope=float(lin["statistic"]),
               p=fmt_p(lin["p_wild"], R.language))]
    rejects = bool(lin["p_wild"] < ALPHA)
    if joint["problem"]:
        out.append(R.L("evaluation.pretrend.joint_na", leads=int(joint["df"]),
                       G=int(joint["n_clusters"]), why=_problem(R, joint["problem"])))
    else:
        out.append(R.L("evaluation.pretrend.joint", f=float(joint["statistic"]),
                       p=fmt_p_eq(joint["p"], R.language), leads=int(joint["df"])))
        rejects = rejects or bool(joint["p"] < ALPHA)
    # the conclusion follows the tests: any rejection at 5 % makes parallel trends doubtful
    out.append(R.L("evaluation.pretrend.doubtful" if rejects else "evaluation.pretrend.supported"))
    return out


def event_figure(R, es: pd.DataFrame):
    start, end = programme_years(R)
    return did.event_study_figure(es, start, end, R.L("evaluation.event.title", unit=R.unit_name),
                                  R.L("evaluation.event.ylabel", ref=start - 1),
                                  R.L("label.year"))


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


def synth_results(R) -> dict:
    start, _ = programme_years(R)
    wide = region_wide(R)
    donors = [c for c in wide.columns if c != R.config.subregion]
    sc = did.synthetic_control(wide, R.config.subregion, donors, start)
    sc["placebos"] = did.synth_placebos(wide, R.config.subregion, donors, start)
    return sc


def synth_text(R, sc: dict) -> str:
    pl = sc["placebos"]
    treated = pl[pl["role"] == "treated"].iloc[0]
    weights = ", ".join(f"{R.name(u)} {localise_number(f'{w:.2f}', R.language)}"
                        for u, w in sc["weights"].sort_values(ascending=False).items() if w >= 0.005)
    return R.L("evaluation.synth.text", name=R.subregion_name, weights=weights,
               pre=sc["rmspe_pre"], post=sc["rmspe_post"], ratio=float(treated["ratio"]),
               rank=int(treated["rank"]), n=len(pl), p=float(treated["p"]), pmin=1 / len(pl))


def synth_figure(R, sc: dict):
    start, end = programme_years(R)
    return did.synth_figure(sc["path"], start, end, {
        "title": R.L("evaluation.synth.title", name=R.subregion_name),
        "actual": R.subregion_name, "synthetic": R.L("evaluation.synth.synthetic"),
        "xlabel": R.L("label.year"), "ylabel": R.L("evaluation.indicator_name")})


def caveat(R) -> str:
    start, end = programme_years(R)
    return R.L("evaluation.caveat", years=end - start + 1,
               n_comparison=len(R.config.phases["evaluation"]["comparison"]))


# ---------------------------------------------------------------- rubric and summary

def rubric_summary(R) -> pd.DataFrame | None:
    """The rubric summary, or None when there are no scores or they belong to another
    programme (`rubric.belongs_to`: same sub-region code or same municipality set)."""
    scores = R.table("rubric_scores")
    if scores.empty or not rubric.belongs_to(R.table("rubric_models"), R.config.subregion,
                                             R.config.municipalities):
        return None
    return rubric.summarise(scores, R.table("rubric_criteria"), R.config.min_group_size)


def _model_names(R) -> dict[str, str]:
    models = R.table("rubric_models")
    return dict(zip(models["model"], models[f"name_{R.language}"]))


def rubric_table(R, summary: pd.DataFrame) -> pd.DataFrame:
    """Models as rows, criteria as columns: 'mean (low … high)'."""
    crit = R.table("rubric_criteria").set_index("criterion")
    name = {c: crit.loc[c, f"name_{R.language}"] for c in crit.index}
    name["all"] = R.L("evaluation.rubric.all")
    cell = [("–" if not np.isfinite(m) else
             localise_number(f"{m:.1f} ({lo:.1f} … {hi:.1f})", R.language))
            for m, lo, hi in zip(summary["mean"], summary["ci_low"], summary["ci_high"])]
    wide = summary.assign(cell=cell, criterion=summary["criterion"].map(name)).pivot(
        index="model", columns="criterion", values="cell")
    order = [name[c] for c in crit.sort_values("order").index] + [name["all"]]
    models = R.table("rubric_models").sort_values(["order", "model"], kind="stable")["model"]
    wide = wide.reindex([m for m in models if m in wide.index]
                        + sorted(set(wide.index) - set(models)))
    wide.index = wide.index.map(lambda m: _model_names(R).get(m, m))
    wide.index.name = "model"
    wide = wide[order].reset_index().rename(columns={"model": R.L("evaluation.col.model")})
    wide.columns.name = None
    return wide


def rubric_caption(R) -> str:
    crit = R.table("rubric_criteria")
    return R.L("evaluation.rubric.caption", min=int(crit["scale_min"].iloc[0]),
               max=int(crit["scale_max"].iloc[0]))


def rubric_text(R, summary: pd.DataFrame) -> str:
    overall = summary[summary["criterion"] == "all"].dropna(subset=["mean"])
    if overall.empty:
        return R.L("evaluation.rubric.too_few", min_n=R.config.min_group_size)
    best = overall.sort_values(["mean", "model"], ascending=[False, True]).iloc[0]
    model = _model_names(R).get(best["model"], best["model"])
    return R.L("evaluation.rubric.text", model=model, mean=float(best["mean"]),
               ci=fmt_ci(best["ci_low"], best["ci_high"], R.language, 1), n=int(best["n"]),
               n_models=len(overall))


def vitality_text(R) -> str:
    """The vitality index change from the base to the final year with its uncertainty band.

    Uses the vitality index of `research.report.vitality` (the same framework, years and Monte Carlo
    draws as the vitality report); a placeholder sentence when the index cannot be built.
    """
    from research.report import vitality

    vit = R.config.phases["vitality"]
    try:
        result = vitality.build(R)
    except (UserError, FileNotFoundError):
        return R.L("evaluation.vitality.placeholder", base=int(vit["base_year"]),
                   final=int(vit["final_year"]))
    level, code = (("municipality", R.unit) if R.is_municipality
                   else ("subregion", R.config.subregion))
    return vitality.summary(result, R, level, code)


def summary_points(R, survey_res: dict | None, did_res: dict | None,
                   rubric_sum: pd.DataFrame | None) -> list[str]:
    """The one-page summary: one sentence per kind of evidence (survey, indicator, workshop)."""
    points = [R.L("evaluation.summary.survey", text=survey_summary(R, survey_res["dimensions"]))
              if survey_res is not None else survey_none(R)]
    points.append(R.L("evaluation.summary.did", text=did_text(R, did_res["did"]))
                  if did_res is not None else
                  R.L("evaluation.did.none", indicator=R.config.phases["evaluation"]["indicator"]))
    points.append(rubric_text(R, rubric_sum) if rubric_sum is not None
                  else R.L("evaluation.rubric.none"))
    return points
