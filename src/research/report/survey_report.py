"""The survey section of a report: sentences, display tables and charts from computed results.

Notebook cells call these with the report context `R` (`research.report.context.Report`); every
text comes from the labels, every count follows the run's suppression plan (`score_table`,
`likert`, `open_answers` read `published.survey_plan` and record what they show in the
unit's side file), so a report never shows a group below `R.config.min_group_size`, one
that other reports of the run would give away, nor a respondent. Only the
programme's municipalities (`R.config.municipalities`) enter any figure (`load`), so the
"sub-region" totals are the programme's; without answers the section says so in one
sentence (`intro`), and the functions of the charts, tables and sentences that need answers
return None (no output): without any answers in the wave (an empty score table), or, for the
municipality's own results, without answers from the municipality (`has_unit_data`).

Calling convention: the section's data first (score table, responses or reliability table),
then the report context `R`, then further inputs (`scores_display(table, R, instrument)`).
"""

from __future__ import annotations

import pandas as pd

from research.core import labels
from research.report import privacy, published
from research.stats import privacy_plan, scales
from research.stats.privacy import hide_rows
from research.stats.suppression import OTHER, key_of
from research.core.instrument import Instrument, load_instrument
from research.report import alt, style
from research.report.survey_charts import likert_chart


def programme_rows(R, table: pd.DataFrame) -> pd.DataFrame:
    """Only the rows of the config's programme municipalities (`R.config.municipalities`).

    The processed survey tables hold every export of the project folder, possibly of
    another programme's municipalities; no survey figure of a report may use those, and the
    "sub-region" totals are those of the programme's municipalities.
    """
    keep = table["municipality_code"].isin([str(m) for m in R.config.municipalities])
    return table[keep].reset_index(drop=True)


def load(R) -> tuple[Instrument, pd.DataFrame, str]:
    """The instrument of the config, the programme's rows of the `responses` table and the
    report phase's wave."""
    instrument = load_instrument(R.config.resolve(R.config["survey"]["instrument"]))
    phase = "evaluation" if R.phase == "evaluation" else "baseline"
    return (instrument, programme_rows(R, R.table("responses")),
            R.config.phases[phase]["survey_wave"])


def wave_name(R, wave: str) -> str:
    """A wave's name in the report language (`survey.wave.<id>`), else the id itself."""
    key = f"survey.wave.{wave}"
    return R.L(key) if key in labels.table() else str(wave)


def _group_name(R, instrument: Instrument, row, groups: dict[str, str] | None = None) -> str:
    if row["level"] == "subregion":
        return R.L("survey.group.subregion")
    if row["level"] == "subregion_role":
        return (f"{R.L('survey.group.subregion')}: "
                f"{_role_name(R, instrument, row['role'], groups or {})}")
    name = R.name(row["municipality_code"])
    if row["level"] == "municipality_role":
        return f"{name}: {_role_name(R, instrument, row['role'], groups or {})}"
    return name


def _role_name(R, instrument: Instrument, role: str, groups: dict[str, str]) -> str:
    """A shown role's name: the option text, or "Others (members)" for merged roles."""
    option = instrument.background_question("role")
    if role != OTHER:
        return option.option_text(role, R.language)
    members = sorted(r for r, shown in groups.items() if shown == OTHER)
    return R.L("workshop.other", members=", ".join(option.option_text(m, R.language)
                                                   for m in members))


def has_data(responses: pd.DataFrame, wave: str) -> bool:
    """Whether anyone answered the wave (give the programme's rows, `load`)."""
    return bool((responses["wave"] == wave).any())


def has_unit_data(R, responses: pd.DataFrame, wave: str) -> bool:
    """Whether anyone from the report's municipality answered the wave."""
    return bool(((responses["wave"] == wave) & (responses["municipality_code"] == R.unit)).any())


def has_scores(table: pd.DataFrame) -> bool:
    """Whether the score table has any cell left visible by the privacy step."""
    return bool((~table["suppressed"].astype(bool)).any())


def respondent_cells(R, wave: str) -> pd.DataFrame:
    """The run plan's cells of the unit's and the programme's respondent counts in a wave
    (`privacy_plan.survey_plan`), recorded in the unit's side file as published."""
    return published.plan_cells(R, privacy_plan.population("survey", wave),
                                [key_of(municipality_code=str(R.unit)), key_of()])


