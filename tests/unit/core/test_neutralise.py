"""Formula injection: exported text cannot become a live spreadsheet formula (OWASP)."""

import csv

import openpyxl
import pandas as pd
import pytest

from research.core.neutralise import neutralise, neutralise_frame


@pytest.mark.parametrize("text, expected", [
    ("=HYPERLINK(\"http://x\",\"click\")", "'=HYPERLINK(\"http://x\",\"click\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("- ei yhtään", "'- ei yhtään"),
    ("Kauhajoki", "Kauhajoki"),
    ("a=b", "a=b"),
    ("", ""),
    ("-1.5", "-1.5"), ("+358", "+358"), ("-0,25", "-0,25"), ("-1e3", "-1e3"),
])
def test_text_that_starts_a_formula_gets_a_quote(text, expected):
    assert neutralise(text) == expected


def test_numbers_and_missing_values_are_unchanged():
    assert neutralise(-1.5) == -1.5 and neutralise(None) is None
    df = pd.DataFrame({"name": ["=1+1", "Teuva", None], "value": [-1.0, 2.0, 3.0]})
    out = neutralise_frame(df)
    assert out["name"].tolist()[:2] == ["'=1+1", "Teuva"] and pd.isna(out["name"].iloc[2])
    assert out["value"].tolist() == [-1.0, 2.0, 3.0]
    assert df["name"].iloc[0] == "=1+1"          # the input is not changed


def test_vitality_export_has_no_live_formula(tmp_path):
    from research.index.export import export_index
    table = pd.DataFrame({"level": ["municipality", "municipality"], "code": ["232", "846"],
                          "name": ["=HYPERLINK(\"http://evil\",\"x\")", "@SUM(1+1)"],
                          "year": [2017, 2017], "index": [101.5, -3.25], "people": [1.0, 2.0]})
    csv_path, xlsx_path = export_index(table, tmp_path)
    book = openpyxl.load_workbook(xlsx_path)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    names = [c.value for c in cells if isinstance(c.value, str) and "SUM" in c.value
             or isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert sorted(set(names)) == ["'=HYPERLINK(\"http://evil\",\"x\")", "'@SUM(1+1)"]
    sheet = book["index"]
    assert [c.value for c in sheet[2]][3:5] == [2017, 101.5]       # numbers stay numbers
    with open(csv_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[2] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil\",\"x\")", "'@SUM(1+1)"]
    assert rows[2][4] == "-3.25"
