"""The run's suppression plan: which published counts of people are hidden or merged.

One plan per run, computed from the prepared data before the notebooks run
(`research.run.privacy_audit.prepare`) and read by every report
(`research.report.published.plan`), so that a group hidden in one table is hidden in every
table and report of the run that shows it. It covers the reflection workshops: for
each workshop the participants by municipality x role and municipality x organisation
type, linked by their municipality totals (the same numbers as the reports' "n
participants" sentences); for the survey waves the respondents by municipality x role and
the counts of the survey sections (`survey_plan`, `answer_plan`). Small roles and organisation types are merged into "other"
(`suppression.coarsen`), then `suppression.protect` hides what the threshold and the
attacker require.
"""

from __future__ import annotations

import json

import pandas as pd

from research.stats import suppression

#: the background questions whose tables the reflection reports publish
BACKGROUND = ("role", "organisation")
UNKNOWN = "unknown"


def population(phase: str, wave: str) -> str:
    """The name of the people counted in one wave of a phase: 'reflection/w2'."""
    return f"{phase}/{wave}"


def workshop_cells(respondents: pd.DataFrame, workshop: str, municipalities: list[str],
                   threshold: int) -> pd.DataFrame:
    """The unprotected published cells of one workshop's participant tables."""
    micro = respondents[(respondents["wave"] == workshop)
                        & respondents["municipality_code"].isin(municipalities)]
    parts = []
    for by in BACKGROUND:
        people = micro.assign(**{by: micro[by].fillna(UNKNOWN).astype(str)})
        groups = suppression.coarsen(people.groupby(by).size(), threshold)
        parts.append(suppression.cross_cells(people, population("reflection", workshop), by,
                                             "municipality_code", by, list(municipalities),
                                             groups))
    return pd.concat(parts, ignore_index=True)


def workshop_plan(respondents: pd.DataFrame, workshops: list[str], municipalities: list[str],
                  threshold: int) -> pd.DataFrame:
    """The protected participant tables of every workshop (see `suppression.protect`):
    columns `suppression.CELL_COLUMNS` plus `reason`; hidden cells keep their true value
    here, `published` drops it."""
    parts = [suppression.protect(workshop_cells(respondents, w, municipalities, threshold),
                                 threshold) for w in workshops]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=[*suppression.CELL_COLUMNS, "reason"])


