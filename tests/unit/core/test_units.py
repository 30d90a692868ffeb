"""The unit grammar (`research.core.units`) and the synthetic-data notice of the runner."""

import pandas as pd
import pytest

from research.core import units
from research.core.errors import UserError
from research.run.execute import sources, synthetic_datasets


@pytest.mark.parametrize("text, kind, municipality, workshop", [
    ("232", "municipality", "232", None),
    ("5", "municipality", "005", None),
    ("region", "region", None, None),
    ("w1-232", "workshop", "232", "w1"),
    ("w12-all", "workshop", None, "w12"),
])
def test_parse_gives_the_parts(text, kind, municipality, workshop):
    uid = units.parse(text)
    assert (uid.kind, uid.municipality, uid.workshop) == (kind, municipality, workshop)


@pytest.mark.parametrize("text", ["232", "region", "w1-232", "w1-all", "w_3-005"])
def test_format_is_the_inverse_of_parse(text):
    assert str(units.parse(text)) == text


def test_parse_of_an_int_pads_the_code():
    assert str(units.parse(5)) == "005"
    assert units.parse(232).is_municipality


def test_constructors_and_predicates():
    assert str(units.workshop("w2", None)) == "w2-all"
    assert str(units.workshop("w2", "all")) == "w2-all"
    assert str(units.workshop("w2", "5")) == "w2-005"
    assert units.parse("w1-all").is_consultants
    assert not units.parse("w1-232").is_consultants
    assert not units.parse("region").is_municipality


def test_filters_match_a_unit_or_its_workshops():
    assert units.parse("w1-232").matches("232")
    assert units.parse("w1-all").matches("all")
    assert units.parse("w1-232").matches("w1-232")
    assert not units.parse("w1-232").matches("w1")
    assert not units.parse("region").matches("232")


@pytest.mark.parametrize("text", ["kauhajoki", "w1-", "-232", "w1-kauhajoki", ""])
def test_text_outside_the_grammar_is_an_error(text):
    with pytest.raises(UserError) as exc:
        units.parse(text)
    assert str(exc.value) == (f"unit '{text}': expected a municipality code (232), 'region', "
                              "or a workshop and a code or 'all' (w1-232, w1-all)")


def test_notice_follows_the_data_not_the_phase():
    synthetic = {"survey": True, "workshops": True, "rubric": True}
    assert sources("baseline", synthetic) == (
        ["source.statfin", "source.sotkanet", "source.tyonvalitys", "source.synthetic"], True)
    assert sources("evaluation", synthetic) == (
        ["source.statfin", "source.tyonvalitys", "source.synthetic"], True)
    real = {"survey": False, "workshops": False, "rubric": False}
    assert sources("baseline", real) == (
        ["source.statfin", "source.sotkanet", "source.tyonvalitys", "source.survey"], False)
    assert sources("reflection", real) == (["source.workshops"], False)
    mixed = {"survey": False, "rubric": True}
    assert sources("evaluation", mixed) == (
        ["source.statfin", "source.tyonvalitys", "source.survey", "source.synthetic"], True)
    # no survey prepared at all: neither a survey source nor a notice
    assert sources("baseline", {}) == (
        ["source.statfin", "source.sotkanet", "source.tyonvalitys"], False)
    assert sources("vitality", synthetic) == (
        ["source.statfin", "source.sotkanet", "source.tyonvalitys"], False)


def test_provenance_is_read_from_the_processed_table(tmp_path):
    from research.core.tables import provenance, write_tables
    assert synthetic_datasets(tmp_path) == {}
    write_tables(tmp_path, {"provenance": pd.concat(
        [provenance("survey", False), provenance("workshops", True)], ignore_index=True)})
    assert synthetic_datasets(tmp_path) == {"survey": False, "workshops": True}


def test_prepare_carries_the_synthetic_flag_of_the_manifests(processed):
    assert synthetic_datasets(processed) == {"rubric": True, "survey": True, "workshops": True}
