"""Display helpers: escaped text, localised numbers, captions."""

import pandas as pd

from research.report import show


def test_table_has_caption_localised_numbers_and_escaped_cells():
    df = pd.DataFrame({"Kunta": ["<b>Teuva</b>", "Isojoki"], "Väkiluku": [5269.0, 2032.0],
                       "Muutos %": [-1.25, float("nan")]})
    html = show.table(df, "fi", caption="Väkiluku & muutos", decimals=1).data
    assert html.startswith('<table class="dataframe report-table"><caption>Väkiluku &amp; '
                           "muutos</caption><thead><tr><th>Kunta</th><th class=\"num\">")
    assert "<td>&lt;b&gt;Teuva&lt;/b&gt;</td>" in html
    assert '<td class="num">5\u00a0269</td>' in html and '<td class="num">\u22121,2</td>' in html
    assert '<td class="num">–</td>' in html


def test_formatted_number_columns_are_right_aligned_and_text_is_not():
    df = pd.DataFrame({"Ryhmä": ["Karijoki", "Teuva"], "n": ["×", "12"],
                       "Keskiarvo": ["3,60 (3,22–3,98)", "< 0,001"]})
    html = show.table(df, "fi").data
    assert '<th>Ryhmä</th><th class="num">n</th><th class="num">Keskiarvo</th>' in html
    assert '<td>Karijoki</td><td class="num">×</td>' in html


def test_heading_anchor_and_para_escape():
    assert show.heading("Väestön kehitys").data == '<h2 id="vaeston-kehitys">Väestön kehitys</h2>'
    assert show.para("a < b", "note").data == '<p class="report-note">a &lt; b</p>'


def test_every_helper_shows_nothing_for_none():
    assert show.heading(None) is None
    assert show.para(None, "note") is None
    assert show.bullets(None) is None
    assert show.table(None, "fi", caption="x") is None
    assert show.figure(None) is None
    assert show.para("a < b").data == "<p>a &lt; b</p>"