def score_table(R, responses: pd.DataFrame, instrument: Instrument, wave: str
                ) -> pd.DataFrame:
    """The wave's score table (`scales.score_table`) under the run's plan: its shown roles,
    its hidden counts; the cells of the rows the report shows (the unit, its roles, the
    programme) are recorded in the side file."""
    plan = published.survey_plan(R)
    groups = privacy_plan.shown_roles(plan, privacy_plan.population("survey", wave))
    table = scales.score_table(responses, instrument, wave, R.config.min_group_size,
                               plan=plan, groups=groups)
    mine = table[(table["municipality_code"] == R.unit) | (table["level"] == "subregion")]
    for scale in instrument.scales:
        published.plan_cells(R, privacy_plan.score_population(wave, scale),
                             list(mine.loc[mine["scale"] == scale, "key"]))
    return table


def _plan_count(R, wave: str, key: str, n: int) -> int | str:
    """`n`, or the privacy mark when the run plan hides that count (small, or complementary
    to a small one across the reports of the run)."""
    cells = respondent_cells(R, wave)
    hidden = cells.loc[cells["key"] == key, "hidden"].astype(bool).any()
    if hidden or 0 < n < R.config.min_group_size:
        return R.L("privacy.fewer", threshold=R.config.min_group_size)
    return n


def _unit_hidden(R) -> bool:
    """Whether the run plan hides the unit's respondent count in the report's wave (then its
    municipality-level scores, which would show that count as their n, are hidden too)."""
    wave = R.config.phases["evaluation" if R.phase == "evaluation" else "baseline"]["survey_wave"]
    cells = respondent_cells(R, wave)
    return bool(cells.loc[cells["key"] == key_of(municipality_code=str(R.unit)),
                          "hidden"].astype(bool).any())


def unit_respondents(R, responses: pd.DataFrame, wave: str) -> int | str:
    """The unit's number of respondents in a wave, or the privacy mark when the run's plan
    hides it."""
    people = responses[(responses["wave"] == wave) & (responses["municipality_code"] == R.unit)]
    n = int(people["respondent"].nunique())
    return _plan_count(R, wave, key_of(municipality_code=str(R.unit)), n)


def intro(R, responses: pd.DataFrame, instrument: Instrument, wave: str) -> str:
    """Who answered: respondents of the unit and of the programme in this wave; one plain
    sentence when the programme, or the unit, has no respondents at all."""
    n_total = int(responses.loc[responses["wave"] == wave, "respondent"].nunique())
    name = wave_name(R, wave)
    if n_total == 0:
        return R.L("survey.no_data", wave=name)
    if not has_unit_data(R, responses, wave):
        return R.L("survey.no_unit_data", wave=name, name=R.unit_name,
                   n_total=_plan_count(R, wave, key_of(), n_total))
    item = instrument.items[0]
    return R.L("survey.intro", wave=name, n_unit=unit_respondents(R, responses, wave),
               name=R.unit_name, n_total=_plan_count(R, wave, key_of(), n_total),
               low=item.low, high=item.high)


def targets_caveat(R, responses: pd.DataFrame, wave: str, targets: pd.DataFrame) -> str:
    """What the development targets rest on: the unit's respondents, or only the statistics
    when the unit has no survey answers; says so when nothing was found."""
    if not has_unit_data(R, responses, wave):
        key = "targets.no_survey" if len(targets) else "targets.nothing"
        return R.L(key, name=R.unit_name, wave=wave_name(R, wave))
    text = R.L("targets.caveat", n=unit_respondents(R, responses, wave))
    if not (targets["source"] == "survey").any():
        text = R.L("targets.none", name=R.unit_name) + " " + text
    return text


def scores_title(table: pd.DataFrame, R) -> str | None:
    """The heading of the score section; None when nobody answered the wave."""
    return None if table.empty else R.L("survey.scores_title")


def scores_display(table: pd.DataFrame, R, instrument: Instrument) -> pd.DataFrame | None:
    """Unit, its roles and the sub-region per dimension; hidden cells marked; None when
    nobody answered the wave."""
    if table.empty:
        return None
    keep = ((table["municipality_code"] == R.unit) | (table["level"] == "subregion"))
    part = table[keep & table["level"].isin(["municipality", "municipality_role", "subregion"])]
    part = part.assign(suppressed=part["suppressed"].astype(bool)
                       | ((part["level"] == "municipality") & _unit_hidden(R)))
    wave = R.config.phases["evaluation" if R.phase == "evaluation" else "baseline"]["survey_wave"]
    groups = privacy_plan.shown_roles(published.survey_plan(R),
                                      privacy_plan.population("survey", wave))
    part = privacy.mark(part, R.language, R.config.min_group_size,
                        columns=["n", "mean", "ci_low", "ci_high"],
                        decimals={"n": 0, "mean": 2, "ci_low": 2, "ci_high": 2})
    return pd.DataFrame({
        R.L("survey.col.dimension"): [instrument.scale_name(s, R.language) for s in part["scale"]],
        R.L("survey.col.group"): [_group_name(R, instrument, r, groups)
                                  for _, r in part.iterrows()],
        R.L("survey.col.n"): part["n"],
        R.L("survey.col.mean"): part["mean"],
        R.L("survey.col.ci_low"): part["ci_low"],
        R.L("survey.col.ci_high"): part["ci_high"],
    })


