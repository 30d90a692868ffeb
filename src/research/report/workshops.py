"""Reflection-workshop feedback in words and tables: per workshop and municipality, and
for the consultants.

A report unit is `w1-232` (workshop w1, Kauhajoki) or `w1-all` (workshop w1, the whole
programme, for the development consultants). `setup(R)` checks the unit against the
config's workshops and gathers what the report needs: the feedback form, the codebook,
the answers of the workshops so far, and the open answers after the privacy step.

The statistics are computed in `research.stats.workshops` (scores, trends, participation,
theme coding, all suppressed below the threshold); this module puts them into sentences
and display tables, and `research.report.workshop_charts` draws them. Every function
returns None when the report has no feedback to analyse (`stats.workshops.has_feedback`),
so that a notebook cell stays one call.
"""

from __future__ import annotations

import pandas as pd

from research.core import units
from research.core.config import workshop_title
from research.core.errors import UserError
from research.core.numbers import format_ci, format_date
from research.report import privacy, published
from research.stats.suppression import OTHER
from research.stats.workshop_themes import (
    kwic_lines, theme_cooccurrence, theme_shares, theme_shares_by_group, uncoded_answers)
from research.stats.workshops import (
    PROGRAMME, Workshops, comparison_set, eligible_comments, focus_size, has_feedback,
    is_suppressed, participation, plan_cells, trend)

ALL = units.ALL


def parse_unit(unit: str, workshops: list[dict], municipalities: list[str],
               config_path) -> tuple[str, str | None]:
    """('w1', '232') or ('w1', None) from a unit; unknown workshops or codes are errors."""
    ids = [w["id"] for w in workshops]
    uid = units.parse(unit)
    workshop = uid.workshop if uid.is_workshop else str(uid)
    if workshop not in ids:
        known = ", ".join(ids) if ids else "none (phases.reflection.workshops is empty)"
        raise UserError(f"unit '{unit}': unknown workshop '{workshop}'; the config's workshops "
                        f"are {known}", file=config_path, column="phases.reflection.workshops")
    if uid.is_consultants:
        return workshop, None
    who = uid.municipality
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
    titles = {w["id"]: workshop_title(w, lang) for w in workshops}
    return Workshops(
        workshop=workshop, municipality=code, order=order, titles=titles,
        dates={w["id"]: str(w["date"]) for w in workshops},
        instrument=load_instrument(cfg.resolve(reflection["instrument"])),
        codebook=load_codebook(cfg.resolve(reflection["codebook"])).with_lexicon(
            R.table("lemmas")),
        responses=responses, respondents=respondents,
        comments=comments[comments["text"] != ""].reset_index(drop=True),
        municipalities=cfg.municipalities, threshold=cfg.min_group_size, language=lang,
        names={c: R.name(c) for c in cfg.municipalities}, unit=R.unit,
        plan=published.plan(R))


def workshop_name(W: Workshops, wave: str) -> str:
    """A workshop's title from the config (readers never see its id)."""
    return (getattr(W, "titles", None) or {}).get(wave, wave)


def title(W: Workshops, R) -> str:
    """The report's title: workshop id, its title and date, and whom the report is for."""
    date = format_date(W.dates[W.workshop], W.language)
    name = workshop_name(W, W.workshop)
    return R.L("workshop.title", workshop=name, title=name,
               date=date, who=who(W, R.L))


def missing_note(W: Workshops, L) -> str | None:
    """A plain sentence when this report has nothing to analyse, else None: no programme
    municipality gave feedback in this workshop, or (a municipality's report) the
    municipality had no participants in it (`has_feedback`); the analyses then show nothing."""
    if focus_size(W.programme()) == 0:
        return L("workshop.no_feedback", workshop=workshop_name(W, W.workshop))
    if W.municipality and focus_size(W) == 0:
        return L("workshop.no_participants", workshop=workshop_name(W, W.workshop), who=who(W, L))
    return None


def who(W: Workshops, L) -> str:
    return W.name(W.municipality) if W.municipality else L("report.whole_programme")


def intro(W: Workshops, L) -> str:
    """How many gave feedback (or that the group is below the threshold), or the sentence
    of `missing_note` when there is nothing to analyse."""
    missing = missing_note(W, L)
    if missing:
        return missing
    if is_suppressed(W):
        return L("workshop.intro_suppressed", threshold=W.threshold, who=who(W, L))
    if W.is_consultants:
        return L("workshop.intro_all", n=focus_size(W))
    programme = W.programme()
    return L("workshop.intro", n=focus_size(W), who=who(W, L), n_all=focus_size(programme))


