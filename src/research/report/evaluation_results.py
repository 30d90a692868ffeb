"""The final-evaluation report: rubric results, the vitality index change and the summary.

Calling convention as in `research.report.evaluation`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.core.errors import UserError
from research.core.numbers import format_range, format_value
from research.report.evaluation import fmt_ci, models_summary, survey_none, survey_summary
from research.report.evaluation_indicators import did_none, did_text, indicator_label
from research.stats import rubric


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


def rubric_table(summary: pd.DataFrame | None, R) -> pd.DataFrame | None:
    """Models as rows, criteria as columns: 'mean (low–high)'; None without scores."""
    if summary is None:
        return None
    crit = R.table("rubric_criteria").set_index("criterion")
    name = {c: crit.loc[c, f"name_{R.language}"] for c in crit.index}
    name["all"] = R.L("evaluation.rubric.all")
    cell = [("–" if not np.isfinite(m) else
             f"{format_value(float(m), R.language)} "
             f"({format_range(lo, hi, R.language)})")
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


def rubric_text(summary: pd.DataFrame | None, R) -> str:
    if summary is None:
        return R.L("evaluation.rubric.none")
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


def summary_points(SR: dict | None, M: dict | None, D: dict | None, RS: pd.DataFrame | None,
                   R) -> list[str]:
    """The one-page summary: one point per kind of evidence (survey with, for the region, the
    fixed-effects model; indicator; workshop), so that it follows all the evidence shown."""
    survey = survey_summary(SR, R)
    models = models_summary(SR, M, R)
    if models is not None:
        survey += " " + models
    points = [R.L("evaluation.summary.survey", text=survey) if SR is not None
              else survey_none(R)]
    points.append(R.L("evaluation.summary.did", indicator=indicator_label(R), text=did_text(D, R))
                  if D is not None else did_none(R))
    points.append(rubric_text(RS, R))
    return points
