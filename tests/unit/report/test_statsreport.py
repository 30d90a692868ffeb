"""The baseline profile's display tables (the researcher's full table and the municipal
report's plain form of it) and its figures, in Swedish, the language of the longest labels."""

import matplotlib
import pytest

matplotlib.use("agg")

from research.report import statsreport, survey_report  # noqa: E402
from research.report.context import setup  # noqa: E402

from conftest import RAW, ROOT, figure_overflow as outside  # noqa: E402


@pytest.fixture(scope="module")
def section(processed):
    R = setup(str(ROOT / "config" / "suupohja.yml"), "baseline", "232", str(processed),
              str(RAW), "sv")
    return statsreport.build(R), R


@pytest.fixture(scope="module")
def tables(section):
    S, R = section
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


def test_no_text_of_the_swedish_baseline_figures_is_clipped(section):
    S, R = section
    ins, resp, wave = survey_report.load(R)
    figures = {"score": statsreport.score_figure(S, R),
               "comparison": statsreport.comparison_figure(S, R),
               "trend": statsreport.trend_figure(S, R),
               "likert": survey_report.likert(resp, R, ins, wave)}
    assert {name: outside(fig) for name, fig in figures.items()} == {
        name: [0.0] * 4 for name in figures}
    # the score chart's long Swedish title is the figure's, wrapped to its width
    title = figures["score"]._suptitle.get_text()
    assert title.replace("\n", " ") == R.L("stats.score_title")