def text(W: Workshops, L, key: str, **values) -> str | None:
    """A heading or note of the analyses (label `key`), or None when the report has no
    feedback to analyse."""
    return L(key, **values) if has_feedback(W) else None


def manual_coding(W: Workshops, R) -> pd.DataFrame | None:
    """The researcher's manual coding sample for the kappa table, or None when the report
    has no feedback to analyse."""
    return R.table("manual_coding") if has_feedback(W) else None


def trend_statements(scores: pd.DataFrame | None, summary: pd.DataFrame | None,
                     W: Workshops, L) -> list[str] | None:
    """The change sentences of this workshop (`change_statements`), the first workshop's
    note, or None when there is nothing to analyse."""
    if summary is None:
        return None
    if not W.previous:
        return [L("workshop.trend_first")]
    return change_statements(trend(scores, summary, W.order, W.focus), W, L)


def change_statements(tr: pd.DataFrame, W: Workshops, L) -> list[str]:
    """One plain sentence per scale about the change from the previous workshop."""
    if tr is None:
        return None
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
        out.append(L(key, scale=name, previous=workshop_name(W, W.previous),
                     workshop=workshop_name(W, W.workshop),
                     change=float(rec.change), low=float(rec.change_low),
                     high=float(rec.change_high)))
    return out


def comparison_table(summary: pd.DataFrame, W: Workshops, L) -> pd.DataFrame:
    """This workshop: scale x (municipalities, programme), 'mean (low–high)' or the mark."""
    from research.report.show import format_value

    if summary is None:
        return None
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


def participation_table(W: Workshops, by: str, L) -> pd.DataFrame:
    """Participants by role or organisation: one column per municipality (the report's own
    first) and the programme total; hidden cells show the privacy mark."""
    if not has_feedback(W):
        return None
    part = participation(W, by)
    cells = plan_cells(W)
    published.publish("reflection", W.unit, cells[cells["table"] == by])
    question = W.instrument.background_question(by)
    mark = L("privacy.mark", threshold=W.threshold)
    order = ([W.municipality] + [m for m in W.municipalities if m != W.municipality]
             if W.municipality else W.municipalities)
    cats = [c for c in part["category"].unique() if c != "total"]

    def option(cat):
        return (L("workshop.unknown") if cat == "unknown"
                else question.option_text(cat, W.language))

    rows = []
    for cat in [*cats, "total"]:
        members = part.loc[part["category"] == cat, "members"].iloc[0]
        label = (L("workshop.total") if cat == "total" else L(
            "workshop.other", members=", ".join(option(m) for m in members))
            if cat == OTHER else option(cat))
        row = {question.text(W.language): label}
        sub = part[part["category"] == cat].set_index("municipality_code")
        for code in [*order, PROGRAMME]:
            r = sub.loc[code]
            head = L("report.whole_programme") if code == PROGRAMME else W.name(code)
            row[head] = mark if bool(r["suppressed"]) else int(r["n"])
        rows.append(row)
    return pd.DataFrame(rows)


def theme_table(W: Workshops, L) -> pd.DataFrame:
    """Theme shares (% of open answers) for the focus group in each workshop so far;
    workshops where the group is below the threshold show the privacy mark."""
    if not has_feedback(W):
        return None
    mark = L("privacy.mark", threshold=W.threshold)
    labels = W.codebook.labels(W.language)
    shares = theme_shares(W)
    out = pd.DataFrame({L("workshop.col_theme"): [labels[t] for t in W.codebook.theme_ids]})
    for wave in W.order:
        part = shares[shares["wave"] == wave]
        if part["answers"].iloc[0] == 0:
            out[workshop_name(W, wave)] = mark
            continue
        out[workshop_name(W, wave)] = (100 * part["share"]).round(0).to_numpy()
    return out


