"""Display helpers: escaped text, localised numbers, captions."""

import pandas as pd

from research import show


def test_table_has_caption_localised_numbers_and_escaped_cells():
    df = pd.DataFrame({"Kunta": ["<b>Teuva</b>", "Isojoki"], "Väkiluku": [5269.0, 2032.0],
                       "Muutos %": [-1.25, float("nan")]})
    html = show.table(df, "fi", caption="Väkiluku & muutos", decimals=1).data
    assert html.startswith('<table class="dataframe report-table"><caption>Väkiluku &amp; '
                           "muutos</caption>")
    assert "&lt;b&gt;Teuva&lt;/b&gt;" in html
    assert "<td>5\u00a0269</td>" in html and "<td>-1,2</td>" in html and "<td>–</td>" in html


def test_heading_anchor_and_para_escape():
    assert show.heading("Väestön kehitys").data == '<h2 id="vaeston-kehitys">Väestön kehitys</h2>'
    assert show.para("a < b", "note").data == '<p class="report-note">a &lt; b</p>'