def scores_caption(R, instrument: Instrument) -> str:
    item = instrument.items[0]
    return R.L("survey.scores_caption", low=item.low, high=item.high)


def scores_summary(table: pd.DataFrame, R, instrument: Instrument) -> str | None:
    """The unit's strongest and weakest dimension, and the sub-region's; None when the unit
    has no scores in the table."""
    def extremes(rows):
        rows = rows.dropna(subset=["mean"]).sort_values(["mean", "scale"], kind="stable")
        return rows.iloc[-1], rows.iloc[0]
    unit = table[(table["level"] == "municipality") & (table["municipality_code"] == R.unit)]
    if unit.empty:
        return None
    sub = table[table["level"] == "subregion"]
    if unit["mean"].isna().all() or sub["mean"].isna().all():
        return R.L("survey.no_scores", name=R.unit_name)
    (best, worst), (sbest, sworst) = extremes(unit), extremes(sub)
    name = lambda r: instrument.scale_name(r["scale"], R.language)  # noqa: E731
    return R.L("survey.scores_summary", name=R.unit_name, best=name(best),
               best_mean=float(best["mean"]), worst=name(worst), worst_mean=float(worst["mean"]),
               sub_best=name(sbest), sub_best_mean=float(sbest["mean"]), sub_worst=name(sworst),
               sub_worst_mean=float(sworst["mean"]))


def scores_chart(table: pd.DataFrame, R, instrument: Instrument):
    """Each dimension's mean with its interval for the report's municipality (highlighted),
    the municipalities it is compared with (`runlevel.compared`: all of a small programme)
    and the sub-region; hidden cells not drawn; None when every cell is hidden."""
    if not has_scores(table):
        return None
    import numpy as np

    from research.report.runlevel import compared

    rows = table[table["level"].isin(["municipality", "subregion"]) & ~table["suppressed"]]
    shown = {str(m) for m in (*compared(R), R.unit)}
    groups = sorted(set(rows.loc[rows["level"] == "municipality", "municipality_code"]) & shown)
    groups = [g for g in groups if g != R.unit] + ([R.unit] if R.unit in groups else [])
    groups.append(scales.SUBREGION)
    dims = list(instrument.scales)
    fig, ax = style.subplots(figsize=(style.WIDTH, 0.55 * len(dims) * 1.6 + 1))
    offsets = np.linspace(-0.3, 0.3, len(groups))
    markers = iter("sD^vP")
    for offset, code in zip(offsets, groups):
        part = rows[rows["municipality_code"] == code].set_index("scale").reindex(dims)
        y = np.arange(len(dims))[::-1] + offset
        if code == R.unit:
            kw = {"color": style.HIGHLIGHT, "linewidth": 2.4, "markersize": 8, "zorder": 3,
                     "marker": "o"}
            label = R.unit_name
        elif code == scales.SUBREGION:
            kw = {"color": style.SUBREGION, "linewidth": 1.6, "markersize": 6, "zorder": 2,
                     "marker": "o"}
            label = R.L("survey.group.subregion")
        else:
            kw = {"color": style.GREY, "linewidth": 1.0, "markersize": 5, "zorder": 1,
                     "marker": next(markers, "o")}
            label = R.name(code)
        ax.errorbar(part["mean"], y, xerr=[part["mean"] - part["ci_low"],
                                           part["ci_high"] - part["mean"]],
                    linestyle="none", capsize=2, label=label, **kw)
    item = instrument.items[0]
    ax.set_xlim(item.low, item.high)
    ax.set_yticks(np.arange(len(dims))[::-1])
    dim_names = [instrument.scale_name(d, R.language) for d in dims]
    ax.set_yticklabels(dim_names)
    ax.set_xlabel(R.L("survey.col.mean"))
    ax.set_title(R.L("survey.chart_title"))
    style.legend_outside(fig, ax, left=style.label_width(dim_names), top=0.4, bottom=0.6)
    own = rows[rows["municipality_code"] == (R.unit if R.unit in groups else scales.SUBREGION)]
    who = R.unit_name if R.unit in groups else R.L("survey.group.subregion")
    sentence = alt.best_worst(R.L, who, {instrument.scale_name(d, R.language): m for d, m in
                                         zip(own["scale"], own["mean"])},
                              alt.number(R.language, 2))
    return style.describe(fig, R.L("survey.chart_title"), sentence, R.language)


