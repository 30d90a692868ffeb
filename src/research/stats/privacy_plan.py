"""The run's suppression plan: which published counts of people are hidden or merged.

One plan per run, computed from the prepared data before the notebooks run
(`research.run.privacy_audit.prepare`) and read by every report
(`research.report.published.plan`), so that a group hidden in one table is hidden in every
table and report of the run that shows it. Today it covers the reflection workshops: for
each workshop the participants by municipality x role and municipality x organisation
type, linked by their municipality totals (the same numbers as the reports' "n
participants" sentences). Small roles and organisation types are merged into "other"
(`suppression.coarsen`), then `suppression.protect` hides what the threshold and the
attacker require.
"""

from __future__ import annotations

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


def survey_plan(responses: pd.DataFrame, waves: list[str], municipalities: list[str],
                threshold: int) -> pd.DataFrame:
    """The protected respondent counts of every survey wave (population 'survey/<wave>'):
    municipality x role, with the municipality totals (the reports' "n respondents"
    sentences) and the programme total, so that a municipality's count cannot be derived
    from the programme total minus the others' counts published by other reports."""
    parts = []
    for wave in waves:
        people = (responses[(responses["wave"] == wave)
                            & responses["municipality_code"].isin(municipalities)]
                  .drop_duplicates("respondent"))
        people = people.assign(role=people["role"].fillna(UNKNOWN).astype(str))
        groups = suppression.coarsen(people.groupby("role").size(), threshold)
        cells = suppression.cross_cells(people, population("survey", wave), "role",
                                        "municipality_code", "role", list(municipalities),
                                        groups)
        parts.append(suppression.protect(cells, threshold))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=[*suppression.CELL_COLUMNS, "reason"])
