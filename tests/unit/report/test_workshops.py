"""Workshop feedback: scores, trend and comparison on hand-made tables; participation
suppression; that no e-mail address, phone number or small-group quote reaches a report;
the demo generator and the prepare step; errors for unknown workshops and bad files."""

import html
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from research.core import labels
from research.report import show, workshop_charts, workshop_consultants, workshops
from research.stats import workshops as wstats
from research.core.config import load_config
from research.core.errors import UserError

ROOT = Path(__file__).resolve().parents[3]
L = labels.labeller("en")
CODES = ["232", "846", "151", "218"]


def scores_table(groups):
    """groups: {(wave, municipality): [scores]} -> respondent scores of one scale."""
    rows = []
    for (wave, code), values in groups.items():
        for i, v in enumerate(values):
            rows.append({"respondent": f"{wave}-{code}-{i}", "wave": wave,
                         "municipality_code": code, "role": "expert", "scale": "goals",
                         "score": float(v)})
    return pd.DataFrame(rows)


HAND = {("w1", "232"): [3, 3, 4, 2, 3, 3], ("w1", "846"): [2, 3, 3, 2, 2],
        ("w1", "151"): [4, 4, 3], ("w1", "218"): [3, 2, 4, 3, 3, 4, 3],
        ("w2", "232"): [4, 5, 4, 4, 5, 4], ("w2", "846"): [3, 3, 2, 3, 3],
        ("w2", "151"): [4, 4, 4, 5, 3], ("w2", "218"): [2, 3]}


