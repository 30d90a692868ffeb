"""Reflection-workshop feedback: per workshop and municipality, and for the consultants.

A report unit is `w1-232` (workshop w1, Kauhajoki) or `w1-all` (workshop w1, the whole
programme, for the development consultants). `setup(R)` checks the unit against the
config's workshops and gathers what the report needs: the feedback form, the codebook,
the answers of the workshops so far, and the open answers after the privacy step.

What the report shows, and how it stays honest and private:

- scale scores (mean of a respondent's items, reverse-coded; `research.stats.scales`) with t
  intervals, per municipality and for the whole programme, suppressed with
  `research.stats.privacy.suppress` on the whole municipality x workshop table at once (the
  programme total is published, so a single hidden municipality gets a complementary one);
- the trend from workshop to workshop: each change with a Welch interval (statsmodels),
  and a plain statement whether the change is larger than its uncertainty (the interval
  excludes zero). Feedback forms are anonymous, so workshops are independent samples;
- open answers coded by the codebook (`research.stats.codebook`) after e-mail addresses and phone
  numbers are masked; quotes and theme counts only from groups at or above the threshold;
- for the consultants: themes rising and falling (difference of two proportions with a
  Newcombe interval) and the items whose programme mean dropped.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from research.stats import privacy
from research.core.errors import UserError

ALL = "all"
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


def parse_unit(unit: str, workshops: list[dict], municipalities: list[str],
               config_path) -> tuple[str, str | None]:
    """('w1', '232') or ('w1', None) from a unit; unknown workshops or codes are errors."""
    ids = [w["id"] for w in workshops]
    workshop, _, who = str(unit).partition("-")
    if workshop not in ids:
        known = ", ".join(ids) if ids else "none (phases.reflection.workshops is empty)"
        raise UserError(f"unit '{unit}': unknown workshop '{workshop}'; the config's workshops "
                        f"are {known}", file=config_path, column="phases.reflection.workshops")
    if who == ALL:
        return workshop, None
    if who not in municipalities:
        raise UserError(f"unit '{unit}': '{who}' is not a programme municipality; expected "
                        f"one of {', '.join(municipalities)} or '{ALL}'", file=config_path,
                        column="municipalities")
    return workshop, who


def setup(R) -> Workshops:
    """The workshop data of report `R` (unit 'w1-232' or 'w1-all'), checked and masked."""
    from research.stats.codebook import load_codebook
    from research.core.instrument import load_instrument

    cfg = R.config
    reflection = cfg.phases["reflection"]
    workshops = reflection["workshops"]
    workshop, code = parse_unit(R.unit, workshops, cfg.municipalities, cfg.path)
    ids = [w["id"] for w in workshops]
    order = ids[:ids.index(workshop) + 1]
    # only the config's programme municipalities: another programme's feedback in the
    # same processed tables must never enter a table or a whole-programme figure
    mine = [str(c) for c in cfg.municipalities]

    def programme_rows(name):
        df = R.table(name)
        keep = df["wave"].isin(order) & df["municipality_code"].astype(str).isin(mine)
        return df[keep].reset_index(drop=True)

    responses = programme_rows("responses")
    comments = programme_rows("comments")
    comments["text"] = [privacy.clean_text(t, R.language, escape=False) for t in comments["text"]]
    respondents = programme_rows("respondents")
    lang = R.language
    titles = {w["id"]: (w.get(f"title_{lang}") or w["id"]) for w in workshops}
    return Workshops(
        workshop=workshop, municipality=code, order=order, titles=titles,
        dates={w["id"]: str(w["date"]) for w in workshops},
        instrument=load_instrument(cfg.resolve(reflection["instrument"])),
        codebook=load_codebook(cfg.resolve(reflection["codebook"])).with_lexicon(
            R.table("lemmas")),
        responses=responses, respondents=respondents,
        comments=comments[comments["text"] != ""].reset_index(drop=True),
        municipalities=cfg.municipalities, threshold=cfg.min_group_size, language=lang,
        names={c: R.name(c) for c in cfg.municipalities})


def title(W: Workshops, R) -> str:
    """The report's title: workshop id, its title and date, and whom the report is for."""
    import datetime as dt

    day = dt.date.fromisoformat(W.dates[W.workshop])
    date = f"{day.day}.{day.month}.{day.year}" if W.language == "fi" else day.isoformat()
    return R.L("workshop.title", workshop=W.workshop, title=W.titles[W.workshop],
               date=date, who=who(W, R.L))


