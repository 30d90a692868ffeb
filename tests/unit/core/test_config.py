"""Config validation: every mistake names the file, the key and the closest valid value."""

from pathlib import Path

import pytest
import yaml

from research.core.config import language_problem, load_config, workshop_title
from research.core.errors import UserError

from conftest import RAW, ROOT, run_cli

SUUPOHJA = ROOT / "config" / "suupohja.yml"


def write_variant(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(SUUPOHJA.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "programme.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_suupohja_config_loads_with_defaults():
    cfg = load_config(SUUPOHJA, RAW)
    assert cfg.municipalities == ["232", "846", "151", "218"]
    assert cfg.subregion == "141"
    assert cfg.language == "fi"
    assert cfg.min_group_size == 5
    assert [w["id"] for w in cfg.phases["reflection"]["workshops"]] == ["w1", "w2", "w3", "w4"]
    assert cfg.phases["reflection"]["workshops"][0]["date"] == "2017-09-20"
    assert cfg.programme_name("en") == "Suupohja municipalities' development programme"


def test_typo_in_key_names_file_key_and_closest(tmp_path):
    path = write_variant(tmp_path, lambda d: d.update(municipalites=d.pop("municipalities")))
    with pytest.raises(UserError) as exc:
        load_config(path, RAW)
    assert str(exc.value) == (
        f"{path}: key 'municipalites': is not a known key; did you mean 'municipalities'? "
        "(valid keys here: classification_year, language, max_compared, municipalities, n_peers, "
        "peers, phases, privacy, programme, scope, subregion, survey)")


def test_unknown_municipality_code_suggests_closest(tmp_path):
    path = write_variant(tmp_path, lambda d: d["municipalities"].__setitem__(2, "152x"))
    with pytest.raises(UserError) as exc:
        load_config(path, RAW)
    assert str(exc.value) == (f"{path}: key 'municipalities[2]': expected a 3-digit "
                              "municipality code in quotes (e.g. '005'), got '152x'")
    path = write_variant(tmp_path, lambda d: d["municipalities"].__setitem__(2, "150"))
    with pytest.raises(UserError) as exc:
        load_config(path, RAW)
    assert str(exc.value) == (f"{path}: key 'municipalities[2]': '150' is not a municipality "
                              "code in the classification; did you mean '151' (Isojoki)?")


def test_wrong_type_and_wrong_language(tmp_path):
    path = write_variant(tmp_path, lambda d: d["privacy"].update(min_group_size="five"))
    with pytest.raises(UserError) as exc:
        load_config(path, RAW)
    assert str(exc.value) == (f"{path}: key 'privacy.min_group_size': expected a whole number, "
                              "got 'five'")
    path = write_variant(tmp_path, lambda d: d.update(language="fin"))
    with pytest.raises(UserError) as exc:
        load_config(path, RAW)
    assert str(exc.value) == (f"{path}: key 'language': expected one of fi, en, sv, got "
                              "'fin'; did you mean 'fi'?")
    path = write_variant(tmp_path, lambda d: d.update(language="se"))
    with pytest.raises(UserError) as exc:
        load_config(path, RAW)
    assert str(exc.value) == (f"{path}: key 'language': expected one of fi, en, sv, got "
                              "'se'; did you mean 'sv'?")


def test_swedish_is_a_report_language(tmp_path):
    cfg = load_config(write_variant(tmp_path, lambda d: d.update(language="sv")), RAW)
    assert cfg.language == "sv"
    assert cfg.programme_name() == "Utvecklingsprogrammet för kommunerna i Suupohja"
    assert language_problem("svenska") == ("expected one of fi, en, sv, got 'svenska'; "
                                           "did you mean 'sv'?")
    assert language_problem("sv") is None


def test_a_swedish_programme_name_falls_back_to_the_finnish(tmp_path):
    cfg = load_config(write_variant(tmp_path, lambda d: d["programme"].pop("name_sv")), RAW)
    assert cfg.programme_name("sv") == "Suupohjan kuntien kehittämisohjelma"
    w = {"id": "w9", "title_fi": "Käynnistys", "title_en": "Kick-off", "title_sv": ""}
    assert workshop_title(w, "sv") == "Käynnistys"
    assert workshop_title(dict(w, title_sv="Start"), "sv") == "Start"


def test_comparison_municipality_inside_programme_is_rejected(tmp_path):
    path = write_variant(tmp_path,
                         lambda d: d["phases"]["evaluation"].update(comparison=["010", "846"]))
    with pytest.raises(UserError) as exc:
        load_config(path, RAW)
    assert str(exc.value) == (f"{path}: key 'phases.evaluation.comparison': 846 is also a "
                              "programme municipality; a comparison municipality must be "
                              "outside the programme")


def test_cli_reports_config_error_without_traceback(tmp_path):
    path = write_variant(tmp_path, lambda d: d.update(subregion="144x"))
    result = run_cli("run", "--config", str(path), "--raw", str(RAW), cwd=ROOT)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (f"error: {path}: key 'subregion': expected a 3-digit sub-region code in quotes "
            "(e.g. '005'), got '144x'") in " ".join(result.stderr.split())


def test_name_instead_of_code_suggests_the_code(tmp_path):
    path = write_variant(tmp_path, lambda d: d["peers"].__setitem__(0, "Alavus"))
    with pytest.raises(UserError) as exc:
        load_config(path, RAW)
    assert str(exc.value) == (f"{path}: key 'peers[0]': expected a 3-digit municipality code "
                              "in quotes (e.g. '005'), got 'Alavus'; did you mean '010' "
                              "(Alavus)?")
