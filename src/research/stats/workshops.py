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
- open answers coded by the codebook (`research.stats.codebook`); only answers from groups
  at or above the threshold count (`eligible_comments`);
- for the consultants: themes rising and falling (difference of two proportions with a
  Newcombe interval) and the change of each item's programme mean.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from research.stats import privacy

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


def score_summary(scores: pd.DataFrame, municipalities: list[str], threshold: int
                  ) -> pd.DataFrame:
    """Mean scale scores with t intervals per workshop x municipality and for the programme.

    Columns `wave, municipality_code ('programme' for the total), scale, n, mean, sd,
    ci_low, ci_high, suppressed, suppression`. Municipality rows are suppressed together per
    workshop and scale (the programme row is their published total).
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
    return sc, score_summary(sc, W.municipalities, W.threshold)


def participation(respondents: pd.DataFrame, workshop: str, by: str, municipalities: list[str],
                  threshold: int) -> pd.DataFrame:
    """Participants of one workshop per municipality x `by` ('role' or 'organisation'),
    suppressed with the municipality totals and the category totals as margins. Columns
    `municipality_code, category, n, suppressed, suppression`; an unanswered category is
    'unknown'; totals are rows with category 'total' or municipality_code 'programme'."""
    df = respondents[(respondents["wave"] == workshop)
                     & respondents["municipality_code"].isin(municipalities)]
    cat = df[by].fillna("unknown").astype(str)
    counts = (df.assign(category=cat).groupby(["municipality_code", "category"])
              .size().rename("n").reset_index())
    full = pd.MultiIndex.from_product([municipalities, sorted(set(cat))],
                                      names=["municipality_code", "category"])
    counts = counts.set_index(["municipality_code", "category"]).reindex(full, fill_value=0)
    counts = counts.reset_index()
    totals = counts.groupby("municipality_code", as_index=False)["n"].sum().assign(
        category="total")
    cells = privacy.suppress(counts, threshold=threshold,
                             margins=[["municipality_code"], ["category"]], values=["n"])
    totals = privacy.suppress(totals[["municipality_code", "category", "n"]],
                              threshold=threshold, margins=[()], values=["n"])
    programme = (counts.groupby("category", as_index=False)["n"].sum()
                 .assign(municipality_code=PROGRAMME))
    programme = privacy.suppress(programme[["municipality_code", "category", "n"]],
                                 threshold=threshold, margins=[()], values=["n"])
    grand = pd.DataFrame({"municipality_code": [PROGRAMME], "category": ["total"],
                          "n": [float(counts["n"].sum())]})
    grand = privacy.suppress(grand, threshold=threshold, margins=[], values=["n"])
    return pd.concat([cells, totals, programme, grand], ignore_index=True)


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
    """The municipalities whose participants are shown in a workshop: not suppressed,
    neither below the threshold nor hidden as a complement (see `participation`)."""
    part = participation(W.respondents, workshop or W.workshop, "role", W.municipalities,
                         W.threshold)
    totals = part[(part["category"] == "total") & part["municipality_code"].isin(
        W.municipalities)].set_index("municipality_code")
    return [c for c in W.municipalities
            if c in totals.index and not bool(totals.loc[c, "suppressed"])
            and totals.loc[c, "n"] > 0]


def eligible_comments(W: Workshops, workshop: str | None = None) -> pd.DataFrame:
    """Masked open answers of a workshop that may be shown or counted: from the focus
    group, and only from municipalities shown in that workshop (`shown_municipalities`),
    so that no aggregate contains a hidden group's answers."""
    wave = workshop or W.workshop
    ok = shown_municipalities(W, wave)
    if W.municipality:
        ok = [c for c in ok if c == W.municipality]
    c = W.comments
    return c[(c["wave"] == wave) & c["municipality_code"].isin(ok)].reset_index(drop=True)