def missing_note(W: Workshops, L) -> str | None:
    """A plain sentence when this report has nothing to analyse, else None: no programme
    municipality gave feedback in this workshop, or (a municipality's report) the
    municipality had no participants in it. The notebook then skips the analyses."""
    if focus_size(W.programme()) == 0:
        return L("workshop.no_feedback", workshop=W.workshop)
    if W.municipality and focus_size(W) == 0:
        return L("workshop.no_participants", workshop=W.workshop, who=who(W, L))
    return None


def who(W: Workshops, L) -> str:
    return W.name(W.municipality) if W.municipality else L("report.whole_programme")


def intro(W: Workshops, L) -> str:
    """How many gave feedback (or that the group is below the threshold)."""
    if is_suppressed(W):
        return L("workshop.intro_suppressed", threshold=W.threshold, who=who(W, L))
    if W.is_consultants:
        return L("workshop.intro_all", n=focus_size(W))
    programme = W.programme()
    return L("workshop.intro", n=focus_size(W), who=who(W, L), n_all=focus_size(programme))


# --- scale scores -------------------------------------------------------------------------

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
    """(respondent scale scores, suppressed summary) of the workshops so far."""
    from research.stats.scales import respondent_scores

    sc = respondent_scores(W.responses, W.instrument)
    return sc, score_summary(sc, W.municipalities, W.threshold)


def change_statements(tr: pd.DataFrame, W: Workshops, L) -> list[str]:
    """One plain sentence per scale about the change from the previous workshop."""
    out = []
    order = {s: i for i, s in enumerate(W.instrument.scales)}
    now = tr[tr["wave"] == W.workshop]
    now = now.assign(_o=now["scale"].map(order)).sort_values("_o", kind="stable")
    for rec in now.itertuples(index=False):
        name = W.scale_name(rec.scale)
        if pd.isna(rec.change):
            out.append(L("workshop.change_none", scale=name))
            continue
        key = "workshop.change_exceeds" if rec.exceeds else "workshop.change_within"
        out.append(L(key, scale=name, previous=W.previous, workshop=W.workshop,
                     change=float(rec.change), low=float(rec.change_low),
                     high=float(rec.change_high)))
    return out


def comparison_table(summary: pd.DataFrame, W: Workshops, L) -> pd.DataFrame:
    """This workshop: scale x (municipalities, programme), 'mean (low–high)' or the mark."""
    from research.report.show import format_value

    part = summary[summary["wave"] == W.workshop]
    mark = L("privacy.mark", threshold=W.threshold)
    cols = W.municipalities + [PROGRAMME]
    rows = []
    for scale in W.instrument.scales:
        row = {L("workshop.col_scale"): W.scale_name(scale)}
        for code in cols:
            r = part[(part["scale"] == scale) & (part["municipality_code"] == code)]
            head = W.name(code) if code != PROGRAMME else L("report.whole_programme")
            if r.empty:
                row[head] = "–"
            elif bool(r["suppressed"].iloc[0]):
                row[head] = mark
            else:
                rr = r.iloc[0]
                row[head] = L("workshop.mean_ci", mean=format_value(rr["mean"], W.language, 2),
                              low=format_value(rr["ci_low"], W.language, 2),
                              high=format_value(rr["ci_high"], W.language, 2))
        rows.append(row)
    return pd.DataFrame(rows)


def _style():
    import seaborn as sns
    sns.set_theme(style="whitegrid", context="notebook")


def comparison_chart(summary: pd.DataFrame, W: Workshops, L):
    """Dot-and-interval chart: each scale's mean per municipality and for the programme in
    this workshop; the report's municipality in red; suppressed groups are not drawn."""
    import matplotlib.pyplot as plt

    _style()
    part = summary[(summary["wave"] == W.workshop) & ~summary["suppressed"].astype(bool)]
    groups = W.municipalities + [PROGRAMME]
    scales = list(W.instrument.scales)
    fig, ax = plt.subplots(figsize=(8, 0.7 * len(scales) + 1.5), dpi=90)
    step = 0.8 / len(groups)
    for g, code in enumerate(groups):
        rows = part[part["municipality_code"] == code].set_index("scale").reindex(scales)
        y = np.arange(len(scales))[::-1] + 0.4 - g * step
        focus = code == W.focus
        colour = "#d62728" if focus else ("black" if code == PROGRAMME else "0.6")
        label = L("report.whole_programme") if code == PROGRAMME else W.name(code)
        ax.errorbar(rows["mean"], y, xerr=[rows["mean"] - rows["ci_low"],
                                            rows["ci_high"] - rows["mean"]],
                    fmt="osD^vP"[g % 6], color=colour, markersize=7 if focus else 5,
                    linewidth=2 if focus else 1, capsize=2, label=label)
    ax.set_yticks(np.arange(len(scales))[::-1])
    ax.set_yticklabels([W.scale_name(s) for s in scales])
    low, high = W.instrument.items[0].low, W.instrument.items[0].high
    ax.set_xlim(low, high)
    ax.set_xlabel(L("workshop.axis_score", low=low, high=high))
    ax.set_title(L("workshop.comparison_title", workshop=W.workshop))
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1, 1))
    fig.tight_layout()
    return fig


