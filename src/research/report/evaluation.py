"""The final-evaluation report: the survey-change section and the helpers of all sections.

A unit is a programme municipality (its code) or `region` (all programme municipalities).
The statistics live in `change`, `models`, `did` and `rubric`; the report modules select the
unit's data from the processed tables and the config, call them, and turn the results into
display tables and sentences from `labels.yml`, so that the notebook stays a list of short
calls. Every sentence states its caveats (few clusters, small n, lagging indicators).

Sections: survey change (this module), indicator change (`evaluation_indicators`), results,
vitality and summary (`evaluation_results`), charts (`evaluation_charts`). Calling
convention: a section's results first, then the report context `R`, then options
(`change_table(SR, R, "item")`); a function returns None when it has nothing to show, and
so does a builder given None (`survey_results(None, R)`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research.stats import change
from research.core.errors import UserError
from research.core.numbers import (format_ci, format_p, format_p_draws, format_p_eq,
                                   format_value)
from research.core.numbers import p_decimals  # noqa: F401  (callers use ev.p_decimals)

ALPHA = 0.05


# ---------------------------------------------------------------- common helpers

def units(R) -> list[str]:
    """The programme municipalities of the report unit (one, or all for the region)."""
    return [R.unit] if R.is_municipality else list(R.config.municipalities)


def waves(R) -> tuple[str, str]:
    return (R.config.phases["baseline"]["survey_wave"],
            R.config.phases["evaluation"]["survey_wave"])


#: the report's formatters are the kit's one number formatter (`research.core.numbers`)
fmt_p, fmt_p_eq, fmt_ci, fmt_p_wild = format_p, format_p_eq, format_ci, format_p_draws


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
            "item_names": {i.code: f"{i.code}: {i.text(R.language)}"
                           + (f" ({R.L('evaluation.survey.reverse_mark')})" if i.reverse else "")
                           for i in inst.items},
            "item_texts": {i.code: i.text(R.language)
                           + (f" ({R.L('evaluation.survey.reverse_mark')})" if i.reverse else "")
                           for i in inst.items},
            "low": inst.items[0].low, "high": inst.items[0].high,
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


def survey_results(data: dict | None, R) -> dict | None:
    """Linkage, dimension, item and ordinal change for the unit (see `research.stats.change`),
    with the names of `data`; None without survey data."""
    if data is None:
        return None
    n = R.config.min_group_size
    kw = {"baseline": data["base"], "final": data["final"], "min_n": n}
    link = change.linkage(data["responses"], data["base"], data["final"], n)
    return {
        "link": link,
        "dimensions": change.dimension_change(data["responses"], data["dimensions"],
                                              design=link["design"], **kw),
        "items": change.item_change(data["responses"], design=link["design"], **kw),
        "ordinal": change.ordinal_change(data["responses"], **kw),
        "names": {"dimension": data["names"], "item": data["item_names"]},
        "plain_names": {"dimension": data["names"], "item": data["item_texts"]},
        "low": data["low"], "high": data["high"],
    }


def unit_key(R) -> str:
    """The cell key of the unit's respondents in the run's plan: its municipality, or the
    programme total for the region."""
    from research.stats.suppression import key_of

    return key_of(municipality_code=str(R.unit)) if R.is_municipality else key_of()


def wave_hidden(R) -> dict[str, bool]:
    """Per wave (baseline, final): whether the run's plan hides the unit's respondent count
    (population 'survey/<wave>'); the unit's cell of each wave is recorded in its side file
    as published."""
    from research.report import published
    from research.stats import privacy_plan

    return {wave: published.plan_hides(R, privacy_plan.population("survey", wave),
                                           unit_key(R)) for wave in waves(R)}


def design_text(SR: dict | None, R) -> str:
    """Why the waves are compared paired or unpaired, with the counts; without survey
    change, why there is none. A count the run's plan hides shows the privacy mark, one
    below the threshold "fewer than"."""
    if SR is None:
        return survey_none(R)
    from research.report import published
    from research.stats import privacy_plan

    link = SR["link"]
    hidden = wave_hidden(R)
    base, final = waves(R)
    linked = published.plan_hides(R, privacy_plan.pairs_population(base, final),
                                      unit_key(R))
    counts = {"n_baseline": (link["n_baseline"], hidden[base]),
              "n_final": (link["n_final"], hidden[final]),
              "n_linked": (link["n_linked"], linked)}
    text = R.L(f"evaluation.survey.design_{link['reason']}",
               **{k: _n_text(R, v, h) for k, (v, h) in counts.items()})
    note = effect_note(SR, R)
    return text if note is None else text + " " + note


def _n_hidden(SR: dict, R, key: str) -> dict[str, list[bool]]:
    """Per wave, whether the run's plan hides each row's n of the dimension (`key`
    'dimension') or item change table: the answers of the wave, or with linked waves the
    pairs (both columns); the unit's cells are recorded in its side file."""
    from research.report import published
    from research.stats import privacy_plan

    base, final = waves(R)
    rows = SR["dimensions" if key == "dimension" else "items"]
    out = {base: [], final: []}
    for what, design in zip(rows[key], rows["design"]):
        if design == "paired":
            pair = published.plan_hides(
                R, privacy_plan.pairs_population(base, final, what), unit_key(R))
            out[base].append(pair)
            out[final].append(pair)
        else:
            for wave in (base, final):
                out[wave].append(published.plan_hides(
                    R, privacy_plan.change_population(wave, what), unit_key(R)))
    return out


