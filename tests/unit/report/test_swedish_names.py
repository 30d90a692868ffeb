"""Swedish reports name municipalities, sub-regions and regions by the classification's
Swedish names; Finnish and English reports by the Finnish ones."""

from pathlib import Path

from research.geo.classification import municipalities_table, name_column
from research.report.vitality import names

RAW = Path(__file__).resolve().parents[3] / "data" / "raw"


def test_the_municipalities_table_carries_swedish_area_names():
    df = municipalities_table(RAW)
    row = df[(df["year"] == 2017) & (df["municipality_code"] == "287")].iloc[0]
    assert (row["name_fi"], row["name_sv"]) == ("Kristiinankaupunki", "Kristinestad")
    assert (row["region_name"], row["region_name_sv"]) == ("Pohjanmaa", "Österbotten")
    vaasa = df[(df["year"] == 2017) & (df["municipality_code"] == "905")].iloc[0]
    assert (vaasa["subregion_name"], vaasa["subregion_name_sv"]) == ("Vaasa", "Vasa")
    # Suupohja (141) is "Suupohja" in Swedish too; Sydösterbotten is the coastal sub-region
    # of Kristinestad, Kaskö and Närpes (153), not Suupohja
    kauhajoki = df[(df["year"] == 2017) & (df["municipality_code"] == "232")].iloc[0]
    assert (kauhajoki["subregion_code"], kauhajoki["subregion_name_sv"]) == ("141", "Suupohja")
    assert (row["subregion_code"], row["subregion_name_sv"]) == ("153", "Sydösterbotten")


def test_name_column_by_language():
    columns = ["name_fi", "name_sv", "subregion_name", "subregion_name_sv"]
    assert name_column("municipality", "sv", columns) == "name_sv"
    assert name_column("municipality", "fi", columns) == "name_fi"
    assert name_column("subregion", "en", columns) == "subregion_name"
    assert name_column("region", "sv", columns) == "region_name"        # no Swedish column


def test_report_names_in_swedish(make_report):
    tables = {"municipalities": municipalities_table(RAW)}
    sv, fi = make_report("151", "sv", tables), make_report("151", "fi", tables)
    assert (sv.name("151"), fi.name("151")) == ("Storå", "Isojoki")
    assert (sv.name("287"), sv.name("232")) == ("Kristinestad", "Kauhajoki")
    assert sv.subregion_name == "Suupohja"
    nm = names(tables["municipalities"], "sv")
    assert nm[("municipality", "231")] == "Kaskö"
    assert nm[("region", "14")] == "Södra Österbotten"
    assert names(tables["municipalities"], "fi")[("region", "14")] == "Etelä-Pohjanmaa"
