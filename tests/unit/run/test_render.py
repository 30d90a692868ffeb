"""The rendered HTML report: its `lang` attribute is the report language."""

import re
from pathlib import Path

import nbformat
import pytest

from research.run.render import render_html

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


@pytest.mark.parametrize("language", ["fi", "en", "sv"])
def test_html_lang_attribute_is_the_report_language(language):
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("1", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": '<h2 id="a">Otsikko</h2>'})]))
    html = render_html(nb, {"title": "T", "language": language}, TEMPLATES)
    assert re.findall(r"<html[^>]*\blang=\"([a-z]+)\"", html) == [language]