def _n_text(R, n, hidden: bool = False):
    """A count of respondents as shown: the number; the privacy mark when the run's plan
    hides the count it belongs to (small, or complementary to a small one); "fewer than"
    when it is below the threshold itself."""
    if hidden:
        return R.L("privacy.mark", threshold=R.config.min_group_size)
    if n < R.config.min_group_size:
        return R.L("privacy.fewer", threshold=R.config.min_group_size)
    return int(n)


def _effect(e: float, kind: str, d_av: float, lang: str) -> str:
    """'+2.67 (d_z); +0.85 (d_av)', '+0.40 (hedges_g)' or a dash."""
    if not np.isfinite(e):
        return "–"
    text = format_value(float(e), lang, 2, signed=True) + f" ({kind})"
    if np.isfinite(d_av):
        text += "; " + format_value(float(d_av), lang, 2, signed=True) + " (d_av)"
    return text


def effect_note(SR: dict | None, R) -> str | None:
    """For paired change: what d_z and d_av mean, with the dimension of the largest d_z."""
    if SR is None or SR["link"]["design"] != "paired":
        return None
    dims = SR["dimensions"].dropna(subset=["effect_size", "d_av"])
    if dims.empty:
        return None
    top = dims.loc[dims["effect_size"].abs().sort_values(ascending=False, kind="stable").index[0]]
    return R.L("evaluation.survey.effect_note",
               dimension=SR["names"]["dimension"].get(top["dimension"], top["dimension"]),
               d_z=float(top["effect_size"]), d_av=float(top["d_av"]),
               size=abs(float(top["d_av"])))


