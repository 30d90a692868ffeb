"""The page check (research.run.pagecheck): WCAG contrast of the templates' colours, and
Chromium's measurements of a planted page (skipped where no Chromium is installed)."""

import re

import pytest

from research.run import index_page, pagecheck
from research.run.pdf import find_chromium

from conftest import ROOT

TEMPLATES = ROOT / "templates" / "report"


def test_contrast_ratio_is_the_wcag_formula():
    assert pagecheck.contrast_ratio("#000", "#ffffff") == pytest.approx(21.0)
    assert pagecheck.contrast_ratio("#fff", "#fff") == pytest.approx(1.0)
    # WCAG's own example values: #777 on white just fails AA (4.48), #767676 just passes
    assert round(pagecheck.contrast_ratio("#777777", "#ffffff"), 2) == 4.48
    assert round(pagecheck.contrast_ratio("#ffffff", "#767676"), 2) == 4.54


def test_a4_text_column_is_180_mm_at_96_px_per_inch():
    assert pagecheck.A4_TEXT_PX == 680
    assert "@page { size: A4; margin: 18mm 15mm 18mm 15mm; }" in (
        TEMPLATES / "print.css.j2").read_text("utf-8")


def _template_css() -> str:
    return "".join((TEMPLATES / n).read_text("utf-8") for n in ("report.css.j2", "print.css.j2"))


def test_every_text_colour_of_the_templates_has_aa_contrast_on_every_background():
    for css in (_template_css(), index_page.STYLE):
        pairs = pagecheck.css_colours(css)
        backgrounds = set(re.findall(r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]{3,6})", css))
        assert pairs and backgrounds
        for selector, colour, own in pairs:
            # a rule with its own background is read on it; any other on any background
            # of the page (the boxes it may sit in) and on white
            for back in [own] if own else [*backgrounds, "#ffffff"]:
                ratio = pagecheck.contrast_ratio(colour, back)
                assert ratio >= 4.5, (selector, colour, back, round(ratio, 2))


def test_the_template_colours_found_are_the_ones_written():
    found = {(s, c, b) for s, c, b in pagecheck.css_colours(_template_css())}
    assert (".report-banner", "#5f1410", "#fdecea") in found
    assert (".report-title h1", "#1f4e79", None) in found
    assert ("footer.report-footer", "#444", None) in found
    assert ("a", "inherit", None) not in found                   # not a colour


PLANTED = """<!DOCTYPE html><html lang="sv"><head><style>
@media print { .wide { width: 900px; } }
.pale { color: #aaaaaa; }
</style></head><body>
<p>Text</p><div class="wide">Bred</div><p class="pale">Blek</p>
<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==" alt="">
<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==">
</body></html>"""


@pytest.mark.slow
def test_chromium_finds_the_planted_faults(tmp_path):
    browser = find_chromium()
    if not browser:
        pytest.skip("no headless Chromium on this machine (apt-get install chromium)")
    page = tmp_path / "planted.html"
    page.write_text(PLANTED, encoding="utf-8")
    got = pagecheck.check_page(browser, page)
    assert got["lang"] == "sv" and got["width"] == 680
    assert got["images"] == ["", None]
    # the print rule makes the div 900 px wide (8 px body margin: right edge at 908)
    assert got["wide"] == [["div", "wide", 908]]
    assert got["contrast"] == {"ratio": 2.32, "element": "p.pale", "colour": "#aaaaaa",
                               "background": "#ffffff"}