def trend_chart(summary: pd.DataFrame, W: Workshops, L):
    """Small multiples, one per scale: the focus group's mean and interval at each workshop,
    and the programme's for comparison (dashed) in a municipality's report."""
    import matplotlib.pyplot as plt

    _style()
    scales = list(W.instrument.scales)
    fig, axes = plt.subplots(1, len(scales), figsize=(2.1 * len(scales), 3.2), dpi=90,
                             sharey=True)
    axes = np.atleast_1d(axes)
    x = np.arange(len(W.order))
    low, high = W.instrument.items[0].low, W.instrument.items[0].high
    series = [(W.focus, "#d62728", "-", 0.0)]
    if W.focus != PROGRAMME:
        series.append((PROGRAMME, "0.35", "--", 0.12))
    for ax, scale in zip(axes, scales):
        for code, colour, style, dx in series:
            rows = summary[(summary["municipality_code"] == code) & (summary["scale"] == scale)]
            rows = rows.set_index("wave").reindex(W.order)
            shown = ~rows["suppressed"].fillna(True).astype(bool)
            m = rows["mean"].where(shown)
            ax.errorbar(x + dx, m, yerr=[m - rows["ci_low"].where(shown),
                                         rows["ci_high"].where(shown) - m],
                        color=colour, linestyle=style, marker="o", capsize=2,
                        label=L("report.whole_programme") if code == PROGRAMME
                        else W.name(code))
        ax.set_title(W.scale_name(scale), fontsize=9)
        ax.set_xticks(x)
        ax.set_xticklabels(W.order)
        ax.set_ylim(low, high)
    axes[0].set_ylabel(L("workshop.axis_score", low=low, high=high))
    axes[-1].legend(frameon=False, fontsize=7, loc="lower right")
    fig.suptitle(L("workshop.trend_title"), fontsize=10)
    fig.tight_layout()
    return fig


def likert(W: Workshops, L):
    """This workshop's item distributions for the focus group; every bar hidden when the
    group is (see `is_suppressed`)."""
    from research.report.survey_charts import likert_chart
    from research.stats.scales import likert_counts

    responses = W.responses[W.responses["municipality_code"].isin(W.municipalities)]
    counts = likert_counts(responses, W.instrument, W.workshop, W.municipality, W.threshold)
    if is_suppressed(W):
        counts = counts.assign(suppressed=True)
    return likert_chart(counts, W.instrument, W.language,
                        L("workshop.likert_title", workshop=W.workshop, who=who(W, L)),
                        L("workshop.dont_know"), L("privacy.mark", threshold=W.threshold))


# --- participation ------------------------------------------------------------------------

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


def participation_table(W: Workshops, by: str, L) -> pd.DataFrame:
    """Participants by role or organisation: one column per municipality (the report's own
    first) and the programme total; hidden cells show the privacy mark."""
    part = participation(W.respondents, W.workshop, by, W.municipalities, W.threshold)
    question = W.instrument.background_question(by)
    mark = L("privacy.mark", threshold=W.threshold)
    order = ([W.municipality] + [m for m in W.municipalities if m != W.municipality]
             if W.municipality else W.municipalities)
    cats = [c for c in part["category"].unique() if c != "total"]
    rows = []
    for cat in [*cats, "total"]:
        label = (L("workshop.total") if cat == "total" else L("workshop.unknown")
                 if cat == "unknown" else question.option_text(cat, W.language))
        row = {question.text(W.language): label}
        sub = part[part["category"] == cat].set_index("municipality_code")
        for code in [*order, PROGRAMME]:
            r = sub.loc[code]
            head = L("report.whole_programme") if code == PROGRAMME else W.name(code)
            row[head] = mark if bool(r["suppressed"]) else int(r["n"])
        rows.append(row)
    return pd.DataFrame(rows)