def test_score_summary_means_intervals_and_suppression():
    sc = scores_table(HAND)
    s = wstats.score_summary(sc, CODES, 5).set_index(["wave", "municipality_code"])
    kau = s.loc[("w1", "232")]
    x = np.array([3, 3, 4, 2, 3, 3], float)
    low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert kau["mean"] == pytest.approx(3.0)
    assert (kau["ci_low"], kau["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    # Isojoki w1 has 3 respondents: hidden; Teuva (5, the smallest other) hidden with it,
    # because the programme total would otherwise reveal Isojoki's mean
    assert s.loc[("w1", "151"), "suppression"] == "primary"
    assert s.loc[("w1", "846"), "suppression"] == "complementary"
    assert np.isnan(s.loc[("w1", "151"), "mean"])
    assert s.loc[("w1", "programme"), "mean"] == pytest.approx(np.mean(sum(
        (v for (w, _), v in HAND.items() if w == "w1"), [])))
    assert s.loc[("w2", "218"), "suppression"] == "primary"


def test_trend_change_and_uncertainty_statement():
    sc = scores_table(HAND)
    summary = wstats.score_summary(sc, CODES, 5)
    tr = wstats.trend(sc, summary, ["w1", "w2"], "232").set_index("wave")
    a, b = np.array(HAND[("w2", "232")], float), np.array(HAND[("w1", "232")], float)
    ref = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    row = tr.loc["w2"]
    assert row["change"] == pytest.approx(a.mean() - b.mean())
    assert (row["change_low"], row["change_high"]) == (pytest.approx(ref.low),
                                                       pytest.approx(ref.high))
    assert bool(row["exceeds"]) is True
    assert np.isnan(tr.loc["w1", "change"])
    # Teuva: 2.4 -> 2.8 with wide intervals, but hidden in w1 (complementary): no change
    teuva = wstats.trend(sc, summary, ["w1", "w2"], "846").set_index("wave")
    assert np.isnan(teuva.loc["w2", "change"])
    # programme: w1 vs w2 all respondents
    prog = wstats.trend(sc, summary, ["w1", "w2"], "programme").set_index("wave")
    allw1 = np.concatenate([v for (w, _), v in HAND.items() if w == "w1"]).astype(float)
    allw2 = np.concatenate([v for (w, _), v in HAND.items() if w == "w2"]).astype(float)
    ref = stats.ttest_ind(allw2, allw1, equal_var=False).confidence_interval(0.95)
    assert prog.loc["w2", "change_low"] == pytest.approx(ref.low)
    assert ref.low > 0 and bool(prog.loc["w2", "exceeds"]) is True


def test_welch_change_within_uncertainty():
    res = wstats.welch_change(pd.Series([3, 4, 2, 3, 4]), pd.Series([3, 4, 3, 3, 4]))
    assert res["change"] == pytest.approx(0.2)
    assert res["exceeds"] is False


def test_participation_follows_the_plan_merges_small_roles_and_cannot_be_narrowed():
    from research.stats import suppression
    roles = (["office_holder"] * 6 + ["elected"] * 2 + ["office_holder"] * 5 + ["elected"] * 3
             + ["expert"] + ["office_holder"] * 3)
    resp = pd.DataFrame({
        "respondent": [f"r{i}" for i in range(20)], "wave": "w1",
        "municipality_code": ["232"] * 8 + ["846"] * 9 + ["218"] * 3, "role": roles,
        "organisation": None})
    W = SimpleNamespace(plan=None, own_plan={}, respondents=resp, workshop="w1",
                        municipalities=["232", "846", "218"], threshold=5)
    p = wstats.participation(W, "role").set_index(["municipality_code", "category"])
    # programme totals: office-holders 14, elected 5, experts 1; the expert is merged into
    # "other" and, that group still being below 5, the elected too (5 + 1 = 6)
    assert p.loc[("programme", "other"), "members"] == ["elected", "expert"]
    assert p.loc[("programme", "other"), "n"] == 6
    assert p.loc[("programme", "office_holder"), "n"] == 14
    assert p.loc[("programme", "total"), "n"] == 20
    assert p.loc[("232", "other"), "reason"] == "primary"             # 2 < 5
    assert p.loc[("218", "total"), "reason"] == "primary"             # 3 < 5
    # a hidden municipality shows no breakdown at all, not even its zero
    assert p.loc[("218", "other"), "suppressed"] and p.loc[("218", "other"), "reason"] == "group"
    # whatever is shown is true, and no hidden cell can be narrowed below 5
    shown = p[~p["suppressed"]]
    truth = resp.assign(role=resp["role"].replace({"elected": "other", "expert": "other"}))
    for (code, cat), n in shown["n"].items():
        rows = truth if code == "programme" else truth[truth["municipality_code"] == code]
        assert n == (len(rows) if cat == "total" else (rows["role"] == cat).sum())
    audit = suppression.cell_intervals(wstats.plan_cells(W), 5)
    assert (audit["table"] == "role").sum() == p["suppressed"].sum() and audit["safe"].all()

def test_unknown_workshop_names_config():
    cfg = load_config(ROOT / "config" / "suupohja.yml", ROOT / "data" / "raw")
    ws = cfg.phases["reflection"]["workshops"]
    with pytest.raises(UserError) as exc:
        workshops.parse_unit("w9-232", ws, cfg.municipalities, cfg.path)
    assert str(exc.value) == (f"{cfg.path}, column 'phases.reflection.workshops': unit "
                              "'w9-232': unknown workshop 'w9'; the config's workshops are "
                              "w1, w2, w3, w4")
    assert workshops.parse_unit("w2-all", ws, cfg.municipalities, cfg.path) == ("w2", None)
    with pytest.raises(UserError, match="'999' is not a programme municipality"):
        workshops.parse_unit("w2-999", ws, cfg.municipalities, cfg.path)


# --- privacy of open answers, through setup() with a stand-in report --------------------

def with_names(tables):
    """The report's tables plus the classification rows that name the municipalities."""
    names = {"232": "Kauhajoki", "846": "Teuva", "151": "Isojoki", "218": "Karijoki"}
    municipalities = pd.DataFrame({"year": 2026, "municipality_code": list(names),
                                   "name_fi": list(names.values()), "subregion_code": "144",
                                   "subregion_name": "Suupohja"})
    return {**tables, "municipalities": municipalities}


def privacy_tables():
    respondents, comments, responses = [], [], []
    sizes = {"232": 6, "846": 5, "151": 2, "218": 5}
    for code, n in sizes.items():
        for i in range(n):
            r = f"{code}-{i}"
            respondents.append({"respondent": r, "wave": "w1", "municipality_code": code,
                                "role": "expert", "organisation": "municipality"})
            responses.append({"respondent": r, "municipality_code": code, "wave": "w1",
                              "role": "expert", "item": "goals_clear", "value": 4.0})
            text = "Seutuyhteistyö toimi hyvin."
            if code == "151":
                text = "Isojoen salaisuus: kiire oli kova."
            elif i == 0:
                text = "Yhteistyötä lisää, kysy matti.mainen@teuva.fi tai 040 123 4567."
            comments.append({"respondent": r, "municipality_code": code, "wave": "w1",
                             "question": "worked", "text": text})
            comments.append({"respondent": r, "municipality_code": code, "wave": "w1",
                             "question": "change", "text": "<b>Ei</b> mitään & kaikki hyvin"})
    return {"respondents": pd.DataFrame(respondents), "comments": pd.DataFrame(comments),
            "responses": pd.DataFrame(responses),
            "lemmas": pd.DataFrame({"word": [], "lemmas": []})}


@pytest.mark.parametrize("unit", ["w1-all", "w1-151", "w1-846", "w1-218"])
def test_no_email_phone_or_small_group_quote_in_output(unit, make_report):
    W = workshops.setup(make_report(unit, "en", phase="reflection", tables=with_names(privacy_tables())))
    outputs = [workshops.kwic_table(W, L), workshops.uncoded_table(W, L),
               workshops.theme_table(W, L), workshops.cooccurrence_table(W),
               workshops.theme_by_municipality(W, L)]
    rendered = "".join(show.table(df, "en").data for df in outputs)
    rendered += "".join(getattr(x, "data", "") for x in workshop_consultants.consultants_section(W, L))
    assert "@" not in rendered and "4567" not in rendered
    assert "salaisuus" not in rendered and "Isojoen" not in rendered
    assert "<b>" not in rendered
    if unit == "w1-218":
        assert labels.text("privacy.masked_email", "en") in html.unescape(rendered)
        assert "&lt;b&gt;Ei&lt;/b&gt; mitään &amp; kaikki hyvin" in rendered
        assert not wstats.is_suppressed(W)
    if unit == "w1-846":
        # Teuva (5, the first of the smallest) is hidden with Isojoki (2): the programme
        # total 18 would otherwise reveal Isojoki's count; 2 + 5 = 7 leaves each of them
        # anywhere in 1..6, an interval of width 5
        assert wstats.is_suppressed(W)
        assert wstats.eligible_comments(W).empty
    if unit == "w1-151":
        assert wstats.is_suppressed(W)
        assert workshops.uncoded_note(W, workshops.uncoded_table(W, L), L) == \
            L("workshop.themes_suppressed", threshold=5)


def test_theme_table_shares(make_report):
    W = workshops.setup(make_report("w1-232", "en", phase="reflection", tables=with_names(privacy_tables())))
    t = workshops.theme_table(W, L).set_index(L("workshop.col_theme"))
    # Kauhajoki: 12 answers, 6 mention cooperation
    assert t.loc["Cooperation and networks", "Kick-off"] == 50  # workshop title, not id
    by = workshops.theme_by_municipality(W, L).set_index(L("workshop.col_theme"))
    # Isojoki (2 participants) and Teuva (its complement) are hidden and left out of
    # the programme column: 22 answers of Kauhajoki and Karijoki, 11 of them on cooperation
    assert by.loc["Cooperation and networks", "Isojoki"] == "×"
    # the complement is marked like the primary cell, not as "< 5" (which would be false)
    assert by.loc["Cooperation and networks", "Teuva"] == "×"
    assert by.loc["Cooperation and networks", "Karijoki"] == 50
    assert by.loc["Cooperation and networks", "Whole programme"] == 50
    assert by.loc["Schedule and time pressure", "Whole programme"] == 0


# --- demo data and prepare ---------------------------------------------------------------

@pytest.fixture(scope="module")
def classifier():
    from research.geo.classification import Classifier
    return Classifier.from_raw(ROOT / "data" / "raw", 2026)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("raw") / "workshops"
    from research.demo.workshop_demo import write_demo_workshops
    write_demo_workshops(out, seed=7)
    return out


def test_demo_is_reproducible_and_marked(demo, tmp_path):
    from research.demo.workshop_demo import write_demo_workshops
    again = tmp_path / "workshops"
    write_demo_workshops(again, seed=7)
    for path in sorted(demo.iterdir()):
        assert (again / path.name).read_bytes() == path.read_bytes()
    assert "SYNTHETIC" in (demo / "workshops.yml").read_text(encoding="utf-8")
    assert sorted(p.name for p in demo.glob("SYNTHETIC_w*_palaute.csv")) == [
        f"SYNTHETIC_w{i}_palaute.csv" for i in range(1, 5)]


def test_prepare_step_reads_demo(demo, classifier):
    from research.prepare.workshop_io import read_workshops
    tables = read_workshops(demo.parent, classifier, key=b"k" * 32)
    r = tables["respondents"]
    assert sorted(r["wave"].unique()) == ["w1", "w2", "w3", "w4"]
    assert set(r["municipality_code"]) == set(CODES)
    assert r["respondent"].str.startswith("r-").all()
    sizes = r.groupby(["wave", "municipality_code"]).size()
    assert (sizes < 5).any() and (sizes >= 5).any()
    lex = tables["lemmas"].set_index("word")["lemmas"]
    assert "seutuyhteistyö" in lex["seutuyhteistyön"].split("|")
    texts = " ".join(tables["comments"]["text"])
    assert "@" in texts               # raw answers keep them; reports mask them
    assert set(tables["manual_coding"]["theme"]) <= {
        "cooperation", "goals", "participation", "discussion", "communication", "time",
        "concrete", "commitment", "business", "facilitation"}


def test_feedback_file_not_matching_instrument(demo, tmp_path, classifier):
    from research.prepare.workshop_io import read_workshops
    folder = tmp_path / "workshops"
    shutil.copytree(demo, folder)
    path = folder / "SYNTHETIC_w2_palaute.csv"
    text = path.read_text(encoding="utf-8-sig").replace("Osallistujien välillä oli luottamusta.",
                                                        "Luottamus oli hyvä.")
    path.write_text("\ufeff" + text, encoding="utf-8")
    with pytest.raises(UserError) as exc:
        read_workshops(tmp_path, classifier, key=b"k" * 32)
    assert str(exc.value).startswith(f"{path}, row 1, column 'Luottamus oli hyvä.': ")


def test_without_manual_coding_the_table_is_empty(demo, tmp_path, classifier):
    from research.prepare.workshop_io import read_workshops
    from research.stats.codebook import load_codebook
    folder = tmp_path / "workshops"
    shutil.copytree(demo, folder)
    path = folder / "workshops.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("manual_coding: manual_coding.csv\n",
                                                             ""), encoding="utf-8")
    manual = read_workshops(tmp_path, classifier, key=b"k" * 32)["manual_coding"]
    assert manual.empty
    assert workshops.kappa_note(manual, L) == L("workshop.kappa_none")
    from research.stats.agreement import kappa_per_theme
    cb = load_codebook(ROOT / "templates" / "region" / "workshop_codebook.yml")
    assert kappa_per_theme(manual, cb).empty