def theme_shares(W: Workshops) -> pd.DataFrame:
    """The share of the focus group's eligible open answers that mention each theme, in
    each workshop so far: columns `wave, theme, answers, share` (`answers` the number of
    eligible answers; `share` NaN when there are none, e.g. the group is hidden)."""
    from research.stats.codebook import code_answers, theme_counts

    ids = W.codebook.theme_ids
    parts = []
    for wave in W.order:
        comments = eligible_comments(W, wave)
        if comments.empty:
            shares = np.full(len(ids), np.nan)
        else:
            counts = theme_counts(comments.assign(_all="x"),
                                  code_answers(comments, W.codebook), W.codebook, ["_all"])
            shares = counts.set_index("theme")["share"].reindex(ids).to_numpy()
        parts.append(pd.DataFrame({"wave": wave, "theme": ids, "answers": len(comments),
                                   "share": shares}))
    return pd.concat(parts, ignore_index=True)


def theme_shares_by_group(W: Workshops) -> pd.DataFrame:
    """This workshop's theme shares of eligible answers per municipality and for the whole
    programme (`group` 'programme'): columns `group, theme, answers, share`. A hidden
    municipality has no eligible answers (share NaN), and they stay out of the programme
    too, so that no subtraction reveals them."""
    from research.stats.codebook import answer_themes, code_answers

    comments = eligible_comments(W.programme())
    flags = answer_themes(comments, code_answers(comments, W.codebook), W.codebook)
    ids = W.codebook.theme_ids
    parts = []
    for code in [*W.municipalities, PROGRAMME]:
        part = flags if code == PROGRAMME else flags[flags["municipality_code"] == code]
        parts.append(pd.DataFrame({
            "group": code, "theme": ids, "answers": len(part),
            "share": [part[t].mean() if len(part) else np.nan for t in ids]}))
    return pd.concat(parts, ignore_index=True)


def kwic_lines(W: Workshops, per_theme: int = 3, width: int = 45) -> pd.DataFrame:
    """Keyword-in-context lines (`theme, left, keyword, right`) from the eligible (masked)
    answers of this workshop, at most `per_theme` per theme, in codebook order."""
    from research.stats.codebook import code_answers, kwic

    comments = eligible_comments(W)
    lines = kwic(comments, code_answers(comments, W.codebook), width)
    order = {t: i for i, t in enumerate(W.codebook.theme_ids)}
    lines = (lines.assign(_o=lines["theme"].map(order)).sort_values("_o", kind="stable")
             .groupby("theme", sort=False).head(per_theme))
    return lines[["theme", "left", "keyword", "right"]].reset_index(drop=True)


def uncoded_answers(W: Workshops) -> pd.DataFrame:
    """The eligible (masked) answers of this workshop that no theme matched."""
    from research.stats.codebook import code_answers, uncoded

    comments = eligible_comments(W)
    return uncoded(comments, code_answers(comments, W.codebook))


def theme_cooccurrence(W: Workshops) -> pd.DataFrame | None:
    """Theme x theme co-occurrence in this workshop's eligible answers (theme ids), or None
    when there are no eligible answers."""
    from research.stats.codebook import code_answers, cooccurrence

    comments = eligible_comments(W)
    if comments.empty:
        return None
    return cooccurrence(comments, code_answers(comments, W.codebook), W.codebook)


def theme_shift(W: Workshops) -> pd.DataFrame:
    """Programme-wide theme shares in this and the previous workshop, the change in
    percentage points and its Newcombe interval; `exceeds` when it excludes 0. Only answers
    from groups at or above the threshold count."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    from research.stats.codebook import answer_themes, code_answers

    rows = []
    if W.previous is None:
        return pd.DataFrame(columns=["theme", "share", "share_before", "change", "change_low",
                                     "change_high", "exceeds"])
    programme = W.programme()
    flags = {}
    for wave in (W.previous, W.workshop):
        c = eligible_comments(programme, wave)
        flags[wave] = answer_themes(c, code_answers(c, W.codebook), W.codebook)
    now, before = flags[W.workshop], flags[W.previous]
    for theme in W.codebook.theme_ids:
        k1, n1 = int(now[theme].sum()), len(now)
        k0, n0 = int(before[theme].sum()), len(before)
        if n1 == 0 or n0 == 0:
            continue
        low, high = confint_proportions_2indep(k1, n1, k0, n0, method="newcomb",
                                               compare="diff", alpha=1 - CONFIDENCE)
        rows.append({"theme": theme, "share": k1 / n1, "share_before": k0 / n0,
                     "change": k1 / n1 - k0 / n0, "change_low": float(low),
                     "change_high": float(high), "exceeds": bool(low > 0 or high < 0)})
    return pd.DataFrame(rows)


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