def theme_by_municipality(W: Workshops, L) -> pd.DataFrame:
    """This workshop's theme shares (%) per municipality and for the whole programme; a
    municipality below the threshold shows the privacy mark (its answers also stay out of
    the programme column, so that no subtraction reveals them)."""
    if not has_feedback(W):
        return None
    mark = L("privacy.mark", threshold=W.threshold)
    shares = theme_shares_by_group(W)
    labels = W.codebook.labels(W.language)
    out = pd.DataFrame({L("workshop.col_theme"): [labels[t] for t in W.codebook.theme_ids]})
    for code in [*W.municipalities, PROGRAMME]:
        part = shares[shares["group"] == code]
        head = L("report.whole_programme") if code == PROGRAMME else W.name(code)
        out[head] = ([round(100 * s) for s in part["share"]] if part["answers"].iloc[0]
                     else mark)
    return out


def comparison_note(W: Workshops, L, workshops: list[str] | None = None) -> str | None:
    """Which municipalities a whole-programme comparison of `workshops` (default: every
    workshop so far) counts (`stats.workshops.comparison_set`); None in a municipality's
    report, for a single workshop, or when there is nothing to analyse."""
    workshops = workshops or W.order
    if not W.is_consultants or len(workshops) < 2 or not has_feedback(W):
        return None
    names = [W.name(c) for c in comparison_set(W, workshops)]
    titles = ", ".join(workshop_name(W, w) for w in workshops)
    if not names:
        return L("workshop.comparison_set_none", workshops=titles)
    return L("workshop.comparison_set", workshops=titles, names=", ".join(names))


def kwic_table(W: Workshops, L, per_theme: int = 3, width: int = 45) -> pd.DataFrame:
    """Keyword-in-context lines from the eligible answers of this workshop (masked), at most
    `per_theme` per theme, in a stable order."""
    if not has_feedback(W):
        return None
    lines = kwic_lines(W, per_theme, width)
    labels = W.codebook.labels(W.language)
    return pd.DataFrame({L("workshop.col_theme"): lines["theme"].map(labels),
                         L("workshop.col_left"): lines["left"],
                         L("workshop.col_keyword"): lines["keyword"],
                         L("workshop.col_right"): lines["right"]}).reset_index(drop=True)


def uncoded_note(W: Workshops, uncoded: pd.DataFrame | None, L) -> str:
    """How many answers matched no theme, or that the group's answers are not shown."""
    if uncoded is None:
        return None
    if eligible_comments(W).empty:
        return L("workshop.themes_suppressed", threshold=W.threshold)
    return L("workshop.uncoded_note", n=len(uncoded))


def uncoded_table(W: Workshops, L) -> pd.DataFrame:
    """The eligible answers of this workshop that no theme matched (masked), for review."""
    if not has_feedback(W):
        return None
    rest = uncoded_answers(W)
    questions = {q.code: q.text(W.language) for q in W.instrument.open_questions}
    return pd.DataFrame({L("workshop.col_question"): rest["question"].map(questions),
                         L("workshop.col_answer"): rest["text"]})


def cooccurrence_table(W: Workshops) -> pd.DataFrame:
    """Theme co-occurrence in this workshop's eligible answers, with theme names."""
    if not has_feedback(W):
        return None
    co = theme_cooccurrence(W)
    if co is None:
        return pd.DataFrame()
    labels = W.codebook.labels(W.language)
    co.index = [labels[t] for t in co.index]
    co.columns = [labels[t] for t in co.columns]
    return co.reset_index(names="")


def kappa_note(manual: pd.DataFrame, L) -> str:
    """What the kappa table is, or that no manual coding was given."""
    if manual is None:
        return None
    n = manual["sample_id"].nunique()
    return L("workshop.kappa_note", n=n) if n else L("workshop.kappa_none")


def kappa_table(manual: pd.DataFrame, W: Workshops, L) -> pd.DataFrame:
    """Cohen's kappa per theme: the researcher's manual coding against the codebook rules."""
    from research.stats.agreement import kappa_per_theme

    if manual is None:
        return None
    k = kappa_per_theme(manual, W.codebook)
    labels = W.codebook.labels(W.language)
    return pd.DataFrame({L("workshop.col_theme"): k["theme"].map(labels),
                         L("workshop.col_n"): k["n"],
                         L("workshop.col_manual_yes"): k["manual_yes"],
                         L("workshop.col_rules_yes"): k["rules_yes"],
                         L("workshop.col_agreement"): 100 * k["agreement"],
                         L("workshop.col_kappa"): k["kappa"],
                         L("workshop.col_ci"): [
                             format_ci(lo, hi, W.language)
                             for lo, hi in zip(k["ci_low"], k["ci_high"])]})
