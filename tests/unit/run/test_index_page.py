"""`reports/index.html` in the report language: its `lang` attribute, title, headings and
municipality names (Swedish names in Swedish)."""

import re

import pytest

from research.core.config import load_config
from research.run.index_page import write_index
from research.run.manifest import RunContext

from conftest import RAW, ROOT


@pytest.mark.parametrize("language, title, heading, rows", [
    ("fi", "Raportit: Suupohjan kuntien kehittämisohjelma", "Raportit kunnittain",
     ["Kauhajoki", "Teuva", "Isojoki", "Karijoki", "Koko ohjelma"]),
    ("sv", "Rapporter: Utvecklingsprogrammet för kommunerna i Suupohja", "Rapporter per kommun",
     ["Kauhajoki", "Östermark", "Storå", "Bötom", "Hela programmet"]),
    ("en", "Reports: Suupohja municipalities' development programme", "Reports by municipality",
     ["Kauhajoki", "Teuva", "Isojoki", "Karijoki", "Whole programme"])])
def test_index_page_is_in_the_report_language(tmp_path, language, title, heading, rows):
    ctx = RunContext(config=load_config(ROOT / "config" / "suupohja.yml", RAW),
                     language=language, notebooks=ROOT / "notebooks",
                     templates=ROOT / "templates", processed=tmp_path, raw=RAW,
                     reports=tmp_path)
    write_index(ctx, {})
    page = (tmp_path / "index.html").read_text("utf-8")
    assert re.findall(r"<html[^>]*>", page) == [f'<html lang="{language}">']
    assert re.search(r"<title>(.*?)</title>", page).group(1) == title.replace("'", "&#x27;")
    assert f"<h2>{heading}</h2>" in page
    matrix = page[page.index("<table class='matrix'>"):]
    assert re.findall(r"<tr><th scope='row'>([^<]+)</th>", matrix) == rows
