"""The baseline profile's display tables: the researcher's full table and the municipal
report's plain form of it."""

import pytest

from research.report import statsreport
from research.report.context import setup

from conftest import RAW, ROOT


@pytest.fixture(scope="module")
def tables(processed):
    R = setup(str(ROOT / "config" / "suupohja.yml"), "baseline", "232", str(processed),
              str(RAW), "sv")
    S = statsreport.build(R)
    return statsreport.theme_table(S, R), statsreport.plain_theme_table(S, R)


def test_the_plain_table_has_seven_columns_with_the_unit_beside_the_name(tables):
    full, plain = tables
    assert len(full.columns) == 12
    assert list(plain.columns) == ["Tema", "Nyckeltal", "År", "Värde", "Förändring / år",
                                   "Jämförelsekommunernas median", "Hela landet"]
    row = plain.set_index("Nyckeltal").loc["Sysselsättningsgrad (% av 18–64-åringarna)"]
    assert (row["Tema"], row["År"]) == ("Livskraft", "2017")
    assert (round(row["Värde"], 1), round(row["Jämförelsekommunernas median"], 1),
            round(row["Hela landet"], 1)) == (68.8, 68.9, 70.5)


def test_the_plain_table_shows_the_full_tables_values(tables):
    full, plain = tables
    assert len(plain) == len(full)
    for column in ("Tema", "År", "Värde", "Förändring / år", "Jämförelsekommunernas median",
                   "Hela landet"):
        assert plain[column].equals(full[column]), column
    assert plain["Nyckeltal"].tolist() == [f"{n} ({u})" for n, u in
                                           zip(full["Nyckeltal"], full["Enhet"])]