def reliability_title(table: pd.DataFrame, R) -> str | None:
    """The heading of the reliability section; None when nobody answered the wave."""
    return None if table.empty else R.L("survey.reliability_title")


def reliability_display(rel: pd.DataFrame, R, instrument: Instrument) -> pd.DataFrame | None:
    """Cronbach's alpha per dimension; None when no alpha could be computed."""
    if not rel["alpha"].notna().any():
        return None
    return pd.DataFrame({
        R.L("survey.col.dimension"): [instrument.scale_name(s, R.language) for s in rel["scale"]],
        R.L("survey.col.items"): rel["k"].astype(int),
        R.L("survey.col.n"): rel["n"].astype(int),
        R.L("survey.col.alpha"): rel["alpha"],
        R.L("survey.col.ci_low"): rel["ci_low"],
        R.L("survey.col.ci_high"): rel["ci_high"],
    })


def reliability_note(rel: pd.DataFrame, R, instrument: Instrument,
                     scores: pd.DataFrame) -> str | None:
    """Which dimensions have a low alpha; None when nobody answered the wave (`scores`, the
    score table, is empty)."""
    if scores.empty:
        return None
    weak = rel[rel["alpha"] < 0.7]
    if weak.empty:
        return R.L("survey.reliability_ok" if rel["alpha"].notna().all()
                   else "survey.reliability_none")
    return R.L("survey.reliability_note",
               weak=", ".join(instrument.scale_name(s, R.language) for s in weak["scale"]))


def likert_title(responses: pd.DataFrame, R, wave: str) -> str | None:
    """The heading of the unit's item distributions; None without answers from the unit."""
    return (R.L("survey.likert_title", name=R.unit_name) if has_unit_data(R, responses, wave)
            else None)


def likert(responses: pd.DataFrame, R, instrument: Instrument, wave: str):
    """The unit's item distributions as diverging stacked bars (suppressed items not drawn);
    None without answers from the unit."""
    if not has_unit_data(R, responses, wave):
        return None
    threshold = R.config.min_group_size
    counts = scales.likert_counts(responses, instrument, wave, R.unit, threshold)
    hidden = [published.plan_hides(R, privacy_plan.item_population(wave, item),
                                   key_of(municipality_code=str(R.unit)))
              for item in counts["item"]]
    counts = hide_rows(counts, hidden)
    return likert_chart(counts, instrument, R.language,
                        R.L("survey.likert_title", name=R.unit_name),
                        R.L("survey.dont_know"), R.L("privacy.mark", threshold=threshold),
                        R.unit_name)


def caveat(table: pd.DataFrame, R) -> str | None:
    """The privacy and small-sample caveat; None when nobody answered the wave."""
    if table.empty:
        return None
    return R.L("survey.caveat", threshold=R.config.min_group_size,
               hidden=privacy.n_suppressed(table))


def pseudonyms(processed) -> list[str]:
    """Every respondent pseudonym in the processed survey tables: what no report may show."""
    from research.core.tables import read_table
    found: set[str] = set()
    for name in ("responses", "comments", "respondents"):
        found |= set(read_table(processed, name)["respondent"].dropna())
    return sorted(found)


def open_answers(comments: pd.DataFrame, R, instrument: Instrument, wave: str,
                 responses: pd.DataFrame):
    """The unit's open answers, cleaned and sorted, under a heading per question; None (no
    output at all) when the unit has fewer respondents than the threshold."""
    import html

    from IPython.display import HTML

    threshold = R.config.min_group_size
    if not has_unit_data(R, responses, wave) or not isinstance(
            unit_respondents(R, responses, wave), int):
        return None
    comments = programme_rows(R, comments)
    mine = comments[(comments["wave"] == wave) & (comments["municipality_code"] == R.unit)]
    parts = [f"<p>{html.escape(R.L('survey.open_note', threshold=threshold))}</p>"]
    for question in instrument.open_questions:
        if published.plan_hides(R, privacy_plan.open_population(wave, question.code),
                                key_of(municipality_code=str(R.unit))):
            continue
        texts = privacy.clean_comments(mine[mine["question"] == question.code], R.language)
        if texts.empty:
            continue
        heading = R.L("survey.open_title", question=question.text(R.language))
        items = "".join(f"<li>{t}</li>" for t in sorted(texts["text"]))
        parts.append(f"<h3>{html.escape(heading)}</h3><ul>{items}</ul>")
    return HTML("".join(parts))
