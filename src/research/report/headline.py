"""The "Keskeiset tulokset" (key findings) box that opens every report: three to five plain
sentences computed from the data, with no test names, codes or package names.

One function per phase takes what the phase's notebook has already computed and returns the
sentences; `show.headline` shows them. Each sentence reuses a section's plain sentence where
one exists, so the box and the section never disagree.
"""

from __future__ import annotations

import pandas as pd


def _present(sentences) -> list[str]:
    return [s for s in sentences if s]


def baseline(R, pop, tab: pd.DataFrame, ins, dev: pd.DataFrame) -> list[str]:
    """Population change, the strongest and weakest survey dimension, the first targets."""
    from research.report import population, survey_report

    out = [population.summary(pop, R), survey_report.scores_summary(tab, R, ins)]
    if dev is not None and not dev.empty:
        first = dev.sort_values("rank", kind="stable")["target"].tolist()
        out.append(R.L("headline.targets", n=len(first), first=first[0]))
    return _present(out)


def evaluation(R, SR: dict | None, D: dict | None, RS: pd.DataFrame | None) -> list[str]:
    """Survey change in words, the largest improvement, the indicator change against the
    comparison municipalities, and the best-rated operating model."""
    from research.report import evaluation as ev
    from research.report import evaluation_indicators as evi
    from research.report import evaluation_results as evr

    out = []
    if SR is not None:
        dims = SR["dimensions"].dropna(subset=["estimate"])
        counts = ev._counts(SR["dimensions"])
        out.append(R.L("headline.survey_change", **counts))
        if not dims.empty:
            top = dims.sort_values(["estimate", "dimension"], ascending=[False, True],
                                   kind="stable").iloc[0]
            out.append(R.L("headline.survey_top",
                           name=SR["names"]["dimension"].get(top["dimension"], top["dimension"]),
                           before=float(top["mean_baseline"]), after=float(top["mean_final"]),
                           low=SR["low"], high=SR["high"]))
    else:
        out.append(ev.survey_none(R))
    if D is not None:
        during = D["did"].set_index("period").loc["during"]
        clear = bool(during["ci_low"] > 0 or during["ci_high"] < 0)
        out.append(R.L("headline.did_clear" if clear else "headline.did_unclear",
                       indicator=evi.indicator_label(R), change=float(during["estimate"])))
    out.append(evr.rubric_text(RS, R))
    return _present(out)


def reflection(W, scores: pd.DataFrame, summary: pd.DataFrame, L) -> list[str]:
    """The best- and worst-rated scale of this workshop for the report's group, and how many
    scales changed more than their uncertainty since the previous workshop."""
    from research.report import workshops
    from research.stats.workshops import PROGRAMME

    out = [workshops.intro(W, L)]
    if summary is None or summary.empty or not workshops.has_feedback(W):
        return _present(out)
    who = W.municipality or PROGRAMME
    focus = summary[(summary["wave"] == W.workshop) & (summary["municipality_code"] == who)
                    & ~summary["suppressed"].astype(bool)].dropna(subset=["mean"])
    if not focus.empty:
        ranked = focus.sort_values(["mean", "scale"], ascending=[False, True], kind="stable")
        best, worst = ranked.iloc[0], ranked.iloc[-1]
        out.append(L("headline.workshop_scores", best=W.scale_name(best["scale"]),
                     best_mean=float(best["mean"]), worst=W.scale_name(worst["scale"]),
                     worst_mean=float(worst["mean"])))
    if not W.previous:
        out.append(L("workshop.trend_first"))
    else:
        tr = workshops.trend(scores, summary, W.order, W.focus)
        now = tr[(tr["wave"] == W.workshop) & tr["change"].notna()] if tr is not None else None
        if now is not None and not now.empty:
            out.append(L("headline.workshop_trend", previous=workshops.workshop_name(W, W.previous),
                         n_clear=int(now["exceeds"].astype(bool).sum()), n=len(now)))
    return _present(out)


def vitality(V, R, units: list[tuple[str, str]]) -> list[str]:
    """The sub-region's index level, change and rank, then the first sentence (level and
    change with its interval) of each programme municipality's summary; at most five."""
    from research.report import vitality as vit

    out = [vit.summary(V, R, "subregion", R.config.subregion, note=False)]
    for level, code in units:
        if level == "municipality" and len(out) < 5:
            first = vit.summary(V, R, level, code, note=False).split(". ")[0]
            out.append(first if first.endswith(".") else first + ".")
    return _present(out)
