"""`--unit` by municipality name, and the PDF printer's lookup of Chromium."""

import pytest

from research.core.config import load_config
from research.core.errors import UserError
from research.run import pdf
from research.run.matrix import build_matrix, municipality_names

from conftest import RAW, ROOT


@pytest.fixture(scope="module")
def suupohja():
    return load_config(ROOT / "config" / "suupohja.yml", RAW)


def test_unit_by_name_is_case_insensitive(suupohja):
    names = municipality_names(suupohja, RAW)
    assert names == {"232": "Kauhajoki", "846": "Teuva", "151": "Isojoki", "218": "Karijoki"}
    by_code = [u.key for u in build_matrix(suupohja, units=["232"], names=names)]
    for wanted in ("Kauhajoki", "kauhajoki", " KAUHAJOKI "):
        assert [u.key for u in build_matrix(suupohja, units=[wanted], names=names)] == by_code
    keys = [u.key for u in build_matrix(suupohja, phases=["baseline"],
                                        units=["teuva", "151"], names=names)]
    assert keys == ["baseline/846", "baseline/151"]


def test_unknown_name_lists_the_valid_names(suupohja):
    with pytest.raises(UserError) as exc:
        build_matrix(suupohja, units=["Kauhajok"], names=municipality_names(suupohja, RAW))
    assert str(exc.value) == ("unknown municipality 'Kauhajok'; did you mean 'Kauhajoki'? "
                              "(municipalities: Isojoki, Karijoki, Kauhajoki, Teuva; "
                              "or a code: 151, 218, 232, 846)")


def test_pdf_without_chromium_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(pdf.ENV, raising=False)
    assert pdf.find_chromium() is None
    with pytest.raises(UserError) as exc:
        pdf.require_chromium()
    assert str(exc.value) == (
        "--pdf needs headless Chromium, and none was found on this machine (tried "
        "$RESEARCH_CHROMIUM and chromium, chromium-browser, google-chrome, "
        "google-chrome-stable); install it (Debian: `apt-get install chromium`) or set "
        "RESEARCH_CHROMIUM to its path")
    fake = tmp_path / "my-chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv(pdf.ENV, str(fake))
    assert pdf.find_chromium() == str(fake)
