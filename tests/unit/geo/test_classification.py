"""Municipality classification: lookups by code and name, mergers, new-region configs."""

import pytest

from research.geo.classification import Classifier, mergers_table, municipalities_table
from research.core.config import load_config
from research.core.errors import UserError
from research.geo.regions import region_config_text, write_region_config

from conftest import RAW


@pytest.fixture(scope="module")
def classifier():
    return Classifier.from_raw(RAW, 2022)


@pytest.mark.parametrize("text, code", [
    ("232", "232"), ("KU232", "232"), ("232 Kauhajoki", "232"), ("kauhajoki", "232"),
    ("Storå ", "151"), ("ISOJOKI", "151"), ("Botom", "218"), ("Bötom", "218"),
    ("Mariehamn", "478"), ("Maarianhamina", "478"), ("Koski Tl", "284"),
    ("Valtimo", "541"), ("911", "541"), ("Honkajoki", "214"), ("Tarvasjoki", "423"),
])
def test_lookup_by_code_or_name(classifier, text, code):
    assert classifier.lookup(text) == code


def test_unknown_names_and_near_misses(classifier):
    assert classifier.lookup("999") is None
    assert classifier.lookup("Atlantis") is None
    assert classifier.lookup("152") == "152"  # Isokyrö, not Isojoki
    assert classifier.row("152")["name_fi"] == "Isokyrö"


def test_merger_follows_the_classification_year():
    munis, mergers = municipalities_table(RAW), mergers_table(RAW)
    assert Classifier(munis, mergers, 2022).lookup("Pertunmaa") == "588"
    assert Classifier(munis, mergers, 2026).lookup("Pertunmaa") == "507"
    assert Classifier(munis, mergers, 2019).lookup("Valtimo") == "911"


def test_municipality_counts_by_year():
    counts = municipalities_table(RAW).groupby("year")["municipality_code"].nunique()
    assert counts.loc[2017] == 311 and counts.loc[2020] == 310
    assert counts.loc[2021] == 309 and counts.loc[2026] == 308


def test_suupohja_membership(classifier):
    assert classifier.subregion_members("141") == ["151", "218", "232", "846"]
    row = classifier.row("151")
    assert (row["name_sv"], row["region_code"], row["region_name"]) == ("Storå", "14",
                                                                        "Etelä-Pohjanmaa")


def test_new_region_config_for_jarviseutu(tmp_path):
    path = write_region_config("146", tmp_path / "jarviseutu.yml", RAW)
    cfg = load_config(path, RAW)
    assert cfg.subregion == "146"
    assert cfg.municipalities == ["005", "052", "403", "759", "934"]
    assert set(cfg.peers).isdisjoint(cfg.municipalities)
    assert cfg.programme_name("fi") == "Järviseutu: kuntien kehittämisohjelma"


def test_new_region_unknown_code():
    with pytest.raises(UserError) as exc:
        region_config_text("999", RAW)
    assert str(exc.value) == ("'999' is not a sub-region code in the 2017 classification; "
                              "did you mean '197' (Pohjois-Lappi)?")
    with pytest.raises(UserError) as exc:
        region_config_text("Jarviseutu", RAW)
    assert str(exc.value) == ("'Jarviseutu' is not a sub-region code in the 2017 "
                              "classification; did you mean '146' (Järviseutu)?")
