"""Instrument parsing and the survey-export readers, on fixtures with real exports' quirks."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research.geo.classification import Classifier
from research.core.errors import UserError
from research.core.instrument import load_instrument
from research.prepare.survey_io import read_export

HERE = Path(__file__).parents[2]
FIX = HERE / "fixtures" / "survey"
ROOT = HERE.parent


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(FIX / "instrument.yml")


@pytest.fixture(scope="module")
def classifier():
    return Classifier.from_raw(ROOT / "data" / "raw", 2017)


def test_starter_instrument_has_the_four_target_state_dimensions():
    ins = load_instrument(ROOT / "templates" / "region" / "survey_instrument.yml")
    assert list(ins.scales)[:4] == ["dynamic", "coordinated", "committed", "anticipatory"]
    assert ins.scale_name("anticipatory", "fi") == "Ennakoiva"
    assert [i.code for i in ins.scale_items("dynamic")] == ["dyn1", "dyn2", "dyn3", "dyn4"]
    assert [i.code for i in ins.items if i.reverse] == ["dyn4", "coo4", "com4", "ant4"]
    assert ins.item("dyn1").labels[5] == {"fi": "Täysin samaa mieltä", "en": "Strongly agree",
                                          "sv": "Helt av samma åsikt"}
    assert "En osaa sanoa" in ins.item("dyn1").dont_know
    assert ins.background_question("role").option_text("elected", "fi") == "Luottamushenkilö"
    assert [q.code for q in ins.open_questions] == ["open_strengths", "open_improve"]


def test_item_parsing_and_reverse_scoring(instrument):
    dyn2, com2 = instrument.item("dyn2"), instrument.item("com2")
    assert dyn2.reverse and (dyn2.low, dyn2.high) == (1, 5)
    assert (com2.low, com2.high) == (0, 10)          # per-item override of the range
    assert dyn2.parse(" 4 ") == 4.0
    assert np.isnan(dyn2.parse("eos"))                 # don't know: case-insensitive
    assert dyn2.parse("") is None
    assert dyn2.parse("täysin eri mieltä") == 1.0     # a label text as the answer
    assert dyn2.parse("6") == "bad" and dyn2.parse("2.5") == "bad"
    assert dyn2.score(4) == 2 and instrument.item("dyn1").score(4) == 4


def test_instrument_errors(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("scales: {dyn: {fi: D, en: D}}\nrespondent: {code: r, fi: R, en: R}\n"
                    "background: []\nitems:\n  - {code: a, scale: dynx, fi: A, en: A}\n",
                    encoding="utf-8")
    with pytest.raises(UserError) as exc:
        load_instrument(path)
    assert str(exc.value) == f"{path}: item 'a': scale 'dynx' is not one of dyn"
    path.write_text("scales: {dyn: {fi: D, en: D}}\nrespondent: {code: r, fi: R, en: R}\n"
                    "background: []\nanswers: {min: 1, max: 5, dont_know: ['9']}\n"
                    "items:\n  - {code: a, scale: dyn, fi: A, en: A}\n", encoding="utf-8")
    with pytest.raises(UserError) as exc:
        load_instrument(path)
    assert str(exc.value) == (f"{path}: key 'answers': don't-know code '9' is a number; use a "
                              "text code so that it cannot be mistaken for an answer")


def test_semicolon_utf8_bom_with_codes(instrument, classifier):
    out = read_export(FIX / "codes_semicolon_utf8bom.csv", instrument, "baseline", classifier)
    r = out["responses"]
    assert len(r) == 14   # 16 cells minus 2 empty answers; EOS is kept as NaN
    anna = r[r["respondent"] == "anna@example.fi"].set_index("item")["value"].to_dict()
    assert anna == {"dyn1": 4.0, "dyn2": 2.0, "com1": 5.0, "com2": 7.0}
    b = r[r["respondent"] == "BERTIL@example.fi"].set_index("item")["value"]
    assert np.isnan(b["dyn1"]) and "dyn2" not in b.index and b["com2"] == 10.0
    c = r[r["respondent"] == "c@example.fi"].set_index("item")["value"]
    assert c["dyn1"] == 5.0 and c["com2"] == 0.0
    people = out["respondents"].set_index("respondent")
    assert people["municipality_code"].to_dict() == {
        "anna@example.fi": "232", "BERTIL@example.fi": "232", "c@example.fi": "218",
        "d@example.fi": "846"}
    assert people.loc["c@example.fi", "role"] == "office_holder"
    assert people.loc["d@example.fi", "role"] == "elected"
    com = out["comments"]
    assert com["text"].tolist() == ["Enemmän yhteisiä hankkeita",
                                    "Soita 040 123 4567; kaksi\nriviä"]
    assert set(r["wave"]) == {"baseline"}


def test_comma_cp1252_with_question_texts_and_ignored_column(instrument, classifier):
    out = read_export(FIX / "texts_comma_cp1252.csv", instrument, "final", classifier)
    r = out["responses"].set_index(["respondent", "item"])["value"]
    assert r[("e@example.fi", "dyn1")] == 5.0 and np.isnan(r[("e@example.fi", "com1")])
    assert r[("f@example.fi", "com2")] == 8.0
    people = out["respondents"].set_index("respondent")
    assert people.loc["e@example.fi", "organisation"] == "municipality"
    assert pd.isna(people.loc["f@example.fi", "organisation"])
    assert people.loc["e@example.fi", "municipality_code"] == "151"
    assert out["comments"]["text"].tolist() == ["Päätöksenteko, nopeammaksi"]


def test_tab_separated_utf8_without_bom(instrument, classifier, tmp_path):
    text = (FIX / "codes_semicolon_utf8bom.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "tab.txt"
    path.write_text(text.replace(";", "\t"), encoding="utf-8")
    out = read_export(path, instrument, "baseline", classifier)
    assert len(out["responses"]) == 14
    assert out["comments"]["text"].iloc[1] == "Soita 040 123 4567\t kaksi\nriviä"


def test_xlsx_with_numbers_and_codes(instrument, classifier, tmp_path):
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["respondent", "municipality", "role", "dyn1", "dyn2", "com1", "com2", "open1"])
    sheet.append(["x@example.fi", 232, "Viranhaltija", 4, 2.0, "EOS", 10, None])
    sheet.append(["y@example.fi", "Teuva", "Luottamushenkilö", 1, 5, 3, 7, "Hyvä"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    out = read_export(path, instrument, "baseline", classifier)
    r = out["responses"].set_index(["respondent", "item"])["value"]
    assert r[("x@example.fi", "dyn2")] == 2.0 and np.isnan(r[("x@example.fi", "com1")])
    assert out["respondents"]["municipality_code"].tolist() == ["232", "846"]
    sheet.append(["z@example.fi", "Teuva", "Luottamushenkilö", 1, 9, 3, 7, None])
    book.save(path)
    with pytest.raises(UserError) as exc:
        read_export(path, instrument, "baseline", classifier)
    assert str(exc.value) == (f"{path}, row 4, column 'dyn2': answer '9' is not valid; expected "
                              "a whole number 1-5 or a don't-know code ('EOS', 'En osaa sanoa')")


def _write(tmp_path, text, name="bad.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEAD = "respondent;municipality;role;dyn1;dyn2;com1;com2;open1\n"


@pytest.mark.parametrize("body, message", [
    ("a@x.fi;Kauhajoki;Viranhaltija;4;2;5;11;\n",
     "row 2, column 'com2': answer '11' is not valid; expected a whole number 0-10 or a "
     "don't-know code ('EOS', 'En osaa sanoa')"),
    ("a@x.fi;Kauhajoki;Viranhaltija;4;2;5;1;\nb@x.fi;Kauhajokki;Viranhaltija;4;2;5;1;\n",
     "row 3, column 'municipality': unknown municipality 'Kauhajokki'; expected a "
     "municipality name or code of the classification; did you mean 'Kauhajoki'?"),
    ("a@x.fi;Kauhajoki;Viranhaltija;4;2;5;1;\n"
     "b@x.fi;Teuva;Viranhaltija;4;2;5;1;\"two\nlines\"\nA@x.fi;Teuva;Viranhaltija;4;2;5;1;\n",
     "row 5, column 'respondent': respondent appears twice in wave 'baseline' (first on row 2)"),
    ("a@x.fi;Kauhajoki;Pormestari;4;2;5;1;\n",
     "row 2, column 'role': unknown answer 'Pormestari'; expected one of 'Viranhaltija', "
     "'Luottamushenkilö'"),
    ("a@x.fi;;Viranhaltija;4;2;5;1;\n",
     "row 2, column 'municipality': answer is missing; this background question is required"),
])
def test_row_errors_word_for_word(instrument, classifier, tmp_path, body, message):
    path = _write(tmp_path, HEAD + body)
    with pytest.raises(UserError) as exc:
        read_export(path, instrument, "baseline", classifier)
    assert str(exc.value) == f"{path}, {message}"


def test_missing_and_unknown_columns(instrument, classifier, tmp_path):
    path = _write(tmp_path, HEAD.replace(";com1", "") + "a@x.fi;232;Viranhaltija;4;2;1;\n")
    with pytest.raises(UserError) as exc:
        read_export(path, instrument, "baseline", classifier)
    assert str(exc.value) == (f"{path}, row 1, column 'com1': the instrument expects this "
                              "question but the file lacks it (header: the code or the text "
                              "'Kunnat ovat sitoutuneet tavoitteisiin.')")
    path = _write(tmp_path, HEAD.strip() + ";Lisätieto\na@x.fi;232;Viranhaltija;4;2;5;1;;x\n")
    with pytest.raises(UserError) as exc:
        read_export(path, instrument, "baseline", classifier)
    assert str(exc.value) == (f"{path}, row 1, column 'Lisätieto': the instrument has no "
                              "question with this code or text; add it to the instrument (or "
                              "to its 'ignore' list)")