def focus_size(W: Workshops, workshop: str | None = None) -> int:
    """Participants of the focus group in a workshop (default: this one)."""
    df = W.respondents[W.respondents["wave"] == (workshop or W.workshop)]
    df = df[df["municipality_code"].isin(W.municipalities)]
    if W.municipality:
        df = df[df["municipality_code"] == W.municipality]
    return int(len(df))


def is_suppressed(W: Workshops) -> bool:
    """Whether the focus group of this workshop is hidden: below the threshold, or hidden
    by complementary suppression because the programme total would otherwise reveal a
    smaller municipality (then its item distributions would too, by subtraction)."""
    if W.is_consultants:
        return focus_size(W) < W.threshold
    return W.municipality not in shown_municipalities(W)


# --- open answers ------------------------------------------------------------------------

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


def theme_table(W: Workshops, L) -> pd.DataFrame:
    """Theme shares (% of open answers) for the focus group in each workshop so far;
    workshops where the group is below the threshold show the privacy mark."""
    from research.stats.codebook import code_answers, theme_counts

    mark = L("privacy.mark", threshold=W.threshold)
    labels = W.codebook.labels(W.language)
    out = pd.DataFrame({L("workshop.col_theme"): [labels[t] for t in W.codebook.theme_ids]})
    for wave in W.order:
        comments = eligible_comments(W, wave)
        if comments.empty:
            out[wave] = mark
            continue
        counts = theme_counts(comments.assign(_all="x"), code_answers(comments, W.codebook),
                              W.codebook, ["_all"])
        out[wave] = (100 * counts.set_index("theme")["share"]).reindex(
            W.codebook.theme_ids).round(0).to_numpy()
    return out


def theme_by_municipality(W: Workshops, L) -> pd.DataFrame:
    """This workshop's theme shares (%) per municipality and for the whole programme; a
    municipality below the threshold shows the privacy mark (its answers also stay out of
    the programme column, so that no subtraction reveals them)."""
    from research.stats.codebook import answer_themes, code_answers

    mark = L("privacy.mark", threshold=W.threshold)
    programme = W.programme()
    comments = eligible_comments(programme)
    flags = answer_themes(comments, code_answers(comments, W.codebook), W.codebook)
    labels = W.codebook.labels(W.language)
    out = pd.DataFrame({L("workshop.col_theme"): [labels[t] for t in W.codebook.theme_ids]})
    for code in W.municipalities:
        part = flags[flags["municipality_code"] == code]
        out[W.name(code)] = ([round(100 * part[t].mean()) for t in W.codebook.theme_ids]
                             if len(part) else mark)
    out[L("report.whole_programme")] = ([round(100 * flags[t].mean())
                                         for t in W.codebook.theme_ids] if len(flags) else mark)
    return out


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


def theme_shift_statements(shift: pd.DataFrame, W: Workshops, L) -> list[str]:
    """Themes that rose or fell, largest change first, each with its interval."""
    labels = W.codebook.labels(W.language)
    out = []
    for rec in shift.sort_values("change", key=abs, ascending=False, kind="stable"
                                 ).itertuples(index=False):
        if rec.change == 0:
            continue
        key = "workshop.theme_rises" if rec.change > 0 else "workshop.theme_falls"
        out.append(L(key, theme=labels[rec.theme], before=100 * rec.share_before,
                     now=100 * rec.share, low=100 * rec.change_low, high=100 * rec.change_high)
                   + " " + L("workshop.exceeds" if rec.exceeds else "workshop.within"))
    return out


def kwic_table(W: Workshops, L, per_theme: int = 3, width: int = 45) -> pd.DataFrame:
    """Keyword-in-context lines from the eligible answers of this workshop (masked), at most
    `per_theme` per theme, in a stable order."""
    from research.stats.codebook import code_answers, kwic

    comments = eligible_comments(W)
    lines = kwic(comments, code_answers(comments, W.codebook), width)
    order = {t: i for i, t in enumerate(W.codebook.theme_ids)}
    lines = (lines.assign(_o=lines["theme"].map(order)).sort_values("_o", kind="stable")
             .groupby("theme", sort=False).head(per_theme))
    labels = W.codebook.labels(W.language)
    return pd.DataFrame({L("workshop.col_theme"): lines["theme"].map(labels),
                         L("workshop.col_left"): lines["left"],
                         L("workshop.col_keyword"): lines["keyword"],
                         L("workshop.col_right"): lines["right"]}).reset_index(drop=True)


