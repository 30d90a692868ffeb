"""Codebook rules on Finnish inflected and compound forms; errors name file and line;
Cohen's kappa against a hand computation and statsmodels."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research.stats.agreement import cohens_kappa, kappa_per_theme, read_manual_coding
from research.stats.codebook import (code_answers, code_text, cooccurrence, kwic, lemma_table,
                               lemmas, load_codebook, theme_counts, uncoded)
from research.core.errors import UserError

ROOT = Path(__file__).resolve().parents[3]
CODEBOOK = ROOT / "templates" / "region" / "workshop_codebook.yml"


@pytest.fixture(scope="module")
def cb():
    return load_codebook(CODEBOOK)


def themes_of(text, cb):
    return sorted({h["theme"] for h in code_text(text, cb)})


@pytest.mark.parametrize("text", [
    "Yhteistyö toimi.", "Yhteistyötä tarvitaan lisää.", "Yhteistyön muodot selkiytyivät.",
    "Seutuyhteistyössä on tehtävää.", "Kuntayhteistyön malli oli hyvä.",
    "Yhteistyöryhmä kokoontui.", "Verkostoitumista enemmän."])
def test_cooperation_inflected_and_compound(cb, text):
    assert themes_of(text, cb) == ["cooperation"]


def test_lemmas_reads_unknown_compounds():
    assert "seutuyhteistyö" in lemmas("seutuyhteistyön")
    assert "kuntaraja" in lemmas("kuntarajat")
    table = lemma_table(["Kuntarajat ylittävä", None, "kuntarajat"])
    assert table["word"].tolist() == ["kuntarajat", "ylittävä"]
    assert "kuntaraja" in table["lemmas"][0].split("|")


def test_lexicon_table_is_used_before_the_lemmatiser(cb):
    table = pd.DataFrame({"word": ["kimppakyyti"], "lemmas": ["kimppakyyti|yhteistyö"]})
    assert themes_of("Kimppakyyti toimi.", cb) == []
    assert themes_of("Kimppakyyti toimi.", cb.with_lexicon(table)) == ["cooperation"]


def test_hits_report_keyword_lemma_and_offsets(cb):
    hits = code_text("Päättäjien sitoutumista tarvitaan", cb)
    assert [(h["theme"], h["keyword"], h["lemma"], h["start"], h["end"]) for h in hits] == [
        ("commitment", "Päättäjien", "päättäjä", 0, 10),
        ("commitment", "sitoutumista", "sitoutuminen", 11, 23)]


def test_exact_rule_and_exclusions(cb):
    # "=aika": the word itself, inflected, but "samaan aikaan" is excluded
    assert themes_of("Enemmän aikaa.", cb) == ["time"]
    assert themes_of("Samaan aikaan tehtiin muuta.", cb) == []
    assert themes_of("Aikataulu oli tiukka.", cb) == ["time"]
    # "=aika" does not match a compound ending in it
    assert themes_of("Työaika riitti.", cb) == []
    assert themes_of("Yritys ja erehdys", cb) == []
    assert themes_of("Yritysten edustajat", cb) == ["business"]


def test_counts_cooccurrence_uncoded_kwic(cb):
    comments = pd.DataFrame({
        "respondent": ["a", "b", "c", "d"], "municipality_code": ["232", "232", "846", "846"],
        "wave": ["w1"] * 4, "question": ["worked"] * 4,
        "text": ["Seutuyhteistyö ja keskustelu toimivat.", "Keskustelua oli hyvin.",
                 "Kaikki meni mukavasti.", "Yhteistyötä yli kuntarajojen."]})
    hits = code_answers(comments, cb)
    counts = theme_counts(comments, hits, cb, ["municipality_code"])
    c = counts.set_index(["municipality_code", "theme"])
    assert c.loc[("232", "cooperation"), "answers_with_theme"] == 1
    assert c.loc[("232", "discussion"), "answers_with_theme"] == 2
    assert c.loc[("846", "cooperation"), "share"] == 0.5
    assert c.loc[("846", "cooperation"), "respondents"] == 2
    co = cooccurrence(comments, hits, cb)
    assert co.loc["cooperation", "discussion"] == 1
    assert co.loc["cooperation", "cooperation"] == 2
    assert co.loc["discussion", "discussion"] == 2
    assert uncoded(comments, hits)["respondent"].tolist() == ["c"]
    lines = kwic(comments, hits, width=5)
    first = lines.iloc[0]
    assert (first["left"], first["keyword"], first["right"]) == ("", "Seutuyhteistyö", " ja k…")


def write(tmp_path, text, name="codebook.yml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_invalid_regex_names_file_and_line(tmp_path):
    path = write(tmp_path, "codebook: x\nversion: '1'\nthemes:\n  - id: a\n"
                           "    terms: [kiire]\n    patterns: ['(auki']\n")
    with pytest.raises(UserError) as exc:
        load_codebook(path)
    assert str(exc.value) == (f"{path}, row 6: '(auki' is not a valid regular expression: "
                              "missing ), unterminated subpattern")


def test_invalid_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path, "codebook: x\nversion: '1'\nthemes:\n  - id: a\n    terms: [kiire\n")
    with pytest.raises(UserError) as exc:
        load_codebook(path)
    assert str(exc.value).startswith(f"{path}, row 6: not valid YAML")


def test_unknown_theme_key(tmp_path):
    path = write(tmp_path, "codebook: x\nversion: '1'\nthemes:\n  - id: a\n    term: [kiire]\n")
    with pytest.raises(UserError) as exc:
        load_codebook(path)
    assert str(exc.value) == (
        f"{path}, row 4: theme 'a': unknown key 'term' (valid keys: description, exclude, "
        "exclude_patterns, id, label_en, label_fi, label_sv, patterns, terms)")


def test_kappa_hand_computation_and_statsmodels():
    a = [1, 1, 1, 0, 0, 0, 1, 0, 1, 0]
    b = [1, 1, 0, 0, 0, 1, 1, 0, 1, 0]
    # table [[4 (0,0), 1 (0,1)], [1 (1,0), 4 (1,1)]]: p_o = 0.8, p_e = 0.5*0.5 + 0.5*0.5
    res = cohens_kappa(a, b)
    assert res["agreement"] == pytest.approx(0.8)
    assert res["kappa"] == pytest.approx((0.8 - 0.5) / (1 - 0.5))
    from statsmodels.stats.inter_rater import cohens_kappa as sm
    sm_res = sm(np.array([[4, 1], [1, 4]]))
    assert res["kappa"] == pytest.approx(sm_res.kappa)
    assert res["ci_low"] < 0.6 < res["ci_high"]
    # unbalanced: table [[6,1],[2,1]]: p_o = .7, p_e = .8*.7 + .2*.3 = .62
    res = cohens_kappa([0] * 7 + [1] * 3, [0] * 6 + [1] + [0, 0, 1])
    assert res["kappa"] == pytest.approx((0.7 - 0.62) / (1 - 0.62))


def test_kappa_per_theme_from_manual_csv(tmp_path, cb):
    path = write(tmp_path, "sample_id,wave,question,text,cooperation,time\n"
                           "1,w1,worked,Seutuyhteistyö toimi,1,0\n"
                           "2,w1,worked,Kiire oli,0,1\n"
                           "3,w1,change,Enemmän yhdessä tekemistä,1,0\n"
                           "4,w1,change,Hyvä päivä,0,1\n", "manual.csv")
    manual = read_manual_coding(path)
    k = kappa_per_theme(manual, cb).set_index("theme")
    assert k.loc["cooperation", "kappa"] == pytest.approx(1.0)
    # time: manual 0,1,0,1 vs rules 0,1,0,0: p_o = .75, p_e = .5*.75 + .5*.25 = .5
    assert k.loc["time", "kappa"] == pytest.approx(0.5)
    assert k.loc["time", ["manual_yes", "rules_yes", "n"]].tolist() == [2, 1, 4]


def test_manual_coding_bad_value(tmp_path):
    path = write(tmp_path, "sample_id,wave,question,text,time\n1,w1,q,Kiire,1\n2,w1,q,X,kyllä\n",
                 "manual.csv")
    with pytest.raises(UserError) as exc:
        read_manual_coding(path)
    assert str(exc.value) == f"{path}, row 3, column 'time': expected 1 or 0, got 'kyllä'"
