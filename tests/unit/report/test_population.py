"""Population development: sums for the sub-region, index against a common base year."""

import pandas as pd
import pytest

from research.report import population


@pytest.fixture
def tables():
    rows = []
    for year, values in {2000: (100, 50, 200, 400), 2001: (90, 55, 180, 360)}.items():
        for code, value in zip(["001", "002", "003", "004"], values):
            rows.append({"municipality_code": code, "year": year, "indicator": "population",
                         "value": float(value)})
    munis = pd.DataFrame({"municipality_code": ["001", "002", "003", "004"],
                          "subregion_code": ["900", "900", "901", "901"]}).set_index(
        "municipality_code")
    return pd.DataFrame(rows), munis


def test_subregion_is_a_sum_and_index_is_relative_to_base(tables):
    indicators, munis = tables
    pop = population.series(indicators, munis, "001", "900", ["003", "004"])
    sub = pop[pop["series"] == "subregion"].set_index("year")
    assert sub.loc[2001, "population"] == 145.0          # 90 + 55, not an average
    assert sub.loc[2001, "index"] == pytest.approx(100 * 145 / 150)
    unit = pop[pop["series"] == "unit"].set_index("year")
    assert unit.loc[2001, "index"] == pytest.approx(90.0)
    ch = population.change_table(pop).set_index("code")
    assert ch.loc["003", "change_pct"] == pytest.approx(-10.0)


def test_a_municipality_without_data_gets_a_sentence_not_an_error(tables, make_report):
    indicators, munis = tables
    classes = pd.DataFrame({"year": [2017], "municipality_code": ["099"],
                            "name_fi": ["Vanhakunta"], "subregion_code": ["900"],
                            "subregion_name": ["Seutu"]})
    report = make_report("099", "fi", {"municipalities": classes})
    pop = population.series(indicators, munis, "099", "900", ["003"])
    assert population.summary(pop, report) == (
        "Vanhakunta: väestötietoja ei ole tämän päivän kuntajaossa (kunta on ehkä liitetty "
        "toiseen kuntaan), joten kehitystä ei voi verrata.")