def published(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan as it may be written down and shown: hidden values blanked."""
    return plan.assign(value=plan["value"].where(~plan["hidden"].astype(bool)))


def _wave_people(responses: pd.DataFrame, wave: str, municipalities: list[str]) -> pd.DataFrame:
    people = responses[(responses["wave"] == wave)
                       & responses["municipality_code"].isin(municipalities)]
    return people.assign(role=people["role"].fillna(UNKNOWN).astype(str))


def survey_plan(responses: pd.DataFrame, waves: list[str], municipalities: list[str],
                threshold: int, instrument=None, comments: pd.DataFrame | None = None
                ) -> pd.DataFrame:
    """The protected respondent counts of every survey wave (population 'survey/<wave>'):
    municipality x role, with the municipality totals (the reports' "n respondents"
    sentences) and the programme total, so that a municipality's count cannot be derived
    from the programme total minus the others' counts published by other reports.

    With the `instrument` (`research.core.instrument.Instrument`) the counts the survey
    sections show beside them are planned too (`answer_plan`), and with the `comments`
    table the open-answer counts; a count hidden in the wave is hidden in all of them."""
    parts = []
    for wave in waves:
        people = _wave_people(responses, wave, municipalities)
        first = people.drop_duplicates("respondent")
        groups = suppression.coarsen(first.groupby("role").size(), threshold)
        cells = suppression.cross_cells(first, population("survey", wave), "role",
                                        "municipality_code", "role", list(municipalities),
                                        groups)
        parts.append(suppression.protect(cells, threshold))
        if instrument is not None:
            parts.append(answer_plan(people, parts[-1], instrument, wave, municipalities,
                                     groups, threshold, comments))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=[*suppression.CELL_COLUMNS, "reason"])


def score_population(wave: str, scale: str) -> str:
    """The respondents with a score on a scale in a wave (the score table's n)."""
    return f"{population('survey', wave)}/score/{scale}"


def item_population(wave: str, item: str) -> str:
    """The respondents who answered an item in a wave, "don't know" included (the answer
    distributions)."""
    return f"{population('survey', wave)}/item/{item}"


def open_population(wave: str, question: str) -> str:
    """The respondents who wrote an open answer to a question in a wave."""
    return f"{population('survey', wave)}/open/{question}"


def answer_plan(people: pd.DataFrame, wave_cells: pd.DataFrame, instrument, wave: str,
                municipalities: list[str], groups: dict[str, str], threshold: int,
                comments: pd.DataFrame | None = None) -> pd.DataFrame:
    """The counts of one wave's survey sections, each a population of its own, protected
    with the keys the wave's plan (`wave_cells`) hides hidden too (reason 'wave'):

    - the score table's n per scale (`score_population`): municipality x role (the wave's
      shown roles `groups`) with its totals, as the score table shows them;
    - the answers per item (`item_population`) and the open answers per question
      (`open_population`): one count per municipality (each report shows only its own, no
      report the programme's); a municipality whose answers to an item are all the same
      (the same value, or all "don't know") is hidden with reason 'same_answer', since its
      distribution would show each member's answer (group disclosure)."""
    from research.stats import scales

    hidden = {k: "wave" for k in wave_cells.loc[wave_cells["hidden"].astype(bool), "key"]}
    scores = scales.respondent_scores(people, instrument)
    parts = []
    for scale in instrument.scales:
        mine = scores[scores["scale"] == scale].drop_duplicates("respondent")
        cells = suppression.cross_cells(mine, score_population(wave, scale), "role",
                                        "municipality_code", "role", list(municipalities),
                                        {r: groups.get(r, r) for r in mine["role"]})
        parts.append(_protect(cells, threshold, hidden))
    for item in instrument.items:
        answers = people[people["item"] == item.code].drop_duplicates("respondent")
        value = answers["value"].astype(object).where(answers["value"].notna(), "dont_know")
        same = {suppression.key_of(municipality_code=m): "same_answer"
                for m, part in value.groupby(answers["municipality_code"])
                if len(part) >= threshold and part.nunique() == 1}
        parts.append(_protect(_counts(answers, item_population(wave, item.code),
                                      municipalities), threshold, hidden | same))
    if comments is not None:
        said = comments[(comments["wave"] == wave)
                        & comments["municipality_code"].isin(municipalities)
                        & comments["text"].fillna("").str.strip().ne("")]
        for question in instrument.open_questions:
            mine = said[said["question"] == question.code].drop_duplicates("respondent")
            parts.append(_protect(_counts(mine, open_population(wave, question.code),
                                          municipalities), threshold, hidden))
    return pd.concat(parts, ignore_index=True)


def _counts(people: pd.DataFrame, name: str, municipalities: list[str]) -> pd.DataFrame:
    """One count per municipality (no programme total: no report publishes one)."""
    return pd.DataFrame([{"population": name, "table": "municipality",
                          "key": suppression.key_of(municipality_code=m), "kind": "row_total",
                          "row": m, "column": suppression.ALL_COLUMNS,
                          "value": float((people["municipality_code"] == m).sum()),
                          "hidden": False, "zero_possible": False}
                         for m in municipalities], columns=suppression.CELL_COLUMNS)


def _protect(cells: pd.DataFrame, threshold: int, forced: dict[str, str]) -> pd.DataFrame:
    """`suppression.protect` with the keys of `forced` (key -> reason) hidden first; such a
    cell may hide a zero (it is hidden for another table's sake)."""
    cells = cells.reset_index(drop=True)
    chosen = cells["key"].isin(forced)
    cells.loc[chosen, ["hidden", "zero_possible"]] = True
    out = suppression.protect(cells, threshold)
    out.loc[chosen, "reason"] = cells.loc[chosen, "key"].map(forced)
    return out


def shown_roles(plan: pd.DataFrame, name: str) -> dict[str, str]:
    """Role -> shown role of population `name` in a plan, read from its column totals
    (merged roles share one, e.g. 'other'); empty when every role is one group."""
    part = plan[(plan["population"] == name) & (plan["kind"] == "column_total")]
    out = {}
    for key, shown in zip(part["key"], part["column"]):
        for role in json.loads(key).get("role", []):
            out[role] = shown
    return out