def change_table(SR: dict | None, R, key: str) -> pd.DataFrame | None:
    """The dimension (`key` 'dimension') or item ('item') change table for display
    (difference, CI, effect size, p); None without survey change."""
    if SR is None:
        return None
    lang = R.language
    base, final = waves(R)
    hidden = _n_hidden(SR, R, key)
    rows = SR["dimensions" if key == "dimension" else "items"]
    out = _in_order(rows.assign(hidden_b=hidden[base], hidden_f=hidden[final]), key,
                    SR["names"][key])
    out["ci"] = [fmt_ci(a, b, lang) for a, b in zip(out["ci_low"], out["ci_high"])]
    out["p_txt"] = [fmt_p(p, lang) for p in out["p"]]
    out["p_adj_txt"] = [fmt_p(p, lang) for p in out["p_adjusted"]]
    out["effect"] = [_effect(e, t, av, lang) for e, t, av in
                     zip(out["effect_size"], out["effect_type"].fillna(""), out["d_av"])]
    out["n_b"] = [str(_n_text(R, v, h)) for v, h in zip(out["n_baseline"], out["hidden_b"])]
    out["n_f"] = [str(_n_text(R, v, h)) for v, h in zip(out["n_final"], out["hidden_f"])]
    return _table(R, out, {key: f"evaluation.col.{key}", "mean_baseline": "evaluation.col.mean_baseline",
                           "mean_final": "evaluation.col.mean_final",
                           "estimate": "evaluation.col.difference", "ci": "evaluation.col.ci",
                           "effect": "evaluation.col.effect", "p_txt": "evaluation.col.p",
                           "p_adj_txt": "evaluation.col.p_adjusted",
                           "n_b": "evaluation.col.n_baseline", "n_f": "evaluation.col.n_final"})


def verdict(estimate: float, p_adjusted: float, R) -> str:
    """A plain word for a change: clearly better, clearly worse, or no clear change."""
    if not (np.isfinite(estimate) and np.isfinite(p_adjusted)) or p_adjusted >= ALPHA:
        return R.L("evaluation.verdict.none")
    return R.L("evaluation.verdict.up" if estimate > 0 else "evaluation.verdict.down")


def plain_change_table(SR: dict | None, R, key: str) -> pd.DataFrame | None:
    """The municipal report's change table: wording (no item codes), the two means, the
    change and a verdict word; five columns that fit an A4 page."""
    if SR is None:
        return None
    out = _in_order(SR["dimensions" if key == "dimension" else "items"], key,
                    SR["plain_names"][key])
    out["verdict"] = [verdict(e, p, R) for e, p in zip(out["estimate"], out["p_adjusted"])]
    return _table(R, out, {key: f"evaluation.col.{key}", "mean_baseline": "evaluation.col.mean_baseline",
                           "mean_final": "evaluation.col.mean_final",
                           "estimate": "evaluation.col.difference",
                           "verdict": "evaluation.col.verdict"})


def dimensions_caption(SR: dict | None, R, plain: bool = False) -> str | None:
    """Caption of the dimension table (answer scale); the plain one explains its verdicts."""
    if SR is None:
        return None
    key = "plain_dimensions_caption" if plain else "dimensions_caption"
    return R.L(f"evaluation.survey.{key}", low=SR["low"], high=SR["high"],
               up=R.L("evaluation.verdict.up").capitalize(), down=R.L("evaluation.verdict.down"))


def ordinal_table(SR: dict | None, R) -> pd.DataFrame | None:
    if SR is None:
        return None
    lang = R.language
    out = _in_order(SR["ordinal"], "item", SR["names"]["item"])
    out["ci"] = [fmt_ci(np.exp(a), np.exp(b), lang) for a, b in zip(out["ci_low"], out["ci_high"])]
    out["p_txt"] = [fmt_p(p, lang) for p in out["p"]]
    out["p_adj_txt"] = [fmt_p(p, lang) for p in out["p_adjusted"]]
    out["problem_txt"] = [_problem(R, c) for c in out["problem"]]
    return _table(R, out, {"item": "evaluation.col.item", "odds_ratio": "evaluation.col.odds_ratio",
                           "ci": "evaluation.col.ci", "p_txt": "evaluation.col.p",
                           "p_adj_txt": "evaluation.col.p_adjusted",
                           "problem_txt": "evaluation.col.problem"})


def ordinal_note(SR: dict | None, R) -> str | None:
    if SR is None:
        return None
    return (R.L("evaluation.survey.ordinal_note") + " "
            + R.L("evaluation.survey.small_n", min_n=R.config.min_group_size))


def _counts(dims: pd.DataFrame) -> dict:
    sig = dims["p_adjusted"] < ALPHA
    return {"n": int(dims["estimate"].notna().sum()),
            "n_up": int((sig & (dims["estimate"] > 0)).sum()),
            "n_down": int((sig & (dims["estimate"] < 0)).sum())}


