"""Reflection-workshop statistics: scale scores, trends, participation and theme coding.

Everything here takes the workshop data gathered by `research.report.workshops.setup`
(a `Workshops`) or plain DataFrames and returns tidy DataFrames, numbers or flags; no text,
no labels, no charts (those are in `research.report.workshops` and
`research.report.workshop_charts`).

- scale scores (mean of a respondent's items, reverse-coded; `research.stats.scales`) with t
  intervals, per municipality and for the whole programme, suppressed with
  `research.stats.privacy.suppress` on the whole municipality x workshop table at once (the
  programme total is published, so a single hidden municipality gets a complementary one);
- the trend from workshop to workshop: each change with a Welch interval (statsmodels);
  feedback forms are anonymous, so workshops are independent samples;
- participation per role or organisation, suppressed with its margins;
- which open answers may be counted (`eligible_comments`; their themes are in
  `research.stats.workshop_themes`);
- for the consultants: the change of each item's programme mean.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from research.stats import privacy, privacy_plan, suppression

CONFIDENCE = 0.95
PROGRAMME = "programme"


@dataclass
class Workshops:
    """Everything a reflection report works with; build it with `setup(R)`."""

    workshop: str                      # 'w1'
    municipality: str | None           # '232', or None for the consultants' report
    order: list[str]                   # config workshop ids up to and including this one
    titles: dict[str, str]
    dates: dict[str, str]
    instrument: object
    codebook: object
    responses: pd.DataFrame            # workshop waves only
    respondents: pd.DataFrame
    comments: pd.DataFrame             # masked (not escaped) open answers
    municipalities: list[str]
    threshold: int
    language: str
    names: dict[str, str] = field(default_factory=dict)
    unit: str = ""
    plan: pd.DataFrame | None = None   # the run's suppression plan (`research.report.published`)
    own_plan: dict = field(default_factory=dict, repr=False)

    @property
    def previous(self) -> str | None:
        return self.order[-2] if len(self.order) > 1 else None

    @property
    def is_consultants(self) -> bool:
        return self.municipality is None

    @property
    def focus(self) -> str:
        """The group the report is about: the municipality code or 'programme'."""
        return self.municipality or PROGRAMME

    def programme(self) -> "Workshops":
        """The same workshop seen for the whole programme (the consultants' view)."""
        return dataclasses.replace(self, municipality=None)

    def scale_name(self, scale: str) -> str:
        return self.instrument.scale_name(scale, self.language)

    def name(self, code: str) -> str:
        return self.names.get(code, code)


def score_summary(scores: pd.DataFrame, municipalities: list[str], threshold: int,
                  hidden: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Mean scale scores with t intervals per workshop x municipality and for the programme.

    Columns `wave, municipality_code ('programme' for the total), scale, n, mean, sd,
    ci_low, ci_high, suppressed, suppression`. Municipality rows are suppressed together per
    workshop and scale (the programme row is their published total); `hidden` ({workshop:
    municipalities}) are the groups the run's plan hides, hidden here too ('plan').
    """
    from research.stats.scales import mean_ci

    scores = scores[scores["municipality_code"].isin(municipalities)]
    cols = ["wave", "municipality_code", "scale", "n", "mean", "sd", "ci_low", "ci_high"]
    values = ["n", "mean", "sd", "ci_low", "ci_high"]

    def summarise(by):
        rows = [{**dict(zip(by, key)), **mean_ci(part["score"], CONFIDENCE).to_dict()}
                for key, part in scores.groupby(by, sort=True)]
        return pd.DataFrame(rows, columns=by + values)

    each = summarise(["wave", "municipality_code", "scale"])
    total = summarise(["wave", "scale"]).assign(municipality_code=PROGRAMME)
    out = pd.concat([
        privacy.suppress(each[cols], threshold=threshold, margins=[["wave", "scale"]],
                         values=values),
        privacy.suppress(total[cols], threshold=threshold, margins=[], values=values)],
        ignore_index=True)
    for wave, codes in (hidden or {}).items():
        planned = (out["wave"] == wave) & out["municipality_code"].isin(codes)
        out.loc[planned & ~out["suppressed"], "suppression"] = "plan"
        out.loc[planned, "suppressed"] = True
        out.loc[planned, values] = np.nan
    return out.sort_values(["wave", "scale", "municipality_code"], kind="stable"
                           ).reset_index(drop=True)


def welch_change(before: pd.Series, after: pd.Series) -> dict:
    """after - before with a Welch t interval; `exceeds` when the interval excludes 0."""
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    a, b = np.asarray(after, float), np.asarray(before, float)
    if len(a) < 2 or len(b) < 2:
        return {"change": np.nan, "change_low": np.nan, "change_high": np.nan, "exceeds": False}
    low, high = CompareMeans(DescrStatsW(a), DescrStatsW(b)).tconfint_diff(
        alpha=1 - CONFIDENCE, usevar="unequal")
    return {"change": float(a.mean() - b.mean()), "change_low": float(low),
            "change_high": float(high), "exceeds": bool(low > 0 or high < 0)}


def trend(scores: pd.DataFrame, summary: pd.DataFrame, order: list[str], focus: str
          ) -> pd.DataFrame:
    """The focus group's scale scores workshop by workshop, each with its change from the
    previous workshop. Changes involving a suppressed group are not computed."""
    rows = []
    part = summary[summary["municipality_code"] == focus]
    if focus != PROGRAMME:
        scores = scores[scores["municipality_code"] == focus]
    for scale in dict.fromkeys(part["scale"]):
        s = part[part["scale"] == scale].set_index("wave")
        for i, wave in enumerate(order):
            if wave not in s.index:
                continue
            row = {"scale": scale, "wave": wave,
                   **s.loc[wave, ["n", "mean", "ci_low", "ci_high", "suppressed"]].to_dict()}
            prev = order[i - 1] if i else None
            if prev in s.index and not s.loc[prev, "suppressed"] and not row["suppressed"]:
                sc = scores[scores["scale"] == scale]
                row.update(welch_change(sc.loc[sc["wave"] == prev, "score"],
                                        sc.loc[sc["wave"] == wave, "score"]))
            else:
                row.update({"change": np.nan, "change_low": np.nan, "change_high": np.nan,
                            "exceeds": False})
            rows.append(row)
    return pd.DataFrame(rows, columns=["scale", "wave", "n", "mean", "ci_low", "ci_high",
                                       "suppressed", "change", "change_low", "change_high",
                                       "exceeds"])


def scores(W: Workshops) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(respondent scale scores, suppressed summary) of the workshops so far; (None, None)
    when the report has no feedback to analyse (`has_feedback`)."""
    from research.stats.scales import respondent_scores

    if not has_feedback(W):
        return None, None
    sc = respondent_scores(W.responses, W.instrument)
    hidden = {w: hidden_municipalities(W, w) for w in W.order}
    return sc, score_summary(sc, W.municipalities, W.threshold, hidden)


def plan_cells(W: Workshops, workshop: str | None = None) -> pd.DataFrame:
    """The run's suppression plan for one workshop's participant tables (hidden values
    blank): from `W.plan` (the run's plan) when it covers the workshop, else computed from
    the workshop's participants (`research.stats.privacy_plan`; the same result)."""
    wave = workshop or W.workshop
    name = privacy_plan.population("reflection", wave)
    if W.plan is not None and len(W.plan) and (W.plan["population"] == name).any():
        return W.plan[W.plan["population"] == name].reset_index(drop=True)
    if wave not in W.own_plan:
        cells = privacy_plan.workshop_cells(W.respondents, wave, W.municipalities, W.threshold)
        W.own_plan[wave] = privacy_plan.published(suppression.protect(cells, W.threshold))
    return W.own_plan[wave]


def participation(W: Workshops, by: str, workshop: str | None = None) -> pd.DataFrame:
    """Participants of a workshop per municipality x `by` ('role' or 'organisation') as the
    plan publishes them: columns `municipality_code` ('programme' for the column totals),
    `category` (a category, 'other' for the merged small ones, 'unknown' for no answer,
    'total' for a municipality's total), `n` (NaN when hidden), `suppressed`, `reason`
    and `members` (the categories behind a shown category)."""
    cells = plan_cells(W, workshop)
    cells = cells[cells["table"] == by]
    members = [json.loads(k).get(by, []) for k in cells["key"]]
    return pd.DataFrame({"municipality_code": cells["row"].to_numpy(),
                         "category": cells["column"].to_numpy(),
                         "n": cells["value"].astype(float).to_numpy(),
                         "suppressed": cells["hidden"].astype(bool).to_numpy(),
                         "reason": cells["reason"].to_numpy(), "members": members})


def focus_size(W: Workshops, workshop: str | None = None) -> int:
    """Participants of the focus group in a workshop (default: this one)."""
    df = W.respondents[W.respondents["wave"] == (workshop or W.workshop)]
    df = df[df["municipality_code"].isin(W.municipalities)]
    if W.municipality:
        df = df[df["municipality_code"] == W.municipality]
    return int(len(df))


def has_feedback(W: Workshops) -> bool:
    """Whether the report has anything to analyse: some programme municipality gave
    feedback in this workshop and (a municipality's report) the municipality had
    participants in it."""
    if focus_size(W.programme()) == 0:
        return False
    return not (W.municipality and focus_size(W) == 0)


def is_suppressed(W: Workshops) -> bool:
    """Whether the focus group of this workshop is hidden: below the threshold, or hidden
    by complementary suppression because the programme total would otherwise reveal a
    smaller municipality (then its item distributions would too, by subtraction)."""
    if W.is_consultants:
        return focus_size(W) < W.threshold
    return W.municipality not in shown_municipalities(W)


def shown_municipalities(W: Workshops, workshop: str | None = None) -> list[str]:
    """The municipalities whose participants are shown in a workshop: their total is not
    hidden by the run's plan (neither below the threshold nor hidden as a complement)."""
    part = participation(W, "role", workshop)
    totals = part[(part["category"] == "total") & part["municipality_code"].isin(
        W.municipalities)].set_index("municipality_code")
    return [c for c in W.municipalities
            if c in totals.index and not bool(totals.loc[c, "suppressed"])
            and totals.loc[c, "n"] > 0]


def hidden_municipalities(W: Workshops, workshop: str | None = None) -> list[str]:
    """The municipalities whose participants the run's plan hides in a workshop."""
    part = participation(W, "role", workshop)
    totals = part[(part["category"] == "total") & part["suppressed"]]
    return [c for c in W.municipalities if c in set(totals["municipality_code"])]


def comparison_set(W: Workshops, workshops: list[str]) -> list[str]:
    """The municipalities whose participants are shown in every one of `workshops` (the
    focus municipality only, in its own report): a comparison of the whole programme
    from workshop to workshop counts the same municipalities throughout."""
    shown = [set(shown_municipalities(W, w)) for w in workshops]
    keep = [c for c in W.municipalities if all(c in s for s in shown)]
    return [c for c in keep if c == W.municipality] if W.municipality else keep


def eligible_comments(W: Workshops, workshop: str | None = None,
                      among: list[str] | None = None) -> pd.DataFrame:
    """Masked open answers of a workshop that may be shown or counted: from the focus
    group, and only from municipalities shown in that workshop (`shown_municipalities`),
    so that no aggregate contains a hidden group's answers; with `among`, only from those
    municipalities (a comparison set)."""
    wave = workshop or W.workshop
    ok = shown_municipalities(W, wave)
    if among is not None:
        ok = [c for c in ok if c in among]
    if W.municipality:
        ok = [c for c in ok if c == W.municipality]
    c = W.comments
    return c[(c["wave"] == wave) & c["municipality_code"].isin(ok)].reset_index(drop=True)


def item_changes(W: Workshops) -> pd.DataFrame:
    """Programme-wide item means (reverse-coded) in the previous and this workshop with the
    Welch interval of the change; the items that dropped most first."""
    from research.stats.scales import scored

    if W.previous is None:
        return pd.DataFrame(columns=["item", "before", "now", "change", "change_low",
                                     "change_high", "exceeds"])
    df = scored(W.responses[W.responses["municipality_code"].isin(W.municipalities)],
                W.instrument)
    rows = []
    for item in W.instrument.items:
        part = df[df["item"] == item.code]
        before = part.loc[part["wave"] == W.previous, "score"]
        now = part.loc[part["wave"] == W.workshop, "score"]
        if len(before) < W.threshold or len(now) < W.threshold:
            continue
        rows.append({"item": item.code, "before": before.mean(), "now": now.mean(),
                     **welch_change(before, now)})
    out = pd.DataFrame(rows)
    return out.sort_values("change", kind="stable").reset_index(drop=True)
