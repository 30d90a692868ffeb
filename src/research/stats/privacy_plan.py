"""The run's suppression plan: which published counts of people are hidden or merged.

One plan per run, computed from the prepared data before the notebooks run
(`research.run.privacy_audit.prepare`) and read by every report
(`research.report.published.plan`), so that a group hidden in one table is hidden in every
table and report of the run that shows it. It covers the reflection workshops: for
each workshop the participants by municipality x role and municipality x organisation
type, linked by their municipality totals (the same numbers as the reports' "n
participants" sentences); for the survey waves the respondents by municipality x role
and the counts of the survey sections (`survey_plan`, `answer_plan`, `change_plan`).
Small roles and organisation types are merged into "other" (`suppression.coarsen`), then
`suppression.protect` hides what the threshold and the attacker require.
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
    if instrument is not None and len(waves) == 2:
        parts.append(change_plan(responses, list(waves), municipalities, threshold,
                                 instrument, dict(zip(waves, parts[::2]))))
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


def change_population(wave: str, what: str) -> str:
    """The respondents of a wave with an answer to an item, or to a dimension's items (the
    final evaluation's n of unlinked waves)."""
    return f"{population('survey', wave)}/change/{what}"


def pairs_population(baseline: str, final: str, what: str | None = None) -> str:
    """The respondents of both waves (`what` None: the linked count), or those with an
    answer to an item or a dimension in both (the n of linked waves)."""
    name = f"survey/{baseline}+{final}"
    return f"{name}/pairs/{what}" if what else f"{name}/linked"


def change_plan(responses: pd.DataFrame, waves: list[str], municipalities: list[str],
                threshold: int, instrument, wave_plans: dict[str, pd.DataFrame]
                ) -> pd.DataFrame:
    """The counts of the final evaluation's survey change (`research.stats.change`): per
    item and dimension the answers of each wave, and of both waves (pairs), and the linked
    respondents; one count per municipality and the programme's (the region report), each
    a population of its own, a key hidden in a wave (`wave_plans`) hidden in it too.
    A respondent linked across two municipalities counts only in the programme's pairs
    (a cell no report shows, so that the municipalities still add up)."""
    base, final = waves
    data = responses[responses["wave"].isin(waves)
                     & responses["municipality_code"].isin(municipalities)]
    dims = {i.code: i.scale for i in instrument.items}
    said = data[data["value"].notna() & data["item"].isin(dims)]
    cols = ["respondent", "wave", "municipality_code", "what"]
    rows = pd.concat([said.assign(what=said["item"])[cols],
                      said.assign(what=said["item"].map(dims))[cols]]).drop_duplicates()
    hidden = {w: {k: "wave" for k in p.loc[p["hidden"].astype(bool), "key"]}
              for w, p in wave_plans.items()}
    parts = []
    for wave in waves:
        for what in [*instrument.scales, *dims]:
            mine = rows[(rows["wave"] == wave) & (rows["what"] == what)]
            parts.append(_protect(_counts(mine, change_population(wave, what), municipalities,
                                          total=True), threshold, hidden[wave]))
    both = hidden[base] | hidden[final]
    people, moved = _pairs(data.drop_duplicates(["respondent", "wave"]), base, final)
    parts.append(_protect(_counts(people, pairs_population(base, final), municipalities,
                                  moved, total=True), threshold, both))
    for what in [*instrument.scales, *dims]:
        people, moved = _pairs(rows[rows["what"] == what], base, final)
        parts.append(_protect(_counts(people, pairs_population(base, final, what),
                                      municipalities, moved, total=True), threshold, both))
    return pd.concat(parts, ignore_index=True)


def _pairs(rows: pd.DataFrame, base: str, final: str) -> tuple[pd.DataFrame, int]:
    """The respondents of both waves with their municipality, and how many changed it."""
    b = rows[rows["wave"] == base].set_index("respondent")["municipality_code"]
    f = rows[rows["wave"] == final].set_index("respondent")["municipality_code"]
    common = b.index.intersection(f.index)
    same = b[common] == f[common]
    return (pd.DataFrame({"respondent": common[same.to_numpy()],
                          "municipality_code": b[common][same].to_numpy()}),
            int((~same).sum()))


def _counts(people: pd.DataFrame, name: str, municipalities: list[str], moved: int = 0,
            total: bool = False) -> pd.DataFrame:
    """One count per municipality; with `total` the programme's too, which includes the
    `moved` pairs of respondents who changed municipality (a hidden cell no report shows)."""
    n = people["municipality_code"].value_counts()
    rows = [(suppression.key_of(municipality_code=m), "row_total", m, float(n.get(m, 0)),
             False) for m in municipalities]
    if total:
        rows.append((suppression.key_of(), "total", suppression.ALL_ROWS,
                     float(len(people) + moved), False))
    if moved:
        rows.append((suppression.key_of(municipality_code="~moved"), "row_total", "~moved",
                     float(moved), True))
    return pd.DataFrame([{"population": name, "table": "municipality", "key": k, "kind": kind,
                          "row": r, "column": suppression.ALL_COLUMNS, "value": v,
                          "hidden": h, "zero_possible": False} for k, kind, r, v, h in rows],
                        columns=suppression.CELL_COLUMNS)


def _protect(cells: pd.DataFrame, threshold: int, forced: dict[str, str]) -> pd.DataFrame:
    """`suppression.protect` with the keys of `forced` (key -> reason) hidden first; such a
    cell may hide a zero (it is hidden for another table's sake)."""
    cells = cells.reset_index(drop=True)
    chosen = cells["key"].isin(forced)
    cells.loc[chosen, ["hidden", "zero_possible"]] = True
    small = (cells["value"] > 0) & (cells["value"] < threshold)
    if (cells["kind"] != "cell").all() and not (small | cells["hidden"]).any():
        return cells.assign(reason="")   # counts without a breakdown, none hidden: safe
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