def test_manifest_missing_export(demo, tmp_path):
    from research.prepare.workshop_io import read_manifest
    folder = tmp_path / "workshops"
    shutil.copytree(demo, folder)
    (folder / "SYNTHETIC_w3_palaute.csv").unlink()
    with pytest.raises(UserError) as exc:
        read_manifest(folder / "workshops.yml")
    assert str(exc.value) == (f"{folder / 'workshops.yml'}, row 12: the export of workshop "
                              "'w3' is missing: SYNTHETIC_w3_palaute.csv")


def test_manifest_duplicate_workshop(demo, tmp_path):
    from research.prepare.workshop_io import read_manifest
    folder = tmp_path / "workshops"
    shutil.copytree(demo, folder)
    path = folder / "workshops.yml"
    text = path.read_text(encoding="utf-8").replace("- id: w2", "- id: w1")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as exc:
        read_manifest(path)
    assert str(exc.value) == f"{path}, row 10: workshop id 'w1' is listed twice"


def _only(tables, keep):
    return {k: (v[v["municipality_code"].isin(keep)] if "municipality_code" in v else v)
            for k, v in tables.items()}


def test_other_programme_rows_never_enter(make_report):
    tables = privacy_tables()
    other = {k: v[v["municipality_code"] == "232"].assign(municipality_code="005")
             for k, v in tables.items() if k != "lemmas"}
    tables = {k: pd.concat([v, other[k]], ignore_index=True) if k in other else v
              for k, v in tables.items()}
    W = workshops.setup(make_report("w1-all", "en", phase="reflection", tables=with_names(tables)))
    assert sorted(W.respondents["municipality_code"].unique()) == ["151", "218", "232", "846"]
    assert "005" not in set(W.responses["municipality_code"]) | set(W.comments["municipality_code"])
    # the programme total is 6 + 5 + 2 + 5 = 18, not 24
    assert wstats.focus_size(W) == 18
    assert workshops.missing_note(W, L) is None