def uncoded_note(W: Workshops, uncoded_answers: pd.DataFrame, L) -> str:
    """How many answers matched no theme, or that the group's answers are not shown."""
    if eligible_comments(W).empty:
        return L("workshop.themes_suppressed", threshold=W.threshold)
    return L("workshop.uncoded_note", n=len(uncoded_answers))


def uncoded_table(W: Workshops, L) -> pd.DataFrame:
    """The eligible answers of this workshop that no theme matched (masked), for review."""
    from research.stats.codebook import code_answers, uncoded

    comments = eligible_comments(W)
    rest = uncoded(comments, code_answers(comments, W.codebook))
    questions = {q.code: q.text(W.language) for q in W.instrument.open_questions}
    return pd.DataFrame({L("workshop.col_question"): rest["question"].map(questions),
                         L("workshop.col_answer"): rest["text"]})


def cooccurrence_table(W: Workshops) -> pd.DataFrame:
    """Theme co-occurrence in this workshop's eligible answers, with theme names."""
    from research.stats.codebook import code_answers, cooccurrence

    comments = eligible_comments(W)
    if comments.empty:
        return pd.DataFrame()
    co = cooccurrence(comments, code_answers(comments, W.codebook), W.codebook)
    labels = W.codebook.labels(W.language)
    co.index = [labels[t] for t in co.index]
    co.columns = [labels[t] for t in co.columns]
    return co.reset_index(names="")


def kappa_note(manual: pd.DataFrame, L) -> str:
    """What the kappa table is, or that no manual coding was given."""
    n = manual["sample_id"].nunique()
    return L("workshop.kappa_note", n=n) if n else L("workshop.kappa_none")


def kappa_table(manual: pd.DataFrame, W: Workshops, L) -> pd.DataFrame:
    """Cohen's kappa per theme: the researcher's manual coding against the codebook rules."""
    from research.stats.agreement import kappa_per_theme

    k = kappa_per_theme(manual, W.codebook)
    labels = W.codebook.labels(W.language)
    return pd.DataFrame({L("workshop.col_theme"): k["theme"].map(labels),
                         L("workshop.col_n"): k["n"],
                         L("workshop.col_manual_yes"): k["manual_yes"],
                         L("workshop.col_rules_yes"): k["rules_yes"],
                         L("workshop.col_agreement"): 100 * k["agreement"],
                         L("workshop.col_kappa"): k["kappa"],
                         L("workshop.col_ci"): [
                             L("workshop.interval", low=lo, high=hi) if pd.notna(lo) else "–"
                             for lo, hi in zip(k["ci_low"], k["ci_high"])]})


# --- the consultants' view ----------------------------------------------------------------

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


def consultants_section(W: Workshops, L) -> list:
    """The consultants' view as display objects (empty in a municipality's report): themes
    rising and falling, and the items whose programme mean dropped."""
    from research.report import show

    if not W.is_consultants:
        return []
    if W.previous is None:
        return [show.heading(L("workshop.consultants_heading")), show.para(L("workshop.trend_first"))]
    drops = item_drop_statements(item_changes(W), W, L)
    return [show.heading(L("workshop.consultants_heading")),
            show.para(L("workshop.consultants_intro", workshop=W.workshop, previous=W.previous)),
            show.heading(L("workshop.themes_shift_heading"), 3),
            show.bullets(theme_shift_statements(theme_shift(W), W, L)),
            show.heading(L("workshop.items_drop_heading"), 3),
            show.bullets(drops) if drops else show.para(L("workshop.items_drop_none"))]


def item_drop_statements(changes: pd.DataFrame, W: Workshops, L) -> list[str]:
    """One sentence per item whose programme mean dropped."""
    out = []
    for rec in changes[changes["change"] < 0].itertuples(index=False):
        item = W.instrument.item(rec.item)
        out.append(" ".join([
            L("workshop.item_drop", item=item.text(W.language), before=float(rec.before),
              now=float(rec.now), low=float(rec.change_low), high=float(rec.change_high)),
            L("workshop.exceeds" if rec.exceeds else "workshop.within"),
            *([L("workshop.reverse_note")] if item.reverse else [])]))
    return out