def survey_summary(SR: dict | None, R) -> str | None:
    """How many dimensions improved or declined after Holm correction."""
    if SR is None:
        return None
    return R.L("evaluation.survey.summary", **_counts(SR["dimensions"]))


def models_summary(SR: dict | None, M: dict | None, R) -> str | None:
    """The fixed-effects model's count of significant dimensions (Holm on the bootstrap p),
    and a warning when it disagrees with the respondent-level comparison; None without it."""
    if M is None:
        return None
    fixed = _counts(M["fixed"])
    text = R.L("evaluation.summary.fixed", G=int(M["fixed"]["n_clusters"].max()), **fixed)
    if SR is not None:
        plain = _counts(SR["dimensions"])
        if (plain["n_up"], plain["n_down"]) != (fixed["n_up"], fixed["n_down"]):
            text += " " + R.L("evaluation.summary.survey_disagree")
    return text


def region_models(data: dict | None, R) -> dict | None:
    """Region only: the random-effects diagnosis and the fixed-effects change per dimension;
    None for a municipality or without survey data."""
    if data is None or R.is_municipality:
        return None
    ev = R.config.phases["evaluation"]
    kw = {"baseline": data["base"], "final": data["final"]}
    return {"mixed": change.random_effects_check(data["responses"], data["dimensions"], **kw),
            "fixed": change.fixed_effects_change(data["responses"], data["dimensions"],
                                                 seed=ev["seed"], B=ev["bootstrap_draws"], **kw),
            "names": data["names"],
            "n_municipalities": int(data["responses"]["municipality_code"].nunique())}


def models_title(M: dict | None, R) -> str | None:
    return None if M is None else R.L("evaluation.models.title")


def mixed_text(M: dict | None, R) -> str | None:
    if M is None:
        return None
    mixed = M["mixed"]
    bad = mixed[mixed["problem"] != ""]
    if len(bad):
        problems = ", ".join(sorted({_problem(R, c) for c in bad["problem"]}))
        return R.L("evaluation.models.mixed_degenerate", n_bad=len(bad), n=len(mixed),
                   problems=problems, n_municipalities=M["n_municipalities"])
    return R.L("evaluation.models.mixed_ok", n=len(mixed), n_municipalities=M["n_municipalities"])


def fixed_table(M: dict | None, R) -> pd.DataFrame | None:
    if M is None:
        return None
    lang = R.language
    out = _in_order(M["fixed"], "dimension", M["names"])
    out["ci"] = [fmt_ci(a, b, lang) for a, b in zip(out["ci_low"], out["ci_high"])]
    out["p_txt"] = [fmt_p(p, lang) for p in out["p"]]
    for col in ("p_wild", "p_adjusted"):
        out[col + "_txt"] = [fmt_p_wild(p, d, e, lang) for p, d, e in
                             zip(out[col], out["wild_draws"], out["wild_exact"])]
    out["problem_txt"] = [_problem(R, c) for c in out["problem"]]
    return _table(R, out, {"dimension": "evaluation.col.dimension",
                           "estimate": "evaluation.col.difference", "ci": "evaluation.col.ci",
                           "p_txt": "evaluation.col.p_cluster", "p_wild_txt": "evaluation.col.p_wild",
                           "p_adjusted_txt": "evaluation.col.p_adjusted",
                           "problem_txt": "evaluation.col.problem"})


def fixed_caption(M: dict | None, R) -> str | None:
    if M is None:
        return None
    return R.L("evaluation.models.fixed_caption", G=int(M["fixed"]["n_clusters"].max()),
               B=int(R.config.phases["evaluation"]["bootstrap_draws"]))


def few_clusters_note(M: dict | None, R) -> str | None:
    if M is None:
        return None
    return R.L("evaluation.models.few_clusters", G=int(M["fixed"]["n_clusters"].max()))