def test_no_feedback_for_the_programme_says_so(make_report):
    tables = _only(privacy_tables(), ["005"])
    W = workshops.setup(make_report("w1-all", "en", phase="reflection", tables=with_names(tables)))
    assert workshops.missing_note(W, L) == (
        "There is no feedback from this programme's municipalities for workshop “Kick-off”, so no "
        "analyses are made. If feedback was collected, list its export in "
        "data/raw/workshops/workshops.yml and run research prepare.")


def test_municipality_without_participants_says_so(make_report):
    tables = _only(privacy_tables(), ["232", "846", "151"])
    W = workshops.setup(make_report("w1-218", "en", phase="reflection", tables=with_names(tables)))
    assert workshops.missing_note(W, L) == (
        "There is no feedback from Karijoki for workshop “Kick-off”, so no analyses are made. The "
        "whole programme's results are in the consultants' report.")
    assert workshops.missing_note(W.programme(), L) is None
    # nothing to analyse: every analysis shows nothing, so the notebook needs no guards
    assert not wstats.has_feedback(W) and wstats.has_feedback(W.programme())
    assert wstats.scores(W) == (None, None)
    assert workshops.intro(W, L) == workshops.missing_note(W, L)
    assert [workshops.participation_table(W, "role", L), workshops.theme_table(W, L),
            workshops.text(W, L, "workshop.scores_heading"), workshops.kwic_table(W, L),
            workshops.comparison_table(None, W, L), workshops.trend_statements(None, None, W, L),
            workshops.manual_coding(W, None), workshops.kappa_table(None, W, L),
            workshops.cooccurrence_table(W), workshop_charts.likert(W, L),
            workshop_charts.trend_chart(None, W, L)] == [None] * 11
    assert workshop_consultants.consultants_section(W.programme(), L) != []
    assert workshop_consultants.consultants_section(W, L) == []


def test_reflection_notebook_has_no_guards_or_process_leftovers():
    source = (ROOT / "notebooks" / "reflection.py").read_text(encoding="utf-8")
    for leftover in ("if not missing", "else None", "(issue", "cells of this section"):
        assert leftover not in source, leftover


def test_bundled_demo_is_the_generators_output_and_has_no_names(tmp_path):
    from research.demo.workshop_demo import DEFAULT_SEED, write_demo_workshops
    bundled = ROOT / "data" / "raw" / "workshops"
    for path in write_demo_workshops(tmp_path, seed=DEFAULT_SEED):
        assert path.read_bytes() == (bundled / path.name).read_bytes(), path.name
    text = "".join(p.read_text(encoding="utf-8-sig") for p in bundled.glob("*.csv")).lower()
    assert "yhteyshenkilö" not in text and "rinta-aho" not in text and "matti" not in text
    # contact details are still planted, to prove the masking
    assert "@" in text and " 040 " in text


def test_programme_comparison_counts_the_same_municipalities_and_names_them(make_report):
    from research.report import workshop_consultants
    from research.stats import workshop_themes
    tables = privacy_tables()
    for name in ("respondents", "comments", "responses"):
        df = tables[name]
        w2 = df[df["municipality_code"] != "151"].assign(
            wave="w2", respondent=lambda d: "w2-" + d["respondent"])
        tables[name] = pd.concat([df, w2], ignore_index=True)
    W = workshops.setup(make_report("w2-all", "en", phase="reflection", tables=with_names(tables)))
    # w1: Isojoki (2) and Teuva (its complement) hidden; w2: Isojoki absent, all others shown
    assert wstats.shown_municipalities(W, "w1") == ["232", "218"]
    assert wstats.shown_municipalities(W, "w2") == ["232", "846", "218"]
    assert wstats.comparison_set(W, ["w1", "w2"]) == ["232", "218"]
    assert workshops.comparison_note(W, L) == (
        "The comparison counts only the municipalities whose participants are shown in every "
        "workshop compared (Kick-off, Cooperation models): Kauhajoki, Karijoki. So a change does not come from who "
        "was counted.")
    # the same people answered alike in both workshops: no theme moves once Teuva's w2
    # answers (not counted in w1) stay out
    shift = workshop_themes.theme_shift(W)
    assert (shift["share"] == shift["share_before"]).all() and (shift["change"] == 0).all()
    section = "".join(x.data for x in workshop_consultants.consultants_section(W, L))
    assert "Kauhajoki, Karijoki" in section
    # a municipality's own report compares only itself: no note
    assert workshops.comparison_note(workshops.setup(make_report("w2-232", "en", phase="reflection", tables=with_names(tables))), L) is None
